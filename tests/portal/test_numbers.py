"""Every number a person can enter, as a class: each writable numeric field of every form and every API serializer
has one of the bounds of ``core.numbers``, refuses the extremes with an error on that field (never an exception),
takes its own bounds, and the schema states the same bounds. Found by walking the project's modules, so the next
field added is checked without anyone listing it here. And, with hypothesis, the money helpers: any value within
the bounds, summed over the most lines or rows there can be, fits its column and reads back as it was written.
"""

import importlib
import pkgutil
from decimal import Decimal

import pytest
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from core import numbers
from vendors.money import MINOR_UNITS, partner_price, quantize

PROJECT = (
    "core", "vendors", "notifications", "identity", "deals", "leads",
    "campaigns", "content", "feedback", "mdf", "portal",
)  # fmt: skip
BOUNDS = {(b.minimum, b.maximum): b for b in vars(numbers).values() if isinstance(b, numbers.Bound)}
FORM_NUMBERS = (forms.IntegerField, forms.DecimalField, forms.FloatField)
SERIALIZER_NUMBERS = (serializers.IntegerField, serializers.DecimalField, serializers.FloatField)
# Huge, negative, NaN and infinities, scientific notation, more digits than Python turns into an int.
EXTREMES = ["99999999999999999999999", "-1", "-99999999999999999", "1e400", "NaN", "Infinity", "-Infinity", "9" * 5000]


def _import_project():
    for package in PROJECT:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if not any(part in info.name.split(".") for part in ("migrations", "management", "scale_data")):
                importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _ours(cls) -> bool:
    return cls.__module__.split(".")[0] in PROJECT


_import_project()
FORMS = sorted({c for c in _subclasses(forms.BaseForm) if _ours(c)}, key=lambda c: (c.__module__, c.__qualname__))
SERIALIZERS = sorted(
    {c for c in _subclasses(serializers.Serializer) if _ours(c)}, key=lambda c: (c.__module__, c.__qualname__)
)


def _form_fields(form_class):
    """The numeric fields of a form, declared or made from a model (the admin's forms)."""
    for name, field in form_class.base_fields.items():
        if isinstance(field, FORM_NUMBERS):
            yield name, field


def _serializer_fields(serializer_class):
    """The writable numeric fields of a serializer, list items included."""
    for name, field in serializer_class().fields.items():
        child = getattr(field, "child", None)
        for candidate in (field, child):
            if isinstance(candidate, SERIALIZER_NUMBERS) and not field.read_only:
                yield name, candidate


FORM_FIELDS = [(c, n, f) for c in FORMS for n, f in _form_fields(c)]
SERIALIZER_FIELDS = [(c, n, f) for c in SERIALIZERS for n, f in _serializer_fields(c)]


def _id(value) -> str:
    cls, name, _ = value
    return f"{cls.__module__}.{cls.__qualname__}.{name}"


def _model_bound(form_class, name):
    """For a model form: the bound of the model field's validators."""
    model = getattr(getattr(form_class, "_meta", None), "model", None)
    if model is None:
        return None, None
    validators = model._meta.get_field(name).validators
    low = next((v.limit_value for v in validators if isinstance(v, MinValueValidator)), None)
    high = next((v.limit_value for v in validators if isinstance(v, MaxValueValidator)), None)
    return low, high


def _bound_of(low, high) -> numbers.Bound:
    assert low is not None and high is not None, "a number without a minimum and a maximum"
    assert (low, high) in BOUNDS, f"{low}..{high} is not one of the bounds in core/numbers.py"
    return BOUNDS[(low, high)]


def _past(bound: numbers.Bound) -> list[str]:
    """Just outside the bound, and one decimal more than it takes."""
    step = Decimal(1).scaleb(-bound.places)
    return [str(bound.maximum + step), str(bound.minimum - step), str(bound.minimum + step / 10)]


def test_the_walk_finds_the_numbers_people_enter():
    """A guard on the discovery itself: the fields of the finding are among those walked."""
    walked = {f"{c.__name__}.{n}" for c, n, _ in FORM_FIELDS + SERIALIZER_FIELDS}
    assert {
        "DealEditForm.amount",
        "DealUpdateSerializer.amount",
        "LineForm.quantity",
        "DealLineInputSerializer.quantity",
        "ProductForm.list_price",
        "ProductInputSerializer.list_price",
        "TierForm.discount_percent",
        "TierInputSerializer.discount_percent",
        "DistributionForm.uplift_percent",
        "DealRulesForm.auto_approve_below",
        "LeadRulesInputSerializer.sla_hours",
        "CoverageForm.capacity",
        "PreferencesSerializer.digest_hour",
    } <= walked
    assert len(FORM_FIELDS) >= 20 and len(SERIALIZER_FIELDS) >= 30


@pytest.mark.parametrize(("form_class", "name", "field"), FORM_FIELDS, ids=map(_id, FORM_FIELDS))
def test_every_numeric_form_field_has_a_bound_and_refuses_the_extremes(db, form_class, name, field):
    low, high = field.min_value, field.max_value
    if low is None or high is None:
        low, high = _model_bound(form_class, name)
    bound = _bound_of(low, high)
    if isinstance(field, forms.DecimalField):
        assert field.decimal_places <= bound.places or field.decimal_places == 4  # a model's column may keep 4
    key = form_class(data={}).add_prefix(name)
    for value in [*EXTREMES, *_past(bound)]:
        form = form_class(data={key: value})
        assert not form.is_valid()
        assert name in form.errors, (value, form.errors)
    for value in (bound.minimum, bound.maximum):
        form = form_class(data={key: str(value)})
        form.is_valid()
        assert name not in form.errors, (value, form.errors.get(name))


@pytest.mark.parametrize(("serializer_class", "name", "field"), SERIALIZER_FIELDS, ids=map(_id, SERIALIZER_FIELDS))
def test_every_writable_numeric_serializer_field_has_a_bound_and_refuses_the_extremes(serializer_class, name, field):
    bound = _bound_of(field.min_value, field.max_value)
    if isinstance(field, serializers.DecimalField):
        assert (field.max_digits, field.decimal_places) == (bound.max_digits, bound.places)
    is_list = field is not serializer_class().fields[name]
    for value in [*EXTREMES, *_past(bound), float("inf"), float("nan"), 10**400, -1, True]:
        serializer = serializer_class(data={name: [value] if is_list else value}, partial=True)
        assert not serializer.is_valid()
        assert name in serializer.errors, (value, serializer.errors)
    for value in (bound.minimum, bound.maximum, str(bound.maximum)):
        assert Decimal(str(field.run_validation(value))) == Decimal(str(value))


def _schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _request_components(schema) -> dict:
    """Request bodies (``…Request``) and each query parameter of the API, as ``{"Component.field": schema}``."""
    found = {}
    for component, body in schema["components"]["schemas"].items():
        if component.endswith("Request"):
            for name, prop in body.get("properties", {}).items():
                if not prop.get("readOnly"):
                    found[f"{component}.{name}"] = prop.get("items", prop)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    found[f"{method.upper()} {path}?{parameter['name']}"] = parameter["schema"]
    return found


def test_the_schema_states_the_same_bounds_for_every_number_it_takes(db):
    numeric = {
        key: prop
        for key, prop in _request_components(_schema()).items()
        if prop.get("type") == "integer" or prop.get("format") == "decimal"
    }
    assert len(numeric) >= 30
    for key, prop in numeric.items():
        if key.endswith(("?page", "?page_size")):
            continue  # pagination: bounded by the paginator, not a stored number
        assert "minimum" in prop and "maximum" in prop, key
        bound = _bound_of(Decimal(str(prop["minimum"])), Decimal(str(prop["maximum"])))
        if prop.get("format") == "decimal":
            whole = len(str(int(bound.maximum)))
            assert prop["pattern"] == rf"^\d{{0,{whole}}}(?:\.\d{{0,{bound.places}}})?$", key


def test_each_serializer_field_and_its_schema_agree(db):
    """The bounds the schema states for a request body are the serializer's own."""
    components = _schema()["components"]["schemas"]
    checked = 0
    for serializer_class, name, field in SERIALIZER_FIELDS:
        base = serializer_class.__name__.removesuffix("Serializer")
        for component in (f"{base}Request", f"Patched{base}Request"):
            prop = components.get(component, {}).get("properties", {}).get(name)
            if prop is None:
                continue
            prop = prop.get("items", prop)
            assert (Decimal(str(prop["minimum"])), Decimal(str(prop["maximum"]))) == (
                field.min_value,
                field.max_value,
            ), (component, name)
            checked += 1
    assert checked >= 20


# --- the money helpers, property-based ------------------------------------------------------------------------------

CURRENCIES = st.sampled_from(sorted(MINOR_UNITS))


def _decimals(bound: numbers.Bound):
    return st.decimals(
        min_value=bound.minimum, max_value=bound.maximum, places=bound.places, allow_nan=False, allow_infinity=False
    )


def _column_holds(value: Decimal, column: tuple[int, int]) -> bool:
    max_digits, places = column
    stored = value.quantize(Decimal(1).scaleb(-places))
    return numbers.fits(stored, max_digits, places) and len(stored.as_tuple().digits) <= max_digits


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=_decimals(numbers.AMOUNT), currency=CURRENCIES)
def test_an_amount_within_the_bound_rounds_into_its_column_and_reads_back_on_sqlite(amount, currency):
    rounded = quantize(amount, currency)
    assert numbers.AMOUNT.minimum <= rounded <= numbers.AMOUNT.maximum
    assert _column_holds(rounded, numbers.AMOUNT_COLUMN)
    # SQLite keeps it as a float and reads back 15 significant digits: the same value.
    assert Decimal(str(float(rounded))).quantize(Decimal("0.0001")) == rounded


@settings(max_examples=300, deadline=None)
@given(
    list_price=_decimals(numbers.PRICE),
    discount=_decimals(numbers.PERCENT),
    uplift=_decimals(numbers.PERCENT),
    currency=CURRENCIES,
    quantities=st.lists(st.integers(numbers.QUANTITY.minimum, numbers.QUANTITY.maximum), min_size=1, max_size=50),
)
def test_lines_within_the_bounds_price_into_their_columns_and_their_total_is_checked(
    list_price, discount, uplift, currency, quantities
):
    assert len(quantities) <= numbers.MAX_LINES
    price = partner_price(list_price=list_price, currency=currency, discount_percent=discount, uplift_percent=uplift)
    assert numbers.BUY_PRICE.minimum <= price.buy_price <= numbers.BUY_PRICE.maximum
    assert _column_holds(price.list_price, numbers.PRICE_COLUMN)
    assert _column_holds(price.buy_price, numbers.PRICE_COLUMN)
    total = quantize(sum((price.buy_price * q for q in quantities), Decimal("0")), currency)
    # What the service stores is within the bound, or refused (``lines``) before anything is stored.
    if total <= numbers.AMOUNT.maximum:
        assert _column_holds(total, numbers.AMOUNT_COLUMN)


@settings(max_examples=200, deadline=None)
@given(amounts=st.lists(_decimals(numbers.AMOUNT), min_size=1, max_size=50), currency=CURRENCIES)
def test_a_tally_of_the_most_rows_there_can_be_fits_its_column(amounts, currency):
    """A tally adds up at most ``MAX_TALLIED_ROWS`` amounts: the drawn ones, scaled to that many rows."""
    rounded = [quantize(a, currency) for a in amounts]
    scaled = sum(rounded, Decimal("0")) * numbers.MAX_TALLIED_ROWS / len(rounded)
    assert _column_holds(scaled, numbers.TALLY_COLUMN)
    assert _column_holds(numbers.AMOUNT.maximum * numbers.MAX_TALLIED_ROWS, numbers.TALLY_COLUMN)


@given(value=st.one_of(st.decimals(allow_nan=True), st.text(max_size=30), st.integers(), st.floats()))
def test_a_bound_checks_anything_into_a_number_within_it_or_a_field_error(value):
    from django.core.exceptions import ValidationError

    assert BOUNDS
    for bound in BOUNDS.values():
        try:
            number = bound.clean(value, "field")
        except ValidationError as exc:
            assert list(exc.message_dict) == ["field"]
        else:
            assert bound.minimum <= number <= bound.maximum
