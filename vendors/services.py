"""Every write to the channel graph. Plain functions: the acting person first, keyword-only arguments.

Each runs in one transaction, checks that the actor may do it (whoever calls: view, API, admin, task),
and makes or removes the guardian grants that go with the change in that same transaction.
Bad input raises ``ValidationError`` (with field names where one field is at fault); an actor who may
not do a thing gets ``PermissionDenied``.
"""

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from guardian.shortcuts import assign_perm

from core import addresses, numbers, places
from core.events import publish
from vendors import access
from vendors.events import (
    InvitationRevoked,
    InvitationSent,
    PartnershipApplied,
    PartnershipApproved,
    PartnershipDeclined,
    PartnershipEnded,
    PartnershipReactivated,
    PartnershipSuspended,
    PartnershipTierChanged,
)
from vendors.models import (
    ANNUAL_REVENUE_CHOICES,
    Distribution,
    Invitation,
    Membership,
    Organization,
    Partnership,
    PartnershipEvent,
    PartnershipGroupObjectPermission,
    Product,
    Tier,
)
from vendors.money import PRICE_ERRORS

Role = Membership.Role
Status = Partnership.Status
Kind = Organization.Kind

MANAGER_ROLES = Membership.MANAGER_ROLES


# --- who may act ---------------------------------------------------------------------------------------


def role_in(user, organization: Organization) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(organization=organization, user=user).values_list("role", flat=True).first()


def require_role(user, organization: Organization, roles=(Role.ADMIN,)) -> None:
    """Refuse unless ``user`` holds one of ``roles`` in ``organization`` (platform admins may act for anyone)."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return
    if role_in(user, organization) not in roles:
        raise PermissionDenied("You do not have the role this needs in this organization.")


def _require_vendor_manager(user, partnership: Partnership) -> None:
    if user is not None and user.is_authenticated and user.is_superuser:
        return
    if not access.has_partnership_perm(user, partnership, access.MANAGE_PARTNERSHIP):
        raise PermissionDenied("This partnership is not yours to manage.")
    require_role(user, partnership.vendor, MANAGER_ROLES)


def _lock(partnership: Partnership) -> Partnership:
    return (
        Partnership.objects.select_for_update(of=("self",))
        .select_related("vendor", "partner", "distributor")
        .get(pk=partnership.pk)
    )


# --- organizations and people ---------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(*, name: str, kind: str, slug: str = "", **fields) -> Organization:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "An organization needs a name."})
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose vendor, distributor or partner."})
    slug = slug or _unique_slug(name)
    group = Group.objects.create(name=f"org:{slug}")
    org = Organization.objects.create(name=name, kind=kind, slug=slug, group=group, **fields)
    assign_perm(access.VIEW_ORGANIZATION, group, org)
    return org


@transaction.atomic
def organization_set_status(*, actor, organization: Organization, status: str) -> Organization:
    """Platform admins suspend or reactivate a tenant. A suspended tenant's people cannot log in to it."""
    if not (actor and actor.is_superuser):
        raise PermissionDenied("Only platform admins suspend tenants.")
    if status not in Organization.Status.values:
        raise ValidationError({"status": "Unknown status."})
    organization.status = status
    organization.save(update_fields=["status"])
    return organization


@transaction.atomic
def membership_add(*, organization: Organization, user, role: str = Role.MEMBER) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": "Choose admin, manager or member."})
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    user.groups.add(organization.group)
    access.forget(user)
    return membership


def _lock_people_of(organization_id: int) -> None:
    """Serialize changes to one organization's people, so two admins cannot demote or remove each other at once
    (each would otherwise see the other still admin and leave none)."""
    Organization.objects.select_for_update().only("pk").get(pk=organization_id)


def _other_admins(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organization_id=membership.organization_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_change_role(*, actor, membership: Membership, role: str) -> Membership:
    _lock_people_of(membership.organization_id)
    require_role(actor, membership.organization)
    if role not in Role.values:
        raise ValidationError({"role": "Choose admin, manager or member."})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.ADMIN and role != Role.ADMIN and not _other_admins(membership):
        raise ValidationError({"role": "An organization keeps at least one admin. Make someone else admin first."})
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    _lock_people_of(membership.organization_id)
    require_role(actor, membership.organization)
    membership = Membership.objects.select_for_update().select_related("organization", "user").get(pk=membership.pk)
    if membership.role == Role.ADMIN and not _other_admins(membership):
        raise ValidationError("An organization keeps at least one admin. Make someone else admin first.")
    membership.user.groups.remove(membership.organization.group)
    membership.delete()
    access.forget(membership.user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, actor, organization: Organization, email: str, role: str = Role.MEMBER
) -> tuple[Invitation, str]:
    """Invite a colleague by email. Returns the invitation and the raw token for the link (emailed, not stored)."""
    require_role(actor, organization)
    email = get_user_model().objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    if len(email) > 150:
        raise ValidationError({"email": "That email address is too long (150 characters at most)."})
    if role not in Role.values:
        raise ValidationError({"role": "Choose admin, manager or member."})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already in your organization."})
    # A new invitation replaces an open one to the same address.
    replaced = Invitation.objects.filter(
        organization=organization, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    replaced_ids = tuple(replaced.values_list("pk", flat=True))
    replaced.update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organization=organization,
                email=email,
                role=role,
                token_hash=_token_hash(token),
                invited_by=actor,
                expires_at=timezone.now() + timedelta(days=settings.ONEPANE_INVITATION_DAYS),
            )
    except IntegrityError:
        # Someone invited the same address at the same moment; theirs stands.
        raise ValidationError({"email": "An invitation to this address was just sent."}) from None
    # Its email (with the link) and the admins' notice: vendors/subscribers.py, through the outbox.
    publish(InvitationSent(invitation=invitation, actor=actor, token=token, replaced=replaced_ids))
    return invitation, token


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation) -> None:
    require_role(actor, invitation.organization)
    if Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(revoked_at=timezone.now()):
        publish(InvitationRevoked(invitation=invitation, actor=actor))


def invitation_for_token(token: str) -> Invitation:
    """The open invitation behind a link, or a ValidationError that says why it cannot be used."""
    invitation = Invitation.objects.select_related("organization").filter(token_hash=_token_hash(token or "")).first()
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError("This invitation link is not valid. Ask your admin to send a new one.", code="invalid")
    if invitation.accepted_at is not None:
        raise ValidationError(
            "This invitation has already been used. Log in with your email and password.", code="used"
        )
    if invitation.is_expired:
        raise ValidationError("This invitation has expired. Ask your admin to send a new one.", code="expired")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, user=None, password: str = "", first_name: str = "", last_name: str = ""
) -> Membership:
    """Join the organization: a logged-in person with the invited email, or a new account for that email."""
    invitation = invitation_for_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used.", code="used")
    if invitation.revoked_at is not None:  # revoked after the check above, before the lock
        raise ValidationError("This invitation link is not valid. Ask your admin to send a new one.", code="invalid")
    User = get_user_model()
    if user is not None and user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            raise ValidationError(
                f"This invitation is for {invitation.email}. Log out and open the link again to accept it."
            )
        if not addresses.is_proven(user, invitation.email):
            # An address the account holds without having confirmed it proves nothing.
            raise ValidationError(
                f"Your account has not confirmed {invitation.email} yet. Confirm it from your account's email "
                "page, then open the link again."
            )
        if Membership.objects.filter(organization_id=invitation.organization_id, user=user).exists():
            # Joined since the invitation was sent: accepting must not change their role (maybe the last admin).
            raise ValidationError(f"You are already in {invitation.organization.name}.", code="member")
    else:
        # An account that has the address (proven, or as its own address) must log in to accept. An address
        # that only sits unconfirmed on some account does not stop the invited person (nor reach that account).
        if (
            addresses.accounts_proving(invitation.email).exists()
            or User.objects.filter(Q(email__iexact=invitation.email) | Q(username__iexact=invitation.email)).exists()
        ):
            raise ValidationError(f"An account for {invitation.email} exists. Log in first, then open the link again.")
        if not first_name.strip():
            raise ValidationError({"first_name": "Tell your colleagues your name."})
        user = User(
            username=invitation.email,
            email=invitation.email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
        user.save()
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    # The invitation proved the address: other accounts' unconfirmed copies of it go.
    addresses.claims_release(owner=user, email=invitation.email)
    membership = membership_add(organization=invitation.organization, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


# --- the vendor's program: settings, tiers, catalog -------------------------------------------------------


def _require_vendor(organization: Organization) -> None:
    if organization.kind != Kind.VENDOR:
        raise ValidationError("Only vendors run partner programs.")


@transaction.atomic
def program_update(*, actor, vendor: Organization, accepts_applications: bool, program_criteria: str) -> Organization:
    _require_vendor(vendor)
    require_role(actor, vendor, MANAGER_ROLES)
    vendor.accepts_applications = bool(accepts_applications)
    vendor.program_criteria = (program_criteria or "").strip()
    vendor.save(update_fields=["accepts_applications", "program_criteria"])
    return vendor


def _percent(value, field: str) -> Decimal:
    try:
        value = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: "Enter a number."}) from None
    return numbers.PERCENT.clean(value, field, message="Enter a percentage between 0 and 100.")


def _money(value, field: str) -> Decimal:
    try:
        value = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: PRICE_ERRORS["invalid"]}) from None
    if not value.is_finite():
        raise ValidationError({field: PRICE_ERRORS["invalid"]})
    if value < numbers.PRICE.minimum:
        raise ValidationError({field: PRICE_ERRORS["min_value"]})
    if value > numbers.PRICE.maximum:
        raise ValidationError({field: PRICE_ERRORS["max_value"]})
    return numbers.PRICE.clean(value, field)


TIER_FIELDS = ("name", "rank", "discount_percent", "mdf_eligible", "deal_protection_days", "requirements")


def _clean_tier(tier: Tier) -> None:
    tier.name = (tier.name or "").strip()
    tier.discount_percent = _percent(tier.discount_percent, "discount_percent")
    try:
        tier.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError:
        raise
    if Tier.objects.filter(vendor_id=tier.vendor_id, name__iexact=tier.name).exclude(pk=tier.pk).exists():
        raise ValidationError({"name": "You already have a tier with this name."})


@transaction.atomic
def tier_create(*, actor, vendor: Organization, **fields) -> Tier:
    _require_vendor(vendor)
    require_role(actor, vendor, MANAGER_ROLES)
    tier = Tier(vendor=vendor, **{k: v for k, v in fields.items() if k in TIER_FIELDS})
    _clean_tier(tier)
    tier.save()
    return tier


@transaction.atomic
def tier_update(*, actor, tier: Tier, **fields) -> Tier:
    require_role(actor, tier.vendor, MANAGER_ROLES)
    for key, value in fields.items():
        if key in TIER_FIELDS:
            setattr(tier, key, value)
    _clean_tier(tier)
    tier.save()
    return tier


@transaction.atomic
def tier_delete(*, actor, tier: Tier) -> None:
    require_role(actor, tier.vendor, MANAGER_ROLES)
    if tier.partnerships.exists():
        raise ValidationError("Partners are in this tier. Move them to another tier first.")
    tier.delete()


PRODUCT_FIELDS = ("sku", "name", "description", "category", "list_price", "currency", "active")


def _clean_product(product: Product) -> None:
    product.sku = (product.sku or "").strip()
    product.name = (product.name or "").strip()
    product.list_price = _money(product.list_price, "list_price")
    product.full_clean(validate_unique=False, validate_constraints=False)
    if Product.objects.filter(vendor_id=product.vendor_id, sku__iexact=product.sku).exclude(pk=product.pk).exists():
        raise ValidationError({"sku": "Another product in your catalog has this SKU."})


@transaction.atomic
def product_create(*, actor, vendor: Organization, **fields) -> Product:
    _require_vendor(vendor)
    require_role(actor, vendor, MANAGER_ROLES)
    product = Product(vendor=vendor, **{k: v for k, v in fields.items() if k in PRODUCT_FIELDS})
    _clean_product(product)
    product.save()
    return product


@transaction.atomic
def product_update(*, actor, product: Product, **fields) -> Product:
    require_role(actor, product.vendor, MANAGER_ROLES)
    for key, value in fields.items():
        if key in PRODUCT_FIELDS:
            setattr(product, key, value)
    _clean_product(product)
    product.save()
    return product


@transaction.atomic
def distribution_create(*, actor, vendor: Organization, distributor: Organization, uplift_percent) -> Distribution:
    """A vendor starts selling through a distributor (vendor admins and platform admins)."""
    _require_vendor(vendor)
    require_role(actor, vendor)
    if distributor.kind != Kind.DISTRIBUTOR:
        raise ValidationError({"distributor": "Choose a distributor."})
    distribution, _ = Distribution.objects.update_or_create(
        vendor=vendor,
        distributor=distributor,
        defaults={"uplift_percent": _percent(uplift_percent, "uplift_percent"), "active": True},
    )
    return distribution


# --- partnerships -----------------------------------------------------------------------------------------


def _grant(perms, groups, partnership):
    """Grant ``perms`` on ``partnership`` to ``groups``: one INSERT into guardian's direct-FK table (what
    ``assign_perm`` writes, without its lookup and get-or-create per pair); an existing grant stays as it is."""
    PartnershipGroupObjectPermission.objects.bulk_create(
        [
            PartnershipGroupObjectPermission(
                group=group, permission_id=access.permission_id(Partnership, perm), content_object=partnership
            )
            for group in groups
            for perm in perms
        ],
        ignore_conflicts=True,
    )


def _revoke(perms, groups, partnership):
    PartnershipGroupObjectPermission.objects.filter(
        content_object=partnership,
        group__in=groups,
        permission_id__in=[access.permission_id(Partnership, perm) for perm in perms],
    ).delete()


def _partner_side_groups(partnership: Partnership) -> list[Group]:
    groups = [partnership.partner.group]
    if partnership.distributor_id:
        groups.append(partnership.distributor.group)
    return groups


def _event(partnership, kind, actor, detail=""):
    PartnershipEvent.objects.create(
        partnership=partnership, kind=kind, actor=actor if actor and actor.is_authenticated else None, detail=detail
    )


def _check_distributor(vendor: Organization, distributor: Organization | None) -> None:
    if distributor is None:
        return
    if not Distribution.objects.filter(vendor=vendor, distributor=distributor, active=True).exists():
        raise ValidationError({"distributor": f"{vendor.name} does not sell through {distributor.name}."})


@transaction.atomic
def partnership_apply(
    *,
    actor,
    partner: Organization,
    vendor: Organization,
    message: str = "",
    region: str = "",
    annual_revenue: str = "",
    distributor: Organization | None = None,
) -> Partnership:
    """A partner's admin applies to a vendor's program from the directory.

    ``annual_revenue`` is one of the bands of ``ANNUAL_REVENUE_CHOICES`` (its key; empty: not said); the
    application keeps its label, as the vendor reads it."""
    require_role(actor, partner)
    if partner.kind != Kind.PARTNER:
        raise ValidationError("Only partner organizations apply to vendor programs.")
    if vendor.kind != Kind.VENDOR or vendor.status != Organization.Status.ACTIVE or not vendor.accepts_applications:
        raise ValidationError("This vendor is not accepting partner applications.")
    if not (message or "").strip():
        raise ValidationError({"message": "Tell the vendor why you want to partner with them."})
    revenue_bands = dict(ANNUAL_REVENUE_CHOICES)
    annual_revenue = annual_revenue or ""
    if not isinstance(annual_revenue, str) or annual_revenue not in revenue_bands:
        raise ValidationError({"annual_revenue": "Choose one of the revenue bands."})
    _check_distributor(vendor, distributor)
    existing = (
        Partnership.objects.filter(vendor=vendor, partner=partner, status__in=Partnership.OPEN_STATUSES)
        .values_list("status", flat=True)
        .first()
    )
    if existing == Status.APPLIED:
        raise ValidationError("You have already applied to this vendor; the application is waiting for review.")
    if existing:
        raise ValidationError("You already have a partnership with this vendor.")
    try:
        with transaction.atomic():
            partnership = Partnership.objects.create(
                vendor=vendor,
                partner=partner,
                distributor=distributor,
                status=Status.APPLIED,
                application_message=message.strip(),
                application_region=(region or "").strip(),
                application_annual_revenue=revenue_bands[annual_revenue] if annual_revenue else "",
            )
    except IntegrityError:
        raise ValidationError("You have already applied to this vendor.") from None
    _grant([access.VIEW_RECORDS, access.MANAGE_PARTNERSHIP], [vendor.group], partnership)
    _grant([access.VIEW_RECORDS], _partner_side_groups(partnership), partnership)
    _event(partnership, PartnershipEvent.Kind.APPLIED, actor)
    publish(PartnershipApplied(partnership=partnership, actor=actor))
    return partnership


def _tier_of(vendor: Organization, tier: Tier | None) -> Tier:
    if tier is None:
        raise ValidationError({"tier": "Choose a tier."})
    if tier.vendor_id != vendor.pk:
        raise ValidationError({"tier": "Choose one of your own tiers."})
    return tier


@transaction.atomic
def partnership_approve(
    *, actor, partnership: Partnership, tier: Tier, distributor: Organization | None = None
) -> Partnership:
    _require_vendor_manager(actor, partnership)
    partnership = _lock(partnership)
    if partnership.status != Status.APPLIED:
        raise ValidationError("Only a pending application can be approved.")
    tier = _tier_of(partnership.vendor, tier)
    if distributor is not None and distributor.pk != partnership.distributor_id:
        _check_distributor(partnership.vendor, distributor)
        if partnership.distributor_id:
            _revoke([access.VIEW_RECORDS], [partnership.distributor.group], partnership)
        partnership.distributor = distributor
        _grant([access.VIEW_RECORDS], [distributor.group], partnership)
    partnership.tier = tier
    partnership.status = Status.ACTIVE
    partnership.started_at = timezone.now()
    partnership.save()
    _grant([access.ACCESS_PROGRAM], _partner_side_groups(partnership), partnership)
    _event(partnership, PartnershipEvent.Kind.APPROVED, actor, f"Approved into {tier.name}.")
    publish(PartnershipApproved(partnership=partnership, actor=actor))
    return partnership


@transaction.atomic
def partnership_decline(*, actor, partnership: Partnership, reason: str) -> Partnership:
    _require_vendor_manager(actor, partnership)
    partnership = _lock(partnership)
    if partnership.status != Status.APPLIED:
        raise ValidationError("Only a pending application can be declined.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Tell the partner why; they will see this reason."})
    partnership.status = Status.DECLINED
    partnership.decline_reason = reason
    partnership.declined_at = timezone.now()
    partnership.save()
    _event(partnership, PartnershipEvent.Kind.DECLINED, actor, reason)
    publish(PartnershipDeclined(partnership=partnership, actor=actor, reason=reason))
    return partnership


@transaction.atomic
def partnership_change_tier(*, actor, partnership: Partnership, tier: Tier) -> Partnership:
    _require_vendor_manager(actor, partnership)
    partnership = _lock(partnership)
    if partnership.status not in (Status.ACTIVE, Status.SUSPENDED):
        raise ValidationError("Only a current partnership has a tier to change.")
    tier = _tier_of(partnership.vendor, tier)
    if tier.pk == partnership.tier_id:
        raise ValidationError({"tier": "The partner is already in this tier."})
    old = partnership.tier.name if partnership.tier_id else "no tier"
    partnership.tier = tier
    partnership.save()
    _event(partnership, PartnershipEvent.Kind.TIER_CHANGED, actor, f"{old} → {tier.name}")
    publish(PartnershipTierChanged(partnership=partnership, actor=actor, old_tier=old))
    return partnership


@transaction.atomic
def partnership_suspend(*, actor, partnership: Partnership, reason: str = "") -> Partnership:
    """Suspend: the partner (and its distributor) lose program access at once; records stay visible."""
    _require_vendor_manager(actor, partnership)
    partnership = _lock(partnership)
    if partnership.status != Status.ACTIVE:
        raise ValidationError("Only an active partnership can be suspended.")
    partnership.status = Status.SUSPENDED
    partnership.suspended_at = timezone.now()
    partnership.status_reason = (reason or "").strip()
    partnership.save()
    _revoke([access.ACCESS_PROGRAM], _partner_side_groups(partnership), partnership)
    _event(partnership, PartnershipEvent.Kind.SUSPENDED, actor, partnership.status_reason)
    publish(PartnershipSuspended(partnership=partnership, actor=actor, reason=partnership.status_reason))
    return partnership


@transaction.atomic
def partnership_reactivate(*, actor, partnership: Partnership) -> Partnership:
    _require_vendor_manager(actor, partnership)
    partnership = _lock(partnership)
    if partnership.status != Status.SUSPENDED:
        raise ValidationError("Only a suspended partnership can be reactivated.")
    partnership.status = Status.ACTIVE
    partnership.suspended_at = None
    partnership.status_reason = ""
    partnership.save()
    _grant([access.ACCESS_PROGRAM], _partner_side_groups(partnership), partnership)
    _event(partnership, PartnershipEvent.Kind.REACTIVATED, actor)
    publish(PartnershipReactivated(partnership=partnership, actor=actor))
    return partnership


@transaction.atomic
def partnership_end(*, actor, partnership: Partnership, reason: str = "") -> Partnership:
    """End: program access goes at once; what both sides built stays visible to each (view_records)."""
    _require_vendor_manager(actor, partnership)
    partnership = _lock(partnership)
    if partnership.status not in (Status.ACTIVE, Status.SUSPENDED):
        raise ValidationError("Only a current partnership can be ended.")
    partnership.status = Status.ENDED
    partnership.ended_at = timezone.now()
    partnership.status_reason = (reason or "").strip()
    partnership.save()
    _revoke([access.ACCESS_PROGRAM], _partner_side_groups(partnership), partnership)
    _event(partnership, PartnershipEvent.Kind.ENDED, actor, partnership.status_reason)
    publish(PartnershipEnded(partnership=partnership, actor=actor, reason=partnership.status_reason))
    return partnership


# --- platform admin ---------------------------------------------------------------------------------------

ORGANIZATION_FIELDS = ("name", "website", "country", "description", "logo", "accepts_applications", "program_criteria")


@transaction.atomic
def organization_update(*, actor, organization: Organization, **fields) -> Organization:
    """Edit a tenant's profile (platform admins and the organization's admins). Kind, slug and status stay."""
    require_role(actor, organization)
    for key, value in fields.items():
        if key in ORGANIZATION_FIELDS:
            setattr(organization, key, value)
    organization.name = (organization.name or "").strip()
    if not organization.name:
        raise ValidationError({"name": "An organization needs a name."})
    if "country" in fields:
        code = str(organization.country or "").strip().upper()
        if code and not places.is_country(code):
            raise ValidationError({"country": places.COUNTRY_ERROR})
        organization.country = code
    organization.full_clean(exclude=["group"], validate_unique=False, validate_constraints=False)
    organization.save(update_fields=[key for key in fields if key in ORGANIZATION_FIELDS])
    return organization
