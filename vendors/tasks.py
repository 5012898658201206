"""Thin Celery wrappers: fetch by id, call the service, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from vendors.models import Invitation


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email(invitation_id: int, path: str) -> bool:
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_open:
        return False
    base = getattr(settings, "ONEPANE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    context = {"invitation": invitation, "url": f"{base}{path}"}
    send_mail(
        subject=f"Join {invitation.organization.name} on Onepane",
        message=render_to_string("vendors/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )
    return True
