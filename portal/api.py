"""Shared pieces of the REST API: errors, pagination, the caller's organization, query-string filters.

The API is a thin layer over the same selectors and services as the HTML. Services raise Django's
``ValidationError`` and ``PermissionDenied``; the exception handler below turns them into the answers an
API client expects: 400 with field errors (field names as in the request body), 403.
"""

from functools import partial

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator as DjangoPaginator
from django.http import Http404, JsonResponse
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    """Whether ``request`` is addressed to the REST API: its answers, errors included, are JSON."""
    return request.path_info.startswith(API_PREFIX)


def error_response(status: int, detail: str) -> JsonResponse:
    """An error in the API's one shape, ``{"detail": "..."}``, for answers given outside DRF's views (an unknown
    address, a server error, a request Django itself refuses)."""
    return JsonResponse({"detail": detail}, status=status)


def validation_error_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ``ValidationError`` as DRF lays out field errors: ``{"field": ["message", ...]}``.

    Errors that belong to no one field (``ValidationError("...")`` or ``"__all__"``) go under
    ``non_field_errors``, as a serializer's ``validate()`` would put them.
    """
    if hasattr(exc, "error_dict"):
        detail = {}
        for field, errors in exc.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            detail.setdefault(key, []).extend(errors)
        return detail
    return {api_settings.NON_FIELD_ERRORS_KEY: list(exc.messages)}


def exception_handler(exc, context):
    """DRF's handler, plus the two exceptions our services raise.

    A 404 says only "Not found.": the same answer for a row that is not there and one the caller may not see.
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class CountedPaginator(DjangoPaginator):
    """A paginator told how many rows there are (kept totals) instead of counting them."""

    def __init__(self, object_list, per_page, *args, count: int, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.__dict__["count"] = count  # what the ``count`` cached property would compute


class Pagination(PageNumberPagination):
    """50 rows a page (``?page=``); clients may ask for up to 200 with ``?page_size=``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None, *, count: int | None = None):
        """``count``: the number of rows when it is known already (then they are not counted again)."""
        if count is not None:
            self.django_paginator_class = partial(CountedPaginator, count=count)
        return super().paginate_queryset(queryset, request, view)


def current_organization(request):
    """The organization the caller works in now: the one the middleware chose for the session.

    Requests authenticated by DRF itself (API tokens, later) pass the middleware as anonymous; for them the
    first of their active memberships is used, as the middleware would choose it.
    """
    organization = getattr(request, "organization", None)
    if organization is None and request.user.is_authenticated:
        cached = getattr(request, "_onepane_api_organization", False)
        if cached is False:
            from vendors.selectors import memberships_of_user

            memberships = memberships_of_user(request.user)
            cached = memberships[0].organization if memberships else None
            request._onepane_api_organization = cached
        organization = cached
    return organization


def require_organization(request):
    """The caller's organization, or a 403 for a person who belongs to none."""
    organization = current_organization(request)
    if organization is None:
        raise exceptions.PermissionDenied("You are not a member of any active organization.")
    return organization


def query_filters(request, serializer_class) -> dict:
    """The list filters of a request, validated by ``serializer_class`` (a malformed one is a 400)."""
    given = {key: value for key, value in request.query_params.items() if value != ""}  # "?vendor=": no filter
    serializer = serializer_class(data=given)
    serializer.is_valid(raise_exception=True)
    return {key: value for key, value in serializer.validated_data.items() if value not in (None, "")}


# --- the error answers, in the OpenAPI schema ------------------------------------------------------------------

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": (
            "A refusal (403), a row that is not there or not yours, or an unknown address (404), a request body the "
            "API does not read (415), a server error (500): every error under /api/ that is not about fields."
        ),
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": (
            "Field errors, keyed by the field of the request body or query string; `non_field_errors` for errors "
            "of no one field; `detail` for a request that cannot be read at all (e.g. malformed JSON)."
        ),
        "properties": {
            "detail": {"type": "string"},
            "non_field_errors": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus the error answers every operation can give.

    400 for bad input (a request body, or a list's filters and page size), 403 for a person who is not logged in
    or whose role does not allow the action, 404 for an id the caller may not see (and a list page past the end),
    415 for a request body that is not JSON (or, for an upload, multipart).
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        is_list = self._is_list_view()
        errors = {"403": ("Error", "Not logged in, or not allowed for your role.")}
        if self.method != "GET" or is_list:
            errors["400"] = ("ValidationError", "Bad input: nothing was changed.")
        if "{" in self.path or is_list:
            errors["404"] = ("Error", "Not found, or not visible to you." if "{" in self.path else "No such page.")
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            errors["415"] = ("Error", "The request body is not in the media type this operation reads.")
        for code, (name, description) in sorted(errors.items()):
            component = ResolvedComponent(
                name=name, type=ResolvedComponent.SCHEMA, schema=ERROR_SCHEMAS[name], object=name
            )
            self.registry.register_on_missing(component)
            responses.setdefault(
                code, {"content": {"application/json": {"schema": component.ref}}, "description": description}
            )
        return responses
