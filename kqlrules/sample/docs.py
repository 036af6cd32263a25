"""The stories of a generated week as a Markdown table (what `docs/sample-tenant.md` holds)."""

from __future__ import annotations

from kqlrules.sample.generate import GeneratedTenant

TABLE_NOTES = {
    "SigninLogs": "interactive Entra ID sign-ins; nested details as dynamic columns",
    "AADNonInteractiveUserSignInLogs": "token refreshes; the same details as JSON text, as the real table",
    "AuditLogs": "directory changes: users, groups, roles, devices, apps, policies",
    "AzureActivity": "Azure Resource Manager operations, each a Start and a Success event",
    "AzureDiagnostics": "Key Vault data-plane audit events (SecretGet, SecretList)",
    "SecurityAlert": "Microsoft Defender alerts",
}


def stories_markdown(week: GeneratedTenant) -> str:
    lines = [
        "# The sample tenant",
        "",
        '`kqlrules sample generate` writes a week of the small tenant "contoso" (40 people, three',
        "admins, service principals, devices, an Azure subscription) as a local workspace folder: one",
        "`<Table>.jsonl` per table. The same seed always gives the same bytes. Embedded in the ordinary",
        "week are the stories below: attacks the detection pack must catch, and look-alikes it must not.",
        "A detection run with its default parameters at *check at* sees the whole story; run it as a",
        "workspace would, over the rows up to *check at* only (later rows are that moment's future).",
        "",
        f"Default week: seed {week.seed}, {week.start:%Y-%m-%d} ({week.start:%A}) to {week.end:%Y-%m-%d}.",
        "Generated from `kqlrules/sample/stories/`; a test keeps this file in step with it.",
        "",
        "| table | rows | what |",
        "| --- | --- | --- |",
        *(f"| {table} | {week.row_counts[table]} | {TABLE_NOTES[table]} |" for table in week.row_counts),
        "",
        "## Stories",
        "",
        "| story | attack | start (UTC) | check at | actors | fires | must not fire |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for story in sorted(week.stories, key=lambda s: (s.start, s.name)):
        cells = (
            f"`{story.name}`: {story.title}",
            "yes" if story.malicious else "no",
            f"{story.start:%a %m-%d %H:%M}",
            f"{story.check_at:%a %m-%d %H:%M}",
            ", ".join(story.actors),
            ", ".join(story.fires) or "-",
            ", ".join(story.must_not_fire) or "-",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
