"""Deal registration: a partner tells a vendor about an opportunity, the vendor protects it, both keep it current.

A registration belongs to one partnership (vendor → partner, maybe through a distributor) and is visible
through that partnership's guardian grant (``view_records``), like every record the two sides build together
(docs/adr/0001). A draft is the partner's alone until it is submitted. Writes go through ``deals.services``;
reads through ``deals.selectors``.

Two fields are kept apart on purpose: ``status`` is the vendor's answer to the registration (under review,
approved until a date, rejected...), ``stage`` is the partner's own pipeline (qualifying → won or lost).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_countries.fields import CountryField

from core import numbers
from core.history import HistoryEntry, history_index, kind_field
from core.numbers import ReadableDecimalField
from vendors.models import Organization, Partnership, Product, Tier
from vendors.money import CURRENCY_CHOICES


class DealRegistration(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Under review"
        INFO_REQUESTED = "info_requested", "More information requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    class Stage(models.TextChoices):
        QUALIFYING = "qualifying", "Qualifying"
        PROPOSAL = "proposal", "Proposal"
        NEGOTIATION = "negotiation", "Negotiation"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    class Queue(models.IntegerChoices):
        """The vendor's order of work: conflicts to decide first, then other pending reviews, then the rest."""

        CONFLICT = 0, "Conflict to decide"
        REVIEW = 1, "Waiting for review"
        OTHER = 2, "Decided"

    # Registrations that hold a customer at the vendor: matched against on submit, capped when idle.
    OPEN_STATUSES = (Status.SUBMITTED, Status.INFO_REQUESTED, Status.APPROVED)
    PENDING_STATUSES = (Status.SUBMITTED, Status.INFO_REQUESTED)
    CLOSED_STAGES = (Stage.WON, Stage.LOST)

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="deals")
    # Copies of the partnership's three sides, so that lists filter and sort on indexed columns of this table.
    vendor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="deals_as_vendor")
    partner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="deals_as_partner")
    distributor = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="deals_as_distributor"
    )
    title = models.CharField(max_length=200, help_text="What the opportunity is, e.g. “Acme: 200 seats, EU rollout”.")

    # The customer, as the partner typed it, and the keys conflict detection matches on.
    customer_name = models.CharField(max_length=200)
    customer_website = models.CharField(max_length=255, blank=True)
    customer_domain = models.CharField(max_length=255, blank=True, help_text="Registrable domain, e.g. acme.com.")
    customer_domain_stem = models.CharField(max_length=255, blank=True, help_text="acme for acme.com, acme.co.uk …")
    customer_name_key = models.CharField(max_length=200, blank=True, help_text="The name without legal forms.")
    customer_country = CountryField(help_text="ISO 3166-1 alpha-2 code.")
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)

    amount = ReadableDecimalField(
        max_digits=16, decimal_places=4, default=Decimal("0"), validators=numbers.AMOUNT.validators()
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    expected_close_date = models.DateField()
    notes = models.TextField(blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.QUALIFYING)
    lost_reason = models.TextField(blank=True)
    queue = models.PositiveSmallIntegerField(choices=Queue.choices, default=Queue.OTHER)
    # Vendor side only: never shown to a partner, in any form.
    has_conflict = models.BooleanField(default=False)

    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    protection_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=numbers.PROTECTION_DAYS.validators()
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Protected until the end of this day (UTC).")
    # The last expiry warning sent for the current expiry date (14, then 3 days before), so a re-run tells no one twice.
    expiry_warned_days = models.PositiveSmallIntegerField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The partner's last change or comment: registrations idle for long count against the vendor's cap.
    last_activity_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(expires_on__isnull=False), name="deal_approved_has_expiry"
            ),
        ]
        indexes = [
            # The partner's list across vendors, newest first.
            models.Index(fields=["partner", "-updated_at", "-id"], name="deal_partner_recent_idx"),
            # The vendor's list: conflicts, then pending reviews, then the rest, newest first in each.
            models.Index(fields=["vendor", "queue", "-updated_at", "-id"], name="deal_vendor_queue_idx"),
            models.Index(fields=["distributor", "-updated_at", "-id"], name="deal_distributor_recent_idx"),
            # A large vendor's or distributor's count and totals per currency read only these (an index-only scan
            # instead of visiting tens of thousands of rows: bench/).
            models.Index(
                fields=["vendor"],
                include=["id", "partnership", "status", "currency", "amount"],
                name="deal_vendor_totals_idx",
            ),
            models.Index(
                fields=["distributor"],
                include=["id", "partnership", "status", "currency", "amount"],
                name="deal_distributor_totals_idx",
            ),
            models.Index(fields=["partnership", "status"], name="deal_partnership_status_idx"),
            # Conflict candidates at one vendor.
            models.Index(
                fields=["vendor", "customer_domain_stem"],
                name="deal_open_stem_idx",
                condition=Q(status__in=["submitted", "info_requested", "approved"]),
            ),
            models.Index(
                fields=["vendor", "customer_domain"],
                name="deal_open_domain_idx",
                condition=Q(status__in=["submitted", "info_requested", "approved"]),
            ),
            # The beat job: approved registrations by expiry date.
            models.Index(fields=["expires_on"], name="deal_approved_expiry_idx", condition=Q(status="approved")),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"DR-{self.pk:06d}" if self.pk else "DR-new"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.stage in self.CLOSED_STAGES


class DealLine(models.Model):
    """One product of the vendor's catalog on a registration, priced at the partner's buy price when added."""

    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=numbers.QUANTITY.validators())
    list_price = ReadableDecimalField(max_digits=14, decimal_places=4, validators=numbers.PRICE.validators())
    unit_price = ReadableDecimalField(
        max_digits=14,
        decimal_places=4,
        validators=numbers.BUY_PRICE.validators(),
        help_text="The partner's buy price per unit.",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "product"], name="deal_line_unique_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="deal_line_quantity_positive"),
        ]
        indexes = [models.Index(fields=["product", "deal"], name="deal_line_product_idx")]

    def __str__(self):
        return f"{self.quantity} × {self.product_id}"

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


class DealConflict(models.Model):
    """Two registrations at one vendor that look like the same customer and share a product.

    The vendor's alone: a partner is never told that someone else registered its customer.
    """

    class Match(models.TextChoices):
        DOMAIN = "domain", "Same web domain"
        NAME = "name", "Similar company name"

    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="conflicts")
    other = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="conflicts_as_other")
    vendor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    matched_on = models.CharField(max_length=8, choices=Match.choices)
    similarity = ReadableDecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    products = models.CharField(max_length=500, blank=True, help_text="The SKUs both registrations hold.")
    detected_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "other"], name="deal_conflict_unique_pair"),
            models.CheckConstraint(condition=~Q(deal=models.F("other")), name="deal_conflict_not_self"),
        ]
        indexes = [models.Index(fields=["other"], name="deal_conflict_other_idx")]

    def __str__(self):
        return f"{self.deal_id} ~ {self.other_id} ({self.matched_on})"


class DealComment(models.Model):
    """The thread of one registration: the partner, the vendor and (two-tier) the distributor."""

    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["deal", "created_at"], name="deal_comment_thread_idx")]

    def __str__(self):
        return f"Comment on {self.deal_id} by {self.author_id}"


class DealEvent(HistoryEntry):
    """The history both sides see: who changed what, when, from what to what."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        SUBMITTED = "submitted", "Submitted"
        RESUBMITTED = "resubmitted", "Resubmitted"
        APPROVED = "approved", "Approved"
        AUTO_APPROVED = "auto_approved", "Approved automatically"
        REJECTED = "rejected", "Rejected"
        INFO_REQUESTED = "info_requested", "More information requested"
        CHANGED = "changed", "Changed"
        STATUS_CHANGED = "status_changed", "Status changed"
        ATTACHMENT_ADDED = "attachment_added", "Attachment added"
        EXPIRY_WARNING = "expiry_warning", "Expiry warning"
        EXPIRED = "expired", "Expired"
        EXTENSION_REQUESTED = "extension_requested", "Extension requested"
        EXTENSION_GRANTED = "extension_granted", "Extension granted"
        EXTENSION_REFUSED = "extension_refused", "Extension refused"

    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="events")
    kind = kind_field(Kind)
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    field = models.CharField(max_length=40, blank=True)

    # What the history calls a changed field where its verbose name would not do; values shown by their labels.
    FIELD_LABELS = {
        "lines": "Products",
        "products": "Products",
        "amount": "Deal value",
        "expected_close_date": "Expected close date",
        "customer_name": "Customer",
        "customer_website": "Customer website",
        "customer_country": "Customer country",
        "lost_reason": "Why it was lost",
        "expires_on": "Protected until",
    }
    VALUE_LABELS = {
        "stage": dict(DealRegistration.Stage.choices),
        "status": dict(DealRegistration.Status.choices),
    }

    class Meta(HistoryEntry.Meta):
        indexes = [history_index("deal", name="deal_event_history_idx")]

    def __str__(self):
        return f"{self.kind_label} {self.field}".strip()

    @property
    def field_label(self) -> str:
        if not self.field:
            return ""
        if self.field in self.FIELD_LABELS:
            return self.FIELD_LABELS[self.field]
        try:
            name = str(DealRegistration._meta.get_field(self.field).verbose_name)
        except FieldDoesNotExist:  # a change of something that is not a column
            name = self.field.replace("_", " ")
        return name[:1].upper() + name[1:]


def attachment_path(instance, filename):
    return f"deal-attachments/{instance.deal_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class DealAttachment(models.Model):
    """A file on a registration (a quote, the customer's RFP). Served through the deals selector, never as media."""

    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name


class DealExtensionRequest(models.Model):
    """The partner asks for more protection time; the vendor grants or refuses it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        GRANTED = "granted", "Granted"
        REFUSED = "refused", "Refused"

    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="extension_requests")
    days = models.PositiveSmallIntegerField(validators=numbers.EXTENSION_DAYS.validators())
    reason = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["deal"], condition=Q(status="pending"), name="deal_extension_one_pending"),
        ]

    def __str__(self):
        return f"{self.days} days for {self.deal_id} ({self.status})"


class DealRules(models.Model):
    """A vendor's deal registration rules. A vendor without a row has the defaults."""

    vendor = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="deal_rules")
    auto_approve_below = ReadableDecimalField(
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        validators=numbers.AMOUNT.validators(),
        help_text="Approve registrations below this value automatically (when there is no conflict).",
    )
    auto_approve_tiers = models.ManyToManyField(
        Tier, blank=True, related_name="+", help_text="Only for partners in these tiers."
    )
    idle_cap = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=numbers.CAPACITY.validators(),
        help_text="At most this many open registrations without activity per partner (empty: no cap).",
    )
    idle_days = models.PositiveSmallIntegerField(
        default=30, validators=numbers.IDLE_DAYS.validators(), help_text="Days without activity."
    )
    name_similarity = ReadableDecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.60"),
        validators=numbers.SIMILARITY.validators(),
        help_text="How close two company names must be (trigram similarity, 0.3–1) to be flagged.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deal rules"

    def __str__(self):
        return f"Deal rules of {self.vendor_id}"


class DealTally(models.Model):
    """How many registrations a vendor or a distributor has, and what they are worth, per status and currency.

    What its people see in their unfiltered lists (drafts never): the registrations made with the vendor, or
    through the distributor. Kept by ``deals.services`` in the transaction of every change to a registration's
    status or amount, so a large channel's list shows its totals without adding up every registration. A tally
    (``deals/tallies.py``) moved as every kept count is (``core.tallies``); ``manage.py recount_tallies`` rebuilds
    them from the registrations (after a bulk load)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=DealRegistration.Status.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    count = models.BigIntegerField(default=0)
    amount = ReadableDecimalField(max_digits=24, decimal_places=4, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "status", "currency"], name="dealtally_unique"),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.status} {self.currency}: {self.count}"
