"""The channel graph's demo story: seven vendors, three distributors, forty resellers and their partnerships.

Seven vendors (networking, security, cloud backup, printers, collaboration software, storage, telephony), three
distributors and forty resellers, with tiers, catalogs in USD/EUR/GBP/JPY/CAD, pending applications, suspensions,
declines and an ended partnership. Every write goes through ``vendors.services``, so the guardian grants are
exactly the ones production would have; the partnerships' dates are moved into the past afterwards (their
services take no ``now``), so the history reads like two years of a real channel.

Told by ``manage.py demo`` (core/demo.py): ``channel`` (organizations and people), ``partnerships`` and, after
every other story, ``channel-closing`` (invite-only programs close, an invitation waits, a reseller is suspended).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from core.demo import Story
from vendors import services
from vendors.models import Membership, Organization, Partnership, PartnershipEvent, Product

Role = Membership.Role
Status = Partnership.Status

# The people the command prints at the end (and the README lists).
PERSONAS = [
    ("Partner admin", "alex.admin@initech.example", "Initech Solutions: invites colleagues, applies to vendors"),
    ("Partner rep", "riley.rep@initech.example", "Initech Solutions: 4 active vendors, Globex through Northwind"),
    ("Vendor channel manager", "morgan.manager@acme.example", "Acme Networks console: partners, applications"),
    ("Distributor", "dana.distributor@northwind.example", "Northwind Distribution: resellers by vendor"),
]
RILEY = "riley.rep@initech.example"

# --- the vendors, their programs and catalogs ---------------------------------------------------------------


@dataclass
class VendorSpec:
    key: str
    name: str
    domain: str
    country: str
    currency: str
    description: str
    criteria: str
    # (name, rank, discount %, MDF eligible, deal protection days, requirements)
    tiers: list
    # (sku, name, category, list price, description); "*" before a SKU: added in the last 30 days,
    # "-" before a SKU: retired (inactive).
    products: list
    manager: tuple = ()
    admin: tuple = ()
    accepts_applications: bool = True
    # Relative popularity among resellers (how often a partner works with this vendor).
    weight: int = 10


VENDORS = [
    VendorSpec(
        key="acme",
        name="Acme Networks",
        domain="acme.example",
        country="US",
        currency="USD",
        description="Switches, routers and Wi-Fi for campus and branch networks, run from one cloud console.",
        criteria=(
            "Resellers and MSPs that design and install networks for businesses of 50 to 5,000 people. "
            "We look for at least one engineer certified on Acme (or ready to certify within 90 days), "
            "a demo kit or lab, and a named sales contact."
        ),
        tiers=[
            ("Registered", 1, "10", False, 60, "Sign the partner agreement and complete the online sales course."),
            ("Silver", 2, "20", False, 90, "One Acme-certified engineer; US$100k annual Acme revenue."),
            ("Gold", 3, "30", True, 120, "Two certified engineers, a demo lab; US$500k annual Acme revenue."),
            ("Platinum", 4, "35", True, 180, "Four certified engineers, 24/7 support desk; US$2M annual revenue."),
        ],
        products=[
            ("ACM-SW24-POE", "Campus Switch 24-port PoE+", "Switching", "2495.00", "24 × 1G PoE+ (370 W), 4 × 10G."),
            ("ACM-SW48-POE", "Campus Switch 48-port PoE+", "Switching", "4195.00", "48 × 1G PoE+ (740 W), 4 × 10G."),
            ("ACM-SW48-10G", "Aggregation Switch 48 × 10G", "Switching", "8950.00", "48 × 10G SFP+, 6 × 100G."),
            ("-ACM-SW24-G1", "Campus Switch 24-port (gen 1)", "Switching", "1890.00", "Replaced by ACM-SW24-POE."),
            ("ACM-R100", "Branch Router 100", "Routing", "1299.99", "SD-WAN branch router, 1 Gb/s firewall."),
            ("ACM-R500", "Edge Router 500", "Routing", "6450.00", "Dual-WAN edge router, 10 Gb/s, redundant PSU."),
            ("ACM-AP6-IN", "Wi-Fi 6 Access Point, indoor", "Wireless", "549.00", "4×4 MU-MIMO, 2.5G uplink."),
            ("ACM-CLD-1Y", "Cloud Console licence, 1 year", "Licences", "95.00", "Per managed device."),
            ("ACM-CLD-5Y", "Cloud Console licence, 5 years", "Licences", "399.00", "Per managed device."),
            ("ACM-SFP-10G-SR", "10G SFP+ SR transceiver", "Accessories", "129.00", "Multimode, 300 m."),
            ("ACM-SUP-NBD-1Y", "Next-business-day replacement, 1 year", "Support", "219.00", "Per device."),
            ("*ACM-AP6E-IN", "Wi-Fi 6E Access Point, indoor", "Wireless", "789.00", "Tri-band with 6 GHz, 5G uplink."),
            ("*ACM-AP6-OUT", "Wi-Fi 6 Access Point, outdoor", "Wireless", "1149.00", "IP67, −40 to +65 °C."),
        ],
        manager=("Morgan", "Patel", "morgan.manager@acme.example"),
        admin=("Jordan", "Blake", "jordan.admin@acme.example"),
        weight=16,
    ),
    VendorSpec(
        key="globex",
        name="Globex Security",
        domain="globex.example",
        country="NL",
        currency="EUR",
        description="Next-generation firewalls, endpoint protection and zero-trust access, made in Europe.",
        criteria=(
            "Security-focused resellers and MSSPs in Europe and North America. Tell us about your SOC or "
            "managed security services and the certifications your engineers hold (CISSP, GCIH, vendor)."
        ),
        tiers=[
            ("Registered", 1, "12", False, 60, "Partner agreement and one sales-certified person."),
            ("Silver", 2, "22", False, 90, "Two technical certifications; €150k annual Globex revenue."),
            ("Gold", 3, "32", True, 150, "A managed security offer on Globex; €600k annual Globex revenue."),
        ],
        products=[
            ("GLX-FW-50", "Firewall 50", "Firewalls", "649.00", "Small office: 1 Gb/s firewall, 300 Mb/s IPS."),
            ("GLX-FW-200", "Firewall 200", "Firewalls", "2890.00", "Mid-size: 8 Gb/s firewall, 2 Gb/s IPS."),
            ("GLX-FW-1000", "Firewall 1000", "Firewalls", "14900.00", "Data centre: 40 Gb/s firewall."),
            ("GLX-FW-HA-KIT", "High-availability kit", "Firewalls", "1250.00", "Active/passive cluster licence."),
            ("GLX-TP-200-1Y", "Threat protection for Firewall 200, 1 year", "Subscriptions", "890.00", ""),
            ("GLX-EDR-1Y", "Endpoint detection and response, 1 year", "Endpoint", "48.50", "Per device."),
            ("GLX-EDR-SRV-1Y", "EDR for servers, 1 year", "Endpoint", "129.00", "Per server."),
            ("GLX-MFA-1Y", "Multi-factor authentication, 1 year", "Access", "12.75", "Per user."),
            ("GLX-VPN-100", "SSL VPN, 100 concurrent users", "Access", "1480.00", ""),
            ("*GLX-ZTNA-1Y", "Zero-trust network access, 1 year", "Access", "39.90", "Per user, replaces VPN."),
            ("*GLX-MDR-1Y", "Managed detection and response, 1 year", "Services", "96.00", "Per device, 24/7."),
        ],
        manager=("Sophie", "de Vries", "sophie.manager@globex.example"),
        admin=("Lars", "Jansen", "lars.admin@globex.example"),
        weight=12,
    ),
    VendorSpec(
        key="stratus",
        name="Stratus Backup",
        domain="stratus.example",
        country="US",
        currency="USD",
        description="Cloud backup and disaster recovery for Microsoft 365, Google Workspace, servers and laptops.",
        criteria=(
            "MSPs and resellers who sell backup as a managed service. Monthly billing through our MSP "
            "console; we ask for a technical contact who completes the 2-hour onboarding."
        ),
        tiers=[
            ("Registered", 1, "15", False, 60, "Sign up and complete onboarding."),
            ("Silver", 2, "25", False, 90, "50 protected workloads."),
            ("Platinum", 3, "35", True, 120, "500 protected workloads and a DR runbook on file."),
        ],
        products=[
            ("STB-M365-1Y", "Microsoft 365 backup, 1 year", "SaaS backup", "24.00", "Per user."),
            ("STB-GWS-1Y", "Google Workspace backup, 1 year", "SaaS backup", "21.00", "Per user."),
            ("STB-SRV-1Y", "Server backup, 1 year", "Server backup", "420.00", "Per physical server."),
            ("STB-VM-1Y", "Virtual machine backup, 1 year", "Server backup", "180.00", "Per VM."),
            ("STB-EP-1Y", "Endpoint backup, 1 year", "Endpoint", "60.00", "Per laptop or desktop."),
            ("STB-TB-1Y", "Cloud storage, 1 TB, 1 year", "Storage", "144.00", ""),
            ("STB-ONB", "Remote onboarding", "Services", "1500.00", "Two sessions with a backup engineer."),
            ("*STB-IMM-1Y", "Immutable storage add-on, 1 TB, 1 year", "Storage", "96.00", "Ransomware-proof."),
            ("*STB-DR-1Y", "Disaster recovery as a service, 1 year", "Disaster recovery", "540.00", "Per VM."),
        ],
        manager=("Priya", "Raman", "priya.manager@stratus.example"),
        admin=("Ethan", "Cole", "ethan.admin@stratus.example"),
        weight=12,
    ),
    VendorSpec(
        key="hoshi",
        name="Hoshi Imaging",
        domain="hoshi.example",
        country="JP",
        currency="JPY",
        description="Laser printers and A3 multifunction devices with secure print release and on-site care.",
        criteria=(
            "Office equipment dealers with their own service engineers. Authorised dealers stock supplies and "
            "keep a demo MFP; premier dealers also run managed print contracts."
        ),
        tiers=[
            ("Authorised Dealer", 1, "18", False, 90, "Trained service engineer and a demo device."),
            ("Premier Dealer", 2, "27", True, 180, "Managed print contracts for 200+ devices."),
        ],
        products=[
            ("HSI-LP-3020", "LP-3020 A4 mono laser printer", "Printers", "39800", "30 ppm, duplex, network."),
            ("HSI-LP-4550C", "LP-4550C A4 colour laser printer", "Printers", "89800", "45 ppm colour."),
            ("HSI-MF-6130", "MF-6130 A3 colour multifunction", "Multifunction", "648000", "30 ppm, scan to cloud."),
            ("HSI-MF-8160", "MF-8160 A3 colour multifunction", "Multifunction", "1280000", "60 ppm production."),
            ("-HSI-MF-5120", "MF-5120 A3 mono multifunction", "Multifunction", "398000", "Replaced by MF-6130."),
            ("HSI-TN-3020", "Toner for LP-3020", "Supplies", "12980", "6,000 pages."),
            ("HSI-TN-4550-SET", "Toner set CMYK for LP-4550C", "Supplies", "43560", ""),
            ("HSI-FIN-S1", "Staple finisher S1", "Options", "168000", "For MF-6130 and MF-8160."),
            ("*HSI-PRN-SEC", "Secure print release licence", "Software", "24800", "Per device."),
            ("*HSI-CARE-3Y", "HoshiCare on-site service, 3 years", "Services", "96500", "Next business day."),
        ],
        manager=("Yuki", "Tanaka", "yuki.manager@hoshi.example"),
        admin=("Kenji", "Sato", "kenji.admin@hoshi.example"),
        weight=7,
    ),
    VendorSpec(
        key="huddleworks",
        name="Huddleworks",
        domain="huddleworks.example",
        country="GB",
        currency="GBP",
        description="Team chat, meetings and webinars in one app, with compliance archiving for regulated firms.",
        criteria=(
            "Resellers and cloud solution providers who sell Microsoft 365 or Google Workspace today. "
            "We ask for a migration plan template and one admin-certified consultant."
        ),
        tiers=[
            ("Registered", 1, "10", False, 60, "Partner agreement."),
            ("Silver", 2, "20", False, 90, "250 seats under management."),
            ("Gold", 3, "30", True, 120, "2,000 seats under management and a migration practice."),
        ],
        products=[
            ("HDW-TEAM-M", "Huddleworks Team, monthly", "Licences", "6.50", "Per user per month."),
            ("HDW-TEAM-Y", "Huddleworks Team, 1 year", "Licences", "72.00", "Per user."),
            ("HDW-BUS-Y", "Huddleworks Business, 1 year", "Licences", "118.80", "Per user; meetings up to 300."),
            ("HDW-ENT-Y", "Huddleworks Enterprise, 1 year", "Licences", "195.00", "Per user; SSO and audit log."),
            ("HDW-ROOM-Y", "Meeting room licence, 1 year", "Licences", "420.00", "Per room."),
            ("HDW-ARCH-Y", "Compliance archive add-on, 1 year", "Add-ons", "18.00", "Per user."),
            ("HDW-MIG", "Migration from legacy chat", "Services", "2400.00", "Up to 500 users."),
            ("HDW-TRN", "Admin training day", "Services", "850.00", "Remote or on site (UK)."),
            ("*HDW-WEB-1000", "Webinar add-on, 1,000 attendees, 1 year", "Add-ons", "1150.00", ""),
        ],
        manager=("Olivia", "Hughes", "olivia.manager@huddleworks.example"),
        admin=("Harry", "Walsh", "harry.admin@huddleworks.example"),
        weight=10,
    ),
    VendorSpec(
        key="vaultline",
        name="Vaultline Storage",
        domain="vaultline.example",
        country="US",
        currency="USD",
        description="NAS, all-flash and object storage with snapshots and replication included.",
        criteria=(
            "Infrastructure resellers with storage engineers on staff. We review pipeline and references; "
            "two-tier partners may buy through Northwind Distribution."
        ),
        tiers=[
            ("Registered", 1, "8", False, 60, "Partner agreement."),
            ("Silver", 2, "18", False, 90, "One certified storage engineer."),
            ("Gold", 3, "26", True, 120, "Two certified engineers; US$400k annual Vaultline revenue."),
            ("Platinum", 4, "33", True, 180, "Installed base of 50 arrays; US$1.5M annual revenue."),
        ],
        products=[
            ("VLT-NAS-4B", "NAS 4-bay, 16 TB", "NAS", "2150.00", ""),
            ("VLT-NAS-8B", "NAS 8-bay, 64 TB", "NAS", "6990.00", ""),
            ("VLT-AF-20", "All-flash array AF-20, 20 TB", "Primary storage", "38500.00", "NVMe, dual controller."),
            ("VLT-AF-50", "All-flash array AF-50, 50 TB", "Primary storage", "79000.00", "NVMe, dual controller."),
            ("VLT-HY-100", "Hybrid array HY-100, 100 TB", "Primary storage", "54900.00", ""),
            ("VLT-EXP-12", "Expansion shelf, 12 drives", "Expansion", "9800.00", ""),
            ("VLT-DRV-8TB", "Spare drive, 8 TB", "Expansion", "389.00", ""),
            ("VLT-SNAP", "Snapshot and replication licence", "Software", "4500.00", "Per array."),
            ("VLT-SUP-4H-3Y", "4-hour on-site support, 3 years", "Support", "11250.00", "Per array."),
            ("*VLT-OBJ-250", "Object storage node, 250 TB", "Object storage", "61200.00", "S3-compatible."),
        ],
        manager=("Marcus", "Reid", "marcus.manager@vaultline.example"),
        admin=("Grace", "Kim", "grace.admin@vaultline.example"),
        weight=9,
    ),
    VendorSpec(
        key="keystone",
        name="Keystone Voice",
        domain="keystone.example",
        country="CA",
        currency="CAD",
        description="Cloud phone system and contact centre, with desk phones and headsets. By invitation only.",
        criteria="Our program is by invitation only; contact your Keystone channel manager.",
        tiers=[
            ("Authorized", 1, "15", False, 90, "Partner agreement and a certified installer."),
            ("Premier", 2, "28", True, 120, "500 seats under management."),
        ],
        products=[
            ("KSV-SEAT-ESS-Y", "Essentials seat, 1 year", "Seats", "180.00", "Calling and voicemail."),
            ("KSV-SEAT-PRO-Y", "Professional seat, 1 year", "Seats", "300.00", "Adds video, CRM integration."),
            ("KSV-CC-AGENT-Y", "Contact centre agent, 1 year", "Contact centre", "1020.00", ""),
            ("KSV-DID-CA", "Local number, 1 year", "Numbers", "24.00", "Canada and US."),
            ("KSV-PORT", "Number porting", "Numbers", "15.00", "Per number."),
            ("KSV-PH-D210", "Desk phone D210", "Hardware", "189.00", ""),
            ("KSV-PH-D450", "Desk phone D450, colour", "Hardware", "349.00", ""),
            ("*KSV-HS-W20", "Wireless headset W20", "Hardware", "229.00", "DECT, 150 m range."),
        ],
        manager=("Nathalie", "Roy", "nathalie.manager@keystone.example"),
        admin=("Liam", "Tremblay", "liam.admin@keystone.example"),
        accepts_applications=False,
        weight=5,
    ),
]

# (key, name, country, description, admin, {vendor key: uplift %})
DISTRIBUTORS = [
    (
        "northwind",
        "Northwind Distribution",
        "US",
        "Two-tier distribution of networking, security and storage across North America.",
        ("Dana", "Okafor", "dana.distributor@northwind.example"),
        {"globex": "5", "vaultline": "4", "acme": "3.5"},
    ),
    (
        "continental",
        "Continental Tech Supply",
        "DE",
        "Value-added distributor for Europe: security, cloud software and backup.",
        ("Felix", "Wagner", "felix.wagner@continental.example"),
        {"globex": "4.5", "huddleworks": "6", "stratus": "5"},
    ),
    (
        "pacificrim",
        "Pacific Rim Distribution",
        "SG",
        "Distribution for Asia-Pacific: office imaging, networking and unified communications.",
        ("Mei", "Lin", "mei.lin@pacificrim.example"),
        {"hoshi": "6", "acme": "7", "keystone": "8"},
    ),
]

# Forty resellers: (name, country, region they sell in). The first is the persona partner.
PARTNERS = [
    ("Initech Solutions", "US", "US Midwest"),
    ("Umbrella IT", "GB", "London and the South East"),
    ("Bluewave Systems", "US", "US West Coast"),
    ("Northgate Integration", "GB", "Northern England"),
    ("Cobalt Networks", "IE", "Ireland"),
    ("Helix IT Services", "DE", "Bavaria and Baden-Württemberg"),
    ("Brightpath Technologies", "CA", "Ontario"),
    ("Meridian Data", "NL", "Benelux"),
    ("Summit Technology Partners", "US", "Colorado and Utah"),
    ("Redwood IT Group", "US", "Northern California"),
    ("Kestrel Systems", "AU", "New South Wales"),
    ("Alpine Secure", "CH", "Switzerland"),
    ("Lumen Office Solutions", "FR", "Île-de-France"),
    ("Harbor Point Consulting", "US", "New England"),
    ("Nordlys IT", "NO", "Norway"),
    ("Sakura Office Systems", "JP", "Kansai"),
    ("Pinnacle Digital", "SG", "Singapore and Malaysia"),
    ("Ironbridge Solutions", "GB", "West Midlands"),
    ("Crestline Networks", "US", "Texas"),
    ("Tidewater Technologies", "US", "Virginia and Maryland"),
    ("Oakmont Computer Services", "CA", "British Columbia"),
    ("Vektor Systemhaus", "DE", "North Rhine-Westphalia"),
    ("Azulejo Tecnologia", "PT", "Portugal"),
    ("Granite State Networks", "US", "New Hampshire and Maine"),
    ("Everbright Cloud", "IE", "Ireland and Northern Ireland"),
    ("Quayside IT", "GB", "Scotland"),
    ("Fjord Digital", "DK", "Denmark"),
    ("Solstice Managed Services", "ES", "Madrid and Catalonia"),
    ("Ridgeview Technology Group", "US", "Pennsylvania"),
    ("Cascadia Data Systems", "US", "Pacific Northwest"),
    ("Bellwether Secure", "GB", "UK public sector"),
    ("Orchard Office Technology", "NZ", "New Zealand"),
    ("Tessellate IT", "NL", "Randstad"),
    ("Vantage Point Networks", "AU", "Victoria"),
    ("Clearwater Print & Copy", "US", "Florida"),
    ("Hanseatic Networks", "DE", "Hamburg and Bremen"),
    ("Lakeside Computer Center", "US", "Illinois"),
    ("Mistral Informatique", "FR", "Auvergne-Rhône-Alpes"),
    ("Polaris Cyber", "SE", "Nordics"),
    ("Kiwi Cloud Partners", "NZ", "Auckland"),
]

FIRST_NAMES = [
    "Aisha", "Ben", "Carla", "Diego", "Elena", "Farid", "Gemma", "Hugo", "Ines", "Jonas", "Kara", "Leo", "Maya",
    "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wes", "Xin", "Yara", "Zoe",
    "Amir", "Bea", "Chris", "Dina", "Erik", "Fay", "Gus", "Hana", "Ivan", "Jade", "Kai", "Lena", "Milo", "Nia",
]  # fmt: skip
LAST_NAMES = [
    "Abbott", "Berg", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito", "Jovanovic", "Keller",
    "Lopez", "Moreau", "Nakamura", "Owens", "Petrov", "Quinlan", "Rossi", "Schmidt", "Taylor", "Ueda", "Varga",
    "Weber", "Young", "Zimmer", "Murphy", "Novak", "Silva", "Baker", "Larsen",
]  # fmt: skip

FOCUS = {
    "acme": "campus and branch networks",
    "globex": "firewalls and managed security",
    "stratus": "backup as a managed service",
    "hoshi": "managed print for offices",
    "huddleworks": "collaboration and Microsoft 365 migrations",
    "vaultline": "storage and virtualisation projects",
    "keystone": "cloud telephony",
}
REVENUES = ["under-1m", "1m-10m", "10m-50m", "50m-250m", "over-250m"]
DECLINE_REASONS = [
    "We need at least one certified engineer before we can approve. Please reapply once certified.",
    "Your region is already well covered by our Gold partners; we will contact you if that changes.",
    "The application did not include the customer references we ask for. You are welcome to reapply.",
]
SUSPEND_REASONS = [
    "Certification lapsed: renew within 30 days to restore access.",
    "Overdue invoices with the distributor.",
    "Annual business plan not submitted.",
]


def _name_domain(name: str) -> str:
    return name.split()[0].lower().replace("&", "") + ".example"


# --- the channel: organizations and their people ---------------------------------------------------------------


def tell_channel(world):
    """The vendors with their programs and catalogs, the distributors, the resellers, and everyone's people."""
    world.vendors, world.distributors, world.partners = {}, {}, {}
    world.vendor_managers, world.vendor_admins, world.partner_admins = {}, {}, {}
    world._name_index = 0
    for spec in VENDORS:
        _vendor(world, spec)
    for entry in DISTRIBUTORS:
        _distributor(world, *entry)
    for index, (name, country, region) in enumerate(PARTNERS):
        _partner(world, name, country, region, persona=index == 0)


def _someone(world, domain):
    """A new person with a made-up (but fixed) name at ``domain``."""
    while True:
        first = FIRST_NAMES[world._name_index % len(FIRST_NAMES)]
        last = LAST_NAMES[(world._name_index * 7) % len(LAST_NAMES)]
        world._name_index += 1
        email = f"{first}.{last}@{domain}".lower()
        if email not in world.emails:
            return world.person(first, last, email)


def _join(organization, user, role):
    services.membership_add(organization=organization, user=user, role=role)
    return user


def _backdate_org(world, organization, days):
    Organization.objects.filter(pk=organization.pk).update(created_at=world.days_ago(days))
    Membership.objects.filter(organization=organization).update(joined_at=world.days_ago(days))


def _vendor(world, spec: VendorSpec):
    org = services.organization_create(
        name=spec.name,
        kind=Organization.Kind.VENDOR,
        website=f"https://www.{spec.domain}",
        country=spec.country,
        description=spec.description,
        accepts_applications=True,  # Closed at the end for invite-only programs (after their partners joined).
        program_criteria=spec.criteria,
    )
    admin = _join(org, world.person(*spec.admin), Role.ADMIN)
    manager = _join(org, world.person(*spec.manager), Role.MANAGER)
    _join(org, _someone(world, spec.domain), Role.MEMBER)
    world.vendors[spec.key] = org
    world.vendor_admins[spec.key] = admin
    world.vendor_managers[spec.key] = manager
    org.spec = spec
    org.tier_list = [
        services.tier_create(
            actor=manager,
            vendor=org,
            name=name,
            rank=rank,
            discount_percent=Decimal(discount),
            mdf_eligible=mdf,
            deal_protection_days=protection,
            requirements=requirements,
        )
        for name, rank, discount, mdf, protection, requirements in spec.tiers
    ]
    for sku, name, category, price, description in spec.products:
        new, retired = sku.startswith("*"), sku.startswith("-")
        sku = sku.lstrip("*-")
        product = services.product_create(
            actor=manager,
            vendor=org,
            sku=sku,
            name=name,
            category=category,
            list_price=Decimal(price),
            currency=spec.currency,
            description=description,
        )
        if retired:
            services.product_update(actor=manager, product=product, active=False)
        # History: launch dates in the past; the "*" ones within the last 30 days (the partner's "what's new").
        created = world.days_ago(world.rng.randint(2, 27) if new else world.rng.randint(90, 900))
        Product.objects.filter(pk=product.pk).update(created_at=created)
    _backdate_org(world, org, world.rng.randint(800, 1100))


def _distributor(world, key, name, country, description, admin, uplifts):
    org = services.organization_create(
        name=name,
        kind=Organization.Kind.DISTRIBUTOR,
        website=f"https://www.{key}.example",
        country=country,
        description=description,
    )
    _join(org, world.person(*admin), Role.ADMIN)
    _join(org, _someone(world, f"{key}.example"), Role.MEMBER)
    world.distributors[key] = org
    for vendor_key, uplift in uplifts.items():
        services.distribution_create(
            actor=world.vendor_admins[vendor_key],
            vendor=world.vendors[vendor_key],
            distributor=org,
            uplift_percent=Decimal(uplift),
        )
    _backdate_org(world, org, world.rng.randint(700, 1000))


def _partner(world, name, country, region, persona=False):
    domain = _name_domain(name)
    org = services.organization_create(
        name=name,
        kind=Organization.Kind.PARTNER,
        website=f"https://www.{domain}",
        country=country,
        description=f"Reseller and managed service provider serving businesses in {region}.",
    )
    if persona:
        admin = _join(org, world.person("Alex", "Rivera", "alex.admin@initech.example"), Role.ADMIN)
        _join(org, world.person("Riley", "Chen", RILEY), Role.MEMBER)
        _join(org, world.person("Casey", "Nguyen", "casey.nguyen@initech.example"), Role.MANAGER)
    else:
        admin = _join(org, _someone(world, domain), Role.ADMIN)
        _join(org, _someone(world, domain), Role.MEMBER)
    org.region = region
    world.partners[name] = org
    world.partner_admins[name] = admin
    _backdate_org(world, org, world.rng.randint(400, 1200))


# --- partnerships ------------------------------------------------------------------------------------------------


def tell_partnerships(world):
    """Every reseller's vendors: applied, decided, promoted, suspended or ended, on their dates."""
    v = world.vendors
    d = world.distributors
    initech = world.partners["Initech Solutions"]
    tier = {key: {t.name: t for t in org.tier_list} for key, org in v.items()}
    # The persona partner: four active vendors (Globex through Northwind), a pending application to
    # Vaultline and a recent decline from Hoshi, so every state shows on one home page.
    edge(world, v["acme"], initech, Status.ACTIVE, tier["acme"]["Gold"], start=640, promoted_from="Silver", moved=12)
    edge(world, v["globex"], initech, Status.ACTIVE, tier["globex"]["Silver"], start=420, distributor=d["northwind"])
    edge(world, v["stratus"], initech, Status.ACTIVE, tier["stratus"]["Platinum"], start=300)
    edge(world, v["huddleworks"], initech, Status.ACTIVE, tier["huddleworks"]["Registered"], start=18)
    edge(world, v["vaultline"], initech, Status.APPLIED, applied=4, distributor=d["northwind"])
    edge(world, v["hoshi"], initech, Status.DECLINED, applied=40, decided=21)

    # Everyone else: each reseller works with one to four vendors, weighted by how common they are.
    rng = world.rng
    keys = [spec.key for spec in VENDORS]
    weights = [spec.weight for spec in VENDORS]
    pairs = []
    for partner in world.partners.values():
        if partner is initech:
            continue
        count = rng.choices([1, 2, 3, 4], weights=[20, 40, 28, 12])[0]
        chosen = []
        while len(chosen) < count:
            key = rng.choices(keys, weights=weights)[0]
            if key not in chosen:
                chosen.append(key)
        pairs.extend((key, partner) for key in chosen)
    rng.shuffle(pairs)
    # A fixed mix of states: Acme (the vendor persona) gets three applications to review.
    plan = {}
    acme_pairs = [i for i, (key, _) in enumerate(pairs) if key == "acme"]
    for i in acme_pairs[:3]:
        plan[i] = Status.APPLIED
    rest = [i for i in range(len(pairs)) if i not in plan and pairs[i][0] != "keystone"]
    states = [Status.ENDED] + [Status.DECLINED] * 3 + [Status.SUSPENDED] * 5 + [Status.APPLIED] * 6
    for i, state in zip(rest, states, strict=False):
        plan[i] = state
    for i, (key, partner) in enumerate(pairs):
        status = plan.get(i, Status.ACTIVE)
        vendor = v[key]
        ladder = sorted(vendor.tier_list, key=lambda t: t.rank)  # lowest rank first
        chosen_tier = rng.choices(ladder, weights=[40, 30, 20, 10][: len(ladder)])[0]
        distributor = None
        options = sorted(vendor.distributions.values_list("distributor_id", flat=True))
        if options and rng.random() < 0.45:
            chosen_id = rng.choice(options)
            distributor = next(o for o in d.values() if o.pk == chosen_id)
        # Most partnerships are months or years old; some started in the last four weeks.
        start = rng.randint(60, 700) if rng.random() > 0.12 else rng.randint(5, 28)
        promoted_from = moved = None
        if status == Status.ACTIVE and chosen_tier.rank > 1 and start > 40 and rng.random() < 0.3:
            promoted_from = ladder[ladder.index(chosen_tier) - 1].name
            moved = rng.randint(3, 28) if rng.random() < 0.4 else rng.randint(31, start - 5)
        edge(
            world,
            vendor,
            partner,
            status,
            chosen_tier,
            start=start,
            applied=rng.randint(1, 25),
            decided=rng.randint(3, 60),
            distributor=distributor,
            promoted_from=promoted_from,
            moved=moved,
        )


def edge(
    world,
    vendor,
    partner,
    status,
    tier=None,
    *,
    start=200,
    applied=None,
    decided=None,
    distributor=None,
    promoted_from=None,
    moved=None,
):
    """One partnership, made as it happens: the partner applies, the vendor decides, life goes on."""
    rng = world.rng
    admin = world.partner_admins[partner.name]
    manager = world.vendor_managers[vendor.spec.key]
    focus = FOCUS[vendor.spec.key]
    p = services.partnership_apply(
        actor=admin,
        partner=partner,
        vendor=vendor,
        message=(
            f"{partner.name} has {rng.randint(2, 9)} engineers focused on {focus}. "
            f"We would like to add {vendor.name} to our offer for customers in {partner.region}."
        ),
        region=partner.region,
        annual_revenue=rng.choice(REVENUES),
        distributor=distributor,
    )
    k = PartnershipEvent.Kind
    if status == Status.APPLIED:
        _history(p, applied_at=world.days_ago(applied or 3), events={k.APPLIED: world.days_ago(applied or 3)})
        return p
    if status == Status.DECLINED:
        services.partnership_decline(actor=manager, partnership=p, reason=rng.choice(DECLINE_REASONS))
        applied_at = world.days_ago((decided or 30) + rng.randint(3, 10))
        declined_at = world.days_ago(decided or 30)
        _history(
            p, applied_at=applied_at, declined_at=declined_at, events={k.APPLIED: applied_at, k.DECLINED: declined_at}
        )
        return p
    first_tier = tier
    if promoted_from:
        first_tier = next(t for t in vendor.tier_list if t.name == promoted_from)
    services.partnership_approve(actor=manager, partnership=p, tier=first_tier)
    started_at = world.days_ago(start)
    applied_at = started_at - timedelta(days=rng.randint(3, 20))
    dates = {"applied_at": applied_at, "started_at": started_at}
    events = {k.APPLIED: applied_at, k.APPROVED: started_at}
    if promoted_from:
        services.partnership_change_tier(actor=manager, partnership=p, tier=tier)
        events[k.TIER_CHANGED] = world.days_ago(moved)
    if status == Status.SUSPENDED:
        services.partnership_suspend(actor=manager, partnership=p, reason=rng.choice(SUSPEND_REASONS))
        dates["suspended_at"] = events[k.SUSPENDED] = world.days_ago(rng.randint(1, max(1, min(start - 1, 45))))
    elif status == Status.ENDED:
        services.partnership_end(
            actor=manager, partnership=p, reason="The partner chose to focus on another vendor in this category."
        )
        dates["ended_at"] = events[k.ENDED] = world.days_ago(rng.randint(1, max(1, min(start - 1, 120))))
    _history(p, events=events, **dates)
    return p


def _history(partnership, events, **dates):
    """Move a partnership's dates and its events into the past (timestamps only; the states are real). The
    notifications they sent follow their events (notifications/demo.py)."""
    dates["updated_at"] = max([*dates.values(), *events.values()])
    Partnership.objects.filter(pk=partnership.pk).update(**dates)
    for kind, when in events.items():
        PartnershipEvent.objects.filter(partnership=partnership, kind=kind).update(created_at=when)


# --- the last touches ----------------------------------------------------------------------------------------


def tell_closing(world):
    """After every other story: the invite-only programs close (their partners have joined), a colleague's
    invitation waits at Initech, and the platform suspends a reseller's account (an unpaid subscription: it shows in
    the admin, and its people cannot work in it until a platform admin reactivates it)."""
    for spec in VENDORS:
        if not spec.accepts_applications:
            services.program_update(
                actor=world.vendor_managers[spec.key],
                vendor=world.vendors[spec.key],
                accepts_applications=False,
                program_criteria=spec.criteria,
            )
    initech = world.partners["Initech Solutions"]
    services.invitation_create(
        actor=world.partner_admins[initech.name],
        organization=initech,
        email="jamie.lee@initech.example",
        role=Role.MEMBER,
    )
    services.organization_set_status(
        actor=world.platform_admin,
        organization=world.partners["Lakeside Computer Center"],
        status=Organization.Status.SUSPENDED,
    )


def _summary(world):
    kinds = Organization.Kind
    return [
        ("vendors", Organization.objects.filter(kind=kinds.VENDOR).count()),
        ("distributors", Organization.objects.filter(kind=kinds.DISTRIBUTOR).count()),
        ("partners", Organization.objects.filter(kind=kinds.PARTNER).count()),
        ("partnerships", Partnership.objects.count()),
        ("products", Product.objects.count()),
        ("people", get_user_model().objects.count()),
    ]


STORIES = [
    Story("channel", tell_channel, summary=_summary),
    Story("partnerships", tell_partnerships, after=("channel",)),
    Story("channel-closing", tell_closing, after=("partnerships",), last=True),
]
