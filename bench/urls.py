"""The URLs the benchmark serves: the project's own, plus the floor.

The floor is the cheapest page a logged-in person can get: the shared layout (session, user, the current
organization and the person's memberships from the middleware, the navigation) with an empty body. Every
page pays this much; ``bench/run`` divides each page's time by it. It exists only while benchmarking
(``bench.measure`` sets ``ROOT_URLCONF`` to this module), so it adds no route to the product.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from portal.urls import urlpatterns as project_urlpatterns

FLOOR_TEMPLATE = (
    '{% extends "base.html" %}{% block title %}Floor{% endblock %}'
    "{% block content %}<h1>Nothing here</h1>{% endblock %}"
)


_compiled = []


@login_required
def floor(request):
    if not _compiled:  # compiled once, as the cached template loader does for real pages
        _compiled.append(engines["django"].from_string(FLOOR_TEMPLATE))
    return HttpResponse(_compiled[0].render({}, request))


urlpatterns = [path("bench/floor/", floor, name="bench-floor"), *project_urlpatterns]
