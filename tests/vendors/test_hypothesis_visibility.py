"""Random channels: for every person, the selectors show exactly what the rules say, computed from first principles.

Each example builds its channel through the services (as production does) inside a transaction that is rolled
back at the end, so examples do not see each other's rows.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories as f
from vendors import selectors, services
from vendors.models import Membership, Partnership

User = get_user_model()
Status = Partnership.Status
STATUSES = list(Status.values)
CLOSED = (Status.DECLINED, Status.ENDED)


@dataclass
class Spec:
    vendors: int
    distributors: int
    partners: int
    # (vendor, partner, distributor or None, status, status of a re-application after a close, or None)
    edges: list = field(default_factory=list)
    distributions: list = field(default_factory=list)  # extra (vendor, distributor) without partnerships
    retired: list = field(default_factory=list)  # per vendor: also has a retired product
    closed_directory: list = field(default_factory=list)  # per vendor: stopped taking applications
    two_orgs: tuple | None = None  # one person in two organizations: ((kind, index), (kind, index))


@st.composite
def channels(draw) -> Spec:
    spec = Spec(vendors=draw(st.integers(2, 4)), distributors=draw(st.integers(0, 2)), partners=draw(st.integers(2, 5)))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, spec.vendors - 1), st.integers(0, spec.partners - 1)),
            unique=True,
            max_size=spec.vendors * spec.partners,
        )
    )
    distributor = st.none() | st.integers(0, spec.distributors - 1) if spec.distributors else st.none()
    for vendor, partner in pairs:
        status = draw(st.sampled_from(STATUSES))
        again = draw(st.none() | st.sampled_from(STATUSES)) if status in CLOSED else None
        spec.edges.append((vendor, partner, draw(distributor), status, again))
    if spec.distributors:
        spec.distributions = draw(
            st.lists(
                st.tuples(st.integers(0, spec.vendors - 1), st.integers(0, spec.distributors - 1)),
                unique=True,
                max_size=3,
            )
        )
    spec.retired = draw(st.lists(st.booleans(), min_size=spec.vendors, max_size=spec.vendors))
    spec.closed_directory = draw(st.lists(st.booleans(), min_size=spec.vendors, max_size=spec.vendors))
    orgs = [("vendor", i) for i in range(spec.vendors)]
    orgs += [("partner", i) for i in range(spec.partners)]
    orgs += [("distributor", i) for i in range(spec.distributors)]
    if draw(st.booleans()):
        spec.two_orgs = tuple(draw(st.lists(st.sampled_from(orgs), min_size=2, max_size=2, unique=True)))
    return spec


class World:
    """The channel a Spec describes, built through the services, and the rules applied to it by hand."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.vendors = [f.vendor() for _ in range(spec.vendors)]
        self.partners = [f.partner() for _ in range(spec.partners)]
        self.distributors = [f.distributor() for _ in range(spec.distributors)]
        self.tiers = {v.pk: f.TierFactory(vendor=v) for v in self.vendors}
        self.products = []  # (product, vendor_id, active)
        for vendor, retired in zip(self.vendors, spec.retired, strict=True):
            self.products.append((f.ProductFactory(vendor=vendor), vendor.pk, True))
            if retired:
                self.products.append((f.ProductFactory(vendor=vendor, active=False), vendor.pk, False))
        self.distribution_pairs = set()  # (vendor_id, distributor_id), all active
        for v, d in spec.distributions:
            f.distribution(self.vendors[v], self.distributors[d])
            self.distribution_pairs.add((self.vendors[v].pk, self.distributors[d].pk))
        self.edges = []  # (partnership, vendor_id, partner_id, distributor_id or None, status)
        for v, p, d, status, again in spec.edges:
            vendor, partner = self.vendors[v], self.partners[p]
            dist = self.distributors[d] if d is not None else None
            for s in (status, again):
                if s is None:
                    continue
                made = f.partnership(vendor, partner, self.tiers[vendor.pk], status=s, distributor=dist)
                assert made.status == s
                self.edges.append((made, vendor.pk, partner.pk, dist.pk if dist else None, s))
            if dist is not None:
                self.distribution_pairs.add((vendor.pk, dist.pk))
        self.directory = set()
        for vendor, closed in zip(self.vendors, spec.closed_directory, strict=True):
            if closed:
                services.program_update(
                    actor=f.admin_of(vendor), vendor=vendor, accepts_applications=False, program_criteria=""
                )
            else:
                self.directory.add(vendor.pk)

        # People: every organization's admin and one member, an outsider, maybe someone in two organizations.
        self.people = []  # (user, set of organization ids)
        for org in (*self.vendors, *self.partners, *self.distributors):
            self.people.append((f.admin_of(org), {org.pk}))
            self.people.append((f.member(org, Membership.Role.MEMBER), {org.pk}))
        self.people.append((f.UserFactory(), set()))
        if spec.two_orgs:
            groups = {"vendor": self.vendors, "partner": self.partners, "distributor": self.distributors}
            orgs = [groups[kind][i] for kind, i in spec.two_orgs]
            person = f.member(orgs[0], Membership.Role.MEMBER)
            services.membership_add(organization=orgs[1], user=person, role=Membership.Role.MEMBER)
            self.people.append((person, {o.pk for o in orgs}))

    # --- the rules, from first principles -----------------------------------------------------------------

    def partnerships_for(self, orgs: set) -> set:
        """Each side sees its own edges, whatever their status (records stay visible after they close)."""
        return {p.pk for p, v, pa, d, _ in self.edges if v in orgs or pa in orgs or (d is not None and d in orgs)}

    def program_vendors(self, orgs: set) -> set:
        """Own vendor; vendors a partner or distributor is ACTIVE with; vendors a distributor distributes."""
        vendors = {v.pk for v in self.vendors if v.pk in orgs}
        vendors |= {v for _, v, pa, d, s in self.edges if s == Status.ACTIVE and (pa in orgs or d in orgs)}
        vendors |= {v for v, d in self.distribution_pairs if d in orgs}
        return vendors

    def products_for(self, orgs: set) -> set:
        program = self.program_vendors(orgs)
        return {p.pk for p, v, active in self.products if v in orgs or (v in program and active)}

    def tiers_for(self, orgs: set) -> set:
        program = self.program_vendors(orgs)
        return {t.pk for v, t in self.tiers.items() if v in program}

    def organizations_for(self, orgs: set) -> set:
        if not orgs:
            return set()
        seen = set(orgs) | self.directory
        for _, v, pa, d, _ in self.edges:
            if v in orgs or pa in orgs or (d is not None and d in orgs):
                seen |= {v, pa} | ({d} if d is not None else set())
        for v, d in self.distribution_pairs:
            if v in orgs or d in orgs:
                seen |= {v, d}
        return seen


def pks(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None)
@given(spec=channels())
def test_every_person_sees_exactly_what_the_rules_say(spec):
    with transaction.atomic():
        world = World(spec)
        assert [orgs for _, orgs in world.people].count(set()) == 1  # the outsider is asked too
        for person, orgs in world.people:
            person = User.objects.get(pk=person.pk)  # a fresh request
            assert pks(selectors.partnerships_visible_to(person)) == world.partnerships_for(orgs), orgs
            assert pks(selectors.products_visible_to(person)) == world.products_for(orgs), orgs
            assert pks(selectors.tiers_visible_to(person)) == world.tiers_for(orgs), orgs
            assert pks(selectors.organizations_visible_to(person)) == world.organizations_for(orgs), orgs
            assert set(selectors.events_visible_to(person).values_list("partnership_id", flat=True)) == (
                world.partnerships_for(orgs)
            )
        transaction.set_rollback(True)
