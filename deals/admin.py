"""Platform admins look into deal registrations, conflicts and vendors' rules. Read-only: partners and vendors
change them in their own pages, through the services and their rules."""

from django.contrib import admin

from deals.models import DealComment, DealConflict, DealEvent, DealLine, DealRegistration, DealRules
from vendors.admin import FastChangeList


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(_ReadOnlyInline):
    model = DealLine
    fields = readonly_fields = ("product", "quantity", "list_price", "unit_price")


class EventInline(_ReadOnlyInline):
    model = DealEvent
    fields = readonly_fields = ("created_at", "kind", "actor", "organization", "field", "old_value", "new_value")


class CommentInline(_ReadOnlyInline):
    model = DealComment
    fields = readonly_fields = ("created_at", "author", "organization", "body")


@admin.register(DealRegistration)
class DealRegistrationAdmin(FastChangeList, admin.ModelAdmin):
    list_display = ("reference", "title", "partner", "vendor", "status", "stage", "amount", "currency", "updated_at")
    list_select_related = ("partner", "vendor")
    list_filter = ("status", "stage", "has_conflict")
    search_fields = ("^customer_name", "^customer_domain", "^partner__name", "^vendor__name")
    raw_id_fields = ("partnership", "vendor", "partner", "distributor", "created_by", "decided_by")
    ordering = ("-id",)
    readonly_fields = [f.name for f in DealRegistration._meta.fields]
    inlines = (LineInline, EventInline, CommentInline)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DealConflict)
class DealConflictAdmin(FastChangeList, admin.ModelAdmin):
    list_display = ("deal", "other", "vendor", "matched_on", "similarity", "detected_at", "resolved_at")
    list_select_related = ("deal", "other", "vendor")
    list_filter = ("matched_on",)
    raw_id_fields = ("deal", "other", "vendor")
    readonly_fields = [f.name for f in DealConflict._meta.fields]
    ordering = ("-id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DealRules)
class DealRulesAdmin(admin.ModelAdmin):
    list_display = ("vendor", "auto_approve_below", "idle_cap", "idle_days", "name_similarity", "updated_at")
    list_select_related = ("vendor",)
    raw_id_fields = ("vendor",)
    search_fields = ("^vendor__name",)
    readonly_fields = ("vendor", "auto_approve_below", "auto_approve_tiers", "idle_cap", "idle_days", "name_similarity")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
