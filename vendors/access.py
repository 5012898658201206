"""The one access helper: who may see which containers.

Every selector in every app builds on these functions. The shape follows docs/adr/0001: read the
person's group ids once (cached on the user object, which lives for one request), pass them as literal
values and filter through guardian's direct-FK *group* permission tables. Never OR the user-grant table
into a list query, and never use ``get_objects_for_user`` as the filter of a big list.
"""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.db.models.signals import post_migrate
from django.http import Http404

from vendors.models import (
    Distribution,
    Organization,
    OrganizationGroupObjectPermission,
    Partnership,
    PartnershipGroupObjectPermission,
)

VIEW_ORGANIZATION = "view_organization"
VIEW_RECORDS = "view_records"
ACCESS_PROGRAM = "access_program"
MANAGE_PARTNERSHIP = "manage_partnership"

_permission_ids: dict[tuple[str, str], int] = {}


def permission_id(model, codename: str) -> int:
    """The id of one permission of ``model``, read once per process (reset after a migrate or flush)."""
    key = (model._meta.label_lower, codename)
    if key not in _permission_ids:
        _permission_ids[key] = Permission.objects.get(
            content_type__app_label=model._meta.app_label,
            content_type__model=model._meta.model_name,
            codename=codename,
        ).pk
    return _permission_ids[key]


def _forget_permission_ids(**kwargs):
    _permission_ids.clear()


post_migrate.connect(_forget_permission_ids, dispatch_uid="vendors.access.forget_permission_ids")


def group_ids(user) -> tuple[int, ...]:
    """The ids of the person's groups, one query per request (the user object is per request).

    Not the groups of organizations the platform suspended: their people cannot use them (through the pages
    or the API), so nothing that is visible through such a group is visible to them.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return ()
    cached = getattr(user, "_onepane_group_ids", None)
    if cached is None:
        cached = tuple(
            user.groups.filter(
                Q(organization__isnull=True) | Q(organization__status=Organization.Status.ACTIVE)
            ).values_list("id", flat=True)
        )
        user._onepane_group_ids = cached
    return cached


def forget(user) -> None:
    """Drop what was cached on the user object (after their memberships change within one request)."""
    for attr in (
        "_onepane_group_ids",
        "_onepane_org_ids",
        "_onepane_org_kinds",
        "_onepane_program_vendor_ids",
        "_onepane_counterpart_ids",
    ):
        if hasattr(user, attr):
            delattr(user, attr)


def partnership_ids(user, codename: str = VIEW_RECORDS) -> QuerySet:
    """A subquery of the ids of partnerships on which the person's groups hold ``codename``."""
    return PartnershipGroupObjectPermission.objects.filter(
        group_id__in=list(group_ids(user)), permission_id=permission_id(Partnership, codename)
    ).values("content_object_id")


def partnerships_for(user, codename: str = VIEW_RECORDS) -> QuerySet:
    return Partnership.objects.filter(id__in=partnership_ids(user, codename))


def organization_ids(user) -> tuple[int, ...]:
    """The organizations the person is a member of (through the group grant on the organization row)."""
    cached = getattr(user, "_onepane_org_ids", None)
    if cached is None:
        gids = group_ids(user)
        cached = ()
        if gids:
            cached = tuple(
                OrganizationGroupObjectPermission.objects.filter(
                    group_id__in=list(gids), permission_id=permission_id(Organization, VIEW_ORGANIZATION)
                )
                .order_by("content_object_id")
                .values_list("content_object_id", flat=True)
            )
        user._onepane_org_ids = cached
    return cached


def counterpart_ids(user) -> tuple[int, ...]:
    """The organizations on either side of the partnerships the person may see the records of: vendors,
    partners and distributors. One query per request (cached on the user), over the person's grants.

    Read once as literal ids, so that a list of organizations filters on them instead of joining the grants
    to the partnerships once per side in the page and again in its count (bench/).
    """
    cached = getattr(user, "_onepane_counterpart_ids", None)
    if cached is None:
        ids = set()
        if group_ids(user):
            edges = partnerships_for(user, VIEW_RECORDS).order_by()
            for row in edges.values_list("vendor_id", "partner_id", "distributor_id"):
                ids.update(row)
        ids.discard(None)
        cached = tuple(sorted(ids))
        user._onepane_counterpart_ids = cached
    return cached


def organization_kinds(user) -> dict[int, str]:
    """``{organization id: kind}`` of the person's organizations, one query per request (cached on the user)."""
    cached = getattr(user, "_onepane_org_kinds", None)
    if cached is None:
        own = organization_ids(user)
        cached = dict(Organization.objects.filter(id__in=own).values_list("id", "kind")) if own else {}
        user._onepane_org_kinds = cached
    return cached


def program_vendor_ids(user) -> tuple[int, ...]:
    """Vendors whose shared program rows (catalog, content, campaigns) the person may see.

    A vendor's own people see their vendor; a partner or distributor sees the vendors of partnerships it
    holds program access on; a distributor also sees the vendors it has an active distribution with.
    """
    cached = getattr(user, "_onepane_program_vendor_ids", None)
    if cached is None:
        kinds = organization_kinds(user)
        ids = {org_id for org_id, kind in kinds.items() if kind == Organization.Kind.VENDOR}
        # Program access is granted to partners' and distributors' groups only (vendors.services): for a person
        # who works for vendors only there is nothing more to find, and the lookup would scan the grants on all
        # of a large vendor's partnerships on every console page (bench/).
        if any(kind != Organization.Kind.VENDOR for kind in kinds.values()):
            if group_ids(user):
                ids.update(partnerships_for(user, ACCESS_PROGRAM).values_list("vendor_id", flat=True))
            ids.update(
                Distribution.objects.filter(distributor_id__in=list(kinds), active=True).values_list(
                    "vendor_id", flat=True
                )
            )
        cached = tuple(sorted(ids))
        user._onepane_program_vendor_ids = cached
    return cached


def has_partnership_perm(user, partnership: Partnership, codename: str) -> bool:
    gids = group_ids(user)
    if not gids:
        return False
    return PartnershipGroupObjectPermission.objects.filter(
        group_id__in=list(gids),
        permission_id=permission_id(Partnership, codename),
        content_object_id=partnership.pk,
    ).exists()


class ReadOnlyPartnership(PermissionDenied):
    """A partner's write on its records with a vendor whose partnership is not active (suspended, ended).

    The records stay visible to both sides (``view_records``); only the partner's writes are refused. The message
    says why, for the page's banner and the API's 403."""


def read_only_reason(partnership: Partnership, what: str = "record", *, vendor: Organization | None = None):
    """Why the partner may only read its ``what`` (a registration, a lead) of ``partnership``: None while it is active.

    ``vendor`` is the partnership's vendor when the caller has it loaded already (no query then)."""
    status = partnership.status
    if status == Partnership.Status.ACTIVE:
        return None
    name = (vendor or partnership.vendor).name
    if status == Partnership.Status.SUSPENDED:
        return f"{name} has suspended your partnership: this {what} is read-only."
    if status == Partnership.Status.ENDED:
        return f"{name} has ended your partnership: this {what} is read-only."
    return f"Your partnership with {name} is not active: this {what} is read-only."


def require_program_access(
    user, partnership: Partnership, what: str = "record", *, vendor: Organization | None = None
) -> None:
    """The one check of every partner-side write on a partnership's records (a registration, a lead, their
    threads and files): the partnership is active and the person's groups hold its program access, which
    suspending or ending it revokes (docs/adr/0001). Raises ``ReadOnlyPartnership`` saying why."""
    reason = read_only_reason(partnership, what, vendor=vendor)
    if reason is None and not has_partnership_perm(user, partnership, ACCESS_PROGRAM):
        name = (vendor or partnership.vendor).name
        reason = f"Your partnership with {name} is not active: this {what} is read-only."
    if reason is not None:
        raise ReadOnlyPartnership(reason)


def has_organization_perm(user, organization: Organization, codename: str) -> bool:
    gids = group_ids(user)
    if not gids:
        return False
    return OrganizationGroupObjectPermission.objects.filter(
        group_id__in=list(gids),
        permission_id=permission_id(Organization, codename),
        content_object_id=organization.pk,
    ).exists()


def get_or_404(queryset: QuerySet, **lookup):
    """A detail lookup through a selector: a row you may not see is the same 404 as a row that is not there."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("No such page.") from None
