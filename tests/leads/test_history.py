"""A lead's history as its people read it: values kept whole, statuses by their labels."""

import pytest
from django.urls import reverse

from leads import services
from leads.models import LeadEvent
from tests import factories as f
from tests.portal.helpers import client_for, main_text
from vendors.models import Membership

pytestmark = pytest.mark.django_db


def history_of(response) -> str:
    page = main_text(response)
    return page[page.index("History") :]


def test_a_long_value_is_kept_whole_and_shown_whole(client, world):
    (lead,) = f.leads(world.manager, world.acme, f.lead_row(region="TX"))
    lead = services.lead_accept(actor=world.lonestar_rep, lead=lead)
    first, last = "Maximiliana Alexandrina", "Featherstonehaugh-Worthington"
    rep = f.member(world.lonestar, Membership.Role.MEMBER, first_name=first, last_name=last)
    services.lead_assign_rep(actor=world.lonestar_rep, lead=lead, rep=rep)

    name = f"{first} {last}"
    assert len(name) > 40  # what the history used to cut its values at
    assert LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.ASSIGNED).new_value == name
    page = history_of(client_for(client, world.lonestar_rep).get(reverse("leads:detail", args=[lead.pk])))
    assert "Assigned to a rep · " in page and f"— → {name}" in page


def test_the_lead_history_shows_labels_not_codes(client, world):
    (lead,) = f.leads(world.manager, world.acme, f.lead_row(region="TX"))
    lead = services.lead_accept(actor=world.lonestar_rep, lead=lead)
    services.lead_update_status(actor=world.lonestar_rep, lead=lead, status="contacted")

    for person in (world.lonestar_rep, world.manager):  # the partner's people, and the vendor's
        page = history_of(client_for(client, person).get(reverse("leads:detail", args=[lead.pk])))
        assert "Status changed" in page and "Accepted → Contacted" in page
        assert "status_changed" not in page and "accepted → contacted" not in page
