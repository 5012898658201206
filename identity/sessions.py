"""When each of a person's sessions was last seen, for the sessions page, without a write on every request.

allauth.usersessions records a session (device, IP address) when the person logs in. Its own activity tracking
writes on every request; this middleware records "last seen" (and the current IP address) at most once per
``ONEPANE_SESSION_SEEN_EVERY`` seconds per session, remembering the last write in the session itself. It only
follows sessions started by a login through allauth (the account adapter stamps them), which is every login of
a person.
"""

import time

from django.conf import settings
from django.utils import timezone

SEEN_KEY = "_onepane_seen_at"


def stamp(request) -> None:
    """Mark a session just logged in as seen now (the adapter calls this at login)."""
    request.session[SEEN_KEY] = int(time.time())


class LastSeenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated or not session.session_key:
            return response
        seen = session.get(SEEN_KEY)
        now = int(time.time())
        if seen is None or now - seen < getattr(settings, "ONEPANE_SESSION_SEEN_EVERY", 300):
            return response
        from allauth.account.adapter import get_adapter
        from allauth.usersessions.models import UserSession

        seen_now = {"last_seen_at": timezone.now()}
        ip = get_adapter().get_client_ip(request)
        if ip:
            seen_now["ip"] = ip
        UserSession.objects.filter(session_key=session.session_key, user_id=user.pk).update(**seen_now)
        session[SEEN_KEY] = now
        return response
