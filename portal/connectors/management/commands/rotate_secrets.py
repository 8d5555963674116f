"""Re-encrypt every stored secret with the newest FERRY_ENCRYPTION_KEYS key.

Rotation: put the new key first in FERRY_ENCRYPTION_KEYS (keep the old one after it), restart,
run this command, then remove the old key.
"""

from django.core.management.base import BaseCommand

from portal.connectors.services import connection_secrets_rotate


class Command(BaseCommand):
    help = "Re-encrypt all connection secrets with the newest FERRY_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        rotated = connection_secrets_rotate()
        self.stdout.write(f"Re-encrypted the secrets of {rotated} connection(s) with the newest key.")
