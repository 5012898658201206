"""The API's routes come from each app's own ``api.py``; the central router (portal/urls_api.py) names no app."""

from pathlib import Path

from django.urls import reverse

from core.registry import plugins
from portal.urls_api import router
from tests import factories as f

APPS = ("vendors", "notifications", "deals", "leads")


def test_every_apps_routes_are_registered_with_the_router():
    registered = {(prefix, viewset, basename) for prefix, viewset, basename in router.registry}
    declared = [route for module in plugins("api") for route in getattr(module, "ROUTES", ())]

    assert {module.__name__ for module in plugins("api")} >= {f"{app}.api" for app in APPS}
    assert set(declared) == registered and len(declared) == len(registered)
    assert {"organization", "partnership", "deal", "lead", "lead-coverage", "notification"} <= {
        basename for _, _, basename in registered
    }


def test_an_apps_own_addresses_are_served(client, db):
    rep = f.member(f.partner())
    client.force_login(rep)

    response = client.get("/api/v1/notification-preferences/")

    assert reverse("notification-preferences") == "/api/v1/notification-preferences/"
    assert response.status_code == 200  # declared in notifications/api.py's URLS
    assert {"time_zone", "digest_hour", "email", "types"} <= set(response.json())


def test_the_central_router_names_no_app():
    source = (Path(__file__).resolve().parents[2] / "portal" / "urls_api.py").read_text()
    for app in APPS:
        assert f"from {app}" not in source and f"import {app}" not in source
