"""``manage.py demo``: a realistic channel to click through, told by every app's stories through the services.

The apps' ``demo.py`` modules tell the world (core/demo.py orders their stories): the channel graph its vendors,
distributors, resellers and partnerships (``vendors/demo.py``), deal registration its registrations
(``deals/demo.py``), leads Acme's imported and routed leads (``leads/demo.py``), notifications what people have
read and the outbox (``notifications/demo.py``). Every write goes through the services, so the grants, histories
and notifications are the ones production would have made. The data is the same on every run (fixed seed);
everyone's password is ``onepane-demo``.

The build sends its emails to Django's in-memory backend (the addresses are made up, and ``make demo``'s output
stays short); they are all in the outbox in the admin. Emails caused while clicking through the demo afterwards print
in the ``runserver`` terminal (the console backend, the default without ``EMAIL_URL``).
"""

import logging
import time

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from core import demo


class Command(BaseCommand):
    help = "Load a realistic demo channel (vendors, distributors, partners, people). Password: onepane-demo."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete EVERYTHING in the database first (manage.py flush), then load the demo.",
        )

    def handle(self, *args, reset=False, **options):
        User = get_user_model()
        if reset:
            if settings.PRODUCTION:
                raise CommandError("--reset wipes the database; it is refused with DJANGO_ENV=production.")
            self.stdout.write("Wiping the database…")
            call_command("flush", interactive=False, verbosity=0)
        elif User.objects.filter(email=demo.PLATFORM_ADMIN[0]).exists():
            self.stdout.write(
                self.style.WARNING("The demo is already loaded. Run `manage.py demo --reset` to rebuild it.")
            )
            self.print_logins()
            return
        elif User.objects.exists() or self.stories_have_data():
            self.stdout.write(
                self.style.WARNING(
                    "This database already has data, so the demo was not loaded. "
                    "Run `manage.py demo --reset` to wipe it and load the demo instead."
                )
            )
            return

        started = time.monotonic()
        # Invitation emails of the demo go nowhere (the addresses are made up), and quietly.
        trace_logger = logging.getLogger("celery.app.trace")
        level = trace_logger.level
        trace_logger.setLevel(logging.WARNING)
        try:
            # In memory, not the console: hundreds of emails would bury the logins printed below.
            locmem = "django.core.mail.backends.locmem.EmailBackend"
            with override_settings(EMAIL_BACKEND=locmem), transaction.atomic():
                world = demo.build()
        finally:
            trace_logger.setLevel(level)
        elapsed = time.monotonic() - started
        counts = ", ".join(f"{count} {what}" for what, count in demo.summary(world))
        self.stdout.write(self.style.SUCCESS(f"Demo loaded in {elapsed:.1f} s: {counts}."))
        self.print_logins()

    def stories_have_data(self) -> bool:
        """Rows in any model of an app that tells a story: the demo would mix into someone's data."""
        return any(
            model._default_manager.exists()
            for label in demo.story_apps()
            for model in apps.get_app_config(label).get_models()
        )

    def print_logins(self):
        personas = demo.personas()
        self.stdout.write("")
        self.stdout.write(f"Log in at {demo.LOGIN_URL}  (every demo password: {demo.PASSWORD})")
        self.stdout.write("")
        width = max(len(email) for _, email, _ in personas)
        for label, email, what in personas:
            self.stdout.write(f"  {label:<23} {email:<{width}}  {what}")
        self.stdout.write("")
        for line in demo.help_lines():
            self.stdout.write(line)
        self.stdout.write("")
