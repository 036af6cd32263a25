"""Geohash: base-32 interleaved longitude and latitude bisections (https://en.wikipedia.org/wiki/Geohash).

A geohash of n characters holds 5n bits, alternately a longitude bit (first) and a latitude bit; each bit
halves the interval it refines ([-180, 180] and [-90, 90]), 1 taking the upper half. A point on a boundary
between two halves belongs to the upper one. Kusto supports lengths 1 to 18 (geo_point_to_geohash()'s page).
"""

from __future__ import annotations

ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
MAX_LENGTH = 18

Box = tuple[float, float, float, float]  # west, south, east, north


def encode(longitude: float, latitude: float, length: int) -> str | None:
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90 and 1 <= length <= MAX_LENGTH):
        return None
    west, east, south, north = -180.0, 180.0, -90.0, 90.0
    chars: list[str] = []
    bit, value, even = 0, 0, True
    while len(chars) < length:
        if even:
            middle = (west + east) / 2
            if longitude >= middle:
                value, west = value * 2 + 1, middle
            else:
                value, east = value * 2, middle
        else:
            middle = (south + north) / 2
            if latitude >= middle:
                value, south = value * 2 + 1, middle
            else:
                value, north = value * 2, middle
        even = not even
        bit += 1
        if bit == 5:
            chars.append(ALPHABET[value])
            bit, value = 0, 0
    return "".join(chars)


def bounds(geohash: str) -> Box | None:
    """The cell's (west, south, east, north), or None for a string that is not a geohash."""
    if not 1 <= len(geohash) <= MAX_LENGTH or any(c not in _INDEX for c in geohash):
        return None
    west, east, south, north = -180.0, 180.0, -90.0, 90.0
    even = True
    for char in geohash:
        value = _INDEX[char]
        for shift in range(4, -1, -1):
            upper = (value >> shift) & 1
            if even:
                middle = (west + east) / 2
                west, east = (middle, east) if upper else (west, middle)
            else:
                middle = (south + north) / 2
                south, north = (middle, north) if upper else (south, middle)
            even = not even
    return west, south, east, north


def neighbors(geohash: str) -> list[str] | None:
    """The cells of the same length around this one: N, NE, E, SE, S, SW, W, NW, skipping those beyond a pole
    and wrapping around the antimeridian."""
    box = bounds(geohash)
    if box is None:
        return None
    west, south, east, north = box
    width, height = east - west, north - south
    center_lon, center_lat = (west + east) / 2, (south + north) / 2
    out: list[str] = []
    for d_lon, d_lat in ((0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1)):
        latitude = center_lat + d_lat * height
        if not -90 < latitude < 90:
            continue
        longitude = center_lon + d_lon * width
        longitude = (longitude + 180) % 360 - 180
        cell = encode(longitude, latitude, len(geohash))
        if cell is not None and cell != geohash and cell not in out:
            out.append(cell)
    return out
