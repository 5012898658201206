"""The routing rules on their own: each rule alone, the rules together, and the round-robin's fairness.

``leads.routing`` is pure (the services load the facts), so these tests need no database.
"""

from collections import Counter

from leads.routing import Candidate, LeadFacts, Rules, route

ROUTER, SWITCH = 101, 102


def partner(pk, name, **kw) -> Candidate:
    kw.setdefault("countries", frozenset({"US"}))
    return Candidate(partnership_id=pk, partner_id=1000 + pk, partner_name=name, **kw)


def lead(country="US", **kw) -> LeadFacts:
    kw.setdefault("sku_of", {ROUTER: "ACM-R100", SWITCH: "ACM-S48"})
    return LeadFacts(id=1, country=country, **kw)


def plain(**kw) -> Rules:
    return Rules(weigh_by_performance=False, **kw)


# --- each rule alone -----------------------------------------------------------------------------------------


def test_territory_by_country():
    us, de = partner(1, "Initech", countries=frozenset({"US", "CA"})), partner(2, "Umbrella", countries={"DE"})
    choice = route(lead("DE"), [us, de], plain())
    assert choice.candidate is de
    assert "covers DE" in choice.explanation
    nobody = route(lead("FR"), [us, de], plain())
    assert nobody.candidate is None and nobody.explanation == "no partner covers FR"


def test_territory_by_region_or_postcode_prefix():
    texas = partner(1, "Lone Star IT", regions=("tx",))
    ohio = partner(2, "Buckeye Networks", regions=("43",))  # Ohio's postcodes start 43…
    assert route(lead(region="TX"), [texas, ohio], plain()).candidate is texas
    choice = route(lead(region="Ohio", postcode="43215"), [texas, ohio], plain())
    assert choice.candidate is ohio and "covers postcodes 43… in US" in choice.explanation
    assert route(lead(region="Maine", postcode="04101"), [texas, ohio], plain()).candidate is None
    # The local partner comes before one that covers the whole country; elsewhere the nationwide one gets it.
    nationwide = partner(3, "Coast to Coast")
    assert route(lead(region="TX"), [nationwide, texas], plain()).candidate is texas
    assert route(lead(region="Maine"), [nationwide, texas], plain()).candidate is nationwide


def test_a_local_partner_that_is_full_or_out_of_tier_leaves_the_lead_to_a_nationwide_one():
    texas = partner(1, "Lone Star IT", regions=("tx",), capacity=1, open_leads=1, tier_id=7, tier_name="Gold")
    nationwide = partner(2, "Coast to Coast", tier_id=7, tier_name="Gold")
    choice = route(lead(region="TX"), [texas, nationwide], plain())
    assert choice.candidate is nationwide and "covers US" in choice.explanation
    texas.open_leads, texas.tier_id = 0, 8
    gold_only = plain(tier_ids=frozenset({7}), tier_names=("Gold",))
    assert route(lead(region="TX"), [texas, nationwide], gold_only).candidate is nationwide


def test_territory_off_routes_anywhere():
    de = partner(1, "Umbrella", countries={"DE"})
    assert route(lead("FR"), [de], plain(match_territory=False)).candidate is de


def test_tier():
    gold = partner(1, "Initech", tier_id=7, tier_name="Gold")
    silver = partner(2, "Umbrella", tier_id=8, tier_name="Silver")
    choice = route(lead(), [silver, gold], plain(tier_ids=frozenset({7}), tier_names=("Gold",)))
    assert choice.candidate is gold and "Gold tier" in choice.explanation
    assert route(lead(), [silver], plain(tier_ids=frozenset({7}), tier_names=("Gold",))).explanation == (
        "no partner in the Gold tier covers it"
    )


def test_product_specialists_are_preferred_but_not_required():
    generalist, specialist = partner(1, "Initech"), partner(2, "Umbrella", product_ids=frozenset({SWITCH}))
    choice = route(lead(product_ids=frozenset({SWITCH})), [generalist, specialist], plain())
    assert choice.candidate is specialist and "specialises in ACM-S48" in choice.explanation
    # Nobody specialises in routers: everyone who covers the lead stays in the running.
    assert route(lead(product_ids=frozenset({ROUTER})), [generalist, specialist], plain()).candidate is generalist
    assert (
        route(lead(product_ids=frozenset({SWITCH})), [generalist, specialist], plain(match_products=False)).candidate
        is generalist
    )


def test_capacity_own_or_the_vendors_default():
    full = partner(1, "Initech", capacity=2, open_leads=2)
    room = partner(2, "Umbrella", open_leads=5)
    choice = route(lead(), [full, room], plain(default_capacity=10))
    assert choice.candidate is room and "5 of 10 open leads" in choice.explanation
    assert route(lead(), [full], plain()).explanation == "every matching partner is at its capacity of open leads"


def test_never_back_to_a_partner_that_rejected_or_missed_it():
    a, b = partner(1, "Initech"), partner(2, "Umbrella")
    assert route(lead(excluded=frozenset({1})), [a, b], plain()).candidate is b
    nobody = route(lead(excluded=frozenset({1, 2})), [a, b], plain())
    assert nobody.candidate is None and "already rejected or missed" in nobody.explanation
    texas = partner(3, "Lone Star IT", regions=("tx",))
    alone = route(lead(region="TX", excluded=frozenset({3})), [texas, partner(4, "Buckeye", regions=("oh",))], plain())
    assert alone.explanation == "no partner covers TX, US but those that already rejected or missed it"


def test_a_partner_that_takes_no_leads_gets_none():
    assert route(lead(), [partner(1, "Initech", accepts_leads=False)], plain()).candidate is None


# --- together ------------------------------------------------------------------------------------------------


def test_the_rules_together_and_the_explanation_names_each():
    rules = Rules(tier_ids=frozenset({7}), tier_names=("Gold",), default_capacity=3, weigh_by_performance=False)
    wrong_place = partner(1, "Nordic", countries={"SE"}, tier_id=7, tier_name="Gold", product_ids={SWITCH})
    wrong_tier = partner(2, "Silverline", tier_id=8, tier_name="Silver", product_ids={SWITCH})
    full = partner(3, "Busy", tier_id=7, tier_name="Gold", product_ids={SWITCH}, open_leads=3)
    generalist = partner(4, "Generalist", tier_id=7, tier_name="Gold")
    specialist = partner(5, "Switch Experts", regions=("tx",), tier_id=7, tier_name="Gold", product_ids={SWITCH})
    choice = route(
        lead(region="TX", product_ids=frozenset({SWITCH})),
        [wrong_place, wrong_tier, full, generalist, specialist],
        rules,
    )
    assert choice.candidate is specialist
    assert choice.explanation == (
        "covers TX, US; Gold tier; 0 of 3 open leads; specialises in ACM-S48; the only partner that matches"
    )
    assert (specialist.open_leads, specialist.recent_offers) == (1, 1)  # the next lead of the batch sees it


# --- round-robin ---------------------------------------------------------------------------------------------


def test_plain_round_robin_shares_equally():
    pool = [partner(pk, f"P{pk}") for pk in (1, 2, 3)]
    shares = Counter(route(lead(), pool, plain()).candidate.partner_name for _ in range(300))
    assert shares == {"P1": 100, "P2": 100, "P3": 100}


def test_round_robin_continues_from_the_recent_shares():
    behind, ahead = partner(1, "Behind", recent_offers=0), partner(2, "Ahead", recent_offers=4)
    picks = [route(lead(), [behind, ahead], plain()).candidate.partner_name for _ in range(6)]
    assert picks[:4] == ["Behind"] * 4 and sorted(picks[4:]) == ["Ahead", "Behind"]


def test_weighted_round_robin_follows_acceptance_and_win_rates():
    # Accepts 9 in 10 and wins half vs accepts 1 in 10 and wins nothing.
    strong = partner(1, "Strong", answered=10, accepted=9, closed=8, won=4)
    weak = partner(2, "Weak", answered=10, accepted=1, closed=1, won=0)
    shares = Counter(route(lead(), [strong, weak], Rules()).candidate.partner_name for _ in range(1000))
    ratio = strong.weight(Rules()) / weak.weight(Rules())
    assert shares["Strong"] + shares["Weak"] == 1000
    assert abs(shares["Strong"] / shares["Weak"] - ratio) < 0.05 * ratio
    assert shares["Weak"] > 0  # a weak partner still gets its (smaller) turn


def test_a_new_partner_starts_with_an_even_weight():
    new = partner(1, "New")
    assert new.acceptance == 0.5 and new.win_rate == 0.5
    explanation = route(lead(), [new, partner(2, "Other")], Rules()).explanation
    assert "50% accepted, 50% won" in explanation
