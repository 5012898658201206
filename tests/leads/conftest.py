"""The lead tests' channel: Acme with four partners covering different territories, and Globex. (Every lead test
ends with the kept lead counts equal to a count of the leads: ``tests/conftest.py``.)"""

from decimal import Decimal

import pytest

from leads.models import LeadCoverage
from tests import factories as f
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

