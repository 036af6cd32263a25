"""A deploy target: how a detection becomes one ARM resource, and how to compare it with the live one."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.environment import Environment
from kqlrules.deploy.normalise import Json
from kqlrules.deploy.ownership import Ownership
from kqlrules.rules.model import MAX_QUERY_LENGTH


class Problem(NamedTuple):
    """A limit a detection breaks; `keys` name the metadata it is about (("query",) for the query)."""

    message: str
    keys: tuple[str, ...] = ()


def query_problems(item: Deployable) -> list[Problem]:
    if not item.query.strip():
        return [Problem("query is empty", ("query",))]
    if len(item.query) > MAX_QUERY_LENGTH:
        return [
            Problem(f"query is {len(item.query)} characters; the limit is {MAX_QUERY_LENGTH}", ("query",))
        ]
    return []


class Target(Protocol):
    name: str
    resource_type: str
    api_version: str

    def resource_name(self, item: Deployable) -> str:
        """The ARM name of the rule; stable across renames of the detection."""
        ...

    def preflight(self, item: Deployable, environment: Environment) -> list[Problem]:
        """Every API limit this target has that the detection or its query breaks."""
        ...

    def body(self, item: Deployable, environment: Environment, owner: Ownership) -> Json:
        """The PUT body for the rule."""
        ...

    def normalise(self, body: Json) -> Json:
        """The comparable form of a body, ours or the service's."""
        ...

    def owner(self, body: Json) -> Ownership | None:
        """The ownership marks of a live rule, if it has them."""
        ...
