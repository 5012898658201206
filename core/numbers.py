"""The bounds of every number a person can enter, in one place: models, forms, the API and its schema read them here.

A ``Bound`` is the range of one kind of number and how many decimals it takes. It builds the model validators, the
form field, the serializer field (whose ``minimum``/``maximum`` and pattern the schema states) and the check a
service runs, so the four cannot drift apart. The bounds are chosen so that everything computed from them fits the
columns it is stored in:

- a deal's amount (typed, or its lines' total: up to ``MAX_LINES`` lines of quantity × unit price, checked against
  ``AMOUNT`` before it is stored) rounded to any currency's minor unit stays within ``AMOUNT``, which fits
  ``numeric(16, 4)`` and, at 4 decimals, SQLite's 15 significant digits;
- a buy price (list price less the tier discount plus at most 100 % distributor uplift) stays below 2 × ``PRICE``,
  which fits ``numeric(14, 4)``;
- a tally adds up at most ``MAX_TALLIED_ROWS`` amounts, which fits ``numeric(24, 4)``.

``tests/portal/test_numbers.py`` proves these by walking every form and serializer, and with hypothesis over the money
helpers.
"""

import decimal
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from rest_framework import serializers

Number = int | Decimal


@dataclass(frozen=True)
class Bound:
    """The inclusive range of one kind of number; ``places`` decimals (0: a whole number)."""

    minimum: Number
    maximum: Number
    places: int = 0

    @property
    def whole(self) -> bool:
        return self.places == 0

    @property
    def max_digits(self) -> int:
        """Digits the largest value needs at ``places`` decimals (a DecimalField's ``max_digits``)."""
        return len(str(int(self.maximum))) + self.places

    @property
    def range_text(self) -> str:
        return f"from {_plain(self.minimum)} to {_plain(self.maximum)}"

    def validators(self) -> list:
        return [MinValueValidator(self.minimum), MaxValueValidator(self.maximum)]

    def form_field(self, **kwargs) -> forms.Field:
        """A form field that refuses anything outside the bound with a message on the field."""
        kwargs.setdefault("min_value", self.minimum)
        kwargs.setdefault("max_value", self.maximum)
        if self.whole:
            return forms.IntegerField(**kwargs)
        kwargs.setdefault("max_digits", self.max_digits)
        kwargs.setdefault("decimal_places", self.places)
        return forms.DecimalField(**kwargs)

    def serializer_field(self, **kwargs) -> serializers.Field:
        """A serializer field with the bound; the schema states it (``minimum``, ``maximum``, a decimal's pattern)."""
        kwargs.setdefault("min_value", self.minimum)
        kwargs.setdefault("max_value", self.maximum)
        if self.whole:
            return serializers.IntegerField(**kwargs)
        kwargs.setdefault("max_digits", self.max_digits)
        kwargs.setdefault("decimal_places", self.places)
        kwargs.setdefault("coerce_to_string", True)
        return serializers.DecimalField(**kwargs)

    def clean(self, value, field: str, *, message: str = "") -> Number:
        """``value`` as a number within the bound, for a service; else ``ValidationError({field: ...})``."""
        message = message or f"Enter a number {self.range_text}."
        if isinstance(value, bool) or value is None:
            raise ValidationError({field: message})
        try:
            number = Decimal(str(value).strip())
        except (decimal.InvalidOperation, TypeError, ValueError):
            raise ValidationError({field: message}) from None
        if not number.is_finite() or not self.minimum <= number <= self.maximum:
            raise ValidationError({field: message})
        if self.whole:
            if number != number.to_integral_value():
                raise ValidationError({field: "Enter a whole number."})
            return int(number)
        if number != number.quantize(Decimal(1).scaleb(-self.places)):
            raise ValidationError({field: f"At most {self.places} decimal places."})
        return number


def _plain(value: Number) -> str:
    """1000000 → 1,000,000; 0.30 → 0.30."""
    return f"{value:,}"


# --- the bounds ---------------------------------------------------------------------------------------------------

# Money, in the currency of the record. 10 billion: 11 whole digits and 4 decimals are 15 digits.
AMOUNT = Bound(Decimal("0"), Decimal("10000000000"), places=4)
# A product's list price per unit.
PRICE = Bound(Decimal("0"), Decimal("1000000000"), places=4)
# What a partner pays per unit: a list price less the tier discount, plus at most 100 % distributor uplift.
BUY_PRICE = Bound(Decimal("0"), 2 * PRICE.maximum, places=4)
QUANTITY = Bound(1, 1_000_000)
MAX_LINES = 50
# Discounts and uplifts, in %.
PERCENT = Bound(Decimal("0"), Decimal("100"), places=2)
# Trigram similarity of two company names.
SIMILARITY = Bound(Decimal("0.30"), Decimal("1.00"), places=2)
PROTECTION_DAYS = Bound(1, 730)
EXTENSION_DAYS = Bound(1, 365)
IDLE_DAYS = Bound(1, 365)
# Idle registrations per partner, open leads a partner holds.
CAPACITY = Bound(1, 10_000)
SLA_HOURS = Bound(1, 720)
HOUR_OF_DAY = Bound(0, 23)
RANK = Bound(0, 32_767)
# A row's id in a request (a bigint primary key).
ID = Bound(1, 2**63 - 1)
# The most rows one tally adds up (a vendor's registrations in one status and currency).
MAX_TALLIED_ROWS = 10**9

# The stored columns these must fit (``numeric(max_digits, decimal_places)``).
AMOUNT_COLUMN = (16, 4)
PRICE_COLUMN = (14, 4)
TALLY_COLUMN = (24, 4)


def fits(value: Decimal, max_digits: int, decimal_places: int) -> bool:
    """Whether ``value``, rounded to ``decimal_places``, fits a ``numeric(max_digits, decimal_places)`` column."""
    return abs(value) < Decimal(10) ** (max_digits - decimal_places)


assert fits(AMOUNT.maximum, *AMOUNT_COLUMN) and AMOUNT.max_digits <= 15  # 15: SQLite's significant digits
assert fits(BUY_PRICE.maximum, *PRICE_COLUMN)
assert fits(AMOUNT.maximum * MAX_TALLIED_ROWS, *TALLY_COLUMN)


# --- reading back -------------------------------------------------------------------------------------------------

# A float read from SQLite is below 1.8e308: 309 whole digits, and a few decimals.
_READ_PRECISION = 320


class ReadableDecimalField(models.DecimalField):
    """A DecimalField that reads back whatever its column holds.

    SQLite keeps decimals as floats and Django rounds what it reads to ``max_digits``; a value an older version
    stored beyond them (999999999999.9999 reads back as 1000000000000.0000, 17 digits) raised ``InvalidOperation``
    and took every list that met the row down with it. This field reads such a value as it is, so pages show it and
    the person can correct it; what is written is checked by the validators as before.
    """

    @cached_property
    def context(self):
        # Only SQLite's converter uses it, to round what it read.
        return decimal.Context(prec=_READ_PRECISION)

    def to_python(self, value):
        if isinstance(value, float):
            value = decimal.Context(prec=self.max_digits).create_decimal_from_float(value)
        return super().to_python(value)

    def formfield(self, **kwargs):
        """Its bounds on the form field too (the admin's forms), so that they are stated where it is typed."""
        for validator in self.validators:
            if isinstance(validator, MinValueValidator):
                kwargs.setdefault("min_value", validator.limit_value)
            elif isinstance(validator, MaxValueValidator):
                kwargs.setdefault("max_value", validator.limit_value)
        return super().formfield(**kwargs)
