"""REST API of the notification centre: a person's own notifications and their email preferences.

Thin, as the HTML views are. Every notification is read through ``notifications.selectors.inbox``: the
caller's own receipts in the organization they work in now (``core.api.current_organization``, the one the
session chose). Anyone else's notification, and one of theirs in another of their organizations, is a 404,
the same answer as an id that does not exist. A notification's ``url`` is ``selectors.links_for``'s answer: the
page of the row it is about if the reader may see that row now, else ``null``.

Writes go through ``notifications.services``; a ``ValidationError`` there is a 400 with field errors
(``core.api.exception_handler``), and nothing is saved.
"""

from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import numbers
from core.api import AutoSchema, Pagination, current_organization, query_filters, refuse_loose_types
from core.serializer_fields import TimeZoneField
from notifications import kinds, selectors, services
from notifications.models import EmailMode, NotificationPreference, Receipt
from vendors.models import Organization
from vendors.selectors import memberships_of_user

ID_PATTERN = r"[0-9]+"
MODES = EmailMode.values


# --- output -------------------------------------------------------------------------------------------------


class VendorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]


class NotificationSerializer(serializers.ModelSerializer):
    """One notification as its reader sees it (``id`` is the reader's own copy of it, their receipt)."""

    kind = serializers.CharField(
        source="notification.kind", read_only=True, help_text="The notification type, e.g. `partnership.approved`."
    )
    kind_label = serializers.SerializerMethodField()
    title = serializers.CharField(source="notification.title", read_only=True)
    body = serializers.CharField(source="notification.body", read_only=True)
    vendor = VendorRefSerializer(
        source="notification.vendor", read_only=True, allow_null=True, help_text="The vendor it is from, if any."
    )
    read = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(
        help_text="The path of the page it is about, if you may see that page now; otherwise null."
    )

    class Meta:
        model = Receipt
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "body",
            "vendor",
            "created_at",
            "read",
            "read_at",
            "opened_at",
            "url",
        ]
        read_only_fields = fields

    def get_kind_label(self, receipt) -> str:
        kind = kinds.REGISTRY.get(receipt.notification.kind)
        return kind.label if kind else receipt.notification.kind

    def get_read(self, receipt) -> bool:
        return receipt.read_at is not None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_url(self, receipt) -> str | None:
        links = self.context.get("links")
        if links is not None and receipt.pk in links:
            return links[receipt.pk]
        return selectors.link_for(receipt, self.context["request"].user)


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(
        read_only=True,
        help_text=f"Your unread notifications in your current organization, counted up to {selectors.BELL_CAP + 1} "
        f"({selectors.BELL_CAP + 1} means that many or more).",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(read_only=True, help_text="How many notifications were marked as read.")


class NotificationTypeSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    default_email = serializers.ChoiceField(choices=EmailMode.choices, help_text="How it is emailed unless you choose.")


EMAIL_MAP_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "string", "enum": MODES},
    "description": (
        "Notification type → how it is emailed: `immediate`, `digest` (in the daily digest) or `off`. "
        "Only the types you receive, in any of your organizations."
    ),
    "example": {"partnership.approved": "immediate", "invitation.sent": "digest"},
}


@extend_schema_field(EMAIL_MAP_SCHEMA)
class EmailModesField(serializers.Field):
    """A JSON object of notification type → mode. Its keys and values are checked in ``validate`` (below), so
    that every error is flat: ``{"email.<type>": ["..."]}``, as the API's other field errors are."""

    default_error_messages = {"invalid": "Expected an object: notification type → immediate, digest or off."}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("invalid")
        return dict(data)

    def to_representation(self, value):
        return value


class PreferencesSerializer(serializers.Serializer):
    time_zone = TimeZoneField(help_text="An IANA time zone, e.g. `Europe/Berlin`; your daily digest follows it.")
    digest_hour = numbers.HOUR_OF_DAY.serializer_field(
        help_text="The hour (0–23, in your time zone) your daily digest arrives."
    )
    email = EmailModesField(required=False, help_text="Types you leave out keep their setting (PUT).")
    types = NotificationTypeSerializer(
        many=True, read_only=True, help_text="The notification types you receive, in the order of the settings page."
    )

    def validate(self, attrs):
        available = {kind.key for kind in self.context["kinds"]}
        errors = {}
        for key, mode in attrs.get("email", {}).items():
            if key not in kinds.REGISTRY:
                errors[f"email.{key}"] = ["Unknown notification type."]
            elif key not in available:
                errors[f"email.{key}"] = ["You do not receive this type in any of your organizations."]
            elif not isinstance(mode, str) or mode not in MODES:
                errors[f"email.{key}"] = ["Choose immediate, digest or off."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# --- input --------------------------------------------------------------------------------------------------


class NotificationFilters(serializers.Serializer):
    vendor = numbers.ID.serializer_field(required=False, help_text="Only notifications from this vendor (its id).")
    unread = serializers.BooleanField(required=False, help_text="`true`: only the notifications you have not read.")


class ReadAllSerializer(serializers.Serializer):
    vendor = numbers.ID.serializer_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only the notifications from this vendor (its id); all of them without it.",
    )


# --- viewsets -----------------------------------------------------------------------------------------------


def _receivable_kinds(request) -> list[kinds.Kind]:
    """The types the person can receive in any organization they work in (their settings are per person, not per
    organization), as the HTML settings page lists them."""
    memberships = getattr(request, "memberships", None)
    if not memberships and request.user.is_authenticated:  # authenticated by the API itself, not the session
        memberships = memberships_of_user(request.user)
    return kinds.available_to(memberships or [])


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications in your current organization, newest first", parameters=[NotificationFilters]
    ),
    retrieve=extend_schema(summary="One of your notifications"),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your notifications in the organization you work in now (switching organizations changes the list).

    Reading one here does not mark it read: POST its `read/` (or `unread/`) for that.
    """

    queryset = Receipt.objects.none()
    serializer_class = NotificationSerializer
    lookup_value_regex = ID_PATTERN
    pagination_class = Pagination
    schema = AutoSchema()
    filters_class = NotificationFilters

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        filters = query_filters(self.request, NotificationFilters) if self.action == "list" else {}
        return selectors.inbox(
            self.request.user,
            current_organization(self.request),
            vendor_id=filters.get("vendor"),
            unread=filters.get("unread", False),
        )

    def get_serializer(self, *args, **kwargs):
        rows = args[0] if args else None
        if rows is not None:
            receipts = list(rows) if kwargs.get("many") else [rows]
            kwargs.setdefault("context", self.get_serializer_context())["links"] = selectors.links_for(
                receipts, self.request.user
            )
        return super().get_serializer(*args, **kwargs)

    def _mark(self, read: bool):
        receipt = services.receipt_mark_read(user=self.request.user, receipt=self.get_object(), read=read)
        return Response(self.get_serializer(receipt).data)

    @extend_schema(summary="Mark as read", request=None)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        return self._mark(True)

    @extend_schema(summary="Mark as unread", request=None)
    @action(detail=True, methods=["post"])
    def unread(self, request, pk=None):
        return self._mark(False)

    @extend_schema(
        summary="Mark all as read (or all from one vendor)", request=ReadAllSerializer, responses=MarkedSerializer
    )
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request):
        serializer = ReadAllSerializer(data=request.data)
        refuse_loose_types(serializer)
        serializer.is_valid(raise_exception=True)
        organization = current_organization(request)
        vendor_id = serializer.validated_data["vendor"]
        if vendor_id is not None:
            vendors = {vendor.pk for vendor in selectors.inbox_vendors(request.user, organization)}
            if vendor_id not in vendors:
                raise ValidationError({"vendor": "None of your notifications comes from this vendor."})
        marked = 0
        if organization is not None:
            marked = services.receipts_mark_all_read(user=request.user, organization=organization, vendor_id=vendor_id)
        return Response({"marked": marked})

    @extend_schema(summary="How many of your notifications are unread", responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count", url_name="unread-count")
    def unread_count(self, request):
        return Response({"unread": selectors.unread_count(request.user, current_organization(request))})


@extend_schema_view(
    retrieve=extend_schema(summary="Your notification settings"),
    update=extend_schema(
        summary="Change your notification settings",
        description="Time zone, digest hour and, per notification type, how it is emailed. A bad value is a 400 "
        "with field errors (`email.<type>` for a type) and nothing is saved.",
    ),
)
class NotificationPreferencesViewSet(viewsets.GenericViewSet):
    """Your time zone, the hour of your daily digest, and how each notification type you receive is emailed."""

    queryset = NotificationPreference.objects.none()
    serializer_class = PreferencesSerializer
    schema = AutoSchema()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "kinds": _receivable_kinds(self.request)}

    def _current(self):
        user = self.request.user
        available = _receivable_kinds(self.request)
        current = services.settings_for([user.pk])[user.pk]
        chosen = dict(
            NotificationPreference.objects.filter(user=user, kind__in=[k.key for k in available]).values_list(
                "kind", "email"
            )
        )
        return {
            "time_zone": current["time_zone"],
            "digest_hour": current["digest_hour"],
            "email": {kind.key: chosen.get(kind.key, kind.email) for kind in available},
            "types": [
                {"key": kind.key, "label": kind.label, "description": kind.description, "default_email": kind.email}
                for kind in available
            ],
        }

    def retrieve(self, request):
        return Response(self.get_serializer(self._current()).data)

    def update(self, request):
        serializer = self.get_serializer(data=request.data)
        refuse_loose_types(serializer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.preferences_update(
                user=request.user,
                time_zone=data["time_zone"],
                digest_hour=data["digest_hour"],
                modes=data.get("email", {}),
            )
        except ValidationError as exc:
            raise _email_fields(exc) from None
        return Response(self.get_serializer(self._current()).data)


def _email_fields(exc: ValidationError) -> ValidationError:
    """The service names a type's error by the type; the API by where it is in the body: ``email.<type>``."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {f"email.{field}" if field in kinds.REGISTRY else field: errors for field, errors in exc.error_dict.items()}
    )


# This app's routes under /api/v1/: the router's (prefix, viewset, basename), and addresses of its own in ``URLS``
# (portal/urls_api.py includes every app's).
ROUTES = [("notifications", NotificationViewSet, "notification")]
URLS = [
    # One object per person (no id in the path): GET and PUT on the collection's address, which a router does not map.
    path(
        "notification-preferences/",
        NotificationPreferencesViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="notification-preferences",
    ),
]
