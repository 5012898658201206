"""REST API of lead distribution: ``/api/v1/leads/``, the vendor's rules, and its partners' coverage.

Thin, as the HTML views are. Leads are read through ``leads.selectors`` (a lead the caller may not see is a 404, the
same answer as one that does not exist); every write goes through ``leads.services``, which decide what is allowed
(``PermissionDenied`` → 403, ``ValidationError`` → 400 with field errors, through ``core.api.exception_handler``).
Serializers check the shape of the input only.

The list is the one of the organization the caller works in now (``core.api.current_organization``): a vendor's
leads wherever they are, the leads a partner holds and its own, a distributor's resellers' leads. A lead is shown
with one of two serializers. The vendor's people see who holds it, since when, how long it took to accept and the
deal it became. A partner or distributor sees the lead and why it came to this partner, never who else was offered
it: ``offers/`` and ``history/`` give them their own offers and their own time with the lead only. People of another
organization are not named (the vendor sees that a partner accepted, not which of its people).

Vendors send leads one at a time (``POST /leads/``) or up to 1,000 in one call (``POST /leads/bulk/``): all of them
or, when any row is not valid, none, with the errors of each row. Either way they are routed at once.
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core import numbers
from core.api import current_organization, query_filters, require_organization, validated_input
from core.serializer_fields import CountryField
from deals import selectors as deal_selectors
from deals.api import LinesField, ProductRefSerializer
from deals.models import DealRegistration
from leads import selectors, services
from leads.models import Lead, LeadEvent, LeadOffer, LeadRules
from vendors import access
from vendors import selectors as vendor_selectors
from vendors.api import (
    DisplayField,
    OrganizationRefField,
    OrganizationRefSerializer,
    ScopedViewSet,
    TierRefSerializer,
)
from vendors.models import Organization, Partnership
from vendors.services import MANAGER_ROLES, require_role

Status = Lead.Status
MAX_BULK = 1000
TEXT_MAX = services.MAX_TEXT
# The statuses a partner moves an accepted lead to (converted comes from ``convert/``).
PROGRESS = [(s.value, s.label) for s in (Status.CONTACTED, Status.QUALIFIED, Status.DISQUALIFIED)]


def _id_field(**kwargs):
    return numbers.ID.serializer_field(**kwargs)


def _deal_path(deal_id) -> str:
    return reverse("deal-detail", kwargs={"pk": deal_id})


# --- output -------------------------------------------------------------------------------------------------


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name")


class LeadDealSerializer(serializers.ModelSerializer):
    """The deal registration a lead became, with how it is going."""

    reference = serializers.CharField(read_only=True, help_text="e.g. DR-000042")
    status_label = DisplayField("status")
    stage_label = DisplayField("stage")
    url = serializers.SerializerMethodField(help_text="The registration in the API (`/api/v1/deals/{id}/`).")

    class Meta:
        model = DealRegistration
        fields = ["id", "reference", "title", "status", "status_label", "stage", "stage_label", "url"]
        read_only_fields = fields

    def get_url(self, deal) -> str:
        return _deal_path(deal.pk)


@extend_schema_field({"type": "integer", "nullable": True, "minimum": 0})
class SecondsField(serializers.Field):
    """A duration as whole seconds."""

    def to_representation(self, value):
        return max(int(value.total_seconds()), 0)


def _in_your_organizations(serializer, organization_id) -> bool:
    return organization_id is not None and organization_id in serializer.context["own"]


class PartnerLeadSerializer(serializers.ModelSerializer):
    """A lead as a partner or distributor sees it: nothing of other partners it was offered to."""

    reference = serializers.CharField(read_only=True, help_text="e.g. LD-000042")
    source_label = DisplayField("source")
    vendor = OrganizationRefField()
    partner = OrganizationRefField(allow_null=True, help_text="The partner holding it now.")
    distributor = OrganizationRefField(allow_null=True)
    # A plain string: it may be empty, which an "email" format would not allow.
    contact_email = serializers.CharField(read_only=True, help_text="May be empty.")
    products = ProductRefSerializer(many=True, read_only=True, source="interest", help_text="Products of interest.")
    status_label = DisplayField("status")
    offered_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it was offered to the partner holding it now."
    )
    routing_reason = serializers.CharField(read_only=True, help_text="Why the partner holding it got it.")
    assigned_to = serializers.SerializerMethodField(
        help_text="The partner's rep working it (shown to the partner's own people only)."
    )
    deal = serializers.SerializerMethodField(help_text="The registration it became, once you may see it.")

    class Meta:
        model = Lead
        fields = [
            "id",
            "reference",
            "source",
            "source_label",
            "vendor",
            "partner",
            "distributor",
            "company",
            "contact_name",
            "contact_email",
            "contact_phone",
            "country",
            "region",
            "postcode",
            "size",
            "products",
            "notes",
            "status",
            "status_label",
            "status_reason",
            "offered_at",
            "accept_by",
            "accepted_at",
            "routing_reason",
            "assigned_to",
            "deal",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_assigned_to(self, lead):
        if lead.assigned_to_id is None or not _in_your_organizations(self, lead.partner_id):
            return None
        return PersonRefSerializer(lead.assigned_to).data

    @extend_schema_field(LeadDealSerializer(allow_null=True))
    def get_deal(self, lead):
        if lead.deal_id is None or not getattr(lead, "deal_shown", False):
            return None
        return LeadDealSerializer(lead.deal).data


VENDOR_ONLY_HELP = {
    "partnership": "Vendor side only: the partnership holding it (for `offer/`). Never in answers to partners and "
    "distributors.",
    "time_to_accept": "Vendor side only: seconds from the offer to its acceptance (null until accepted). Never in "
    "answers to partners and distributors.",
}


@extend_schema_serializer(component_name="Lead")
class VendorLeadSerializer(PartnerLeadSerializer):
    """A lead. `partnership` and `time_to_accept` are the vendor's: absent for partners and distributors."""

    # Declared ``required=False`` rather than read-only: the schema documents one shape for every side, with these
    # as optional keys (absent from answers to partners and distributors). They are never read from a request.
    partnership = serializers.PrimaryKeyRelatedField(
        required=False, allow_null=True, queryset=Partnership.objects.none(), help_text=VENDOR_ONLY_HELP["partnership"]
    )
    time_to_accept = SecondsField(required=False, allow_null=True, help_text=VENDOR_ONLY_HELP["time_to_accept"])

    class Meta(PartnerLeadSerializer.Meta):
        fields = PartnerLeadSerializer.Meta.fields + ["partnership", "time_to_accept"]
        read_only_fields = PartnerLeadSerializer.Meta.fields


class LeadOfferSerializer(serializers.ModelSerializer):
    partner = OrganizationRefField()
    outcome_label = DisplayField("outcome")

    class Meta:
        model = LeadOffer
        fields = [
            "id",
            "partner",
            "offered_at",
            "accept_by",
            "reminded_at",
            "outcome",
            "outcome_label",
            "decided_at",
            "reason",
            "explanation",
            "by_rules",
        ]
        read_only_fields = fields


class LeadEventSerializer(serializers.ModelSerializer):
    kind_label = DisplayField("kind")
    actor = serializers.SerializerMethodField(help_text="Who did it, when they are of your organization.")
    organization = OrganizationRefField(allow_null=True, help_text="The organization acting.")
    partner = OrganizationRefField(allow_null=True, help_text="The partner it concerns.")
    old_value = serializers.SerializerMethodField()
    new_value = serializers.SerializerMethodField()

    class Meta:
        model = LeadEvent
        fields = [
            "id",
            "kind",
            "kind_label",
            "actor",
            "organization",
            "partner",
            "old_value",
            "new_value",
            "detail",
            "created_at",
        ]
        read_only_fields = fields

    def _ours(self, event) -> bool:
        return _in_your_organizations(self, event.organization_id)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event) -> str | None:
        return event.actor.display_name if event.actor_id and self._ours(event) else None

    def _value(self, event, value) -> str:
        # A rep's assignment names the partner's people: for the partner's own eyes.
        return "" if event.kind == LeadEvent.Kind.ASSIGNED and not self._ours(event) else value

    def get_old_value(self, event) -> str:
        return self._value(event, event.old_value)

    def get_new_value(self, event) -> str:
        return self._value(event, event.new_value)


class BulkLeadsResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True, help_text="How many leads were created.")
    results = VendorLeadSerializer(many=True, help_text="The leads, each with the partner it went to and why.")


class LeadRulesSerializer(serializers.ModelSerializer):
    tiers = serializers.SerializerMethodField(help_text="Only partners in these tiers (empty: every tier).")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null: the defaults, never set.")

    class Meta:
        model = LeadRules
        fields = [
            "sla_hours",
            "reminder_hours",
            "match_territory",
            "tiers",
            "match_products",
            "default_capacity",
            "weigh_by_performance",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TierRefSerializer(many=True))
    def get_tiers(self, rules):
        tiers = rules.tiers.order_by("-rank", "name") if rules.pk else []
        return TierRefSerializer(tiers, many=True).data


class LeadCoverageSerializer(serializers.Serializer):
    """What a partner covers for the vendor (its defaults while the vendor has not set any)."""

    partnership = serializers.IntegerField(source="partnership_id", read_only=True)
    partner = OrganizationRefSerializer()
    countries = serializers.ListField(child=CountryField(), help_text="ISO 3166-1 alpha-2 codes.")
    regions = serializers.ListField(
        child=serializers.CharField(), help_text="States, regions or postcode prefixes (empty: the whole countries)."
    )
    products = ProductRefSerializer(many=True, help_text="Products it specialises in.")
    capacity = serializers.IntegerField(
        allow_null=True, read_only=True, help_text="Open leads at once (null: the vendor's default)."
    )
    accepts_leads = serializers.BooleanField()


# --- input --------------------------------------------------------------------------------------------------


class LeadFilters(serializers.Serializer):
    vendor = _id_field(required=False, help_text="A vendor's id (partners and distributors).")
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    created_after = serializers.DateTimeField(
        required=False, help_text="Created at or after this ISO 8601 date or time, e.g. `2025-03-01T09:00:00Z`."
    )
    created_before = serializers.DateTimeField(
        required=False, help_text="Created before this ISO 8601 date or time, e.g. `2025-04-01`."
    )
    q = serializers.CharField(
        required=False, max_length=200, help_text="Search in company and contact name, or a reference LD-…."
    )


def _text(max_length=200, **kwargs):
    return serializers.CharField(max_length=max_length, **kwargs)


def _optional_text(max_length=200, **kwargs):
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, default="", **kwargs)


class LeadInputSerializer(serializers.Serializer):
    """One lead, as ``leads.services.clean_lead`` reads it. For the schema: the service checks the values (``_lead_row``
    only the shape), so that one lead and each row of a bulk call get the same answers."""

    company = _text()
    contact_name = _text()
    contact_email = _optional_text(254)
    contact_phone = _optional_text(40)
    country = CountryField(help_text="ISO 3166-1 alpha-2 code, e.g. US.")
    region = _optional_text(80, help_text="State or region, e.g. TX.")
    postcode = _optional_text(20)
    size = serializers.ChoiceField(choices=Lead.Size.choices, required=False, allow_blank=True, default="")
    products = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        default=list,
        max_length=100,
        help_text="SKUs of your catalog the prospect is interested in.",
    )
    notes = _optional_text(TEXT_MAX, help_text="Shown to the partner it goes to.")


class BulkLeadsSerializer(serializers.Serializer):
    leads = LeadInputSerializer(many=True, help_text=f"At most {MAX_BULK:,} leads.")


class LeadRejectSerializer(serializers.Serializer):
    reason = _text(TEXT_MAX, help_text="The vendor sees this reason.")


class LeadAssignSerializer(serializers.Serializer):
    rep = _id_field(allow_null=True, help_text="The user id of one of your people; null: nobody.")


class LeadProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PROGRESS)
    reason = _optional_text(TEXT_MAX, help_text="Why it is disqualified (required for `disqualified`).")


class LeadConvertSerializer(serializers.Serializer):
    title = _text(help_text="What the opportunity is, e.g. “Waystar: 40 routers”.")
    expected_close_date = serializers.DateField()
    lines = LinesField(help_text="The vendor's products in the deal (by id, as in `/deals/`): at least one.")
    submit = serializers.BooleanField(
        required=False, default=False, help_text="`true`: submit the registration at once; otherwise a draft."
    )


class LeadOfferInputSerializer(serializers.Serializer):
    partnership = _id_field(help_text="One of your active partnerships.")


class LeadRulesInputSerializer(serializers.Serializer):
    """PUT sets every rule (those left out take their default); PATCH changes the ones sent."""

    sla_hours = numbers.SLA_HOURS.serializer_field(default=48)
    reminder_hours = numbers.SLA_HOURS.serializer_field(default=12)
    match_territory = serializers.BooleanField(default=True)
    tiers = serializers.ListField(
        child=_id_field(), default=list, max_length=100, help_text="Ids of your tiers; empty: every tier."
    )
    match_products = serializers.BooleanField(default=True)
    default_capacity = numbers.CAPACITY.serializer_field(allow_null=True, default=None, help_text="Null: no limit.")
    weigh_by_performance = serializers.BooleanField(default=True)


class LeadCoverageInputSerializer(serializers.Serializer):
    countries = serializers.ListField(
        child=CountryField(),
        max_length=services.MAX_COUNTRIES,
        help_text='ISO 3166-1 alpha-2 codes, e.g. ["US", "CA"]; empty: no territory.',
    )
    regions = serializers.ListField(
        child=serializers.CharField(max_length=80, allow_blank=True),
        default=list,
        max_length=services.MAX_REGIONS,
        help_text="States, regions or postcode prefixes within those countries (empty: the whole countries).",
    )
    products = serializers.ListField(
        child=serializers.CharField(max_length=64),
        default=list,
        max_length=500,
        help_text="SKUs of your catalog it specialises in.",
    )
    capacity = numbers.CAPACITY.serializer_field(allow_null=True, default=None, help_text="Null: your default.")
    accepts_leads = serializers.BooleanField(default=True)


NON_FIELD_ERRORS = api_settings.NON_FIELD_ERRORS_KEY


def _rows_error(rows: dict) -> exceptions.ValidationError:
    """The errors of a bulk call's rows (``{row number: {field: message}}``, rows from 1), in the one shape: under
    ``leads``, each message naming its item and field (``"Item 3: country: ..."``)."""
    return exceptions.ValidationError(
        {
            "leads": [
                f"Item {n}: {message}" if field == NON_FIELD_ERRORS else f"Item {n}: {field}: {message}"
                for n, errors in sorted(rows.items())
                for field, message in errors.items()
            ]
        }
    )


LEAD_TEXT_FIELDS = [name for name in LeadInputSerializer().fields if name != "products"]
MAX_PRODUCTS = 100


def _lead_row(item) -> tuple[dict, dict[str, str]]:
    """One lead of a request body, as ``leads.services.clean_lead`` reads it, and the errors of its shape (a list
    where a string belongs...). The values are checked by the service, so that one lead and a row of a bulk call
    get the same answers."""
    if not isinstance(item, dict):
        return {}, {"non_field_errors": "Expected an object with the lead's fields."}
    row, problems = {}, {}
    for name in LEAD_TEXT_FIELDS:
        value = item.get(name)
        if value is not None and not isinstance(value, str):  # a number too, as the schema says
            problems[name] = "Expected a string."
        elif value is not None:
            row[name] = value
    products = item.get("products")
    if products is not None:
        if not isinstance(products, list) or not all(isinstance(sku, str) for sku in products):
            problems["products"] = 'Expected a list of SKUs, e.g. ["ACM-R100"].'
        elif len(products) > MAX_PRODUCTS:
            problems["products"] = f"At most {MAX_PRODUCTS} products."
        else:
            row["products"] = list(products)
    return row, problems


# --- the viewsets -------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Leads of your current organization",
        description="A vendor's leads wherever they are now; the leads a partner holds and its own; a distributor's "
        "resellers'. Newest first.",
        parameters=[LeadFilters],
        responses=VendorLeadSerializer(many=True),
    ),
    retrieve=extend_schema(summary="One lead", responses=VendorLeadSerializer),
    create=extend_schema(
        summary="Send a lead (vendors)",
        description="Created and routed at once by your lead rules: the answer says who it was offered to and why.",
        request=LeadInputSerializer,
        responses={201: VendorLeadSerializer},
    ),
)
class LeadViewSet(ScopedViewSet):
    """Leads: a vendor passes prospects to the partner best placed to work them, and sees what became of them."""

    queryset = Lead.objects.none()
    serializer_class = VendorLeadSerializer
    filters_class = LeadFilters

    # --- reading ---

    def visible(self):
        user = self.request.user
        return selectors.leads_visible_to(user).select_related("vendor", "partner", "distributor", "assigned_to")

    def _with_page_details(self, leads) -> list[Lead]:
        """The leads of a page (or one lead) with what their answer shows beyond the row: the products of interest,
        the deal it became if the caller may see it, when it was offered to the partner holding it and how long that
        partner took to accept. A query each for the whole page, through the registrations and offers the caller
        may see (as a condition of the list query, the registrations were read in full: millions at a large vendor)."""
        leads = list(leads)
        # Products of interest, one query for the page (a prefetch builds a queryset per lead: a fifth of a page).
        interest = defaultdict(list)
        through = Lead.products.through.objects.filter(lead_id__in=[lead.pk for lead in leads])
        for row in through.select_related("product").order_by("product__sku", "product_id") if leads else ():
            interest[row.lead_id].append(row.product)
        for lead in leads:
            lead.interest = interest[lead.pk]
        shown = {}
        if leads:  # one query whether or not the page's leads became deals: the same queries for every page
            became = Lead.objects.filter(pk__in=[lead.pk for lead in leads], deal__isnull=False).values("deal_id")
            visible = deal_selectors.deals_visible_to(self.request.user).filter(pk__in=became)
            shown = visible.only("id", "title", "status", "stage").in_bulk()
        for lead in leads:
            lead.deal_shown = lead.deal_id in shown
            if lead.deal_shown:
                lead.deal = shown[lead.deal_id]  # what the answer shows of it, read with the visibility check
        held = [lead.pk for lead in leads if lead.partnership_id]
        offered = {}
        if held:
            offers = selectors.offers_visible_to(self.request.user).filter(lead_id__in=held)
            for lead_id, partnership_id, at in offers.order_by("offered_at", "id").values_list(
                "lead_id", "partnership_id", "offered_at"
            ):
                offered[lead_id, partnership_id] = at  # the latest offer to that partnership
        for lead in leads:
            lead.offered_at = offered.get((lead.pk, lead.partnership_id))
            both = lead.offered_at is not None and lead.accepted_at is not None
            lead.time_to_accept = lead.accepted_at - lead.offered_at if both else None
        return leads

    def filter_list(self, queryset, filters):
        organization = current_organization(self.request)
        if organization is None:
            return Lead.objects.none()
        queryset = queryset.filter(**organization.side_filter())
        if "vendor" in filters:
            queryset = queryset.filter(vendor_id=filters["vendor"])
        if "status" in filters:
            queryset = queryset.filter(status=filters["status"])
        if "created_after" in filters:
            queryset = queryset.filter(created_at__gte=filters["created_after"])
        if "created_before" in filters:
            queryset = queryset.filter(created_at__lt=filters["created_before"])
        q = filters.get("q", "").strip()
        if q:
            search = Q(company__icontains=q) | Q(contact_name__icontains=q)
            if q.upper().startswith("LD-") and q[3:].isdigit() and int(q[3:]) <= numbers.ID.maximum:
                search |= Q(pk=int(q[3:]))
            queryset = queryset.filter(search)
        return queryset.order_by("-created_at", "-id")

    def get_serializer_context(self):
        own = set(access.organization_ids(self.request.user)) if self.request.user.is_authenticated else set()
        return {**super().get_serializer_context(), "own": own}

    def _organization(self):
        return current_organization(self.request)

    def _vendor_side(self, lead) -> bool:
        """Whether the caller works for the lead's vendor now: only then are routing and outcome shown."""
        organization = self._organization()
        return (
            organization is not None
            and organization.kind == Organization.Kind.VENDOR
            and lead.vendor_id == organization.pk
        )

    def _detail(self, lead):
        serializer = VendorLeadSerializer if self._vendor_side(lead) else PartnerLeadSerializer
        (lead,) = self._with_page_details([lead])
        return serializer(lead, context=self.get_serializer_context()).data

    def _fresh(self, lead):
        return self._detail(self.visible().get(pk=lead.pk))

    def list(self, request):
        queryset = self.get_queryset()
        organization = self._organization()
        # A vendor's or distributor's whole list (or one status of it) is counted from its kept tallies.
        count = None
        if organization is not None:
            filters = query_filters(request, LeadFilters)
            count = selectors.kept_count(request.user, organization, **{k: v for k, v in filters.items() if v})
        page = self._with_page_details(self.paginator.paginate_queryset(queryset, request, view=self, count=count))
        vendor = organization is not None and organization.kind == Organization.Kind.VENDOR
        serializer = VendorLeadSerializer if vendor else PartnerLeadSerializer
        return self.get_paginated_response(serializer(page, many=True, context=self.get_serializer_context()).data)

    def retrieve(self, request, pk=None):
        return Response(self._detail(self.get_object()))

    def _page(self, serializer_class, rows):
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            serializer_class(page, many=True, context=self.get_serializer_context()).data
        )

    # --- who may ask (before the body is read, so that a refusal is a 403 whatever it holds; the services check
    # again, in their transaction) ---

    def get_object(self):
        """The lead the URL names. A write by the people of the partner holding it once the partnership is suspended
        or ended is a 403 saying why, whatever the action and the body (the services refuse it too)."""
        lead = super().get_object()
        if self.request.method not in SAFE_METHODS and lead.partner_id in access.organization_ids(self.request.user):
            access.require_program_access(self.request.user, lead.partnership, "lead", vendor=lead.vendor)
        return lead

    def _require_partner(self, lead):
        if lead.partner_id is None or lead.partner_id not in access.organization_ids(self.request.user):
            raise PermissionDenied("Only the partner holding this lead may do this.")

    def _require_vendor_manager(self, vendor):
        if vendor.kind != Organization.Kind.VENDOR:
            raise PermissionDenied("Only vendors send leads.")
        require_role(self.request.user, vendor, MANAGER_ROLES)

    def _current_vendor(self):
        organization = require_organization(self.request)
        if organization.kind != Organization.Kind.VENDOR:
            raise PermissionDenied("Only vendors send leads and set lead rules: switch to your vendor organization.")
        return organization

    # --- sending leads (the vendor) ---

    def create(self, request):
        vendor = self._current_vendor()
        self._require_vendor_manager(vendor)
        row, problems = _lead_row(request.data)
        if problems:
            raise ValidationError(problems)
        try:
            (lead,) = services.leads_create(actor=request.user, vendor=vendor, rows=[row])
        except services.RowErrors as exc:
            raise ValidationError(exc.rows[1]) from None
        return Response(self._fresh(lead), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=f"Send up to {MAX_BULK:,} leads at once (vendors)",
        description="All of them or, when any row is not valid, none: the 400 names each row's errors under `leads` "
        "(`Item 3: country: ...`, rows numbered from 1). They are routed at once: each lead in the answer says who it "
        "was offered to and why.",
        request=BulkLeadsSerializer,
        responses={201: BulkLeadsResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        vendor = self._current_vendor()
        self._require_vendor_manager(vendor)
        body = request.data
        items = body.get("leads") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise exceptions.ValidationError({"leads": ['A list of leads: {"leads": [{...}, ...]}.']})
        if not items:
            raise exceptions.ValidationError({"leads": ["Send at least one lead."]})
        if len(items) > MAX_BULK:
            raise exceptions.ValidationError(
                {"leads": [f"At most {MAX_BULK:,} leads a call; this one has {len(items):,}. Send them in batches."]}
            )
        rows, problems = [], {}
        for number, item in enumerate(items, start=1):
            row, errors = _lead_row(item)
            if errors:
                problems[number] = errors
            rows.append(row)
        if problems:
            raise _rows_error(problems)
        try:
            leads = services.leads_create(actor=request.user, vendor=vendor, rows=rows)
        except services.RowErrors as exc:
            raise _rows_error(exc.rows) from None
        created = self._with_page_details(self.visible().filter(pk__in=[lead.pk for lead in leads]).order_by("pk"))
        results = VendorLeadSerializer(created, many=True, context=self.get_serializer_context()).data
        return Response({"count": len(results), "results": results}, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Offer it by hand to a partner of your choice (vendors)",
        description="A lead waiting for a partner, or offered and not yet accepted (the open offer is recalled).",
        request=LeadOfferInputSerializer,
        responses=VendorLeadSerializer,
    )
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        lead = self.get_object()
        self._require_vendor_manager(lead.vendor)
        data = validated_input(LeadOfferInputSerializer, request)
        partnership = (
            vendor_selectors.partnerships_visible_to(request.user)
            .filter(pk=data["partnership"], vendor_id=lead.vendor_id)
            .select_related("vendor", "partner", "distributor")
            .first()
        )
        if partnership is None:
            raise ValidationError({"partnership": "Choose one of your own partners."})
        lead = services.lead_offer_to(actor=request.user, lead=lead, partnership=partnership)
        return Response(self._fresh(lead))

    # --- answering and working a lead (the partner) ---

    @extend_schema(summary="Accept it, before its deadline (partners)", request=None, responses=VendorLeadSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        lead = self.get_object()
        self._require_partner(lead)
        lead = services.lead_accept(actor=request.user, lead=lead)
        return Response(self._fresh(lead))

    @extend_schema(
        summary="Turn it down, with a reason the vendor sees (partners)",
        description="It goes to the next partner at once, and is no longer yours to see: the answer is empty.",
        request=LeadRejectSerializer,
        responses={204: None},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        lead = self.get_object()
        self._require_partner(lead)
        data = validated_input(LeadRejectSerializer, request)
        services.lead_reject(actor=request.user, lead=lead, reason=data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Give it to one of your reps, or to nobody (partners)",
        request=LeadAssignSerializer,
        responses=VendorLeadSerializer,
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        lead = self.get_object()
        self._require_partner(lead)
        data = validated_input(LeadAssignSerializer, request)
        rep = None
        if data["rep"] is not None:
            membership = (
                vendor_selectors.memberships_visible_to(request.user)
                .filter(organization_id=lead.partner_id, user_id=data["rep"], user__is_active=True)
                .select_related("user")
                .first()
            )
            if membership is None:
                raise ValidationError({"rep": f"Choose someone of {lead.partner.name}."})
            rep = membership.user
        lead = services.lead_assign_rep(actor=request.user, lead=lead, rep=rep)
        return Response(self._fresh(lead))

    @extend_schema(
        summary="Record your progress: contacted, qualified or disqualified (partners)",
        request=LeadProgressSerializer,
        responses=VendorLeadSerializer,
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def change_status(self, request, pk=None):
        lead = self.get_object()
        self._require_partner(lead)
        data = validated_input(LeadProgressSerializer, request)
        lead = services.lead_update_status(actor=request.user, lead=lead, status=data["status"], reason=data["reason"])
        return Response(self._fresh(lead))

    @extend_schema(
        summary="Register it as a deal (partners)",
        description="The customer and contact are carried over and the two are linked: the answer is the lead, "
        "with its `deal` (id and `url`); `Location` is the registration's.",
        request=LeadConvertSerializer,
        responses={201: VendorLeadSerializer},
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        self._require_partner(lead)
        data = validated_input(LeadConvertSerializer, request)
        deal = services.lead_convert(actor=request.user, lead=lead, **data)
        return Response(self._fresh(lead), status=status.HTTP_201_CREATED, headers={"Location": _deal_path(deal.pk)})

    # --- what happened to it ---

    @extend_schema(
        summary="What happened to it, oldest first",
        description="The vendor sees all of it; a partner its own time with the lead only.",
        responses=LeadEventSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        lead = self.get_object()
        events = (
            selectors.events_visible_to(request.user)
            .filter(lead=lead)
            .select_related("actor", "organization", "partner")
            .order_by("created_at", "id")
        )
        return self._page(LeadEventSerializer, events)

    @extend_schema(
        summary="Its offers, oldest first",
        description="The vendor sees every partner it was offered to, with routing's explanation; a partner its own "
        "offers only.",
        responses=LeadOfferSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def offers(self, request, pk=None):
        lead = self.get_object()
        offers = (
            selectors.offers_visible_to(request.user)
            .filter(lead=lead)
            .select_related("partner")
            .order_by("offered_at", "id")
        )
        return self._page(LeadOfferSerializer, offers)

    # --- the vendor's rules ---

    @extend_schema(methods=["GET"], summary="Your lead rules (vendors)", responses=LeadRulesSerializer)
    @extend_schema(
        methods=["PUT"],
        summary="Set your lead rules (vendor admins and managers)",
        description="Every rule; those left out take their default.",
        request=LeadRulesInputSerializer,
        responses=LeadRulesSerializer,
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Change some of your lead rules (vendor admins and managers)",
        request=LeadRulesInputSerializer,
        responses=LeadRulesSerializer,
    )
    @action(detail=False, methods=["get", "put", "patch"])
    def rules(self, request):
        vendor = self._current_vendor()
        if request.method != "GET":
            self._require_vendor_manager(vendor)
            data = validated_input(LeadRulesInputSerializer, request, partial=request.method == "PATCH")
            services.lead_rules_update(actor=request.user, vendor=vendor, **data)
        return Response(LeadRulesSerializer(services.rules_for(vendor)).data)


class LeadCoverageViewSet(ScopedViewSet):
    """What each partner covers for the vendor's leads, by partnership id: the vendor sets it, the partner sees its
    own; anyone else gets a 404."""

    queryset = Partnership.objects.none()
    serializer_class = LeadCoverageSerializer

    def visible(self):
        return vendor_selectors.partnerships_visible_to(self.request.user).select_related(
            "vendor", "partner", "lead_coverage"
        )

    def _partnership(self):
        partnership = self.get_object()
        own = access.organization_ids(self.request.user)
        if partnership.vendor_id not in own and partnership.partner_id not in own:
            raise exceptions.NotFound()
        return partnership

    @staticmethod
    def _coverage(partnership) -> dict:
        coverage = getattr(partnership, "lead_coverage", None)
        return {
            "partnership_id": partnership.pk,
            "partner": partnership.partner,
            "countries": coverage.countries if coverage else [],
            "regions": coverage.regions if coverage else [],
            "products": list(coverage.products.order_by("sku")) if coverage else [],
            "capacity": coverage.capacity if coverage else None,
            "accepts_leads": coverage.accepts_leads if coverage else True,
        }

    @extend_schema(summary="A partner's lead coverage (the vendor; the partner its own)")
    def retrieve(self, request, pk=None):
        return Response(LeadCoverageSerializer(self._coverage(self._partnership())).data)

    @extend_schema(
        summary="Set a partner's lead coverage (vendor admins and managers)",
        request=LeadCoverageInputSerializer,
        responses=LeadCoverageSerializer,
    )
    def update(self, request, pk=None):
        partnership = self._partnership()
        if partnership.vendor_id not in access.organization_ids(request.user):
            raise PermissionDenied("The vendor sets its partners' coverage.")
        require_role(request.user, partnership.vendor, MANAGER_ROLES)
        data = validated_input(LeadCoverageInputSerializer, request)
        services.lead_coverage_update(actor=request.user, partnership=partnership, **data)
        return Response(LeadCoverageSerializer(self._coverage(self.visible().get(pk=partnership.pk))).data)


# This app's routes under /api/v1/ (prefix, viewset, basename); portal/urls_api.py registers every app's.
ROUTES = [
    ("leads", LeadViewSet, "lead"),
    ("lead-coverage", LeadCoverageViewSet, "lead-coverage"),
]
