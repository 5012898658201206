"""Leads: a vendor passes a prospect to the partner best placed to work it, and sees what became of it.

A lead belongs to a vendor. While a partner holds it, it also names the partnership (vendor → partner, maybe
through a distributor) and is visible through that partnership's guardian grant, like deals (docs/adr/0001).
Each time a lead is offered to a partner a ``LeadOffer`` records it: when, until when it must be accepted,
why that partner (the routing explanation), and how it ended (accepted, rejected, missed, recalled). A lead is
never offered again to a partner that rejected or missed it.

Leads a partner generates itself (``source=partner``) are the partner's: the vendor sees them only once they
are registered as a deal. Writes go through ``leads.services``; routing is ``leads.routing``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_countries.fields import CountryField

from core import numbers
from core.history import HistoryEntry, history_index, kind_field
from vendors.models import Organization, Partnership, Product, Tier


class LeadRules(models.Model):
    """A vendor's lead distribution rules. A vendor without a row has the defaults."""

    vendor = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="lead_rules")
    sla_hours = models.PositiveSmallIntegerField(
        default=48,
        validators=numbers.SLA_HOURS.validators(),
        help_text="Hours a partner has to accept a lead before it is recalled and offered to another partner.",
    )
    reminder_hours = models.PositiveSmallIntegerField(
        default=12,
        validators=numbers.SLA_HOURS.validators(),
        help_text="Remind the partner this many hours before the deadline.",
    )
    match_territory = models.BooleanField(
        default=True, help_text="Only partners that cover the lead's country (and region, where they name regions)."
    )
    tiers = models.ManyToManyField(
        Tier, blank=True, related_name="+", help_text="Only partners in these tiers (none chosen: every tier)."
    )
    match_products = models.BooleanField(
        default=True,
        help_text="Prefer partners that specialise in the lead's products; only they get it when any of them can.",
    )
    default_capacity = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=numbers.CAPACITY.validators(),
        help_text="Open leads a partner may hold at once, unless its coverage says otherwise (empty: no limit).",
    )
    weigh_by_performance = models.BooleanField(
        default=True,
        help_text="Round-robin weighted by each partner's past acceptance and win rate (off: plain round-robin).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "lead rules"

    def __str__(self):
        return f"Lead rules of {self.vendor_id}"


class LeadCoverage(models.Model):
    """What a partner covers for one vendor: territory, product specialisation, capacity (the vendor sets it)."""

    partnership = models.OneToOneField(Partnership, on_delete=models.CASCADE, related_name="lead_coverage")
    vendor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    countries = models.JSONField(default=list, blank=True, help_text='ISO 3166-1 alpha-2 codes, e.g. ["US", "CA"].')
    regions = models.JSONField(
        default=list,
        blank=True,
        help_text="States, regions or postcode prefixes within those countries (none: the whole country).",
    )
    products = models.ManyToManyField(Product, blank=True, related_name="+")
    capacity = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=numbers.CAPACITY.validators(),
        help_text="Open leads at once (empty: the vendor's).",
    )
    accepts_leads = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["vendor"], name="lead_coverage_vendor_idx")]

    def __str__(self):
        return f"Coverage of {self.partnership_id}"


class Lead(models.Model):
    class Source(models.TextChoices):
        VENDOR = "vendor", "From the vendor"
        PARTNER = "partner", "The partner's own"

    class Status(models.TextChoices):
        UNASSIGNED = "unassigned", "Not assigned"
        OFFERED = "offered", "Waiting for acceptance"
        ACCEPTED = "accepted", "Accepted"
        CONTACTED = "contacted", "Contacted"
        QUALIFIED = "qualified", "Qualified"
        CONVERTED = "converted", "Converted to a deal"
        DISQUALIFIED = "disqualified", "Disqualified"

    class Size(models.TextChoices):
        UNKNOWN = "", "Unknown"
        SMALL = "1-49", "1–49 employees"
        MEDIUM = "50-249", "50–249 employees"
        LARGE = "250-999", "250–999 employees"
        ENTERPRISE = "1000+", "1,000+ employees"

    # A partner holds the lead in these statuses: they count against its capacity.
    OPEN_STATUSES = (Status.OFFERED, Status.ACCEPTED, Status.CONTACTED, Status.QUALIFIED)
    WORKING_STATUSES = (Status.ACCEPTED, Status.CONTACTED, Status.QUALIFIED)

    vendor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="leads_as_vendor")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.VENDOR)
    # The partner holding it now (offered or working it); empty while it waits for routing.
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, null=True, blank=True, related_name="leads")
    partner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="leads_as_partner"
    )
    distributor = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="leads_as_distributor"
    )

    company = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    country = CountryField(help_text="ISO 3166-1 alpha-2 code.")
    region = models.CharField(max_length=80, blank=True, help_text="State or region.")
    postcode = models.CharField(max_length=20, blank=True)
    products = models.ManyToManyField(Product, blank=True, related_name="+", help_text="Products of interest.")
    size = models.CharField(max_length=8, choices=Size.choices, blank=True, default=Size.UNKNOWN)
    notes = models.TextField(blank=True, help_text="The vendor's notes, shown to the partner it goes to.")

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNASSIGNED)
    status_reason = models.TextField(blank=True, help_text="Why it was disqualified.")
    accept_by = models.DateTimeField(null=True, blank=True)
    routing_reason = models.TextField(blank=True, help_text="Why the current partner got it.")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The deal registration it became (deals app); the link stays when the lead is closed.
    deal = models.OneToOneField(
        "deals.DealRegistration", on_delete=models.SET_NULL, null=True, blank=True, related_name="lead"
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="unassigned") | Q(partnership__isnull=False), name="lead_held_has_partnership"
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(accept_by__isnull=False), name="lead_offered_has_deadline"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "-created_at", "-id"], name="lead_partner_recent_idx"),
            models.Index(fields=["vendor", "-created_at", "-id"], name="lead_vendor_recent_idx"),
            models.Index(fields=["distributor", "-created_at", "-id"], name="lead_distributor_recent_idx"),
            models.Index(fields=["partnership", "status"], name="lead_partnership_status_idx"),
            # The beat job: offers past (or near) their deadline.
            models.Index(fields=["accept_by"], name="lead_offered_deadline_idx", condition=Q(status="offered")),
        ]

    def __str__(self):
        return f"{self.reference} {self.company}"

    @property
    def reference(self) -> str:
        return f"LD-{self.pk:06d}" if self.pk else "LD-new"


class LeadOffer(models.Model):
    """One offer of a lead to a partner, and how it ended."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        MISSED = "missed", "Deadline missed"
        RECALLED = "recalled", "Recalled by the vendor"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="offers")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="lead_offers")
    partner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    vendor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    offered_at = models.DateTimeField(default=timezone.now)
    accept_by = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="The partner's reason for rejecting it.")
    explanation = models.TextField(blank=True, help_text="Why routing chose this partner.")
    by_rules = models.BooleanField(default=True, help_text="Chosen by the routing rules (not by hand).")

    class Meta:
        ordering = ["offered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lead"], condition=Q(outcome="pending"), name="lead_offer_one_pending"),
        ]
        indexes = [
            models.Index(fields=["partnership", "outcome"], name="lead_offer_partnership_idx"),
            models.Index(fields=["vendor", "offered_at"], name="lead_offer_vendor_idx"),
        ]

    def __str__(self):
        return f"{self.lead_id} → {self.partner_id} ({self.outcome})"


class LeadEvent(HistoryEntry):
    """The lead's history: routing, answers, status changes, recalls."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        MISSED = "missed", "Deadline missed"
        RECALLED = "recalled", "Recalled"
        UNROUTED = "unrouted", "No partner matched"
        STATUS_CHANGED = "status_changed", "Status changed"
        ASSIGNED = "assigned", "Assigned to a rep"
        CONVERTED = "converted", "Converted to a deal"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = kind_field(Kind)
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    partner = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Offered to."
    )

    # A status change's and a conversion's values are statuses; an assignment's are people's names.
    VALUE_LABELS = {
        Kind.STATUS_CHANGED: dict(Lead.Status.choices),
        Kind.CONVERTED: dict(Lead.Status.choices),
    }

    class Meta(HistoryEntry.Meta):
        indexes = [history_index("lead", name="lead_event_history_idx")]

    def __str__(self):
        return f"{self.kind_label} {self.lead_id}"


class LeadImport(models.Model):
    """A file of leads a vendor uploaded (CSV or XLSX): checked row by row, imported only once someone confirms.

    Staging stores the report (the valid rows, each bad row's problems) and creates no lead. Confirming creates
    the valid rows' leads in one transaction, all of them or none, and marks the import imported; an import is
    imported at most once. Row numbers are the spreadsheet's: the header is row 1, the first lead row 2."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        IMPORTED = "imported", "Imported"
        DISCARDED = "discarded", "Discarded"

    vendor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="lead_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    columns = models.JSONField(
        default=dict,
        blank=True,
        help_text='Each lead field read, and the file\'s column it came from: {"company": "Account"}.',
    )
    ignored_columns = models.JSONField(default=list, blank=True, help_text="The file's columns that were not read.")
    rows = models.JSONField(
        default=list,
        blank=True,
        help_text='The valid rows, lead fields by name, each with its spreadsheet row number: [{"row": 2, …}].',
    )
    errors = models.JSONField(
        default=list,
        blank=True,
        help_text='The problems of the bad rows: [{"row": 3, "field": "country", "column": "Country", "message": …}].',
    )
    more_errors = models.PositiveIntegerField(default=0, help_text="Problems past the ones listed in errors.")
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    invalid_rows = models.PositiveIntegerField(default=0)

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who confirmed or discarded it.",
    )
    imported_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)
    imported_count = models.PositiveIntegerField(default=0)
    lead_ids = models.JSONField(default=list, blank=True, help_text="The leads the import created.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_rows=models.F("valid_rows") + models.F("invalid_rows")),
                name="lead_import_rows_add_up",
            ),
            models.CheckConstraint(
                condition=~Q(status="imported") | Q(imported_at__isnull=False), name="lead_import_imported_has_date"
            ),
        ]
        indexes = [models.Index(fields=["vendor", "-created_at"], name="lead_import_vendor_recent_idx")]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"


class LeadNote(models.Model):
    """A partner's own note on a lead it works: its people see it, the vendor and other partners never do."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="partner_notes")
    partner = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["lead", "partner", "created_at"], name="lead_note_partner_idx")]

    def __str__(self):
        return f"Note on {self.lead_id} by {self.partner_id}"


class LeadTally(models.Model):
    """How many leads a vendor's and a distributor's people see in each status: what their unfiltered lists count
    (docs/adr/0006, as for deals). For the leads a vendor sent (``own`` false): the vendor, and the distributor of
    the partnership holding each now. For its partners' own leads (``own``): the vendor, once registered (a
    submitted deal).

    Kept by ``leads.services`` in the transaction of every change of a lead's status or holder (routing a batch
    moves it in a fixed number of statements) and when a partner's own lead's deal is submitted: a tally
    (``leads/tallies.py``) moved as every kept count is (``core.tallies``). ``manage.py recount_tallies``
    rebuilds it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    own = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Lead.Status.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "own", "status"], name="leadtally_unique")]

    def __str__(self):
        return f"{self.organization_id} {self.status}: {self.count}"
