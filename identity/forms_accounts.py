"""allauth's account forms as Onepane needs them (``ACCOUNT_FORMS``)."""

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from django import forms

from core.addresses import belongs_to_another

TAKEN = (
    "This address belongs to another Onepane account, so it cannot be added to yours. If it is yours, log in to "
    "that account, or ask your administrator."
)


class AddEmailForm(AllauthAddEmailForm):
    """Add an address to one's account: never one that another account has (its verified address or its own).

    allauth, preventing enumeration, would accept it and send a confirmation to its owner. Saying it is taken
    tells a logged-in person (within the ``manage_email`` rate limit) no more than that some account has it,
    never whose; an address that merely sits unconfirmed on another account is no obstacle."""

    def clean_email(self) -> str:
        value = (self.cleaned_data.get("email") or "").strip()
        if value and belongs_to_another(self.user, value):
            raise forms.ValidationError(TAKEN, code="email_taken")
        return super().clean_email()
