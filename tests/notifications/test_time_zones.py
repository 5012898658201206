"""A person's time zone comes from the IANA database: a select grouped by region with a search box on the
settings page, refused otherwise (``localtime`` is a file on this machine's zoneinfo folder, not a zone)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications import services
from notifications.models import EmailMode, NotificationSettings
from tests.portal.helpers import client_for, main_text

pytestmark = pytest.mark.django_db

SETTINGS = reverse("notifications:preferences")
TIME_ZONE_ERROR = "Choose a time zone from the list (an IANA time zone, e.g. Europe/Berlin)."


def _form(client, **changes) -> dict:
    html = client.get(SETTINGS).content.decode()
    radios = set(re.findall(r'type="radio" name="(email__[^"]+)"', html))
    return {"time_zone": "UTC", "digest_hour": "8", **dict.fromkeys(radios, EmailMode.IMMEDIATE), **changes}


def test_the_time_zones_are_grouped_by_region_and_searchable(client, channel):
    html = client_for(client, channel.initech_rep).get(SETTINGS).content.decode()
    select = re.search(r'<select name="time_zone".*?</select>', html, re.S).group(0)
    assert "data-filter=" in select
    america = re.search(r'<optgroup label="America">.*?</optgroup>', select, re.S).group(0)
    assert '<option value="America/Chicago">Chicago</option>' in america
    assert '<option value="America/Argentina/Salta">Argentina/Salta</option>' in america
    assert 'value="localtime"' not in select and 'value="Factory"' not in select


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "Mars/Olympus_Mons", "america/chicago"])
def test_a_time_zone_outside_the_database_is_a_field_error_and_saves_nothing(client, channel, zone):
    client_for(client, channel.initech_rep)
    response = client.post(SETTINGS, _form(client, time_zone=zone))
    assert response.status_code == 400 and TIME_ZONE_ERROR in main_text(response)
    assert not NotificationSettings.objects.exists()
    with pytest.raises(ValidationError) as caught:
        services.preferences_update(user=channel.initech_rep, time_zone=zone, digest_hour=8, modes={})
    assert caught.value.message_dict == {"time_zone": [TIME_ZONE_ERROR]}


def test_an_iana_time_zone_is_saved(client, channel):
    client_for(client, channel.initech_rep)
    response = client.post(SETTINGS, _form(client, time_zone="America/Chicago"))
    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=channel.initech_rep).time_zone == "America/Chicago"
    assert '<option value="America/Chicago" selected>Chicago</option>' in client.get(SETTINGS).content.decode()
