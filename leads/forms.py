"""Forms of the lead pages (partner inbox, vendor console). They check the shape of the input; ``leads.services``
decides what is allowed and reports errors by field name, which these forms share, so each shows on its field.

Choice fields take rows the view has already read (vendors, partners, reps, the vendor's catalog and tiers), so
a page runs a fixed number of queries whatever it shows.
"""

from datetime import timedelta

from django import forms
from django.utils import timezone

from core import numbers
from core.forms import CountryField, Form, ObjectChoiceField
from leads.models import Lead, LeadRules
from leads.selectors import AGES
from vendors.models import Organization

Status = Lead.Status
Kind = Organization.Kind
# What a partner may set by hand (accepting, converting and recalls have their own buttons).
PROGRESS_CHOICES = [(s.value, s.label) for s in (Status.CONTACTED, Status.QUALIFIED, Status.DISQUALIFIED)]


class ObjectMultipleChoiceField(forms.TypedMultipleChoiceField):
    """Several of the objects the view has already loaded; cleans to a list of them."""

    def __init__(self, *, objects=(), label_of=str, **kwargs):
        self.objects = {str(o.pk): o for o in objects}
        super().__init__(
            choices=[(str(o.pk), label_of(o)) for o in objects], coerce=self.objects.get, required=False, **kwargs
        )


# --- the list: GET filters --------------------------------------------------------------------------------------


class LeadFilterForm(Form):
    """Filters of ``/leads/``: vendor (partner, distributor), partner (vendor, distributor), status, age, search."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Status.choices])
    age = forms.ChoiceField(
        label="Received", required=False, choices=[("", "Any time"), *((k, v[0]) for k, v in AGES.items())]
    )

    def __init__(self, data=None, *, kind, vendors=(), partners=(), many_partners=False, **kwargs):
        super().__init__(data, **kwargs)
        hint = "Company, contact or LD-000123"
        self.fields["q"].widget = forms.SearchInput(attrs={"placeholder": hint, "id": "leads-q"})
        if kind in (Kind.PARTNER, Kind.DISTRIBUTOR):
            self.fields["vendor"] = ObjectChoiceField(
                label="Vendor", required=False, objects=vendors, blank_label="All vendors"
            )
        if kind in (Kind.VENDOR, Kind.DISTRIBUTOR):
            self.fields["partner"] = ObjectChoiceField(
                label="Partner",
                required=False,
                objects=partners,
                blank_label="All partners",
                help_text="Too many partners to list: search by company instead." if many_partners else "",
            )
        if kind == Kind.VENDOR:
            self.fields["age"].label = "Sent"
        self.order_fields(["q", "vendor", "partner", "status", "age"])

    def filters(self) -> dict:
        """Keyword arguments for ``leads.selectors.leads_for``; a stale or tampered value is ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        chosen = {"q": (data.get("q") or "").strip(), "status": data.get("status") or "", "age": data.get("age") or ""}
        if data.get("vendor"):
            chosen["vendor_id"] = data["vendor"].pk
        if data.get("partner"):
            chosen["partner_id"] = data["partner"].pk
        return chosen

    def is_filtered(self) -> bool:
        return any(self.filters().values())


# --- creating -----------------------------------------------------------------------------------------------------


class LeadForm(Form):
    """A lead typed in by hand: by the vendor (routed to a partner) or by a partner (its own lead)."""

    company = forms.CharField(label="Company", max_length=200)
    contact_name = forms.CharField(label="Contact name", max_length=200)
    contact_email = forms.EmailField(label="Contact email", required=False)
    contact_phone = forms.CharField(label="Contact phone", max_length=40, required=False)
    country = CountryField(label="Country")
    region = forms.CharField(label="State or region", max_length=80, required=False)
    postcode = forms.CharField(label="Postcode", max_length=20, required=False)
    size = forms.ChoiceField(label="Company size", required=False, choices=Lead.Size.choices)
    notes = forms.CharField(label="Notes", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, data=None, *, products=(), partnerships=None, **kwargs):
        super().__init__(data, **kwargs)
        if partnerships is not None:
            self.fields["vendor"] = ObjectChoiceField(
                label="Vendor",
                objects=partnerships,
                blank_label="Choose a vendor",
                help_text="Your own lead, for one of your vendors: it stays yours; "
                "the vendor sees it once you register a deal.",
            )
            self.fields["vendor"].choices = [
                ("", "Choose a vendor"),
                *((str(p.pk), p.vendor.name) for p in partnerships),
            ]
            self.fields["products"] = forms.CharField(
                label="Products of interest",
                required=False,
                max_length=500,
                help_text="SKUs from the vendor's catalog, separated by commas.",
            )
            self.order_fields(["vendor"])
        else:
            self.fields["products"] = ObjectMultipleChoiceField(
                label="Products of interest",
                objects=products,
                label_of=lambda p: f"{p.name} ({p.sku})",
                widget=forms.SelectMultiple(attrs={"size": min(max(len(products), 2), 8)}),
            )

    def lead_data(self) -> dict:
        """The cleaned fields as ``leads.services.clean_lead`` reads them (products as SKUs)."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("vendor", "products")}
        products = self.cleaned_data.get("products") or []
        data["products"] = products if isinstance(products, str) else [p.sku for p in products]
        return data


class ImportForm(Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="CSV (UTF-8) or Excel .xlsx, first row the column names: company, contact name, country; "
        "optional email, phone, region, postcode, products (SKUs), size, notes.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


# --- answering and working a lead (the partner) -------------------------------------------------------------------


class RejectForm(Form):
    reason = forms.CharField(
        label="Why not?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The vendor reads it; the lead goes to another partner.",
    )


class AssignForm(Form):
    def __init__(self, *args, reps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"] = ObjectChoiceField(
            label="Rep", required=False, objects=reps, blank_label="Nobody yet", help_text="Who works this lead."
        )


class StatusForm(Form):
    status = forms.ChoiceField(label="Progress", choices=PROGRESS_CHOICES)
    reason = forms.CharField(
        label="Reason", required=False, max_length=5000, help_text="Needed when you disqualify the lead."
    )


class NoteForm(Form):
    body = forms.CharField(
        label="Note",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only your team sees your notes.",
    )


class ConvertForm(Form):
    title = forms.CharField(label="Deal title", max_length=200)
    expected_close_date = forms.DateField(label="Expected close date", widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def initial_for(lead) -> dict:
        return {"title": f"{lead.company}", "expected_close_date": timezone.localdate() + timedelta(days=60)}


# --- the vendor's hand and rules ----------------------------------------------------------------------------------


class OfferForm(Form):
    def __init__(self, *args, partnerships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"] = ObjectChoiceField(
            label="Partner",
            objects=partnerships,
            blank_label="Choose a partner",
            help_text="Offer it to this partner now, with your usual deadline.",
        )
        self.fields["partnership"].choices = [
            ("", "Choose a partner"),
            *((str(p.pk), f"{p.partner.name}" + (f" ({p.tier.name})" if p.tier_id else "")) for p in partnerships),
        ]


class RulesForm(Form):
    sla_hours = numbers.SLA_HOURS.form_field(label="Hours to accept")
    reminder_hours = numbers.SLA_HOURS.form_field(label="Remind this many hours before the deadline")
    match_territory = forms.BooleanField(label="Match the territory partners cover", required=False)
    match_products = forms.BooleanField(label="Prefer partners specialised in the lead's products", required=False)
    default_capacity = numbers.CAPACITY.form_field(
        label="Open leads a partner may hold",
        required=False,
        help_text="Empty: no limit.",
    )
    weigh_by_performance = forms.BooleanField(label="Weigh the round-robin by acceptance and win rate", required=False)

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tiers"] = ObjectMultipleChoiceField(
            label="Only partners in these tiers",
            objects=tiers,
            help_text="None chosen: every tier.",
            widget=forms.CheckboxSelectMultiple,
        )
        for name in self.base_fields:
            self.fields[name].help_text = self.fields[name].help_text or _help(name)
        self.order_fields(["sla_hours", "reminder_hours", "match_territory", "tiers", "match_products"])

    @staticmethod
    def initial_for(rules: LeadRules, tier_ids) -> dict:
        names = ("sla_hours", "reminder_hours", "match_territory", "match_products", "default_capacity")
        return {
            **{name: getattr(rules, name) for name in names},
            "weigh_by_performance": rules.weigh_by_performance,
            "tiers": [str(pk) for pk in tier_ids],
        }


def _help(name) -> str:
    return str(LeadRules._meta.get_field(name).help_text)


def _codes(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class CoverageForm(Form):
    countries = forms.CharField(
        label="Countries", required=False, max_length=1000, help_text="ISO codes separated by commas, e.g. DE, AT, CH."
    )
    regions = forms.CharField(
        label="Regions or postcode prefixes",
        required=False,
        max_length=2000,
        help_text="Within those countries, separated by commas (e.g. Bavaria, 80, 81). Empty: the whole countries.",
    )
    capacity = numbers.CAPACITY.form_field(label="Open leads at once", required=False, help_text="Empty: your default.")
    accepts_leads = forms.BooleanField(label="Sends this partner leads", required=False)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"] = ObjectMultipleChoiceField(
            label="Specialised in",
            objects=products,
            label_of=lambda p: f"{p.name} ({p.sku})",
            widget=forms.SelectMultiple(attrs={"size": min(max(len(products), 2), 8)}),
        )

    def clean_countries(self):
        return [code.upper() for code in _codes(self.cleaned_data["countries"])]

    def clean_regions(self):
        return _codes(self.cleaned_data["regions"])
