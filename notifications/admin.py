"""Platform admins see the outbox: what is pending, what failed for good (and why), and can send it again."""

from django.contrib import admin, messages

from notifications import services
from notifications.models import Notification, OutgoingEmail, Receipt


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "status", "attempts", "created_at", "sent_at", "failed_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject", "key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]
    actions = ["retry"]
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send the selected failed emails again")
    def retry(self, request, queryset):
        count = 0
        for email in queryset.filter(status=OutgoingEmail.Status.FAILED):
            services.email_retry(actor=request.user, email=email)
            count += 1
        self.message_user(request, f"{count} email{'s' if count != 1 else ''} queued again.", messages.SUCCESS)


class ReceiptInline(admin.TabularInline):
    model = Receipt
    fields = ["user", "read_at", "opened_at", "opened_via", "email_state", "email"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "organization", "vendor", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "organization__name"]
    list_select_related = ["organization", "vendor"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    inlines = [ReceiptInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
