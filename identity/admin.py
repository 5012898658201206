"""Single sign-on for platform admins: every organization's identity provider, and email domains to verify.

A domain an organization claims stays pending until a platform admin checks, out of band, that the
organization owns it (a DNS record or a letter from its IT), then uses the "Verify" action here. Where
``ONEPANE_DOMAIN_TXT_VERIFICATION`` is on, the organization can also prove it with a DNS TXT record itself; the
last lookup's outcome is listed. Several organizations may claim a domain; verifying one claim drops the others
(their admins are told). Identity
providers are saved through ``services.identity_provider_save``, which keeps allauth's SocialApp in step.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from identity import services
from identity.models import IdentityProvider, VerifiedDomain

IDP_FIELDS = (
    "protocol",
    "name",
    "default_role",
    "enabled",
    "issuer_url",
    "client_id",
    "client_secret",
    "metadata_url",
    "metadata_xml",
    "idp_entity_id",
)


class IdentityProviderAdminForm(forms.ModelForm):
    client_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored secret.",
    )

    class Meta:
        model = IdentityProvider
        fields = ("organization", *IDP_FIELDS)

    request = None  # set by the admin
    saved = None

    def _post_clean(self):
        # The service validates and saves (inside the admin's transaction); the model's own checks come with it.
        if self.errors:
            return
        data = {name: self.cleaned_data.get(name) for name in IDP_FIELDS}
        for name in ("issuer_url", "client_id", "client_secret", "metadata_url", "metadata_xml", "idp_entity_id"):
            data[name] = data[name] or ""
        current = IdentityProvider.objects.get(pk=self.instance.pk) if self.instance.pk else None
        try:
            self.saved = services.identity_provider_save(
                actor=self.request.user, organization=self.cleaned_data["organization"], idp=current, **data
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    form = IdentityProviderAdminForm
    list_display = ("name", "organization", "protocol", "enabled", "slug", "default_role", "updated_at")
    list_filter = ("protocol", "enabled")
    search_fields = ("name", "slug", "organization__name", "issuer_url")
    list_select_related = ("organization",)
    readonly_fields = ("slug", "social_app", "created_by", "created_at", "updated_at")
    autocomplete_fields = ("organization",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def save_model(self, request, obj, form, change):
        saved = form.saved
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})

    def save_related(self, request, form, formsets, change):
        pass


@admin.register(VerifiedDomain)
class VerifiedDomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "organization", "verified", "verified_at", "verified_by", "dns_check", "created_at")
    list_filter = (("verified_at", admin.EmptyFieldListFilter),)
    search_fields = ("domain", "organization__name")
    list_select_related = ("organization", "verified_by")
    readonly_fields = (
        "organization",
        "domain",
        "verification_token",
        "verified_at",
        "verified_by",
        "dns_checked_at",
        "dns_check",
        "created_at",
    )
    actions = ("verify",)

    @admin.display(boolean=True, description="Verified")
    def verified(self, obj):
        return obj.is_verified

    def has_add_permission(self, request):
        return False  # organizations claim domains on their single sign-on page

    @admin.action(description="Verify the selected claims (their organizations own the domains)")
    def verify(self, request, queryset):
        """Verifying a claim gives the domain to its organization and drops the other organizations' claims."""
        count = 0
        pending = list(queryset.filter(verified_at__isnull=True).select_related("organization").order_by("pk"))
        names = [d.domain for d in pending]
        for domain in pending:
            if names.count(domain.domain) > 1:
                self.message_user(
                    request,
                    f"{domain.domain} ({domain.organization}): several claims of this domain are selected. Select "
                    "the one organization that owns it: verifying it drops the others.",
                    messages.ERROR,
                )
                continue
            try:
                services.domain_verify(actor=request.user, domain=domain)
            except ValidationError as exc:
                self.message_user(
                    request, f"{domain.domain} ({domain.organization}): {exc.messages[0]}", messages.ERROR
                )
            else:
                count += 1
        self.message_user(request, f"{count} domain(s) verified.", messages.SUCCESS)
