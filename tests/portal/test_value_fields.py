"""The class test of values that come from a list: every form field, model field and (in
``tests/api/test_values.py``) API property that holds a country or a time zone takes it from its list.

A field is found by its name (``country``, ``customer_country``, ``countries``, ``time_zone``), so the next one
added is checked without a line here changing.
"""

import importlib
import inspect

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django_countries.fields import CountryField as CountryModelField

from core import places
from core.forms import CountryField, TimeZoneField

PROJECT_APPS = [
    app
    for app in settings.INSTALLED_APPS
    if app.split(".")[0]
    in {"core", "portal", "notifications", "identity", "vendors", "deals", "leads"}
    | {"campaigns", "content", "mdf", "feedback"}
]
# A list of codes typed into one box (``DE, AT, CH``); the service checks each against the list (and says which
# are none): tests/leads/test_countries.py, tests/api/test_values.py.
CODE_LISTS = {("leads.forms.CoverageForm", "countries"), ("leads.LeadCoverage", "countries")}


def _forms():
    for app in PROJECT_APPS:
        try:
            module = importlib.import_module(f"{app}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield f"{cls.__module__}.{cls.__name__}", cls


def _kind(name: str) -> str:
    name = name.lower()
    return "country" if "countr" in name else "zone" if "time_zone" in name or "timezone" in name else ""


def test_every_form_field_of_a_country_or_a_time_zone_takes_it_from_its_list():
    seen = []
    for label, cls in _forms():
        for name, field in getattr(cls, "base_fields", {}).items():
            kind = _kind(name)
            if not kind or (label, name) in CODE_LISTS:
                continue
            seen.append((label, name))
            expected = CountryField if kind == "country" else TimeZoneField
            assert isinstance(field, expected), f"{label}.{name} is a {type(field).__name__}, not a {expected.__name__}"
    assert {n for _, n in seen} >= {"customer_country", "country", "time_zone"}, seen


def test_every_model_field_of_a_country_is_a_country_field():
    seen = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app.split(".")[-1]).get_models():
            for field in model._meta.concrete_fields:
                label = f"{model._meta.app_label}.{model.__name__}"
                if _kind(field.name) == "country" and (label, field.name) not in CODE_LISTS:
                    seen.append(label)
                    assert isinstance(field, CountryModelField), f"{label}.{field.name}"
    assert len(seen) >= 3


@pytest.mark.parametrize("value", ["ZZ", "XX", "zz", "", "DEU", None, 49])
def test_no_country_passes_the_check(value):
    assert not places.is_country(value)


@pytest.mark.parametrize("value", ["localtime", "posixrules", "Factory", "", "utc", None, "Europe/Nowhere"])
def test_no_time_zone_passes_the_check(value):
    assert not places.is_time_zone(value)


def test_the_lists_are_iso_3166_and_the_iana_database():
    assert len(places.country_codes()) == 249 and places.is_country("DE") and places.is_country("XK") is False
    assert places.is_time_zone("America/Chicago") and places.is_time_zone("UTC") and len(places.TIME_ZONES) > 590
