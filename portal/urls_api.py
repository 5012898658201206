"""The REST API under /api/v1/: the router, the OpenAPI schema and its docs (served from our own static files)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.routers import DefaultRouter

from core.errors import api_not_found
from deals import api as deals_api
from leads import api as leads_api
from notifications import api as notifications_api
from vendors import api as vendors_api

# No ".json" twins of every route: the API speaks JSON only, and the viewsets' actions take no format argument
# (the twins answered 500; tests/isolation found them).
router = DefaultRouter()
router.include_format_suffixes = False
router.register("organizations", vendors_api.OrganizationViewSet, basename="organization")
router.register("partnerships", vendors_api.PartnershipViewSet, basename="partnership")
router.register("tiers", vendors_api.TierViewSet, basename="tier")
router.register("products", vendors_api.ProductViewSet, basename="product")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")
router.register("deals", deals_api.DealViewSet, basename="deal")
router.register("leads", leads_api.LeadViewSet, basename="lead")
router.register("lead-coverage", leads_api.LeadCoverageViewSet, basename="lead-coverage")

# One object per person (no id in the path): GET and PUT on the collection's address, which a router does not map.
notification_preferences = notifications_api.NotificationPreferencesViewSet.as_view(
    {"get": "retrieve", "put": "update"}
)


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
    path("notification-preferences/", notification_preferences, name="notification-preferences"),
    path("", include(router.urls)),
    # Last: any other address under /api/v1/ (an unknown resource, an id that is not a number) is a JSON 404.
    re_path(r"", api_not_found, name="api-not-found"),
]
