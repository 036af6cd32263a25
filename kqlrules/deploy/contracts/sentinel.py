"""Microsoft Sentinel analytics rules (kinds Scheduled and NRT): every limit the service enforces.

Sources, cited rule by rule below:
- [swagger] securityinsights 2025-09-01 and 2025-07-01-preview AlertRules.json (azure-rest-api-specs);
- [CI] Azure-Sentinel repository CI, `.script/tests/detectionTemplateSchemaValidation/Models/*.cs`, which
  encodes the service's contract for rule templates;
- [Learn] Microsoft Learn's Sentinel articles (customize-alert-details, surface-custom-details-in-alerts,
  map-data-fields-to-entities, detect-threats-custom, near-real-time-rules).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from kqlrules.deploy.contracts.entities import entity_problems
from kqlrules.deploy.contracts.mitre import unmatched_techniques
from kqlrules.deploy.contracts.violation import ContractViolation, Keys, QueryFacts
from kqlrules.deploy.ownership import Ownership, with_marker
from kqlrules.rules import Detection

TARGET = "sentinel"
# [CI] MaxAmountOfDynamicContentPlaceHoldersAttribute: `{{([^{}]*)}}`, every occurrence counted;
# [Learn] customize-alert-details: "up to three parameters" in the alert name and in its description.
PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
MAX_PLACEHOLDERS = 3
# [CI] QueryBasedTemplateInternalModel: StringLength(10000, MinimumLength = 1) on the query.
MAX_QUERY = 10_000
# [CI] AnalyticsTemplateInternalModelBase (name 256, description 5000), AlertDetailsOverride (the formats).
MAX_TITLE, MAX_DESCRIPTION = 256, 5000
# [CI] QueryBasedTemplateInternalModel: DictionaryLength(20), key <= 20 and value <= 500 characters, key
# `^[a-zA-Z]+\w*$`, value (a column name) `^[a-zA-Z_]+\w*$`; [Learn] surface-custom-details-in-alerts.
MAX_CUSTOM_DETAILS, MAX_DETAIL_KEY, MAX_COLUMN = 20, 20, 500
DETAIL_KEY = re.compile(r"^[a-zA-Z]+\w*$")
COLUMN = re.compile(r"^[a-zA-Z_]+\w*$")
# [Learn] map-data-fields-to-entities and sentinel-service-limits: up to 10 entities, 3 identifiers each;
# [CI] QueryBasedTemplateInternalModel: ValidEntityMappings(1, 10, 1, 3) (it was 5 for scheduled rules once).
MAX_ENTITIES_SERVICE, MAX_IDENTIFIERS = 10, 3
# [CI] KillChainTechniquesHelper: a technique is T####, a sub-technique T####.###.
TECHNIQUE, SUB_TECHNIQUE = re.compile(r"^T\d{4}$"), re.compile(r"^T\d{4}\.\d{3}$")
# [CI] QueryBasedTemplateVersionValidator (the service's ARM model validation): templateVersion is X.Y.Z.
TEMPLATE_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
# [swagger] AlertProperty: what alert.dynamic_properties may override (SubTechniques is 2025-07-01-preview's
# only: kqlrules sends a rule that overrides it with that version, kqlrules/deploy/api_versions.py).
ALERT_PROPERTIES = (
    "AlertLink", "ConfidenceLevel", "ConfidenceScore", "ExtendedLinks", "ProductName", "ProviderName",
    "ProductComponentName", "RemediationSteps", "Techniques", "SubTechniques",
)  # fmt: skip
# [CI] ScheduledTemplateInternalModel: RangeTimeSpanIsoFormat("00:05:00", "14.00:00:00") on both.
MIN_SCHEDULE, MAX_SCHEDULE = timedelta(minutes=5), timedelta(days=14)
# [Learn] detect-threats-custom, alert grouping: incidents group alerts from the last 5 minutes to 7 days.
MIN_GROUPING, MAX_GROUPING = timedelta(minutes=5), timedelta(days=7)
# [Learn] near-real-time-rules: queries run within a single workspace (no cross-workspace functions).
CROSS_RESOURCE = ("workspace", "app", "resource", "adx", "arg")
SUPPRESSION = (timedelta(minutes=5), timedelta(hours=24))
# [Learn] near-real-time-rules: "No more than 50 rules can be defined per customer".
MAX_NRT_RULES = 50


def check(
    detection: Detection,
    query: str,
    facts: QueryFacts,
    owner: Ownership,
    *,
    export: bool = False,
) -> list[ContractViolation]:
    found: list[ContractViolation] = []

    def add(rule: str, message: str, keys: Keys, hint: str = "", *, warning: bool = False) -> None:
        found.append(ContractViolation(TARGET, rule, message, keys, hint, warning))

    d = detection
    if not query.strip():
        add("query-empty", "the query is empty", ("query",))
    elif len(query) > MAX_QUERY:
        add(
            "query-length",
            f"the query is {len(query)} characters; Sentinel's limit is {MAX_QUERY}",
            ("query",),
        )
    _texts(d, owner, add)
    _schedule(d, facts, add)
    _custom_details(d, facts, add)
    _entities(d, facts, add, export=export)
    _grouping(d, add)
    _mitre(d, add, export=export)
    _template(d, add)
    _dynamic_properties(d, facts, add)
    for name, column in (
        ("severity_column", d.alert.severity_column),
        ("tactics_column", d.alert.tactics_column),
    ):
        if column and not facts.knows(column):
            add(
                "output-column",
                f"alert.{name} {column!r} is not a column of the query's output",
                ("alert", name),
                "name a column the query's last operator outputs",
            )
    return found


def _texts(d: Detection, owner: Ownership, add: _Add) -> None:
    if len(d.name) > MAX_TITLE:
        add("title-length", f"name is {len(d.name)} characters; Sentinel's limit is {MAX_TITLE}", ("name",))
    described = with_marker(d.description, owner)
    if len(described) > MAX_DESCRIPTION:
        add(
            "description-length",
            f"description is {len(described)} characters with the ownership marker kqlrules adds "
            f"({len(described) - len(d.description)}); Sentinel's limit is {MAX_DESCRIPTION}",
            ("description",),
            "shorten the description: the marker names the repository and detection so prune can find it",
        )
    for key, limit in (("title", MAX_TITLE), ("description", MAX_DESCRIPTION)):
        text = getattr(d.alert, key)
        if text is None:
            continue
        if not text.strip():
            add("alert-format-empty", f"alert.{key} is empty; leave it out instead", ("alert", key))
        if len(text) > limit:
            add(
                "alert-format-length",
                f"alert.{key} is {len(text)} characters; the limit is {limit}",
                ("alert", key),
            )
        placeholders = PLACEHOLDER.findall(text)
        if len(placeholders) > MAX_PLACEHOLDERS:
            add(
                "alert-placeholders",
                f"alert.{key} has {len(placeholders)} {{{{column}}}} placeholders; Sentinel allows "
                f"{MAX_PLACEHOLDERS}",
                ("alert", key),
                "keep the three most telling columns and move the others to custom_details",
            )


def _schedule(d: Detection, facts: QueryFacts, add: _Add) -> None:
    if d.sentinel.kind == "NRT":
        # NRT rules run every minute on what was ingested since; the schedule is not sent.
        used = sorted(facts.functions & set(CROSS_RESOURCE))
        if used:
            add(
                "nrt-single-workspace",
                f"an NRT rule's query runs in its own workspace only; it calls {', '.join(used)}()",
                ("query",),
                "deploy it as kind Scheduled, or query the local workspace only",
            )
    # [Learn] detect-threats-custom, alert suppression: 5 minutes to 24 hours (the model's suppress_for).
    if d.suppress_for is not None and not SUPPRESSION[0] <= d.suppress_for <= SUPPRESSION[1]:
        add("suppression", "suppress_for must be between 5m and 24h", ("suppress_for",))
    if d.sentinel.kind == "NRT":
        return
    for name in ("frequency", "period"):
        value: timedelta = getattr(d.schedule, name)
        if not MIN_SCHEDULE <= value <= MAX_SCHEDULE:
            add(
                "schedule-range",
                f"schedule.{name} must be between 5m and 14d for a Sentinel scheduled rule",
                ("schedule", name),
                "use sentinel.kind: NRT for alerts within a minute",
            )


def _custom_details(d: Detection, facts: QueryFacts, add: _Add) -> None:
    if len(d.custom_details) > MAX_CUSTOM_DETAILS:
        add(
            "custom-details-count",
            f"{len(d.custom_details)} custom details; Sentinel allows {MAX_CUSTOM_DETAILS}",
            ("custom_details",),
        )
    for key, column in d.custom_details.items():
        if len(key) > MAX_DETAIL_KEY or not DETAIL_KEY.match(key):
            add(
                "custom-details-key",
                f"custom detail key {key!r} must start with a letter, hold only letters, digits and _ "
                f"and be at most {MAX_DETAIL_KEY} characters",
                ("custom_details", key),
            )
        if len(column) > MAX_COLUMN or not COLUMN.match(column):
            add(
                "custom-details-column",
                f"custom detail {key} names {column!r}, not a column name",
                ("custom_details", key),
            )
        elif not facts.knows(column):
            add(
                "output-column",
                f"custom detail {key} reads {column!r}, not a column of the query's output",
                ("custom_details", key),
                _columns_hint(facts),
            )
    for key in ("title", "description"):
        for column in PLACEHOLDER.findall(getattr(d.alert, key) or ""):
            if not facts.knows(column.strip()):
                add(
                    "output-column",
                    f"alert.{key} shows {{{{{column.strip()}}}}}, not a column of the query's output",
                    ("alert", key),
                    _columns_hint(facts),
                )


def _entities(d: Detection, facts: QueryFacts, add: _Add, *, export: bool) -> None:
    if len(d.entities) > MAX_ENTITIES_SERVICE:
        add(
            "entity-count",
            f"{len(d.entities)} entity mappings; Sentinel allows {MAX_ENTITIES_SERVICE}",
            ("entities",),
        )
    types = [entity.type for entity in d.entities]
    for index, entity in enumerate(d.entities):
        keys: Keys = ("entities", entity.type) if types.count(entity.type) == 1 else ("entities", index)
        identifiers = list(entity.fields)
        if not 1 <= len(identifiers) <= MAX_IDENTIFIERS:
            add(
                "entity-identifiers",
                f"{entity.type} maps {len(identifiers)} identifiers; 1 to {MAX_IDENTIFIERS}",
                keys,
            )
        for problem in entity_problems(entity.type, identifiers):
            add("entity-identifiers", problem, keys, "see Microsoft Learn's Sentinel entities reference")
        for identifier, column in entity.fields.items():
            if len(column) > MAX_COLUMN or not COLUMN.match(column):
                add("entity-column", f"{entity.type}.{identifier} names {column!r}, not a column name", keys)
            elif not facts.knows(column):
                add(
                    "output-column",
                    f"{entity.type}.{identifier} reads {column!r}, not a column of the query's output",
                    keys,
                    _columns_hint(facts),
                )


def _grouping(d: Detection, add: _Add) -> None:
    grouping = d.sentinel.incident.grouping
    where: Keys = ("sentinel", "incident", "grouping")
    mapped = {entity.type for entity in d.entities}
    # [swagger] GroupingConfiguration.groupByEntities / groupByCustomDetails: "Only entities (keys) defined
    # in the current alert rule may be used."
    for entity in grouping.group_by_entities:
        if entity not in mapped:
            add(
                "grouping-entities",
                f"incident grouping by entity {entity}, which the rule does not map",
                (*where, "group_by_entities"),
                f"mapped entities: {', '.join(sorted(mapped)) or 'none'}",
            )
    for key in grouping.group_by_custom_details:
        if key not in d.custom_details:
            add(
                "grouping-custom-details",
                f"incident grouping by custom detail {key!r}, which the rule does not define",
                (*where, "group_by_custom_details"),
                f"custom details: {', '.join(d.custom_details) or 'none'}",
            )
    # [swagger] matchingMethod: "When method is Selected at least one of groupByEntities,
    # groupByAlertDetails, groupByCustomDetails must be provided and not empty."
    if (
        grouping.enabled
        and grouping.matching_method == "Selected"
        and not (
            grouping.group_by_entities or grouping.group_by_alert_details or grouping.group_by_custom_details
        )
    ):
        add(
            "grouping-selected",
            "matching_method Selected needs group_by_entities, group_by_alert_details "
            "or group_by_custom_details",
            (*where, "matching_method"),
        )
    if not MIN_GROUPING <= grouping.lookback <= MAX_GROUPING:
        add("grouping-lookback", "incident grouping lookback must be between 5m and 7d", (*where, "lookback"))


def _mitre(d: Detection, add: _Add, *, export: bool) -> None:
    for index, technique in enumerate(d.techniques):
        if not (TECHNIQUE.match(technique) or SUB_TECHNIQUE.match(technique)):
            add(
                "techniques", f"technique {technique!r} is neither T#### nor T####.###", ("techniques", index)
            )
    if not export:
        return
    # [CI] NoTechniquesWithoutMatchingTactics, KillChainTechniquesHelper (see contracts/mitre.py).
    for technique in unmatched_techniques(d.techniques, d.tactics):
        add(
            "technique-tactics",
            f"no valid tactic corresponding to the technique {technique} was provided in the tactics field",
            ("techniques", d.techniques.index(technique)),
            "add one of the technique's ATT&CK tactics (Azure-Sentinel's repository CI refuses it)",
            warning=True,
        )


def _template(d: Detection, add: _Add) -> None:
    template = d.sentinel.template
    if template is None or template.version is None:
        return
    if not TEMPLATE_VERSION.match(template.version):
        add(
            "template-version",
            f"sentinel.template.version {template.version!r} should be in format X.Y.Z (all numbers)",
            ("sentinel", "template", "version"),
        )
    if not template.name.strip():
        add(
            "template-version",
            "sentinel.template.version can only be used if sentinel.template.name is not empty",
            ("sentinel", "template", "name"),
        )


def _dynamic_properties(d: Detection, facts: QueryFacts, add: _Add) -> None:
    # [Learn] customize-alert-details: each dynamic property takes its value from a column of the results.
    for name, column in d.alert.dynamic_properties.items():
        keys: Keys = ("alert", "dynamic_properties", name)
        if name not in ALERT_PROPERTIES:
            add(
                "alert-dynamic-property",
                f"alert.dynamic_properties {name!r} is not one of Sentinel's: {', '.join(ALERT_PROPERTIES)}",
                keys,
            )
        if len(column) > MAX_COLUMN or not COLUMN.match(column):
            add("alert-dynamic-property", f"alert.dynamic_properties {name}: {column!r} is no column", keys)
        elif not facts.knows(column):
            add(
                "output-column",
                f"alert.dynamic_properties {name} reads {column!r}, not a column of the query's output",
                keys,
                _columns_hint(facts),
            )


def _columns_hint(facts: QueryFacts) -> str:
    if facts.columns is None:
        return ""
    shown = sorted(facts.columns)
    return "the query outputs " + (", ".join(shown) if len(shown) <= 15 else f"{len(shown)} columns")


class _Add(Protocol):  # the signature of `add` in check(), for the helpers' type hints
    def __call__(
        self, rule: str, message: str, keys: Keys, hint: str = "", *, warning: bool = False
    ) -> None: ...


def nrt_count_violations(kinds: Sequence[str]) -> list[ContractViolation]:
    count = kinds.count("NRT")
    if count <= MAX_NRT_RULES:
        return []
    return [
        ContractViolation(
            TARGET, "nrt-count", f"{count} NRT rules; Sentinel allows {MAX_NRT_RULES} per workspace"
        )
    ]
