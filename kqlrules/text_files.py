"""Reading user files as UTF-8 and checking whole numbers, with the place of the problem."""

from __future__ import annotations

# Kusto's `long` is a signed 64-bit integer (https://learn.microsoft.com/kusto/query/scalar-data-types/long);
# the local engine's columns are DuckDB BIGINT, which holds exactly that range. `int` columns are stored the
# same way here.
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


def fits_long(value: int) -> bool:
    return LONG_MIN <= value <= LONG_MAX


class NotUtf8(ValueError):
    """Bytes that are not UTF-8, with the 1-based line and column of the first bad byte."""

    def __init__(self, line: int, col: int, byte: int) -> None:
        super().__init__(f"not UTF-8 text: byte 0x{byte:02x} at line {line}, column {col}")
        self.line = line
        self.col = col


def decode_utf8(data: bytes, first_line: int = 1) -> str:
    """`data` as text (a leading BOM dropped), or `NotUtf8` naming where the first bad byte is."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line_start = before.rfind(b"\n") + 1
        col = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        raise NotUtf8(first_line + before.count(b"\n"), col, data[error.start]) from None
