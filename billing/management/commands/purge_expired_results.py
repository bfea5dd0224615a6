from django.core.management.base import BaseCommand

from billing.retention import expired_jobs, purge_expired_results


class Command(BaseCommand):
    help = "Delete result files older than their owner's plan keeps them (Free: 30 days). The jobs stay."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            self.stdout.write(f"{len(expired_jobs())} results would be deleted")
            return
        self.stdout.write(f"{purge_expired_results()} expired results deleted")
