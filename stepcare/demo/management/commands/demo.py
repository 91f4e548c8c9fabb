"""stepcare demo: load the synthetic demo service."""

from __future__ import annotations

import base64
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stepcare.accounts.models import Organisation
from stepcare.demo.generator import DEMO_PASSWORD, DemoBuilder


class Command(BaseCommand):
    help = "Load a synthetic demo service: one provider, three teams, staff and patients."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=600, help="number of patients (default 600)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same demo)")
        parser.add_argument("--reset", action="store_true", help="empty the database first")
        parser.add_argument(
            "--scale",
            choices=("small", "large"),
            default="small",
            help="small (default: the demo service above) or large (about 40,000 referrals a year "
            "for three years and about 220 clinicians; see stepcare/demo/large/)",
        )
        parser.add_argument("--years", type=int, default=3, help="(large) years of referrals (default 3)")
        parser.add_argument(
            "--referrals-per-year", type=int, default=40_000, help="(large) referrals a year (default 40000)"
        )
        parser.add_argument(
            "--clinicians",
            type=int,
            default=None,
            help="(large) clinicians (default: one per 400 referrals a year, at least 6)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and succeed) if the database already holds a service",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["patients"] < 0 or options["patients"] > 1_000_000:
            raise CommandError("--patients must be between 0 and 1000000.")
        if settings.PRODUCTION:
            raise CommandError("The demo service is never loaded when STEPCARE_ENV=production.")
        if Organisation.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already holds a service; demo not loaded again.")
                self._print_accounts(None)
                return
            if not options["reset"]:
                raise CommandError(
                    "The database already holds a service. Use --reset to empty it first "
                    "(never on a real service), or --if-empty to leave it as it is."
                )
            call_command("flush", interactive=False, verbosity=0)
        if options["scale"] == "large":
            result = self._build_large(options)
        else:
            result = DemoBuilder(seed=options["seed"], patients=options["patients"]).build()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo service loaded: {result.organisation.name}, {len(result.accounts)} staff, "
                f"{result.patients} patients (all synthetic)."
            )
        )
        self._print_accounts(result.accounts)

    def _build_large(self, options: dict[str, Any]) -> Any:
        from stepcare.demo.large import LargeDemoBuilder, LargeOptions

        if not 1 <= options["years"] <= 10:
            raise CommandError("--years must be between 1 and 10.")
        if not 1 <= options["referrals_per_year"] <= 500_000:
            raise CommandError("--referrals-per-year must be between 1 and 500000.")
        if options["clinicians"] is not None and not 6 <= options["clinicians"] <= 2_000:
            raise CommandError("--clinicians must be between 6 and 2000.")
        large = LargeOptions(
            years=options["years"],
            referrals_per_year=options["referrals_per_year"],
            clinicians=options["clinicians"],
        )
        self.stdout.write(
            f"Building a large demo service: {large.total:,} referrals over {large.years} year(s), "
            f"{large.clinician_count} clinicians."
        )
        started = time.monotonic()
        builder = LargeDemoBuilder(seed=options["seed"], options=large, progress=self._progress)
        result = builder.build()
        self.stdout.write(
            f"Built in {time.monotonic() - started:,.0f} s: {builder.counts.referrals:,} referrals, "
            f"{builder.counts.appointments:,} appointments, {builder.counts.responses:,} questionnaire "
            "responses."
        )
        return result

    def _progress(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _print_accounts(self, accounts: list[Any] | None) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if accounts is None:
            devices = TOTPDevice.objects.filter(name="Demo authenticator").select_related("user")
            rows = [(d.user.username, str(d.user), d.user.job_title, d.key) for d in devices]
        else:
            rows = [(a.username, a.name, a.roles, a.totp_key) for a in accounts]
        if not rows:
            return
        self.stdout.write(f"\nDemo sign-ins (password for every account: {DEMO_PASSWORD})")
        self.stdout.write("Add the TOTP secret to an authenticator app, or run: stepcare demo-otp USERNAME\n")
        for username, name, roles, key in rows:
            secret = base64.b32encode(bytes.fromhex(key)).decode()
            self.stdout.write(f"  {username:<16} {secret}  {name} – {roles}")
