"""Form pieces every app uses: the form base, service errors on their fields, choices among loaded objects, country
and time zone.

Choice fields that list rows take the objects the view has already read, so a page runs a fixed number of queries
whatever it shows.
"""

from django import forms
from django.core.exceptions import ValidationError

from core import places


class Form(forms.Form):
    """The base of Onepane's forms: labels without a trailing colon, as everywhere in Onepane."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def add_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ``ValidationError`` on ``form``: on the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ObjectChoiceField(forms.TypedChoiceField):
    """A select among objects the view has already loaded; cleans to the object itself (or ``None``)."""

    def __init__(self, *, objects=(), blank_label=None, **kwargs):
        self.objects = {str(o.pk): o for o in objects}
        choices = [(str(o.pk), str(o)) for o in objects]
        if blank_label is not None:
            choices = [("", blank_label), *choices]
        super().__init__(choices=choices, coerce=self.objects.get, empty_value=None, **kwargs)


class FilterSelect(forms.Select):
    """A select of many options (countries, time zones) that ``static/js/select-filter.js`` gives a search box.
    Without JavaScript it is an ordinary select."""

    def __init__(self, attrs=None, choices=(), *, placeholder="Type to search"):
        super().__init__({"data-filter": placeholder, **(attrs or {})}, choices)


def _country_choices():
    return [("", "Choose a country"), *places.country_choices()]


class CountryField(forms.ChoiceField):
    """A country from the ISO 3166-1 list, as a searchable select; cleans to its two-letter code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": places.COUNTRY_ERROR})
        kwargs.setdefault(
            "widget", FilterSelect(attrs={"autocomplete": "country"}, placeholder="Type a country's name or code")
        )
        super().__init__(choices=_country_choices, **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class TimeZoneField(forms.ChoiceField):
    """A time zone of the IANA database, as a select grouped by region with a search box."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": places.TIME_ZONE_ERROR})
        kwargs.setdefault("widget", FilterSelect(placeholder="Type a city or region, e.g. Chicago"))
        super().__init__(choices=places.time_zone_choices, **kwargs)
