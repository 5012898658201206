from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("organization/switch/", views.switch_organization, name="switch_organization"),
    path("vendors/<slug:slug>/", views.vendor_detail, name="vendor_detail"),
    path("catalog/", views.catalog, name="catalog"),
    path("directory/", views.directory, name="directory"),
    path("directory/<slug:slug>/apply/", views.apply, name="apply"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.invite, name="invite"),
    path("team/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("team/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("team/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("distribution/", views.distribution, name="distribution"),
]
