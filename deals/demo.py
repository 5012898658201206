"""Deal registration's demo story: registrations across the vendors, each told step by step.

Each step of each registration (``DEALS``: register, ask, answer, approve, comment, win or lose, ask for more time)
goes through ``deals.services`` on its date (the services take ``now``), and the expiry job runs on the mornings it
had work. So the conflict Acme has to decide, the automatic approval and every history entry, comment and
notification are the ones production would have made, dated as they happened. Told after the channel's partnerships
(vendors/demo.py).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from core.demo import BASE_URL, Story
from deals import services as deal_services
from deals.models import DealRegistration
from vendors.models import Membership, Organization, Partnership, Product

Role = Membership.Role
DEALS_URL = f"{BASE_URL}/deals/"

RILEY, ALEX = "riley.rep@initech.example", "alex.admin@initech.example"
# The vendors' deal rules: Acme approves its Platinum partners' small registrations by itself and caps the open
# registrations a partner may leave idle.
ACME_RULES = {"auto_approve_below": Decimal("15000"), "top_tiers": ["Platinum"], "idle_cap": 5, "idle_days": 45}


@dataclass
class DealSpec:
    """One registration's story, built through ``deals.services`` step by step, each step on its day.

    ``steps``: ``(days ago, action, *arguments)``, oldest first. Actions: ``register`` (create and submit),
    ``draft``, ``submit`` (also a resubmission), ``comment`` (``"partner"``, ``"vendor"`` or ``"distributor"``,
    body), ``ask`` (the vendor's question), ``approve`` (protection days or ``None`` for the tier's, note),
    ``reject`` (reason), ``stage`` (stage, lost reason), ``lines`` (new products), ``extend`` (days, reason),
    ``grant`` (response).
    """

    vendor: str
    partner: str
    title: str
    customer: str
    website: str
    country: str
    contact: tuple
    lines: list
    close: int  # expected close, in days from today
    steps: list
    by: str | None = None  # who registers it; the partner's admin when not given


DEALS = [
    # --- Acme Networks (Morgan's queue) ---
    # A conflict to decide: Granite State registered Prairie Valley Health three days before Initech did, both
    # with Acme's five-year cloud licences. Morgan sees the two side by side; Riley just sees "Under review".
    DealSpec(
        vendor="acme",
        partner="Granite State Networks",
        title="Prairie Valley Health: clinic Wi-Fi refresh",
        customer="Prairie Valley Health",
        website="prairievalleyhealth.org",
        country="US",
        contact=("Tom Becker", "t.becker@prairievalleyhealth.org"),
        lines=[("ACM-AP6-IN", 140), ("ACM-CLD-5Y", 140), ("ACM-SW24-POE", 12)],
        close=75,
        steps=[
            (5, "register"),
            (
                4,
                "comment",
                "partner",
                "The customer is comparing us with one other vendor; decision by end of quarter.",
            ),
        ],
    ),
    DealSpec(
        vendor="acme",
        partner="Initech Solutions",
        by=RILEY,
        title="Prairie Valley Health: new surgical wing network",
        customer="Prairie Valley Health, Inc.",
        website="https://www.prairievalleyhealth.org/locations/springfield",
        country="US",
        contact=("Angela Ruiz", "angela.ruiz@prairievalleyhealth.org"),
        lines=[("ACM-AP6E-IN", 60), ("ACM-SW48-POE", 8), ("ACM-CLD-5Y", 68)],
        close=60,
        steps=[(3, "draft"), (2, "submit")],
    ),
    # Approved while Initech was Silver (90 days): protection ends within two weeks, the deal is in negotiation.
    DealSpec(
        vendor="acme",
        partner="Initech Solutions",
        by=RILEY,
        title="Harlan County Schools: district-wide switching",
        customer="Harlan County School District",
        website="harlanschools.org",
        country="US",
        contact=("Mike Dorsey", "mdorsey@harlanschools.org"),
        lines=[("ACM-SW48-POE", 30), ("ACM-SW48-10G", 2), ("ACM-SUP-NBD-1Y", 32)],
        close=25,
        steps=[
            (84, "register"),
            (82, "approve", 90, "Thanks for the early registration. Protected for the Silver tier's 90 days."),
            (60, "stage", "proposal"),
            (21, "stage", "negotiation"),
            (21, "comment", "partner", "The school board approved the budget last night; the PO should follow soon."),
            (
                19,
                "comment",
                "vendor",
                "Good news. If the PO slips past the protection date, ask for an extension here and I will approve it.",
            ),
        ],
    ),
    # Morgan asked a question a week ago; Riley has not answered yet.
    DealSpec(
        vendor="acme",
        partner="Initech Solutions",
        by=RILEY,
        title="Midstate Logistics: warehouse Wi-Fi 6E",
        customer="Midstate Logistics Inc.",
        website="midstatelogistics.com",
        country="US",
        contact=("Karen Holt", "karen.holt@midstatelogistics.com"),
        lines=[("ACM-AP6E-IN", 45), ("ACM-AP6-OUT", 6), ("ACM-CLD-1Y", 51)],
        close=45,
        steps=[
            (9, "register"),
            (
                7,
                "ask",
                "Is this a new site or a replacement of existing access points? If it replaces another "
                "vendor's equipment, please say which, and attach the customer's floor plan or RFP.",
            ),
        ],
    ),
    DealSpec(
        vendor="acme",
        partner="Initech Solutions",
        by=RILEY,
        title="Fairview Credit Union: branch routers",
        customer="Fairview Federal Credit Union",
        website="fairviewfcu.org",
        country="US",
        contact=("Dan Whitaker", "dwhitaker@fairviewfcu.org"),
        lines=[("ACM-R100", 18), ("ACM-CLD-5Y", 18)],
        close=30,
        steps=[
            (150, "register"),
            (148, "approve", 90, ""),
            (120, "stage", "proposal"),
            (101, "stage", "negotiation"),
            (92, "comment", "partner", "PO received for all 18 branches; the installs start next month."),
            (92, "stage", "won"),
            (91, "comment", "vendor", "Congratulations! Counted towards Initech's Gold review."),
        ],
    ),
    DealSpec(
        vendor="acme",
        partner="Initech Solutions",
        by=RILEY,
        title="Oakridge Manufacturing: plant network",
        customer="Oakridge Manufacturing Co.",
        website="oakridgemfg.com",
        country="US",
        contact=("Lisa Brandt", "lbrandt@oakridgemfg.com"),
        lines=[("ACM-SW48-10G", 4), ("ACM-R500", 2), ("ACM-SW48-POE", 10)],
        close=40,
        steps=[
            (70, "register"),
            (68, "approve", 90, ""),
            (40, "stage", "proposal"),
            (15, "stage", "lost", "The customer's parent company standardised on another vendor for every plant."),
            (15, "comment", "partner", "Decided at group level; the local IT team wanted Acme."),
        ],
    ),
    DealSpec(
        vendor="acme",
        partner="Initech Solutions",
        by=RILEY,
        title="Lakeshore Dental Group: practice networks",
        customer="Lakeshore Dental Group",
        website="lakeshoredental.com",
        country="US",
        contact=("Dr. Sam Patel", "office@lakeshoredental.com"),
        lines=[("ACM-R100", 6), ("ACM-AP6-IN", 12), ("ACM-CLD-1Y", 18)],
        close=120,
        steps=[
            (190, "register"),
            (187, "approve", 90, ""),
            (150, "stage", "proposal"),
            (120, "comment", "partner", "The customer postponed the project to next year; we will register it again."),
        ],
    ),
    # Riley's unfinished draft (only Initech sees it).
    DealSpec(
        vendor="acme",
        partner="Initech Solutions",
        by=RILEY,
        title="Bayside Suites: guest Wi-Fi",
        customer="Bayside Suites Hotels",
        website="baysidesuites.com",
        country="US",
        contact=("Nora Quinn", ""),
        lines=[("ACM-AP6-IN", 80), ("ACM-CLD-1Y", 80)],
        close=90,
        steps=[(1, "draft")],
    ),
    # Platinum and below Acme's threshold: approved automatically. Two-tier, so Northwind sees it too.
    DealSpec(
        vendor="acme",
        partner="Clearwater Print & Copy",
        title="Gulf Coast Dental: office network",
        customer="Gulf Coast Dental Partners",
        website="gulfcoastdental.com",
        country="US",
        contact=("Rita Gomez", "rgomez@gulfcoastdental.com"),
        lines=[("ACM-R100", 2), ("ACM-AP6-IN", 6), ("ACM-CLD-1Y", 8)],
        close=35,
        steps=[
            (30, "register"),
            (29, "comment", "distributor", "Stock for this order is reserved at our Atlanta warehouse."),
        ],
    ),
    # A conflict Morgan settled: Meridian's registration came first and was approved; Polaris' was rejected.
    DealSpec(
        vendor="acme",
        partner="Meridian Data",
        title="Vandermolen Logistics: distribution centre Wi-Fi",
        customer="Vandermolen Logistics B.V.",
        website="vandermolen.nl",
        country="NL",
        contact=("Pieter de Boer", "p.deboer@vandermolen.nl"),
        lines=[("ACM-AP6-IN", 90), ("ACM-CLD-5Y", 90), ("ACM-SW24-POE", 6)],
        close=50,
        steps=[(60, "register"), (58, "approve", None, ""), (30, "stage", "proposal")],
    ),
    DealSpec(
        vendor="acme",
        partner="Polaris Cyber",
        title="Vandermolen: Nordic warehouses",
        customer="Vandermolen Logistics AB",
        website="vandermolen.se",
        country="SE",
        contact=("Erik Lund", "erik.lund@vandermolen.se"),
        lines=[("ACM-AP6-IN", 40), ("ACM-CLD-1Y", 40)],
        close=70,
        steps=[
            (50, "register"),
            (
                48,
                "reject",
                "This customer and these products are already protected by an earlier registration. "
                "If the Nordic sites are a separate project with their own buyer, register it again with that buyer.",
            ),
        ],
    ),
    DealSpec(
        vendor="acme",
        partner="Solstice Managed Services",
        title="Grupo Brisa: Wi-Fi for 12 hotels",
        customer="Grupo Hotelero Brisa",
        website="grupobrisa.es",
        country="ES",
        contact=("Lucía Ferrer", "lferrer@grupobrisa.es"),
        lines=[("ACM-AP6-IN", 300), ("ACM-CLD-5Y", 300), ("ACM-SW24-POE", 24)],
        close=90,
        steps=[(3, "register")],
    ),
    DealSpec(
        vendor="acme",
        partner="Lumen Office Solutions",
        title="Groupe Ravel: head office switching",
        customer="Groupe Ravel SA",
        website="groupe-ravel.fr",
        country="FR",
        contact=("Claire Martin", "c.martin@groupe-ravel.fr"),
        lines=[("ACM-SW48-POE", 12), ("ACM-SW48-10G", 2)],
        close=60,
        steps=[
            (40, "register"),
            (
                38,
                "reject",
                "Groupe Ravel buys from Acme directly under an enterprise agreement; direct accounts "
                "are not open to registration. Your channel manager can introduce you for the installation work.",
            ),
        ],
    ),
    # Morgan asked, Bluewave answered, added the outdoor access points and sent it back.
    DealSpec(
        vendor="acme",
        partner="Bluewave Systems",
        title="Sunset Ridge Winery: estate network",
        customer="Sunset Ridge Winery",
        website="sunsetridgewines.com",
        country="US",
        contact=("Marco Bellini", "marco@sunsetridgewines.com"),
        lines=[("ACM-AP6-IN", 14), ("ACM-SW24-POE", 3), ("ACM-CLD-1Y", 17)],
        close=50,
        steps=[
            (12, "register"),
            (10, "ask", "How many buildings does this cover, and do the tasting terraces need outdoor coverage?"),
            (
                9,
                "comment",
                "partner",
                "Four buildings, and yes: the two terraces need outdoor access points. I added four ACM-AP6-OUT.",
            ),
            (9, "lines", [("ACM-AP6-IN", 14), ("ACM-AP6-OUT", 4), ("ACM-SW24-POE", 3), ("ACM-CLD-1Y", 21)]),
            (9, "submit"),
        ],
    ),
    # Protection ends in a few days; Granite State asked for more time and Morgan has not answered yet.
    DealSpec(
        vendor="acme",
        partner="Granite State Networks",
        title="Pine Harbor Marine: yard and office network",
        customer="Pine Harbor Marine",
        website="pineharbormarine.com",
        country="US",
        contact=("Jeff Carter", "jcarter@pineharbormarine.com"),
        lines=[("ACM-R500", 2), ("ACM-SW48-POE", 4), ("ACM-AP6-OUT", 8)],
        close=30,
        steps=[
            (85, "register"),
            (83, "approve", None, ""),
            (50, "stage", "proposal"),
            (20, "stage", "negotiation"),
            (5, "extend", 30, "The customer's budget committee meets next week; the PO follows the week after."),
        ],
    ),
    # An extension Morgan granted.
    DealSpec(
        vendor="acme",
        partner="Vantage Point Networks",
        title="Southern Cross Freight: depot switching",
        customer="Southern Cross Freight Pty Ltd",
        website="southerncrossfreight.com.au",
        country="AU",
        contact=("Liam O'Connor", "liam.oconnor@southerncrossfreight.com.au"),
        lines=[("ACM-SW48-POE", 20), ("ACM-SW48-10G", 2), ("ACM-SUP-NBD-1Y", 22)],
        close=50,
        steps=[
            (112, "register"),
            (110, "approve", None, ""),
            (70, "stage", "proposal"),
            (30, "stage", "negotiation"),
            (8, "extend", 45, "Tender evaluation was extended by six weeks; we are on the shortlist."),
            (7, "grant", "Granted: good luck with the shortlist."),
        ],
    ),
    # --- Globex Security (two-tier for Initech, through Northwind: Dana sees and comments) ---
    DealSpec(
        vendor="globex",
        partner="Initech Solutions",
        by=RILEY,
        title="Keller & Sons: firewalls and MFA",
        customer="Keller & Sons LLP",
        website="kellersons-law.com",
        country="US",
        contact=("Ruth Keller", "rkeller@kellersons-law.com"),
        lines=[("GLX-FW-200", 2), ("GLX-FW-HA-KIT", 1), ("GLX-TP-200-1Y", 2), ("GLX-MFA-1Y", 85)],
        close=40,
        steps=[
            (35, "register"),
            (
                34,
                "comment",
                "distributor",
                "Northwind has two FW-200 in stock in Chicago; we ship within two days of the PO.",
            ),
            (33, "approve", None, ""),
            (20, "stage", "proposal"),
            (6, "comment", "vendor", "Happy to join a call with the firm's IT lead if it helps close."),
            (5, "comment", "partner", "Thanks, Sophie: booked for Thursday, the invitation is in your inbox."),
            (5, "stage", "negotiation"),
        ],
    ),
    DealSpec(
        vendor="globex",
        partner="Initech Solutions",
        by=ALEX,
        title="Quarry Hill Schools: firewall refresh",
        customer="Quarry Hill School District",
        website="quarryhill.k12.il.us",
        country="US",
        contact=("Beth Lawson", ""),
        lines=[("GLX-FW-1000", 1), ("GLX-FW-200", 6)],
        close=120,
        steps=[(2, "draft")],
    ),
    DealSpec(
        vendor="globex",
        partner="Kestrel Systems",
        title="Harbourside Council: endpoint protection",
        customer="Harbourside Council",
        website="harboursidecouncil.com.au",
        country="AU",
        contact=("Grace Whitfield", "g.whitfield@harboursidecouncil.com.au"),
        lines=[("GLX-EDR-1Y", 650), ("GLX-EDR-SRV-1Y", 40)],
        close=80,
        steps=[(10, "register")],
    ),
    DealSpec(
        vendor="globex",
        partner="Crestline Networks",
        title="Lone Star Freight: VPN and MFA",
        customer="Lone Star Freight Lines",
        website="lonestarfreight.com",
        country="US",
        contact=("Cody Reyes", "creyes@lonestarfreight.com"),
        lines=[("GLX-VPN-100", 1), ("GLX-MFA-1Y", 100)],
        close=30,
        steps=[
            (52, "register"),
            (
                50,
                "reject",
                "This is the renewal of a subscription the customer already has; renewals go through "
                "the Globex renewals desk, not deal registration.",
            ),
        ],
    ),
    DealSpec(
        vendor="globex",
        partner="Redwood IT Group",
        title="Sequoia Pediatrics: clinic firewalls",
        customer="Sequoia Pediatrics",
        website="sequoiapeds.com",
        country="US",
        contact=("Amy Tran", "amy.tran@sequoiapeds.com"),
        lines=[("GLX-FW-50", 3), ("GLX-MFA-1Y", 40)],
        close=60,
        steps=[(102, "register"), (100, "approve", None, ""), (80, "stage", "proposal")],
    ),
    # --- Stratus Backup ---
    DealSpec(
        vendor="stratus",
        partner="Initech Solutions",
        by=ALEX,
        title="Birchwood Accounting: Microsoft 365 backup",
        customer="Birchwood CPA Group",
        website="birchwoodcpa.com",
        country="US",
        contact=("Helen Ward", "hward@birchwoodcpa.com"),
        lines=[("STB-M365-1Y", 220), ("STB-ONB", 1)],
        close=20,
        steps=[
            (45, "register"),
            (44, "approve", None, ""),
            (30, "stage", "won"),
            (30, "comment", "partner", "Signed for three years; onboarding is booked."),
        ],
    ),
    DealSpec(
        vendor="stratus",
        partner="Initech Solutions",
        by=RILEY,
        title="Northshore Pediatrics: server and laptop backup",
        customer="Northshore Pediatrics",
        website="northshorepeds.com",
        country="US",
        contact=("Jon Ellis", "jellis@northshorepeds.com"),
        lines=[("STB-SRV-1Y", 3), ("STB-EP-1Y", 60)],
        close=30,
        steps=[(6, "register")],
    ),
    DealSpec(
        vendor="stratus",
        partner="Ironbridge Solutions",
        title="Hollins & Reed: Microsoft 365 backup",
        customer="Hollins & Reed Solicitors",
        website="hollinsreed.co.uk",
        country="GB",
        contact=("Sarah Hollins", "s.hollins@hollinsreed.co.uk"),
        lines=[("STB-M365-1Y", 140), ("STB-IMM-1Y", 2)],
        close=30,
        steps=[(21, "register"), (20, "approve", None, ""), (12, "stage", "proposal")],
    ),
    # --- Huddleworks (Initech joined eighteen days ago) ---
    DealSpec(
        vendor="huddleworks",
        partner="Initech Solutions",
        by=RILEY,
        title="Greenleaf Architects: chat and meetings",
        customer="Greenleaf Architects",
        website="greenleafarch.com",
        country="US",
        contact=("Owen Price", "oprice@greenleafarch.com"),
        lines=[("HDW-BUS-Y", 75), ("HDW-MIG", 1)],
        close=45,
        steps=[
            (4, "register"),
            (
                3,
                "comment",
                "vendor",
                "Welcome aboard! Is Greenleaf on Microsoft 365 today? Our migration team can "
                "help with your first project.",
            ),
            (3, "comment", "partner", "Yes, Microsoft 365 E3; they want a better place to talk with clients."),
        ],
    ),
    DealSpec(
        vendor="huddleworks",
        partner="Bluewave Systems",
        title="Pacific Crest Realty: Enterprise rollout",
        customer="Pacific Crest Realty",
        website="pacificcrestrealty.com",
        country="US",
        contact=("Diane Wu", "dwu@pacificcrestrealty.com"),
        lines=[("HDW-ENT-Y", 300), ("HDW-ARCH-Y", 300)],
        close=30,
        steps=[(62, "register"), (60, "approve", None, ""), (45, "stage", "negotiation"), (30, "stage", "won")],
    ),
    # --- Hoshi Imaging (yen) ---
    DealSpec(
        vendor="hoshi",
        partner="Pinnacle Digital",
        title="Marina Bay Clinic: print fleet",
        customer="Marina Bay Clinic Pte Ltd",
        website="marinabayclinic.com.sg",
        country="SG",
        contact=("Tan Wei Ling", "weiling.tan@marinabayclinic.com.sg"),
        lines=[("HSI-MF-6130", 6), ("HSI-PRN-SEC", 6), ("HSI-CARE-3Y", 6)],
        close=45,
        steps=[(42, "register"), (40, "approve", None, ""), (14, "stage", "negotiation")],
    ),
    DealSpec(
        vendor="hoshi",
        partner="Cascadia Data Systems",
        title="Evergreen Title: office multifunction devices",
        customer="Evergreen Title Company",
        website="evergreentitle.com",
        country="US",
        contact=("Paul Sorensen", "psorensen@evergreentitle.com"),
        lines=[("HSI-MF-8160", 2), ("HSI-FIN-S1", 2)],
        close=30,
        steps=[
            (55, "register"),
            (53, "approve", None, ""),
            (15, "stage", "lost", "The customer extended its current copier lease by a year."),
        ],
    ),
    # --- Vaultline Storage (two-tier through Northwind) ---
    DealSpec(
        vendor="vaultline",
        partner="Tidewater Technologies",
        title="Chesapeake Biotech: primary storage",
        customer="Chesapeake Biotech, Inc.",
        website="chesapeakebiotech.com",
        country="US",
        contact=("Raj Mehta", "rmehta@chesapeakebiotech.com"),
        lines=[("VLT-AF-50", 2), ("VLT-SNAP", 2), ("VLT-SUP-4H-3Y", 2)],
        close=60,
        steps=[
            (23, "register"),
            (22, "approve", None, ""),
            (
                21,
                "comment",
                "distributor",
                "Two AF-50 arrays are on allocation for Tidewater; lead time is three weeks.",
            ),
            (10, "stage", "proposal"),
        ],
    ),
    DealSpec(
        vendor="vaultline",
        partner="Quayside IT",
        title="Clyde Maritime: backup target",
        customer="Clyde Maritime Ltd",
        website="clydemaritime.co.uk",
        country="GB",
        contact=("Fiona Stewart", "fiona.stewart@clydemaritime.co.uk"),
        lines=[("VLT-HY-100", 1), ("VLT-EXP-12", 2)],
        close=60,
        steps=[
            (8, "register"),
            (6, "ask", "Which backup software will write to the array? We need it for the sizing review."),
        ],
    ),
    # --- Keystone Voice (Canadian dollars) ---
    DealSpec(
        vendor="keystone",
        partner="Summit Technology Partners",
        title="Wasatch Ski Resorts: contact centre",
        customer="Wasatch Ski Resorts",
        website="wasatchski.com",
        country="US",
        contact=("Kyle Jensen", "kjensen@wasatchski.com"),
        lines=[("KSV-CC-AGENT-Y", 25), ("KSV-SEAT-PRO-Y", 120), ("KSV-PH-D450", 40)],
        close=50,
        steps=[(17, "register"), (16, "approve", None, ""), (8, "stage", "proposal")],
    ),
    DealSpec(
        vendor="keystone",
        partner="Brightpath Technologies",
        title="Maple Grove Dental: desk phones",
        customer="Maple Grove Dental",
        website="maplegrovedental.ca",
        country="CA",
        contact=("Nina Roy", "nina@maplegrovedental.ca"),
        lines=[("KSV-PH-D210", 18), ("KSV-HS-W20", 6)],
        close=30,
        steps=[
            (27, "register"),
            (
                26,
                "reject",
                "Only hardware is listed: Keystone protects registrations for seat subscriptions. Add the "
                "seats the practice will buy and register it again.",
            ),
        ],
    ),
]


def tell_deals(world):
    """Registrations across the vendors (``DEALS``), each told step by step through ``deals.services`` (so the
    conflicts, the automatic approval, the history, the threads and the notifications are the real ones) on its date;
    then the expiry job runs on the days it had something to do."""
    acme = world.vendors["acme"]
    # Acme set its rules a hundred days ago (two draws of the random source are spent first, as the demo always has:
    # the rest of the world depends on their order).
    world.days_ago(100)
    deal_services.deal_rules_update(
        actor=world.vendor_managers["acme"],
        vendor=acme,
        auto_approve_below=ACME_RULES["auto_approve_below"],
        auto_approve_tiers=[t for t in acme.tier_list if t.name in ACME_RULES["top_tiers"]],
        idle_cap=ACME_RULES["idle_cap"],
        idle_days=ACME_RULES["idle_days"],
        now=world.days_ago(100),
    )
    world.initech_people = {u.email: u for u in get_user_model().objects.filter(email__in=[RILEY, ALEX])}
    world.distributor_admins = {
        m.organization_id: m.user
        for m in Membership.objects.filter(
            organization__kind=Organization.Kind.DISTRIBUTOR, role=Role.ADMIN
        ).select_related("user")
    }
    world.skus = {(p.vendor_id, p.sku): p.pk for p in Product.objects.filter(active=True)}
    for spec in DEALS:
        _deal(world, spec)
    _expiry_job(world)


def _deal(world, spec: DealSpec):
    vendor, partner = world.vendors[spec.vendor], world.partners[spec.partner]
    partnership = Partnership.objects.get(vendor=vendor, partner=partner)
    actors = {
        "partner": world.initech_people.get(spec.by) or world.partner_admins[partner.name],
        "vendor": world.vendor_managers[spec.vendor],
        "distributor": world.distributor_admins.get(partnership.distributor_id),
    }
    deal = last = None
    for days, action, *args in spec.steps:
        when = world.days_ago(days)
        if last is not None and when <= last:  # Two steps on one day keep their order.
            when = last + timedelta(minutes=world.rng.randint(20, 150))
        last = when = min(when, world.now - timedelta(minutes=5))
        if deal is None and when <= partnership.started_at:
            raise CommandError(f"{spec.title}: registered before {partner.name} became {vendor.name}'s partner.")
        deal = _step(world, spec, vendor, partner, actors, deal, action, args, now=when)
        if action == "stage" and args[0] in DealRegistration.CLOSED_STAGES:
            # The deal closed on the day it closed (the story's fact, not a stamp: the close date the partner expected).
            DealRegistration.objects.filter(pk=deal.pk).update(expected_close_date=when.date())


def _step(world, spec, vendor, partner, actors, deal, action, args, *, now):
    """One step of a registration's story, through the service a person would have used at ``now``; returns the
    deal."""
    rep, manager = actors["partner"], actors["vendor"]
    if action in ("register", "draft"):
        name, email = spec.contact
        return deal_services.deal_create(
            actor=rep,
            partner=partner,
            vendor=vendor,
            title=spec.title,
            customer_name=spec.customer,
            customer_website=spec.website,
            customer_country=spec.country,
            contact_name=name,
            contact_email=email,
            expected_close_date=world.now.date() + timedelta(days=spec.close),
            lines=_lines(world, vendor, spec.lines),
            submit=action == "register",
            now=now,
        )
    if action == "submit":
        deal_services.deal_submit(actor=rep, deal=deal, now=now)
    elif action == "comment":
        deal_services.deal_comment(actor=actors[args[0]], deal=deal, body=args[1], now=now)
    elif action == "ask":
        deal_services.deal_request_info(actor=manager, deal=deal, question=args[0], now=now)
    elif action == "approve":
        deal_services.deal_approve(actor=manager, deal=deal, protection_days=args[0], note=args[1], now=now)
    elif action == "reject":
        deal_services.deal_reject(actor=manager, deal=deal, reason=args[0], now=now)
    elif action == "stage":
        changes = {"stage": args[0], "lost_reason": args[1] if len(args) > 1 else ""}
        deal_services.deal_update(actor=rep, deal=deal, changes=changes, now=now)
    elif action == "lines":
        deal_services.deal_update(actor=rep, deal=deal, changes={"lines": _lines(world, vendor, args[0])}, now=now)
    elif action == "extend":
        deal_services.deal_request_extension(actor=rep, deal=deal, days=args[0], reason=args[1], now=now)
    elif action == "grant":
        deal_services.deal_decide_extension(actor=manager, deal=deal, grant=True, response=args[0], now=now)
    else:
        raise CommandError(f"{spec.title}: unknown step {action!r}.")
    return deal  # The services read the registration afresh (and lock it) on every call.


def _lines(world, vendor, lines):
    return [(world.skus[vendor.pk, sku], quantity) for sku, quantity in lines]


def _expiry_job(world):
    """The hourly job (``deals_expire_due``) on the mornings it had something to do: a warning 14 and 3 days before
    an approved registration's protection ends, then its expiry."""
    days = set()
    open_approved = DealRegistration.objects.filter(status=DealRegistration.Status.APPROVED).exclude(
        stage__in=DealRegistration.CLOSED_STAGES
    )
    for expires_on in open_approved.values_list("expires_on", flat=True):
        moments = [expires_on - timedelta(days=d) for d in deal_services.WARN_DAYS] + [expires_on + timedelta(1)]
        days.update(day for day in moments if day <= world.now.date())
    for day in sorted(days):
        morning = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
        deal_services.deals_expire_due(today=day, now=min(morning, world.now - timedelta(minutes=5)))


STORIES = [
    Story(
        "deals",
        tell_deals,
        after=("partnerships",),
        summary=lambda world: [("deal registrations", DealRegistration.objects.count())],
        help=(
            f"Deals: {DEALS_URL} (Riley registers with any of Initech's vendors; Morgan has a conflict to decide "
            "first; Dana sees the two-tier deals through Northwind).",
        ),
    ),
]
