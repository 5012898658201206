"""People, for platform admins. Organizations and memberships are in ``vendors.admin``."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group

from portal.models import User
from vendors.models import Membership

admin.site.site_header = "Onepane platform admin"
admin.site.site_title = "Onepane admin"
admin.site.index_title = "Tenants, people and the channel"

# Each organization's auth group is kept in step with its memberships by vendors.services; editing groups
# by hand would grant or remove access behind the services' back. Manage memberships instead.
admin.site.unregister(Group)


class UserCreationForm(AdminUserCreationForm):
    """A new person: email (which is also the username), name and password."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "first_name", "last_name")
        field_classes = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists() or User.objects.filter(username=email).exists():
            raise forms.ValidationError("A person with this email address already exists.")
        return email

    def _post_clean(self):
        self.instance.username = self.cleaned_data.get("email", "")
        super()._post_clean()


class MembershipOfUserInline(admin.TabularInline):
    """Where the person works (read-only here: add or change memberships on the organization)."""

    model = Membership
    fk_name = "user"
    fields = ("organization", "role", "joined_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "organizations"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "is_superuser", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("^email", "^first_name", "^last_name")
    ordering = ("email",)
    show_full_result_count = False
    list_per_page = 50
    inlines = (MembershipOfUserInline,)
    fieldsets = (
        (None, {"fields": ("email", "username", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Platform access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()
