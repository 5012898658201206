"""Every answer under /api/ is JSON in the API's error shape, malformed input included: deep or huge bodies are a
400, an unknown address or an id that is not a number a 404, a wrong method a 405, a body the operation does not
read a 415, a server error a 500, a CSRF failure a 403; and OPTIONS answers on every route, for everyone."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework import exceptions
from rest_framework.test import APIClient

from core import places
from core.api import exception_handler, field_errors
from core.errors import server_error
from deals.api import DealViewSet
from identity.tokens import token_create
from leads.models import Lead, LeadCoverage
from portal import urls_api
from tests import factories as f
from tests.api.helpers import API, errors
from vendors.api import TierViewSet

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "partner_admin", "partner_member", "vendor", "distributor", "token")


def client_as(channel, persona) -> APIClient:
    """An API client of one persona: a session for each role, none for the anonymous, a personal API token."""
    client = APIClient(raise_request_exception=False)
    users = {
        "partner_admin": channel.initech_admin,
        "partner_member": channel.initech_rep,
        "vendor": channel.acme_manager,
        "distributor": channel.northwind_admin,
    }
    if persona == "token":
        _, raw = token_create(user=channel.acme_admin, name="CRM sync")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    elif persona != "anonymous":
        client.force_login(users[persona])
    return client


def assert_json_error(response, status):
    """The answer is ``status`` with the API's error shape, ``{"detail": "..."}``; returns the detail."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = json.loads(response.content)
    assert isinstance(body.get("detail"), str) and body["detail"], body
    return body["detail"]


def _patterns(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name != "api-not-found":
            yield pattern


def api_routes(deal_pk) -> list[str]:
    """Every address of the API's URL patterns (the router's and those beside it), with a real deal's id where a
    route takes one."""
    paths = set()
    for pattern in _patterns(urls_api.urlpatterns):
        kwargs = {"pk": deal_pk} if "pk" in pattern.pattern.regex.groupindex else {}
        paths.add(reverse(pattern.name, kwargs=kwargs))
    return sorted(paths)


@pytest.fixture
def deal(channel):
    return f.deal(channel.initech_admin, channel.initech, channel.acme, channel.acme_router)


# --- bodies: depth and size ------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ['{"body": ' + "[" * 1000 + "]" * 1000 + "}", '{"body": ' + "[" * 5000])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(channel, deal, body):
    """The finding: a comment of a thousand nested arrays was a 500 (``RecursionError``); unclosed ones too."""
    client = client_as(channel, "partner_admin")
    response = client.post(f"{API}/deals/{deal.pk}/comments/", body, content_type="application/json")
    assert "nests too deep" in assert_json_error(response, 400)
    assert deal.comments.count() == 0


def test_json_nested_as_deep_as_the_limit_is_read(channel, deal):
    """The limit refuses nothing an operation takes: nested arrays in a string, and twenty levels, are read."""
    client = client_as(channel, "partner_admin")
    nested = "[" * 19 + "]" * 19
    response = client.post(
        f"{API}/deals/{deal.pk}/comments/", f'{{"body": "{"[" * 50}", "x": {nested}}}', content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["body"] == "[" * 50


def test_a_json_body_over_the_size_limit_is_a_400(channel, deal, settings):
    """Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` holds for JSON bodies too (DRF's own parser reads any size)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = client_as(channel, "partner_admin")
    body = json.dumps({"body": "x" * 1000})
    response = client.post(f"{API}/deals/{deal.pk}/comments/", body, content_type="application/json")
    assert "at most 1000 bytes" in assert_json_error(response, 400)
    small = client.post(f"{API}/deals/{deal.pk}/comments/", {"body": "Fine."})
    assert small.status_code == 201


def test_a_multipart_body_over_the_size_limit_is_a_json_400(channel, deal, settings, tmp_path):
    """Django refuses it itself (``RequestDataTooBig``): the answer is JSON under /api/ all the same."""
    settings.MEDIA_ROOT = tmp_path
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = client_as(channel, "partner_admin")
    upload = SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n", content_type="application/pdf")
    response = client.post(
        f"{API}/deals/{deal.pk}/attachments/", {"file": upload, "note": "x" * 2000}, format="multipart"
    )
    assert "too large" in assert_json_error(response, 400)


def test_every_operation_with_a_body_refuses_deep_json_with_a_json_answer(channel, deal):
    """The class: every write operation of the schema, sent a thousand nested arrays, answers JSON, never 500 (a
    400 when it reads the body, a 403 or 404 when it refuses before)."""
    generator = SchemaGenerator(patterns=None)
    schema = generator.get_schema(request=None, public=True)
    client = client_as(channel, "partner_admin")
    deep = '{"x": ' + "[" * 1000 + "]" * 1000 + "}"
    seen = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "application/json" not in operation.get("requestBody", {}).get("content", {}):
                continue
            url = path.replace("{id}", str(deal.pk))
            response = getattr(client, method)(url, deep, content_type="application/json")
            assert response.status_code in (400, 403, 404), (method, url, response.status_code)
            assert_json_error(response, response.status_code)
            seen.add(response.status_code)
    assert 400 in seen


# --- media types -----------------------------------------------------------------------------------------------


def test_a_form_body_on_a_json_operation_is_a_json_415(channel, deal):
    client = client_as(channel, "partner_admin")
    url = f"{API}/deals/{deal.pk}/comments/"
    form = client.post(url, "body=Hello", content_type="application/x-www-form-urlencoded")
    assert "Unsupported media type" in assert_json_error(form, 415)
    assert "Unsupported media type" in assert_json_error(client.post(url, b"x", content_type="text/plain"), 415)
    assert deal.comments.count() == 0


def test_every_request_media_type_the_schema_declares_is_one_the_operation_reads():
    """The class: what the schema says an operation takes is what its parsers read (JSON everywhere, multipart for
    the upload), so no declared media type is a 415 and none is read differently from JSON."""
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    bodies = 0
    for path, operations in schema["paths"].items():
        view = resolve(path.replace("{id}", "1")).func
        read = {parser.media_type for parser in view.initkwargs.get("parser_classes", view.cls.parser_classes)}
        for method, operation in operations.items():
            declared = set(operation.get("requestBody", {}).get("content", {}))
            assert declared <= read, (method, path, declared, read)
            if declared:
                bodies += 1
                assert declared in ({"application/json"}, {"multipart/form-data"}), (method, path, declared)
    assert bodies > 10


# --- addresses and methods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/deals/abc/",  # an id that is not a number: no route matches
        "/api/v1/deals/1.5/approve/",
        "/api/v1/no-such-thing/",
        "/api/v1/no-such-thing",
        "/api/v1/deals/1/no-such-action/",
        "/api/v2/",  # outside the API's patterns: handler404
        "/api/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_address_is_a_json_404(channel, path, method):
    response = getattr(client_as(channel, "partner_admin"), method)(path)
    assert assert_json_error(response, 404) == "Not found."


def test_an_unknown_address_is_a_json_404_with_debug_on_too(channel, settings):
    settings.DEBUG = True
    assert_json_error(client_as(channel, "vendor").get("/api/v1/deals/abc/"), 404)


def test_an_address_without_its_slash_still_redirects_a_get_and_says_where_for_a_write(channel, deal):
    client = client_as(channel, "partner_admin")
    response = client.get(f"{API}/deals?page=1")
    assert response.status_code == 301
    assert response["Location"] == f"{API}/deals/?page=1"
    written = client.post(f"{API}/deals/{deal.pk}/comments", {"body": "Hi"})
    assert assert_json_error(written, 404).endswith(f"The address ends with a slash: {API}/deals/{deal.pk}/comments/")
    assert deal.comments.count() == 0


def test_a_page_outside_the_api_keeps_its_html_404(channel):
    response = client_as(channel, "partner_admin").get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_an_operation_does_not_take_is_a_json_405(channel):
    client = client_as(channel, "partner_admin")
    assert '"DELETE" not allowed' in assert_json_error(client.delete(f"{API}/deals/"), 405)


def test_every_route_answers_every_method_in_json_never_500(channel, deal):
    """The class: each address of the API, each method, as a partner and as nobody, with an empty JSON body."""
    paths = api_routes(deal.pk)
    assert {f"{API}/deals/", f"{API}/deals/{deal.pk}/", f"{API}/leads/"} <= set(paths)
    for persona in ("partner_admin", "anonymous"):
        client = client_as(channel, persona)
        for path in paths:
            for method in ("get", "post", "put", "patch", "delete"):
                response = getattr(client, method)(path, {})
                assert response.status_code < 500, (persona, method, path, response.content[:300])
                if method == "get" and path.endswith(("/schema/", "/docs/")):
                    continue  # the schema (YAML) and its page (HTML)
                assert response["Content-Type"] == "application/json", (persona, method, path, response["Content-Type"])
                if response.status_code == 400:
                    assert isinstance(response.json(), dict)  # field errors, or a detail
                elif response.status_code > 400:
                    assert_json_error(response, response.status_code)


# --- OPTIONS ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/leads/rules/", "/api/v1/notification-preferences/"])
def test_options_on_a_put_without_an_id_answers(channel, path):
    """The finding: DRF's OPTIONS looked up the object of a PUT with no id in its address (an AssertionError)."""
    response = client_as(channel, "vendor").options(path)
    assert response.status_code == 200, response.content
    assert response.json()["parses"] == ["application/json"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_options_answers_on_every_route_for_every_persona(channel, deal, persona):
    """The class: every route of the API router and beside it. The anonymous get the API's 403 (OPTIONS is
    authenticated like every other method, except on the public schema and docs)."""
    client = client_as(channel, persona)
    routes = api_routes(deal.pk)
    assert f"{API}/leads/rules/" in routes and f"{API}/notification-preferences/" in routes
    for path in routes:
        response = client.options(path)
        public = path.endswith(("/schema/", "/docs/"))
        if persona == "anonymous" and not public:
            assert_json_error(response, 403)
            continue
        assert response.status_code == 200, (persona, path, response.status_code, response.content[:300])
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"name", "description", "renders", "parses"}, path


# --- server errors and CSRF ------------------------------------------------------------------------------------


def _broken(*args, **kwargs):
    raise ZeroDivisionError("a bug")


def test_a_server_error_in_an_api_view_is_a_json_500(channel, settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setattr(TierViewSet, "filter_list", _broken)
    monkeypatch.setattr(DealViewSet, "create", _broken)
    client = client_as(channel, "partner_admin")
    for response in (client.get(f"{API}/tiers/"), client.post(f"{API}/deals/", {"title": "x"})):
        assert "server error" in assert_json_error(response, 500)


def test_a_server_error_outside_the_api_keeps_its_html_page():
    response = server_error(RequestFactory().get("/deals/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_a_request_for_a_host_the_server_does_not_serve_is_a_json_400(channel, settings):
    settings.ALLOWED_HOSTS = ["portal.example"]
    response = client_as(channel, "partner_admin").get(f"{API}/deals/", HTTP_HOST="evil.example")
    assert "Host header" in assert_json_error(response, 400)


def test_a_csrf_failure_under_the_api_is_json(channel, deal):
    """DRF checks CSRF for session-authenticated writes itself; Django's failure view answers the rest of /api/."""
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(channel.initech_admin)
    response = client.post(f"{API}/deals/{deal.pk}/comments/", {"body": "Hi"})
    assert assert_json_error(response, 403).startswith("CSRF Failed:")

    def refused(path):
        request = RequestFactory().post(path, {"a": "b"})
        request._dont_enforce_csrf_checks = False
        middleware = CsrfViewMiddleware(lambda r: HttpResponse())
        return middleware.process_view(request, lambda r: HttpResponse(), (), {})

    assert assert_json_error(refused(f"{API}/anything/"), 403).startswith("CSRF Failed:")
    html = refused("/deals/")
    assert html.status_code == 403 and html["Content-Type"].startswith("text/html")


# --- bad input: one shape, whichever app answers ---------------------------------------------------------------


def test_bad_input_is_a_400_in_one_shape_in_deals_and_leads(channel, deal):
    """Each field with a list of messages; an error inside a field names its item at the start of the message; a
    body that is not an object is an error of no one field. Deals and leads answer alike (a bulk call's rows were
    an object of objects, and a list's items were numbered one way in deals and another in leads)."""
    LeadCoverage.objects.create(partnership=channel.initech_acme, vendor=channel.acme, countries=["US"])
    partner, vendor = client_as(channel, "partner_admin"), client_as(channel, "vendor")
    lead = {"company": "Waystar Health", "contact_name": "Ana Diaz", "country": "US"}
    answers = [
        (
            partner.patch(f"{API}/deals/{deal.pk}/", {"lines": [{"product": channel.acme_router.pk, "quantity": 0}]}),
            {"lines": ["Line 1: quantity: Ensure this value is greater than or equal to 1."]},
        ),
        (vendor.patch(f"{API}/leads/rules/", {"tiers": ["x"]}), {"tiers": ["Item 1: A valid integer is required."]}),
        (
            vendor.post(f"{API}/leads/bulk/", {"leads": [lead, {**lead, "country": "Germany"}]}),
            {"leads": [f"Item 2: country: {places.COUNTRY_ERROR}"]},
        ),
        (
            partner.post(f"{API}/deals/", [1, 2]),
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
        ),
        (vendor.post(f"{API}/leads/", [1, 2]), {"non_field_errors": ["Expected an object with the lead's fields."]}),
        (partner.get(f"{API}/deals/", {"status": "zz"}), {"status": ['"zz" is not a valid choice.']}),
        (vendor.get(f"{API}/leads/", {"status": "zz"}), {"status": ['"zz" is not a valid choice.']}),
    ]
    for response, expected in answers:
        assert errors(response) == expected, response.request["PATH_INFO"]
    assert not Lead.objects.exists()


def test_field_errors_lays_out_any_validation_error_in_the_one_shape():
    assert field_errors({"regions": {0: ["Not a valid string."]}, "email": {"digest": ["Choose one."]}}) == {
        "regions": ["Item 1: Not a valid string."],
        "email": ["digest: Choose one."],
    }
    assert field_errors({"lines": [{}, {"quantity": ["Too many."]}]}) == {"lines": ["Item 2: quantity: Too many."]}
    assert field_errors(["Nope."]) == {"non_field_errors": ["Nope."]}
    response = exception_handler(exceptions.ValidationError("Nope."), {})
    assert (response.status_code, response.data) == (400, {"non_field_errors": ["Nope."]})


def test_every_400_of_the_schema_is_the_one_validation_error():
    """No operation documents a 400 of its own shape: each refers to ``ValidationError`` (``core.api``)."""
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    documented = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "400" in operation.get("responses", {}):
                content = operation["responses"]["400"]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ValidationError"}, (method, path)
                documented += 1
    assert documented > 40
    assert "ValidationError" in schema["components"]["schemas"]
