"""``manage.py recount_tallies``: rebuild every app's kept counts (``<app>/tallies.py``) from their records."""

from django.core.management.base import BaseCommand, CommandError

from core import tallies


class Command(BaseCommand):
    help = "Rebuild the kept counts (the tallies every app declares in its tallies.py) from their records."

    def add_arguments(self, parser):
        parser.add_argument("labels", nargs="*", metavar="app_label.Model", help="only these tallies (default: all)")

    def handle(self, *args, labels, **options):
        everything = {tally.label: tally for tally in tallies.registered()}
        unknown = sorted(set(labels) - set(everything))
        if unknown:
            raise CommandError(f"No tally {', '.join(unknown)}; the tallies are {', '.join(everything)}.")
        for label, tally in everything.items():
            if not labels or label in labels:
                rows = tallies.recount(tally)
                self.stdout.write(f"Recounted {label}: {rows} rows.")
