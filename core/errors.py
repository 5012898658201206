"""The answers Django gives itself (an unknown address, a server error, a refused request, a CSRF failure): JSON in
the API's error shape under ``/api/``, Django's pages everywhere else.

DRF's views answer their own errors (``core.api.exception_handler``); these cover what never reaches one: a
path no pattern matches, an exception DRF re-raises (a 500), a request Django refuses before any view (a Host it
does not serve, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``), and a CSRF failure outside DRF.
"""

from django.conf import settings
from django.core.exceptions import (
    DisallowedHost,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt

from core.api import error_response, is_api_request

NOT_FOUND = "Not found."  # DRF's NotFound: an unknown address reads like a row that is not there


def bad_request(request, exception):
    """``handler400``: a ``SuspiciousOperation`` Django raised while reading the request."""
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        detail = f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
    elif isinstance(exception, TooManyFieldsSent):
        detail = f"The request has too many fields: at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}."
    elif isinstance(exception, TooManyFilesSent):
        detail = f"The request has too many files: at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES}."
    elif isinstance(exception, DisallowedHost):
        detail = "The Host header names a site this server does not serve."
    else:
        detail = "Bad request."
    return error_response(400, detail)


def permission_denied(request, exception):
    """``handler403``: a ``PermissionDenied`` raised outside DRF's views."""
    if not is_api_request(request):
        return defaults.permission_denied(request, exception)
    message = str(exception) if isinstance(exception, PermissionDenied) else ""
    return error_response(403, message or "You do not have permission to perform this action.")


def page_not_found(request, exception):
    """``handler404``: no URL pattern matched (under ``/api/v1/`` the API's own catch-all answers first)."""
    if not is_api_request(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, NOT_FOUND)


def server_error(request):
    """``handler500``: an exception no view handled (with ``DEBUG`` on, Django shows its traceback page instead)."""
    if not is_api_request(request):
        return defaults.server_error(request)
    return error_response(500, "A server error occurred. It has been logged; try again later.")


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: DRF's views check CSRF themselves (a JSON 403); this covers the rest of ``/api/``."""
    if not is_api_request(request):
        return csrf.csrf_failure(request, reason)
    return error_response(403, f"CSRF Failed: {reason}")


@csrf_exempt  # it changes nothing: a POST to an unknown address is a 404, not a CSRF failure
def api_not_found(request, *args, **kwargs):
    """The last pattern of the API: any address under ``/api/v1/`` no route matches (an unknown resource, an id
    that is not a number) is a JSON 404, with ``DEBUG`` on too.

    It also stands where Django's ``APPEND_SLASH`` would have redirected (a path that exists with a trailing slash):
    a GET or HEAD is redirected as before; other methods, whose body a redirect would lose, get a 404 that says
    where the operation is.
    """
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/", getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        if match is not None and match.url_name != "api-not-found":
            if request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
            return error_response(404, f"{NOT_FOUND} The address ends with a slash: {request.path}/")
    return error_response(404, NOT_FOUND)
