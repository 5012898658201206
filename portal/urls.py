"""The site's URLs: the partner workspace, every app's pages (each app's urls.py says where: core/mounts.py), then
the third-party pages (allauth, the admin) and the API."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core.mounts import page_urls

urlpatterns = [
    path("", include("portal.urls_workspace")),
    *page_urls(),
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
