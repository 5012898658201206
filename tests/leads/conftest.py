"""The lead tests' channel: Acme with four partners covering different territories, and Globex. Every lead test
ends with the vendors' and distributors' kept lead counts equal to a count of their leads: a service that moves a
lead without keeping them fails the test that exercised it."""

from decimal import Decimal

import pytest
from django.db.models import Count

from leads.models import Lead, LeadCoverage, LeadTally
from tests import factories as f
from tests.after_each import after_each
from vendors.models import Membership


@pytest.fixture
def world():
    """Acme with three partners: Lone Star (Gold, Texas), Initech (Gold, the whole US, switches) and Umbrella
    (Silver, the US); Hooli covers Germany. Globex is another vendor that shares Initech."""
    from types import SimpleNamespace

    acme, globex = f.vendor("Acme Networks"), f.vendor("Globex Security")
    gold = f.TierFactory(vendor=acme, name="Gold", rank=2, discount_percent=Decimal("30"))
    silver = f.TierFactory(vendor=acme, name="Silver", rank=1)
    router = f.ProductFactory(vendor=acme, sku="ACM-R100")
    switch = f.ProductFactory(vendor=acme, sku="ACM-S48")
    globex_fw = f.ProductFactory(vendor=globex, sku="GLX-FW")
    w = SimpleNamespace(acme=acme, globex=globex, gold=gold, silver=silver, router=router, switch=switch)
    w.globex_fw = globex_fw
    w.manager = f.member(acme, Membership.Role.MANAGER)
    w.acme_member = f.member(acme, Membership.Role.MEMBER)
    w.globex_manager = f.member(globex, Membership.Role.MANAGER)
    for key, name, tier, countries, regions, products in (
        ("lonestar", "Lone Star IT", gold, ["US"], ["TX"], []),
        ("initech", "Initech Solutions", gold, ["US"], [], [switch]),
        ("umbrella", "Umbrella IT", silver, ["US"], [], []),
        ("hooli", "Hooli GmbH", silver, ["DE", "AT"], [], []),
    ):
        org = f.partner(name)
        p = f.partnership(acme, org, tier)
        coverage = LeadCoverage.objects.create(partnership=p, vendor=acme, countries=countries, regions=regions)
        coverage.products.set(products)
        setattr(w, key, org)
        setattr(w, f"{key}_acme", p)
        setattr(w, f"{key}_rep", f.member(org, Membership.Role.MEMBER))
    f.partnership(globex, w.initech, f.TierFactory(vendor=globex))
    return w


def tallies_kept() -> dict:
    return {(t.organization_id, t.own, t.status): t.count for t in LeadTally.objects.all() if t.count}


def tallies_counted() -> dict:
    found = {}
    for side in ("vendor_id", "distributor_id"):
        rows = (
            Lead.objects.filter(source=Lead.Source.VENDOR, **{f"{side}__isnull": False})
            .values_list(side, "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        found.update({(o, False, s): n for o, s, n in rows})
    registered = (
        Lead.objects.filter(source=Lead.Source.PARTNER, deal__isnull=False)
        .exclude(deal__status="draft")
        .values_list("vendor_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    found.update({(o, True, s): n for o, s, n in registered})
    return found


def _kept():
    assert tallies_kept() == tallies_counted()


@pytest.fixture(autouse=True)
def lead_tallies_kept(request):
    yield from after_each(request, _kept)
