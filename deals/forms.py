"""Forms of deal registration (partner, vendor and distributor pages). They check the shape of the input; the
services in ``deals.services`` decide what is allowed and report their errors by field name, which these
forms use too (``core.forms.add_service_error`` puts each on its field).

Choice fields take the rows the view has already read (vendors, partners, tiers, the chosen vendor's catalog
with the partner's prices), so a page runs a fixed number of queries whatever it shows.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory

from core import numbers
from core.forms import CountryField, Form, ObjectChoiceField
from deals.models import DealRegistration, DealRules
from deals.selectors import SORTS
from vendors.models import Organization

Status = DealRegistration.Status
Stage = DealRegistration.Stage

SORT_CHOICES = [
    ("recent", "Recently updated"),
    ("close", "Close date, soonest first"),
    ("-close", "Close date, latest first"),
    ("-value", "Value, highest first"),
    ("value", "Value, lowest first"),
]
assert {key for key, _ in SORT_CHOICES} == set(SORTS)

MAX_LINES = numbers.MAX_LINES
MAX_QUANTITY = numbers.QUANTITY.maximum


def plain_decimal(value):
    """A stored Decimal as people write it: 1000.0000 → 1000, 0.6000 → 0.6 (never 1E+3)."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


# --- the list: GET filters --------------------------------------------------------------------------------------


class DealFilterForm(Form):
    """The filters of ``/deals/`` and its CSV export. Which fields exist depends on the side the person works on:

    - partner: vendor, stage, status, search, sort;
    - vendor: partner, tier, status, conflicts only, search, sort;
    - distributor: vendor, partner, status, search, sort.
    """

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Status.choices])
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)

    def __init__(self, data=None, *, kind, vendors=(), partners=(), tiers=(), many_partners=False, **kwargs):
        super().__init__(data, **kwargs)
        self.kind = kind
        hint = (
            "Title, customer or DR-000123" if kind == Organization.Kind.PARTNER else "Title, customer, partner or DR-…"
        )
        self.fields["q"].widget = forms.SearchInput(attrs={"placeholder": hint, "id": "deals-q"})
        if kind in (Organization.Kind.PARTNER, Organization.Kind.DISTRIBUTOR):
            self.fields["vendor"] = ObjectChoiceField(
                label="Vendor", required=False, objects=vendors, blank_label="All vendors"
            )
        if kind in (Organization.Kind.VENDOR, Organization.Kind.DISTRIBUTOR):
            self.fields["partner"] = ObjectChoiceField(
                label="Partner",
                required=False,
                objects=partners,
                blank_label="All partners",
                help_text="Too many partners to list: search finds them by name." if many_partners else "",
            )
        if kind == Organization.Kind.PARTNER:
            self.fields["stage"] = forms.ChoiceField(
                label="Stage", required=False, choices=[("", "Any stage"), *Stage.choices]
            )
        if kind == Organization.Kind.VENDOR:
            self.fields["tier"] = ObjectChoiceField(label="Tier", required=False, objects=tiers, blank_label="Any tier")
            self.fields["conflicts"] = forms.BooleanField(label="Conflicts only", required=False)
            self.fields["sort"].choices = [("", "Conflicts, then reviews"), *SORT_CHOICES]
        # Filters first, then the sort order.
        self.order_fields(["q", "vendor", "partner", "tier", "stage", "status", "conflicts", "sort"])

    def _cleaned(self) -> dict:
        """The valid filters; a stale or tampered value is ignored rather than failing the page."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    def filters(self) -> dict:
        """Keyword arguments for ``deals.selectors.deals_for``."""
        data = self._cleaned()
        chosen = {
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "sort": data.get("sort") or "",
        }
        if "vendor" in self.fields:
            chosen["vendor_id"] = data["vendor"].pk if data.get("vendor") else ""
        if "partner" in self.fields:
            chosen["partner_id"] = data["partner"].pk if data.get("partner") else ""
        if "stage" in self.fields:
            chosen["stage"] = data.get("stage") or ""
        if "tier" in self.fields:
            chosen["tier_id"] = data["tier"].pk if data.get("tier") else ""
        if "conflicts" in self.fields:
            chosen["conflicts_only"] = bool(data.get("conflicts"))
        return chosen

    def is_filtered(self) -> bool:
        return any(value for key, value in self.filters().items() if key != "sort")


# --- registering and editing ------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (possibly empty). Size and type are checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _vendor_label(partnership) -> str:
    tier = f" · {partnership.tier.name}" if partnership.tier_id else ""
    route = f" · through {partnership.distributor.name}" if partnership.distributor_id else ""
    return f"{partnership.vendor.name}{tier}{route}"


class CustomerFields(Form):
    """The customer and the contact there: on the registration form, and on the edit form while the vendor
    has not yet had the registration (draft) or asked for more information."""

    customer_name = forms.CharField(label="Customer company", max_length=200)
    customer_website = forms.CharField(
        label="Customer website or domain",
        max_length=255,
        required=False,
        help_text="e.g. acme.com. The vendor uses it to tell customers apart.",
    )
    customer_country = CountryField(label="Customer country")
    contact_name = forms.CharField(label="Contact name", max_length=200)
    contact_email = forms.EmailField(label="Contact email", required=False)
    contact_phone = forms.CharField(label="Contact phone", max_length=40, required=False)


class DealCreateForm(CustomerFields):
    """One registration with any of the partner's vendors. The lines come in a ``LineFormSet`` beside it."""

    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="What the opportunity is, e.g. “Acme: 200 seats, EU rollout”.",
    )
    expected_close_date = forms.DateField(
        label="Expected close date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    notes = forms.CharField(
        label="Notes for the vendor", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = MultipleFileField(
        label="Attachments",
        help_text="Quotes, the customer's RFP… PDF, Office, images, CSV or text; at most 10 MB each.",
    )

    field_order = [
        "vendor",
        "title",
        "customer_name",
        "customer_website",
        "customer_country",
        "contact_name",
        "contact_email",
        "contact_phone",
        "expected_close_date",
        "notes",
        "attachments",
    ]

    def __init__(self, data=None, files=None, *, partnerships=(), **kwargs):
        super().__init__(data, files, **kwargs)
        self.partnerships = {str(p.vendor_id): p for p in partnerships}
        self.fields["vendor"] = forms.TypedChoiceField(
            label="Vendor",
            choices=[("", "Choose a vendor"), *((key, _vendor_label(p)) for key, p in self.partnerships.items())],
            coerce=self.partnerships.get,
            empty_value=None,
            error_messages={
                "required": "Choose the vendor you register this deal with.",
                "invalid_choice": "You can register deals only with vendors you are an active partner of.",
            },
        )
        self.order_fields(self.field_order)

    def chosen_partnership(self):
        """The partnership of the vendor in the submitted (or initial) data, if it is one of the partner's."""
        value = self.data.get(self.add_prefix("vendor"), "") if self.is_bound else self.initial.get("vendor", "")
        return self.partnerships.get(str(value or ""))


class LineForm(Form):
    """One product line: a product of the chosen vendor's catalog and how many. A blank line is ignored."""

    product = forms.TypedChoiceField(label="Product", required=False, coerce=str)
    quantity = numbers.QUANTITY.form_field(
        label="Quantity",
        required=False,
        error_messages={
            "min_value": "The quantity must be at least 1.",
            "max_value": f"The quantity can be at most {MAX_QUANTITY:,}.",
        },
        widget=forms.NumberInput(attrs={"min": 1, "step": 1, "class": "deal-qty"}),
    )

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = products or {}  # product id (str) → {"product", "label"}
        self.fields["product"].choices = [
            ("", "Choose a product"),
            *((key, row["label"]) for key, row in self.products.items()),
        ]
        self.fields["product"].error_messages["invalid_choice"] = "Choose a product from this vendor's catalog."

    def clean(self):
        data = super().clean()
        product, quantity = data.get("product"), data.get("quantity")
        if "product" in self.errors or "quantity" in self.errors:
            return data
        if product and quantity is None:
            self.add_error("quantity", "Enter how many.")
        elif quantity is not None and not product:
            self.add_error("product", "Choose a product for this quantity.")
        return data

    def line(self):
        """``(product, quantity)`` of a filled line, ``None`` for a blank one."""
        data = getattr(self, "cleaned_data", {})
        if data.get("product") and data.get("quantity"):
            return self.products[data["product"]]["product"], data["quantity"]
        return None


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, products=None, **kwargs):
        self.products = products or {}
        kwargs.setdefault("prefix", "lines")
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"products": self.products}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), empty_permitted=True, products=self.products
        )
        self.add_fields(form, None)
        return form

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            line = form.line()
            if line is None:
                continue
            if line[0].pk in seen:
                form.add_error("product", "This product is already on another line: change that line's quantity.")
            seen.add(line[0].pk)

    def lines(self) -> list[tuple]:
        return [line for line in (form.line() for form in self.forms) if line is not None]


def line_formset(*, blank: int):
    """A formset class with ``blank`` empty lines after the filled ones."""
    return formset_factory(
        LineForm, formset=BaseLineFormSet, extra=blank, max_num=MAX_LINES, absolute_max=MAX_LINES, validate_max=True
    )


class DealEditForm(CustomerFields):
    """What the partner keeps current. The customer fields are removed once the vendor has the registration
    (unless the vendor asked for more information)."""

    title = forms.CharField(label="Title", max_length=200)
    stage = forms.ChoiceField(label="Stage", choices=Stage.choices)
    lost_reason = forms.CharField(
        label="Why was it lost?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when the stage is Lost.",
    )
    amount = numbers.AMOUNT.form_field(
        label="Deal value",
        help_text="The total at your prices. Changing the products recalculates it, unless you change it too.",
    )
    expected_close_date = forms.DateField(
        label="Expected close date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    notes = forms.CharField(label="Notes", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))

    CUSTOMER_FIELDS = ("customer_name", "customer_website", "customer_country")

    def __init__(self, *args, customer_editable=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not customer_editable:
            for name in self.CUSTOMER_FIELDS:
                del self.fields[name]
        self.order_fields(
            [
                "title",
                "stage",
                "lost_reason",
                "amount",
                "expected_close_date",
                *self.CUSTOMER_FIELDS,
                "contact_name",
                "contact_email",
                "contact_phone",
                "notes",
            ]
        )

    def clean(self):
        data = super().clean()
        if data.get("stage") == Stage.LOST and not (data.get("lost_reason") or "").strip():
            self.add_error("lost_reason", "Tell the vendor why the deal was lost.")
        return data


# --- actions on one registration --------------------------------------------------------------------------------


class StageForm(Form):
    stage = forms.ChoiceField(label="Stage", choices=Stage.choices)
    lost_reason = forms.CharField(
        label="Why was it lost?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when the stage is Lost.",
    )

    def clean(self):
        data = super().clean()
        if data.get("stage") == Stage.LOST and not (data.get("lost_reason") or "").strip():
            self.add_error("lost_reason", "Tell the vendor why the deal was lost.")
        return data


class CommentForm(Form):
    body = forms.CharField(
        label="Comment",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write something first."},
    )


class AttachForm(Form):
    attachments = MultipleFileField(
        label="Files", help_text="PDF, Office, images, CSV or text; at most 10 MB each.", required=True
    )

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        if not files:
            raise ValidationError("Choose a file to attach.")
        return files


class ApproveForm(Form):
    protection_days = numbers.PROTECTION_DAYS.form_field(
        label="Protection (days)",
        help_text="The partner holds this customer for this long. Prefilled from their tier.",
    )
    note = forms.CharField(
        label="Note to the partner", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(Form):
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The partner sees this reason.",
        error_messages={"required": "Tell the partner why; they will see this reason."},
    )


class RequestInfoForm(Form):
    question = forms.CharField(
        label="What do you need to know?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Ask the partner a question."},
    )


class ExtensionRequestForm(Form):
    days = numbers.EXTENSION_DAYS.form_field(
        label="Extra days",
        initial=30,
    )
    reason = forms.CharField(
        label="Why do you need more time?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Tell the vendor why you need more time."},
    )


class ExtensionDecisionForm(Form):
    decision = forms.ChoiceField(
        choices=[("grant", "Grant"), ("refuse", "Refuse")],
        error_messages={"required": "Grant or refuse the request."},
    )
    response = forms.CharField(
        label="Answer to the partner", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- the vendor's rules -----------------------------------------------------------------------------------------


class DealRulesForm(Form):
    auto_approve_below = numbers.AMOUNT.form_field(
        label="Approve automatically below this value",
        required=False,
        help_text="In the deal's currency. Empty: never approve automatically. Conflicts are never auto-approved.",
    )
    idle_cap = numbers.CAPACITY.form_field(
        label="Cap on idle registrations per partner",
        required=False,
        help_text="At most this many open registrations without activity per partner. Empty: no cap.",
    )
    idle_days = numbers.IDLE_DAYS.form_field(
        label="Idle after (days)",
        help_text="A registration without a change or comment from the partner for this long counts as idle.",
    )
    name_similarity = numbers.SIMILARITY.form_field(
        label="Company name similarity",
        help_text="How alike two customers' names must be to flag a conflict: 0.30 (loose) to 1 (identical).",
    )

    def __init__(self, data=None, *, tiers=(), **kwargs):
        super().__init__(data, **kwargs)
        self.tiers = {str(t.pk): t for t in tiers}
        self.fields["auto_approve_tiers"] = forms.MultipleChoiceField(
            label="Only for partners in these tiers",
            required=False,
            choices=[(key, t.name) for key, t in self.tiers.items()],
            widget=forms.CheckboxSelectMultiple,
            help_text="Automatic approval applies only to partners in the tiers you tick.",
        )
        self.order_fields(["auto_approve_below", "auto_approve_tiers", "idle_cap", "idle_days", "name_similarity"])

    def clean_auto_approve_tiers(self):
        return [self.tiers[key] for key in self.cleaned_data["auto_approve_tiers"]]

    @staticmethod
    def initial_for(rules: DealRules, tier_ids) -> dict:
        return {
            "auto_approve_below": plain_decimal(rules.auto_approve_below),
            "auto_approve_tiers": [str(pk) for pk in tier_ids],
            "idle_cap": rules.idle_cap,
            "idle_days": rules.idle_days,
            "name_similarity": rules.name_similarity,
        }
