"""What each target accepts, checked before any call: one contract module per target.

```python
from kqlrules.deploy.contracts import check_detection, query_facts
facts = query_facts(item.query, schemas)            # the analyzer's output columns, syntax errors, operators
for violation in check_detection(item, "sentinel", repository="acme/detections", facts=facts):
    print(item.place(violation.keys), violation.message, violation.hint)
```

`kqlrules validate` and `deploy plan` / `apply` / `export` run them; the local ARM emulator has its own,
independently written table (kqlrules/deploy/emulator/validation.py), so a mistake in one shows up as a
disagreement in tests. Each rule cites its source in the module that holds it.
"""

from __future__ import annotations

from collections.abc import Iterable

from kqlrules.deploy.contracts import incident_creation, monitor, sentinel
from kqlrules.deploy.contracts.query import query_facts
from kqlrules.deploy.contracts.violation import ContractViolation, QueryFacts
from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.ownership import HASH_LENGTH, Ownership
from kqlrules.rules import IncidentCreationRule

TARGETS = ("sentinel", "monitor")


def deploys_to(item: Deployable, target: str, environment_targets: Iterable[str] = TARGETS) -> bool:
    """Whether `item` deploys to `target`: the environment's targets, narrowed by the detection's own
    `targets`; an incident-creation rule is a Sentinel rule only."""
    if target not in tuple(environment_targets):
        return False
    if isinstance(item.detection, IncidentCreationRule):
        return target == "sentinel"
    wanted = item.detection.targets
    return wanted is None or target in wanted


def check_detection(
    item: Deployable,
    target: str,
    *,
    repository: str = "kqlrules",
    facts: QueryFacts | None = None,
    export: bool = False,
) -> list[ContractViolation]:
    """Every rule of `target`'s contract that `item` breaks (warnings included: see `.warning`).

    `repository` is the identity the ownership marker carries (it counts toward Sentinel's description
    limit); `facts` are the analyzer's (`query_facts`), without which column and syntax rules are skipped;
    `export` adds the Azure-Sentinel repository CI's stricter numbers as warnings.
    """
    # The marker as deployed carries the content hash too: count it in the description's length.
    owner = Ownership(item.id, repository, "0" * HASH_LENGTH)
    known = facts or QueryFacts()
    d = item.detection
    if isinstance(d, IncidentCreationRule):
        return incident_creation.check(d, owner) if target == "sentinel" else []
    if target == "sentinel":
        return sentinel.check(d, item.query, known, owner, export=export)
    if target == "monitor":
        return monitor.check(d, item.query, known)
    raise ValueError(f"unknown target {target!r}")


def check_repository(items: Iterable[Deployable], target: str) -> list[ContractViolation]:
    """Limits over all of a workspace's rules together (Sentinel's 50 NRT rules)."""
    if target != "sentinel":
        return []
    kinds = [i.detection.sentinel.kind for i in items if not isinstance(i.detection, IncidentCreationRule)]
    return sentinel.nrt_count_violations(kinds)


__all__ = [
    "ContractViolation",
    "QueryFacts",
    "check_detection",
    "check_repository",
    "deploys_to",
    "query_facts",
]
