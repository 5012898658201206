"""Measure every daily list page and API list against ONE database, in process (``python -m bench.measure``).

``bench/run`` starts this once per data set (full and 1 %) and compares the results. Requests go through
Django's test client: the whole stack (middleware, session, views, templates, DRF) minus the network and
the WSGI server, so the figures are server time. Pages are requested in rounds (each round asks every page
once) so that the floor and the pages share the same conditions.

The personas are chosen from the data, the same way at every scale:

- vendor: a manager of the vendor with the most partnerships (the largest partner list there is);
- partner: the admin of the active partner whose number of current vendors is closest to 10 (lowest id);
- distributor: the admin of the distributor with the most partnerships.
"""

import argparse
import json
import logging
import math
import os
import statistics
import sys
import time


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls"
    # Route discovery asks every persona for every page; the 404s and 405s of other people's pages are expected.
    logging.getLogger("django.request").setLevel(logging.ERROR)


def personas() -> dict:
    from django.db.models import Count

    from vendors.models import Membership, Organization, Partnership

    def person(org_id, roles):
        for role in roles:
            m = (
                Membership.objects.filter(organization_id=org_id, role=role)
                .select_related("user", "organization")
                .order_by("user_id")
                .first()
            )
            if m is not None:
                return m
        raise SystemExit(f"organization {org_id} has nobody to log in as")

    active = Organization.Status.ACTIVE
    vendor = (
        Partnership.objects.filter(vendor__status=active)
        .values("vendor")
        .annotate(n=Count("id"))
        .order_by("-n", "vendor")
        .first()
    )
    distributor = (
        Partnership.objects.filter(distributor__isnull=False, distributor__status=active)
        .values("distributor")
        .annotate(n=Count("id"))
        .order_by("-n", "distributor")
        .first()
    )
    counts = (
        Partnership.objects.filter(status__in=Partnership.OPEN_STATUSES, partner__status=active)
        .values_list("partner")
        .annotate(n=Count("id"))
    )
    partner_id, partner_n = min(counts, key=lambda pn: (abs(pn[1] - 10), pn[0]))
    if vendor is None or distributor is None:
        raise SystemExit("no partnerships here: run manage.py generate_scale_data first")
    found = {
        "vendor": (person(vendor["vendor"], ["manager", "admin"]), vendor["n"]),
        "partner": (person(partner_id, ["admin"]), partner_n),
        "distributor": (person(distributor["distributor"], ["admin"]), distributor["n"]),
    }
    return {
        key: {
            "membership": m,
            "user": m.user,
            "organization": m.organization.name,
            "organization_id": m.organization_id,
            "email": m.user.email,
            "role": m.role,
            "partnerships": n,
        }
        for key, (m, n) in found.items()
    }


# The pages the issue names as a person's daily lists, with a readable label: (route name, persona).
DAILY = {
    ("portal:home", "partner"): "partner home (my vendors)",
    ("portal:catalog", "partner"): "partner catalog with margins",
    ("product-list", "partner"): "API products (partner prices)",
    ("partnership-list", "partner"): "API partnerships",
    ("portal:directory", "partner"): "vendor directory",
    ("console:partners", "vendor"): "console partner list",
    ("console:applications", "vendor"): "console applications",
    ("partnership-list", "vendor"): "API partnerships",
    ("portal:distribution", "distributor"): "distributor resellers",
    ("notifications:inbox", "partner"): "notifications",
    ("notifications:bell", "partner"): "notification bell",
    ("notifications:inbox", "vendor"): "notifications",
    ("notifications:bell", "vendor"): "notification bell",
    ("notification-list", "vendor"): "API notifications",
    ("deals:list", "partner"): "partner deal registrations",
    ("deals:list", "vendor"): "vendor deal registrations",
    ("deals:list", "distributor"): "distributor deal registrations",
    ("deal-list", "partner"): "API deals",
    ("deal-list", "vendor"): "API deals",
    ("leads:list", "partner"): "partner lead inbox",
    ("leads:list", "vendor"): "vendor leads sent",
    ("lead-list", "partner"): "API leads",
    ("lead-list", "vendor"): "API leads",
}
LABELS = {
    "portal:team": "team",
    "portal:catalog": "catalog",
    "portal:vendor_detail": "one vendor's catalog tab",
    "console:catalog": "console catalog",
    "console:tiers": "console tiers",
    "console:partner_detail": "console partnership page",
    "organization-list": "API organizations",
    "product-list": "API products",
    "tier-list": "API tiers",
    "partnership-list": "API partnerships",
    "deal-list": "API deals",
    "deals:export": "deals CSV export (all rows)",
    "deals:create": "register a deal (form)",
    "deals:products": "register a deal: products",
    "deals:rules": "deal rules",
    "lead-list": "API leads",
    "lead-coverage-list": "API lead coverage",
    "leads:create": "send a lead (form)",
    "leads:import": "import leads (upload)",
    "leads:rules": "lead rules and coverage",
}
# Not measured: other people's areas (platform admin, allauth's account pages) and the API's schema and docs.
SKIP_PREFIXES = ("/admin/", "/accounts/", "/api/v1/schema/", "/api/v1/docs/")
SKIP_NAMES = {"api-root", "bench-floor"}
PERSONAS = ("partner", "vendor", "distributor")


def routes_without_arguments() -> list[tuple[str, str]]:
    """(name, path) of every named URL that takes no argument, from the URL resolver: a new list page or API
    route is measured without anyone adding it here."""
    from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

    found = {}

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = ":".join(filter(None, [namespace, pattern.namespace])) if pattern.namespace else namespace
                walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name and pattern.pattern.regex.groups == 0:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                try:
                    path = reverse(name)
                except NoReverseMatch:
                    continue
                if name not in SKIP_NAMES and not path.startswith(SKIP_PREFIXES):
                    found.setdefault(name, path)

    walk(get_resolver().url_patterns, "")
    return sorted(found.items(), key=lambda item: item[1])


def pages(people: dict) -> list[dict]:
    """Every page to measure: the floor, every argument-free route for every persona (those that answer 200
    are kept), and a few pages that take an argument, chosen from the persona's own rows."""
    from django.urls import reverse

    from vendors.models import Partnership

    rows = [("floor", p, "/bench/floor/") for p in PERSONAS]
    for persona in PERSONAS:
        rows += [(name, persona, path) for name, path in routes_without_arguments()]
    partner_edge = (
        Partnership.objects.filter(partner_id=people["partner"]["organization_id"], status=Partnership.Status.ACTIVE)
        .select_related("vendor")
        .order_by("vendor__name")
        .first()
    )
    if partner_edge is not None:
        path = reverse("portal:vendor_detail", args=[partner_edge.vendor.slug]) + "?tab=catalog"
        rows.append(("portal:vendor_detail", "partner", path))
    vendor_edge = (
        Partnership.objects.filter(vendor_id=people["vendor"]["organization_id"]).order_by("partner__name").first()
    )
    if vendor_edge is not None:
        rows.append(("console:partner_detail", "vendor", reverse("console:partner_detail", args=[vendor_edge.pk])))
    result = []
    for name, persona, path in rows:
        daily = DAILY.get((name, persona))
        label = "floor: layout only" if name == "floor" else daily or LABELS.get(name, name)
        # Held to the targets: the daily pages and every API list (the "every daily page and list API").
        held = daily is not None or name.endswith("-list")
        result.append({"key": name, "persona": persona, "path": path, "label": label, "held": held})
    return result


def _shown(response) -> dict:
    """What the page shows: an API list's rows and total; an HTML page's size and its items (cards, table rows)."""
    content = response.body if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/json"):
        data = json.loads(content)
        if isinstance(data, dict) and "results" in data:
            return {"rows": len(data["results"]), "total": data.get("count")}
    if response.get("Content-Type", "").startswith("text/csv"):  # an export: its lines, header included
        return {"bytes": len(content), "items": content.count(b"\n")}
    html = content.decode()
    items = html.count("<article") + html.count('<li class="card"') + max(0, html.count("<tr") - html.count("<thead"))
    return {"bytes": len(content), "items": items}


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(requests: int, warmup: int, only: list[str] | None = None, explain: bool = True) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    people = personas()
    clients = {}
    for key, p in people.items():
        client = Client()
        client.force_login(p["user"])
        clients[key] = client
    todo = [page for page in pages(people) if not only or page["key"] in only or page["key"] == "floor"]

    def get(page):
        response = clients[page["persona"]].get(
            page["path"], HTTP_ACCEPT="application/json" if "/api/" in page["path"] else "text/html"
        )
        if response.streaming:  # an export: the time is the whole body's
            response.body = b"".join(response.streaming_content)
        return response

    kept = []
    for page in todo:
        response = get(page)
        if response.status_code != 200:
            if page["held"] or page["key"] == "floor":
                raise SystemExit(f"{page['path']} as {page['persona']}: HTTP {response.status_code}")
            continue  # not this persona's page (a redirect, a 404, POST only)
        kept.append(page)
        page.update(_shown(response))
        for _ in range(warmup):
            get(page)
        with CaptureQueriesContext(connection) as captured:
            get(page)
        queries = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
        page["queries"] = len(queries)
        page["sql_ms"] = round(sum(t for t, _ in queries) * 1000, 2)
        slowest = sorted(queries, key=lambda q: -q[0])[:3]
        page["slowest"] = [{"ms": round(t * 1000, 2), "sql": sql} for t, sql in slowest]
        page["all_queries"] = [f"{t * 1000:6.1f} ms  {sql[:160]}" for t, sql in queries]
        if explain and connection.vendor == "postgresql" and slowest and slowest[0][1].lstrip().startswith("SELECT"):
            page["explain"] = _explain(slowest[0][1])
        page["times"] = []
    todo = kept
    load = [os.getloadavg()[0]]
    for _ in range(requests):
        for page in todo:
            started = time.perf_counter()
            get(page)
            page["times"].append(round((time.perf_counter() - started) * 1000, 3))
    load.append(os.getloadavg()[0])
    return {
        "database": connection.settings_dict["NAME"],
        "vendor": connection.vendor,
        "requests": requests,
        "load_average": load,
        "counts": counts(),
        "personas": {
            k: {key: v for key, v in p.items() if key not in ("membership", "user")} for k, p in people.items()
        },
        "pages": todo,
    }


def summarize(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)], 2),
        "min_ms": round(times[0], 2),
    }


def counts() -> dict:
    from django.contrib.auth import get_user_model

    from deals.models import DealRegistration
    from leads.models import Lead
    from vendors.models import Organization, Partnership, PartnershipEvent, PartnershipGroupObjectPermission, Product

    return {
        "organizations": Organization.objects.count(),
        "vendors": Organization.objects.filter(kind="vendor").count(),
        "partners": Organization.objects.filter(kind="partner").count(),
        "people": get_user_model().objects.count(),
        "partnerships": Partnership.objects.count(),
        "partnership_grants": PartnershipGroupObjectPermission.objects.count(),
        "events": PartnershipEvent.objects.count(),
        "products": Product.objects.count(),
        "deals": DealRegistration.objects.count(),
        "leads": Lead.objects.count(),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="page keys (the floor is always measured)")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--out", required=True, help="where to write the JSON")
    args = parser.parse_args(argv)
    setup(args.database_url)
    result = measure(args.requests, args.warmup, args.only, explain=not args.no_explain)
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=2)


if __name__ == "__main__":
    sys.exit(main())
