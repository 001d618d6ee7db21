"""`manage.py demo_totp`: the current TOTP code of the demo staff account (DEBUG only)."""

import json
import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lohmar_portal.demo import CREDENTIALS


class Command(BaseCommand):
    help = "Print the demo staff account's current two-factor code (only with DEBUG on)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Only for the demo: DEBUG is off.")
        if not CREDENTIALS.exists():
            raise CommandError("No demo staff account yet: run `manage.py load_demo` first.")
        secret = json.loads(CREDENTIALS.read_text())["totp_secret"]
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
