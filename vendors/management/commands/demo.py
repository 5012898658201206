"""``manage.py demo``: a realistic channel to click through, built through the services.

Seven vendors (networking, security, cloud backup, printers, collaboration software, storage, telephony),
three distributors and forty resellers, with tiers, catalogs in USD/EUR/GBP/JPY/CAD, pending
applications, suspensions, a decline and an ended partnership. Every write goes through
``vendors.services``, so the guardian grants are exactly the ones production would have; only the
timestamps are moved into the past afterwards, so the history reads like two years of a real channel.

The partnership services notify people as they do in production, so every persona's bell has a history:
the notifications are moved into the past with their events, what is more than twenty days old has been read,
and the rep gets tier changes in a daily digest. The build sends its emails to Django's in-memory backend
(the addresses are made up, and ``make demo``'s output stays short); they are all in the outbox in the admin.
Emails caused while clicking through the demo afterwards print in the ``runserver`` terminal (the console
backend, the default without ``EMAIL_URL``).

Deal registrations (``DEALS``) are told the same way: each step of each registration (register, ask, answer,
approve, comment, win or lose, ask for more time) through ``deals.services``, then moved to its date; the expiry
job then runs on the mornings it had work. So the conflict Acme has to decide, the automatic approval and every
history entry, comment and notification are the ones production would have made.

The data is the same on every run (fixed seed). Everyone's password is ``onepane-demo``.
"""

import logging
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.test.utils import override_settings
from django.utils import timezone

from deals import services as deal_services
from deals.models import DealComment, DealConflict, DealEvent, DealExtensionRequest, DealRegistration, DealRules
from leads import demo as lead_demo
from leads import services as lead_services
from leads.models import Lead, LeadEvent, LeadImport, LeadOffer
from notifications import services as notifications
from notifications.models import EmailMode, Notification, OutgoingEmail, Receipt
from vendors import services
from vendors.models import Membership, Organization, Partnership, PartnershipEvent, Product

PASSWORD = "onepane-demo"
SEED = 20240611
LOGIN_URL = "http://127.0.0.1:8000/accounts/login/"
ADMIN_URL = "http://127.0.0.1:8000/admin/"
OUTBOX_URL = f"{ADMIN_URL}notifications/outgoingemail/"
DEALS_URL = "http://127.0.0.1:8000/deals/"
LEADS_URL = "http://127.0.0.1:8000/leads/"
# What people have read: everything told more than twenty days ago (the rest waits under the bell).
READ_AFTER_DAYS = 20

Role = Membership.Role
Status = Partnership.Status

PLATFORM_ADMIN = ("admin@onepane.example", "Pat", "Platform")

# The people the command prints at the end (and the README lists).
PERSONAS = [
    ("Partner admin", "alex.admin@initech.example", "Initech Solutions: invites colleagues, applies to vendors"),
    ("Partner rep", "riley.rep@initech.example", "Initech Solutions: 4 active vendors, Globex through Northwind"),
    ("Vendor channel manager", "morgan.manager@acme.example", "Acme Networks console: partners, applications"),
    ("Distributor", "dana.distributor@northwind.example", "Northwind Distribution: resellers by vendor"),
    ("Platform admin", "admin@onepane.example", f"Django admin at {ADMIN_URL}"),
]


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


# --- deal registrations ---------------------------------------------------------------------------------------

RILEY, ALEX = "riley.rep@initech.example", "alex.admin@initech.example"
# The vendors' deal rules: Acme approves its Platinum partners' small registrations by itself and caps the open
# registrations a partner may leave idle.
ACME_RULES = {"auto_approve_below": Decimal("15000"), "top_tiers": ["Platinum"], "idle_cap": 5, "idle_days": 45}
# What a service call writes and stamps with "now", moved to the step's date afterwards (``Builder.dated``).
DEAL_TIMES = ("created_at", "submitted_at", "approved_at", "decided_at", "closed_at", "last_activity_at", "updated_at")
DATED_ROWS = [
    (DealEvent, "created_at"),
    (DealComment, "created_at"),
    (DealConflict, "detected_at"),
    (DealConflict, "resolved_at"),
    (DealExtensionRequest, "requested_at"),
    (DealExtensionRequest, "decided_at"),
    (Notification, "created_at"),
    (Receipt, "created_at"),
]


@dataclass
class DealSpec:
    """One registration's story, built through ``deals.services`` step by step and dated afterwards.

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


def _name_domain(name: str) -> str:
    return name.split()[0].lower().replace("&", "") + ".example"


@dataclass
class World:
    """What the command built: handles for the summary and for tests."""

    vendors: dict = field(default_factory=dict)
    distributors: dict = field(default_factory=dict)
    partners: dict = field(default_factory=dict)
    vendor_managers: dict = field(default_factory=dict)
    vendor_admins: dict = field(default_factory=dict)
    partner_admins: dict = field(default_factory=dict)
    people: int = 0
    partnerships: int = 0
    products: int = 0
    deals: int = 0
    leads: int = 0
    missed_lead: object = None


class Builder:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.now = timezone.now().replace(microsecond=0)
        self.password_hash = make_password(PASSWORD)
        self.world = World()
        self.User = get_user_model()
        self._used_emails = set()
        self._name_index = 0

    # --- helpers ----------------------------------------------------------------------------------------

    def days_ago(self, days, hours=None) -> datetime:
        hours = self.rng.randint(8, 17) if hours is None else hours
        return (self.now - timedelta(days=days)).replace(hour=hours, minute=self.rng.choice([0, 15, 30, 45]))

    def person(self, first, last, email, **extra):
        from allauth.account.models import EmailAddress

        user = self.User.objects.create(
            username=email, email=email, first_name=first, last_name=last, password=self.password_hash, **extra
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        self._used_emails.add(email)
        self.world.people += 1
        return user

    def someone(self, domain):
        """A new person with a made-up (but fixed) name at ``domain``."""
        while True:
            first = FIRST_NAMES[self._name_index % len(FIRST_NAMES)]
            last = LAST_NAMES[(self._name_index * 7) % len(LAST_NAMES)]
            self._name_index += 1
            email = f"{first}.{last}@{domain}".lower()
            if email not in self._used_emails:
                return self.person(first, last, email)

    def join(self, organization, user, role):
        services.membership_add(organization=organization, user=user, role=role)
        return user

    def backdate_org(self, organization, days):
        Organization.objects.filter(pk=organization.pk).update(created_at=self.days_ago(days))
        Membership.objects.filter(organization=organization).update(joined_at=self.days_ago(days))

    # --- the channel ------------------------------------------------------------------------------------

    def build(self) -> World:
        self.platform_admin = self.person(*PLATFORM_ADMIN[1:], PLATFORM_ADMIN[0], is_staff=True, is_superuser=True)
        for spec in VENDORS:
            self.vendor(spec)
        for entry in DISTRIBUTORS:
            self.distributor(*entry)
        for index, (name, country, region) in enumerate(PARTNERS):
            self.partner(name, country, region, persona=index == 0)
        self.partnerships()
        self.deals()
        self.leads()
        self.finish()
        self.deliver_outbox()
        return self.world

    def vendor(self, spec: VendorSpec):
        org = services.organization_create(
            name=spec.name,
            kind=Organization.Kind.VENDOR,
            website=f"https://www.{spec.domain}",
            country=spec.country,
            description=spec.description,
            accepts_applications=True,  # Closed at the end for invite-only programs (after their partners joined).
            program_criteria=spec.criteria,
        )
        admin = self.join(org, self.person(*spec.admin), Role.ADMIN)
        manager = self.join(org, self.person(*spec.manager), Role.MANAGER)
        self.join(org, self.someone(spec.domain), Role.MEMBER)
        self.world.vendors[spec.key] = org
        self.world.vendor_admins[spec.key] = admin
        self.world.vendor_managers[spec.key] = manager
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
            created = self.days_ago(self.rng.randint(2, 27) if new else self.rng.randint(90, 900))
            Product.objects.filter(pk=product.pk).update(created_at=created)
            self.world.products += 1
        self.backdate_org(org, self.rng.randint(800, 1100))

    def distributor(self, key, name, country, description, admin, uplifts):
        org = services.organization_create(
            name=name,
            kind=Organization.Kind.DISTRIBUTOR,
            website=f"https://www.{key}.example",
            country=country,
            description=description,
        )
        self.join(org, self.person(*admin), Role.ADMIN)
        self.join(org, self.someone(f"{key}.example"), Role.MEMBER)
        self.world.distributors[key] = org
        for vendor_key, uplift in uplifts.items():
            services.distribution_create(
                actor=self.world.vendor_admins[vendor_key],
                vendor=self.world.vendors[vendor_key],
                distributor=org,
                uplift_percent=Decimal(uplift),
            )
        self.backdate_org(org, self.rng.randint(700, 1000))

    def partner(self, name, country, region, persona=False):
        domain = _name_domain(name)
        org = services.organization_create(
            name=name,
            kind=Organization.Kind.PARTNER,
            website=f"https://www.{domain}",
            country=country,
            description=f"Reseller and managed service provider serving businesses in {region}.",
        )
        if persona:
            admin = self.join(org, self.person("Alex", "Rivera", "alex.admin@initech.example"), Role.ADMIN)
            rep = self.join(org, self.person("Riley", "Chen", "riley.rep@initech.example"), Role.MEMBER)
            self.join(org, self.person("Casey", "Nguyen", "casey.nguyen@initech.example"), Role.MANAGER)
            # The rep reads email in Chicago and wants tier changes once a day, in the 08:00 digest.
            notifications.preferences_update(
                user=rep,
                time_zone="America/Chicago",
                digest_hour=8,
                modes={"partnership.tier_changed": EmailMode.DIGEST},
            )
        else:
            admin = self.join(org, self.someone(domain), Role.ADMIN)
            self.join(org, self.someone(domain), Role.MEMBER)
        org.region = region
        self.world.partners[name] = org
        self.world.partner_admins[name] = admin
        self.backdate_org(org, self.rng.randint(400, 1200))

    # --- partnerships -----------------------------------------------------------------------------------

    def partnerships(self):
        v = self.world.vendors
        d = self.world.distributors
        initech = self.world.partners["Initech Solutions"]
        tier = {key: {t.name: t for t in org.tier_list} for key, org in v.items()}
        # The persona partner: four active vendors (Globex through Northwind), a pending application to
        # Vaultline and a recent decline from Hoshi, so every state shows on one home page.
        self.edge(v["acme"], initech, Status.ACTIVE, tier["acme"]["Gold"], start=640, promoted_from="Silver", moved=12)
        self.edge(v["globex"], initech, Status.ACTIVE, tier["globex"]["Silver"], start=420, distributor=d["northwind"])
        self.edge(v["stratus"], initech, Status.ACTIVE, tier["stratus"]["Platinum"], start=300)
        self.edge(v["huddleworks"], initech, Status.ACTIVE, tier["huddleworks"]["Registered"], start=18)
        self.edge(v["vaultline"], initech, Status.APPLIED, applied=4, distributor=d["northwind"])
        self.edge(v["hoshi"], initech, Status.DECLINED, applied=40, decided=21)

        # Everyone else: each reseller works with one to four vendors, weighted by how common they are.
        keys = [spec.key for spec in VENDORS]
        weights = [spec.weight for spec in VENDORS]
        pairs = []
        for partner in self.world.partners.values():
            if partner is initech:
                continue
            count = self.rng.choices([1, 2, 3, 4], weights=[20, 40, 28, 12])[0]
            chosen = []
            while len(chosen) < count:
                key = self.rng.choices(keys, weights=weights)[0]
                if key not in chosen:
                    chosen.append(key)
            pairs.extend((key, partner) for key in chosen)
        self.rng.shuffle(pairs)
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
            chosen_tier = self.rng.choices(ladder, weights=[40, 30, 20, 10][: len(ladder)])[0]
            distributor = None
            options = sorted(vendor.distributions.values_list("distributor_id", flat=True))
            if options and self.rng.random() < 0.45:
                chosen_id = self.rng.choice(options)
                distributor = next(o for o in d.values() if o.pk == chosen_id)
            # Most partnerships are months or years old; some started in the last four weeks.
            start = self.rng.randint(60, 700) if self.rng.random() > 0.12 else self.rng.randint(5, 28)
            promoted_from = moved = None
            if status == Status.ACTIVE and chosen_tier.rank > 1 and start > 40 and self.rng.random() < 0.3:
                promoted_from = ladder[ladder.index(chosen_tier) - 1].name
                moved = self.rng.randint(3, 28) if self.rng.random() < 0.4 else self.rng.randint(31, start - 5)
            self.edge(
                vendor,
                partner,
                status,
                chosen_tier,
                start=start,
                applied=self.rng.randint(1, 25),
                decided=self.rng.randint(3, 60),
                distributor=distributor,
                promoted_from=promoted_from,
                moved=moved,
            )

    def edge(
        self,
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
        admin = self.world.partner_admins[partner.name]
        manager = self.world.vendor_managers[vendor.spec.key]
        focus = FOCUS[vendor.spec.key]
        p = services.partnership_apply(
            actor=admin,
            partner=partner,
            vendor=vendor,
            message=(
                f"{partner.name} has {self.rng.randint(2, 9)} engineers focused on {focus}. "
                f"We would like to add {vendor.name} to our offer for customers in {partner.region}."
            ),
            region=partner.region,
            annual_revenue=self.rng.choice(REVENUES),
            distributor=distributor,
        )
        self.world.partnerships += 1
        k = PartnershipEvent.Kind
        if status == Status.APPLIED:
            self.history(p, applied_at=self.days_ago(applied or 3), events={k.APPLIED: self.days_ago(applied or 3)})
            return p
        if status == Status.DECLINED:
            services.partnership_decline(actor=manager, partnership=p, reason=self.rng.choice(DECLINE_REASONS))
            applied_at = self.days_ago((decided or 30) + self.rng.randint(3, 10))
            declined_at = self.days_ago(decided or 30)
            self.history(
                p,
                applied_at=applied_at,
                declined_at=declined_at,
                events={k.APPLIED: applied_at, k.DECLINED: declined_at},
            )
            return p
        first_tier = tier
        if promoted_from:
            first_tier = next(t for t in vendor.tier_list if t.name == promoted_from)
        services.partnership_approve(actor=manager, partnership=p, tier=first_tier)
        started_at = self.days_ago(start)
        applied_at = started_at - timedelta(days=self.rng.randint(3, 20))
        dates = {"applied_at": applied_at, "started_at": started_at}
        events = {k.APPLIED: applied_at, k.APPROVED: started_at}
        if promoted_from:
            services.partnership_change_tier(actor=manager, partnership=p, tier=tier)
            events[k.TIER_CHANGED] = self.days_ago(moved)
        if status == Status.SUSPENDED:
            services.partnership_suspend(actor=manager, partnership=p, reason=self.rng.choice(SUSPEND_REASONS))
            dates["suspended_at"] = events[k.SUSPENDED] = self.days_ago(self.rng.randint(1, max(1, min(start - 1, 45))))
        elif status == Status.ENDED:
            services.partnership_end(
                actor=manager, partnership=p, reason="The partner chose to focus on another vendor in this category."
            )
            dates["ended_at"] = events[k.ENDED] = self.days_ago(self.rng.randint(1, max(1, min(start - 1, 120))))
        self.history(p, events=events, **dates)
        return p

    def history(self, partnership, events, **dates):
        """Move a partnership's dates, its events and the notifications they sent into the past (timestamps
        only; the states are real)."""
        dates["updated_at"] = max([*dates.values(), *events.values()])
        Partnership.objects.filter(pk=partnership.pk).update(**dates)
        about = ContentType.objects.get_for_model(Partnership)
        for kind, when in events.items():
            PartnershipEvent.objects.filter(partnership=partnership, kind=kind).update(created_at=when)
            told = Notification.objects.filter(
                subject_type=about, subject_id=partnership.pk, kind=f"partnership.{kind}"
            )
            Receipt.objects.filter(notification__in=told).update(created_at=when)
            told.update(created_at=when)

    # --- deal registrations -------------------------------------------------------------------------------

    def deals(self):
        """Registrations across the vendors (``DEALS``), each told step by step through ``deals.services`` (so
        the conflicts, the automatic approval, the history, the threads and the notifications are the real ones)
        and moved to its date; then the expiry job runs on the days it had something to do."""
        acme = self.world.vendors["acme"]
        with self.dated(self.days_ago(100)):
            deal_services.deal_rules_update(
                actor=self.world.vendor_managers["acme"],
                vendor=acme,
                auto_approve_below=ACME_RULES["auto_approve_below"],
                auto_approve_tiers=[t for t in acme.tier_list if t.name in ACME_RULES["top_tiers"]],
                idle_cap=ACME_RULES["idle_cap"],
                idle_days=ACME_RULES["idle_days"],
            )
        DealRules.objects.filter(vendor=acme).update(updated_at=self.days_ago(100))
        self.initech_people = {u.email: u for u in self.User.objects.filter(email__in=[RILEY, ALEX])}
        self.distributor_admins = {
            m.organization_id: m.user
            for m in Membership.objects.filter(
                organization__kind=Organization.Kind.DISTRIBUTOR, role=Role.ADMIN
            ).select_related("user")
        }
        self.skus = {(p.vendor_id, p.sku): p.pk for p in Product.objects.filter(active=True)}
        for spec in DEALS:
            self.deal(spec)
        self.expiry_job()

    def deal(self, spec: DealSpec):
        vendor, partner = self.world.vendors[spec.vendor], self.world.partners[spec.partner]
        partnership = Partnership.objects.get(vendor=vendor, partner=partner)
        actors = {
            "partner": self.initech_people.get(spec.by) or self.world.partner_admins[partner.name],
            "vendor": self.world.vendor_managers[spec.vendor],
            "distributor": self.distributor_admins.get(partnership.distributor_id),
        }
        deal = last = None
        for days, action, *args in spec.steps:
            when = self.days_ago(days)
            if last is not None and when <= last:  # Two steps on one day keep their order.
                when = last + timedelta(minutes=self.rng.randint(20, 150))
            last = when = min(when, self.now - timedelta(minutes=5))
            if deal is None and when <= partnership.started_at:
                raise CommandError(f"{spec.title}: registered before {partner.name} became {vendor.name}'s partner.")
            with self.dated(when):
                deal = self.deal_step(spec, vendor, partner, actors, deal, action, args)
            if action == "stage" and args[0] in DealRegistration.CLOSED_STAGES:
                # The deal closed on the day it closed.
                DealRegistration.objects.filter(pk=deal.pk).update(expected_close_date=when.date())
        self.world.deals += 1

    def deal_step(self, spec, vendor, partner, actors, deal, action, args):
        """One step of a registration's story, through the service a person would have used; returns the deal."""
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
                expected_close_date=self.now.date() + timedelta(days=spec.close),
                lines=self.deal_lines(vendor, spec.lines),
                submit=action == "register",
            )
        if action == "submit":
            deal_services.deal_submit(actor=rep, deal=deal)
        elif action == "comment":
            deal_services.deal_comment(actor=actors[args[0]], deal=deal, body=args[1])
        elif action == "ask":
            deal_services.deal_request_info(actor=manager, deal=deal, question=args[0])
        elif action == "approve":
            deal_services.deal_approve(actor=manager, deal=deal, protection_days=args[0], note=args[1])
        elif action == "reject":
            deal_services.deal_reject(actor=manager, deal=deal, reason=args[0])
        elif action == "stage":
            changes = {"stage": args[0], "lost_reason": args[1] if len(args) > 1 else ""}
            deal_services.deal_update(actor=rep, deal=deal, changes=changes)
        elif action == "lines":
            deal_services.deal_update(actor=rep, deal=deal, changes={"lines": self.deal_lines(vendor, args[0])})
        elif action == "extend":
            deal_services.deal_request_extension(actor=rep, deal=deal, days=args[0], reason=args[1])
        elif action == "grant":
            deal_services.deal_decide_extension(actor=manager, deal=deal, grant=True, response=args[0])
        else:
            raise CommandError(f"{spec.title}: unknown step {action!r}.")
        return deal  # The services read the registration afresh (and lock it) on every call.

    def deal_lines(self, vendor, lines):
        return [(self.skus[vendor.pk, sku], quantity) for sku, quantity in lines]

    @contextmanager
    def dated(self, when):
        """Whatever the service calls inside write is dated ``when``: the rows they created and the timestamps they
        set (the states are real). Everything written before is already in the past, so "written inside" is
        "dated since the block started"; an approval's protection starts on its date."""
        started = timezone.now()
        yield
        touched = Q()
        for name in DEAL_TIMES:
            touched |= Q(**{f"{name}__gte": started})
        for deal in DealRegistration.objects.filter(touched).only(*DEAL_TIMES, "protection_days"):
            moved = {name: when for name in DEAL_TIMES if getattr(deal, name) and getattr(deal, name) >= started}
            if "approved_at" in moved:
                moved["expires_on"] = when.date() + timedelta(days=deal.protection_days)
            DealRegistration.objects.filter(pk=deal.pk).update(**moved)
        for model, name in DATED_ROWS:
            model.objects.filter(**{f"{name}__gte": started}).update(**{name: when})

    def expiry_job(self):
        """The hourly job (``deals_expire_due``) on the mornings it had something to do: a warning 14 and 3 days
        before an approved registration's protection ends, then its expiry."""
        days = set()
        open_approved = DealRegistration.objects.filter(status=DealRegistration.Status.APPROVED).exclude(
            stage__in=DealRegistration.CLOSED_STAGES
        )
        for expires_on in open_approved.values_list("expires_on", flat=True):
            moments = [expires_on - timedelta(days=d) for d in deal_services.WARN_DAYS] + [expires_on + timedelta(1)]
            days.update(day for day in moments if day <= self.now.date())
        for day in sorted(days):
            morning = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
            with self.dated(min(morning, self.now - timedelta(minutes=5))):
                deal_services.deals_expire_due(today=day)

    # --- leads ------------------------------------------------------------------------------------------

    @contextmanager
    def lead_dated(self, when, sla_hours=lead_demo.RULES["sla_hours"]):
        """As ``dated``, for the lead rows written inside: made, answered and offered at ``when`` (an offer made then
        must be accepted within the vendor's hours of it)."""
        started = timezone.now()
        with self.dated(when):
            yield
        deadline = when + timedelta(hours=sla_hours)
        for model, names in (
            (Lead, ("created_at", "updated_at", "accepted_at")),
            (LeadOffer, ("offered_at", "decided_at")),
            (LeadEvent, ("created_at",)),
            (LeadImport, ("created_at", "imported_at")),
        ):
            for name in names:
                model.objects.filter(**{f"{name}__gte": started}).update(**{name: when})
        LeadOffer.objects.filter(offered_at=when, outcome=LeadOffer.Outcome.PENDING).update(accept_by=deadline)
        Lead.objects.filter(status=Lead.Status.OFFERED, updated_at=when).update(accept_by=deadline)

    def leads(self):
        """Acme's lead distribution, three days old: its rules and its partners' coverage; 200 leads imported
        from its marketing system's CSV and routed by territory and tier; the partners' answers. Riley accepted
        one and registered it as a deal, let another one run past its deadline; the deadline job then moved that
        one (and every other missed one) to the next partner. Three fresh leads wait in Riley's inbox."""
        acme = self.world.vendors["acme"]
        morgan = self.world.vendor_managers["acme"]
        initech = self.world.partners["Initech Solutions"]
        riley = self.initech_people[RILEY]
        start = self.days_ago(3, hours=9)
        with self.lead_dated(start - timedelta(hours=2)):
            lead_services.lead_rules_update(
                actor=morgan,
                vendor=acme,
                sla_hours=lead_demo.RULES["sla_hours"],
                reminder_hours=lead_demo.RULES["reminder_hours"],
                tiers=[t for t in acme.tier_list if t.name in lead_demo.RULES["tiers"]],
                default_capacity=lead_demo.RULES["default_capacity"],
            )
            edges = Partnership.objects.filter(vendor=acme, status=Status.ACTIVE).select_related("partner")
            for edge in edges.order_by("pk"):
                cover = lead_demo.coverage_for(edge.partner.name, edge.partner.country)
                lead_services.lead_coverage_update(
                    actor=morgan, partnership=edge, products=[], capacity=None, accepts_leads=True, **cover
                )
        upload = SimpleUploadedFile(
            "acme-leads-marketing-export.csv", lead_demo.spreadsheet(self.rng), content_type="text/csv"
        )
        with self.lead_dated(start):
            staged = lead_services.lead_import_stage(actor=morgan, vendor=acme, upload=upload)
            lead_services.lead_import_confirm(actor=morgan, lead_import=staged)

        # The partners answer in the next day and a half; some never do.
        people = {
            m.organization_id: m.user
            for m in Membership.objects.filter(organization__kind=Organization.Kind.PARTNER, role=Role.MEMBER)
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
            answer = self.rng.random() * (0.75 if lead.partner_id == initech.pk else 1)
            when = start + timedelta(hours=self.rng.randint(1, 36), minutes=self.rng.choice([5, 20, 40]))
            with self.lead_dated(when):
                if answer < 0.6:
                    lead_services.lead_accept(actor=people[lead.partner_id], lead=lead, now=when)
                elif answer < 0.75:
                    reason = self.rng.choice(lead_demo.REJECT_REASONS)
                    lead_services.lead_reject(actor=people[lead.partner_id], lead=lead, reason=reason, now=when)
        if kept is not None:
            when = start + timedelta(hours=3, minutes=10)
            with self.lead_dated(when):
                lead_services.lead_accept(actor=riley, lead=kept, now=when)
            with self.lead_dated(start + timedelta(hours=26)):
                lead_services.lead_update_status(actor=riley, lead=kept, status=Lead.Status.QUALIFIED)
                lead_services.lead_note_add(actor=riley, lead=kept, body="Met their IT lead: 14 closets, budget in Q3.")
            with self.dated(start + timedelta(hours=27)), self.lead_dated(start + timedelta(hours=27)):
                catalog = {p.sku: p for p in Product.objects.filter(vendor=acme, active=True)}
                lines = [(catalog[sku], 14) for sku in ("ACM-SW48-POE", "ACM-AP6-IN") if sku in catalog]
                lead_services.lead_convert(
                    actor=riley,
                    lead=kept,
                    title=f"{kept.company}: campus refresh",
                    expected_close_date=(self.now + timedelta(days=75)).date(),
                    lines=lines,
                    submit=True,
                )
                self.world.deals += 1
        # The deadline job, an hour ago: every lead not accepted in 48 hours is recalled and offered on.
        with self.lead_dated(self.now - timedelta(hours=1)):
            lead_services.leads_recall_overdue(now=self.now - timedelta(hours=1))
        # Fresh this morning, in Initech's Midwest: waiting for Riley's answer.
        fresh = [
            {"company": "Lakeshore Credit Union", "contact_name": "Dana Kim", "country": "US", "region": "IL",
             "products": "ACM-SW24-POE, ACM-AP6-IN", "size": "250-999", "notes": "Eight branches, Wi-Fi first."},
            {"company": "Buckeye Regional Schools", "contact_name": "Sam Ortiz", "country": "US", "region": "OH",
             "products": "ACM-SW48-POE", "size": "1000+", "notes": "E-rate funded refresh, RFP in six weeks."},
            {"company": "Twin Cities Dental Group", "contact_name": "Lee Park", "country": "US", "region": "MN",
             "products": "ACM-R100", "size": "50-249"},
        ]  # fmt: skip
        with self.lead_dated(self.now - timedelta(hours=2)):
            lead_services.leads_create(actor=morgan, vendor=acme, rows=fresh)
        self.world.leads = Lead.objects.filter(vendor=acme).count()
        self.world.missed_lead = missed

    # --- the last touches -------------------------------------------------------------------------------

    def finish(self):
        v = self.world.vendors
        for spec in VENDORS:
            if not spec.accepts_applications:
                services.program_update(
                    actor=self.world.vendor_managers[spec.key],
                    vendor=v[spec.key],
                    accepts_applications=False,
                    program_criteria=spec.criteria,
                )
        # A colleague invited to Initech, waiting to accept (shows on the team page).
        initech = self.world.partners["Initech Solutions"]
        services.invitation_create(
            actor=self.world.partner_admins[initech.name],
            organization=initech,
            email="jamie.lee@initech.example",
            role=Role.MEMBER,
        )
        self.reading()
        # One reseller's account is suspended by the platform (unpaid subscription): it shows in the admin,
        # and its people cannot work in it until a platform admin reactivates it.
        services.organization_set_status(
            actor=self.platform_admin,
            organization=self.world.partners["Lakeside Computer Center"],
            status=Organization.Status.SUSPENDED,
        )

    def reading(self):
        """People have opened what they were told more than ``READ_AFTER_DAYS`` ago; the rep's digest of
        yesterday went out. The last days' news stays unread, under the bell."""
        cutoff = self.now - timedelta(days=READ_AFTER_DAYS)
        for receipt in Receipt.objects.filter(created_at__lt=cutoff).select_related("user"):
            notifications.receipt_mark_read(user=receipt.user, receipt=receipt)
        Receipt.objects.filter(created_at__lt=cutoff).update(read_at=F("created_at") + timedelta(hours=3))
        yesterday_afternoon = (self.now - timedelta(days=1)).replace(hour=20, minute=0)  # UTC: after 08:00 Chicago
        notifications.digests_send_due(now=yesterday_afternoon)

    def deliver_outbox(self):
        """Send the outbox now, inside the build's one transaction (one commit, not two per email; the
        hand-overs after the commit then find every email sent). Each notification email is dated when its
        notification was told, so the outbox in the admin reads like the channel's history."""
        for pk in OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).values_list("pk", flat=True):
            notifications.email_deliver(email_id=pk)
        told_at = Subquery(Receipt.objects.filter(email=OuterRef("pk")).values("created_at")[:1])
        OutgoingEmail.objects.filter(key__startswith="notification:").update(
            created_at=told_at, enqueued_at=told_at, sent_at=told_at
        )


class Command(BaseCommand):
    help = "Load a realistic demo channel (vendors, distributors, partners, people). Password: onepane-demo."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete EVERYTHING in the database first (manage.py flush), then load the demo.",
        )

    def handle(self, *args, reset=False, **options):
        User = get_user_model()
        if reset:
            if settings.PRODUCTION:
                raise CommandError("--reset wipes the database; it is refused with DJANGO_ENV=production.")
            self.stdout.write("Wiping the database…")
            call_command("flush", interactive=False, verbosity=0)
        elif User.objects.filter(email=PLATFORM_ADMIN[0]).exists():
            self.stdout.write(
                self.style.WARNING("The demo is already loaded. Run `manage.py demo --reset` to rebuild it.")
            )
            self.print_logins()
            return
        elif Organization.objects.exists() or User.objects.exists():
            self.stdout.write(
                self.style.WARNING(
                    "This database already has data, so the demo was not loaded. "
                    "Run `manage.py demo --reset` to wipe it and load the demo instead."
                )
            )
            return

        started = time.monotonic()
        # Invitation emails of the demo go nowhere (the addresses are made up), and quietly.
        trace_logger = logging.getLogger("celery.app.trace")
        level = trace_logger.level
        trace_logger.setLevel(logging.WARNING)
        try:
            # In memory, not the console: hundreds of emails would bury the logins printed below.
            locmem = "django.core.mail.backends.locmem.EmailBackend"
            with override_settings(EMAIL_BACKEND=locmem), transaction.atomic():
                world = Builder().build()
        finally:
            trace_logger.setLevel(level)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded in {elapsed:.1f} s: {len(world.vendors)} vendors, {len(world.distributors)} "
                f"distributors, {len(world.partners)} partners, {world.partnerships} partnerships, "
                f"{world.products} products, {world.people} people, {world.deals} deal registrations, "
                f"{world.leads} leads."
            )
        )
        self.print_logins()

    def print_logins(self):
        self.stdout.write("")
        self.stdout.write(f"Log in at {LOGIN_URL}  (every demo password: {PASSWORD})")
        self.stdout.write("")
        width = max(len(email) for _, email, _ in PERSONAS)
        for label, email, what in PERSONAS:
            self.stdout.write(f"  {label:<23} {email:<{width}}  {what}")
        self.stdout.write("")
        self.stdout.write(
            f"Deals: {DEALS_URL} (Riley registers with any of Initech's vendors; Morgan has a conflict to decide "
            "first; Dana sees the two-tier deals through Northwind)."
        )
        self.stdout.write(
            f"Leads: {LEADS_URL} (Riley answers Acme's new leads and converts the accepted one; Morgan sees where the "
            "200 imported leads went and why, and which moved after a missed deadline)."
        )
        self.stdout.write(f"Emails: every one the demo sent is in the outbox, {OUTBOX_URL} (as the platform admin).")
        self.stdout.write("Emails you cause while clicking around print in the runserver terminal.")
        self.stdout.write("")
