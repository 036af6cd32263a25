"""Datetimes as text, the one home of each form kqlrules reads and writes; every datetime is UTC-aware.

Log Analytics prints a datetime cell as ISO 8601 in UTC with `Z` and up to seven fraction digits, trailing
zeros dropped (`2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.5Z`); Kusto's own `tostring()` and fixtures
exported from it carry seven digits (`2024-05-01T10:00:00.0000000Z`). Kusto's datetime is a count of 100-ns
ticks (https://learn.microsoft.com/kusto/query/scalar-data-types/datetime); Python's datetime stops at the
microsecond, so an instant with a seventh digit is a `TickDatetime`, which keeps that last tick.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

_FRACTION = re.compile(r"\.(\d+)")
TICKS_PER_MICROSECOND = 10
# Ticks (100 ns) from 0001-01-01, Kusto's origin of datetime, to 1970-01-01.
UNIX_EPOCH_TICKS = 621_355_968_000_000_000
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TickDatetime(datetime):
    """An aware datetime plus `tick`, the 100-ns tick (0-9) below its microsecond that Python cannot hold.

    Only instants with a non-zero seventh fraction digit are made this way; equality, order and hashing
    count the tick, and moving one by a timedelta keeps it."""

    tick: int

    def __new__(cls, *args: Any, tick: int = 0, **kwargs: Any) -> TickDatetime:
        made = super().__new__(cls, *args, **kwargs)
        made.tick = tick
        return made

    def _base(self) -> datetime:
        return datetime(
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.microsecond,
            self.tzinfo,
        )

    def _key(self) -> tuple[datetime, int]:
        return self._base(), self.tick

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild, (self._base(), self.tick))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, datetime) and self._key() == _key(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: date) -> bool:
        return self._key() < _key(other)

    def __le__(self, other: date) -> bool:
        return self._key() <= _key(other)

    def __gt__(self, other: date) -> bool:
        return self._key() > _key(other)

    def __ge__(self, other: date) -> bool:
        return self._key() >= _key(other)

    def __add__(self, other: timedelta) -> datetime:  # type: ignore[override]
        return with_tick(self._base() + other, self.tick)

    __radd__ = __add__  # type: ignore[assignment]

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, timedelta):
            return with_tick(self._base() - other, self.tick)
        return self._base() - other

    def replace(self, *args: Any, **kwargs: Any) -> datetime:  # type: ignore[override]
        return with_tick(self._base().replace(*args, **kwargs), self.tick)

    def astimezone(self, tz: Any = None) -> datetime:  # type: ignore[override]
        return with_tick(self._base().astimezone(tz), self.tick)

    def __repr__(self) -> str:
        return f"TickDatetime({self._base()!r}, tick={self.tick})"

    def __str__(self) -> str:
        return self.isoformat(sep=" ")

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        text = self._base().isoformat(sep, "microseconds")
        cut = text.find(".") + 7
        return text[:cut] + str(self.tick) + text[cut:]


def _rebuild(base: datetime, tick: int) -> datetime:
    return with_tick(base, tick)


def _key(value: date) -> tuple[datetime, int]:
    if isinstance(value, TickDatetime):
        return value._key()
    if not isinstance(value, datetime):
        raise TypeError(f"can't compare a datetime to {type(value).__name__}")
    return value, 0


def with_tick(value: datetime, tick: int) -> datetime:
    """`value` (whole microseconds) with `tick` more 100-ns ticks; a plain datetime when there are none."""
    if not tick:
        return value._base() if isinstance(value, TickDatetime) else value
    return TickDatetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        value.tzinfo,
        tick=tick,
    )


def tick_of(value: datetime) -> int:
    """The 100-ns tick below the microsecond (0 for a plain datetime)."""
    return value.tick if isinstance(value, TickDatetime) else 0


def unix_ticks(value: datetime) -> int:
    """100-ns ticks from 1970-01-01 (negative before it)."""
    delta = as_utc(value) - _UNIX_EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros * TICKS_PER_MICROSECOND + tick_of(value)


def from_unix_ticks_column(values: list[Any]) -> list[Any]:
    """`from_unix_ticks` of each value of a result column (None stays None), inlined: result columns are
    long, and a call per value would double the time of reading them."""
    epoch, delta = _UNIX_EPOCH, timedelta
    out: list[Any] = []
    append = out.append
    for value in values:
        if value is None:
            append(None)
        elif value % TICKS_PER_MICROSECOND:
            append(with_tick(epoch + delta(0, 0, value // 10), value % TICKS_PER_MICROSECOND))
        else:
            append(epoch + delta(0, 0, value // 10))
    return out


def from_unix_ticks(ticks: int) -> datetime:
    """The aware UTC instant `ticks` (100 ns) from 1970-01-01; OverflowError outside years 1-9999."""
    micros, tick = divmod(ticks, TICKS_PER_MICROSECOND)
    return with_tick(_UNIX_EPOCH + timedelta(microseconds=micros), tick)


def as_utc(value: datetime) -> datetime:
    """A datetime in UTC; one without a zone is taken as UTC, as Kusto takes it."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_datetime(text: str) -> datetime:
    """ISO 8601 text (`2024-05-01`, `2024-05-01T10:00Z`, `...T10:00:00.1234567+02:00`) as a UTC datetime;
    no zone means UTC. Raises ValueError for anything else."""
    cleaned = str(text).strip()
    if cleaned[-1:] in ("Z", "z"):
        cleaned = cleaned[:-1] + "+00:00"
    # Python reads at most microseconds: a seventh digit is kept as the tick; Kusto keeps no more than
    # seven, so an eighth is refused rather than dropped.
    fraction = _FRACTION.search(cleaned)
    tick = 0
    if fraction is not None and len(fraction.group(1)) > 6:
        digits = fraction.group(1)
        if len(digits) > 7 and digits[7:].strip("0"):
            raise ValueError(f"{text!r} is finer than Kusto's 100-ns tick")
        tick = int(digits[6])
        cleaned = cleaned[: fraction.start()] + "." + digits[:6] + cleaned[fraction.end() :]
    return with_tick(as_utc(datetime.fromisoformat(cleaned)), tick)


def _seconds_text(value: datetime) -> str:
    """`0001-01-01T00:00:00`: the year always has four digits (glibc's `%Y` writes year 1 as `1`)."""
    return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S")


def format_datetime(value: datetime) -> str:
    """As Log Analytics prints it: `2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.25Z` (no trailing zeros)."""
    value = as_utc(value)
    text = _seconds_text(value)
    fraction = value.microsecond * TICKS_PER_MICROSECOND + tick_of(value)
    if fraction:
        text += f".{fraction:07d}".rstrip("0")
    return text + "Z"


def format_datetime_microseconds(value: datetime) -> str:
    """Fixed width, six fraction digits (`2024-05-01T10:00:00.000000Z`): texts that sort as the times do,
    for state kept as text (SQLite) and the emulator's `createdTimeUtc`-style stamps."""
    moment = as_utc(value)
    return f"{_seconds_text(moment)}.{moment.microsecond:06d}Z"


def parse_datetime_microseconds(text: str) -> datetime:
    """Undo `format_datetime_microseconds`."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def format_datetime_milliseconds(value: datetime) -> str:
    """Fixed width with milliseconds (`2024-05-01T10:00:00.000Z`), the form the sample tenant's files use."""
    moment = as_utc(value)
    return f"{_seconds_text(moment)}.{moment.microsecond // 1000:03d}Z"
