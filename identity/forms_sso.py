"""Forms of the single sign-on settings page: the organization's identity provider and its email domains."""

from django import forms

from core.forms import Form
from identity.models import IdentityProvider
from vendors.models import Membership


class IdentityProviderForm(Form):
    protocol = forms.ChoiceField(label="Protocol", choices=IdentityProvider.Protocol.choices)
    name = forms.CharField(
        label="Name", max_length=100, help_text="Shown to your people when they log in, e.g. “Initech Okta”."
    )
    default_role = forms.ChoiceField(
        label="Role of people who log in for the first time",
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        help_text="People who already belong to the organization keep their role.",
    )
    enabled = forms.BooleanField(
        label="Enabled: people of your verified domains log in through this identity provider", required=False
    )
    # OpenID Connect
    issuer_url = forms.CharField(
        label="Issuer URL",
        required=False,
        max_length=500,
        help_text="As your identity provider shows it, e.g. https://login.initech.example (without "
        "/.well-known/openid-configuration).",
    )
    client_id = forms.CharField(label="Client ID", required=False, max_length=191)
    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        max_length=191,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the stored secret.",
    )
    # SAML 2.0
    metadata_url = forms.URLField(label="IdP metadata URL", required=False, max_length=500, assume_scheme="https")
    metadata_xml = forms.CharField(
        label="IdP metadata XML",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Paste the metadata instead of giving its URL.",
    )
    idp_entity_id = forms.CharField(label="IdP entity ID", required=False, max_length=500)


class DomainForm(Form):
    domain = forms.CharField(
        label="Email domain",
        max_length=253,
        help_text="The part after @ in your people's email addresses, e.g. initech.example. A platform admin "
        "verifies that your organization owns it before it is used.",
    )

    def __init__(self, *args, txt_verification: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if txt_verification:
            self.fields["domain"].help_text = (
                "The part after @ in your people's email addresses, e.g. initech.example. It is used once "
                "verified: publish the TXT record shown for it in its DNS."
            )
