"""The organization's MFA rule: its admins require two-factor authentication of everyone, or stop requiring it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from core.forms import Form
from core.views import organization_required
from identity import mfa
from vendors.models import Membership
from vendors.services import require_role


class MFAPolicyForm(Form):
    require_mfa = forms.BooleanField(
        label="Require two-factor authentication for everyone in the organization",
        required=False,
        help_text="People without an authenticator app or a security key are asked to set one up before they "
        "can open any other page here.",
    )


@organization_required
def mfa_policy(request):
    """The current organization's rule (only its admins see and change it)."""
    organization = request.organization
    require_role(request.user, organization, (Membership.Role.ADMIN,))
    initial = {"require_mfa": organization.require_mfa}
    form = MFAPolicyForm(request.POST, initial=initial) if request.method == "POST" else MFAPolicyForm(initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        required = form.cleaned_data["require_mfa"]
        try:
            mfa.organization_require_mfa_set(actor=request.user, organization=organization, required=required)
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 400
        else:
            if required:
                messages.success(request, f"Everyone in {organization.name} now needs two-factor authentication.")
            else:
                messages.success(request, f"{organization.name} no longer requires two-factor authentication.")
            return redirect("identity:mfa_policy")
    return render(
        request,
        "identity/mfa_policy.html",
        {
            "form": form,
            "organization": organization,
            "admin_has_mfa": mfa.has_mfa(request.user),
            "people_without_mfa": mfa.people_without_mfa(organization),
        },
        status=status,
    )
