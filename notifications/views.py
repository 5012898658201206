"""The notification centre (partner workspace and vendor console alike), preferences, and the public
endpoints an email's links call: open tracking and one-click unsubscribe."""

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import lists
from core.views import side_view, wants_partial
from notifications import kinds, selectors, services, tables
from notifications.forms import InboxFilterForm, PreferencesForm
from notifications.models import Receipt
from vendors.access import get_or_404
from vendors.middleware import SESSION_KEY
from vendors.models import Organization

# A transparent 1×1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _next(request) -> str:
    """Where a plain (non-htmx) form goes back to: the page it came from, if it is ours."""
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("notifications:inbox")


@require_GET
@login_required
def inbox(request):
    vendors = list(selectors.inbox_vendors(request.user, request.organization))
    form = InboxFilterForm(request.GET or None, vendors=vendors)
    filters = form.filters() if form.is_bound else {"vendor": None, "unread": False}
    vendor = filters["vendor"]
    receipts = selectors.inbox(
        request.user, request.organization, vendor_id=vendor.pk if vendor else None, unread=filters["unread"]
    )
    here = request.get_full_path()
    listing = tables.INBOX.page(
        request,
        receipts,
        filtered=bool(vendor or filters["unread"]),
        prepare=lambda rows: tables.prepare(rows, csrf_token=get_token(request), next_url=here),
    )
    context = {
        "form": form,
        "list": listing,
        "vendor": vendor,
        "unread": selectors.unread_count(request.user, request.organization),
        "cap": selectors.BELL_CAP,
    }
    return lists.render(request, "notifications/inbox.html", "notifications/_inbox_results.html", context)


@require_GET
def bell(request):
    """The bell: the unread count, swapped in place by htmx on every page and asked for again every
    ``ONEPANE_BELL_POLL_SECONDS``, and whenever the page marks something read (``notifications-changed``)."""
    if not request.user.is_authenticated:
        if not request.htmx:
            return login_required(bell)(request)
        # The session ended while the page was open: a plain bell, and 286 tells htmx to stop polling.
        response = render(request, "notifications/_bell.html", {"polling": False}, status=286)
    else:
        response = render(
            request,
            "notifications/_bell.html",
            {
                "unread": selectors.unread_count(request.user, request.organization),
                "cap": selectors.BELL_CAP,
                "polling": True,
                "poll_seconds": max(1, int(settings.ONEPANE_BELL_POLL_SECONDS)),
            },
        )
    add_never_cache_headers(response)
    return response


def _own_receipt(request, pk) -> Receipt:
    """One of the person's notifications in any of their organizations; someone else's is a 404."""
    return get_or_404(selectors.receipts_of_person(request.user, request.memberships), pk=pk)


@require_GET
@login_required
def open_notification(request, pk):
    """Open a notification: it counts as read and opened, and the person goes to the row it is about if they
    may still see it (otherwise they see the notification alone)."""
    receipt = _own_receipt(request, pk)
    if request.organization is None or receipt.organization_id != request.organization.pk:
        # The link came from another of their workspaces (an email, a bookmark): work in that one now.
        request.session[SESSION_KEY] = receipt.organization_id
        request.membership = next(m for m in request.memberships if m.organization_id == receipt.organization_id)
        request.organization = request.membership.organization
    services.receipt_open(receipt=receipt, via=Receipt.Via.APP)
    link = selectors.link_for(receipt, request.user)
    if link and "stay" not in request.GET:
        return redirect(link)
    return render(
        request,
        "notifications/detail.html",
        {"receipt": receipt, "kind": kinds.REGISTRY.get(receipt.notification.kind), "link": link},
    )


@require_POST
@login_required
def mark_read(request, pk):
    receipt = _own_receipt(request, pk)
    read = request.POST.get("read", "1") != "0"
    services.receipt_mark_read(user=request.user, receipt=receipt, read=read)
    if wants_partial(request):
        (receipt,) = tables.with_urls([receipt])
        html = tables.receipt_html(receipt, csrf_token=get_token(request), next_url=_next(request))
        response = HttpResponse(html)
        response["HX-Trigger"] = "notifications-changed"  # the bell asks for its count again
        return response
    return redirect(_next(request))


@require_POST
@login_required
def read_all(request):
    """Mark everything read in the organization the person works in, or only what one vendor sent."""
    vendor_id = request.POST.get("vendor") or None
    vendors = {v.pk for v in selectors.inbox_vendors(request.user, request.organization)}
    if vendor_id and (not vendor_id.isdigit() or int(vendor_id) not in vendors):
        messages.error(request, "That vendor is not in your notifications; nothing was marked.")
        return redirect("notifications:inbox")
    count = services.receipts_mark_all_read(
        user=request.user, organization=request.organization, vendor_id=int(vendor_id) if vendor_id else None
    )
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    url = reverse("notifications:inbox")
    return redirect(f"{url}?vendor={vendor_id}" if vendor_id else url)


def _receivable_kinds(request) -> list[kinds.Kind]:
    """The types the person can receive in any organization they work in (settings are per person)."""
    return kinds.available_to(request.memberships)


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, user=request.user, kinds=_receivable_kinds(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(
                user=request.user,
                time_zone=form.cleaned_data["time_zone"],
                digest_hour=form.cleaned_data["digest_hour"],
                modes=form.modes(),
            )
        except ValidationError as exc:
            from core.forms import add_service_error

            add_service_error(form, exc)
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications:preferences")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


@csrf_exempt  # the signed token is the credential; mail clients POST here for one-click unsubscribe (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows what the link turns off and one button; POST (the button, or the mail client) turns it off."""
    try:
        user_id, kind = services.unsubscribe_read(token)
    except ValidationError:
        return render(request, "notifications/unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        services.unsubscribe(token=token)
        return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": True, "token": token})
    return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": False, "token": token})


@require_GET
def click(request, token):
    """An email's link: record the first open, then open the notification in the app (login if needed)."""
    receipt = services.receipt_for_token(token)
    if receipt is None:
        raise Http404("This link is not valid.")
    services.email_opened(token=token)
    return redirect("notifications:open", pk=receipt.pk)


@require_GET
def pixel(request, token):
    """The open pixel: records the first open; the same image whatever the token, and nothing to cache."""
    services.email_opened(token=token)
    response = HttpResponse(PIXEL, content_type="image/gif")
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- the vendor console's alerts page ---------------------------------------------------------------------------


@require_GET
@side_view(Organization.Kind.VENDOR)
def alerts(request):
    """What the vendor's notifications to partners achieve: per type, how many people got one and how many
    opened it (in the app or by email). Counts only; the people are not named. A console page (``console:alerts``,
    mounted with the console's own in ``portal/urls.py``)."""
    rows = selectors.alert_open_rates(request.organization)
    totals = {"recipients": sum(r["recipients"] for r in rows), "opened": sum(r["opened"] for r in rows)}
    totals["rate"] = round(100 * totals["opened"] / totals["recipients"], 1) if totals["recipients"] else 0.0
    return render(request, "vendors/console/alerts.html", {"rows": rows, "totals": totals})
