"""Deal registration in the isolation suite: its rows in the world, who may see and change them, and how its routes
are attacked (see ``tests/isolation/plugins.py`` for what each name means).

Registrations are made through ``deals.services`` (``records``): P0 with V0 in every status (a draft that is P0's
alone, under review, more information asked, approved with comments from each side, a file and an extension waiting,
rejected), a second partner at V0 whose registrations of the same customers conflict with P0's (the vendor sees the
``DealConflict``; neither partner, nor the distributor in between, may learn of it: the sweep looks for any word of
a conflict in what they are shown, ``SECRETS``), registrations made before V0 suspended or ended a partnership (still
seen by both sides, read-only for the partner: ``before_closing``), the outsider's and another vendor's. Vendors'
rules make only identical customer names conflict, and V0 approves small registrations automatically.
"""

import itertools
import re
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deals import services as deals
from deals.models import (
    DealAttachment,
    DealComment,
    DealConflict,
    DealEvent,
    DealExtensionRequest,
    DealLine,
    DealRegistration,
    DealRules,
)
from tests.isolation import world as w
from tests.isolation.plugins import Secret, Sided, contains, equals
from tests.vendors.isolation import PRODUCT, SIDE, Kind, Role, Status, foreign_tier, nothing, reason, vendor_tiers
from vendors.models import Partnership

DEAL, LINE, COMMENT, DEAL_EVENT = "deals.DealRegistration", "deals.DealLine", "deals.DealComment", "deals.DealEvent"
ATTACHMENT, EXTENSION = "deals.DealAttachment", "deals.DealExtensionRequest"
CONFLICT, DEAL_RULES = "deals.DealConflict", "deals.DealRules"
TALLY = "deals.DealTally"
RULE_TIERS = DealRules.auto_approve_tiers.through._meta.label  # the tiers a vendor approves automatically
DealStatus = DealRegistration.Status
# V0 approves registrations below this value automatically (the world's are above it: DEAL_QUANTITY units of a
# 1,000 product at a discount of at most 30 %; one unit, as a body may send, is below it).
AUTO_APPROVE_BELOW = Decimal("5000")
DEAL_QUANTITY = 10
# A PDF small enough to be quick, valid enough for deals.uploads (its first bytes).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# --- the world ------------------------------------------------------------------------------------------------


def program(world):
    """Every vendor's deal rules: customer names conflict only when identical (the world's customers differ
    by their markers; the ones meant to conflict share a web domain). V0 approves small registrations from
    every tier automatically: the world's are above the threshold, a registration the sweep sends may not be."""
    for i, vendor in enumerate(world.vendors):
        deals.deal_rules_update(
            actor=world.people[vendor.pk, Role.ADMIN],
            vendor=vendor,
            auto_approve_below=AUTO_APPROVE_BELOW if i == 0 else None,
            auto_approve_tiers=world.tiers[i] if i == 0 else (),
            name_similarity=Decimal("1.00"),
        )


def _deal(world, p, *, by=Role.ADMIN, website="", submit=True) -> DealRegistration:
    """A registration of ``p`` made by the partner's people, with a marker in every text."""
    m = world.markers
    texts = {tag: m.new(tag) for tag in ("dtl", "cus", "ctc", "dnt")}
    deal = deals.deal_create(
        actor=world.people[p.partner_id, by],
        partner=p.partner,
        vendor=p.vendor,
        title=f"Deal {texts['dtl']}",
        customer_name=f"Customer {texts['cus']}",
        customer_website=website or f"www.{texts['cus']}.com",
        customer_country="DE",
        contact_name=f"Contact {texts['ctc']}",
        contact_email=f"{texts['ctc']}@example.com",
        expected_close_date=timezone.localdate() + timedelta(days=60),
        notes=f"Notes {texts['dnt']}",
        lines=[(world.catalog[p.vendor_id][0].pk, DEAL_QUANTITY)],
        submit=submit,
    )
    for marker in texts.values():
        m.own(marker, DEAL, deal.pk)
    return deal


def _write_comment(world, deal, org_id, role=Role.ADMIN) -> DealComment:
    marker = world.markers.new("dcm")
    comment = deals.deal_comment(actor=world.people[org_id, role], deal=deal, body=f"Comment {marker}.")
    world.markers.own(marker, COMMENT, comment.pk)
    return comment


def _approve(world, deal, role=Role.ADMIN) -> DealRegistration:
    marker = world.markers.new("dap")
    deal = deals.deal_approve(actor=world.people[deal.vendor_id, role], deal=deal, note=f"Approved {marker}.")
    world.markers.own(marker, DEAL, deal.pk)
    return deal


def before_closing(world, p, status):
    """Registrations made while ``p`` was active (read-only for the partner once it closed): approved (with the
    partner's comment), a draft, one the vendor asked more about."""
    deal = _approve(world, _deal(world, p))
    _write_comment(world, deal, p.partner_id)
    _deal(world, p, by=Role.MEMBER, submit=False)
    asked = _deal(world, p)
    marker = world.markers.new("dqs")
    deals.deal_request_info(actor=world.people[p.vendor_id, Role.MANAGER], deal=asked, question=f"Why {marker}?")
    world.markers.own(marker, COMMENT, DealComment.objects.filter(deal=asked).latest("pk").pk)


def records(world):
    """Registrations of the active partnerships, made as production makes them (``deals.services``).

    P0 with V0: a draft (P0's alone), submitted, more information requested, approved (comments from each
    side, an attachment, an extension request waiting), approved (no extension asked), rejected. A second
    partner at V0 (the rival) registers customers P0 registers too (same web domain and product), before and
    after P0: V0 sees two conflicts, one flagging each partner's registration; P0's draft would conflict with
    the rival's when submitted. The outsider: a registration and a comment; a partnership with another vendor:
    a registration."""
    active = list(Partnership.objects.filter(status=Status.ACTIVE).select_related("vendor", "partner").order_by("pk"))
    v0, p0 = world.vendors[0], world.partners[0]
    home = next(p for p in active if (p.vendor_id, p.partner_id) == (v0.pk, p0.pk))
    rival = next((p for p in active if p.vendor_id == v0.pk and p.partner_id != p0.pk), None)
    shared = {key: f"https://www.shared-customer-{key}.com/" for key in "ab"}
    if rival is not None:
        _deal(world, rival, website=shared["a"])
    _deal(world, home, website=shared["a"] if rival else "")  # flagged against the rival's, submitted first
    _deal(world, home, website=shared["b"] if rival else "")
    if rival is not None:
        _deal(world, rival, website=shared["b"], by=Role.MEMBER)  # flags P0's, submitted before it
    _deal(world, home, by=Role.MEMBER, website=shared["a"] if rival else "", submit=False)

    asked = _deal(world, home, by=Role.MEMBER)
    marker = world.markers.new("dqs")
    deals.deal_request_info(actor=world.people[v0.pk, Role.MANAGER], deal=asked, question=f"Why {marker}?")
    world.markers.own(marker, COMMENT, DealComment.objects.filter(deal=asked).latest("pk").pk)

    approved = _approve(world, _deal(world, home), Role.MANAGER)
    _write_comment(world, approved, p0.pk)
    _write_comment(world, approved, v0.pk, Role.MANAGER)
    if home.distributor_id:
        _write_comment(world, approved, home.distributor_id)
    marker = world.markers.new("dat")
    upload = SimpleUploadedFile(f"quote-{marker}.pdf", PDF, content_type="application/pdf")
    attachment = deals.deal_attach(actor=world.people[p0.pk, Role.MEMBER], deal=approved, upload=upload)
    world.markers.own(marker, ATTACHMENT, attachment.pk)
    marker = world.markers.new("dex")
    extension = deals.deal_request_extension(
        actor=world.people[p0.pk, Role.ADMIN], deal=approved, days=30, reason=f"Because {marker}."
    )
    world.markers.own(marker, EXTENSION, extension.pk)

    _approve(world, _deal(world, home, by=Role.MEMBER))  # approved, no extension asked yet

    rejected = _deal(world, home)
    marker = world.markers.new("drj")
    deals.deal_reject(actor=world.people[v0.pk, Role.MANAGER], deal=rejected, reason=f"Rejected {marker}.")
    world.markers.own(marker, DEAL, rejected.pk)

    # Rows nobody in the main channel sees (the outsider's, with a comment), and a registration with another
    # vendor (P0's people see theirs everywhere; V0's people none of another vendor's).
    outsider = next(p for p in active if p.vendor_id == world.vendors[-1].pk)
    _write_comment(world, _deal(world, outsider), outsider.partner_id)
    elsewhere = (p for p in active if p.vendor_id not in (v0.pk, outsider.vendor_id) and p.vendor_id in world.catalog)
    first = next(elsewhere, None)
    if first is not None:
        _deal(world, first)


# --- who may see what -----------------------------------------------------------------------------------------

VISIBLE = {
    DEAL: "deals",
    LINE: "deal_lines",
    COMMENT: "deal_comments",
    DEAL_EVENT: "deal_events",
    ATTACHMENT: "deal_attachments",
    EXTENSION: "deal_extensions",
    CONFLICT: "deal_conflicts",
    DEAL_RULES: "deal_rules",
}
NOT_LISTED = {
    TALLY: "a vendor's or distributor's kept deal totals: shown as its lists' totals, scanned with the lists",
}


def load(rules) -> dict:
    rules.deal_rows = w.rows_of(
        DealRegistration,
        *("partnership_id", "vendor_id", "partner_id", "distributor_id", "status", "stage", "has_conflict"),
        *("title", "customer_name", "customer_domain", "created_by_id", "decided_by_id"),
    )
    for deal in rules.deal_rows.values():  # the vendor's list filters by the partnership's tier
        deal["tier_id"] = rules.partnership_rows[deal["partnership_id"]]["tier_id"]
    rules.line_rows = w.rows_of(DealLine, "deal_id", "product_id")
    rules.comment_rows = w.rows_of(DealComment, "deal_id", "author_id", "organization_id")
    rules.deal_event_rows = w.rows_of(
        DealEvent, "deal_id", "actor_id", "organization_id", "detail", "old_value", "new_value"
    )
    rules.attachment_rows = w.rows_of(DealAttachment, "deal_id", "uploaded_by_id", "organization_id")
    for attachment in rules.attachment_rows.values():  # its deal's sides: the sweep tries near misses first
        deal = rules.deal_rows[attachment["deal_id"]]
        attachment.update({k: deal[k] for k in ("vendor_id", "partner_id", "distributor_id")})
    rules.extension_rows = w.rows_of(DealExtensionRequest, "deal_id", "requested_by_id", "decided_by_id", "status")
    rules.conflict_rows = w.rows_of(DealConflict, "deal_id", "other_id", "vendor_id")
    rules.deal_rules_rows = w.rows_of(DealRules, "vendor_id")
    return {
        DEAL: rules.deal_rows,
        LINE: rules.line_rows,
        COMMENT: rules.comment_rows,
        DEAL_EVENT: rules.deal_event_rows,
        ATTACHMENT: rules.attachment_rows,
        EXTENSION: rules.extension_rows,
        CONFLICT: rules.conflict_rows,
        DEAL_RULES: rules.deal_rules_rows,
    }


class Rules:
    def deals(self, orgs) -> set:
        """A registration is seen with its partnership's records (every side, in every status: docs/adr/0001),
        except that a draft is the partner's alone."""
        mine = self.partnerships_of(orgs)
        return {
            pk
            for pk, d in self.deal_rows.items()
            if d["partnership_id"] in mine and (d["status"] != DealStatus.DRAFT or d["partner_id"] in orgs)
        }

    def _of_deals(self, rows, orgs) -> set:
        seen = self.deals(orgs)
        return {pk for pk, r in rows.items() if r["deal_id"] in seen}

    def deal_lines(self, orgs) -> set:
        return self._of_deals(self.line_rows, orgs)

    def deal_comments(self, orgs) -> set:
        return self._of_deals(self.comment_rows, orgs)

    def deal_events(self, orgs) -> set:
        return self._of_deals(self.deal_event_rows, orgs)

    def deal_attachments(self, orgs) -> set:
        return self._of_deals(self.attachment_rows, orgs)

    def deal_extensions(self, orgs) -> set:
        return self._of_deals(self.extension_rows, orgs)

    def deal_conflicts(self, orgs) -> set:
        """The vendor's people alone, of registrations they see: never a partner's or a distributor's."""
        seen = self.deals(orgs)
        return {
            pk
            for pk, c in self.conflict_rows.items()
            if c["vendor_id"] in orgs and c["deal_id"] in seen and c["other_id"] in seen
        }

    def deal_rules(self, orgs) -> set:
        return {pk for pk, r in self.deal_rules_rows.items() if r["vendor_id"] in orgs}


def _listed(rules, persona) -> set:
    """The registrations of the side one works on now: a partner's, a vendor's, a distributor's."""
    if persona.organization is None:
        return set()
    side = SIDE[rules.org_rows[persona.organization]["kind"]]
    return {pk for pk in rules.visible(DEAL, persona) if rules.deal_rows[pk][side] == persona.organization}


LISTED = {DEAL: _listed}


def mentionable(rules, persona) -> set:
    """What the registrations one sees name: their sides, the people who made, decided, wrote, uploaded and
    asked, the products on their lines (also after a partnership ends, when the catalog is gone), and the lead
    each was made from (its company is the customer: ``tests/leads/isolation.py``)."""
    deals = rules.deals(persona.orgs)
    seen = set()
    for pk in deals:
        d = rules.deal_rows[pk]
        seen |= {(w.ORG, d[k]) for k in ("vendor_id", "partner_id", "distributor_id") if d[k]}
        seen |= {(w.USER, d[k]) for k in ("created_by_id", "decided_by_id") if d[k]}
    people = (
        (rules.comment_rows, ("author_id",)),
        (rules.deal_event_rows, ("actor_id",)),
        (rules.attachment_rows, ("uploaded_by_id",)),
        (rules.extension_rows, ("requested_by_id", "decided_by_id")),
    )
    for rows, keys in people:
        seen |= {(w.USER, r[k]) for r in rows.values() if r["deal_id"] in deals for k in keys if r[k]}
    seen |= {(PRODUCT, line["product_id"]) for line in rules.line_rows.values() if line["deal_id"] in deals}
    owner = rules.world.markers.owner
    for event in rules.deal_event_rows.values():
        if event["deal_id"] in deals:
            text = " ".join((event["detail"], event["old_value"], event["new_value"]))
            seen |= {owner[m] for m in w.found_markers(text) if owner.get(m, ("", 0))[0] == PRODUCT}
    return seen


# --- who may change what --------------------------------------------------------------------------------------


class Changes:
    """Who may change which deal registration rows (``Rules.changes`` asks ``ok(label, pk)`` of each changed row).

    - The partner's people (any role) register with a vendor they are ACTIVE partners of (the partnership's sides
      copied onto the row, products of that vendor's active catalog on the lines), keep their registrations
      current (the customer only while a draft or while the vendor asks for more), submit or resubmit them, ask
      for extensions, attach files and write in their threads, all while the partnership is ACTIVE: once the vendor
      suspended or ended it, its registrations are read-only for the partner (docs/adr/0001). Submitting may approve
      it at once (the vendor's rules: no deciding person).
    - The vendor's admins and managers decide: approve, reject, ask for more (a comment of theirs), grant or refuse
      an extension (the person deciding is recorded).
    - Anyone on a side who sees a registration writes in its thread, as their own organization (the partner while
      the partnership is active; the vendor and the distributor whatever its status).
    - Side effects of those: history (``DealEvent``) of a registration the request changed; conflicts between two
      partners' registrations at one vendor, detected when one is submitted and settled when one is rejected,
      expires or is lost; the other registration's vendor-only flags (``has_conflict``, ``queue``); the vendor's
      rules row, made with its defaults when missing. ``DealRules`` and its tiers: the vendor's admins and managers,
      with tiers of their own program.
    """

    LABELS = {DEAL, LINE, COMMENT, DEAL_EVENT, ATTACHMENT, EXTENSION, CONFLICT, DEAL_RULES, RULE_TIERS, TALLY}
    FIXED = {"id", "partnership_id", "vendor_id", "partner_id", "distributor_id", "created_by_id", "created_at"}
    CUSTOMER = {
        "customer_name",
        "customer_website",
        "customer_domain",
        "customer_domain_stem",
        "customer_name_key",
        "customer_country",
    }
    KEPT_CURRENT = {
        "title",
        "contact_name",
        "contact_email",
        "contact_phone",
        "amount",
        "currency",
        "expected_close_date",
        "notes",
        "stage",
        "lost_reason",
        "closed_at",
        "last_activity_at",
    }
    DECISION = {
        "decision_reason",
        "decided_by_id",
        "decided_at",
        "protection_days",
        "approved_at",
        "expires_on",
        "expiry_warned_days",
    }
    FLAGS = {"has_conflict", "queue"}
    TOUCH = {"updated_at"}
    ASKABLE = (DealStatus.DRAFT, DealStatus.INFO_REQUESTED)  # what the partner may (re)submit
    DECISIONS = {
        (DealStatus.SUBMITTED, DealStatus.APPROVED),
        (DealStatus.INFO_REQUESTED, DealStatus.APPROVED),
        (DealStatus.SUBMITTED, DealStatus.REJECTED),
        (DealStatus.INFO_REQUESTED, DealStatus.REJECTED),
        (DealStatus.SUBMITTED, DealStatus.INFO_REQUESTED),
        (DealStatus.EXPIRED, DealStatus.APPROVED),  # an extension granted after it expired
    }
    DEFAULT_RULES = {"auto_approve_below": None, "idle_cap": None, "idle_days": 30, "name_similarity": Decimal("0.60")}

    def __init__(self, rules: "w.Rules", persona: w.Persona, before: "w.State", after: "w.State", changes):
        self.rules = rules
        self.persona = persona
        self.orgs = persona.orgs
        self.user_id = persona.user.pk if persona.user is not None else None
        self.managers = {o for o, r in persona.roles.items() if r in (Role.ADMIN, Role.MANAGER)}
        self.before, self.after = before, after
        self.changed = set(changes)
        self.seen = rules.deals(self.orgs)
        self.conflicts = [after.row(CONFLICT, pk) or before.row(CONFLICT, pk) for lb, pk in changes if lb == CONFLICT]

    # --- reading the two snapshots ---

    def _rows(self, label, pk):
        return self.before.row(label, pk), self.after.row(label, pk)

    def deal(self, pk) -> dict | None:
        return self.after.row(DEAL, pk) or self.before.row(DEAL, pk)

    def sides(self, pk) -> set:
        deal = self.deal(pk)
        return {deal[k] for k in ("vendor_id", "partner_id", "distributor_id") if deal[k]} if deal else set()

    def _fields(self, old, new) -> set:
        return {k for k in old if old[k] != new[k]}

    def moved(self, pk) -> bool:
        """The request made this registration, or changed more of it than its vendor-only conflict flags."""
        old, new = self._rows(DEAL, pk)
        if (DEAL, pk) not in self.changed or new is None:
            return False
        return old is None or bool(self._fields(old, new) - self.FLAGS)

    def _moved_to(self, pk, statuses) -> bool:
        old, new = self._rows(DEAL, pk)
        return new is not None and new["status"] in statuses and (old is None or old["status"] != new["status"])

    def _submitted(self, pk) -> bool:
        """Registered and submitted, or (re)submitted from a draft or a question, in this request (perhaps approved
        at once by the vendor's rules)."""
        old, new = self._rows(DEAL, pk)
        sent = new is not None and new["status"] in (DealStatus.SUBMITTED, DealStatus.APPROVED)
        return sent and (old is None or old["status"] in self.ASKABLE)

    def _settled(self, pk) -> bool:
        """It stopped holding its customer in this request: rejected, expired or lost."""
        old, new = self._rows(DEAL, pk)
        lost = new is not None and new["stage"] == DealRegistration.Stage.LOST and (old or {}).get("stage") != "lost"
        return lost or self._moved_to(pk, (DealStatus.REJECTED, DealStatus.EXPIRED))

    def _active(self, deal) -> bool:
        partnership = self.rules.partnership_rows.get(deal["partnership_id"])
        return partnership is not None and partnership["status"] == Status.ACTIVE

    # --- the rules ---

    def ok(self, label, pk) -> bool:
        old, new = self._rows(label, pk)
        return {
            DEAL: self._deal,
            LINE: self._line,
            COMMENT: self._comment,
            DEAL_EVENT: self._event,
            ATTACHMENT: self._attachment,
            EXTENSION: self._extension,
            CONFLICT: self._conflict,
            DEAL_RULES: self._rules,
            RULE_TIERS: self._rule_tier,
            TALLY: self._tally,
        }[label](pk, old, new)

    def _tally(self, pk, old, new) -> bool:
        """A kept total moves by exactly what the registrations this request changed moved in it."""
        row = new or old
        key = (row["organization_id"], row["status"], row["currency"])
        count, amount = 0, Decimal("0")
        for label, deal_pk in self.changed:
            if label != DEAL:
                continue
            for deal, sign in ((self.before.row(DEAL, deal_pk), -1), (self.after.row(DEAL, deal_pk), 1)):
                if deal is None or deal["status"] == DealStatus.DRAFT:
                    continue
                for side in (deal["vendor_id"], deal["distributor_id"]):
                    if side and (side, deal["status"], deal["currency"]) == key:
                        count += sign
                        amount += sign * deal["amount"]
        was = (old["count"], old["amount"]) if old else (0, Decimal("0"))
        now = (new["count"], new["amount"]) if new else (0, Decimal("0"))
        return new is not None and (now[0] - was[0], now[1] - was[1]) == (count, amount)

    def _deal(self, pk, old, new) -> bool:
        if new is None:
            return False  # registrations are never deleted
        if old is None:
            return self._registered(new)
        fields = self._fields(old, new)
        if fields & self.FIXED:
            return False
        if fields <= self.FLAGS:  # flagged or cleared as another registration's conflict was found or settled
            return any(pk in (c["deal_id"], c["other_id"]) for c in self.conflicts)
        if fields <= self.TOUCH | {"last_activity_at"}:  # a comment, a file, an extension asked or refused
            partner_activity = "last_activity_at" in fields
            return pk in self.seen and (not partner_activity or (old["partner_id"] in self.orgs and self._active(old)))
        return self._partner_changed(old, new, fields) or self._vendor_decided(old, new, fields)

    def _registered(self, new) -> bool:
        partnership = self.rules.partnership_rows.get(new["partnership_id"])
        return (
            partnership is not None
            and partnership["status"] == Status.ACTIVE
            and all(new[k] == partnership[k] for k in ("vendor_id", "partner_id", "distributor_id"))
            and new["partner_id"] in self.orgs
            and new["created_by_id"] == self.user_id
            and (
                new["status"] in (DealStatus.DRAFT, DealStatus.SUBMITTED)
                or (new["status"] == DealStatus.APPROVED and new["decided_by_id"] is None)  # automatically
            )
        )

    def _partner_changed(self, old, new, fields) -> bool:
        if old["partner_id"] not in self.orgs or not self._active(old):
            return False
        allowed = self.KEPT_CURRENT | self.TOUCH | self.FLAGS
        if old["status"] in self.ASKABLE:
            allowed |= self.CUSTOMER
        if old["status"] != new["status"]:
            submitted = old["status"] in self.ASKABLE and new["status"] in (DealStatus.SUBMITTED, DealStatus.APPROVED)
            if not submitted or not self._active(old):
                return False
            allowed |= {"status", "submitted_at"}
            if new["status"] == DealStatus.APPROVED:  # approved automatically, by the vendor's rules
                if new["decided_by_id"] is not None:
                    return False
                allowed |= self.DECISION
        return fields <= allowed

    def _vendor_decided(self, old, new, fields) -> bool:
        if old["vendor_id"] not in self.managers:
            return False
        allowed = self.DECISION | self.FLAGS | self.TOUCH
        if old["status"] != new["status"]:
            if (old["status"], new["status"]) not in self.DECISIONS:
                return False
            allowed |= {"status"}
        if "decided_by_id" in fields and new["decided_by_id"] != self.user_id:
            return False
        return fields <= allowed

    def _line(self, pk, old, new) -> bool:
        deal = self.deal((new or old)["deal_id"])
        if deal is None or deal["partner_id"] not in self.orgs or not self.moved(deal["id"]) or not self._active(deal):
            return False
        if new is None:
            return True  # lines replaced
        product = self.rules.product_rows.get(new["product_id"])
        return product is not None and product["vendor_id"] == deal["vendor_id"] and product["active"]

    def _comment(self, pk, old, new) -> bool:
        deal = self.deal(new["deal_id"]) if new is not None else None
        return (
            old is None
            and deal is not None
            and new["author_id"] == self.user_id
            and new["organization_id"] in self.orgs & self.sides(new["deal_id"])
            and new["deal_id"] in self.seen
            and (new["organization_id"] != deal["partner_id"] or self._active(deal))
        )

    def _event(self, pk, old, new) -> bool:
        return (
            old is None
            and new is not None
            and self.moved(new["deal_id"])
            and new["actor_id"] in (None, self.user_id)
            and new["organization_id"] in {None} | self.sides(new["deal_id"])
        )

    def _attachment(self, pk, old, new) -> bool:
        deal = self.deal((new or old)["deal_id"])
        return (
            old is None
            and new is not None
            and deal is not None
            and deal["partner_id"] in self.orgs
            and new["organization_id"] == deal["partner_id"]
            and new["uploaded_by_id"] == self.user_id
            and (deal["id"] in self.seen or self.before.row(DEAL, deal["id"]) is None)
            and self._active(deal)
        )

    def _extension(self, pk, old, new) -> bool:
        if new is None:
            return False
        deal = self.before.row(DEAL, new["deal_id"])
        if deal is None:
            return False
        if old is None:  # asked: the partner, an approved registration, while the partnership is active
            return (
                deal["partner_id"] in self.orgs
                and new["requested_by_id"] == self.user_id
                and deal["status"] == DealStatus.APPROVED
                and self._active(deal)
            )
        return (  # decided: the vendor's admins and managers
            deal["vendor_id"] in self.managers
            and self._fields(old, new) <= {"status", "decided_by_id", "decided_at", "response"}
            and new["decided_by_id"] == self.user_id
        )

    def _conflict(self, pk, old, new) -> bool:
        if new is None:
            return False
        one, other = self.deal(new["deal_id"]), self.deal(new["other_id"])
        if one is None or other is None:
            return False
        same_vendor = one["vendor_id"] == other["vendor_id"] == new["vendor_id"]
        if not same_vendor or one["partner_id"] == other["partner_id"]:
            return False
        pair = (new["deal_id"], new["other_id"])
        # Found (again), or no longer matching, as one of the two was (re)submitted; settled as one stopped holding
        # its customer.
        submitted = any(self._submitted(pk) for pk in pair)
        if new["resolved_at"] is None:
            return submitted
        return submitted or any(self._settled(pk) for pk in pair)

    def _rules(self, pk, old, new) -> bool:
        if new is None:
            return False
        if (old or new)["vendor_id"] in self.managers and new["vendor_id"] == (old or new)["vendor_id"]:
            return True
        # Made with the defaults when a registration with the vendor is submitted or decided.
        return (
            old is None
            and all(new[k] == v for k, v in self.DEFAULT_RULES.items())
            and any(self.moved(d["id"]) for d in self._changed_deals() if d["vendor_id"] == new["vendor_id"])
        )

    def _changed_deals(self):
        return [self.deal(pk) for label, pk in self.changed if label == DEAL]

    def _rule_tier(self, pk, old, new) -> bool:
        if old is not None and new is not None:
            return False
        row = new or old
        rules = self.after.row(DEAL_RULES, row["dealrules_id"]) or self.before.row(DEAL_RULES, row["dealrules_id"])
        tier = self.rules.tier_rows.get(row["tier_id"])
        return (
            rules is not None
            and rules["vendor_id"] in self.managers
            and (new is None or (tier is not None and tier["vendor_id"] == rules["vendor_id"]))
        )

    def told(self, label, pk) -> set | None:
        """A registration's sides, about a change of it (not only of its conflict flags)."""
        if label != DEAL:
            return None
        return self.sides(pk) if self.moved(pk) else set()


# --- the attack -----------------------------------------------------------------------------------------------

_serial = itertools.count(1)


def catalog_of(world: w.World, vendor_id) -> list[int]:
    return [p.pk for p in world.catalog.get(vendor_id, [])]


def foreign_product(world: w.World, vendor_id) -> int:
    """An active product of another vendor: the outsider's (or V0's, for the outsider)."""
    outsider = world.vendors[-1].pk
    return catalog_of(world, outsider if vendor_id != outsider else world.vendors[0].pk)[0]


def _unregistrable_vendor(world: w.World) -> int:
    """A vendor P0 has no active partnership with: a main vendor if there is one, else the outsider."""
    p0 = world.partners[0].pk
    active = {
        p["vendor_id"]
        for p in world.rules.partnership_rows.values()
        if p["partner_id"] == p0 and p["status"] == Status.ACTIVE
    }
    others = (v.pk for v in world.vendors[:-1] if v.pk not in active and v.pk in world.catalog)
    return next(others, world.vendors[-1].pk)


def close_date() -> str:
    return (timezone.localdate() + timedelta(days=45)).isoformat()


def _pdf(name="quote.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _customer(n, website=""):
    return {
        "title": f"New opportunity {n}",
        "customer_name": f"Prospect {n}",
        "customer_website": website or f"prospect-{n}.example.org",
        "customer_country": "FR",
        "contact_name": "Jo Buyer",
        "contact_email": f"buyer{n}@example.org",
        "contact_phone": "+33 1 23 45 67 89",
        "expected_close_date": close_date(),
        "notes": "Found at a trade fair.",
    }


def lines_form(*lines):
    form = {"lines-TOTAL_FORMS": len(lines), "lines-INITIAL_FORMS": 0, "lines-MIN_NUM_FORMS": 0}
    form["lines-MAX_NUM_FORMS"] = 50
    for i, (product, quantity) in enumerate(lines):
        form[f"lines-{i}-product"] = product
        form[f"lines-{i}-quantity"] = quantity
    return form


def _deal_create_form(world, row):
    """P0's registration with V0, submitted: one unit (below V0's automatic approval), then a customer the rival
    registered (a conflict); a draft with a file; another vendor's product; a vendor P0 may not register with."""
    v0 = world.vendors[0].pk
    mine = catalog_of(world, v0)[0]
    bodies = []
    for website, action in (("", "submit"), ("www.shared-customer-a.com", "submit"), ("", "save")):
        n = next(_serial)
        body = {"vendor": v0, **_customer(n, website), **lines_form((mine, 1)), "action": action}
        if action == "save":
            body["attachments"] = _pdf(f"rfp-{n}.pdf")
        bodies.append(body)
    n = next(_serial)
    bodies.append({"vendor": v0, **_customer(n), **lines_form((foreign_product(world, v0), 1)), "action": "submit"})
    other = _unregistrable_vendor(world)
    n = next(_serial)
    bodies.append({"vendor": other, **_customer(n), **lines_form((catalog_of(world, other)[0], 1)), "action": "submit"})
    return bodies


def _deal_edit_form(world, row):
    """Kept current (the customer too, where it may change), then another vendor's product on a line."""
    n = next(_serial)
    body = {
        **_customer(n),
        "stage": "negotiation",
        "lost_reason": "",
        "amount": "12345.00",
    }
    mine = catalog_of(world, row["vendor_id"])[0]
    return [
        {**body, **lines_form((mine, 3))},
        {**body, **lines_form((mine, 3), (foreign_product(world, row["vendor_id"]), 1))},
    ]


def _deal_stage_form(world, row):
    return [{"stage": "lost", "lost_reason": "The customer chose to wait a year."}, {"stage": "proposal"}]


def _api_deal_create(world, row):
    v0 = world.vendors[0].pk
    mine = catalog_of(world, v0)[0]

    def body(vendor, product, website="", submit=True):
        return {
            "vendor": vendor,
            **_customer(next(_serial), website),
            "lines": [{"product": product, "quantity": 1}],
            "submit": submit,
        }

    other = _unregistrable_vendor(world)
    return [
        body(v0, mine),
        body(v0, mine, "https://eu.shared-customer-b.com/", submit=True),
        body(v0, foreign_product(world, v0)),
        body(other, catalog_of(world, other)[0]),
        body(world.vendors[-1].pk, catalog_of(world, world.vendors[-1].pk)[0], submit=False),
    ]


def _api_deal_update(world, row):
    mine = catalog_of(world, row["vendor_id"])[0]
    n = next(_serial)
    return [
        {
            "title": f"Renamed {n}",
            "stage": "proposal",
            "amount": "2500.00",
            "lines": [{"product": mine, "quantity": 2}],
        },
        {"lines": [{"product": foreign_product(world, row["vendor_id"]), "quantity": 1}]},
        {"customer_name": f"Someone else {n}", "customer_website": "www.shared-customer-b.com"},
        {"stage": "lost", "lost_reason": "Budget frozen."},
    ]


def _deal_rules_form(world, row):
    """V0's rules with its own tiers; then another vendor's tier (the outsider's, a second main vendor's)."""
    body = {"auto_approve_below": "2500", "idle_cap": "5", "idle_days": "45", "name_similarity": "0.75"}
    bodies = [{**body, "auto_approve_tiers": vendor_tiers(world, world.vendors[0].pk)}]
    bodies.append({**body, "auto_approve_tiers": [foreign_tier(world, world.vendors[0].pk)]})
    bodies.append({**body, "auto_approve_tiers": vendor_tiers(world, world.vendors[1].pk)[:1]})
    return bodies


def _comment(world, row):
    return [{"body": f"Any news from the buyer? ({next(_serial)})"}]


def _approve_deal(world, row):
    return [{"protection_days": 60, "note": "Protected: go for it."}]


def _extension_request(world, row):
    return [{"days": 30, "reason": "The customer's board meets next month."}]


def _extension_decide_form(world, row):
    return [{"decision": "grant", "response": "Granted."}, {"decision": "refuse", "response": "Not this time."}]


def _api_extension_decision(world, row):
    return [{"grant": True, "response": "Granted."}, {"grant": False, "response": "Not this time."}]


def _status_in(*statuses):
    return lambda world, row: row["status"] in statuses


def _pending_extension(world, row):
    return any(e["deal_id"] == row["id"] and e["status"] == "pending" for e in world.rules.extension_rows.values())


def _extensible(world, row):
    return row["status"] == DealStatus.APPROVED and not _pending_extension(world, row)


def _flagged(world, row):
    return row["has_conflict"] and row["status"] == DealStatus.SUBMITTED


PREFERRED = {
    "deals:submit": _status_in(DealStatus.DRAFT, DealStatus.INFO_REQUESTED),
    "deal-submit": _status_in(DealStatus.DRAFT, DealStatus.INFO_REQUESTED),
    "deals:edit": _status_in(DealStatus.DRAFT, DealStatus.INFO_REQUESTED),
    "deal-detail": _status_in(DealStatus.DRAFT, DealStatus.INFO_REQUESTED),
    "deals:stage": _flagged,
    "deals:approve": _status_in(DealStatus.SUBMITTED),
    "deal-approve": _status_in(DealStatus.SUBMITTED),
    "deals:reject": _flagged,
    "deal-reject": _flagged,
    "deals:request_info": _status_in(DealStatus.SUBMITTED),
    "deal-request-info": _status_in(DealStatus.SUBMITTED),
    "deals:extension_request": _extensible,
    "deal-extension-request": _extensible,
    "deals:extension_decide": _pending_extension,
    "deal-extension-decision": _pending_extension,
    "deal-conflicts": lambda world, row: row["has_conflict"],
    "deals:detail": lambda world, row: row["has_conflict"],
}

BODIES = {
    "deals:create": _deal_create_form,
    "deals:edit": _deal_edit_form,
    "deals:submit": nothing,
    "deals:stage": _deal_stage_form,
    "deals:comment": _comment,
    "deals:attach": lambda world, row: [{"attachments": _pdf(f"offer-{next(_serial)}.pdf")}],
    "deals:approve": _approve_deal,
    "deals:reject": reason,
    "deals:request_info": lambda world, row: [{"question": "Who signs the order?"}],
    "deals:extension_request": _extension_request,
    "deals:extension_decide": _extension_decide_form,
    "deals:rules": _deal_rules_form,
    "deal-list": _api_deal_create,
    "deal-detail": _api_deal_update,
    "deal-submit": nothing,
    "deal-approve": _approve_deal,
    "deal-reject": reason,
    "deal-request-info": lambda world, row: [{"question": "Who signs the order?"}],
    "deal-comments": _comment,
    "deal-attachments": lambda world, row: [{"file": _pdf(f"offer-{next(_serial)}.pdf")}],
    "deal-extension-request": _extension_request,
    "deal-extension-decision": _api_extension_decision,
}

FILTERS = {
    "status": lambda world, persona, rnd, *, missing, endpoint: rnd.sample(DealStatus.values, 2),
    "stage": lambda world, persona, rnd, *, missing, endpoint: rnd.sample(DealRegistration.Stage.values, 2),
    # The vendor's alone: for anyone else, it must change nothing (SIDE_ONLY).
    "conflicts": lambda world, persona, rnd, *, missing, endpoint: ["true"],
    "sort": lambda world, persona, rnd, *, missing, endpoint: [rnd.choice(["value", "-value", "close", "-close"])],
}
# ``?q=`` is sent a stem of a hidden registration's title or customer.
SEARCHES = (lambda marker, owner: marker.startswith(("xdtl", "xcus")),)


def _deal_search(row, value) -> bool:
    reference = value.upper().startswith("DR-") and value[3:].isdigit() and int(value[3:]) == row["id"]
    return reference or contains(("title", "customer_name", "customer_domain"))(row, value)


# deals.selectors.deals_for: each side has its own filters and ignores the others'.
API_FILTERS = {
    (DEAL, "vendor"): Sided(partner=equals("vendor_id"), distributor=equals("vendor_id")),
    (DEAL, "partner"): Sided(vendor=equals("partner_id"), distributor=equals("partner_id")),
    (DEAL, "tier"): Sided(vendor=equals("tier_id")),
    (DEAL, "stage"): Sided(partner=equals("stage")),
    (DEAL, "status"): equals("status"),
    (DEAL, "q"): _deal_search,
    (DEAL, "conflicts"): Sided(vendor=lambda row, value: value != "true" or row["has_conflict"]),
    (DEAL, "sort"): lambda row, value: True,
}
# Filters of one side alone (the kinds of organization that have them): for a person working on another side the
# answer with the filter shows exactly the rows it shows without it. ``?conflicts=true`` that narrowed a partner's
# list would tell the partner which of its registrations another partner has registered too.
SIDE_ONLY = {"conflicts": {Kind.VENDOR}}
# What tells of a conflict between partners' registrations, in any form (a flag, a queue, a column, a word): shown
# to the vendor's people alone. The query echoing a filter's name is not telling.
SECRETS = (
    Secret(
        known_to=frozenset({Kind.VENDOR}),
        pattern=re.compile(r"conflict|\"queue\"\s*:", re.IGNORECASE),
        echo=re.compile(r"conflicts=[^&\"'\s<>]*", re.IGNORECASE),
        what="conflicts between partners' registrations (the vendor's alone)",
    ),
)
READ_ONLY = {DEAL: "registration"}
# Where the database cannot count the rows a request wrote (SQLite), the reads of the deal routes are snapshotted too.
SNAPSHOT_READS = True
