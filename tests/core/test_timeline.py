"""One timeline for every history: a partnership's (both sides), a deal's and a lead's pages render their rows
through ``includes/timeline.html``, each kind and each changed value by its label."""

import re

from django.urls import reverse

from deals import services as deal_services
from leads import services as lead_services
from leads.models import LeadCoverage
from tests import factories as f
from tests.portal.helpers import client_for
from vendors import services as vendor_services

TIMELINE = "includes/timeline.html"


def history(response) -> list[str]:
    """The rows of the page's timeline, as people read them; the page must have rendered it with the include."""
    assert response.status_code == 200
    assert TIMELINE in [t.name for t in response.templates], "the page renders its history without the timeline"
    html = response.content.decode()
    (timeline,) = re.findall(r'<ol class="timeline[^"]*">(.*?)</ol>', html, flags=re.S)
    rows = re.findall(r"<li>(.*?)</li>", timeline, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_a_partnerships_history_on_both_sides(client, channel):
    vendor_services.partnership_change_tier(
        actor=channel.acme_manager, partnership=channel.initech_acme, tier=channel.silver
    )
    console = history(
        client_for(client, channel.acme_manager).get(reverse("console:partner_detail", args=[channel.initech_acme.pk]))
    )
    assert console[0].startswith("Tier changed · ") and console[0].endswith(
        f"{channel.acme_manager.display_name} Gold → Silver"
    )
    partner = history(
        client_for(client, channel.initech_rep).get(reverse("portal:vendor_detail", args=["acme-networks"]))
    )
    assert partner[0].startswith("Tier changed · ") and partner[0].endswith("Gold → Silver")
    assert channel.acme_manager.display_name not in " ".join(partner)  # the partner reads what happened, not who


def test_a_deals_history(client, channel):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router, quantity=2)
    deal_services.deal_update(actor=channel.initech_rep, deal=deal, changes={"stage": "proposal"})
    rows = history(client_for(client, channel.acme_manager).get(reverse("deals:detail", args=[deal.pk])))
    assert any(row.startswith("Submitted · ") and "→ Under review" in row for row in rows), rows
    assert any(row.startswith("Changed · ") and "Stage: Qualifying → Proposal" in row for row in rows), rows


def test_a_leads_history(client, channel):
    LeadCoverage.objects.create(partnership=channel.initech_acme, vendor=channel.acme, countries=["US"])
    (lead,) = f.leads(channel.acme_manager, channel.acme, f.lead_row())
    lead = lead_services.lead_accept(actor=channel.initech_rep, lead=lead)
    lead_services.lead_update_status(actor=channel.initech_rep, lead=lead, status="qualified")
    rows = history(client_for(client, channel.initech_rep).get(reverse("leads:detail", args=[lead.pk])))
    assert rows[0].startswith("Offered · ") and rows[1].startswith("Accepted · ")
    assert rows[-1].startswith("Status changed · ") and rows[-1].endswith("Accepted → Qualified")
