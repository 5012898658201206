"""The Django admin (classified in bulk by its prefix): platform admins only, whoever else asks."""

import random

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from core import routes
from tests.isolation import attack
from tests.isolation import world as w
from tests.isolation.endpoints import endpoints

pytestmark = pytest.mark.django_db


def test_the_admin_turns_away_everyone_but_platform_admins():
    admin_routes = [e for e in endpoints() if e.access == routes.STAFF]
    assert len(admin_routes) > 10
    with transaction.atomic():
        world = w.World(w.small_spec(), without={"deals"})
        world.personas = [
            p for p in world.personas if p.key in ("anonymous", "no_organization", "vendor_admin", "partner_admin")
        ]
        sweep = attack.run(world, random.Random(0), admin_routes)

        # ...and it is there for platform admins, so the refusals above mean something.
        client = Client()
        client.force_login(world.platform_admin)
        changelists = [e.name for e in admin_routes if e.name and e.name.endswith("_changelist")]
        assert changelists
        for name in ["admin:index", *changelists]:
            assert client.get(reverse(name)).status_code == 200, name
        transaction.set_rollback(True)
    sweep.assert_clean()
