"""Create the demo organization and its owner (idempotent) and print how to log in."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.tenants.models import Membership, Organization
from portal.tenants.roles import Role
from portal.tenants.services import organization_create

DEMO_EMAIL = "owner@demo.ferry"
DEMO_PASSWORD = "ferry-demo-owner"  # noqa: S105 - the embedded demo's published login, local only


class Command(BaseCommand):
    help = "Create the demo organization and user for `make demo`."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the portal will listen")

    @transaction.atomic
    def handle(self, *args, url, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_EMAIL, defaults={"email": DEMO_EMAIL, "first_name": "Demo", "last_name": "Owner"}
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        organization = Organization.objects.filter(slug="demo-company").first()
        if organization is None:
            organization = organization_create(name="Demo Company", owner=user)
        Membership.objects.update_or_create(
            organization=organization, user=user, defaults={"role": Role.OWNER}
        )
        self.stdout.write(
            f"Ferry demo is ready: open {url}/login/ and log in as {DEMO_EMAIL} / {DEMO_PASSWORD}"
        )
