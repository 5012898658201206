"""What every app's pages share: who may use a page, the role checks, htmx partials, and the POST actions on one
object's page (list pages are ``core.lists``).

A page exists for the sides (organization kinds: partner, vendor, distributor) it names: anyone else, and anyone
not logged in or working in no organization, gets a 404 (no such page for them), as for a row they may not see.
Within a side, the organization's admins and managers decide; members read (the services check this again).

Core sits below the channel graph, so it names no organization kind and no role itself: the kinds a page is for
are passed in, and who manages is the membership's to say (``Membership.MANAGER_ROLES`` in ``vendors.models``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import forms

# --- who may use a page -----------------------------------------------------------------------------------------


def organization_required(view):
    """Logged in and working in an organization, of any kind; a person without one sees how to get an invitation
    (``portal/no_organization.html``)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "organization", None) is None:
            return render(request, "portal/no_organization.html")
        return view(request, *args, **kwargs)

    return wrapper


def side_view(*kinds: str):
    """Logged in and working in an organization of one of ``kinds``; anyone else: 404 (no such page for them)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            organization = getattr(request, "organization", None)
            if organization is None or organization.kind not in kinds:
                raise Http404("No such page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def can_manage(request) -> bool:
    """Whether the person decides for the organization they work in now (its admins and managers; platform admins
    too, as the services let them)."""
    if request.user.is_superuser:
        return True
    membership = getattr(request, "membership", None)
    return membership is not None and membership.is_manager


def require_manager(request, message: str = "Only your organization's admins and managers can do this.") -> None:
    """A 403 for the organization's members: they read, admins and managers act."""
    if not can_manage(request):
        raise PermissionDenied(message)


# --- htmx -------------------------------------------------------------------------------------------------------


def wants_partial(request) -> bool:
    """An htmx request from the page's own controls (filters, a form answered in place): answer with the part of
    the page it swaps, not the whole page. A boosted link or a history restore wants the whole page."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# --- the POST actions on one object's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class DetailPage:
    """One kind of object's detail page, as its actions need it.

    - ``get(request, pk)``: the object through the app's selector (404 if the person may not see it);
    - ``render(request, obj, *, failed=None, status=200)``: the page; ``failed`` is ``(action, bound form)``, shown
      with its errors in place of the blank form;
    - ``read_only(request, obj)``: why the person may only read it now (for the banner), or ``None``;
    - ``refusal``: the exception a service raises for such a write (then the page is shown with its banner, 403);
    - ``route``: the URL name of the page, where an action done goes back to;
    - ``noun``: what the object is called in view names (``deal`` for ``deal_approve``).
    """

    noun: str
    get: Callable
    render: Callable
    read_only: Callable
    refusal: type[Exception]
    route: str

    def refused(self, request, pk):
        """A write the object no longer allows: its page, whose banner says why (403)."""
        return self.render(request, self.get(request, pk), status=403)

    def action(
        self,
        name: str,
        run: Callable,
        success: Callable,
        *,
        kinds: Iterable[str],
        form_class=None,
        form_kwargs: Callable | None = None,
        auto_id: str | None = None,
        manager: bool = False,
    ):
        """A POST that acts on one object through a service: the view ``<noun>_<name>``.

        ``run(request, obj, cleaned_data)`` calls the service and returns the object as it is now (or ``None``: the
        object as it was read); ``success(obj)`` is the message shown after, on its page. ``form_class`` (with
        ``form_kwargs(request, obj)`` and ``auto_id``, by default ``<name>_%s``) checks the input; without one the
        action takes none. ``manager``: for the organization's admins and managers only (403 for members). Invalid
        input or a service's ``ValidationError`` shows the page again with the errors (400).
        """
        kinds = tuple(kinds)
        auto_id = auto_id or f"{name}_%s"

        @require_POST
        @side_view(*kinds)
        def view(request, pk):
            obj = self.get(request, pk)
            if manager:
                require_manager(request)
            if self.read_only(request, obj):
                return self.refused(request, pk)
            extra = form_kwargs(request, obj) if form_kwargs else {}
            form = form_class(request.POST, files=request.FILES, auto_id=auto_id, **extra) if form_class else None
            if form is None or form.is_valid():
                try:
                    result = run(request, obj, form.cleaned_data if form is not None else {})
                except self.refusal:
                    return self.refused(request, pk)
                except ValidationError as exc:
                    form = form or forms.Form(request.POST, auto_id=auto_id)
                    forms.add_service_error(form, exc)
                else:
                    messages.success(request, success(result if result is not None else obj))
                    return redirect(self.route, pk=obj.pk)
            return self.render(request, self.get(request, pk), failed=(name, form), status=400)

        view.__name__ = view.__qualname__ = f"{self.noun}_{name}"
        return view
