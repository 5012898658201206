"""Email backends that die while sending, as a worker killed mid-task does (out of memory, a node lost).

``EmailBackend`` kills the whole process (``os._exit``) the first time it is asked to send, leaving a marker
file in ``EMAIL_FILE_PATH``; after that it writes emails to that folder like Django's file backend.
``RaisingBackend`` raises ``SystemExit`` every time, for tests that run in the test process itself.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend

MARKER = "worker-killed"


class EmailBackend(FileBackend):
    def send_messages(self, email_messages):
        marker = Path(settings.EMAIL_FILE_PATH) / MARKER
        if not marker.exists():
            marker.write_text(f"killed while sending to {email_messages[0].to}\n")
            os._exit(1)
        return super().send_messages(email_messages)


class RaisingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SystemExit("the worker was killed while sending")
