"""The fuzzing harness itself: it sees every API route, an example's writes do not outlive it, and a 500 or an
answer the schema does not document fails the example."""

import pytest
from django.urls import resolve
from schemathesis.core.failures import FailureGroup, ServerError
from schemathesis.openapi.checks import UndefinedStatusCode

from portal import urls_api
from portal.urls_api import router
from tests.fuzz.harness import fuzz, schema
from vendors.api import TierViewSet
from vendors.models import Tier


def test_every_route_of_the_api_is_in_the_served_schema():
    """A route left out of the schema would not be fuzzed: the router's, and those added beside it (a person's
    notification preferences)."""
    in_schema = {resolve(path.replace("{id}", "1")).url_name for path in schema.raw_schema["paths"]}
    beside = {pattern.name for pattern in urls_api.urlpatterns if getattr(pattern, "name", None)}
    routes = {pattern.name for pattern in router.urls} | beside
    assert "notification-preferences" in routes
    assert routes - in_schema == {"api-root", "api-schema", "api-docs", "api-not-found"}


@pytest.mark.django_db
def test_an_examples_writes_are_rolled_back(fuzz_channel):
    manager = fuzz_channel.vendor_manager
    tiers = set(Tier.objects.values_list("pk", "name", "discount_percent"))
    create = schema["/api/v1/tiers/"]["POST"].Case(
        body={"name": "Diamond", "discount_percent": "40.00"}, media_type="application/json"
    )
    assert fuzz(create, manager).status_code == 201
    change = schema["/api/v1/tiers/{id}/"]["PATCH"].Case(
        path_parameters={"id": str(fuzz_channel.gold.pk)}, body={"name": "Golder"}, media_type="application/json"
    )
    assert fuzz(change, manager).json()["name"] == "Golder"
    assert set(Tier.objects.values_list("pk", "name", "discount_percent")) == tiers


@pytest.mark.django_db
def test_a_server_error_fails_the_example(fuzz_channel, monkeypatch):
    def broken(self, queryset, filters):
        raise ZeroDivisionError

    monkeypatch.setattr(TierViewSet, "filter_list", broken)
    with pytest.raises(FailureGroup) as failed:
        fuzz(schema["/api/v1/tiers/"]["GET"].Case(), fuzz_channel.partner_admin)
    assert {type(failure) for failure in failed.value.exceptions} == {ServerError, UndefinedStatusCode}
