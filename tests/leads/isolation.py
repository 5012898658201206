"""Lead distribution in the isolation suite: its rows in the world, who may see and change them, and how its routes
are attacked (see ``tests/isolation/plugins.py`` for what each name means).

Leads are made through ``leads.services`` (``records``): V0 covers its active partners for one country and sends them
leads, which routing offers around (each partner is told of the ones offered to it), one is accepted and given to a
rep by the partner's manager (V0 is told, but never learns who) with a note of the partner's, one covers nowhere and
waits; another vendor's partners get leads of theirs. V0 imported a file (its rows are leads, routed) and has another
waiting, as do the other vendor and the outsider. P0 added leads of its own at V0: one it works (with a note), one
registered as a deal (V0 sees it then) and one kept as a draft registration (V0 does not). Before V0 suspended or
ended a partnership, it offered that partner leads by hand (``before_closing``).
"""

import itertools
import json
from datetime import UTC, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from leads import services as leads
from leads.models import Lead, LeadCoverage, LeadEvent, LeadImport, LeadNote, LeadOffer, LeadRules
from tests.deals.isolation import DEAL, DEAL_QUANTITY, DealStatus, catalog_of, close_date, foreign_product, lines_form
from tests.isolation import world as w
from tests.isolation.plugins import contains, equals
from tests.vendors.isolation import SIDE, Kind, Role, Status, foreign_tier, nothing, reason, vendor_tiers
from vendors.models import Organization, Partnership

LEAD, OFFER, LEAD_EVENT = "leads.Lead", "leads.LeadOffer", "leads.LeadEvent"
LEAD_RULES, COVERAGE = "leads.LeadRules", "leads.LeadCoverage"
LEAD_IMPORT, LEAD_NOTE = "leads.LeadImport", "leads.LeadNote"
LEAD_TALLY = "leads.LeadTally"
# The lead tables' many-to-many rows: a lead's products of interest, the tiers a vendor's rules send leads to, the
# products a partner's coverage specialises in.
LEAD_PRODUCTS = Lead.products.through._meta.label
LEAD_RULE_TIERS = LeadRules.tiers.through._meta.label
COVERAGE_PRODUCTS = LeadCoverage.products.through._meta.label
found_markers = w.found_markers

# --- the world ------------------------------------------------------------------------------------------------


def before_closing(world, p, status):
    """V0's admin offers leads to ``p`` by hand (the partnership's history names them to the partner; the offer's
    reason does too): one accepted by the partner, with a note of its own, one waiting for an answer; and one the
    partner found itself."""
    # V0's admin offers them (the partnership's history names them to the partner; the offer's reason does too).
    vendor_admin, partner_manager = world.people[p.vendor_id, Role.ADMIN], world.people[p.partner_id, Role.MANAGER]
    rows = []
    for _ in range(2):
        marker = world.markers.new("led")
        rows.append({"company": f"Prospect {marker}", "contact_name": "Pat Lee", "country": "US"})
    made = leads.leads_create(actor=vendor_admin, vendor=p.vendor, rows=rows, route=False)
    for lead, data in zip(made, rows, strict=True):
        world.markers.own(found_markers(data["company"]).pop(), LEAD, lead.pk)
        leads.lead_offer_to(actor=vendor_admin, lead=lead, partnership=p)
    accepted = leads.lead_accept(actor=partner_manager, lead=Lead.objects.get(pk=made[0].pk))
    _lead_note(world, accepted, Role.MANAGER)
    _own_lead(world, p, partner_manager)


def records(world):
    """Leads of V0 and of one more vendor, routed by ``leads.services`` among the partners that cover the US; one
    of each accepted (and given to a rep), with a note of the partner holding it. V0 also imported a file (its
    leads routed the same way) and has another waiting for confirmation; every vendor with leads, and the
    outsider, has a file waiting. P0 added leads of its own at V0: one it works, one registered as a deal (V0
    sees that one) and one kept as a draft registration (V0 does not see it, nor its draft)."""
    active = list(Partnership.objects.filter(status=Status.ACTIVE).select_related("vendor").order_by("pk"))
    suspended = set(Organization.objects.exclude(status=Organization.Status.ACTIVE).values_list("pk", flat=True))
    vendors = []
    for vendor in (world.vendors[0], *world.vendors[1:-1]):
        if vendor.pk not in suspended and vendor not in vendors and any(p.vendor_id == vendor.pk for p in active):
            vendors.append(vendor)
    for vendor in vendors[:2]:
        LeadRules.objects.create(vendor=vendor, sla_hours=24, default_capacity=50)
        for p in (p for p in active if p.vendor_id == vendor.pk):
            LeadCoverage.objects.create(partnership=p, vendor=vendor, countries=["US"])
        rows = []
        for country in ("US", "US", "US", "FR"):
            marker = world.markers.new("led")
            rows.append({"company": f"Prospect {marker}", "contact_name": "Pat Lee", "country": country})
        made = leads.leads_create(actor=world.people[vendor.pk, Role.MANAGER], vendor=vendor, rows=rows)
        for lead, data in zip(made, rows, strict=True):
            world.markers.own(found_markers(data["company"]).pop(), LEAD, lead.pk)
        offered = next((lead for lead in made if lead.partner_id), None)
        if offered is not None:  # by the partner's manager, whom no registration names: the vendor never learns who
            manager = world.people[offered.partner_id, Role.MANAGER]
            accepted = leads.lead_accept(actor=manager, lead=offered)
            accepted = leads.lead_assign_rep(actor=manager, lead=accepted, rep=manager)
            _lead_note(world, accepted, Role.ADMIN)
        if vendor == world.vendors[0]:
            _lead_import(world, vendor, confirm=True)
        _lead_import(world, vendor)
    _lead_import(world, world.vendors[-1])
    v0, p0 = world.vendors[0], world.partners[0]
    home = next(p for p in active if (p.vendor_id, p.partner_id) == (v0.pk, p0.pk))
    member = world.people[p0.pk, Role.MEMBER]
    kept = _own_lead(world, home, member)
    _lead_note(world, kept, Role.MEMBER)
    if world.builds("deals"):
        for submit in (True, False):
            lead = _own_lead(world, home, member)
            marker = world.markers.new("dtl")
            deal = leads.lead_convert(
                actor=member,
                lead=lead,
                title=f"Deal {marker}",
                expected_close_date=timezone.localdate() + timedelta(days=60),
                lines=[(world.catalog[v0.pk][0].pk, DEAL_QUANTITY)],
                submit=submit,
            )
            world.markers.own(marker, DEAL, deal.pk)


def _own_lead(world, partnership, actor) -> Lead:
    """A lead the partner found itself, for the partnership's vendor (a marker in its company, owned by it)."""
    marker = world.markers.new("led")
    lead = leads.lead_create_own(
        actor=actor,
        partner=partnership.partner,
        partnership=partnership,
        data={"company": f"Own prospect {marker}", "contact_name": "Sam Ray", "country": "US"},
    )
    world.markers.own(marker, LEAD, lead.pk)
    return lead


def _lead_note(world, lead, role) -> LeadNote:
    marker = world.markers.new("lnt")
    note = leads.lead_note_add(actor=world.people[lead.partner_id, role], lead=lead, body=f"Called {marker}.")
    world.markers.own(marker, LEAD_NOTE, note.pk)
    return note


def _lead_import(world, vendor, *, confirm=False) -> LeadImport:
    """A file of leads the vendor's manager uploaded: two valid rows and one naming a product it does not sell
    (the report shows it), left waiting or confirmed (then its rows are leads, routed)."""
    m = world.markers
    name, companies, sku = m.new("imp"), [m.new("led" if confirm else "imr") for _ in range(2)], m.new("ims")
    text = "company,contact_name,country,products\n"
    text += "".join(f"Prospect {company},Pat Lee,US,\n" for company in companies)
    text += f"Prospect {name},Pat Lee,US,{sku}\n"
    upload = SimpleUploadedFile(f"leads-{name}.csv", text.encode(), content_type="text/csv")
    manager = world.people[vendor.pk, Role.MANAGER]
    staged = leads.lead_import_stage(actor=manager, vendor=vendor, upload=upload)
    for marker in (name, sku):
        m.own(marker, LEAD_IMPORT, staged.pk)
    if confirm:
        made = leads.lead_import_confirm(actor=manager, lead_import=staged)
        for lead, company in zip(made, companies, strict=True):
            m.own(company, LEAD, lead.pk)
    else:
        for company in companies:
            m.own(company, LEAD_IMPORT, staged.pk)
    return staged


# --- who may see what -----------------------------------------------------------------------------------------

VISIBLE = {
    LEAD: "leads",
    OFFER: "lead_offers",
    LEAD_EVENT: "lead_events",
    LEAD_RULES: "lead_rules",
    COVERAGE: "lead_coverage",
    LEAD_IMPORT: "lead_imports",
    LEAD_NOTE: "lead_notes",
}
NOT_LISTED = {
    LEAD_TALLY: "a vendor's or distributor's kept lead counts: shown as its lists' counts, scanned with them",
}


def load(rules) -> dict:
    rules.lead_rows = w.rows_of(
        Lead,
        *("vendor_id", "source", "partnership_id", "partner_id", "distributor_id", "deal_id"),
        *("status", "company", "contact_name", "created_at"),  # what the API list's filters read
    )
    rules.offer_rows = w.rows_of(LeadOffer, "lead_id", "vendor_id", "partner_id")
    rules.lead_event_rows = w.rows_of(LeadEvent, "lead_id", "partner_id", "organization_id")
    rules.lead_rules_rows = w.rows_of(LeadRules, "vendor_id")
    rules.coverage_rows = w.rows_of(LeadCoverage, "vendor_id", "partnership_id")
    rules.lead_import_rows = w.rows_of(LeadImport, "vendor_id", "created_by_id", "status")
    rules.lead_note_rows = w.rows_of(LeadNote, "lead_id", "partner_id", "author_id")
    return {
        LEAD: rules.lead_rows,
        OFFER: rules.offer_rows,
        LEAD_EVENT: rules.lead_event_rows,
        LEAD_RULES: rules.lead_rules_rows,
        COVERAGE: rules.coverage_rows,
        LEAD_IMPORT: rules.lead_import_rows,
        LEAD_NOTE: rules.lead_note_rows,
    }


class Rules:
    def _registered(self, lead) -> bool:
        """A lead became a registration the vendor is shown: submitted, not a draft (a draft is the partner's alone)."""
        deal = self.deal_rows.get(lead["deal_id"]) if lead["deal_id"] is not None else None
        return deal is not None and deal["status"] != DealStatus.DRAFT

    def leads(self, orgs) -> set:
        """The vendor's people: the leads it sent, and partners' own leads once registered as a deal (submitted: a
        draft is the partner's alone). A partner's: the leads it holds now and its own. A distributor's: the vendor's
        leads its resellers hold. Always through a partnership whose records one sees, while a partner holds the
        lead."""
        mine = self.partnerships_of(orgs)
        seen = set()
        for pk, lead in self.lead_rows.items():
            if lead["partnership_id"] is not None and lead["partnership_id"] not in mine:
                continue
            from_vendor = lead["source"] == Lead.Source.VENDOR
            if (
                (lead["vendor_id"] in orgs and (from_vendor or self._registered(lead)))
                or lead["partner_id"] in orgs
                or (lead["distributor_id"] in orgs and from_vendor)
            ):
                seen.add(pk)
        return seen

    def lead_offers(self, orgs) -> set:
        """Offers of leads one sees: the vendor's all, a partner's its own (never who else was offered it)."""
        seen = self.leads(orgs)
        return {
            pk
            for pk, o in self.offer_rows.items()
            if o["lead_id"] in seen and (o["vendor_id"] in orgs or o["partner_id"] in orgs)
        }

    def lead_events(self, orgs) -> set:
        seen = self.leads(orgs)
        vendor = any(self.org_rows[o]["kind"] == Kind.VENDOR for o in orgs)
        return {
            pk
            for pk, e in self.lead_event_rows.items()
            if e["lead_id"] in seen and (vendor or e["partner_id"] in orgs or e["organization_id"] in orgs)
        }

    def lead_rules(self, orgs) -> set:
        return {pk for pk, r in self.lead_rules_rows.items() if r["vendor_id"] in orgs}

    def lead_coverage(self, orgs) -> set:
        """A vendor's coverage of its partners; a partner's of itself."""
        return {
            pk
            for pk, c in self.coverage_rows.items()
            if c["vendor_id"] in orgs or self.partnership_rows[c["partnership_id"]]["partner_id"] in orgs
        }

    def lead_imports(self, orgs) -> set:
        """A vendor's own files of leads (waiting, imported or discarded): its people's alone."""
        return {pk for pk, i in self.lead_import_rows.items() if i["vendor_id"] in orgs}

    def lead_notes(self, orgs) -> set:
        """A partner's notes: its own people's alone, and only while that partner may see the lead."""
        by_partner = {}
        seen = set()
        for pk, note in self.lead_note_rows.items():
            partner = note["partner_id"]
            if partner not in orgs:
                continue
            if partner not in by_partner:
                by_partner[partner] = self.leads({partner})
            if note["lead_id"] in by_partner[partner]:
                seen.add(pk)
        return seen


def _listed(rules, persona) -> set:
    """The leads of the side one works on now, as for registrations."""
    if persona.organization is None:
        return set()
    side = SIDE[rules.org_rows[persona.organization]["kind"]]
    return {pk for pk in rules.visible(LEAD, persona) if rules.lead_rows[pk][side] == persona.organization}


LISTED = {LEAD: _listed}


def mentionable(rules, persona) -> set:
    """A registration made from a lead carries the lead's company as its customer."""
    deals = rules.deals(persona.orgs)
    return {(LEAD, pk) for pk, lead in rules.lead_rows.items() if lead["deal_id"] in deals}


# --- who may change what --------------------------------------------------------------------------------------


class Changes:
    """Who may change which lead rows (``Rules.changes`` asks ``ok(label, pk)`` of each changed row).

    - A vendor's admins and managers send leads (its own, ``source=vendor``, made by them), offer a lead waiting or
      offered by hand, set its rules and each of its partners' coverage. Routing offers a lead only to an ACTIVE
      partnership of the lead's vendor, with that partnership's partner and distributor.
    - The partner holding a lead (any role) accepts or rejects it (then routing offers it on), assigns it to one of
      its own people, records its progress, and converts it to a registration of its own, while the partnership it
      holds the lead through is ACTIVE: once the vendor suspended or ended it, the lead is read-only for the partner
      (docs/adr/0001), its offer too.
    - A vendor's admins and managers stage files of its leads, and confirm (its leads made by them, as if sent one by
      one, and routed) or discard the files waiting.
    - A partner's people (any role) add leads of their own for a vendor they are ACTIVE partners of: the partner's
      (``source=partner``), accepted, made by and given to them, on that partnership (its sides copied), never routed.
    - The partner holding a lead (any role) writes its own notes on it, as their partner (while the partnership is
      active).
    - Side effects of those: offers of the leads the request changed (made pending for the partnership now holding
      it; ended by the partner answering or the vendor recalling), their history, and notifications to a side; the
      products of interest of a lead made in the request (its vendor's active catalog), the tiers of rules and the
      products of coverage (the vendor's own).
    Nothing of a lead is deleted but the tiers of rules and the products of coverage, which the vendor replaces.
    """

    LABELS = {
        *(LEAD, OFFER, LEAD_EVENT, LEAD_RULES, COVERAGE, LEAD_IMPORT, LEAD_NOTE),
        *(LEAD_PRODUCTS, LEAD_RULE_TIERS, COVERAGE_PRODUCTS, LEAD_TALLY),
    }
    FIXED = {
        *("id", "vendor_id", "source", "created_by_id", "created_at", "company", "contact_name", "contact_email"),
        *("contact_phone", "country", "region", "postcode", "size", "notes"),
    }
    ROUTING = {"status", "partnership_id", "partner_id", "distributor_id", "accept_by", "routing_reason", "updated_at"}
    WORK = {"status", "status_reason", "accepted_at", "accept_by", "assigned_to_id", "deal_id", "updated_at"}
    MOVABLE = (Lead.Status.UNASSIGNED, Lead.Status.OFFERED)

    def __init__(self, rules: "w.Rules", persona: w.Persona, before: "w.State", after: "w.State", changes):
        self.rules = rules
        self.orgs = persona.orgs
        self.user_id = persona.user.pk if persona.user is not None else None
        self.managers = {o for o, r in persona.roles.items() if r in (Role.ADMIN, Role.MANAGER)}
        self.before, self.after = before, after
        self.changed = set(changes)
        self.changed_leads = {pk for label, pk in changes if label == LEAD}

    def _rows(self, label, pk):
        return self.before.row(label, pk), self.after.row(label, pk)

    def sides(self, lead_id) -> set:
        """The organizations a lead concerns in this request: its vendor, the partners (and distributors) holding it
        before and after, and the partners of its offers the request changed."""
        if lead_id not in self.changed_leads:
            return set()
        found = set()
        for row in self._rows(LEAD, lead_id):
            if row:
                found |= {row[k] for k in ("vendor_id", "partner_id", "distributor_id") if row[k]}
        for label, pk in self.changed:
            offer = self.after.row(OFFER, pk) if label == OFFER else None
            if offer and offer["lead_id"] == lead_id:
                found.add(offer["partner_id"])
        return found

    def told(self, label, pk) -> set | None:
        return self.sides(pk) if label == LEAD else None

    def told_of_several(self, notification) -> bool:
        """A notification about several leads: of a lead kind, told to a side of a lead the request changed."""
        if not notification["kind"].startswith("lead."):
            return False
        return any(
            notification["organization_id"] in self.sides(pk)
            and notification["vendor_id"] == (self.after.row(LEAD, pk) or {}).get("vendor_id")
            for pk in self.changed_leads
        )

    def ok(self, label, pk) -> bool:
        old, new = self._rows(label, pk)
        replaced = {LEAD_RULE_TIERS: self._rule_tier, COVERAGE_PRODUCTS: self._coverage_product}
        if label in replaced:
            return replaced[label](old, new)
        if new is None:
            return False  # nothing of a lead is deleted
        return {
            LEAD: self._lead,
            OFFER: self._offer,
            LEAD_EVENT: self._event,
            LEAD_RULES: self._rules,
            COVERAGE: self._coverage,
            LEAD_IMPORT: self._import,
            LEAD_NOTE: self._note,
            LEAD_PRODUCTS: self._lead_product,
            LEAD_TALLY: self._tally,
        }[label](old, new)

    def _counted_in(self, lead, snapshot) -> list:
        """The kept counts a lead row counts in, in one snapshot: the vendor's and the holding distributor's for a
        lead the vendor sent; the vendor's (own) for a partner's own lead once its deal is submitted."""
        if lead is None:
            return []
        if lead["source"] == Lead.Source.VENDOR:
            keys = [(lead["vendor_id"], False, lead["status"])]
            return keys + ([(lead["distributor_id"], False, lead["status"])] if lead["distributor_id"] else [])
        deal = snapshot.row(DEAL, lead["deal_id"]) if lead["deal_id"] else None
        return [(lead["vendor_id"], True, lead["status"])] if deal and deal["status"] != DealStatus.DRAFT else []

    def _tally(self, old, new) -> bool:
        """A kept count moves by exactly what the leads this request changed (or whose deal it submitted) moved."""
        key = (new["organization_id"], new["own"], new["status"])
        deals = {pk for label, pk in self.changed if label == DEAL}
        leads = set(self.changed_leads) | {
            pk for pk in self.after.pks(LEAD) if (self.after.row(LEAD, pk) or {}).get("deal_id") in deals
        }
        moved = 0
        for pk in leads:
            moved -= self._counted_in(self.before.row(LEAD, pk), self.before).count(key)
            moved += self._counted_in(self.after.row(LEAD, pk), self.after).count(key)
        return new["count"] - (old["count"] if old else 0) == moved

    def _active(self, lead) -> bool:
        """The partnership the lead is held through (``lead``: its row before the request) is ACTIVE."""
        p = self.rules.partnership_rows.get(lead["partnership_id"]) if lead is not None else None
        return p is not None and p["status"] == Status.ACTIVE

    def _routed(self, new) -> bool:
        """Held by nobody, or by an ACTIVE partnership of the lead's vendor (its partner and distributor copied)."""
        if new["partnership_id"] is None:
            return new["partner_id"] is None and new["distributor_id"] is None and new["status"] == "unassigned"
        p = self.rules.partnership_rows.get(new["partnership_id"])
        return (
            p is not None
            and p["status"] == Status.ACTIVE
            and p["vendor_id"] == new["vendor_id"]
            and (new["partner_id"], new["distributor_id"]) == (p["partner_id"], p["distributor_id"])
        )

    def _own(self, new) -> bool:
        """A partner's own lead: on an ACTIVE partnership of theirs (its sides copied), accepted, made by and given to
        the person adding it."""
        p = self.rules.partnership_rows.get(new["partnership_id"])
        return (
            p is not None
            and p["status"] == Status.ACTIVE
            and p["partner_id"] in self.orgs
            and (new["vendor_id"], new["partner_id"], new["distributor_id"])
            == (p["vendor_id"], p["partner_id"], p["distributor_id"])
            and new["status"] == Lead.Status.ACCEPTED
            and new["created_by_id"] == new["assigned_to_id"] == self.user_id
            and new["deal_id"] is None
        )

    def _lead(self, old, new) -> bool:
        if old is None and new["source"] == Lead.Source.PARTNER:
            return self._own(new)
        if old is None:  # sent by the vendor's manager (typed in or imported), and routed
            return (
                new["vendor_id"] in self.managers
                and new["source"] == Lead.Source.VENDOR
                and new["created_by_id"] == self.user_id
                and new["status"] in self.MOVABLE
                and self._routed(new)
            )
        fields = {k for k in old if old[k] != new[k]}
        if fields & self.FIXED:
            return False
        moved = fields & {"partnership_id", "partner_id", "distributor_id"}
        if moved and not self._routed(new):
            return False
        if old["vendor_id"] in self.managers and old["status"] in self.MOVABLE and fields <= self.ROUTING:
            return True  # offered by hand
        if old["partner_id"] is None or old["partner_id"] not in self.orgs or not self._active(old):
            return False
        if old["status"] == Lead.Status.OFFERED and moved:  # rejected: routing offers it to the next partner
            return fields <= self.ROUTING and new["partner_id"] != old["partner_id"]
        if not fields <= self.WORK:
            return False
        rep = new["assigned_to_id"]
        if "assigned_to_id" in fields and rep is not None:
            members = {
                m["user_id"] for m in self.rules.membership_rows.values() if m["organization_id"] == old["partner_id"]
            }
            if rep not in members:
                return False
        if "deal_id" in fields:
            deal = self.after.row(DEAL, new["deal_id"]) if new["deal_id"] else None
            if deal is None or self.before.row(DEAL, deal["id"]) is not None or deal["partner_id"] != old["partner_id"]:
                return False
        return True

    def _offer(self, old, new) -> bool:
        lead = self.after.row(LEAD, new["lead_id"])
        if lead is None:
            return False
        if old is None:  # made for the partnership routing (or the vendor) chose in this request
            return (
                new["lead_id"] in self.changed_leads
                and new["outcome"] == LeadOffer.Outcome.PENDING
                and new["vendor_id"] == lead["vendor_id"]
                and (new["partnership_id"], new["partner_id"]) == (lead["partnership_id"], lead["partner_id"])
            )
        fields = {k for k in old if old[k] != new[k]}
        if not fields <= {"outcome", "decided_at", "reason"} or old["outcome"] != LeadOffer.Outcome.PENDING:
            return False
        Outcome = LeadOffer.Outcome
        answered = (
            old["partner_id"] in self.orgs
            and new["outcome"] in (Outcome.ACCEPTED, Outcome.REJECTED)
            and self._active(self.before.row(LEAD, new["lead_id"]))
        )
        recalled = old["vendor_id"] in self.managers and new["outcome"] == Outcome.RECALLED
        return answered or recalled

    def _event(self, old, new) -> bool:
        return (
            old is None
            and new["lead_id"] in self.changed_leads
            and new["actor_id"] in (None, self.user_id)
            and new["organization_id"] in {None} | self.sides(new["lead_id"])
        )

    def _rules(self, old, new) -> bool:
        return new["vendor_id"] in self.managers and (old is None or old["vendor_id"] == new["vendor_id"])

    def _coverage(self, old, new) -> bool:
        p = self.rules.partnership_rows.get(new["partnership_id"])
        return (
            p is not None
            and new["vendor_id"] == p["vendor_id"]
            and new["vendor_id"] in self.managers
            and (old is None or (old["vendor_id"], old["partnership_id"]) == (new["vendor_id"], new["partnership_id"]))
        )

    IMPORT_DECIDED = {"status", "decided_by_id", "imported_at", "imported_count", "lead_ids"}
    IMPORT_DISCARDED = {"status", "decided_by_id", "discarded_at", "rows"}

    def _import(self, old, new) -> bool:
        """Staged by a manager of its vendor; confirmed (the leads this request made, of that vendor, by them) or
        discarded (its rows forgotten) once, by a manager of its vendor."""
        if new["vendor_id"] not in self.managers:
            return False
        Imported = LeadImport.Status
        if old is None:
            return (
                new["created_by_id"] == self.user_id
                and new["status"] == Imported.PENDING
                and new["decided_by_id"] is None
                and not _json(new["lead_ids"])
            )
        fields = {k for k in old if old[k] != new[k]}
        if old["vendor_id"] != new["vendor_id"] or old["status"] != Imported.PENDING:
            return False
        if new["decided_by_id"] != self.user_id:
            return False
        if new["status"] == Imported.DISCARDED:
            return fields <= self.IMPORT_DISCARDED and not _json(new["rows"])
        if new["status"] != Imported.IMPORTED or not fields <= self.IMPORT_DECIDED:
            return False
        made = {
            pk
            for pk in self.after.pks(LEAD) - self.before.pks(LEAD)
            if self.after.row(LEAD, pk)["vendor_id"] == new["vendor_id"]
            and self.after.row(LEAD, pk)["created_by_id"] == self.user_id
        }
        ids = set(_json(new["lead_ids"]))
        return bool(ids) and ids <= made and new["imported_count"] == len(ids)

    def _note(self, old, new) -> bool:
        """Written by a person of the partner holding the lead (through a partnership whose records they see)."""
        if old is not None:
            return False  # notes are never edited
        lead = self.before.row(LEAD, new["lead_id"])
        return (
            lead is not None
            and lead["partner_id"] is not None
            and new["partner_id"] == lead["partner_id"]
            and new["partner_id"] in self.orgs
            and new["author_id"] == self.user_id
            and lead["partnership_id"] in self.rules.partnerships_of(self.orgs)
            and self._active(lead)
        )

    def _lead_product(self, old, new) -> bool:
        """Products of interest of a lead the request made: its vendor's active ones."""
        if old is not None or self.before.row(LEAD, new["lead_id"]) is not None:
            return False
        lead = self.after.row(LEAD, new["lead_id"])
        product = self.rules.product_rows.get(new["product_id"])
        return (
            lead is not None and product is not None and product["active"] and product["vendor_id"] == lead["vendor_id"]
        )

    def _rule_tier(self, old, new) -> bool:
        """The tiers of a vendor's rules: its managers, its own tiers."""
        if old is not None and new is not None:
            return False
        row = new or old
        rules = self.after.row(LEAD_RULES, row["leadrules_id"]) or self.before.row(LEAD_RULES, row["leadrules_id"])
        tier = self.rules.tier_rows.get(row["tier_id"])
        return (
            rules is not None
            and rules["vendor_id"] in self.managers
            and (new is None or (tier is not None and tier["vendor_id"] == rules["vendor_id"]))
        )

    def _coverage_product(self, old, new) -> bool:
        """The products a partner's coverage specialises in: the vendor's managers, the vendor's active products."""
        if old is not None and new is not None:
            return False
        row = new or old
        key = row["leadcoverage_id"]
        coverage = self.after.row(COVERAGE, key) or self.before.row(COVERAGE, key)
        product = self.rules.product_rows.get(row["product_id"]) or {}
        return (
            coverage is not None
            and coverage["vendor_id"] in self.managers
            and (new is None or (product.get("active") and product.get("vendor_id") == coverage["vendor_id"]))
        )


def _json(value):
    """A JSON column as the snapshot read it (text, or already decoded)."""
    return json.loads(value) if isinstance(value, str) else value


# --- the attack -----------------------------------------------------------------------------------------------

_serial = itertools.count(1)


def _skus(world: w.World, vendor_id) -> list[str]:
    return [p.sku for p in world.catalog.get(vendor_id, [])]


def _foreign_sku(world: w.World, vendor_id) -> str:
    """An active SKU of another vendor: the outsider's (or V0's, for the outsider)."""
    outsider = world.vendors[-1].pk
    return _skus(world, outsider if vendor_id != outsider else world.vendors[0].pk)[0]


def _prospect(n, country="US", **fields):
    return {"company": f"Prospect lead {n}", "contact_name": "Jo Buyer", "country": country, **fields}


def _api_lead_create(world, row):
    """A lead of the current vendor's (routed among its partners covering the US); then another vendor's SKU."""
    v0 = world.vendors[0].pk
    return [
        _prospect(next(_serial), products=_skus(world, v0)[:1]),
        _prospect(next(_serial), products=[_foreign_sku(world, v0)]),
    ]


def _api_lead_bulk(world, row):
    """Three leads (two routed, one nobody covers); then a batch with one row of another vendor's SKU."""
    v0 = world.vendors[0].pk
    good = [_prospect(next(_serial)), _prospect(next(_serial)), _prospect(next(_serial), "FR")]
    bad = [_prospect(next(_serial)), _prospect(next(_serial), products=[_foreign_sku(world, v0)])]
    return [{"leads": good}, {"leads": bad}]


def _api_lead_rules(world, row):
    v0 = world.vendors[0].pk
    body = {"sla_hours": 36, "reminder_hours": 6, "default_capacity": 20, "match_products": False}
    return [{**body, "tiers": vendor_tiers(world, v0)[:1]}, {**body, "tiers": [foreign_tier(world, v0)]}]


def _lead_partner_people(world: w.World, partner_id) -> list[int]:
    return [u.pk for (org, _role), u in sorted(world.people.items(), key=lambda i: i[1].pk) if org == partner_id]


def _api_lead_assign(world, row):
    """One of the partner's own people; then someone of another organization (V0's admin)."""
    own = _lead_partner_people(world, row["partner_id"]) if row["partner_id"] else []
    return [{"rep": own[-1] if own else None}, {"rep": world.people[world.vendors[0].pk, Role.ADMIN].pk}]


def _api_lead_status(world, row):
    return [{"status": "contacted"}, {"status": "disqualified", "reason": "No budget this year."}]


def _api_lead_convert(world, row):
    """The lead's vendor's product, submitted; then another vendor's product."""
    mine = catalog_of(world, row["vendor_id"])
    body = {"title": f"From a lead {next(_serial)}", "expected_close_date": close_date(), "submit": True}
    bodies = [{**body, "lines": [{"product": mine[0], "quantity": 1}]}] if mine else []
    bodies.append({**body, "lines": [{"product": foreign_product(world, row["vendor_id"]), "quantity": 1}]})
    return bodies


def _api_lead_offer(world, row):
    """Another ACTIVE partnership of the lead's vendor; then one of another vendor (the outsider's)."""
    partnerships = world.rules.partnership_rows
    mine = [
        pk
        for pk, p in sorted(partnerships.items())
        if p["vendor_id"] == row["vendor_id"] and p["status"] == Status.ACTIVE and pk != row["partnership_id"]
    ]
    foreign = [pk for pk, p in sorted(partnerships.items()) if p["vendor_id"] != row["vendor_id"]]
    return [{"partnership": pk} for pk in (mine[:1] + foreign[-1:])]


def _api_lead_coverage(world, row):
    """The partnership's vendor's product; then another vendor's."""
    body = {"countries": ["US", "CA"], "regions": ["TX"], "capacity": 5, "accepts_leads": True}
    return [
        {**body, "products": _skus(world, row["vendor_id"])[:1]},
        {**body, "products": [_foreign_sku(world, row["vendor_id"])]},
    ]


def _lead_in(*statuses):
    return lambda world, row: row["status"] in statuses


# --- lead pages (leads/views.py, HTML forms) ----------------------------------------------------------------------


def _home_partnership(world: w.World) -> int:
    """P0's partnership with V0 (active: the partner personas add their own leads on it)."""
    v0, p0 = world.vendors[0].pk, world.partners[0].pk
    return next(
        pk
        for pk, p in sorted(world.rules.partnership_rows.items())
        if (p["vendor_id"], p["partner_id"], p["status"]) == (v0, p0, Status.ACTIVE)
    )


def _lead_create_form(world, row):
    """V0's lead (its product, picked from its catalog), then P0's own lead on its partnership with V0 (SKUs typed
    in); then another vendor's product, and P0 naming another vendor's SKU, another partner's partnership at V0 and a
    partnership of its own that is not active."""
    v0, p0 = world.vendors[0].pk, world.partners[0].pk
    home = _home_partnership(world)
    partnerships = world.rules.partnership_rows
    others = [pk for pk, p in sorted(partnerships.items()) if p["vendor_id"] == v0 and p["partner_id"] != p0]
    closed = [pk for pk, p in sorted(partnerships.items()) if p["partner_id"] == p0 and p["status"] != Status.ACTIVE]
    bodies = [
        _prospect(next(_serial), contact_email="jo@example.org", products=catalog_of(world, v0)[:1]),
        _prospect(next(_serial), vendor=home, products=", ".join(_skus(world, v0)[:1])),
        _prospect(next(_serial), products=[foreign_product(world, v0)]),
        _prospect(next(_serial), vendor=home, products=_foreign_sku(world, v0)),
    ]
    bodies += [_prospect(next(_serial), vendor=pk, products="") for pk in others[:1] + closed[:1]]
    return bodies


def _lead_import_form(world, row):
    """A CSV file of two leads of V0's, one of them naming a SKU V0 does not sell (the report shows it)."""
    n = next(_serial)
    sku = _skus(world, world.vendors[0].pk)[0]
    text = f"company,contact_name,country,products\nImported {n},Pat Lee,US,{sku}\nOther {n},Sam Ray,US,NO-SUCH-{n}\n"
    return [{"file": SimpleUploadedFile(f"leads-{n}.csv", text.encode(), content_type="text/csv")}]


def _lead_rules_form(world, row):
    """V0's rules with its own tier; then another vendor's tier (the outsider's, a second main vendor's)."""
    v0 = world.vendors[0].pk
    body = {"sla_hours": 36, "reminder_hours": 6, "match_territory": "on", "default_capacity": 20}
    return [
        {**body, "tiers": vendor_tiers(world, v0)[:1]},
        {**body, "tiers": [foreign_tier(world, v0)]},
        {**body, "tiers": vendor_tiers(world, world.vendors[1].pk)[:1]},
    ]


def _lead_coverage_form(world, row):
    """The partnership's vendor's product; then another vendor's."""
    body = {"countries": "US, CA", "regions": "TX", "capacity": 5, "accepts_leads": "on"}
    return [
        {**body, "products": catalog_of(world, row["vendor_id"])[:1]},
        {**body, "products": [foreign_product(world, row["vendor_id"])]},
    ]


def _lead_assign_form(world, row):
    """One of the holder's own people; then someone of another organization (V0's admin)."""
    own = _lead_partner_people(world, row["partner_id"]) if row["partner_id"] else []
    return [{"rep": own[-1] if own else ""}, {"rep": world.people[world.vendors[0].pk, Role.ADMIN].pk}]


def _lead_note_form(world, row):
    return [{"body": f"Called the buyer: call back in May ({next(_serial)})."}]


def _lead_convert_form(world, row):
    """The lead's vendor's product, submitted; then another vendor's product."""
    mine = catalog_of(world, row["vendor_id"])
    body = {"title": f"From a lead {next(_serial)}", "expected_close_date": close_date(), "action": "submit"}
    bodies = [{**body, **lines_form((mine[0], 1))}] if mine else []
    bodies.append({**body, **lines_form((foreign_product(world, row["vendor_id"]), 1))})
    return bodies


_WORKING = ("accepted", "contacted", "qualified")


PREFERRED = {
    "lead-accept": _lead_in("offered"),
    "lead-reject": _lead_in("offered"),
    "lead-offer": _lead_in("unassigned", "offered"),
    "lead-assign": _lead_in("accepted", "contacted", "qualified"),
    "lead-status": _lead_in("accepted", "contacted", "qualified"),
    "lead-convert": _lead_in("accepted", "contacted", "qualified"),
    "leads:accept": _lead_in("offered"),
    "leads:reject": _lead_in("offered"),
    "leads:offer": _lead_in("unassigned", "offered"),
    "leads:assign": _lead_in(*_WORKING),
    "leads:status": _lead_in(*_WORKING),
    "leads:note": _lead_in(*_WORKING),
    "leads:convert": _lead_in(*_WORKING),
    "leads:import_confirm": _lead_in("pending"),
    "leads:import_discard": _lead_in("pending"),
    "leads:coverage": _lead_in(Status.ACTIVE),
}

BODIES = {
    "lead-list": _api_lead_create,
    "lead-bulk": _api_lead_bulk,
    "lead-rules": _api_lead_rules,
    "lead-accept": nothing,
    "lead-reject": reason,
    "lead-assign": _api_lead_assign,
    "lead-status": _api_lead_status,
    "lead-convert": _api_lead_convert,
    "lead-offer": _api_lead_offer,
    "lead-coverage-detail": _api_lead_coverage,
    "leads:create": _lead_create_form,
    "leads:import": _lead_import_form,
    "leads:import_confirm": nothing,
    "leads:import_discard": nothing,
    "leads:rules": _lead_rules_form,
    "leads:coverage": _lead_coverage_form,
    "leads:accept": nothing,
    "leads:reject": reason,
    "leads:assign": _lead_assign_form,
    "leads:status": _api_lead_status,
    "leads:note": _lead_note_form,
    "leads:offer": _api_lead_offer,
    "leads:convert": _lead_convert_form,
}


def _lead_times(world, persona, rnd, *, missing, endpoint) -> list[str]:
    """``?created_after=`` / ``?created_before=`` values: the exact creation time of a lead (the edge of the range)
    and a day ago, in ISO 8601 (UTC, ``Z``: a ``+`` would not survive the query string)."""
    times = sorted(lead["created_at"] for lead in world.rules.lead_rows.values())
    picked = [rnd.choice(times)] if times else []
    picked.append(timezone.now() - timedelta(days=1))
    return [t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") for t in picked]


LEAD_AGES = ("day", "week", "month", "older")
FILTERS = {
    "status": lambda world, persona, rnd, *, missing, endpoint: rnd.sample(Lead.Status.values, 2),
    "created_after": _lead_times,
    "created_before": _lead_times,
    # The lead list's: received (or sent) today, this week, this month, or before.
    "age": lambda world, persona, rnd, *, missing, endpoint: list(LEAD_AGES),
}
# ``?q=`` is sent a stem of the company of a lead the persona may not see (another partner's, a partner's own, another
# vendor's).
SEARCHES = (lambda marker, owner: owner[0] == LEAD,)


def _lead_search(row, value) -> bool:
    number = value.upper().removeprefix("LD-")
    reference = value.upper().startswith("LD-") and number.isdigit() and int(number) == row["id"]
    return reference or contains(("company", "contact_name"))(row, value)


# leads/api.py: the same filters on every side.
API_FILTERS = {
    (LEAD, "vendor"): equals("vendor_id"),
    (LEAD, "status"): equals("status"),
    (LEAD, "q"): _lead_search,
    (LEAD, "created_after"): lambda row, value: row["created_at"] >= parse_datetime(value),
    (LEAD, "created_before"): lambda row, value: row["created_at"] < parse_datetime(value),
}
READ_ONLY = {LEAD: "lead"}
