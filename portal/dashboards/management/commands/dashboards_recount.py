"""Count every finished run in the dashboards' aggregates: after an upgrade, or to repair a missed event."""

from django.core.management.base import BaseCommand

from portal.dashboards.services import COUNTED_STATUSES, stats_run_record
from portal.runs.models import Run


class Command(BaseCommand):
    help = (
        "Count finished runs in the dashboards' aggregates (runs counted before and unchanged are skipped)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="only this organization (slug)")

    def handle(self, *args, organization=None, **options):
        # Unscoped on purpose: an operator's command over every organization unless one is named.
        runs = Run.objects.filter(status__in=COUNTED_STATUSES).order_by("created_at")
        if organization:
            runs = runs.filter(organization__slug=organization)
        changed = sum(
            stats_run_record(run_id=run_id) for run_id in runs.values_list("pk", flat=True).iterator()
        )
        self.stdout.write(f"{changed} run(s) counted or recounted.")
