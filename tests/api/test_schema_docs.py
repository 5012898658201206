"""The OpenAPI schema is valid and complete; the docs page loads everything from our own static files."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_schema_generates_without_errors_or_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3.")


def test_schema_endpoint_serves_valid_openapi(client):
    assert reverse("api-schema") == "/api/v1/schema/"
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert schema["info"]["title"] == "Onepane API"
    paths = set(schema["paths"])
    for resource in ("organizations", "partnerships", "tiers", "products"):
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{id}}/" in paths
    for action in ("approve", "decline", "change-tier", "suspend", "reactivate", "end"):
        assert schema["paths"][f"/api/v1/partnerships/{{id}}/{action}/"]["post"]
    product = schema["components"]["schemas"]["Product"]["properties"]
    assert {"list_price", "currency", "your_price"} <= set(product)
    assert "cookieAuth" in schema["components"]["securitySchemes"]


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_docs_page_uses_only_local_static_files(client, settings):
    assert reverse("api-docs") == "/api/v1/docs/"
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    # Nothing from another host: no absolute or protocol-relative URL anywhere in the page.
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), html
    parser = _Assets()
    parser.feed(html)
    assert parser.urls
    static = "/" + settings.STATIC_URL.lstrip("/")
    for url in parser.urls:
        assert url.startswith(static), url
        assert finders.find(url.removeprefix(static)), f"{url} is not one of our static files"
    # The page loads the schema from our own endpoint.
    assert '"/api/v1/schema/"' in html
