"""REST API of the channel graph: organizations, partnerships, tiers and the catalog.

Thin, as the HTML views are: rows are read through ``vendors.selectors`` (a row the caller may not see is
a 404, the same as one that does not exist) and every write goes through ``vendors.services``, which
decide what is allowed (``PermissionDenied`` → 403, ``ValidationError`` → 400 with field errors, through
``core.api.exception_handler``). Serializers check the shape of the input only.

Ids in a request body (a vendor, a tier, a distributor) are resolved through the selectors too: an id
the caller may not see gets the same 400 field error as an id of a row that exists but does not fit.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import numbers
from core.api import (
    AutoSchema,
    Pagination,
    current_organization,
    query_filters,
    require_organization,
    validated_input,
)
from core.serializer_fields import CountryField
from vendors import selectors, services
from vendors.models import ANNUAL_REVENUE_CHOICES, Organization, Partnership, Product, Tier
from vendors.money import CURRENCY_CHOICES, PRICE_ERRORS, quantize

ID_PATTERN = r"[0-9]+"
MAX_ID = numbers.ID.maximum  # BigAutoField: a larger number is a field error, not a database overflow


def _id_field(**kwargs):
    return numbers.ID.serializer_field(**kwargs)


# --- output -------------------------------------------------------------------------------------------------


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug"]


@extend_schema_field(OrganizationRefSerializer)
class OrganizationRefField(serializers.Field):
    """An organization as ``OrganizationRefSerializer`` writes it, read-only, for lists: a nested serializer per
    row and organization was a third of a 50-row page's time."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return {"id": value.pk, "name": value.name, "slug": value.slug}


@extend_schema_field(str)
class DisplayField(serializers.Field):
    """The label of a choice field (``get_<name>_display``), read-only: a callable ``source`` makes DRF inspect
    its signature on every row."""

    def __init__(self, name: str, **kwargs):
        self.choice_name = name
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return getattr(value, f"get_{self.choice_name}_display")()


class TierRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "name", "discount_percent"]


class OrganizationSerializer(serializers.ModelSerializer):
    country = CountryField(
        read_only=True, allow_blank=True, help_text="ISO 3166-1 alpha-2 code; empty when the organization names none."
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "country",
            "website",
            "description",
            "accepts_applications",
            "program_criteria",
        ]


class PartnershipSerializer(serializers.ModelSerializer):
    vendor = OrganizationRefSerializer()
    partner = OrganizationRefSerializer()
    distributor = OrganizationRefSerializer(allow_null=True)
    tier = TierRefSerializer(allow_null=True)

    class Meta:
        model = Partnership
        fields = [
            "id",
            "vendor",
            "partner",
            "distributor",
            "tier",
            "status",
            "application_message",
            "application_region",
            "application_annual_revenue",
            "decline_reason",
            "status_reason",
            "applied_at",
            "started_at",
            "suspended_at",
            "ended_at",
            "declined_at",
            "updated_at",
        ]


class TierSerializer(serializers.ModelSerializer):
    vendor = OrganizationRefSerializer()

    class Meta:
        model = Tier
        fields = [
            "id",
            "vendor",
            "name",
            "rank",
            "discount_percent",
            "mdf_eligible",
            "deal_protection_days",
            "requirements",
        ]


MONEY_SCHEMA = {"type": "string", "format": "decimal", "example": "1299.99"}


class PartnerPriceSerializer(serializers.Serializer):
    """What the caller's organization pays for one unit and earns selling it at list price."""

    buy_price = serializers.DecimalField(
        max_digits=16, decimal_places=4, read_only=True, help_text="In the product's currency."
    )
    margin = serializers.DecimalField(
        max_digits=16, decimal_places=4, read_only=True, help_text="List price minus buy price."
    )
    margin_percent = serializers.DecimalField(
        max_digits=5, decimal_places=1, read_only=True, help_text="Margin, in % of list price."
    )

    def to_representation(self, instance):
        # Amounts keep the currency's minor unit (2 decimals for USD, 0 for JPY), not the field's.
        return {
            "buy_price": str(instance.buy_price),
            "margin": str(instance.margin),
            "margin_percent": str(instance.margin_percent),
        }


class ProductSerializer(serializers.ModelSerializer):
    vendor = OrganizationRefSerializer()
    list_price = serializers.SerializerMethodField(help_text="Rounded to the currency's minor unit.")
    your_price = serializers.SerializerMethodField(
        help_text="Your organization's price for its tier (and distributor uplift); null for the vendor's own people."
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "vendor",
            "sku",
            "name",
            "description",
            "category",
            "list_price",
            "currency",
            "your_price",
            "active",
        ]

    @extend_schema_field(MONEY_SCHEMA)
    def get_list_price(self, product) -> str:
        return str(quantize(product.list_price, product.currency))

    @extend_schema_field(PartnerPriceSerializer(allow_null=True))
    def get_your_price(self, product):
        price_for = self.context.get("price_for")
        price = price_for(product) if price_for else None
        return PartnerPriceSerializer(price).data if price else None


# --- input --------------------------------------------------------------------------------------------------


class OrganizationFilters(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Organization.Kind.choices, required=False)


class PartnershipFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=Partnership.Status.choices, required=False)
    vendor = _id_field(required=False, help_text="A vendor organization's id.")
    partner = _id_field(required=False, help_text="A partner organization's id.")


class TierFilters(serializers.Serializer):
    vendor = _id_field(required=False, help_text="A vendor organization's id.")


class ProductFilters(serializers.Serializer):
    vendor = _id_field(required=False, help_text="A vendor organization's id.")
    q = serializers.CharField(required=False, max_length=200, help_text="Search in name, SKU and description.")
    category = serializers.CharField(required=False, max_length=80)


class ApplySerializer(serializers.Serializer):
    vendor = _id_field(help_text="The id of a vendor from the directory.")
    message = serializers.CharField(allow_blank=True, help_text="Why you want to partner with the vendor.")
    region = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    annual_revenue = serializers.ChoiceField(
        choices=[key for key, _ in ANNUAL_REVENUE_CHOICES if key],
        required=False,
        allow_blank=True,
        default="",
        help_text="A band: " + ", ".join(f"`{key}` ({label})" for key, label in ANNUAL_REVENUE_CHOICES if key) + ".",
    )
    distributor = _id_field(
        required=False, allow_null=True, default=None, help_text="For two-tier: a distributor the vendor sells through."
    )


class ApproveSerializer(serializers.Serializer):
    tier = _id_field(help_text="One of the vendor's tiers.")
    distributor = _id_field(
        required=False, allow_null=True, default=None, help_text="Set or change the distributor (two-tier)."
    )


class TierChoiceSerializer(serializers.Serializer):
    tier = _id_field(help_text="One of the vendor's tiers.")


def _reason(message):
    return serializers.CharField(
        max_length=2000, help_text="The partner sees this reason.", error_messages={"blank": message}
    )


class DeclineSerializer(serializers.Serializer):
    reason = _reason("Tell the partner why; they will see this reason.")


class SuspendSerializer(serializers.Serializer):
    reason = _reason("Tell the partner why you suspend them.")


class EndSerializer(serializers.Serializer):
    reason = _reason("Tell the partner why the partnership ends.")


class TierInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    rank = numbers.RANK.serializer_field(default=0, help_text="Higher ranks are better.")
    discount_percent = numbers.PERCENT.serializer_field(help_text="Discount off list, in %.")
    mdf_eligible = serializers.BooleanField(default=False)
    deal_protection_days = numbers.PROTECTION_DAYS.serializer_field(
        default=90, help_text="How long a registered deal stays the partner's."
    )
    requirements = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)


class ProductInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    category = serializers.CharField(allow_blank=True, required=False, default="", max_length=80)
    list_price = numbers.PRICE.serializer_field(
        error_messages=PRICE_ERRORS,
    )
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, default="USD")
    active = serializers.BooleanField(default=True)


# --- resolving ids from a request body (through the selectors) ----------------------------------------------

OWN_TIER = "Choose one of your own tiers."


def _tier(user, tier_id) -> Tier:
    """A tier the caller may see; the service then checks it is the partnership vendor's own."""
    tier = selectors.tiers_visible_to(user).filter(pk=tier_id).first()
    if tier is None:
        raise ValidationError({"tier": OWN_TIER})
    return tier


def _approve_distributor(user, partnership: Partnership, distributor_id):
    if distributor_id is None:
        return None
    distribution = (
        selectors.distributions_visible_to(user)
        .filter(vendor_id=partnership.vendor_id, distributor_id=distributor_id)
        .select_related("distributor")
        .first()
    )
    if distribution is None:
        raise ValidationError({"distributor": f"{partnership.vendor.name} does not sell through this distributor."})
    return distribution.distributor


def _apply_vendor(user, vendor_id) -> Organization:
    vendor = selectors.organizations_visible_to(user).filter(pk=vendor_id, kind=Organization.Kind.VENDOR).first()
    if vendor is None:
        raise ValidationError({"vendor": "Choose a vendor from the directory."})
    return vendor


def _apply_distributor(user, vendor: Organization, distributor_id):
    if distributor_id is None:
        return None
    distributor = next((d for d in selectors.directory_distributors(user, vendor) if d.pk == distributor_id), None)
    if distributor is None:
        raise ValidationError({"distributor": f"{vendor.name} does not sell through this distributor."})
    return distributor


# --- viewsets -----------------------------------------------------------------------------------------------


class ScopedViewSet(viewsets.GenericViewSet):
    """Lists and lookups start from a selector; the class-level queryset (for the schema) is empty."""

    lookup_value_regex = ID_PATTERN
    pagination_class = Pagination
    schema = AutoSchema()
    filters_class: type[serializers.Serializer] | None = None

    def visible(self):
        """The rows this viewset serves, from a selector; every subclass says which."""
        raise NotImplementedError(f"{type(self).__name__} must define visible() from a selector.")

    def filter_list(self, queryset, filters):
        return queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        queryset = self.visible()
        if self.action == "list" and self.filters_class is not None:
            queryset = self.filter_list(queryset, query_filters(self.request, self.filters_class))
        return queryset


@extend_schema_view(list=extend_schema(parameters=[OrganizationFilters]))
class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Your organizations, the organizations you work with, and the vendor directory."""

    queryset = Organization.objects.none()
    serializer_class = OrganizationSerializer
    filters_class = OrganizationFilters

    def visible(self):
        return selectors.organizations_visible_to(self.request.user).order_by("name", "id")

    def filter_list(self, queryset, filters):
        if "kind" in filters:
            queryset = queryset.filter(kind=filters["kind"])
        return queryset


@extend_schema_view(
    list=extend_schema(parameters=[PartnershipFilters]),
    create=extend_schema(
        summary="Apply to a vendor's program",
        description="Your current organization (a partner) applies; only its admins may.",
        request=ApplySerializer,
        responses={201: PartnershipSerializer},
    ),
)
class PartnershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Partnerships you are a side of: as the vendor, the partner, or the distributor in between."""

    queryset = Partnership.objects.none()
    serializer_class = PartnershipSerializer
    filters_class = PartnershipFilters

    def visible(self):
        return (
            selectors.partnerships_visible_to(self.request.user)
            .select_related("vendor", "partner", "distributor", "tier")
            .order_by("-updated_at", "-id")
        )

    def filter_list(self, queryset, filters):
        for field in ("status", "vendor", "partner"):
            if field in filters:
                queryset = queryset.filter(**{field: filters[field]})
        return queryset

    def create(self, request):
        partner = require_organization(request)
        data = validated_input(ApplySerializer, request)
        vendor = _apply_vendor(request.user, data["vendor"])
        partnership = services.partnership_apply(
            actor=request.user,
            partner=partner,
            vendor=vendor,
            message=data["message"],
            region=data["region"],
            annual_revenue=data["annual_revenue"],
            distributor=_apply_distributor(request.user, vendor, data["distributor"]),
        )
        return Response(self._fresh(partnership), status=status.HTTP_201_CREATED)

    def _fresh(self, partnership):
        return self.get_serializer(self.visible().get(pk=partnership.pk)).data

    def _require_vendor_manager(self, partnership):
        # Before the ids in the body are read, so a refusal is a 403 whatever they hold. The service checks
        # again, with the partnership's grants.
        services.require_role(self.request.user, partnership.vendor, services.MANAGER_ROLES)

    @extend_schema(summary="Approve an application into a tier", request=ApproveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        partnership = self.get_object()
        self._require_vendor_manager(partnership)
        data = validated_input(ApproveSerializer, request)
        services.partnership_approve(
            actor=request.user,
            partnership=partnership,
            tier=_tier(request.user, data["tier"]),
            distributor=_approve_distributor(request.user, partnership, data["distributor"]),
        )
        return Response(self._fresh(partnership))

    @extend_schema(summary="Decline an application", request=DeclineSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        partnership = self.get_object()
        data = validated_input(DeclineSerializer, request)
        services.partnership_decline(actor=request.user, partnership=partnership, reason=data["reason"])
        return Response(self._fresh(partnership))

    @extend_schema(summary="Move a partner to another tier", request=TierChoiceSerializer)
    @action(detail=True, methods=["post"], url_path="change-tier", url_name="change-tier")
    def change_tier(self, request, pk=None):
        partnership = self.get_object()
        self._require_vendor_manager(partnership)
        data = validated_input(TierChoiceSerializer, request)
        services.partnership_change_tier(
            actor=request.user, partnership=partnership, tier=_tier(request.user, data["tier"])
        )
        return Response(self._fresh(partnership))

    @extend_schema(summary="Suspend: the partner loses program access at once", request=SuspendSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        partnership = self.get_object()
        data = validated_input(SuspendSerializer, request)
        services.partnership_suspend(actor=request.user, partnership=partnership, reason=data["reason"])
        return Response(self._fresh(partnership))

    @extend_schema(summary="Reactivate a suspended partnership", request=None)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        partnership = self.get_object()
        services.partnership_reactivate(actor=request.user, partnership=partnership)
        return Response(self._fresh(partnership))

    @extend_schema(summary="End a partnership (records stay visible to both sides)", request=EndSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        partnership = self.get_object()
        data = validated_input(EndSerializer, request)
        services.partnership_end(actor=request.user, partnership=partnership, reason=data["reason"])
        return Response(self._fresh(partnership))


@extend_schema_view(
    list=extend_schema(parameters=[TierFilters]),
    create=extend_schema(request=TierInputSerializer, responses={201: TierSerializer}),
    update=extend_schema(request=TierInputSerializer),
    partial_update=extend_schema(request=TierInputSerializer),
)
class TierViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Program tiers: your own vendor's, and those of the vendors whose program you have access to.

    Your vendor's admins and managers create, change and delete its tiers.
    """

    queryset = Tier.objects.none()
    serializer_class = TierSerializer
    filters_class = TierFilters

    def visible(self):
        return (
            selectors.tiers_visible_to(self.request.user)
            .select_related("vendor")
            .order_by("vendor__name", "vendor_id", "-rank", "name", "id")
        )

    def filter_list(self, queryset, filters):
        if "vendor" in filters:
            queryset = queryset.filter(vendor_id=filters["vendor"])
        return queryset

    def create(self, request):
        vendor = require_organization(request)
        tier = services.tier_create(actor=request.user, vendor=vendor, **validated_input(TierInputSerializer, request))
        return Response(self.get_serializer(tier).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        tier = self.get_object()
        fields = validated_input(TierInputSerializer, request, partial=partial)
        tier = services.tier_update(actor=request.user, tier=tier, **fields)
        return Response(self.get_serializer(tier).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    def perform_destroy(self, instance):
        services.tier_delete(actor=self.request.user, tier=instance)


@extend_schema_view(
    list=extend_schema(parameters=[ProductFilters]),
    create=extend_schema(request=ProductInputSerializer, responses={201: ProductSerializer}),
    update=extend_schema(request=ProductInputSerializer),
    partial_update=extend_schema(request=ProductInputSerializer),
)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The catalogs you may see, each product with your organization's buy price and margin.

    Your vendor's admins and managers add and change its products.
    """

    queryset = Product.objects.none()
    serializer_class = ProductSerializer
    filters_class = ProductFilters

    def _catalog(self, **filters):
        """The products and the caller's ``price_for``: the pricing terms are read once per request."""
        organization = current_organization(self.request)
        if organization is None:
            self._price_for = None
            return Product.objects.none()
        queryset, self._price_for = selectors.catalog(self.request.user, organization, **filters)
        return queryset.order_by("vendor__name", "vendor_id", "name", "id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        filters = {}
        if self.action == "list":
            found = query_filters(self.request, ProductFilters)
            filters = {
                "vendor_id": found.get("vendor", ""),
                "q": found.get("q", ""),
                "category": found.get("category", ""),
            }
        return self._catalog(**filters)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "price_for": getattr(self, "_price_for", None)}

    def create(self, request):
        vendor = require_organization(request)
        product = services.product_create(
            actor=request.user, vendor=vendor, **validated_input(ProductInputSerializer, request)
        )
        return Response(self._fresh(product), status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        product = self.get_object()
        fields = validated_input(ProductInputSerializer, request, partial=partial)
        product = services.product_update(actor=request.user, product=product, **fields)
        return Response(self._fresh(product))

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    def _fresh(self, product):
        return self.get_serializer(self._catalog().get(pk=product.pk)).data


# This app's routes under /api/v1/ (prefix, viewset, basename); portal/urls_api.py registers every app's.
ROUTES = [
    ("organizations", OrganizationViewSet, "organization"),
    ("partnerships", PartnershipViewSet, "partnership"),
    ("tiers", TierViewSet, "tier"),
    ("products", ProductViewSet, "product"),
]
