"""The app registry: what each installed app adds, found in modules of known names in the app's own folder.

Django's admin finds every app's ``admin.py`` with ``autodiscover_modules``; Onepane does the same for each thing an
app plugs in, so the central pieces (the demo command, the navigation, the beat schedule, the API router, the
isolation suite) name no app. An app that has no such module adds nothing of that kind.

``plugins("navigation")`` imports ``<app>.navigation`` for every installed app that has one, in ``INSTALLED_APPS``
order; ``collect("navigation", "ENTRIES")`` joins the lists those modules declare under that name. The modules and
what each declares are listed in ``docs/adding-a-capability.md``.
"""

from functools import cache
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured


def _has_module(package: str, name: str) -> bool:
    try:
        return find_spec(f"{package}.{name}") is not None
    except ModuleNotFoundError:
        return False


@cache
def plugins(name: str) -> tuple[ModuleType, ...]:
    """The module ``<app>.<name>`` of every installed app that has one, in ``INSTALLED_APPS`` order.

    An error inside such a module is raised, not skipped: a plug-in that does not import is a bug to see at once.
    """
    found = []
    for config in apps.get_app_configs():
        if _has_module(config.name, name):
            found.append(import_module(f"{config.name}.{name}"))
    return tuple(found)


def collect(name: str, attribute: str) -> list:
    """The items of the list (or tuple) ``attribute`` in every app's ``<app>.<name>`` module, joined in app order."""
    items = []
    for module in plugins(name):
        items.extend(getattr(module, attribute, ()))
    return items


def merged(name: str, attribute: str) -> dict:
    """The dicts ``attribute`` of every app's ``<app>.<name>`` module, merged; a key two apps both use is an error."""
    result: dict = {}
    for module in plugins(name):
        for key, value in getattr(module, attribute, {}).items():
            if key in result:
                raise ImproperlyConfigured(f"{module.__name__}.{attribute} repeats {key!r}, declared by another app")
            result[key] = value
    return result


def app_label_of(module: ModuleType) -> str:
    """The label of the installed app a plug-in module belongs to."""
    config = apps.get_containing_app_config(module.__name__)
    if config is None:
        raise ImproperlyConfigured(f"{module.__name__} belongs to no installed app")
    return config.label

