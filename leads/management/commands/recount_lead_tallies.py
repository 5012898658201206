"""``manage.py recount_lead_tallies``: rebuild the vendors' and distributors' lead counts from the leads."""

from django.core.management.base import BaseCommand

from leads import services


class Command(BaseCommand):
    help = "Rebuild the lead counts (LeadTally) of every vendor and distributor from their leads."

    def handle(self, *args, **options):
        rows = services.lead_tallies_recount()
        self.stdout.write(f"Recounted the lead counts: {rows} rows.")
