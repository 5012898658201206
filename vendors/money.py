"""Money: Decimal only, rounded to the currency's minor unit, half up (as invoices round)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.numbers import PRICE

# ISO 4217 minor units of the currencies vendors price in.
MINOR_UNITS = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CHF": 2,
    "CAD": 2,
    "AUD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "INR": 2,
    "BRL": 2,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "BHD": 3,
}
CURRENCY_CHOICES = [(code, code) for code in MINOR_UNITS]

HUNDRED = Decimal("100")

# What the catalog's forms, the API and ``vendors.services`` say about a list price they cannot take.
PRICE_ERRORS = {
    "invalid": "Enter a price as a number, e.g. 1299.00.",
    "min_value": "A price cannot be negative.",
    "max_value": f"That price is too large: at most {PRICE.maximum:,}.",
}


def _exact(value, name: str) -> Decimal:
    """``value`` as a Decimal; a float is refused (1.005 as a float is 1.00499…, and would round wrong)."""
    if isinstance(value, float):
        raise TypeError(f"{name} must be a Decimal (or an int or a string), never a float.")
    return Decimal(value)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` to the minor unit of ``currency`` (2 decimals for USD, 0 for JPY, 3 for KWD)."""
    amount = _exact(amount, "amount")
    exponent = Decimal(1).scaleb(-MINOR_UNITS[currency])
    return Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PartnerPrice:
    list_price: Decimal
    buy_price: Decimal
    margin: Decimal
    margin_percent: Decimal
    currency: str


def partner_price(
    *, list_price: Decimal, currency: str, discount_percent: Decimal, uplift_percent: Decimal = Decimal("0")
) -> PartnerPrice:
    """What a partner pays and earns on one unit sold at list price.

    The vendor's tier discount comes off list price; in two-tier, the distributor adds its uplift on top of
    that discounted price. The buy price is rounded once to the minor unit, and the margin is what is left
    of the (rounded) list price.
    """
    list_price = _exact(list_price, "list_price")
    discount_percent = _exact(discount_percent, "discount_percent")
    uplift_percent = _exact(uplift_percent, "uplift_percent")
    if list_price < 0:
        raise ValueError("A list price cannot be negative.")
    listed = quantize(list_price, currency)
    net = list_price * (HUNDRED - discount_percent) / HUNDRED
    net = net * (HUNDRED + uplift_percent) / HUNDRED
    buy = quantize(net, currency)
    margin = listed - buy
    margin_percent = (margin * HUNDRED / listed).quantize(Decimal("0.1"), ROUND_HALF_UP) if listed else Decimal("0.0")
    return PartnerPrice(listed, buy, margin, margin_percent, currency)
