"""Settings → API tokens: a person's own tokens for the REST API (list, create, revoke).

A new token is shown once, in the answer to the form that created it (never stored, never put in the session or
a message, never cached by the browser); afterwards only its prefix is shown.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import Form, add_service_error
from identity import tokens
from vendors.access import get_or_404

EXPIRY_CHOICES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("never", "Never")]


class TokenForm(Form):
    name = forms.CharField(
        max_length=tokens.NAME_MAX_LENGTH,
        help_text="What uses it, so you know which one to revoke later, e.g. “CRM sync”.",
    )
    expires = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="90", label="Expires")

    def expires_at(self):
        choice = self.cleaned_data["expires"]
        return None if choice == "never" else timezone.now() + timedelta(days=int(choice))


def _page(request, form, *, created=None, raw=None, status=200):
    context = {
        "form": form,
        "tokens": list(tokens.tokens_of(request.user)),
        "created": created,
        "raw_token": raw,
        "max_tokens": tokens.MAX_ACTIVE_TOKENS,
        "organization_header": tokens.ORGANIZATION_HEADER,
    }
    response = render(request, "identity/tokens.html", context, status=status)
    add_never_cache_headers(response)  # the one answer that holds a raw token must not be kept anywhere
    return response


@require_http_methods(["GET", "POST"])
@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = tokens.token_create(
                user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return _page(request, TokenForm(), created=token, raw=raw)
    return _page(request, form, status=400 if form.is_bound and form.errors else 200)


@require_POST
@login_required
def token_revoke(request, pk):
    token = get_or_404(tokens.tokens_of(request.user), pk=pk)
    if token.revoked_at is None:
        tokens.token_revoke(actor=request.user, token=token)
        messages.success(request, f"Revoked “{token.name}”. Anything still using it is refused from now on.")
    return redirect("identity:tokens")
