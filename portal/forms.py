"""Forms of the partner workspace. They check the shape of the input; the services decide what is allowed.

Choice fields that list rows (vendors, distributors) take the objects the view has already read, so a page
runs a fixed number of queries whatever it shows.
"""

from django import forms

from core.forms import Form, ObjectChoiceField
from vendors.models import ANNUAL_REVENUE_CHOICES, Membership

ROLE_CHOICES = Membership.Role.choices


# --- list filters (GET) ---------------------------------------------------------------------------------------


class CatalogFilterForm(Form):
    vendor = ObjectChoiceField(label="Vendor", required=False)
    q = forms.CharField(label="Search", required=False, max_length=200)
    category = forms.ChoiceField(label="Category", required=False)

    def __init__(self, data=None, *, vendors=(), categories=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["vendor"] = ObjectChoiceField(
            label="Vendor", required=False, objects=vendors, blank_label="All vendors"
        )
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": "Product name or SKU", "id": "catalog-q"}
        )
        self.fields["category"].choices = [("", "All categories"), *((c, c) for c in categories)]

    def filters(self) -> dict:
        """The valid filters; a stale or tampered value is ignored rather than failing the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        vendor = data.get("vendor")
        return {
            "vendor": vendor,
            "q": (data.get("q") or "").strip(),
            "category": data.get("category") or "",
        }


class ResellerFilterForm(Form):
    vendor = ObjectChoiceField(label="Vendor", required=False)
    q = forms.CharField(label="Search resellers", required=False, max_length=200)

    def __init__(self, data=None, *, vendors=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["vendor"] = ObjectChoiceField(
            label="Vendor", required=False, objects=vendors, blank_label="All vendors"
        )
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": "Reseller name", "id": "resellers-q"}
        )

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"vendor": data.get("vendor"), "q": (data.get("q") or "").strip()}


class DirectorySearchForm(Form):
    q = forms.CharField(label="Search vendors", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search", "placeholder": "Vendor name or keyword"})


# --- writes ------------------------------------------------------------------------------------------------


class ApplyForm(Form):
    message = forms.CharField(
        label="Why do you want to partner with this vendor?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Tell the vendor why you want to partner with them."},
        help_text="Your customers, your focus, what you would sell. The vendor reads this first.",
    )
    region = forms.CharField(
        label="Region", required=False, max_length=120, help_text="Where you sell, e.g. “DACH” or “US West”."
    )
    annual_revenue = forms.ChoiceField(label="Annual revenue", required=False, choices=ANNUAL_REVENUE_CHOICES)
    distributor = ObjectChoiceField(label="Distributor", required=False)

    def __init__(self, data=None, *, distributors=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["distributor"] = ObjectChoiceField(
            label="Distributor",
            required=False,
            objects=distributors,
            blank_label="Buy directly from the vendor",
            help_text="Optional: the distributor you would buy through (two-tier).",
        )
        if not distributors:
            del self.fields["distributor"]


class InviteForm(Form):
    email = forms.EmailField(label="Email", max_length=254)
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, initial=Membership.Role.MEMBER)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "placeholder": "name@company.com"})


class RoleForm(Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)


class InvitationSignupForm(Form):
    """A new account for the invited email. Field names match the service's errors."""

    first_name = forms.CharField(
        label="First name",
        max_length=150,
        error_messages={"required": "Tell your colleagues your name."},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password, not only digits.",
    )
    password_again = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords differ. Type the same password twice.")
        return data
