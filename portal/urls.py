from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from identity import saml as identity_saml
from identity import views_sso as identity_views_sso
from notifications import urls as notifications_urls
from vendors import urls as console_urls

urlpatterns = [
    path("", include("portal.urls_workspace")),
    # The vendor console: the channel graph's pages, and the alerts page notifications adds to it.
    path("console/", include((console_urls.urlpatterns + notifications_urls.console_urlpatterns, "console"))),
    path("deals/", include("deals.urls")),
    path("leads/", include("leads.urls")),
    path("notifications/", include("notifications.urls")),
    path("settings/", include("identity.urls")),
    # allauth's SAML assertion consumer service, behind replay protection (identity/saml.py).
    path("accounts/saml/<str:organization_slug>/acs/", identity_saml.acs),
    # allauth's OpenID Connect login, with a clear page when the IdP cannot be fetched (identity/views_sso.py).
    path("accounts/oidc/<str:provider_id>/login/", identity_views_sso.oidc_login),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("portal.urls_api")),
    path("admin/", admin.site.urls),
]

# Under /api/ these answer JSON in the API's error shape; elsewhere Django's own pages (core/errors.py).
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
