"""The text side of `parse-kv` (its delimiter modes; the regex mode is SQL): key/value pairs read from one
string, as a JSON object of the first value of each key, or None where the docs do not say what Kusto reads.

Documented, and done: pairs separated by the pair delimiter and split at the first key/value delimiter; a key
or value may be wrapped in quotes (one character, or an opening and a closing one) with escape characters
inside; leading and trailing white space ignored; the first appearance of a key wins; `greedy` extends a
value over the following pieces until one holds a key (a key/value delimiter). Without delimiters any
non-alphanumeric character separates keys from values.

Doubtful, answered None: an unterminated quote, text between a closing quote and the next delimiter, quoted
text with its own leading or trailing white space and, without delimiters, a value ending at a character that
is neither white space, `,` nor `;` (`10.1.1.1`), or a key the two readings (alternate tokens are key and
value; the key searched as a word) do not read alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Options:
    pair: str = ""
    kv: str = ""
    quotes: tuple[tuple[str, str], ...] = ()
    escapes: tuple[str, ...] = ()
    greedy: bool = False
    keys: tuple[str, ...] = field(default=())

    @classmethod
    def from_json(cls, text: str) -> Options:
        raw = json.loads(text)
        return cls(
            raw["pair"],
            raw["kv"],
            tuple((q[0], q[-1]) for q in raw["quotes"]),
            tuple(raw["escapes"]),
            bool(raw["greedy"]),
            tuple(raw["keys"]),
        )


class _Doubtful(Exception):
    """The text is outside what the docs describe."""


def parse_kv(text: str, options_json: str) -> str | None:
    """The first value of each listed key found in `text`, as a JSON object; None when doubtful."""
    options = Options.from_json(options_json)
    try:
        read = _delimited if options.pair or options.kv else _undelimited
        found = read(text, options)
    except _Doubtful:
        return None
    return json.dumps({k: v for k, v in found.items() if k in options.keys})


def _closing(options: Options, char: str) -> str | None:
    for opening, closing in options.quotes:
        if char == opening:
            return closing
    return None


def _quoted(text: str, start: int, closing: str, options: Options) -> tuple[str, int]:
    """The text inside the quote opened at `start`, and the index after its closing quote."""
    chars: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char in options.escapes and index + 1 < len(text):
            chars.append(text[index + 1])
            index += 2
            continue
        if char == closing:
            value = "".join(chars)
            if value != value.strip():
                raise _Doubtful
            return value, index + 1
        chars.append(char)
        index += 1
    raise _Doubtful


def _skip_space(text: str, index: int, options: Options) -> int:
    while index < len(text) and text[index].isspace() and not text.startswith(options.pair, index):
        index += 1
    return index


def _until(text: str, index: int, *stops: str) -> int:
    """The first index at or after `index` where one of `stops` begins (or the end)."""
    found = [text.find(stop, index) for stop in stops if stop]
    found = [f for f in found if f >= 0]
    return min(found) if found else len(text)


def _after_quote(text: str, index: int, options: Options) -> int:
    """After a quoted key or value only white space may come before the next delimiter."""
    end = _until(text, index, options.pair) if options.pair else len(text)
    if text[index:end].strip():
        raise _Doubtful
    return end


def _delimited(text: str, options: Options) -> dict[str, str]:
    found: dict[str, str] = {}
    index = 0
    while index < len(text):
        index = _skip_space(text, index, options)
        if options.pair and text.startswith(options.pair, index):
            index += len(options.pair)
            continue
        if index >= len(text):
            break
        closing = _closing(options, text[index])
        if closing is not None:
            key, index = _quoted(text, index, closing, options)
            index = _skip_space(text, index, options)
            if not text.startswith(options.kv, index):
                raise _Doubtful
        else:
            end = _until(text, index, options.kv, options.pair)
            key = text[index:end].strip()
            if not text.startswith(options.kv, end) or end >= len(text):
                index = end + len(options.pair)  # a piece without a key: skipped
                continue
            index = end
        index = _skip_space(text, index + len(options.kv), options)
        closing = _closing(options, text[index]) if index < len(text) else None
        if closing is not None:
            value, index = _quoted(text, index, closing, options)
            index = _after_quote(text, index, options)
        else:
            end = _until(text, index, options.pair)
            while options.greedy and end < len(text):
                following = _until(text, end + len(options.pair), options.pair)
                piece = text[end + len(options.pair) : following]
                if options.kv in piece or (piece.strip() and _closing(options, piece.strip()[0])):
                    break
                end = following
            value = text[index:end].strip()
            index = end
        found.setdefault(key, value)
    return found


def _undelimited(text: str, options: Options) -> dict[str, str]:
    tokens = _tokens(text, options)
    paired: dict[str, tuple[str, bool]] = {}
    for position in range(0, len(tokens) - 1, 2):
        paired.setdefault(tokens[position][0], tokens[position + 1])
    found: dict[str, str] = {}
    for key in options.keys:
        searched = _searched(text, key, options)
        value, ambiguous = paired.get(key, (None, False))
        if searched != value or ambiguous:
            raise _Doubtful
        if searched is not None:
            found[key] = searched
    return found


def _tokens(text: str, options: Options) -> list[tuple[str, bool]]:
    """Alphanumeric runs and quoted strings, each with whether its end is ambiguous: `10.1.1.1` or `a_b`
    may be one value or several, which the docs do not say."""
    tokens: list[tuple[str, bool]] = []
    index = 0
    while index < len(text):
        char = text[index]
        closing = _closing(options, char)
        if closing is not None:
            value, index = _quoted(text, index, closing, options)
            tokens.append((value, False))
        elif char.isalnum():
            end = index
            while end < len(text) and text[end].isalnum():
                end += 1
            tokens.append((text[index:end], not _clean_end(text, end)))
            index = end
        else:
            index += 1
    return tokens


def _clean_end(text: str, end: int) -> bool:
    return end >= len(text) or text[end].isspace() or text[end] in ",;"


def _searched(text: str, key: str, options: Options) -> str | None:
    """The value after the first whole-word appearance of `key` and a run of delimiters."""
    start = 0
    while True:
        index = text.find(key, start)
        if index < 0:
            return None
        end = index + len(key)
        before = text[index - 1] if index > 0 else " "
        if not before.isalnum() and (end >= len(text) or not text[end].isalnum()):
            break
        start = index + 1
    position = end
    while position < len(text) and not text[position].isalnum() and _closing(options, text[position]) is None:
        position += 1
    if position == end or position >= len(text):
        return None
    closing = _closing(options, text[position])
    if closing is not None:
        return _quoted(text, position, closing, options)[0]
    stop = position
    while stop < len(text) and text[stop].isalnum():
        stop += 1
    if not _clean_end(text, stop):
        raise _Doubtful
    return text[position:stop]
