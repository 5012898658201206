"""The REST API under /api/v1/: the router, the OpenAPI schema and its docs (served from our own static files)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.routers import DefaultRouter

from core.errors import api_not_found
from core.registry import collect

# Every app declares its routes in its own api.py: ``ROUTES`` for the router, ``URLS`` for addresses of its own.
# No ".json" twins of every route: the API speaks JSON only, and the viewsets' actions take no format argument
# (the twins answered 500; tests/isolation found them).
router = DefaultRouter()
router.include_format_suffixes = False
for prefix, viewset, basename in collect("api", "ROUTES"):
    router.register(prefix, viewset, basename=basename)


class _JSONBesidesGet:
    """The schema (YAML or JSON) and its docs page (HTML) answer GET in their own media types; their other answers
    (OPTIONS, a 405) are JSON, as everywhere under /api/ (the docs page's template renderer failed on them)."""

    def get_renderers(self):
        if self.request.method in ("GET", "HEAD"):
            return super().get_renderers()
        return [JSONRenderer()]


class SchemaView(_JSONBesidesGet, SpectacularAPIView):
    pass


class DocsView(_JSONBesidesGet, SpectacularSwaggerView):
    pass


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    *collect("api", "URLS"),
    path("", include(router.urls)),
    # Last: any other address under /api/v1/ (an unknown resource, an id that is not a number) is a JSON 404.
    re_path(r"", api_not_found, name="api-not-found"),
]
