"""Every app's pages are served where its urls.py says, and the shell's URLconf names no app."""

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import path, resolve, reverse

from core import mounts

ROOT = Path(__file__).resolve().parents[2]


def test_each_app_is_served_under_its_mount_in_its_namespace():
    assert reverse("console:partners") == "/console/"
    assert reverse("deals:list") == "/deals/"
    assert reverse("leads:list") == "/leads/"
    assert reverse("notifications:inbox") == "/notifications/"
    assert reverse("identity:sso") == "/settings/sso/"


def test_an_app_adds_pages_to_another_apps_namespace():
    assert reverse("console:alerts") == "/console/alerts/"
    assert resolve("/console/alerts/").func.__module__ == "notifications.views"


def test_root_paths_stand_in_front_of_allauth():
    assert resolve("/accounts/saml/acme/acs/").func.__module__ == "identity.saml"
    assert resolve("/accounts/oidc/acme/login/").func.__module__ == "identity.views_sso"
    assert resolve("/accounts/login/").url_name == "account_login"


def test_the_shells_urlconf_imports_no_app():
    tree = ast.parse((ROOT / "portal" / "urls.py").read_text())
    imported = {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"django", "core"}


def _fake(monkeypatch, *modules):
    monkeypatch.setattr(mounts, "_mounting", lambda: list(modules))


def _app(name, mount, **extra):
    return SimpleNamespace(__name__=f"{name}.urls", app_name=name, MOUNT=mount, urlpatterns=[], **extra)


def test_two_apps_on_one_mount_is_an_error(monkeypatch):
    _fake(monkeypatch, _app("one", "same/"), _app("two", "same/"))
    with pytest.raises(ImproperlyConfigured, match="same MOUNT: same/"):
        mounts.page_urls()


def test_extending_a_namespace_nobody_mounts_is_an_error(monkeypatch):
    _fake(monkeypatch, _app("one", "one/", EXTEND={"ghost": [path("x/", lambda request: None)]}))
    with pytest.raises(ImproperlyConfigured, match="'ghost'"):
        mounts.page_urls()
