"""Lead pages, mounted at /leads/ (namespace ``leads``): the partner's inbox across vendors and the vendor's
distribution console, on the same URLs; each page adapts to the side the person works on (``leads/views.py``)."""

from django.urls import path

from leads import views

app_name = "leads"
MOUNT = "leads/"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("summary/", views.lead_summary, name="summary"),
    path("new/", views.lead_create, name="create"),
    path("import/", views.lead_import, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("rules/", views.lead_rules, name="rules"),
    path("rules/coverage/<int:pk>/", views.lead_coverage, name="coverage"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/accept/", views.lead_accept, name="accept"),
    path("<int:pk>/reject/", views.lead_reject, name="reject"),
    path("<int:pk>/assign/", views.lead_assign, name="assign"),
    path("<int:pk>/status/", views.lead_status, name="status"),
    path("<int:pk>/notes/", views.lead_note, name="note"),
    path("<int:pk>/offer/", views.lead_offer, name="offer"),
    path("<int:pk>/convert/", views.lead_convert, name="convert"),
]
