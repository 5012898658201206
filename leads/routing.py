"""Choosing the partner for a lead: the vendor's rules, applied to facts loaded once per batch.

Nothing here touches the database: ``leads.services`` loads the rules, the candidates (the vendor's active
partnerships with their coverage and record) and each lead's exclusions in a fixed number of queries, then asks
:func:`route` for each lead in turn. Every choice comes with the reasons a person can read.

The rules, in order:

1. **Exclusions**: never a partner that rejected or missed this lead, nor one that does not take leads.
2. **Territory** (``match_territory``): the partner covers the lead's country; where it names regions, the
   lead's region (or a postcode prefix) too. Partners covering the lead's region come before partners
   covering the whole country.
3. **Tier** (``tiers``): only partners in the vendor's chosen tiers.
4. **Capacity**: fewer open leads than the partner's capacity (its own, else the vendor's default).
5. **Product specialisation** (``match_products``): when some of the remaining partners specialise in a
   product the lead is interested in, only they stay.
6. **Weighted round-robin**: the partner furthest behind its fair share gets it, i.e. the lowest
   ``(leads offered recently + 1) / weight``, where the weight is the partner's smoothed acceptance rate times
   its smoothed win rate (1 for everyone with ``weigh_by_performance`` off). Over many leads each partner's share
   tends to its weight's share; ties go to the partnership made first.
"""

from dataclasses import dataclass, field


@dataclass
class Rules:
    match_territory: bool = True
    tier_ids: frozenset = frozenset()
    tier_names: tuple = ()
    match_products: bool = True
    default_capacity: int | None = None
    weigh_by_performance: bool = True


@dataclass
class Candidate:
    partnership_id: int
    partner_id: int
    partner_name: str
    distributor_id: int | None = None
    tier_id: int | None = None
    tier_name: str = ""
    countries: frozenset = frozenset()
    regions: tuple = ()  # lowercased
    product_ids: frozenset = frozenset()
    capacity: int | None = None
    accepts_leads: bool = True
    open_leads: int = 0
    recent_offers: int = 0
    # The record the weight is made of: offers answered (accepted + rejected + missed), accepted, and of the
    # accepted ones those that ended in a won deal, and those closed either way.
    answered: int = 0
    accepted: int = 0
    won: int = 0
    closed: int = 0

    @property
    def acceptance(self) -> float:
        return (self.accepted + 1) / (self.answered + 2)

    @property
    def win_rate(self) -> float:
        return (self.won + 1) / (self.closed + 2)

    def weight(self, rules: Rules) -> float:
        return self.acceptance * self.win_rate if rules.weigh_by_performance else 1.0

    def capacity_under(self, rules: Rules) -> int | None:
        return self.capacity if self.capacity is not None else rules.default_capacity


@dataclass
class LeadFacts:
    id: int
    country: str
    region: str = ""
    postcode: str = ""
    product_ids: frozenset = frozenset()
    excluded: frozenset = frozenset()  # partnership ids that rejected or missed it
    sku_of: dict = field(default_factory=dict)  # product id -> SKU, for the explanation


@dataclass
class Choice:
    candidate: Candidate | None
    reasons: list[str]

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


def _covers(candidate: Candidate, lead: LeadFacts) -> str | None:
    """The territory reason if the candidate covers the lead's place, else ``None``."""
    if lead.country not in candidate.countries:
        return None
    if not candidate.regions:
        return f"covers {lead.country}"
    region, postcode = lead.region.strip().lower(), lead.postcode.strip().lower().replace(" ", "")
    for entry in candidate.regions:
        if region and entry == region:
            return f"covers {lead.region.strip()}, {lead.country}"
        if postcode and entry.replace(" ", "") and postcode.startswith(entry.replace(" ", "")):
            return f"covers postcodes {entry.upper()}… in {lead.country}"
    return None


def _in_territory(candidate: Candidate, lead: LeadFacts) -> bool:
    """``_covers(candidate, lead) is not None``, without writing the reason (most candidates are not chosen)."""
    return lead.country in candidate.countries and (not candidate.regions or _covers(candidate, lead) is not None)


def route(lead: LeadFacts, candidates: list[Candidate], rules: Rules) -> Choice:
    """The partner this lead goes to under ``rules``, and why; or ``None`` and why nobody.

    Each rule narrows the pool; the reasons are written for the chosen partner only. The chosen candidate's
    ``open_leads`` and ``recent_offers`` are counted up, so the next lead of the same batch sees them."""
    pool = [c for c in candidates if c.accepts_leads and c.partnership_id not in lead.excluded]
    if not pool:
        return Choice(None, ["no partner left that has not already rejected or missed it"])

    if rules.match_territory:
        pool = [c for c in pool if _in_territory(c, lead)]
        if not pool:
            place = f"{lead.region.strip()}, {lead.country}" if lead.region.strip() else lead.country
            if any(_in_territory(c, lead) for c in candidates if c.partnership_id in lead.excluded):
                return Choice(None, [f"no partner covers {place} but those that already rejected or missed it"])
            return Choice(None, [f"no partner covers {place}"])

    if rules.tier_ids:
        pool = [c for c in pool if c.tier_id in rules.tier_ids]
        if not pool:
            return Choice(None, [f"no partner in the {' or '.join(rules.tier_names) or 'chosen'} tier covers it"])

    default = rules.default_capacity
    pool = [
        c
        for c in pool
        if (c.capacity if c.capacity is not None else default) is None
        or c.open_leads < (c.capacity if c.capacity is not None else default)
    ]
    if not pool:
        return Choice(None, ["every matching partner is at its capacity of open leads"])

    if rules.match_territory:
        # The most specific territory wins: partners that name the lead's region (and have room) before those
        # covering the whole country.
        pool = [c for c in pool if c.regions] or pool

    specialised = False
    if rules.match_products and lead.product_ids:
        specialists = [c for c in pool if c.product_ids & lead.product_ids]
        if specialists:
            pool, specialised = specialists, True

    weighed = rules.weigh_by_performance
    chosen = min(pool, key=lambda c: ((c.recent_offers + 1) / (c.weight(rules) if weighed else 1.0), c.partnership_id))
    reasons = []
    if rules.match_territory:
        reasons.append(_covers(chosen, lead))
    if rules.tier_ids:
        reasons.append(f"{chosen.tier_name} tier")
    limit = chosen.capacity_under(rules)
    if limit is not None:
        reasons.append(f"{chosen.open_leads} of {limit} open leads")
    if specialised:
        skus = sorted(lead.sku_of.get(pid, str(pid)) for pid in chosen.product_ids & lead.product_ids)
        reasons.append(f"specialises in {', '.join(skus)}")
    if len(pool) == 1:
        reasons.append("the only partner that matches")
    elif weighed:
        reasons.append(
            f"next in turn among {len(pool)} matching partners ({chosen.recent_offers} recent leads; "
            f"{chosen.acceptance:.0%} accepted, {chosen.win_rate:.0%} won, smoothed)"
        )
    else:
        reasons.append(f"next in turn among {len(pool)} matching partners ({chosen.recent_offers} recent leads)")
    chosen.open_leads += 1
    chosen.recent_offers += 1
    return Choice(chosen, reasons)
