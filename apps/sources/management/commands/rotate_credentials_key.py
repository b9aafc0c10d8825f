"""`manage.py rotate_credentials_key`: re-encrypt every stored credential with the first key.

Put the new key first in BEDROT_CREDENTIAL_KEYS (keep the old one after it), run this, then
remove the old key: nothing stored still needs it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.sources.credentials import CredentialUndecryptable, credential_rotate_all


class Command(BaseCommand):
    help = "Re-encrypt every stored credential with the first key of BEDROT_CREDENTIAL_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rotated = credential_rotate_all()
        except CredentialUndecryptable as error:
            raise CommandError(str(error), returncode=1) from None
        self.stdout.write(f"re-encrypted {rotated} credential(s) with the first key")
