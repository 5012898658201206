"""The platform admin: tenants, their people, and a read-mostly view of the channel graph.

Every write goes through ``vendors.services`` (so groups and guardian grants stay in step with the rows);
the forms check what the services would refuse, so a refusal is a form error, not a server error.
Change lists are built for 100,000+ organizations: no full counts, prefix/exact search that can use
indexes, related rows joined in the page query, and no per-row queries.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import ngettext

from vendors import services
from vendors.models import (
    Distribution,
    Invitation,
    Membership,
    Organization,
    Partnership,
    PartnershipEvent,
    Product,
    Tier,
)

Role = Membership.Role


class FastChangeList:
    """Settings every big change list here shares."""

    show_full_result_count = False
    list_per_page = 50
    list_max_show_all = 200


def _adopt(obj, saved):
    """Make the admin's unsaved instance the row a service saved (so the admin's redirect and log use it)."""
    obj.__dict__.update(saved.__dict__)


def _report(modeladmin, request, exc):
    modeladmin.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)


def _is_last_admin(membership: Membership) -> bool:
    return (
        membership.role == Role.ADMIN
        and not Membership.objects.filter(organization_id=membership.organization_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


LAST_ADMIN = "An organization keeps at least one admin. Make someone else admin first."


# --- organizations and their people -------------------------------------------------------------------------


class OrganizationCreationForm(forms.ModelForm):
    """A new tenant, made by ``services.organization_create``: its group and its grant come with it."""

    class Meta:
        model = Organization
        fields = [
            "name",
            "kind",
            "slug",
            "country",
            "website",
            "description",
            "logo",
            "accepts_applications",
            "program_criteria",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Used in links. Leave empty to make one from the name."

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        data = dict(self.cleaned_data)
        if not data.get("logo"):
            data.pop("logo", None)
        name, kind, slug = data.pop("name"), data.pop("kind"), data.pop("slug", "") or ""
        self.instance = services.organization_create(name=name, kind=kind, slug=slug, **data)
        return self.instance


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        had_admin = any(form.instance.pk and form.initial.get("role") == Role.ADMIN for form in self.initial_forms)
        keeps_admin = any(
            form.cleaned_data.get("role") == Role.ADMIN and not self._should_delete_form(form)
            for form in self.initial_forms
        )
        if had_admin and not keeps_admin:
            raise ValidationError(LAST_ADMIN)


class MembershipInline(admin.TabularInline):
    """The people of an organization: change a role or remove someone (the user is shown, not editable)."""

    model = Membership
    formset = MembershipInlineFormSet
    fields = ("user", "role", "joined_at")
    readonly_fields = ("user", "joined_at")
    extra = 0
    verbose_name_plural = "people"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").order_by("user__email")

    def has_add_permission(self, request, obj=None):
        return False


class NewMembershipInline(admin.TabularInline):
    """Add people to an organization (by searching their account)."""

    model = Membership
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 1
    verbose_name = "new member"
    verbose_name_plural = "add people"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(FastChangeList, admin.ModelAdmin):
    list_display = ("name", "kind", "status", "country", "slug", "created_at")
    list_filter = ("kind", "status")
    # '^' (starts with) and '=' (exact) rather than "contains": prefix searches can use an index.
    search_fields = ("^name", "=slug")
    list_select_related = ()
    ordering = ("name", "id")
    actions = ("suspend_tenants", "reactivate_tenants")
    inlines = (MembershipInline, NewMembershipInline)
    exclude = ("group",)
    add_fieldsets = (
        (None, {"fields": ("name", "kind", "slug", "country", "website", "description", "logo")}),
        ("Partner program (vendors)", {"fields": ("accepts_applications", "program_criteria")}),
    )
    fieldsets = (
        (None, {"fields": ("name", "kind", "slug", "status", "country", "website", "description", "logo")}),
        ("Partner program (vendors)", {"fields": ("accepts_applications", "program_criteria")}),
        ("Record", {"fields": ("created_at",)}),
    )

    def get_search_results(self, request, queryset, search_term):
        """The whole term as a name prefix, or an exact slug (the slug's unique index answers that at once).

        Django's default would split "Northwind Distribution" into words that must each start the name.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(name__istartswith=term) | Q(slug=term.lower())), False

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "slug", "status", "created_at") if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OrganizationCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):
        return (NewMembershipInline,) if obj is None else self.inlines

    def has_delete_permission(self, request, obj=None):
        # Tenants are suspended, never deleted: their partnerships and history stay.
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            _adopt(obj, form.save())
            return
        # The form has already put the cleaned values on ``obj``; the service validates and saves them.
        fields = {name: getattr(obj, name) for name in form.changed_data if name in services.ORGANIZATION_FIELDS}
        if fields:
            _adopt(obj, services.organization_update(actor=request.user, organization=obj, **fields))

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        organization = form.instance
        for membership in formset.new_objects:
            services.membership_add(organization=organization, user=membership.user, role=membership.role)
        for membership, changed in formset.changed_objects:
            if "role" in changed:
                services.membership_change_role(actor=request.user, membership=membership, role=membership.role)
        for membership in formset.deleted_objects:
            services.membership_remove(actor=request.user, membership=membership)

    @admin.action(description="Suspend tenants (their people lose access)", permissions=["change"])
    def suspend_tenants(self, request, queryset):
        self._set_status(request, queryset, Organization.Status.SUSPENDED, "Suspended")

    @admin.action(description="Reactivate tenants", permissions=["change"])
    def reactivate_tenants(self, request, queryset):
        self._set_status(request, queryset, Organization.Status.ACTIVE, "Reactivated")

    def _set_status(self, request, queryset, status, verb):
        count = 0
        for organization in queryset.exclude(status=status):
            services.organization_set_status(actor=request.user, organization=organization, status=status)
            count += 1
        self.message_user(request, ngettext("%s %d tenant.", "%s %d tenants.", count) % (verb, count))


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "organization", "role")

    def clean_role(self):
        role = self.cleaned_data["role"]
        if self.instance.pk and role != Role.ADMIN and _is_last_admin(self.instance):
            raise ValidationError(LAST_ADMIN)
        return role


@admin.register(Membership)
class MembershipAdmin(FastChangeList, admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ("user", "organization", "role", "joined_at")
    list_select_related = ("user", "organization")
    list_filter = ("role",)
    search_fields = ("=user__email", "^organization__name")
    autocomplete_fields = ("user", "organization")
    ordering = ("-id",)

    def get_readonly_fields(self, request, obj=None):
        return ("user", "organization", "joined_at") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _is_last_admin(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            _adopt(obj, services.membership_add(organization=obj.organization, user=obj.user, role=obj.role))
        elif "role" in form.changed_data:
            _adopt(obj, services.membership_change_role(actor=request.user, membership=obj, role=obj.role))

    def delete_model(self, request, obj):
        services.membership_remove(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("organization", "user"):
            try:
                services.membership_remove(actor=request.user, membership=membership)
            except ValidationError as exc:
                _report(self, request, ValidationError(f"{membership}: {' '.join(exc.messages)}"))


# --- the channel graph (read-mostly) ------------------------------------------------------------------------


class PartnershipEventInline(admin.TabularInline):
    model = PartnershipEvent
    fields = ("created_at", "kind", "actor", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partnership)
class PartnershipAdmin(FastChangeList, admin.ModelAdmin):
    """Read-only here: vendors change partnerships in their console, through the services and their rules."""

    list_display = ("partner", "vendor", "distributor", "tier", "status", "applied_at", "updated_at")
    list_select_related = ("partner", "vendor", "distributor", "tier")
    list_filter = ("status",)
    search_fields = ("^partner__name", "^vendor__name")
    raw_id_fields = ("vendor", "partner", "distributor", "tier")
    ordering = ("-id",)
    inlines = (PartnershipEventInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VendorOwnedForm(forms.ModelForm):
    """Tiers and products belong to vendors; the vendor cannot change once the row exists."""

    def clean_vendor(self):
        vendor = self.cleaned_data["vendor"]
        if vendor.kind != Organization.Kind.VENDOR:
            raise ValidationError("Choose a vendor organization.")
        return vendor


class TierForm(VendorOwnedForm):
    class Meta:
        model = Tier
        fields = services.TIER_FIELDS + ("vendor",)

    def clean(self):
        data = super().clean()
        vendor = data.get("vendor") or getattr(self.instance, "vendor", None)
        name = (data.get("name") or "").strip()
        duplicate = Tier.objects.filter(vendor=vendor, name__iexact=name).exclude(pk=self.instance.pk)
        if vendor and name and duplicate.exists():
            self.add_error("name", "This vendor already has a tier with this name.")
        return data


@admin.register(Tier)
class TierAdmin(FastChangeList, admin.ModelAdmin):
    form = TierForm
    list_display = ("name", "vendor", "rank", "discount_percent", "mdf_eligible", "deal_protection_days")
    list_select_related = ("vendor",)
    list_filter = ("mdf_eligible",)
    search_fields = ("^vendor__name", "^name")
    raw_id_fields = ("vendor",)
    ordering = ("-id",)

    def get_readonly_fields(self, request, obj=None):
        return ("vendor",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.partnerships.exists():
            return False  # Partners are in it: move them first (the vendor does this in the console).
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.TIER_FIELDS if name in form.cleaned_data}
        if change:
            _adopt(obj, services.tier_update(actor=request.user, tier=obj, **fields))
        else:
            _adopt(obj, services.tier_create(actor=request.user, vendor=obj.vendor, **fields))

    def delete_model(self, request, obj):
        services.tier_delete(actor=request.user, tier=obj)

    def delete_queryset(self, request, queryset):
        for tier in queryset.select_related("vendor"):
            try:
                services.tier_delete(actor=request.user, tier=tier)
            except ValidationError as exc:
                _report(self, request, ValidationError(f"{tier.vendor} {tier}: {' '.join(exc.messages)}"))


class ProductForm(VendorOwnedForm):
    class Meta:
        model = Product
        fields = services.PRODUCT_FIELDS + ("vendor",)

    def clean(self):
        data = super().clean()
        vendor = data.get("vendor") or getattr(self.instance, "vendor", None)
        sku = (data.get("sku") or "").strip()
        duplicate = Product.objects.filter(vendor=vendor, sku__iexact=sku).exclude(pk=self.instance.pk)
        if vendor and sku and duplicate.exists():
            self.add_error("sku", "Another product of this vendor has this SKU.")
        return data


@admin.register(Product)
class ProductAdmin(FastChangeList, admin.ModelAdmin):
    form = ProductForm
    list_display = ("sku", "name", "vendor", "category", "list_price", "currency", "active", "created_at")
    list_select_related = ("vendor",)
    list_filter = ("active", "currency")
    search_fields = ("=sku", "^name", "^vendor__name")
    raw_id_fields = ("vendor",)
    ordering = ("-id",)

    def get_readonly_fields(self, request, obj=None):
        return ("vendor",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # Retire a product (untick "active"): quotes and history keep pointing at it.

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.PRODUCT_FIELDS if name in form.cleaned_data}
        if change:
            _adopt(obj, services.product_update(actor=request.user, product=obj, **fields))
        else:
            _adopt(obj, services.product_create(actor=request.user, vendor=obj.vendor, **fields))


class DistributionForm(VendorOwnedForm):
    class Meta:
        model = Distribution
        fields = ("vendor", "distributor", "uplift_percent")

    def clean_distributor(self):
        distributor = self.cleaned_data["distributor"]
        if distributor.kind != Organization.Kind.DISTRIBUTOR:
            raise ValidationError("Choose a distributor organization.")
        return distributor


@admin.register(Distribution)
class DistributionAdmin(FastChangeList, admin.ModelAdmin):
    form = DistributionForm
    list_display = ("vendor", "distributor", "uplift_percent", "active", "created_at")
    list_select_related = ("vendor", "distributor")
    list_filter = ("active",)
    search_fields = ("^vendor__name", "^distributor__name")
    raw_id_fields = ("vendor", "distributor")
    ordering = ("-id",)

    def get_readonly_fields(self, request, obj=None):
        return ("vendor", "distributor", "active", "created_at") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.distribution_create(
            actor=request.user,
            vendor=obj.vendor,
            distributor=obj.distributor,
            uplift_percent=form.cleaned_data["uplift_percent"],
        )
        _adopt(obj, saved)


@admin.register(Invitation)
class InvitationAdmin(FastChangeList, admin.ModelAdmin):
    """Read-only: admins of each organization invite their own people. Revoking is the one action."""

    list_display = ("email", "organization", "role", "state", "invited_by", "created_at", "expires_at")
    list_select_related = ("organization", "invited_by")
    list_filter = ("role",)
    search_fields = ("=email", "^organization__name")
    fields = ("email", "organization", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")
    readonly_fields = fields
    ordering = ("-id",)
    actions = ("revoke",)

    @admin.display(description="state")
    def state(self, invitation):
        if invitation.accepted_at:
            return "accepted"
        if invitation.revoked_at:
            return "revoked"
        return "expired" if invitation.is_expired else "open"

    @admin.action(description="Revoke selected invitations", permissions=["view"])
    def revoke(self, request, queryset):
        count = 0
        for invitation in queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related(
            "organization"
        ):
            try:
                services.invitation_revoke(actor=request.user, invitation=invitation)
            except PermissionDenied as exc:
                _report(self, request, exc)
                continue
            count += 1
        self.message_user(request, ngettext("Revoked %d invitation.", "Revoked %d invitations.", count) % count)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
