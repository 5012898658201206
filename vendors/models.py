"""The channel graph: organizations, the people in them, and the partnerships between them.

Writes go through ``vendors.services``; reads through ``vendors.selectors``. Visibility is carried by
django-guardian grants on the two containers, ``Organization`` and ``Partnership``, through the
direct-foreign-key permission tables defined at the bottom of this module.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_countries.fields import CountryField
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core import numbers
from core.history import HistoryEntry, history_index, kind_field
from core.numbers import ReadableDecimalField
from vendors.money import CURRENCY_CHOICES

PERCENT_VALIDATORS = numbers.PERCENT.validators()

# What a partner says of its size when it applies: a band, never a free number.
ANNUAL_REVENUE_CHOICES = [
    ("", "Prefer not to say"),
    ("under-1m", "Under $1M"),
    ("1m-10m", "$1M – $10M"),
    ("10m-50m", "$10M – $50M"),
    ("50m-250m", "$50M – $250M"),
    ("over-250m", "Over $250M"),
]


class Organization(models.Model):
    class Kind(models.TextChoices):
        VENDOR = "vendor", "Vendor"
        DISTRIBUTOR = "distributor", "Distributor"
        PARTNER = "partner", "Partner"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    # The column of a tenant row (a partnership, a deal, a lead) that names the organization on each side of it.
    SIDE_FIELD = {Kind.PARTNER: "partner", Kind.VENDOR: "vendor", Kind.DISTRIBUTOR: "distributor"}

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    website = models.URLField(blank=True)
    country = CountryField(blank=True, help_text="ISO 3166-1 alpha-2 code.")
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to="logos/", blank=True)
    # One auth group per organization; its members are in it. Grants go to the group.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organization")
    # Vendors only: the partner program as the directory shows it.
    accepts_applications = models.BooleanField(default=False)
    program_criteria = models.TextField(
        blank=True, help_text="What the vendor expects of partners who apply (shown in the directory)."
    )
    # Everyone in the organization must use a second factor (TOTP or a security key) to work in it.
    require_mfa = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "status", "name"]),
            models.Index(fields=["name"]),
        ]

    def __str__(self):
        return self.name

    @property
    def is_vendor(self):
        return self.kind == self.Kind.VENDOR

    @property
    def is_partner(self):
        return self.kind == self.Kind.PARTNER

    @property
    def is_distributor(self):
        return self.kind == self.Kind.DISTRIBUTOR

    def side_filter(self) -> dict:
        """The filter of the rows on this organization's side: ``rows.filter(**organization.side_filter())`` keeps a
        partner's deals, a vendor's, or those of a distributor's resellers."""
        return {self.SIDE_FIELD[self.kind]: self}

    @property
    def initials(self):
        return "".join(word[0] for word in self.name.split()[:2]).upper()


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MANAGER = "manager", "Manager"
        MEMBER = "member", "Member"

    # Who decides for an organization (approves, sets rules, manages its channel): its admins and managers.
    # Members read.
    MANAGER_ROLES = (Role.ADMIN, Role.MANAGER)

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_person"),
        ]
        ordering = ["organization__name"]

    def __str__(self):
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def is_manager(self) -> bool:
        return self.role in self.MANAGER_ROLES


class Invitation(models.Model):
    """An emailed link that lets one person join one organization with one role, until it expires."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    # sha256 of the token in the emailed link; the link itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @property
    def is_expired(self):
        return timezone.now() >= self.expires_at

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class Distribution(models.Model):
    """A vendor sells through a distributor (two-tier); the distributor adds its uplift to the partner price."""

    vendor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="distributions")
    distributor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="distributed_vendors")
    uplift_percent = ReadableDecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT_VALIDATORS
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "distributor"], name="distribution_unique_pair"),
            models.CheckConstraint(
                condition=Q(uplift_percent__gte=0) & Q(uplift_percent__lte=100), name="distribution_uplift_range"
            ),
        ]

    def __str__(self):
        return f"{self.vendor} via {self.distributor}"


class Tier(models.Model):
    """A level of a vendor's partner program."""

    vendor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=80)
    rank = models.PositiveSmallIntegerField(
        default=0, validators=numbers.RANK.validators(), help_text="Higher ranks are better tiers."
    )
    discount_percent = ReadableDecimalField(
        max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS, help_text="Discount off list price, in %."
    )
    mdf_eligible = models.BooleanField(default=False)
    deal_protection_days = models.PositiveSmallIntegerField(default=90, validators=numbers.PROTECTION_DAYS.validators())
    requirements = models.TextField(blank=True)

    class Meta:
        ordering = ["vendor_id", "-rank", "name"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "name"], name="tier_unique_name_per_vendor"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100), name="tier_discount_range"
            ),
        ]

    def __str__(self):
        return self.name


class Product(models.Model):
    """An item of a vendor's catalog, with its list price."""

    vendor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(
        max_length=64, validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$", "Use letters, digits, . _ - /")]
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=80, blank=True)
    list_price = ReadableDecimalField(max_digits=14, decimal_places=4, validators=numbers.PRICE.validators())
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vendor_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "sku"], name="product_unique_sku_per_vendor"),
            models.CheckConstraint(condition=Q(list_price__gte=0), name="product_list_price_not_negative"),
        ]
        indexes = [models.Index(fields=["vendor", "active", "name"])]

    def __str__(self):
        return f"{self.sku} {self.name}"


class Partnership(models.Model):
    """The edge vendor → partner (optionally through a distributor). Almost every rule reads it."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        ENDED = "ended", "Ended"
        DECLINED = "declined", "Declined"

    OPEN_STATUSES = (Status.APPLIED, Status.ACTIVE, Status.SUSPENDED)

    vendor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="partnerships_as_vendor")
    partner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="partnerships_as_partner")
    distributor = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="partnerships_as_distributor"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="partnerships")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    # The application, as the partner wrote it, and the vendor's answer.
    application_message = models.TextField(blank=True)
    application_region = models.CharField(max_length=120, blank=True)
    application_annual_revenue = models.CharField(max_length=40, blank=True)
    decline_reason = models.TextField(blank=True)
    status_reason = models.TextField(blank=True)
    applied_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "partner"],
                condition=Q(status__in=["applied", "active", "suspended"]),
                name="partnership_one_open_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(tier__isnull=False), name="partnership_active_has_tier"
            ),
        ]
        indexes = [
            # With the id, counting a vendor's partners by status (and a distributor's resellers) reads the
            # index alone (bench/: 28 ms -> 4 ms for a vendor with 9,000 partners).
            models.Index(fields=["vendor", "status", "id"], name="partnership_vendor_status_idx"),
            models.Index(fields=["partner", "status"]),
            models.Index(fields=["distributor", "vendor", "id"], name="partnership_distributor_idx"),
            # The API's newest-first list: a large vendor's first page walks this instead of sorting every one of
            # its partnerships (bench/: 120 ms -> 18 ms at 9,000).
            models.Index(fields=["-updated_at", "-id"], name="partnership_recent_idx"),
        ]
        permissions = [
            ("view_records", "View the records built in this partnership"),
            ("access_program", "Use the vendor's program: shared content, new deals, leads and funds"),
            ("manage_partnership", "Approve, change tier, suspend or end the partnership"),
        ]

    def __str__(self):
        return f"{self.vendor_id} → {self.partner_id} ({self.status})"

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


class PartnershipEvent(HistoryEntry):
    """What happened to a partnership, for both sides' history and the partner's "what's new"."""

    class Kind(models.TextChoices):
        APPLIED = "applied", "Applied"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        TIER_CHANGED = "tier_changed", "Tier changed"
        SUSPENDED = "suspended", "Suspended"
        REACTIVATED = "reactivated", "Reactivated"
        ENDED = "ended", "Ended"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="events")
    kind = kind_field(Kind)

    class Meta(HistoryEntry.Meta):
        indexes = [history_index("partnership", name="partnership_event_history_idx")]


# --- django-guardian direct foreign key permission tables (grant to groups; user tables exist so that
# guardian's own checker and admin find a direct table for every container) -----------------------------


class OrganizationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


class PartnershipUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Partnership, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class PartnershipGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Partnership, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass
