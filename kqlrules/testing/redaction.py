"""Redaction for recorded fixtures: people, addresses and machines replaced by consistent pseudonyms.

The same input always gives the same pseudonym within one salt, so a recorded sign-in and the audit entry
about the same user still join after redaction, and thresholds over distinct users still count the same.
Without a salt of the user's own, a random one is drawn per recording (consistent within it, and not
reversible by hashing a list of known names).

A column is redacted by its name (`UserPrincipalName` -> upn, `IPAddress` -> ip, `Computer` -> host), or
as `--redact Column=mode` says. Every other string, including inside dynamic values, still has e-mail
addresses and IPv4 addresses replaced where they appear.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Mapping
from typing import Any

MODES = ("upn", "ip", "host", "hash", "keep", "drop")

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_IPV4 = re.compile(r"\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b")
# Column and JSON key names, lower-cased, and what they hold.
_BY_NAME = {
    "upn": (
        "userprincipalname",
        "upn",
        "accountupn",
        "initiatingprocessaccountupn",
        "caller",
        "userid",
        "alternatesigninname",
        "mail",
        "targetuserupn",
        "actorupn",
    ),
    "ip": ("ipaddress", "calleripaddress", "clientip", "srcipaddr", "dstipaddr", "remoteip", "sourceip"),
    "host": ("computer", "devicename", "hostname", "workstation", "workstationname", "host", "dvchostname"),
    "hash": ("userdisplayname", "displayname", "accountname", "targetusername", "subjectusername"),
}
_NAME_MODES = {name: mode for mode, names in _BY_NAME.items() for name in names}


class Redactor:
    def __init__(self, salt: str | None = None, columns: Mapping[str, str] | None = None) -> None:
        self.salt = (salt or secrets.token_hex(16)).encode()
        self.columns = {name.lower(): mode for name, mode in (columns or {}).items()}
        for name, mode in self.columns.items():
            if mode not in MODES:
                raise ValueError(f"unknown redaction {mode!r} for column {name} (one of {', '.join(MODES)})")

    def mode_for(self, column: str) -> str | None:
        key = column.lower()
        return self.columns.get(key) or _NAME_MODES.get(key)

    def row(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return {name: self.value(name, value) for name, value in record.items()}

    def value(self, column: str, value: Any) -> Any:
        mode = self.mode_for(column)
        if mode == "keep":
            return value
        if mode == "drop":
            return None
        if isinstance(value, str) and mode is not None:
            return self.pseudonym(value, mode)
        return self._scrub(value)

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self._scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(str(key), item) for key, item in value.items()}
        return value

    def text(self, text: str) -> str:
        """E-mail and IPv4 addresses in free text, replaced where they stand."""
        text = _EMAIL.sub(lambda m: self.pseudonym(m.group(0), "upn"), text)
        return _IPV4.sub(lambda m: self.pseudonym(m.group(0), "ip"), text)

    def pseudonym(self, value: str, mode: str) -> str:
        if not value:
            return value
        digest = hmac.new(self.salt, f"{mode}:{value.lower()}".encode(), hashlib.sha256).digest()
        tag = digest.hex()[:10]
        if mode == "upn":
            if "@" not in value:
                return f"user-{tag}"
            return f"user-{tag}@{_domain(digest)}"
        if mode == "ip":
            return _address(value, digest)
        if mode == "host":
            return f"host-{tag}"
        return tag


def _domain(digest: bytes) -> str:
    # Reserved for documentation (RFC 2606): never a real tenant.
    return f"tenant-{digest.hex()[10:16]}.example"


def _address(value: str, digest: bytes) -> str:
    try:
        parsed = ipaddress.ip_address(value)
    except ValueError:
        return f"ip-{digest.hex()[:10]}"
    if parsed.version == 4:
        # 198.18.0.0/15 is reserved for benchmarking (RFC 2544): never a real client.
        return f"198.{18 + digest[0] % 2}.{digest[1]}.{digest[2]}"
    # 2001:db8::/32 is reserved for documentation (RFC 3849).
    groups = [digest[i] << 8 | digest[i + 1] for i in range(0, 12, 2)]
    return "2001:db8:" + ":".join(f"{g:x}" for g in groups)
