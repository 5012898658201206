"""One vendor, as the partner sees it: the partnership, its history, and the vendor's catalog."""

import re

from django.urls import reverse

from tests import factories as f
from tests.portal.helpers import client_for, main_text
from vendors import services
from vendors.models import Partnership


def url(vendor, **params):
    base = reverse("portal:vendor_detail", args=[vendor.slug])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_the_overview_shows_tier_discount_mdf_status_dates_and_history(client, channel):
    response = client_for(client, channel.initech_rep).get(url(channel.acme))
    assert response.status_code == 200
    page = main_text(response)
    assert "Acme Networks" in page
    assert "Tier Gold" in page
    assert "Discount 30 % off list price" in page
    assert "MDF Eligible for market development funds" in page
    assert "Buy through Directly from Acme Networks" in page
    assert "Partner since" in page
    assert re.search(r"Approved · \d+ \w+ \d{4}, \d\d:\d\d Approved into Gold\.", page) and "Applied" in page
    html = response.content.decode()
    assert 'aria-current="page">Overview' in html


def test_the_same_tabs_for_every_vendor(client, channel):
    client_for(client, channel.initech_rep)
    for vendor in (channel.acme, channel.globex):
        html = client.get(url(vendor)).content.decode()
        assert ">Overview</a>" in html and ">Catalog</a>" in html
    globex = main_text(client.get(url(channel.globex)))
    assert "Buy through Northwind Distribution" in globex and "MDF Not eligible in this tier" in globex


def test_the_catalog_tab_lists_that_vendors_products_with_the_partners_prices(client, channel):
    f.ProductFactory(vendor=channel.acme, sku="ACM-SW", name="Core Switch", list_price="100.00")
    client_for(client, channel.initech_rep)
    page = main_text(client.get(url(channel.acme, tab="catalog")))
    assert "Edge Router 100 1,299.99 USD 909.99 USD 390.00 USD (30.0 %)" in page
    assert "Core Switch 100.00 USD 70.00 USD 30.00 USD (30.0 %)" in page
    assert "Firewall Appliance" not in page
    searched = main_text(client.get(url(channel.acme, tab="catalog", q="switch")))
    assert "Core Switch" in searched and "Edge Router" not in searched


def test_a_suspended_partner_sees_the_reason_and_a_closed_catalog(client, channel):
    client_for(client, channel.umbrella_admin)
    page = main_text(client.get(url(channel.globex)))
    assert "The catalog and program are closed until Globex Security reactivates you" in page
    assert "Globex Security suspended the partnership: Overdue certification." in page
    catalog = main_text(client.get(url(channel.globex, tab="catalog")))
    assert "Firewall Appliance" not in catalog
    assert "The catalog opens with an active partnership" in catalog


def test_a_declined_application_shows_the_vendors_reason(client, channel):
    hooli = f.vendor("Hooli Cloud")
    f.partnership(hooli, channel.initech, status=Partnership.Status.DECLINED)
    page = main_text(client_for(client, channel.initech_admin).get(url(hooli)))
    assert "Hooli Cloud declined the application: Not a fit right now." in page


def test_history_keeps_the_tier_change(client, channel):
    services.partnership_change_tier(actor=channel.acme_admin, partnership=channel.initech_acme, tier=channel.silver)
    page = main_text(client_for(client, channel.initech_rep).get(url(channel.acme)))
    assert re.search(r"Tier changed · \d+ \w+ \d{4}, \d\d:\d\d Gold → Silver", page)
    assert "Tier Silver" in page


def test_a_vendor_without_a_partnership_is_a_404(client, channel):
    hooli = f.vendor("Hooli Cloud")  # in the directory, but Initech never applied
    f.partnership(hooli, channel.umbrella)
    closed = f.vendor("Closed Corp", accepts_applications=False)
    client_for(client, channel.initech_rep)
    assert client.get(url(hooli)).status_code == 404
    assert client.get(url(closed)).status_code == 404
    assert client.get(reverse("portal:vendor_detail", args=["no-such-vendor"])).status_code == 404
    assert client.get(url(channel.umbrella)).status_code == 404  # a partner, not a vendor


def test_vendor_and_distributor_people_have_no_partner_view(client, channel):
    assert client_for(client, channel.northwind_admin).get(url(channel.globex)).status_code == 404
    assert client_for(client, channel.acme_admin).get(url(channel.acme)).status_code == 404
