"""The vendor console, mounted at /console/ (namespace ``console``)."""

from django.urls import path

from vendors import views

app_name = "console"
MOUNT = "console/"
urlpatterns = [
    path("", views.partners, name="partners"),
    path("applications/", views.applications, name="applications"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/approve/", views.partnership_approve, name="partnership_approve"),
    path("partners/<int:pk>/decline/", views.partnership_decline, name="partnership_decline"),
    path("partners/<int:pk>/tier/", views.partnership_tier, name="partnership_tier"),
    path("partners/<int:pk>/suspend/", views.partnership_suspend, name="partnership_suspend"),
    path("partners/<int:pk>/reactivate/", views.partnership_reactivate, name="partnership_reactivate"),
    path("partners/<int:pk>/end/", views.partnership_end, name="partnership_end"),
    path("tiers/", views.tiers, name="tiers"),
    path("tiers/new/", views.tier_create, name="tier_create"),
    path("tiers/<int:pk>/", views.tier_edit, name="tier_edit"),
    path("tiers/<int:pk>/delete/", views.tier_delete, name="tier_delete"),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/new/", views.product_create, name="product_create"),
    path("catalog/<int:pk>/", views.product_edit, name="product_edit"),
    path("program/", views.program, name="program"),
]
