"""The `convert_*` functions: a value from one unit to another, through the family's base unit.

Kusto converts with the UnitsNet library, of a release older than today's: the reference converts 1.2 cubic
meters to 0.0009728568 acre-feet, UnitsNet's former factor (1 m³ = 0.000810714 acre-foot), not the exact one.
The factors below are the units' definitions, which UnitsNet has kept the same across its releases. The units
whose factor UnitsNet has changed (the mile was 1609.34 m, the US gallon 0.00378541 m³, the kilogram-force
9.80665002864 N...) are in UNCONFIRMED: converting from or to them stops the query rather than risk the
other release's answer.

Unit names are the ones the reference lists, matched exactly; an unknown unit gives null, as documented. A
name that differs from a listed one only by letter case stops the query: the reference does not say whether
Kusto accepts it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import Refusal, arity, as_real, as_string, fn
from kqlrules.engine.sql import Sql

# unit -> (to base, from base)
Conversion = tuple[Callable[[float], float], Callable[[float], float]]


def _scaled(factor: float) -> Conversion:
    return (lambda x: x * factor, lambda x: x / factor)


def _linear(scale: float, offset: float) -> Conversion:
    """base = x * scale + offset."""
    return (lambda x: x * scale + offset, lambda x: (x - offset) / scale)


_FOOT = 0.3048
_INCH = 2.54e-2
_YARD = 0.9144
_SURVEY_FOOT = 1200 / 3937
_PARSEC = 3.08567758128e16
_LIGHT_YEAR = 9.46073047258e15

LENGTH: dict[str, Conversion] = {
    "Meter": _scaled(1.0),
    "Angstrom": _scaled(1e-10),
    "AstronomicalUnit": _scaled(1.4959787070e11),
    "Centimeter": _scaled(1e-2),
    "Chain": _scaled(20.1168),
    "DataMile": _scaled(1828.8),
    "Decameter": _scaled(10.0),
    "Decimeter": _scaled(0.1),
    "DtpPica": _scaled(1 / 236.220472441),
    "DtpPoint": _scaled(_INCH / 72),
    "Fathom": _scaled(1.8288),
    "Foot": _scaled(_FOOT),
    "Hand": _scaled(1.016e-1),
    "Hectometer": _scaled(100.0),
    "Inch": _scaled(_INCH),
    "KilolightYear": _scaled(_LIGHT_YEAR * 1e3),
    "Kilometer": _scaled(1e3),
    "Kiloparsec": _scaled(_PARSEC * 1e3),
    "LightYear": _scaled(_LIGHT_YEAR),
    "MegalightYear": _scaled(_LIGHT_YEAR * 1e6),
    "Megaparsec": _scaled(_PARSEC * 1e6),
    "Microinch": _scaled(2.54e-8),
    "Micrometer": _scaled(1e-6),
    "Mil": _scaled(2.54e-5),
    "Mile": _scaled(1609.344),
    "Millimeter": _scaled(1e-3),
    "Nanometer": _scaled(1e-9),
    "NauticalMile": _scaled(1852.0),
    "Parsec": _scaled(_PARSEC),
    "PrinterPica": _scaled(1 / 237.106301584),
    "PrinterPoint": _scaled(_INCH / 72.27),
    "Shackle": _scaled(27.432),
    "SolarRadius": _scaled(6.95510000e08),
    "Twip": _scaled(1 / 56692.913385826),
    "UsSurveyFoot": _scaled(_SURVEY_FOOT),
    "Yard": _scaled(_YARD),
}

_POUND = 0.45359237
MASS: dict[str, Conversion] = {
    "Kilogram": _scaled(1.0),
    "Centigram": _scaled(1e-5),
    "Decagram": _scaled(1e-2),
    "Decigram": _scaled(1e-4),
    "EarthMass": _scaled(5.9722e24),
    "Grain": _scaled(64.79891e-6),
    "Gram": _scaled(1e-3),
    "Hectogram": _scaled(0.1),
    "Kilopound": _scaled(_POUND * 1e3),
    "Kilotonne": _scaled(1e6),
    "LongHundredweight": _scaled(50.80234544),
    "LongTon": _scaled(1016.0469088),
    "Megapound": _scaled(_POUND * 1e6),
    "Megatonne": _scaled(1e9),
    "Microgram": _scaled(1e-9),
    "Milligram": _scaled(1e-6),
    "Nanogram": _scaled(1e-12),
    "Ounce": _scaled(0.028349523125),
    "Pound": _scaled(_POUND),
    "ShortHundredweight": _scaled(45.359237),
    "ShortTon": _scaled(907.18474),
    "Slug": _scaled(_POUND * 9.80665 / _FOOT),
    "SolarMass": _scaled(1.98947e30),
    "Stone": _scaled(6.35029318),
    "Tonne": _scaled(1e3),
}

_DEGREE = math.pi / 180
ANGLE: dict[str, Conversion] = {
    "Radian": _scaled(1.0),
    "Arcminute": _scaled(_DEGREE / 60),
    "Arcsecond": _scaled(_DEGREE / 3600),
    "Centiradian": _scaled(1e-2),
    "Deciradian": _scaled(0.1),
    "Degree": _scaled(_DEGREE),
    "Gradian": _scaled(math.pi / 200),
    "Microdegree": _scaled(_DEGREE * 1e-6),
    "Microradian": _scaled(1e-6),
    "Millidegree": _scaled(_DEGREE * 1e-3),
    "Milliradian": _scaled(1e-3),
    "Nanodegree": _scaled(_DEGREE * 1e-9),
    "Nanoradian": _scaled(1e-9),
    "NatoMil": _scaled(math.pi / 3200),
    "Revolution": _scaled(2 * math.pi),
    # A tilt is the sine of the angle.
    "Tilt": (math.asin, math.sin),
}

SPEED: dict[str, Conversion] = {
    "MeterPerSecond": _scaled(1.0),
    "CentimeterPerHour": _scaled(1e-2 / 3600),
    "CentimeterPerMinute": _scaled(1e-2 / 60),
    "CentimeterPerSecond": _scaled(1e-2),
    "DecimeterPerMinute": _scaled(0.1 / 60),
    "DecimeterPerSecond": _scaled(0.1),
    "FootPerHour": _scaled(_FOOT / 3600),
    "FootPerMinute": _scaled(_FOOT / 60),
    "FootPerSecond": _scaled(_FOOT),
    "InchPerHour": _scaled(_INCH / 3600),
    "InchPerMinute": _scaled(_INCH / 60),
    "InchPerSecond": _scaled(_INCH),
    "KilometerPerHour": _scaled(1e3 / 3600),
    "KilometerPerMinute": _scaled(1e3 / 60),
    "KilometerPerSecond": _scaled(1e3),
    "Knot": _scaled(1852.0 / 3600.0),
    "MeterPerHour": _scaled(1 / 3600),
    "MeterPerMinute": _scaled(1 / 60),
    "MicrometerPerMinute": _scaled(1e-6 / 60),
    "MicrometerPerSecond": _scaled(1e-6),
    "MilePerHour": _scaled(0.44704),
    "MillimeterPerHour": _scaled(1e-3 / 3600),
    "MillimeterPerMinute": _scaled(1e-3 / 60),
    "MillimeterPerSecond": _scaled(1e-3),
    "NanometerPerMinute": _scaled(1e-9 / 60),
    "NanometerPerSecond": _scaled(1e-9),
    "UsSurveyFootPerHour": _scaled(_SURVEY_FOOT / 3600),
    "UsSurveyFootPerMinute": _scaled(_SURVEY_FOOT / 60),
    "UsSurveyFootPerSecond": _scaled(_SURVEY_FOOT),
    "YardPerHour": _scaled(_YARD / 3600),
    "YardPerMinute": _scaled(_YARD / 60),
    "YardPerSecond": _scaled(_YARD),
}

TEMPERATURE: dict[str, Conversion] = {
    "Kelvin": _linear(1.0, 0.0),
    "DegreeCelsius": _linear(1.0, 273.15),
    "DegreeDelisle": _linear(-2 / 3, 373.15),
    "DegreeFahrenheit": _linear(5 / 9, 459.67 * 5 / 9),
    "DegreeNewton": _linear(100 / 33, 273.15),
    "DegreeRankine": _linear(5 / 9, 0.0),
    "DegreeReaumur": _linear(5 / 4, 273.15),
    "DegreeRoemer": _linear(40 / 21, 273.15 - 7.5 * 40 / 21),
    "MillidegreeCelsius": _linear(1e-3, 273.15),
    "SolarTemperature": _linear(5778.0, 0.0),
}

_CUBIC_FOOT = 0.028316846592
_US_GALLON = 0.003785411784
_IMPERIAL_GALLON = 0.00454609
VOLUME: dict[str, Conversion] = {
    "CubicMeter": _scaled(1.0),
    "AcreFoot": _scaled(1 / 0.000810714),
    "AuTablespoon": _scaled(2e-5),
    "BoardFoot": _scaled(_CUBIC_FOOT / 12),
    "Centiliter": _scaled(1e-5),
    "CubicCentimeter": _scaled(1e-6),
    "CubicDecimeter": _scaled(1e-3),
    "CubicFoot": _scaled(_CUBIC_FOOT),
    "CubicHectometer": _scaled(1e6),
    "CubicInch": _scaled(1.6387064e-5),
    "CubicKilometer": _scaled(1e9),
    "CubicMicrometer": _scaled(1e-18),
    "CubicMile": _scaled(4.168181825440579584e9),
    "CubicMillimeter": _scaled(1e-9),
    "CubicYard": _scaled(0.764554857984),
    "Decaliter": _scaled(1e-2),
    "DecausGallon": _scaled(_US_GALLON * 10),
    "Deciliter": _scaled(1e-4),
    "DeciusGallon": _scaled(_US_GALLON * 0.1),
    "HectocubicFoot": _scaled(_CUBIC_FOOT * 100),
    "HectocubicMeter": _scaled(100.0),
    "Hectoliter": _scaled(0.1),
    "HectousGallon": _scaled(_US_GALLON * 100),
    "ImperialBeerBarrel": _scaled(0.16365924),
    "ImperialGallon": _scaled(_IMPERIAL_GALLON),
    "ImperialOunce": _scaled(2.84130625e-5),
    "ImperialPint": _scaled(5.6826125e-4),
    "KilocubicFoot": _scaled(_CUBIC_FOOT * 1e3),
    "KilocubicMeter": _scaled(1e3),
    "KiloimperialGallon": _scaled(_IMPERIAL_GALLON * 1e3),
    "Kiloliter": _scaled(1.0),
    "KilousGallon": _scaled(_US_GALLON * 1e3),
    "Liter": _scaled(1e-3),
    "MegacubicFoot": _scaled(_CUBIC_FOOT * 1e6),
    "MegaimperialGallon": _scaled(_IMPERIAL_GALLON * 1e6),
    "Megaliter": _scaled(1e3),
    "MegausGallon": _scaled(_US_GALLON * 1e6),
    "MetricCup": _scaled(0.00025),
    "MetricTeaspoon": _scaled(0.5e-5),
    "Microliter": _scaled(1e-9),
    "Milliliter": _scaled(1e-6),
    "OilBarrel": _scaled(0.158987294928),
    "UkTablespoon": _scaled(1.5e-5),
    "UsBeerBarrel": _scaled(0.117347765304),
    "UsCustomaryCup": _scaled(0.0002365882365),
    "UsGallon": _scaled(_US_GALLON),
    "UsLegalCup": _scaled(0.00024),
    "UsOunce": _scaled(2.95735295625e-5),
    "UsPint": _scaled(4.73176473e-4),
    "UsQuart": _scaled(9.46352946e-4),
    "UsTablespoon": _scaled(1.478676478125e-5),
    "UsTeaspoon": _scaled(4.92892159375e-6),
}

_CALORIE = 4.184
_BTU = 1055.05585262
_ELECTRON_VOLT = 1.602176634e-19
_WATT_HOUR = 3600.0
_WATT_DAY = 24 * 3600.0
_THERM_EC = 1.05505585262e8
_THERM_US = 1.054804e8
_THERM_IMPERIAL = 1.05505585257348e8
ENERGY: dict[str, Conversion] = {
    "Joule": _scaled(1.0),
    "BritishThermalUnit": _scaled(_BTU),
    "Calorie": _scaled(_CALORIE),
    "DecathermEc": _scaled(_THERM_EC * 10),
    "DecathermImperial": _scaled(_THERM_IMPERIAL * 10),
    "DecathermUs": _scaled(_THERM_US * 10),
    "ElectronVolt": _scaled(_ELECTRON_VOLT),
    "Erg": _scaled(1e-7),
    "FootPound": _scaled(1.3558179483314004),
    "GigabritishThermalUnit": _scaled(_BTU * 1e9),
    "GigaelectronVolt": _scaled(_ELECTRON_VOLT * 1e9),
    "Gigajoule": _scaled(1e9),
    "GigawattDay": _scaled(_WATT_DAY * 1e9),
    "GigawattHour": _scaled(_WATT_HOUR * 1e9),
    "HorsepowerHour": _scaled(76.0402249 * 9.80665 * 3600),
    "KilobritishThermalUnit": _scaled(_BTU * 1e3),
    "Kilocalorie": _scaled(_CALORIE * 1e3),
    "KiloelectronVolt": _scaled(_ELECTRON_VOLT * 1e3),
    "Kilojoule": _scaled(1e3),
    "KilowattDay": _scaled(_WATT_DAY * 1e3),
    "KilowattHour": _scaled(_WATT_HOUR * 1e3),
    "MegabritishThermalUnit": _scaled(_BTU * 1e6),
    "Megacalorie": _scaled(_CALORIE * 1e6),
    "MegaelectronVolt": _scaled(_ELECTRON_VOLT * 1e6),
    "Megajoule": _scaled(1e6),
    "MegawattDay": _scaled(_WATT_DAY * 1e6),
    "MegawattHour": _scaled(_WATT_HOUR * 1e6),
    "Millijoule": _scaled(1e-3),
    "TeraelectronVolt": _scaled(_ELECTRON_VOLT * 1e12),
    "TerawattDay": _scaled(_WATT_DAY * 1e12),
    "TerawattHour": _scaled(_WATT_HOUR * 1e12),
    "ThermEc": _scaled(_THERM_EC),
    "ThermImperial": _scaled(_THERM_IMPERIAL),
    "ThermUs": _scaled(_THERM_US),
    "WattDay": _scaled(_WATT_DAY),
    "WattHour": _scaled(_WATT_HOUR),
}

_POUND_FORCE = 4.4482216152605
FORCE: dict[str, Conversion] = {
    "Newton": _scaled(1.0),
    "Decanewton": _scaled(10.0),
    "Dyn": _scaled(1e-5),
    "KilogramForce": _scaled(9.80665),
    "Kilonewton": _scaled(1e3),
    "KiloPond": _scaled(9.80665),
    "KilopoundForce": _scaled(_POUND_FORCE * 1e3),
    "Meganewton": _scaled(1e6),
    "Micronewton": _scaled(1e-6),
    "Millinewton": _scaled(1e-3),
    "OunceForce": _scaled(_POUND_FORCE / 16),
    "Poundal": _scaled(0.138254954376),
    "PoundForce": _scaled(_POUND_FORCE),
    "ShortTonForce": _scaled(_POUND_FORCE * 2000),
    "TonneForce": _scaled(9.80665 * 1000),
}

FAMILIES: dict[str, dict[str, Conversion]] = {
    "convert_angle": ANGLE,
    "convert_energy": ENERGY,
    "convert_force": FORCE,
    "convert_length": LENGTH,
    "convert_mass": MASS,
    "convert_speed": SPEED,
    "convert_temperature": TEMPERATURE,
    "convert_volume": VOLUME,
}


UNCONFIRMED = frozenset(
    {
        # length
        "Mile",
        "SolarRadius",
        # mass
        "Ounce",
        # speed
        "Knot",
        # volume
        "CubicFoot",
        "HectocubicFoot",
        "KilocubicFoot",
        "MegacubicFoot",
        "BoardFoot",
        "CubicInch",
        "UsBeerBarrel",
        "UsGallon",
        "DecausGallon",
        "DeciusGallon",
        "HectousGallon",
        "KilousGallon",
        "MegausGallon",
        # energy
        "ElectronVolt",
        "KiloelectronVolt",
        "MegaelectronVolt",
        "GigaelectronVolt",
        "TeraelectronVolt",
        # force
        "KilogramForce",
        "KiloPond",
        "TonneForce",
        "Poundal",
    }
)


class UnitNotConfirmed(Refusal):
    """A unit whose conversion factor the local engine cannot confirm for Kusto's release."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _lookup(units: dict[str, Conversion], name: str) -> Conversion | None:
    found = units.get(name)
    if found is None and name.lower() in {u.lower() for u in units}:
        raise UnitNotConfirmed(f"the unit {name!r}, which differs from a documented unit only by letter case")
    if found is not None and name in UNCONFIRMED:
        raise UnitNotConfirmed(f"the unit {name!r}, whose factor differs between UnitsNet releases")
    return found


def convert(family: str, value: float, source: str, target: str) -> str | None:
    """The converted value as its exact text (DuckDB would turn a NaN returned by Python into NULL)."""
    units = FAMILIES[family]
    into, out = _lookup(units, source), _lookup(units, target)
    if into is None or out is None:
        return None
    try:
        result = out[1](into[0](value))
    except (ValueError, OverflowError, ZeroDivisionError):
        result = math.nan
    return repr(result)


def _check_unit(ctx: TranslationContext, call: Call, units: dict[str, Conversion], unit: Sql) -> None:
    if unit.constant and isinstance(unit.value, str):
        try:
            _lookup(units, unit.value)
        except UnitNotConfirmed as error:
            raise ctx.unsupported(f"{call.name}() with {error.what}") from error


@scalar(*FAMILIES)
def convert_units(ctx: TranslationContext, call: Call) -> Sql:
    value, source, target = arity(ctx, call, 3)
    units = FAMILIES[call.name]
    _check_unit(ctx, call, units, source)
    _check_unit(ctx, call, units, target)
    family = f"'{call.name}'"
    text = fn("kql_convert_units", family, as_real(value), as_string(source), as_string(target))
    return Sql(f"CAST({text} AS DOUBLE)", "real")


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_convert_units", convert, ["VARCHAR", "DOUBLE", "VARCHAR", "VARCHAR"], "VARCHAR"),
]
