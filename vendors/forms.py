"""Forms of the vendor console. They check the shape of the input; the services decide what is allowed.

Choice fields take their options as lists the view has already read (one query per list for the whole
page), so a page that renders one form per row (the applications list) still runs a fixed number of
queries.
"""

from django import forms

from core import numbers
from core.forms import Form, ObjectChoiceField
from vendors.models import Partnership
from vendors.money import CURRENCY_CHOICES, PRICE_ERRORS

# --- the partner list and the catalog: GET filters ----------------------------------------------------------


class PartnerFilterForm(Form):
    q = forms.CharField(label="Search partners", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Partnership.Status.choices]
    )
    tier = forms.ChoiceField(label="Tier", required=False)
    distributor = forms.ChoiceField(label="Distributor", required=False)

    def __init__(self, data=None, *, tiers=(), distributors=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["q"].widget = forms.SearchInput(attrs={"placeholder": "Name or country code"})
        self.fields["tier"].choices = [("", "Any tier"), *((str(t.pk), t.name) for t in tiers)]
        self.fields["distributor"].choices = [
            ("", "Any route"),
            ("direct", "Direct (no distributor)"),
            *((str(d.pk), d.name) for d in distributors),
        ]

    def filters(self) -> dict:
        """The valid filters; an unknown value in one filter is ignored rather than breaking the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "tier": data.get("tier") or "",
            "distributor": data.get("distributor") or "",
        }


PRODUCT_STATES = [("", "Active and retired"), ("active", "Active"), ("retired", "Retired")]


class CatalogFilterForm(Form):
    q = forms.CharField(label="Search products", required=False, max_length=200)
    category = forms.ChoiceField(label="Category", required=False)
    state = forms.ChoiceField(label="Availability", required=False, choices=PRODUCT_STATES)

    def __init__(self, data=None, *, categories=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["q"].widget = forms.SearchInput(attrs={"placeholder": "Name, SKU or description"})
        self.fields["category"].choices = [("", "All categories"), *((c, c) for c in categories)]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "category": data.get("category") or "",
            "state": data.get("state") or "",
        }


# --- partnership actions ------------------------------------------------------------------------------------


class ApproveForm(Form):
    def __init__(self, data=None, *, tiers=(), distributors=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["tier"] = ObjectChoiceField(
            objects=tiers, blank_label="Choose a tier", label="Tier", error_messages={"required": "Choose a tier."}
        )
        self.fields["distributor"] = ObjectChoiceField(
            objects=distributors,
            blank_label="Direct (no distributor)",
            label="Distributor",
            required=False,
            help_text="For two-tier partners: the distributor they buy through.",
        )


class DeclineForm(Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The partner sees this reason.",
        error_messages={"required": "Tell the partner why; they will see this reason."},
    )


class TierChangeForm(Form):
    def __init__(self, data=None, *, tiers=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["tier"] = ObjectChoiceField(
            objects=tiers, blank_label="Choose a tier", label="New tier", error_messages={"required": "Choose a tier."}
        )


class SuspendForm(Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The partner sees this reason. They lose access to your program until you reactivate them.",
        error_messages={"required": "Tell the partner why you suspend them."},
    )


class ReactivateForm(Form):
    pass


class EndForm(Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The partner sees this reason.",
        error_messages={"required": "Tell the partner why the partnership ends."},
    )
    confirm = forms.BooleanField(
        label="I understand: the partner loses program access now, and the partnership cannot be reopened.",
        error_messages={"required": "Tick the box to confirm."},
    )


# --- program, tiers, catalog --------------------------------------------------------------------------------


class ProgramForm(Form):
    accepts_applications = forms.BooleanField(
        label="Accept applications",
        required=False,
        help_text="When on, your program is listed in the partner directory and partners can apply.",
    )
    program_criteria = forms.CharField(
        label="What you expect of partners",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Shown in the directory next to the application form.",
    )


class TierForm(Form):
    name = forms.CharField(label="Name", max_length=80)
    rank = numbers.RANK.form_field(label="Rank", initial=0, help_text="Higher ranks are better tiers.")
    discount_percent = numbers.PERCENT.form_field(label="Discount off list price (%)")
    mdf_eligible = forms.BooleanField(label="Eligible for market development funds", required=False)
    deal_protection_days = numbers.PROTECTION_DAYS.form_field(
        label="Deal protection (days)",
        initial=90,
        help_text="How long a registered deal stays the partner's.",
    )
    requirements = forms.CharField(
        label="Requirements",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What a partner needs to reach or keep this tier.",
    )


class ProductForm(Form):
    sku = forms.CharField(label="SKU", max_length=64, help_text="Letters, digits, . _ - /; unique in your catalog.")
    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.CharField(label="Category", required=False, max_length=80)
    list_price = numbers.PRICE.form_field(
        label="List price",
        localize=False,
        error_messages=PRICE_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.ChoiceField(label="Currency", choices=CURRENCY_CHOICES, initial="USD")
    active = forms.BooleanField(
        label="Active (partners see it)", required=False, initial=True, help_text="Retired products stay in history."
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.attrs["list"] = "category-options"
        self.categories = list(categories)
