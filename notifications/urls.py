from django.urls import path

from notifications import views

app_name = "notifications"
MOUNT = "notifications/"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bell/", views.bell, name="bell"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.preferences, name="preferences"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("r/<str:token>/", views.click, name="click"),
    path("p/<str:token>.gif", views.pixel, name="pixel"),
]

# Pages of the vendor console (namespace ``console``, under /console/), served with the channel graph's own.
EXTEND = {
    "console": [
        path("alerts/", views.alerts, name="alerts"),
    ],
}
