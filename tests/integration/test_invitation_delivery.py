"""Invitation emails leave through Celery: a real worker on Redis, reading the real test database."""

import pytest
from django.db import transaction

from tests import factories as f
from tests.integration.conftest import wait_for
from vendors import services
from vendors.models import Membership

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _sent(mail_dir):
    return "".join(p.read_text() for p in sorted(mail_dir.iterdir()))


def test_an_invitation_is_emailed_by_the_worker_after_commit_and_never_after_a_rollback(celery_worker):
    org = f.partner("Initech Solutions")
    admin = f.member(org, Membership.Role.ADMIN)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        services.invitation_create(actor=admin, organization=org, email="rolled.back@initech.example")
        raise Abort

    _, token = services.invitation_create(actor=admin, organization=org, email="dana@initech.example")

    assert wait_for(lambda: "dana@initech.example" in _sent(celery_worker)), "no email from the worker"
    sent = _sent(celery_worker)
    assert "Join Initech Solutions on Onepane" in sent
    assert f"/invitations/{token}/" in sent
    # The worker handles one queue in order: the rolled-back invitation was never enqueued.
    assert "rolled.back@initech.example" not in sent
