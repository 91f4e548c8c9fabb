"""stepcare demo-otp USERNAME: print the current TOTP code of a demo account."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (demo devices only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo-otp is refused when STEPCARE_ENV=production.")
        device = TOTPDevice.objects.filter(
            user__username=options["username"], name="Demo authenticator", confirmed=True
        ).first()
        if device is None:
            raise CommandError(
                f"No demo authenticator for {options['username']!r}. Codes are printed only for "
                "demo accounts created by 'stepcare demo'."
            )
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        remaining = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(f"{code:0{device.digits}d}")
        self.stderr.write(f"(valid for another {remaining} seconds)")
