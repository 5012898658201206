"""Routing a batch stays cheap as it grows: the same queries for 10 leads as for 100, and each lead routed among
the partners that cover its place (an index), with exactly the choice and reasons of routing it among all."""

import copy
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads import services
from leads.models import Lead
from leads.routing import Candidate, LeadFacts, Rules, route
from tests import factories as f

Status = Lead.Status


def batch(w, n):
    """``n`` leads in Texas, elsewhere in the US and in Germany: they go to all four of Acme's partners."""
    places = [{"region": "TX"}, {"region": "OH"}, {"country": "DE"}, {"postcode": "10115"}]
    rows = [f.lead_row(company=f"Clinic {k}", **places[k % len(places)]) for k in range(n)]
    return f.leads(w.manager, w.acme, *rows, route=False)


@pytest.mark.django_db
def test_routing_10_or_100_leads_takes_the_same_queries(world):
    w = world
    small, large = batch(w, 10), batch(w, 100)
    with CaptureQueriesContext(connection) as ten:
        services.leads_route(vendor=w.acme, lead_ids=[lead.pk for lead in small])
    with CaptureQueriesContext(connection) as hundred:
        services.leads_route(vendor=w.acme, lead_ids=[lead.pk for lead in large])
    told = {
        size: set(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("partner_id", flat=True))
        for size, leads in ((10, small), (100, large))
    }
    assert told[10] == told[100] == {w.lonestar.pk, w.initech.pk, w.umbrella.pk, w.hooli.pk}
    assert Lead.objects.filter(status=Status.OFFERED).count() == 110
    assert len(hundred) == len(ten), [q["sql"][:120] for q in hundred.captured_queries]


# --- the territory index -------------------------------------------------------------------------------------

COUNTRIES = ["US", "US", "US", "DE", "GB", "CA", "FR"]
REGIONS = ["tx", "ca", "ny", "bayern", "sw", "sw1a", "m", "m1", "80", "803", "10 1", "ec1", "750"]


def candidates(rng, n) -> list[Candidate]:
    found = []
    for pk in range(1, n + 1):
        countries = set(rng.sample(COUNTRIES, rng.choice((1, 1, 2))))
        regions = tuple(rng.sample(REGIONS, rng.choice((0, 0, 1, 2, 3))))
        found.append(
            Candidate(
                partnership_id=pk,
                partner_id=1000 + pk,
                partner_name=f"Partner {pk}",
                tier_id=rng.choice((1, 2)),
                tier_name="Gold",
                countries=frozenset(countries),
                regions=regions,
                product_ids=frozenset(rng.sample(range(5), rng.choice((0, 0, 1, 2)))),
                capacity=rng.choice((None, None, 2, 5)),
                accepts_leads=rng.random() > 0.1,
                recent_offers=rng.randrange(5),
                answered=rng.randrange(10),
                accepted=rng.randrange(5),
            )
        )
    return found


def leads(rng, n, partnerships) -> list[LeadFacts]:
    return [
        LeadFacts(
            id=k,
            country=rng.choice(COUNTRIES + ["JP", "GB", "DE"]),
            region=rng.choice(["", "TX", " tx ", "Bayern", "OH", "CA"]),
            postcode=rng.choice(["", "80331", "SW1A 1AA", "10 115", "M1 1AE", "EC1V 9", "75001"]),
            product_ids=frozenset(rng.sample(range(5), rng.choice((0, 1, 2)))),
            excluded=frozenset(rng.sample(range(1, partnerships + 1), rng.choice((0, 0, 1, 5, 20)))),
        )
        for k in range(n)
    ]


@pytest.mark.parametrize("seed", range(5))
def test_routing_among_the_partners_covering_the_lead_chooses_as_routing_among_all(seed):
    rng = random.Random(seed)
    everyone = candidates(rng, 60)
    rules = Rules(match_territory=True, default_capacity=rng.choice((None, 3)), weigh_by_performance=seed % 2 == 0)
    if seed == 4:
        rules.tier_ids, rules.tier_names = frozenset({2}), ("Gold",)
    indexed = copy.deepcopy(everyone)
    territories = services._Territories(indexed)
    for facts in leads(rng, 1_000, 60):
        expected = route(facts, everyone, rules)
        got = route(facts, territories.for_lead(facts), rules)
        assert got.reasons == expected.reasons, facts
        assert (got.candidate and got.candidate.partnership_id) == (
            expected.candidate and expected.candidate.partnership_id
        )
    # Both ways counted the same offers against the same partners.
    assert [(c.open_leads, c.recent_offers) for c in indexed] == [(c.open_leads, c.recent_offers) for c in everyone]
