"""Shared pieces of the REST API: errors, pagination, the caller's organization, query-string filters.

The API is a thin layer over the same selectors and services as the HTML. Services raise Django's
``ValidationError`` and ``PermissionDenied``; the exception handler below turns them into the answers an
API client expects: 400 with field errors (field names as in the request body), 403.

Every 400 for bad input has one shape, whichever app answers: ``{"<field>": ["message", ...]}``, keyed by the field
of the request body or query string (``non_field_errors`` for errors of no one field). An error inside a field (an
item of a list, a key of an object) is named at the start of its message: ``{"leads": ["Item 3: country: ..."]}``.
``field_errors`` lays any error out so, and the exception handler applies it to every ``ValidationError``.
"""

from decimal import Decimal
from functools import partial

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator as DjangoPaginator
from django.http import Http404, JsonResponse
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import exceptions, serializers
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


def error_messages(errors, prefix: str = "") -> list[str]:
    """The messages of one field's errors, flat: an item of a list is named by its number (from 1), a key of an
    object by its name, at the start of the message (``"Item 2: quantity: Ensure this value is ..."``)."""
    if isinstance(errors, dict):
        found = []
        for key, value in errors.items():
            where = f"Item {int(key) + 1}" if str(key).isdigit() else str(key)
            found += error_messages(value, f"{prefix}{where}: ")
        return found
    if isinstance(errors, list | tuple):
        if any(isinstance(error, dict) for error in errors):  # a list of objects': one entry per item, in order
            numbered = enumerate(errors, start=1)
            return [message for n, error in numbered for message in error_messages(error, f"{prefix}Item {n}: ")]
        return [message for error in errors for message in error_messages(error, prefix)]
    return [f"{prefix}{errors}"]


def field_errors(detail) -> dict[str, list[str]]:
    """A ``ValidationError``'s detail (a serializer's ``errors``, or what a view raised) in the API's one shape for
    bad input: ``{"<field>": ["message", ...]}``; errors of no one field under ``non_field_errors``."""
    if isinstance(detail, dict):
        return {str(name): error_messages(errors) for name, errors in detail.items()}
    return {api_settings.NON_FIELD_ERRORS_KEY: error_messages(detail)}


def exception_handler(exc, context):
    """DRF's handler, plus the two exceptions our services raise, and every 400 for bad input in one shape
    (``field_errors``).

    A 404 says only "Not found.": the same answer for a row that is not there and one the caller may not see.
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, exceptions.ValidationError):
        exc = exceptions.ValidationError(field_errors(exc.detail))
    return drf_exception_handler(exc, context)


def validated_input(serializer_class, request, *, partial: bool = False) -> dict:
    """The request body, validated by ``serializer_class``: a number or boolean where it says string is refused
    (``refuse_loose_types``), and so is anything else it does not accept (a 400 in the one shape)."""
    serializer = serializer_class(data=request.data, partial=partial)
    refuse_loose_types(serializer)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def refuse_loose_types(serializer) -> None:
    """A 400 for a JSON number or boolean where the schema says string, before ``serializer`` validates its data.

    DRF's ``CharField`` takes ``{"reason": 8103}`` and keeps ``"8103"``: a client that sent a number has made a
    mistake the schema already states, and should hear of it. Nested objects and lists are walked; their messages
    say which item, as the API's other field errors do (``"Item 2: name: Not a valid string."``).
    """
    data = getattr(serializer, "initial_data", None)
    if not isinstance(data, dict):
        return
    errors = {
        name: messages
        for name, field in serializer.fields.items()
        if not field.read_only and name in data and (messages := _loose_messages(field, data[name]))
    }
    if errors:
        raise exceptions.ValidationError(errors)


def _loose_messages(field, value) -> list[str]:
    if isinstance(field, serializers.ListSerializer | serializers.ListField) and isinstance(value, list):
        child = field.child
        return [
            f"Item {n}: {message}" for n, item in enumerate(value, start=1) for message in _loose_messages(child, item)
        ]
    if isinstance(field, serializers.Serializer) and isinstance(value, dict):
        return [
            f"{name}: {message}"
            for name, child in field.fields.items()
            if not child.read_only and name in value
            for message in _loose_messages(child, value[name])
        ]
    if isinstance(field, serializers.CharField) and value is not None and not isinstance(value, str):
        return [str(field.error_messages["invalid"])]
    return []


class CountedPaginator(DjangoPaginator):
    """A paginator told how many rows there are (kept totals) instead of counting them."""

    def __init__(self, object_list, per_page, *args, count: int, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.__dict__["count"] = count  # what the ``count`` cached property would compute


def single_query_value(request, name: str) -> str | None:
    """The value of the query parameter ``name`` (``None`` when it is not given); given twice, a 400."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise exceptions.ValidationError({name: [f"Give `{name}` once."]})
    return values[0] if values else None


class Pagination(PageNumberPagination):
    """50 rows a page (``?page=``); clients may ask for 1 to 200 with ``?page_size=`` (anything else is a 400; DRF
    would quietly answer 50 rows). Empty, either one is as if not given."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        value = single_query_value(request, self.page_size_query_param)
        if value in (None, ""):
            return self.page_size
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(value)

    def get_page_number(self, request, paginator):
        return single_query_value(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def paginate_queryset(self, queryset, request, view=None, *, count: int | None = None):
        """``count``: the number of rows when it is known already (then they are not counted again)."""
        if count is not None:
            self.django_paginator_class = partial(CountedPaginator, count=count)
        return super().paginate_queryset(queryset, request, view)


def current_organization(request):
    """The organization the caller works in now: the one the middleware chose for the session
    (``vendors.middleware``), or, for a request authenticated by an API token, the one its authentication chose
    (``identity.tokens``: the owner's first, or the one the header names). ``None`` for a person in none."""
    return getattr(request, "organization", None)


def require_organization(request):
    """The caller's organization, or a 403 for a person who belongs to none."""
    organization = current_organization(request)
    if organization is None:
        raise exceptions.PermissionDenied("You are not a member of any active organization.")
    return organization


def query_filters(request, serializer_class) -> dict:
    """The list filters of a request, validated by ``serializer_class`` (a malformed one is a 400, and so is one
    given twice). An empty one (``?vendor=``) is no filter, as the schema says (``allowEmptyValue``)."""
    names = serializer_class().fields
    given = {name: value for name in names if (value := single_query_value(request, name)) not in (None, "")}
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
            "Field errors, keyed by the field of the request body or query string, each a list of messages; "
            "`non_field_errors` for errors of no one field. An error inside a field (an item of a list, a key of an "
            'object) is named at the start of its message: `{"leads": ["Item 3: country: ..."]}`. `detail` alone '
            "for a request that cannot be read at all (e.g. malformed JSON)."
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

    def get_operation(self, *args, **kwargs):
        # An empty query parameter is as if it were not given (``query_filters``, ``Pagination``): "?status=" is
        # every status, which a client building its query string from a form may send.
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter.get("in") == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return operation

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

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A number's bounds, stated as plain JSON numbers, for decimals written as strings too (drf-spectacular
        gives those only a pattern); a decimal that cannot be negative has no ``-`` in its pattern."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and schema.get("type") == "string":
            for key, bound in (("minimum", field.min_value), ("maximum", field.max_value)):
                if bound is not None:
                    schema.setdefault(key, Decimal(bound))
        for key in ("minimum", "maximum"):
            if isinstance(schema.get(key), Decimal):
                value = schema[key]
                schema[key] = int(value) if value == value.to_integral_value() else float(value)
        minimum = getattr(field, "min_value", None)
        non_negative = isinstance(field, serializers.DecimalField) and minimum is not None and minimum >= 0
        if non_negative and schema.get("pattern", "").startswith("^-?"):
            schema["pattern"] = "^" + schema["pattern"][3:]
        return schema
