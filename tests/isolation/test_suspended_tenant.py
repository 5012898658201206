"""The people of a tenant the platform suspended cannot use it: not through the pages, not through the API.

(Found by the isolation sweep: the pages refused them, but the API still listed their vendor's partnerships
and tiers and let a manager suspend partners and rename tiers.)
"""

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from vendors import services
from vendors.models import Partnership, Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def suspended(channel):
    root = f.UserFactory(is_staff=True, is_superuser=True)
    services.organization_set_status(actor=root, organization=channel.acme, status="suspended")
    client = APIClient()
    client.force_login(channel.acme_manager)
    return client


def test_they_see_nothing_of_it(suspended, channel):
    assert suspended.get("/console/").status_code == 404
    for path in ("/api/v1/partnerships/", "/api/v1/tiers/", "/api/v1/products/", "/api/v1/organizations/"):
        assert suspended.get(path).json()["count"] == 0, path  # as for a person without an organization
    assert suspended.get(f"/api/v1/partnerships/{channel.umbrella_acme.pk}/").status_code == 404


def test_they_change_nothing(suspended, channel):
    response = suspended.post(
        f"/api/v1/partnerships/{channel.umbrella_acme.pk}/suspend/", {"reason": "Because."}, format="json"
    )
    assert response.status_code == 404
    assert suspended.patch(f"/api/v1/tiers/{channel.gold.pk}/", {"name": "Platinum"}, format="json").status_code == 404
    assert Partnership.objects.get(pk=channel.umbrella_acme.pk).status == "active"
    assert Tier.objects.get(pk=channel.gold.pk).name == "Gold"


def test_their_partners_keep_their_records(channel):
    root = f.UserFactory(is_staff=True, is_superuser=True)
    services.organization_set_status(actor=root, organization=channel.acme, status="suspended")
    client = APIClient()
    client.force_login(channel.umbrella_admin)
    ids = {row["id"] for row in client.get("/api/v1/partnerships/").json()["results"]}
    assert channel.umbrella_acme.pk in ids
