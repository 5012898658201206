"""What the schema says about a request holds: an empty filter is no filter (and documented so), a filter or a page
size given twice or out of range is a 400, and a number where the schema says string is a 400, not its text."""

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.api.helpers import API, errors, ids, rows
from vendors.models import Partnership

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator(patterns=None).get_schema(request=None, public=True)


def test_every_optional_query_parameter_documents_that_empty_is_not_given(openapi):
    """The class: ``?status=`` lists every status (``query_filters``), and the schema says so for every filter."""
    seen = 0
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    assert parameter.get("allowEmptyValue") is True, (method, path, parameter["name"])
                    seen += 1
    assert seen > 20


def test_an_empty_enum_filter_is_no_filter(api, channel):
    client = api(channel.acme_manager)
    every = ids(client.get(f"{API}/partnerships/"))
    assert ids(client.get(f"{API}/partnerships/?status=")) == every
    assert ids(client.get(f"{API}/partnerships/?status=suspended")) == {channel.umbrella_acme.pk} - {
        p.pk for p in Partnership.objects.exclude(status="suspended")
    }
    assert "status" in errors(client.get(f"{API}/partnerships/?status=nonsense"))


def test_a_filter_or_page_given_twice_is_a_400(api, channel):
    client = api(channel.acme_manager)
    assert errors(client.get(f"{API}/partnerships/?status=active&status=ended")) == {"status": ["Give `status` once."]}
    assert list(errors(client.get(f"{API}/partnerships/?page_size=1&page_size=2"))) == ["page_size"]
    assert list(errors(client.get(f"{API}/partnerships/?page=1&page=2"))) == ["page"]


@pytest.mark.parametrize("size", ["0", "-1", "201", "ten", "1.5", "٣"])
def test_a_page_size_out_of_range_is_a_400(api, channel, size):
    """DRF answered 50 rows for any of these; the schema says 1 to 200."""
    body = errors(api(channel.acme_manager).get(f"{API}/partnerships/?page_size={size}"))
    assert body == {"page_size": ["A whole number from 1 to 200."]}


def test_page_size_within_range_and_empty_is_read(api, channel, openapi):
    client = api(channel.acme_manager)
    assert len(rows(client.get(f"{API}/partnerships/?page_size=1"))) == 1
    assert client.get(f"{API}/partnerships/?page_size=&page=").status_code == 200
    parameter = next(
        p for p in openapi["paths"]["/api/v1/partnerships/"]["get"]["parameters"] if p["name"] == "page_size"
    )
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}


def test_a_number_for_a_string_is_a_400_not_its_text(api, channel):
    """The finding: ``{"reason": 8103}`` suspended a partnership with the reason "8103"."""
    client = api(channel.acme_manager)
    url = f"{API}/partnerships/{channel.umbrella_acme.pk}/suspend/"
    assert errors(client.post(url, {"reason": 8103})) == {"reason": ["Not a valid string."]}
    channel.umbrella_acme.refresh_from_db()
    assert channel.umbrella_acme.status == Partnership.Status.ACTIVE
    assert client.post(url, {"reason": "Late payments."}).status_code == 200


def _string_properties(openapi, operation):
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return []
    schema = content["schema"]
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    # Money (``format: decimal``) is left to the numeric bounds' tests: whether a JSON number may stand for it.
    return [
        name
        for name, prop in schema.get("properties", {}).items()
        if prop.get("type") == "string" and prop.get("format") != "decimal" and not prop.get("readOnly")
    ]


def test_every_string_field_of_every_body_refuses_a_number(channel, openapi):
    """The class: each string property of each JSON body, sent as a number, by the people who may write there, to
    a row that exists: never accepted."""
    people = [channel.initech_admin, channel.acme_manager]
    clients = []
    for person in people:
        client = APIClient()
        client.force_login(person)
        clients.append(client)
    checked = 0
    for path, operations in openapi["paths"].items():
        queryset = getattr(resolve(path.replace("{id}", "1")).func.cls, "queryset", None)
        row = queryset.model.objects.order_by("pk").first() if queryset is not None else None
        url = path.replace("{id}", str(row.pk if row else 1))
        for method, operation in operations.items():
            for name in _string_properties(openapi, operation):
                for client in clients:
                    response = getattr(client, method)(url, {name: 8103}, format="json")
                    assert response.status_code >= 400, (method, path, name, response.content[:200])
                    if response.status_code == 400:
                        assert name in response.json() or "non_field_errors" in response.json(), (method, path, name)
                checked += 1
    assert checked > 20
