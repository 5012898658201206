"""REST API of deal registration: ``/api/v1/deals/``.

Thin, as the HTML views are. Registrations are read through ``deals.selectors`` (a registration the caller may
not see is a 404, the same answer as one that does not exist); every write goes through ``deals.services``, which
decide what is allowed (``PermissionDenied`` → 403, ``ValidationError`` → 400 with field errors, through
``core.api.exception_handler``). Serializers check the shape of the input only.

The list is the one of the organization the caller works in now (``core.api.current_organization``): a partner's
registrations with every vendor, a vendor's queue, a distributor's resellers' registrations. A registration is
shown with one of two serializers: the vendor's people see whether it conflicts with another registration
(``has_conflict``, ``queue``, and the ``conflicts/`` of it); a partner or distributor is never told: those keys
are not in their answers at all (the schema documents them as optional), and ``conflicts/`` is a 404 for them.
For them a conflicted registration is just "Under review".
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from core import numbers
from core.api import current_organization, query_filters, require_organization, validated_input
from core.serializer_fields import CountryField
from deals import selectors, services
from deals.models import (
    DealAttachment,
    DealComment,
    DealConflict,
    DealEvent,
    DealExtensionRequest,
    DealLine,
    DealRegistration,
)
from vendors import access
from vendors import selectors as vendor_selectors
from vendors.api import MONEY_SCHEMA, DisplayField, OrganizationRefField, ScopedViewSet
from vendors.models import Organization, Product
from vendors.money import quantize
from vendors.services import MANAGER_ROLES, require_role

Status = DealRegistration.Status
Stage = DealRegistration.Stage
TEXT_MAX = 10_000


def _id_field(**kwargs):
    return numbers.ID.serializer_field(**kwargs)


def _money(amount, currency) -> str:
    return str(quantize(amount, currency))


# --- output -------------------------------------------------------------------------------------------------


class ProductRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "name"]


class DealLineSerializer(serializers.ModelSerializer):
    product = ProductRefSerializer(read_only=True)
    list_price = serializers.SerializerMethodField(help_text="List price per unit, when the line was added.")
    unit_price = serializers.SerializerMethodField(help_text="The partner's buy price per unit.")
    total = serializers.SerializerMethodField(help_text="Quantity × unit price.")

    class Meta:
        model = DealLine
        fields = ["id", "product", "quantity", "list_price", "unit_price", "total"]

    def _currency(self, line):
        return self.context["currency"]

    @extend_schema_field(MONEY_SCHEMA)
    def get_list_price(self, line) -> str:
        return _money(line.list_price, self._currency(line))

    @extend_schema_field(MONEY_SCHEMA)
    def get_unit_price(self, line) -> str:
        return _money(line.unit_price, self._currency(line))

    @extend_schema_field(MONEY_SCHEMA)
    def get_total(self, line) -> str:
        return _money(line.total, self._currency(line))


class DealExtensionRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = DealExtensionRequest
        fields = ["id", "days", "reason", "status", "requested_at", "decided_at", "response"]


class PartnerDealRowSerializer(serializers.ModelSerializer):
    """A registration in a list, as a partner or distributor sees it."""

    reference = serializers.CharField(read_only=True, help_text="e.g. DR-000042")
    vendor = OrganizationRefField()
    partner = OrganizationRefField()
    distributor = OrganizationRefField(allow_null=True)
    amount = serializers.SerializerMethodField(help_text="The registration's value, in `currency`.")
    status_label = DisplayField("status")
    stage_label = DisplayField("stage")

    class Meta:
        model = DealRegistration
        fields = [
            "id",
            "reference",
            "title",
            "vendor",
            "partner",
            "distributor",
            "customer_name",
            "customer_country",
            "amount",
            "currency",
            "status",
            "status_label",
            "stage",
            "stage_label",
            "expected_close_date",
            "expires_on",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MONEY_SCHEMA)
    def get_amount(self, deal) -> str:
        return _money(deal.amount, deal.currency)


DETAIL_FIELDS = [
    "customer_website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "notes",
    "lost_reason",
    "decision_reason",
    "decided_at",
    "protection_days",
    "approved_at",
    "created_at",
    "closed_at",
    "lines",
    "extension_requests",
]


class PartnerDealSerializer(PartnerDealRowSerializer):
    """One registration, as a partner or distributor sees it: no word of other partners' registrations."""

    # A plain string: it may be empty, which an "email" format would not allow.
    contact_email = serializers.CharField(read_only=True, help_text="The customer contact's email; may be empty.")
    lines = serializers.SerializerMethodField()
    extension_requests = DealExtensionRequestSerializer(many=True, read_only=True)

    class Meta(PartnerDealRowSerializer.Meta):
        fields = PartnerDealRowSerializer.Meta.fields + DETAIL_FIELDS
        read_only_fields = fields

    @extend_schema_field(DealLineSerializer(many=True))
    def get_lines(self, deal):
        return DealLineSerializer(deal.lines.all(), many=True, context={"currency": deal.currency}).data


VENDOR_ONLY_FIELDS = ("has_conflict", "queue")
VENDOR_ONLY_HELP = {
    "has_conflict": "Vendor side only: it looks like another partner's registration of the same customer (see "
    "`conflicts/`). Never in answers to partners and distributors.",
    "queue": "Vendor side only: 0 a conflict to decide, 1 waiting for review, 2 decided. Never in answers to "
    "partners and distributors.",
}


# The vendor-only fields are declared ``required=False`` rather than read-only: the schema documents one shape for
# every side, with these two as optional keys (absent from answers to partners and distributors). They are never
# read from a request.


def _has_conflict():
    return serializers.BooleanField(required=False, help_text=VENDOR_ONLY_HELP["has_conflict"])


def _queue():
    return serializers.ChoiceField(
        choices=DealRegistration.Queue.choices, required=False, help_text=VENDOR_ONLY_HELP["queue"]
    )


@extend_schema_serializer(component_name="DealRow")
class VendorDealRowSerializer(PartnerDealRowSerializer):
    """A registration in a list. `has_conflict` and `queue` are the vendor's: absent for partners and distributors."""

    has_conflict = _has_conflict()
    queue = _queue()

    class Meta(PartnerDealRowSerializer.Meta):
        fields = PartnerDealRowSerializer.Meta.fields + ["has_conflict", "queue"]
        read_only_fields = PartnerDealRowSerializer.Meta.fields


@extend_schema_serializer(component_name="Deal")
class VendorDealSerializer(PartnerDealSerializer):
    """One registration. `has_conflict` and `queue` are the vendor's: absent for partners and distributors."""

    has_conflict = _has_conflict()
    queue = _queue()

    class Meta(PartnerDealSerializer.Meta):
        fields = PartnerDealSerializer.Meta.fields + ["has_conflict", "queue"]
        read_only_fields = PartnerDealSerializer.Meta.fields


class DealCommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    organization = OrganizationRefField()

    class Meta:
        model = DealComment
        fields = ["id", "body", "author", "organization", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, comment) -> str | None:
        return comment.author.display_name if comment.author else None


class DealEventSerializer(serializers.ModelSerializer):
    kind_label = DisplayField("kind")
    actor = serializers.SerializerMethodField()
    organization = OrganizationRefField(allow_null=True)

    class Meta:
        model = DealEvent
        fields = [
            "id",
            "kind",
            "kind_label",
            "field",
            "old_value",
            "new_value",
            "detail",
            "actor",
            "organization",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event) -> str | None:
        return event.actor.display_name if event.actor else None


class DealAttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SerializerMethodField()
    organization = OrganizationRefField()

    class Meta:
        model = DealAttachment
        fields = ["id", "name", "size", "content_type", "uploaded_by", "organization", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_uploaded_by(self, attachment) -> str | None:
        return attachment.uploaded_by.display_name if attachment.uploaded_by else None


class ConflictingDealSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    partner = OrganizationRefField()
    amount = serializers.SerializerMethodField()
    status_label = DisplayField("status")

    class Meta:
        model = DealRegistration
        fields = [
            "id",
            "reference",
            "title",
            "partner",
            "customer_name",
            "customer_website",
            "customer_country",
            "amount",
            "currency",
            "status",
            "status_label",
            "submitted_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MONEY_SCHEMA)
    def get_amount(self, deal) -> str:
        return _money(deal.amount, deal.currency)


class DealConflictSerializer(serializers.ModelSerializer):
    """A conflict, seen from one registration: the other registration it looks like."""

    other = serializers.SerializerMethodField(help_text="The other registration (the one this is not).")
    matched_on_label = DisplayField("matched_on")
    similarity = serializers.DecimalField(max_digits=4, decimal_places=3, read_only=True, allow_null=True)

    class Meta:
        model = DealConflict
        fields = [
            "id",
            "other",
            "matched_on",
            "matched_on_label",
            "similarity",
            "products",
            "detected_at",
            "resolved_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ConflictingDealSerializer)
    def get_other(self, conflict):
        other = conflict.other if conflict.deal_id == self.context["deal"].pk else conflict.deal
        return ConflictingDealSerializer(other).data


# --- input --------------------------------------------------------------------------------------------------


class DealFilters(serializers.Serializer):
    vendor = _id_field(required=False, help_text="A vendor's id (partners and distributors).")
    partner = _id_field(required=False, help_text="A partner's id (vendors and distributors).")
    tier = _id_field(required=False, help_text="A tier's id (vendors).")
    stage = serializers.ChoiceField(choices=Stage.choices, required=False, help_text="The partner's stage (partners).")
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    q = serializers.CharField(
        required=False, max_length=200, help_text="Search in title, customer name and domain, or a reference DR-…."
    )
    conflicts = serializers.BooleanField(
        required=False, help_text="`true`: only registrations in conflict (vendors; ignored for anyone else)."
    )
    sort = serializers.ChoiceField(
        choices=[
            ("recent", "Recently changed first (vendors: conflicts, then pending reviews first)"),
            ("close", "Expected close date, soonest first"),
            ("-close", "Expected close date, latest first"),
            ("value", "Value, smallest first"),
            ("-value", "Value, largest first"),
        ],
        required=False,
    )


class DealLineInputSerializer(serializers.Serializer):
    product = _id_field(help_text="A product of the vendor's catalog.")
    quantity = numbers.QUANTITY.serializer_field()


@extend_schema_field(DealLineInputSerializer(many=True))
class LinesField(serializers.Field):
    """``[{"product": id, "quantity": n}, ...]``. Errors are flat, under ``lines``, as the service's are:
    ``{"lines": ["Line 2: quantity: Ensure this value is greater than or equal to 1."]}``."""

    default_error_messages = {"invalid": "Expected a list of objects, each with a product (its id) and a quantity."}

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("invalid")
        lines, problems = [], []
        for number, item in enumerate(data, start=1):
            line = DealLineInputSerializer(data=item if isinstance(item, dict) else None)
            if not isinstance(item, dict):
                problems.append(f"Line {number}: expected an object with product and quantity.")
            elif not line.is_valid():
                for field, errors in line.errors.items():
                    problems.extend(f"Line {number}: {field}: {error}" for error in errors)
            else:
                lines.append((line.validated_data["product"], line.validated_data["quantity"]))
        if problems:
            raise serializers.ValidationError(problems)
        return lines

    def to_representation(self, value):
        return [{"product": product, "quantity": quantity} for product, quantity in value]


def _text(max_length=200, **kwargs):
    return serializers.CharField(max_length=max_length, **kwargs)


def _optional_text(max_length=200, **kwargs):
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, default="", **kwargs)


class DealCreateSerializer(serializers.Serializer):
    vendor = _id_field(help_text="A vendor you have an active partnership with.")
    title = _text(help_text="What the opportunity is, e.g. “Acme: 200 seats, EU rollout”.")
    customer_name = _text()
    customer_website = _optional_text(255)
    customer_country = CountryField(help_text="ISO 3166-1 alpha-2 code, e.g. DE.")
    contact_name = _text()
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    contact_phone = _optional_text(40)
    expected_close_date = serializers.DateField()
    notes = _optional_text(TEXT_MAX)
    lines = LinesField(help_text="The vendor's products in the deal: at least one.")
    submit = serializers.BooleanField(
        required=False, default=False, help_text="`true`: submit it to the vendor at once; otherwise a draft."
    )


class DealUpdateSerializer(serializers.Serializer):
    """What a partner may change; only the fields sent are changed (customer fields while draft or info requested)."""

    title = _text(required=False)
    customer_name = _text(required=False)
    customer_website = _text(255, required=False, allow_blank=True)
    customer_country = CountryField(required=False, help_text="ISO 3166-1 alpha-2 code, e.g. DE.")
    contact_name = _text(required=False)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = _text(40, required=False, allow_blank=True)
    expected_close_date = serializers.DateField(required=False)
    notes = _text(TEXT_MAX, required=False, allow_blank=True)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    lost_reason = _text(TEXT_MAX, required=False, allow_blank=True, help_text="Why it was lost (stage `lost`).")
    amount = numbers.AMOUNT.serializer_field(
        required=False,
        help_text="The value, in the registration's currency (otherwise the lines' total).",
    )
    lines = LinesField(required=False, help_text="Replaces the lines.")


class DealApproveSerializer(serializers.Serializer):
    protection_days = numbers.PROTECTION_DAYS.serializer_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="Days of protection; the partner's tier's default without it.",
    )
    note = _optional_text(TEXT_MAX, help_text="The partner sees this note.")


class DealRejectSerializer(serializers.Serializer):
    reason = _text(TEXT_MAX, help_text="The partner sees this reason.")


class DealRequestInfoSerializer(serializers.Serializer):
    question = _text(TEXT_MAX, help_text="What the partner should tell you.")


class DealCommentInputSerializer(serializers.Serializer):
    body = _text(TEXT_MAX)


class DealAttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="PDF, PNG, JPEG, DOCX, XLSX, PPTX, CSV or TXT, at most 10 MB.", allow_empty_file=False
    )


class DealExtensionRequestInputSerializer(serializers.Serializer):
    days = numbers.EXTENSION_DAYS.serializer_field(help_text="How many more days of protection.")
    reason = _text(TEXT_MAX)


class DealExtensionDecisionSerializer(serializers.Serializer):
    grant = serializers.BooleanField(help_text="`true` grants the pending request, `false` refuses it.")
    response = _optional_text(TEXT_MAX, help_text="The partner sees this.")


# --- the viewset --------------------------------------------------------------------------------------------

DEAL = VendorDealSerializer  # the schema documents the vendor's view: its vendor-only fields are optional


@extend_schema_view(
    list=extend_schema(
        summary="Deal registrations of your current organization",
        description="A partner's registrations with every vendor (newest first); a vendor's, conflicts to decide "
        "first, then pending reviews; a distributor's resellers'. Filters a side does not have are ignored.",
        parameters=[DealFilters],
        responses=VendorDealRowSerializer(many=True),
    ),
    retrieve=extend_schema(summary="One registration, with its lines", responses=DEAL),
    create=extend_schema(
        summary="Register a deal (partners)",
        description="A draft, or submitted at once with `submit: true`. Attachments are added afterwards "
        "(`attachments/`).",
        request=DealCreateSerializer,
        responses={201: DEAL},
    ),
    partial_update=extend_schema(
        summary="Change a registration (partners)",
        description="Only the fields sent change. The customer can be changed while a draft or while more "
        "information is requested; the stage, amount and lines at any time.",
        request=DealUpdateSerializer,
        responses=DEAL,
    ),
)
class DealViewSet(ScopedViewSet):
    """Deal registrations: a partner registers an opportunity with a vendor, the vendor protects it (or not)."""

    queryset = DealRegistration.objects.none()
    serializer_class = VendorDealSerializer
    filters_class = DealFilters

    # --- reading ---

    def visible(self):
        return selectors.deals_visible_to(self.request.user).select_related("vendor", "partner", "distributor")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if self.action == "list":
            return self._listed()
        queryset = self.visible()
        if self.action == "retrieve":
            queryset = self._with_details(queryset)
        return queryset

    def _list_filters(self) -> dict:
        """The query string's filters as ``deals.selectors.deals_for`` takes them."""
        filters = query_filters(self.request, DealFilters)
        return {
            "vendor_id": filters.get("vendor", ""),
            "partner_id": filters.get("partner", ""),
            "tier_id": filters.get("tier", ""),
            "stage": filters.get("stage", ""),
            "status": filters.get("status", ""),
            "q": filters.get("q", ""),
            "sort": filters.get("sort", ""),
            "conflicts_only": filters.get("conflicts", False),
        }

    def _listed(self):
        organization = current_organization(self.request)
        if organization is None:
            return DealRegistration.objects.none()
        queryset = selectors.deals_for(self.request.user, organization, **self._list_filters())
        return queryset.select_related("vendor", "partner", "distributor")

    @staticmethod
    def _with_details(queryset):
        return queryset.prefetch_related(
            Prefetch("lines", queryset=DealLine.objects.select_related("product").order_by("id")),
            Prefetch("extension_requests", queryset=DealExtensionRequest.objects.order_by("-requested_at", "-id")),
        )

    def _organization(self):
        return current_organization(self.request)

    def _vendor_side(self, deal) -> bool:
        """Whether the caller works for the registration's vendor now: only then are conflicts shown."""
        organization = self._organization()
        return (
            organization is not None
            and organization.kind == Organization.Kind.VENDOR
            and deal.vendor_id == organization.pk
        )

    def _vendor_side_of_list(self) -> bool:
        organization = self._organization()
        return organization is not None and organization.kind == Organization.Kind.VENDOR

    def _detail(self, deal):
        serializer = VendorDealSerializer if self._vendor_side(deal) else PartnerDealSerializer
        return serializer(deal, context=self.get_serializer_context()).data

    def _fresh(self, deal):
        return self._detail(self._with_details(self.visible()).get(pk=deal.pk))

    def list(self, request):
        queryset = self.get_queryset()
        organization = current_organization(request)
        # A vendor's or distributor's whole list (or one status of it) is counted from its kept totals.
        count = selectors.kept_count(request.user, organization, **self._list_filters()) if organization else None
        page = self.paginator.paginate_queryset(queryset, request, view=self, count=count)
        serializer = VendorDealRowSerializer if self._vendor_side_of_list() else PartnerDealRowSerializer
        return self.get_paginated_response(serializer(page, many=True, context=self.get_serializer_context()).data)

    def retrieve(self, request, pk=None):
        return Response(self._detail(self.get_object()))

    def get_object(self):
        """The registration the URL names. A write by its partner's people once the partnership is suspended or
        ended is a 403 saying why, whatever the action and the body (the services refuse it too); the vendor and
        the distributor keep acting on it."""
        deal = super().get_object()
        if self.request.method not in SAFE_METHODS:
            side = services.side_of(self.request.user, deal)
            if side is not None and side.pk == deal.partner_id:
                access.require_program_access(self.request.user, deal.partnership, "registration", vendor=deal.vendor)
        return deal

    def _page(self, serializer_class, rows, **context):
        """A registration's comments, history, files or conflicts: paginated as every list of the API."""
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializer_class(page, many=True, context=context).data)

    # --- who may ask (before the body is read, so that a refusal is a 403 whatever it holds; the services check
    # again, in their transaction) ---

    def _require_partner(self, deal):
        if deal.partner_id not in access.organization_ids(self.request.user):
            raise PermissionDenied("Only the partner who registered it may do this.")

    def _require_vendor_manager(self, deal):
        require_role(self.request.user, deal.vendor, MANAGER_ROLES)

    # --- writing ---

    def create(self, request):
        partner = require_organization(request)
        if partner.kind != Organization.Kind.PARTNER:
            raise PermissionDenied("Only partners register deals.")
        data = validated_input(DealCreateSerializer, request)
        vendor = (
            vendor_selectors.organizations_visible_to(request.user)
            .filter(pk=data.pop("vendor"), kind=Organization.Kind.VENDOR)
            .first()
        )
        if vendor is None:
            raise ValidationError({"vendor": "Choose a vendor you have an active partnership with."})
        deal = services.deal_create(actor=request.user, partner=partner, vendor=vendor, **data)
        return Response(self._fresh(deal), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        deal = self.get_object()
        self._require_partner(deal)
        changes = validated_input(DealUpdateSerializer, request, partial=True)
        deal = services.deal_update(actor=request.user, deal=deal, changes=changes)
        return Response(self._fresh(deal))

    @extend_schema(summary="Submit to the vendor (or resubmit with the information asked for)", request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        deal = self.get_object()
        self._require_partner(deal)
        services.deal_submit(actor=request.user, deal=deal)
        return Response(self._fresh(deal))

    @extend_schema(summary="Approve: protect the deal for the partner (vendors)", request=DealApproveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        deal = self.get_object()
        self._require_vendor_manager(deal)
        data = validated_input(DealApproveSerializer, request)
        services.deal_approve(actor=request.user, deal=deal, protection_days=data["protection_days"], note=data["note"])
        return Response(self._fresh(deal))

    @extend_schema(summary="Reject, with the reason the partner sees (vendors)", request=DealRejectSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        deal = self.get_object()
        self._require_vendor_manager(deal)
        data = validated_input(DealRejectSerializer, request)
        services.deal_reject(actor=request.user, deal=deal, reason=data["reason"])
        return Response(self._fresh(deal))

    @extend_schema(summary="Ask the partner for more information (vendors)", request=DealRequestInfoSerializer)
    @action(detail=True, methods=["post"], url_path="request-info", url_name="request-info")
    def request_info(self, request, pk=None):
        deal = self.get_object()
        self._require_vendor_manager(deal)
        data = validated_input(DealRequestInfoSerializer, request)
        services.deal_request_info(actor=request.user, deal=deal, question=data["question"])
        return Response(self._fresh(deal))

    @extend_schema(
        methods=["GET"],
        summary="The thread: partner, vendor and distributor",
        responses=DealCommentSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Write in the thread",
        request=DealCommentInputSerializer,
        responses={201: DealCommentSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        deal = self.get_object()
        if request.method == "POST":
            data = validated_input(DealCommentInputSerializer, request)
            comment = services.deal_comment(actor=request.user, deal=deal, body=data["body"])
            comment = selectors.thread(request.user, deal).get(pk=comment.pk)
            return Response(DealCommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        return self._page(DealCommentSerializer, selectors.thread(request.user, deal))

    @extend_schema(summary="What happened to it, oldest first", responses=DealEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        deal = self.get_object()
        events = selectors.history(request.user, deal)
        if not self._vendor_side(deal):
            events = events.exclude(field__in=VENDOR_ONLY_FIELDS)  # defensive: never a conflict flag's change
        return self._page(DealEventSerializer, events)

    @extend_schema(methods=["GET"], summary="Its files", responses=DealAttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="Add a file (partners; multipart)",
        request={"multipart/form-data": DealAttachmentUploadSerializer},
        responses={201: DealAttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        deal = self.get_object()
        if request.method == "POST":
            self._require_partner(deal)
            upload = validated_input(DealAttachmentUploadSerializer, request)["file"]
            attachment = services.deal_attach(actor=request.user, deal=deal, upload=upload)  # errors name "file"
            attachment = (
                selectors.attachments_visible_to(request.user)
                .select_related("uploaded_by", "organization")
                .get(pk=attachment.pk)
            )
            return Response(DealAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
        attachments = (
            selectors.attachments_visible_to(request.user)
            .filter(deal=deal)
            .select_related("uploaded_by", "organization")
            .order_by("created_at", "id")
        )
        return self._page(DealAttachmentSerializer, attachments)

    @extend_schema(
        summary="Ask the vendor for more protection time (partners)",
        request=DealExtensionRequestInputSerializer,
        responses={201: DealExtensionRequestSerializer},
    )
    @action(detail=True, methods=["post"], url_path="extension-request", url_name="extension-request")
    def extension_request(self, request, pk=None):
        deal = self.get_object()
        self._require_partner(deal)
        data = validated_input(DealExtensionRequestInputSerializer, request)
        extension = services.deal_request_extension(
            actor=request.user, deal=deal, days=data["days"], reason=data["reason"]
        )
        return Response(DealExtensionRequestSerializer(extension).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Grant or refuse the pending extension request (vendors)", request=DealExtensionDecisionSerializer
    )
    @action(detail=True, methods=["post"], url_path="extension-decision", url_name="extension-decision")
    def extension_decision(self, request, pk=None):
        deal = self.get_object()
        self._require_vendor_manager(deal)
        data = validated_input(DealExtensionDecisionSerializer, request)
        services.deal_decide_extension(actor=request.user, deal=deal, grant=data["grant"], response=data["response"])
        return Response(self._fresh(deal))

    @extend_schema(
        summary="The registrations it looks like (vendors only; a 404 for anyone else)",
        responses=DealConflictSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def conflicts(self, request, pk=None):
        deal = self.get_object()
        if not self._vendor_side(deal):
            raise exceptions.NotFound()
        conflicts = selectors.conflicts_of(request.user, deal)
        return self._page(DealConflictSerializer, conflicts, deal=deal)


# This app's routes under /api/v1/ (prefix, viewset, basename); portal/urls_api.py registers every app's.
ROUTES = [("deals", DealViewSet, "deal")]
