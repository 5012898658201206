from django import forms

from core.forms import Form, ObjectChoiceField, TimeZoneField
from notifications import services
from notifications.models import EmailMode, NotificationPreference


class InboxFilterForm(Form):
    """The inbox's filters. ``vendors`` are the ones the person's notifications came from; any other vendor id
    in the query (stale, or someone else's) is dropped, so the page shows everything instead of an error."""

    unread = forms.BooleanField(required=False, label="Unread only")

    def __init__(self, data=None, *, vendors, **kwargs):
        if data is not None and data.get("vendor") and data["vendor"] not in {str(v.pk) for v in vendors}:
            data = data.copy()
            data.pop("vendor")
        super().__init__(data, **kwargs)
        self.fields["vendor"] = ObjectChoiceField(
            label="Vendor", required=False, objects=vendors, blank_label="All vendors"
        )
        self.order_fields(["vendor", "unread"])

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"vendor": data.get("vendor"), "unread": bool(data.get("unread"))}


class PreferencesForm(Form):
    time_zone = TimeZoneField(label="Time zone", help_text="Your daily digest follows this zone.")
    digest_hour = forms.TypedChoiceField(
        coerce=int,
        choices=[(h, f"{h:02d}:00") for h in range(24)],
        label="Daily digest at",
        help_text="Everything set to “daily digest” arrives in one email at this hour.",
    )

    def __init__(self, *args, user, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        current = services.settings_for([user.pk])[user.pk]
        self.initial.setdefault("time_zone", current["time_zone"])
        self.initial.setdefault("digest_hour", current["digest_hour"])
        chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
        for kind in kinds:
            name = self.field_name(kind.key)
            self.fields[name] = forms.ChoiceField(
                label=kind.label, help_text=kind.description, choices=EmailMode.choices, widget=forms.RadioSelect
            )
            self.initial.setdefault(name, chosen.get(kind.key, kind.email))

    @staticmethod
    def field_name(key: str) -> str:
        return "email__" + key.replace(".", "__")

    def kind_fields(self):
        return [self[self.field_name(k.key)] for k in self.kinds]

    def modes(self) -> dict[str, str]:
        return {k.key: self.cleaned_data[self.field_name(k.key)] for k in self.kinds}
