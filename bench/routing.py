"""``bench/routing``: routing a vendor's imported leads, held to the lead distribution issue's target.

    bench/routing                                    # the full-scale database, 1,000 then 10,000 leads
    bench/routing --database-url postgres://postgres@127.0.0.1:5432/onepane_scale_1pct --leads 100 1000 10000
    bench/routing --profile                          # also print where the largest batch spends its time

Target: 10,000 imported leads routed in under 10 seconds on 2 cores, with the same number of queries for every
batch size (a fixed number per batch, not per lead). Exit status 1 when a batch misses it.

The vendor is built for the run inside a transaction that is rolled back at the end, so any migrated database
will do and is left as it was (on the generated ones the lead tables around it hold millions of rows): 2,000
active partnerships (``--partnerships``) in a four-tier ladder, each with a lead coverage as
``leads.scale_data`` makes them (home country, sometimes a neighbour, some regions, some product
specialisations, some capacities of their own), the vendor's rules (a default capacity, products and
performance weighed), one to three people per partner, and a year of offers behind each partnership (accepted,
rejected, missed; some leads still open against its capacity) for the weights. Each batch is a list of import
rows (company, contact, place, product SKUs) passed to ``leads.services.leads_create(route=True)``, the path
the import takes, timed with its queries captured, inside a savepoint rolled back afterwards: every batch
starts from the same history.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import sys
import time
from collections import Counter
from datetime import timedelta

from bench.__main__ import FULL_URL

TARGET_SECONDS = 10.0
TARGET_LEADS = 10_000
HISTORY_PER_PARTNERSHIP = 12  # offers of the last year behind each partnership
COUNTRIES = ["US"] * 8 + ["GB"] * 3 + ["DE"] * 3 + ["FR"] * 2 + ["NL", "CA", "CA", "AU", "JP", "ES", "IT", "SE", "BE"]


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def build_vendor(rng: random.Random, partnerships: int):
    """The vendor, its manager, its partners with their coverage and a year of offers. Bulk inserts."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from leads.models import Lead, LeadCoverage, LeadOffer, LeadRules
    from leads.scale_data import coverage_for, place_in
    from vendors import services as vendor_services
    from vendors.models import Membership, Organization, Partnership, Product, Tier

    User = get_user_model()
    now = timezone.now()
    tag = f"rb{rng.randrange(16**8):08x}"
    vendor = vendor_services.organization_create(name=f"Routing Bench Networks {tag}", kind=Organization.Kind.VENDOR)
    manager = User.objects.create_user(username=f"{tag}-manager", email=f"manager@{tag}.example", password=None)
    vendor_services.membership_add(organization=vendor, user=manager, role=Membership.Role.MANAGER)
    tiers = Tier.objects.bulk_create(
        Tier(vendor=vendor, name=name, rank=rank, discount_percent=discount)
        for rank, (name, discount) in enumerate([("Registered", 10), ("Silver", 18), ("Gold", 27), ("Platinum", 35)])
    )
    products = Product.objects.bulk_create(
        Product(vendor=vendor, sku=f"RB-{k:04d}", name=f"Switch {k}", list_price=100 + k, currency="USD")
        for k in range(40)
    )
    LeadRules.objects.create(vendor=vendor, sla_hours=48, reminder_hours=12, default_capacity=40)

    groups = Group.objects.bulk_create(Group(name=f"org:{tag}-p{n}") for n in range(partnerships))
    partners = Organization.objects.bulk_create(
        Organization(
            name=f"Partner {n} IT",
            slug=f"{tag}-p{n}",
            kind=Organization.Kind.PARTNER,
            country=rng.choice(COUNTRIES),
            group=group,
        )
        for n, group in enumerate(groups)
    )
    users, people = [], []
    for partner in partners:
        for k in range(rng.choice((1, 1, 2, 2, 3))):
            users.append(
                User(
                    username=f"{partner.slug}-{k}",
                    email=f"p{k}@{partner.slug}.example",
                    first_name="Rep",
                    last_name=f"{k}",
                )
            )
            people.append((partner, Membership.Role.ADMIN if k == 0 else Membership.Role.MEMBER))
    users = User.objects.bulk_create(users)
    Membership.objects.bulk_create(
        Membership(organization=partner, user=user, role=role)
        for user, (partner, role) in zip(users, people, strict=True)
    )
    edges = Partnership.objects.bulk_create(
        Partnership(
            vendor=vendor,
            partner=partner,
            tier=rng.choices(tiers, (45, 30, 18, 7))[0],
            status=Partnership.Status.ACTIVE,
            applied_at=now - timedelta(days=500),
            started_at=now - timedelta(days=rng.uniform(30, 480)),
        )
        for partner in partners
    )
    product_ids = [p.pk for p in products]
    coverages, specialities, places = [], [], {}
    for edge, partner in zip(edges, partners, strict=True):
        countries, regions, specialised, capacity, accepts = coverage_for(rng, partner.country, product_ids)
        coverages.append(
            LeadCoverage(
                partnership=edge,
                vendor=vendor,
                countries=countries,
                regions=regions,
                capacity=capacity,
                accepts_leads=accepts,
            )
        )
        specialities.append(specialised)
        places[edge.pk] = (countries, regions)
    coverages = LeadCoverage.objects.bulk_create(coverages)
    through = LeadCoverage.products.through
    through.objects.bulk_create(
        through(leadcoverage_id=c.pk, product_id=p)
        for c, chosen in zip(coverages, specialities, strict=True)
        for p in chosen
    )

    # A year of offers behind each partnership: most accepted (some of those leads still worked, against the
    # capacity), some rejected or missed (then the lead went on: here it waits unassigned).
    leads, outcomes = [], []
    for edge in edges:
        skill = rng.uniform(0.3, 0.95)
        for _ in range(rng.randrange(0, 2 * HISTORY_PER_PARTNERSHIP)):
            offered = now - timedelta(days=rng.uniform(1, 365))
            country, region, postcode = place_in(rng, *places[edge.pk])
            outcome = "accepted" if rng.random() < skill else rng.choice(("rejected", "missed"))
            if outcome == "accepted":
                status = rng.choices(("contacted", "qualified", "disqualified", "accepted"), (5, 5, 85, 5))[0]
                held = (edge, edge.partner_id)
            else:
                status, held = "unassigned", (None, None)
            leads.append(
                Lead(
                    vendor=vendor,
                    partnership=held[0],
                    partner_id=held[1],
                    company="Earlier prospect",
                    contact_name="Someone",
                    country=country,
                    region=region,
                    postcode=postcode,
                    status=status,
                    created_at=offered,
                    updated_at=offered,
                    accepted_at=offered + timedelta(hours=3) if outcome == "accepted" else None,
                )
            )
            outcomes.append((edge, offered, outcome))
    leads = Lead.objects.bulk_create(leads, batch_size=5_000)
    LeadOffer.objects.bulk_create(
        (
            LeadOffer(
                lead=lead,
                partnership=edge,
                partner_id=edge.partner_id,
                vendor=vendor,
                offered_at=offered,
                accept_by=offered + timedelta(hours=48),
                outcome=outcome,
                decided_at=offered + timedelta(hours=3 if outcome != "missed" else 48),
            )
            for lead, (edge, offered, outcome) in zip(leads, outcomes, strict=True)
        ),
        batch_size=5_000,
    )
    return vendor, manager, places, [p.sku for p in products], len(leads)


def import_rows(rng: random.Random, n: int, places: dict, skus: list[str]) -> list[dict]:
    """``n`` rows of a vendor's lead import: most in places its partners cover, a few where nobody does."""
    from leads.scale_data import place_in

    covered = list(places.values())
    rows = []
    for k in range(n):
        if rng.random() < 0.03:
            country, region, postcode = rng.choice(("MX", "BR", "IN", "ZA")), "", ""
        else:
            country, region, postcode = place_in(rng, *rng.choice(covered))
        rows.append(
            {
                "company": f"Prospect {k} Health",
                "contact_name": "Ana Diaz",
                "contact_email": f"ana.diaz@prospect{k}.example",
                "country": country,
                "region": region,
                "postcode": postcode,
                "size": rng.choice(("", "1-49", "50-249", "250-999", "1000+")),
                "products": ",".join(rng.sample(skus, rng.choice((0, 1, 1, 2)))),
            }
        )
    return rows


TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"([a-z_]+)"')


class Queries:
    """Every query of the batch, counted and timed by table (``CaptureQueriesContext`` keeps only the last 9,000)."""

    def __init__(self):
        self.count, self.seconds, self.by_table, self.slowest = 0, 0.0, Counter(), []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.count += 1
            self.seconds += took
            found = TABLE.search(sql)
            self.by_table[found.group(1) if found else sql.split(" ", 1)[0]] += 1
            self.slowest = sorted([*self.slowest, (took, sql[:200])], reverse=True)[:5]


def measure(vendor, manager, rows: list[dict], profile: bool) -> dict:
    """One import of ``rows`` through ``leads_create(route=True)``, rolled back afterwards."""
    from django.db import connection, transaction

    from leads import services
    from leads.models import Lead

    profiler = cProfile.Profile() if profile else None
    queries = Queries()
    with transaction.atomic():
        with connection.execute_wrapper(queries):
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            leads = services.leads_create(actor=manager, vendor=vendor, rows=rows, route=True)
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
        statuses = Counter(lead.status for lead in leads)
        told = len({lead.partner_id for lead in leads if lead.status == Lead.Status.OFFERED})
        transaction.set_rollback(True)
    result = {
        "leads": len(rows),
        "seconds": round(seconds, 2),
        "queries": queries.count,
        "sql_seconds": round(queries.seconds, 2),
        "offered": statuses[Lead.Status.OFFERED],
        "unassigned": statuses[Lead.Status.UNASSIGNED],
        "partners_told": told,
        "by_table": dict(queries.by_table.most_common()),
        "slowest": queries.slowest,
    }
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        result["profile"] = out.getvalue()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/routing", description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", FULL_URL))
    parser.add_argument("--partnerships", type=int, default=2_000, help="the vendor's active partnerships")
    parser.add_argument("--leads", type=int, nargs="+", default=[1_000, TARGET_LEADS], help="batch sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print the profile of the largest batch")
    args = parser.parse_args(argv)
    setup(args.database_url)
    from django.db import connection, transaction

    rng = random.Random(args.seed)
    results = []
    with transaction.atomic():
        started = time.perf_counter()
        vendor, manager, places, skus, history = build_vendor(rng, args.partnerships)
        print(
            f"{connection.settings_dict['NAME']}: a vendor with {args.partnerships:,} active partnerships and "
            f"{history:,} earlier offers, built in {time.perf_counter() - started:.0f} s (rolled back at the end)",
            file=sys.stderr,
        )
        measure(vendor, manager, import_rows(rng, 100, places, skus), profile=False)  # warm up
        largest = max(args.leads)
        for n in args.leads:
            print(f"routing {n:,} leads…", file=sys.stderr)
            results.append(measure(vendor, manager, import_rows(rng, n, places, skus), args.profile and n == largest))
        transaction.set_rollback(True)

    print(f"\n{'leads':>7} {'seconds':>8} {'sql s':>6} {'queries':>8} {'offered':>8} {'waiting':>8} {'told':>6}")
    for r in results:
        print(
            f"{r['leads']:>7,} {r['seconds']:>8.2f} {r['sql_seconds']:>6.2f} {r['queries']:>8,} {r['offered']:>8,} "
            f"{r['unassigned']:>8,} {r['partners_told']:>6,}"
        )
    for r in results:
        tables = ", ".join(f"{table} {n}" for table, n in r["by_table"].items())
        print(f"\n{r['leads']:,} leads, queries by table: {tables}")
        for seconds, sql in r["slowest"][:3]:
            print(f"  {seconds * 1000:8.1f} ms  {sql}")
        if "profile" in r:
            print(r["profile"])
    misses = []
    for r in results:
        limit = TARGET_SECONDS * r["leads"] / TARGET_LEADS if r["leads"] >= TARGET_LEADS else TARGET_SECONDS
        if r["seconds"] > limit:
            misses.append(f"{r['leads']:,} leads took {r['seconds']:.1f} s (target {limit:.0f} s)")
    if len({r["queries"] for r in results}) > 1:
        misses.append("the number of queries grows with the batch: " + ", ".join(str(r["queries"]) for r in results))
    print("\n" + ("MISS: " + "; ".join(misses) if misses else "Every batch meets the target."))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
