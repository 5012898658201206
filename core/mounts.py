"""Where each app's pages are served: every app's ``urls.py`` says so itself, and the shell's URLconf joins them.

An app's ``urls.py`` declares, beside its ``app_name`` and ``urlpatterns``:

``MOUNT``
    the path its pages are served under (``"deals/"``), in the namespace ``app_name``;
``EXTEND`` (optional)
    pages it adds to another app's namespace, ``{"console": [path(...), ...]}`` (the vendor console's alerts
    page is notifications', served under /console/ with the channel graph's pages);
``ROOT`` (optional)
    paths served at the site root, ahead of the third-party URLconfs the shell mounts (identity's single
    sign-on endpoints, which stand in front of allauth's under /accounts/).

``portal/urls.py`` calls ``page_urls()`` and names no app. An app without ``MOUNT`` serves no pages.
"""

from django.core.exceptions import ImproperlyConfigured
from django.urls import include, path

from core.registry import plugins


def _mounting() -> list:
    return [module for module in plugins("urls") if hasattr(module, "MOUNT")]


def page_urls() -> list:
    """The URL patterns of every app's pages: root paths first, then each app under its mount, in app order."""
    modules = _mounting()
    namespaces = {module.app_name: module for module in modules}
    if len(namespaces) != len(modules):
        raise ImproperlyConfigured("Two apps' urls.py declare the same app_name")
    mounts = [module.MOUNT for module in modules]
    repeated = sorted({mount for mount in mounts if mounts.count(mount) > 1})
    if repeated:
        raise ImproperlyConfigured(f"Two apps' urls.py declare the same MOUNT: {', '.join(repeated)}")
    extra: dict[str, list] = {namespace: [] for namespace in namespaces}
    for module in modules:
        for namespace, patterns in getattr(module, "EXTEND", {}).items():
            if namespace not in extra:
                raise ImproperlyConfigured(f"{module.__name__}.EXTEND names {namespace!r}, which no app mounts")
            extra[namespace].extend(patterns)
    urls = [pattern for module in modules for pattern in getattr(module, "ROOT", ())]
    for module in modules:
        patterns = list(module.urlpatterns) + extra[module.app_name]
        urls.append(path(module.MOUNT, include((patterns, module.app_name))))
    return urls
