"""API fields for values that come from a list: a country (ISO 3166-1) and a time zone (IANA).

The schema states each as an enum (``CountryEnum``, ``TimeZoneEnum``: one component each, named in
``SPECTACULAR_SETTINGS``), and the field accepts exactly the enum's values: a strict client and the schema
fuzzing see the same rule as the answer (no name, number or lower-case code read as a country behind its back).
"""

from django_countries.serializer_fields import CountryField as BaseCountryField
from rest_framework import serializers

from core import places


class CountryField(BaseCountryField):
    """A country as its two-letter ISO 3166-1 code, e.g. ``DE``; anything else is a field error."""

    default_error_messages = {"invalid_choice": places.COUNTRY_ERROR}

    def to_internal_value(self, data):
        if data == "" and self.allow_blank:
            return ""
        if not isinstance(data, str) or not places.is_country(data):
            self.fail("invalid_choice", input=data)
        return data


class TimeZoneField(serializers.ChoiceField):
    """A time zone of the IANA database, spelled as it spells it, e.g. ``America/Chicago``."""

    default_error_messages = {"invalid_choice": places.TIME_ZONE_ERROR}

    def __init__(self, **kwargs):
        super().__init__(places.TIME_ZONES, **kwargs)
