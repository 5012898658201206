"""Leads' demo story: Acme's routing rules, what its partners cover, and the spreadsheet of 200 leads it imports.

``manage.py demo`` (core/demo.py) tells it after the deals (a lead becomes one): these go through ``leads.services``
exactly as a vendor would through the pages: the rules and coverage are saved, the CSV is uploaded, checked and
confirmed, and the partners answer (or do not) before the deadline job runs.
"""

import csv
import io
import random
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.demo import BASE_URL, Story
from leads import services as lead_services
from leads.models import Lead, LeadEvent, LeadImport, LeadOffer
from notifications.models import Notification, Receipt
from vendors.models import Membership, Organization, Partnership, Product

LEADS_URL = f"{BASE_URL}/leads/"
RILEY = "riley.rep@initech.example"

# US partners' territories, as states (the rest of the world is covered by country).
US_STATES = {
    "Initech Solutions": ["IL", "IN", "OH", "MI", "WI", "MN", "IA", "MO"],
    "Bluewave Systems": ["CA", "OR", "WA"],
    "Summit Technology Partners": ["CO", "UT"],
    "Redwood IT Group": ["CA"],
    "Harbor Point Consulting": ["MA", "CT", "RI", "VT"],
    "Crestline Networks": ["TX", "OK"],
    "Tidewater Technologies": ["VA", "MD", "DC"],
    "Granite State Networks": ["NH", "ME"],
    "Ridgeview Technology Group": [],  # a national reseller: the whole country
    "Cascadia Data Systems": ["WA", "OR"],
    "Clearwater Print & Copy": [],  # Platinum, national accounts: the whole country
    "Lakeside Computer Center": ["IL"],
}
# Where Acme's leads come from: mostly its partners' countries; a few from where nobody covers it yet.
COUNTRY_WEIGHTS = {"US": 62, "NL": 7, "ES": 6, "FR": 5, "AU": 5, "GB": 6, "DE": 3, "NZ": 2, "BR": 2, "MX": 2}
# Where Acme's US leads come from: the Midwest most, then the coasts.
STATE_WEIGHTS = {
    **dict.fromkeys(["IL", "OH", "MI", "WI", "MN", "IN", "IA", "MO"], 7),
    **dict.fromkeys(["CA", "OR", "WA"], 6),
    **dict.fromkeys(["NH", "ME"], 3),
    **dict.fromkeys(["FL", "GA", "TX", "NY", "NC"], 2),
}
SIZES = ["1-49", "50-249", "50-249", "250-999", "250-999", "1000+", ""]
FIRST = ["Avery", "Blair", "Cameron", "Devon", "Emerson", "Finley", "Harper", "Jesse", "Kendall", "Logan", "Morgan"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Alvarez", "Brennan", "Kowalski", "Haddad", "Nakamura", "Silva"]
COMPANY_A = ["North", "Blue", "Granite", "Silver", "Harbor", "Maple", "Summit", "River", "Oak", "Pioneer", "Bright"]
COMPANY_B = ["field", "stone", "point", "bridge", "gate", "view", "wood", "line", "crest", "water", "haven"]
COMPANY_C = ["Logistics", "Health", "Schools", "Manufacturing", "Credit Union", "Hotels", "Law", "Retail", "Labs"]
INTERESTS = [
    ("ACM-SW48-POE", "ACM-AP6-IN"),
    ("ACM-SW24-POE",),
    ("ACM-R100", "ACM-CLD-1Y"),
    ("ACM-R500",),
    ("ACM-AP6-IN", "ACM-CLD-5Y"),
    ("ACM-SW48-10G", "ACM-SFP-10G-SR"),
]
NOTES = [
    "Downloaded the campus Wi-Fi guide; asked for a site survey.",
    "Visited our booth at the regional trade show. Refresh of 20+ closets planned next year.",
    "Requested pricing for 12 branch offices via the website.",
    "Existing customer of a competitor; contract ends in Q3.",
    "Webinar attendee: SD-WAN for retail branches.",
    "",
]
# Acme's rules: 48 hours to accept, a reminder 12 hours before, Silver and above, at most 40 open leads each.
RULES = {"sla_hours": 48, "reminder_hours": 12, "tiers": ("Silver", "Gold", "Platinum"), "default_capacity": 40}
REJECT_REASONS = [
    "Outside the area our engineers cover.",
    "We already work this account with another vendor.",
    "Too small for our team right now.",
]


def coverage_for(partner_name: str, country: str) -> dict:
    """What a partner covers for Acme: its US states, or its whole country elsewhere."""
    if country == "US":
        return {"countries": ["US"], "regions": US_STATES.get(partner_name, [])}
    return {"countries": [country], "regions": []}


def spreadsheet(rng: random.Random, count: int = 200) -> bytes:
    """The CSV Acme's marketing team exports from its marketing system: ``count`` leads, with the column
    names such exports use (the import recognises them)."""
    countries, weights = zip(*COUNTRY_WEIGHTS.items(), strict=True)
    states, state_weights = zip(*STATE_WEIGHTS.items(), strict=True)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Company name", "First name", "Last name", "Email", "Phone", "Country", "State", "Zip", "Products",
         "Employees", "Notes", "Lead source"]
    )  # fmt: skip
    used = set()
    for _ in range(count):
        while True:
            company = f"{rng.choice(COMPANY_A)}{rng.choice(COMPANY_B)} {rng.choice(COMPANY_C)}"
            if company not in used:
                used.add(company)
                break
        first, last = rng.choice(FIRST), rng.choice(LAST)
        country = rng.choices(countries, weights=weights)[0]
        state = rng.choices(states, weights=state_weights)[0] if country == "US" else ""
        postcode = f"{rng.randint(10000, 99999)}" if country == "US" else ""
        domain = company.split()[0].lower() + ".example"
        writer.writerow(
            [
                company,
                first,
                last,
                f"{first}.{last}@{domain}".lower(),
                f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}" if country in ("US", "CA") else "",
                country,
                state,
                postcode,
                ", ".join(rng.choice(INTERESTS)),
                rng.choice(SIZES),
                rng.choice(NOTES),
                rng.choice(["Website", "Trade show", "Webinar"]),
            ]
        )
    return out.getvalue().encode("utf-8")


@contextmanager
def lead_dated(when, sla_hours=RULES["sla_hours"]):
    """The lead rows written inside, and the notifications they sent, are dated ``when``: made, answered and offered
    then (an offer made then must be accepted within the vendor's hours of it). The lead services that take ``now``
    are given it; the others stamp the present, moved here (everything written before is already in the past, so
    "written inside" is "dated since the block started")."""
    started = timezone.now()
    yield
    deadline = when + timedelta(hours=sla_hours)
    for model, names in (
        (Notification, ("created_at",)),
        (Receipt, ("created_at",)),
        (Lead, ("created_at", "updated_at", "accepted_at")),
        (LeadOffer, ("offered_at", "decided_at")),
        (LeadEvent, ("created_at",)),
        (LeadImport, ("created_at", "imported_at")),
    ):
        for name in names:
            model.objects.filter(**{f"{name}__gte": started}).update(**{name: when})
    LeadOffer.objects.filter(offered_at=when, outcome=LeadOffer.Outcome.PENDING).update(accept_by=deadline)
    Lead.objects.filter(status=Lead.Status.OFFERED, updated_at=when).update(accept_by=deadline)


def tell_leads(world):
    """Acme's lead distribution, three days old: its rules and its partners' coverage; 200 leads imported from its
    marketing system's CSV and routed by territory and tier; the partners' answers. Riley accepted one and registered
    it as a deal, let another one run past its deadline; the deadline job then moved that one (and every other missed
    one) to the next partner. Three fresh leads wait in Riley's inbox."""
    rng = world.rng
    acme = world.vendors["acme"]
    morgan = world.vendor_managers["acme"]
    initech = world.partners["Initech Solutions"]
    riley = get_user_model().objects.get(email=RILEY)
    start = world.days_ago(3, hours=9)
    with lead_dated(start - timedelta(hours=2)):
        lead_services.lead_rules_update(
            actor=morgan,
            vendor=acme,
            sla_hours=RULES["sla_hours"],
            reminder_hours=RULES["reminder_hours"],
            tiers=[t for t in acme.tier_list if t.name in RULES["tiers"]],
            default_capacity=RULES["default_capacity"],
        )
        edges = Partnership.objects.filter(vendor=acme, status=Partnership.Status.ACTIVE).select_related("partner")
        for edge in edges.order_by("pk"):
            cover = coverage_for(edge.partner.name, edge.partner.country)
            lead_services.lead_coverage_update(
                actor=morgan, partnership=edge, products=[], capacity=None, accepts_leads=True, **cover
            )
    upload = SimpleUploadedFile("acme-leads-marketing-export.csv", spreadsheet(rng), content_type="text/csv")
    with lead_dated(start):
        staged = lead_services.lead_import_stage(actor=morgan, vendor=acme, upload=upload)
        lead_services.lead_import_confirm(actor=morgan, lead_import=staged)

    # The partners answer in the next day and a half; some never do.
    people = {
        m.organization_id: m.user
        for m in Membership.objects.filter(organization__kind=Organization.Kind.PARTNER, role=Membership.Role.MEMBER)
        .select_related("user")
        .order_by("pk")
    }
    people[initech.pk] = riley
    offered = list(Lead.objects.filter(vendor=acme, status=Lead.Status.OFFERED).order_by("pk"))
    initech_leads = [lead for lead in offered if lead.partner_id == initech.pk]
    kept = initech_leads[0] if initech_leads else None
    missed = initech_leads[1] if len(initech_leads) > 1 else None
    for lead in offered:
        if lead in (kept, missed):
            continue
        answer = rng.random() * (0.75 if lead.partner_id == initech.pk else 1)
        when = start + timedelta(hours=rng.randint(1, 36), minutes=rng.choice([5, 20, 40]))
        with lead_dated(when):
            if answer < 0.6:
                lead_services.lead_accept(actor=people[lead.partner_id], lead=lead, now=when)
            elif answer < 0.75:
                reason = rng.choice(REJECT_REASONS)
                lead_services.lead_reject(actor=people[lead.partner_id], lead=lead, reason=reason, now=when)
    if kept is not None:
        when = start + timedelta(hours=3, minutes=10)
        with lead_dated(when):
            lead_services.lead_accept(actor=riley, lead=kept, now=when)
        with lead_dated(start + timedelta(hours=26)):
            lead_services.lead_update_status(actor=riley, lead=kept, status=Lead.Status.QUALIFIED)
            lead_services.lead_note_add(actor=riley, lead=kept, body="Met their IT lead: 14 closets, budget in Q3.")
        converted_at = start + timedelta(hours=27)
        with lead_dated(converted_at):
            catalog = {p.sku: p for p in Product.objects.filter(vendor=acme, active=True)}
            lines = [(catalog[sku], 14) for sku in ("ACM-SW48-POE", "ACM-AP6-IN") if sku in catalog]
            lead_services.lead_convert(
                actor=riley,
                lead=kept,
                title=f"{kept.company}: campus refresh",
                expected_close_date=(world.now + timedelta(days=75)).date(),
                lines=lines,
                submit=True,
                now=converted_at,
            )
    # The deadline job, an hour ago: every lead not accepted in 48 hours is recalled and offered on.
    with lead_dated(world.now - timedelta(hours=1)):
        lead_services.leads_recall_overdue(now=world.now - timedelta(hours=1))
    # Fresh this morning, in Initech's Midwest: waiting for Riley's answer.
    fresh = [
        {"company": "Lakeshore Credit Union", "contact_name": "Dana Kim", "country": "US", "region": "IL",
         "products": "ACM-SW24-POE, ACM-AP6-IN", "size": "250-999", "notes": "Eight branches, Wi-Fi first."},
        {"company": "Buckeye Regional Schools", "contact_name": "Sam Ortiz", "country": "US", "region": "OH",
         "products": "ACM-SW48-POE", "size": "1000+", "notes": "E-rate funded refresh, RFP in six weeks."},
        {"company": "Twin Cities Dental Group", "contact_name": "Lee Park", "country": "US", "region": "MN",
         "products": "ACM-R100", "size": "50-249"},
    ]  # fmt: skip
    with lead_dated(world.now - timedelta(hours=2)):
        lead_services.leads_create(actor=morgan, vendor=acme, rows=fresh)
    world.missed_lead = missed


STORIES = [
    Story(
        "leads",
        tell_leads,
        after=("partnerships", "deals"),
        summary=lambda world: [("leads", Lead.objects.count())],
        help=(
            f"Leads: {LEADS_URL} (Riley answers Acme's new leads and converts the accepted one; Morgan sees where the "
            "200 imported leads went and why, and which moved after a missed deadline).",
        ),
    ),
]
