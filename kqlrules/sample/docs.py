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
    "AADServicePrincipalSignInLogs": "apps signing in with their own credentials (pipeline, HR sync)",
    "AADManagedIdentitySignInLogs": "a web app's managed identity reading Key Vault every hour",
    "IntuneAuditLogs": "Intune admin actions (sync, reboot, retire, wipe, policy and role changes)",
    "IntuneDevices": "the daily Intune device snapshot, one row per laptop (ReferenceId: Entra device id)",
    "AADUserRiskEvents": "Identity Protection risk detections, a row per change of state",
    "AADRiskyUsers": "Identity Protection's risky-user state, a row per change",
    "AADRiskyAgents": "Identity Protection's risk state of AI agent identities, a row per change",
}


BACKGROUND = [
    "## The background",
    "",
    "Most of a real tenant's logs are ordinary churn, and a detection is only as good as its silence",
    "on it. Around the stories, the week holds (`kqlrules/sample/background.py`, `churn.py`):",
    "",
    "- **sign-ins**: each person signs in on working days from the office (weekends from home), with a",
    "  typo now and then; browser apps refresh their tokens non-interactively, the refresh satisfied by",
    '  the MFA claim in the token ("MFA requirement satisfied by claim in the token"); phones refresh',
    "  mail from home. Every browser updates itself mid-week (Edge and Chrome 130 to 131, Safari 18.1",
    "  to 18.2), each user on their own day.",
    "- **admin tools**: the cloud admin uses the Azure CLI and Microsoft Graph PowerShell with MFA on",
    "  working days, with silent token refreshes (real first-party AppIds throughout).",
    "- **directory sync**: Entra Connect's `Sync_...` account updates users every sync cycle and adds",
    "  and removes members of on-premises groups.",
    "- **PIM**: two eligible admins activate their roles every working morning (PIM's request and",
    '  completion events, MS-PIM\'s Core Directory "Add member to role"), expiring eight hours later.',
    "- **dynamic groups**: Microsoft Approval Management adds and removes members.",
    "- **security info**: people register a new phone, change their default method, and some delete",
    '  the old one ("User deleted security info").',
    "- **devices**: new phones registered by the Device Registration Service; laptops that lapse out",
    "  of compliance overnight and are compliant again before work; Intune syncs and reboots, Intune's",
    "  own clean-up of stale devices, the helpdesk retiring a lost phone, and the daily IntuneDevices",
    "  snapshot.",
    "- **apps**: a deployment pipeline and an HR sync app sign in as service principals, a web app's",
    "  managed identity reads Key Vault every hour; VMs are started and stopped, releases deployed.",
    '- **Identity Protection**: low-risk "unfamiliar sign-in properties" detections, remediated when',
    "  the user passes MFA.",
    "- **AI agents**: two Entra Agent ID agent users refresh their Microsoft Graph tokens twice a day from",
    "  their own Azure addresses (the sign-in's `Agent` column marks them `agentIDuser`).",
    "",
    "`kqlrules demo` runs the whole pack over the week and prints, per detection, the alerts on the",
    "stories it is meant for, on look-alikes and on this background, and the precision (the share of",
    "alerts on stories). Nobody picked the background to be quiet: a detection that alerts on it says",
    "why in its description. `kqlrules backtest --workspace local:DIR` over a generated folder adds the",
    "same split (the folder keeps its stories in `_sample/stories.json`).",
    "",
    "## Precision of the pack on this week",
    "",
    "Measured with `python benchmarks/precision.py` (every detection's schedule replayed over the week,",
    "NRT twins hourly as kqlrules' runner runs them): 62 alerts, 55 on the stories they are for, none on",
    "a look-alike, 7 on the background; no story missed. The background alerts, each explained in its",
    "detection's description:",
    "",
    "| detection | background alerts | why |",
    "| --- | --- | --- |",
    "| mfa_disabled, mfa_disabled_nrt | 2 each | users deleting an old phone's method after registering"
    ' a new one ("User deleted security info"): the same event as an attacker removing MFA; confirm with'
    " the user |",
    "| user_or_device_added | 2 | phones registered by their users: an Informational inventory feed by"
    " design |",
    "| device_wiped_or_retired | 1 | the helpdesk retiring a lost phone: confirm with the ticket |",
    "",
    "Every other detection raised alerts only on its stories. Intune's own nightly clean-up of stale",
    "devices and the laptops that lapse out of compliance overnight raise nothing.",
    "",
]


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
        *BACKGROUND,
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
