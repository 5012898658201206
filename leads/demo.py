"""The demo's leads: Acme's routing rules, what its partners cover, and the spreadsheet of 200 leads it imports.

``manage.py demo`` (``vendors/management/commands/demo.py``) uses these through ``leads.services`` exactly as a
vendor would through the pages: the rules and coverage are saved, the CSV is uploaded, checked and confirmed, and
the partners answer (or do not) before the deadline job runs.
"""

import csv
import io
import random

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
