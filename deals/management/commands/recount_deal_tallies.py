"""``manage.py recount_deal_tallies``: rebuild the vendors' and distributors' deal totals from the registrations."""

from django.core.management.base import BaseCommand

from deals import services


class Command(BaseCommand):
    help = "Rebuild the deal totals (DealTally) of every vendor and distributor from their registrations."

    def handle(self, *args, **options):
        rows = services.deal_tallies_recount()
        self.stdout.write(f"Recounted the deal totals: {rows} rows.")
