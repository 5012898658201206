"""Values that come from a list, through the API: countries (ISO 3166-1) and time zones (IANA).

A value outside the list (``ZZ``, ``localtime``) is a 400 naming the field, and nothing is written; the schema
states each list as one enum. The class test walks the whole schema: every property that holds a country or a
time zone refers to that enum, so the next serializer that takes a country is checked without a line here.
"""

import pytest
import yaml
from django.core.management import call_command

from deals.models import DealRegistration
from leads.models import Lead, LeadCoverage
from notifications.models import NotificationSettings
from tests import factories as f
from tests.api.helpers import API, errors
from tests.api.test_deals import DEALS, deal_url, new_deal
from tests.api.test_leads import LEADS, coverage_url, new_lead

pytestmark = pytest.mark.django_db

PREFERENCES = f"{API}/notification-preferences/"
COUNTRY_ERROR = "Choose a country from the list (its two-letter ISO 3166-1 code, e.g. DE or US)."
TIME_ZONE_ERROR = "Choose a time zone from the list (an IANA time zone, e.g. Europe/Berlin)."


# --- countries --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["ZZ", "XX", "us", "USA", "Germany", "", 49, None, ["DE"]])
def test_a_deal_in_no_country_is_a_field_error_and_writes_nothing(api, channel, country):
    body = errors(api(channel.initech_rep).post(DEALS, new_deal(channel, customer_country=country), format="json"))
    assert list(body) == ["customer_country"]
    assert not DealRegistration.objects.exists()


def test_a_deal_in_a_country_is_saved_and_read_back_as_its_code(api, channel):
    client = api(channel.initech_rep)
    response = client.post(DEALS, new_deal(channel, customer_country="DE"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["customer_country"] == "DE"
    assert DealRegistration.objects.get().customer_country == "DE"


def test_changing_a_deals_country_to_none_is_refused(api, channel):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router, submit=False)
    body = errors(api(channel.initech_rep).patch(deal_url(deal), {"customer_country": "ZZ"}, format="json"))
    assert body == {"customer_country": [COUNTRY_ERROR]}
    deal.refresh_from_db()
    assert deal.customer_country == "US"


def test_a_lead_in_no_country_is_a_field_error(api, channel):
    body = errors(api(channel.acme_manager).post(LEADS, new_lead(country="ZZ"), format="json"))
    assert body == {"country": [COUNTRY_ERROR]}
    assert not Lead.objects.exists()


def test_coverage_of_no_country_is_refused(api, channel):
    client = api(channel.acme_manager)
    body = errors(client.put(coverage_url(channel.umbrella_acme), {"countries": ["US", "ZZ"]}, format="json"))
    assert "countries" in body and COUNTRY_ERROR in str(body)
    assert not LeadCoverage.objects.filter(partnership=channel.umbrella_acme, countries=["US", "ZZ"]).exists()
    response = client.put(coverage_url(channel.umbrella_acme), {"countries": ["US", "CA"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["countries"] == ["US", "CA"]


# --- time zones -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "Mars/Olympus_Mons", "america/chicago", "", 5])
def test_a_time_zone_outside_the_iana_database_is_a_field_error(api, channel, zone):
    client = api(channel.initech_rep)
    body = errors(client.put(PREFERENCES, {"time_zone": zone, "digest_hour": 7}, format="json"))
    assert list(body) == ["time_zone"]
    assert not NotificationSettings.objects.exists()


def test_an_iana_time_zone_is_saved(api, channel):
    client = api(channel.initech_rep)
    response = client.put(PREFERENCES, {"time_zone": "America/Chicago", "digest_hour": 7}, format="json")
    assert response.status_code == 200, response.content
    assert client.get(PREFERENCES).json()["time_zone"] == "America/Chicago"
    assert NotificationSettings.objects.get(user=channel.initech_rep).time_zone == "America/Chicago"


# --- the schema -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--file", str(path), "--validate")
    return yaml.safe_load(path.read_text())


def test_the_schema_lists_the_countries_and_time_zones(schema):
    components = schema["components"]["schemas"]
    countries = components["CountryEnum"]["enum"]
    assert len(countries) == 249 and {"DE", "US", "GB", "CA"} <= set(countries) and "ZZ" not in countries
    zones = components["TimeZoneEnum"]["enum"]
    assert {"America/Chicago", "Europe/Berlin", "UTC"} <= set(zones)
    assert not {"localtime", "posixrules", "Factory"} & set(zones)


def _properties(node, path=()):
    """Every ``(path, name, schema)`` of an object property anywhere in the schema."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            yield path, name, prop
        for key, value in node.items():
            yield from _properties(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, (*path, index))


def _refs(prop) -> set[str]:
    prop = prop.get("items", prop)
    found = {prop["$ref"]} if "$ref" in prop else set()
    for option in prop.get("allOf", []) + prop.get("oneOf", []):
        found |= _refs(option)
    return found


def test_every_country_and_time_zone_in_the_schema_is_its_enum(schema):
    """The class: a property named for a country or a time zone, in any request or answer, is the list's enum."""
    seen = {"country": 0, "zone": 0}
    for path, name, prop in _properties(schema):
        key = name.lower()
        if "countr" in key:
            seen["country"] += 1
            assert "#/components/schemas/CountryEnum" in _refs(prop), (path, name, prop)
        elif "time_zone" in key or "timezone" in key:
            seen["zone"] += 1
            assert "#/components/schemas/TimeZoneEnum" in _refs(prop), (path, name, prop)
    assert seen["country"] >= 5 and seen["zone"] >= 2, seen


def test_an_organization_is_read_with_its_country_or_none(api, channel):
    """An organization that names no country reads as ``""`` (it was a 500: the empty country is an object)."""
    channel.acme.country = "DE"
    channel.acme.save(update_fields=["country"])
    response = api(channel.initech_rep).get(f"{API}/organizations/")
    assert response.status_code == 200, response.content
    countries = {row["name"]: row["country"] for row in response.json()["results"]}
    assert countries["Acme Networks"] == "DE" and countries["Initech Solutions"] == ""
