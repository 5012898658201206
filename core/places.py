"""Where people and customers are: countries (ISO 3166-1, through django-countries) and time zones (the IANA
database, through ``zoneinfo`` and the ``tzdata`` package). A value outside these lists means nothing to the
product (a customer in ``ZZ``, a digest at ``localtime``), so every form, API field and import checks
against them, and they are what the selects offer and the API schema lists.
"""

import re
import zoneinfo

from django_countries import countries

COUNTRY_ERROR = "Choose a country from the list (its two-letter ISO 3166-1 code, e.g. DE or US)."
TIME_ZONE_ERROR = "Choose a time zone from the list (an IANA time zone, e.g. Europe/Berlin)."

# Names a spreadsheet or CRM writes that are not ISO's own (which django-countries knows, with their common
# and former forms): read as the country people mean.
COUNTRY_ALIASES = {
    "united states": "US",
    "us": "US",
    "usa": "US",
    "america": "US",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "holland": "NL",
    "korea": "KR",
    "czechia": "CZ",
}


def country_codes() -> list[str]:
    """Every ISO 3166-1 alpha-2 code, sorted (the API schema's enum)."""
    return sorted(code for code, _ in countries)


def country_choices() -> list[tuple[str, str]]:
    """``(code, name)`` of every country, by name, for a select."""
    return [(code, str(name)) for code, name in countries]


def is_country(code) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code, as stored (upper case)."""
    return isinstance(code, str) and len(code) == 2 and code in countries


def country_code(value, *, names: bool = False) -> str:
    """The alpha-2 code that ``value`` stands for, or ``""`` when it is no country.

    A code in any case (``de``), and with ``names`` also an alpha-3 or numeric code (``DEU``, ``276``) or an
    English name (``Germany``, ``United States``, ``the Netherlands``): what a spreadsheet column holds."""
    text = str(value or "").strip()
    if not names:
        return text.upper() if is_country(text.upper()) else ""
    code = countries.alpha2(text) if text else ""
    if code:
        return code
    key = re.sub(r"\s+", " ", text.replace(".", "")).casefold()
    key = key.removeprefix("the ")
    return COUNTRY_ALIASES.get(key) or countries.by_name(key) or ""


def country_name(code) -> str:
    """The country's name (the code itself for an old row whose code is no country)."""
    return str(countries.name(code)) or str(code or "")


# ``available_timezones()`` also lists files of the zoneinfo folder that are no zone of the database's own:
# ``localtime`` (this machine's setting), ``posixrules``, and ``Factory`` (the zone of "no zone set yet").
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
TIME_ZONES: tuple[str, ...] = tuple(sorted(zoneinfo.available_timezones() - NOT_ZONES))
_ZONE_SET = frozenset(TIME_ZONES)


def is_time_zone(name) -> bool:
    """Whether ``name`` is a time zone of the IANA database, spelled as it spells it."""
    return isinstance(name, str) and name in _ZONE_SET


def time_zone_choices() -> list:
    """The time zones for a select, grouped by region (``America``, ``Europe``, …; UTC and the old single
    names under ``Other``), each shown without its region: ``America/Argentina/Salta`` → ``Argentina/Salta``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in TIME_ZONES:
        if name == "UTC":
            continue
        region, _, place = name.partition("/")
        if place:
            groups.setdefault(region, []).append((name, place.replace("_", " ")))
        else:
            groups.setdefault("Other", []).append((name, name))
    other = groups.pop("Other", [])
    return [("UTC", "UTC"), *sorted(groups.items()), ("Other", other)]
