"""A deploy target: how a detection becomes one ARM resource, and how to compare it with the live one.

What a target accepts is its contract's (kqlrules/deploy/contracts/), checked before any body is built.
"""

from __future__ import annotations

from typing import Protocol

from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.environment import Environment
from kqlrules.deploy.normalise import Json
from kqlrules.deploy.ownership import Ownership


class Target(Protocol):
    name: str
    resource_type: str
    api_version: str

    def resource_name(self, item: Deployable, environment: Environment) -> str:
        """The ARM name of the rule; stable across renames of the detection."""
        ...

    def name_for(self, detection_id: str, environment: Environment) -> str:
        """The ARM name kqlrules gives the rule of a detection id: a live rule marked with that id under
        another name is a copy someone made (in the portal), not the rule kqlrules created."""
        ...

    def body(self, item: Deployable, environment: Environment, owner: Ownership) -> Json:
        """The PUT body for the rule."""
        ...

    def api_version_of(self, body: Json) -> str:
        """The api-version a body is sent with (kqlrules/deploy/api_versions.py decides)."""
        ...

    def normalise(self, body: Json) -> Json:
        """The comparable form of a body, ours or the service's."""
        ...

    def owner(self, body: Json) -> Ownership | None:
        """The ownership marks of a live rule, if it has them."""
        ...
