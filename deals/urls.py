"""Deal registration pages, mounted at /deals/ (namespace ``deals``): one place for partners, vendors and
distributors; each page adapts to the side the person works on (``deals/views.py``)."""

from django.urls import path

from deals import views

app_name = "deals"
MOUNT = "deals/"
urlpatterns = [
    path("", views.deal_list, name="list"),
    path("export.csv", views.deal_export, name="export"),
    path("new/", views.deal_create, name="create"),
    path("new/products/", views.deal_products, name="products"),
    path("rules/", views.deal_rules, name="rules"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/", views.deal_detail, name="detail"),
    path("<int:pk>/edit/", views.deal_edit, name="edit"),
    path("<int:pk>/submit/", views.deal_submit, name="submit"),
    path("<int:pk>/stage/", views.deal_stage, name="stage"),
    path("<int:pk>/comments/", views.deal_comment, name="comment"),
    path("<int:pk>/attachments/", views.deal_attach, name="attach"),
    path("<int:pk>/approve/", views.deal_approve, name="approve"),
    path("<int:pk>/reject/", views.deal_reject, name="reject"),
    path("<int:pk>/request-info/", views.deal_request_info, name="request_info"),
    path("<int:pk>/extension/", views.deal_extension_request, name="extension_request"),
    path("<int:pk>/extension/decide/", views.deal_extension_decide, name="extension_decide"),
]
