"""The vendor directory and the application form."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests import factories as f
from tests.portal.helpers import client_for, main_text, more_vendors, queries_for
from vendors import services
from vendors.models import Partnership, PartnershipEvent

DIRECTORY = reverse("portal:directory")


@pytest.fixture
def hooli(channel):
    """A vendor Initech does not work with yet, recruiting, with a ladder and a distributor."""
    hooli = f.vendor(
        "Hooli Cloud",
        program_criteria="Two certified engineers and a cloud practice.",
        description="Cloud storage for the mid-market.",
    )
    f.TierFactory(vendor=hooli, name="Platinum", rank=3, discount_percent=Decimal("35"), mdf_eligible=True)
    f.TierFactory(vendor=hooli, name="Registered", rank=1, discount_percent=Decimal("12.5"))
    f.distribution(hooli, channel.northwind)
    return hooli


def apply_url(vendor):
    return reverse("portal:apply", args=[vendor.slug])


def test_the_directory_shows_criteria_tier_ladder_and_standing(client, channel, hooli):
    closed = f.vendor("Closed Corp", accepts_applications=False)
    response = client_for(client, channel.initech_admin).get(DIRECTORY)
    assert response.status_code == 200
    page = main_text(response)
    assert "Hooli Cloud" in page
    assert "Two certified engineers and a cloud practice." in page
    assert "Platinum 35 % off list MDF Registered 12.50 % off list" in page
    assert closed.name not in page
    # Initech's standing with the vendors it already works with.
    assert "Acme Networks Your vendor" in page
    html = response.content.decode()
    assert apply_url(hooli) in html
    assert apply_url(channel.acme) not in html  # already a partner: no second application


def test_umbrella_sees_its_suspension_in_the_directory(client, channel):
    page = main_text(client_for(client, channel.umbrella_admin).get(DIRECTORY))
    assert "Globex Security Suspended" in page


def test_members_see_the_directory_without_an_apply_button(client, channel, hooli):
    response = client_for(client, channel.initech_rep).get(DIRECTORY)
    assert "Hooli Cloud" in main_text(response)
    assert apply_url(hooli) not in response.content.decode()
    assert "Ask an admin of Initech Solutions to apply." in main_text(response)


def test_the_directory_search(client, channel, hooli):
    client_for(client, channel.initech_admin)
    page = main_text(client.get(DIRECTORY, {"q": "cloud"}))
    assert "Hooli Cloud" in page and "Acme Networks" not in page
    assert "No vendors match" in main_text(client.get(DIRECTORY, {"q": "zzz"}))


def test_an_admin_applies_with_a_short_form(client, channel, hooli):
    client_for(client, channel.initech_admin)
    form = client.get(apply_url(hooli))
    assert form.status_code == 200
    page = main_text(form)
    assert "Apply to Hooli Cloud" in page and "Platinum" in page
    assert "Northwind Distribution" in page  # the vendor's distributor is offered

    response = client.post(
        apply_url(hooli),
        {
            "message": "We run 40 cloud projects a year.",
            "region": "DACH",
            "annual_revenue": "10m-50m",
            "distributor": channel.northwind.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:vendor_detail", args=[hooli.slug])
    p = Partnership.objects.get(vendor=hooli, partner=channel.initech)
    assert p.status == Partnership.Status.APPLIED
    assert p.application_message == "We run 40 cloud projects a year."
    assert p.application_region == "DACH"
    assert p.application_annual_revenue == "$10M – $50M"
    assert p.distributor == channel.northwind
    # The partner sees its application; the directory shows it as applied.
    assert "Hooli Cloud Applied" in main_text(client.get(DIRECTORY))
    assert "Your application is waiting" in main_text(client.get(response["Location"]))


def test_the_reason_to_partner_is_required(client, channel, hooli):
    response = client_for(client, channel.initech_admin).post(apply_url(hooli), {"message": "  "})
    assert response.status_code == 200
    assert "Tell the vendor why you want to partner with them." in main_text(response)
    assert not Partnership.objects.filter(vendor=hooli).exists()


def test_a_duplicate_application_is_refused_on_the_form_and_nothing_is_written(client, channel, hooli):
    client_for(client, channel.initech_admin)
    client.post(apply_url(hooli), {"message": "First try."})
    before = (Partnership.objects.count(), PartnershipEvent.objects.count())
    response = client.post(apply_url(hooli), {"message": "Second try."})
    assert response.status_code == 200
    assert "You have already applied to this vendor" in main_text(response)
    assert (Partnership.objects.count(), PartnershipEvent.objects.count()) == before

    response = client.post(apply_url(channel.acme), {"message": "Again?"})
    assert "You already have a partnership with this vendor." in main_text(response)
    assert (Partnership.objects.count(), PartnershipEvent.objects.count()) == before


def test_a_vendor_that_stopped_accepting_applications_refuses_on_the_form(client, channel):
    # Wayne declined Initech once (so Initech still sees Wayne), then closed its program.
    wayne = f.vendor("Wayne Storage")
    f.partnership(wayne, channel.initech, status=Partnership.Status.DECLINED)
    services.program_update(actor=f.admin_of(wayne), vendor=wayne, accepts_applications=False, program_criteria="")
    client_for(client, channel.initech_admin)
    form = client.get(apply_url(wayne))
    assert "Wayne Storage is not accepting partner applications right now." in main_text(form)
    before = Partnership.objects.count()
    response = client.post(apply_url(wayne), {"message": "Please reconsider."})
    assert response.status_code == 200
    assert "This vendor is not accepting partner applications." in main_text(response)
    assert Partnership.objects.count() == before
    assert "Wayne Storage" not in main_text(client.get(DIRECTORY))


def test_members_get_403_on_the_application_form(client, channel, hooli):
    client_for(client, channel.initech_rep)
    assert client.get(apply_url(hooli)).status_code == 403
    assert client.post(apply_url(hooli), {"message": "Let me in."}).status_code == 403
    assert not Partnership.objects.filter(vendor=hooli).exists()


def test_a_vendor_not_in_the_directory_is_a_404(client, channel):
    closed = f.vendor("Closed Corp", accepts_applications=False)
    client_for(client, channel.initech_admin)
    assert client.get(apply_url(closed)).status_code == 404
    assert client.post(apply_url(closed), {"message": "Hello"}).status_code == 404
    assert client.get(reverse("portal:apply", args=["no-such-vendor"])).status_code == 404
    # Organizations that are not vendors are not in the directory either.
    assert client.get(apply_url(channel.umbrella)).status_code == 404
    assert client.get(apply_url(channel.northwind)).status_code == 404
    assert not Partnership.objects.filter(vendor=closed).exists()


def test_vendor_and_distributor_people_have_no_directory(client, channel, hooli):
    client_for(client, channel.acme_admin)
    assert client.get(DIRECTORY).status_code == 302
    assert client.post(apply_url(hooli), {"message": "x"}).status_code == 404
    client_for(client, channel.northwind_admin)
    assert client.post(apply_url(hooli), {"message": "x"}).status_code == 404
    assert not Partnership.objects.filter(vendor=hooli).exists()


def test_the_directory_runs_a_fixed_number_of_queries(client, channel, hooli):
    client_for(client, channel.initech_admin)
    small = queries_for(client, DIRECTORY)
    more_vendors(8)
    more_vendors(3, partner=channel.initech, status=Partnership.Status.APPLIED)
    assert queries_for(client, DIRECTORY) <= small
