"""URLs, paths, command lines and base64 for `parse_url()`, `parse_urlquery()`, `parse_path()`,
`url_encode()`, `url_decode()`, `base64_*()` and `parse_command_line()`. Pure Python; None is Kusto's null.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from kqlrules.engine.functions.support import Refusal

_URL = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://"
    r"(?:(?P<user>[^:@/]*)(?::(?P<password>[^@/]*))?@)?"
    r"(?P<host>\[[^\]]*\]|[^:/?#]*)(?::(?P<port>\d*))?"
    r"(?P<path>/[^?#]*)?(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?$"
)


def _query_parameters(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        params[unquote_plus(key)] = unquote_plus(value)
    return params


def parse_url(text: str) -> str:
    match = _URL.match(text.strip())
    if not match:
        return "{}"
    groups = match.groupdict()
    bag = {
        "Scheme": groups["scheme"] or "",
        "Host": groups["host"] or "",
        "Port": groups["port"] or "",
        # The reference prints the path without its leading slash: "Path":"this/is/a/path".
        "Path": (groups["path"] or "").removeprefix("/"),
        "Username": groups["user"] or "",
        "Password": groups["password"] or "",
        "Query Parameters": _query_parameters(groups["query"] or ""),
        "Fragment": groups["fragment"] or "",
    }
    return json.dumps(bag, ensure_ascii=False)


def parse_urlquery(text: str) -> str:
    query = text[1:] if text.startswith("?") else text
    return json.dumps({"Query Parameters": _query_parameters(query)}, ensure_ascii=False)


def url_encode(text: str) -> str:
    """Like .NET's HttpUtility.UrlEncode: unreserved characters kept, space as `+`, lower-case hex."""
    encoded = quote_plus(text, safe="-_.!*()")
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)


def url_encode_component(text: str) -> str:
    """url_encode() with spaces as `%20` instead of `+`, as documented."""
    return url_encode(text).replace("+", "%20")


def url_decode(text: str) -> str | None:
    try:
        return unquote_plus(text, errors="strict")
    except UnicodeDecodeError:
        return None


def parse_path(text: str) -> str:
    scheme = ""
    rest = text
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(.*)$", text)
    if match:
        scheme, rest = match.group(1), match.group(2)
    root = ""
    drive = re.match(r"^([A-Za-z]:)", rest)
    if drive:
        root = drive.group(1)
    stream = ""
    body = rest[len(root) :]
    if ":" in body:
        body, _, stream = body.partition(":")
    full = root + body
    cut = max(full.rfind("/"), full.rfind("\\"))
    directory, filename = (full[:cut], full[cut + 1 :]) if cut >= 0 else ("", full)
    dir_cut = max(directory.rfind("/"), directory.rfind("\\"))
    directory_name = directory[dir_cut + 1 :] if directory else ""
    extension = filename.rpartition(".")[2] if "." in filename else ""
    bag = {
        "Scheme": scheme,
        "RootPath": root,
        "DirectoryPath": directory,
        "DirectoryName": directory_name,
        "Filename": filename,
        "Extension": extension,
        "AlternateDataStreamName": stream,
    }
    return json.dumps(bag, ensure_ascii=False)


def base64_encode_tostring(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _b64decode(text: str) -> bytes | None:
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _unpadded(text: str, name: str) -> None:
    """base64 text whose `=` padding is missing decodes here once padded; .NET's Convert.FromBase64String
    rejects it, and base64-decode-tostring-function.md / base64-decode-toarray-function.md do not say which
    Kusto does: refused rather than guessed."""
    if len(text) % 4 and _b64decode(text) is not None:
        raise Refusal(f"{name}() of base64 text without its '=' padding")


def base64_decode_tostring(text: str) -> str | None:
    _unpadded(text, "base64_decode_tostring")
    raw = _b64decode(text)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def base64_decode_toarray(text: str) -> str | None:
    _unpadded(text, "base64_decode_toarray")
    raw = _b64decode(text)
    return None if raw is None else json.dumps(list(raw))


def base64_encode_fromarray(array: str) -> str | None:
    values = json.loads(array)
    if not isinstance(values, list) or not all(isinstance(v, int) and 0 <= v <= 255 for v in values):
        return None
    return base64.b64encode(bytes(values)).decode("ascii")


def base64_encode_fromguid(guid: str) -> str | None:
    try:
        return base64.b64encode(uuid.UUID(guid).bytes_le).decode("ascii")
    except ValueError:
        return None


def base64_decode_toguid(text: str) -> str | None:
    """Null for text that is not base64 of 16 bytes, as documented. Of 16 bytes, the reference contradicts
    itself: base64_encode_fromguid()'s example writes the GUID's first three fields little-endian (as .NET
    does), base64_decode_toguid()'s reads the third one big-endian. The query stops rather than pick one."""
    raw = _b64decode(text)
    if raw is None or len(raw) != 16:
        return None
    raise Refusal(
        "base64_decode_toguid(): the reference's examples disagree on the byte order of the GUID's "
        "third field"
    )


def parse_command_line(text: str, parser: str) -> str | None:
    """Windows command-line rules (CommandLineToArgvW): quotes group, backslashes escape only quotes."""
    if parser.lower() != "windows":
        return None
    args: list[str] = []
    current: list[str] = []
    in_quotes = False
    has_arg = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            run = 0
            while i < len(text) and text[i] == "\\":
                run += 1
                i += 1
            if i < len(text) and text[i] == '"':
                current.append("\\" * (run // 2))
                if run % 2:
                    current.append('"')
                    i += 1
            else:
                current.append("\\" * run)
            has_arg = True
            continue
        if char == '"':
            if in_quotes and i + 1 < len(text) and text[i + 1] == '"':
                current.append('"')
                i += 2
                continue
            in_quotes = not in_quotes
            has_arg = True
        elif char in " \t" and not in_quotes:
            if has_arg:
                args.append("".join(current))
                current, has_arg = [], False
        else:
            current.append(char)
            has_arg = True
        i += 1
    if has_arg:
        args.append("".join(current))
    return json.dumps(args, ensure_ascii=False)


def parse_xml(text: str) -> str | None:
    """XML as Kusto's dynamic: `{"root": ...}`; attributes as `@name`, text beside attributes or children as
    `#text`, repeated child elements as arrays, an element with only text as that text, an empty one as null.
    """
    from xml.dom import minidom
    from xml.parsers.expat import ExpatError

    try:
        document = minidom.parseString(text)
    except (ExpatError, ValueError):
        return None
    root = document.documentElement
    if root is None:
        return None
    return json.dumps({root.tagName: _xml_value(root)}, ensure_ascii=False)


def _xml_value(element: Any) -> Any:
    attributes = {f"@{name}": value for name, value in element.attributes.items()}
    children = [c for c in element.childNodes if c.nodeType == c.ELEMENT_NODE]
    text = "".join(c.data for c in element.childNodes if c.nodeType in (c.TEXT_NODE, c.CDATA_SECTION_NODE))
    if not attributes and not children:
        return text if text else None
    value: dict[str, Any] = dict(attributes)
    for child in children:
        item = _xml_value(child)
        if child.tagName in value:
            existing = value[child.tagName]
            if isinstance(existing, list) and getattr(existing, "_repeated", False):
                existing.append(item)
            else:
                value[child.tagName] = _Repeated([existing, item])
        else:
            value[child.tagName] = item
    if text.strip():
        value["#text"] = text if not children else text.strip()
    return {k: list(v) if isinstance(v, _Repeated) else v for k, v in value.items()}


class _Repeated(list[Any]):
    _repeated = True


def zlib_compress_to_base64_string(text: str) -> str:
    """The reference's example output is a zlib stream of stored (level 0) blocks."""
    import zlib

    return base64.b64encode(zlib.compress(text.encode("utf-8"), 0)).decode("ascii")


def zlib_decompress_from_base64_string(text: str) -> str | None:
    import zlib

    raw = _b64decode(text)
    if raw is None:
        return None
    try:
        return zlib.decompress(raw).decode("utf-8")
    except (zlib.error, UnicodeDecodeError):
        return None


def gzip_compress_to_base64_string(text: str) -> str:
    """A gzip member of stored (level 0) deflate blocks, no file time, OS byte 255: byte for byte the
    reference's example (and the choice its zlib counterpart's example shows)."""
    import zlib

    data = text.encode("utf-8")
    compressor = zlib.compressobj(0, zlib.DEFLATED, -15)
    body = compressor.compress(data) + compressor.flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    trailer = zlib.crc32(data).to_bytes(4, "little") + (len(data) % 2**32).to_bytes(4, "little")
    return base64.b64encode(header + body + trailer).decode("ascii")


def gzip_decompress_from_base64_string(text: str) -> str:
    """The empty string when the text is not base64 of a gzip member (ID1, ID2, CM checked), as documented.
    A member with header flags (optional fields) or that is not UTF-8 text stops the query: the reference
    does not say what Kusto returns for it."""
    import zlib

    raw = _b64decode(text)
    if raw is None or len(raw) < 18 or raw[:3] != b"\x1f\x8b\x08":
        return ""
    if raw[3] != 0:
        raise Refusal("gzip_decompress_from_base64_string() of a member with optional header fields")
    try:
        data = zlib.decompress(raw[10:], -15)
    except zlib.error:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refusal("gzip_decompress_from_base64_string() of bytes that are not UTF-8 text") from error


def parse_csv(text: str) -> str:
    """The fields of the first CSV record (quotes group, doubled quotes escape), as a JSON array."""
    import csv
    import io

    record = next(csv.reader(io.StringIO(text)), [""])
    return json.dumps(record or [""], ensure_ascii=False)


_T = "VARCHAR"
PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_parse_url", parse_url, [_T], _T),
    ("kql_parse_urlquery", parse_urlquery, [_T], _T),
    ("kql_parse_path", parse_path, [_T], _T),
    ("kql_url_encode", url_encode, [_T], _T),
    ("kql_url_encode_component", url_encode_component, [_T], _T),
    ("kql_url_decode", url_decode, [_T], _T),
    ("kql_base64_encode_tostring", base64_encode_tostring, [_T], _T),
    ("kql_base64_decode_tostring", base64_decode_tostring, [_T], _T),
    ("kql_base64_decode_toarray", base64_decode_toarray, [_T], _T),
    ("kql_base64_encode_fromarray", base64_encode_fromarray, [_T], _T),
    ("kql_base64_encode_fromguid", base64_encode_fromguid, [_T], _T),
    ("kql_base64_decode_toguid", base64_decode_toguid, [_T], _T),
    ("kql_parse_command_line", parse_command_line, [_T, _T], _T),
    ("kql_parse_xml", parse_xml, [_T], _T),
    ("kql_zlib_compress_to_base64_string", zlib_compress_to_base64_string, [_T], _T),
    ("kql_zlib_decompress_from_base64_string", zlib_decompress_from_base64_string, [_T], _T),
    ("kql_gzip_compress_to_base64_string", gzip_compress_to_base64_string, [_T], _T),
    ("kql_gzip_decompress_from_base64_string", gzip_decompress_from_base64_string, [_T], _T),
    ("kql_parse_csv", parse_csv, [_T], _T),
]
