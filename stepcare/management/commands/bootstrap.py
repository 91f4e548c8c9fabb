"""stepcare bootstrap: the first organisation, service, team and service manager.

Prints a one-time password once. The manager signs in with it, sets up an authenticator app
and must then choose their own password before opening anything else.
"""

from __future__ import annotations

import re
import secrets
import string
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from stepcare.accounts import actions
from stepcare.accounts.models.organisation import ods_code_validator

ALPHABET = string.ascii_lowercase + string.digits


def one_time_password() -> str:
    """Four groups of five letters and digits: about 100 bits, easy to read out."""
    while True:
        groups = ["".join(secrets.choice(ALPHABET) for _ in range(5)) for _ in range(4)]
        password = "-".join(groups)
        if any(c.isalpha() for c in password) and any(c.isdigit() for c in password):
            return password


class Command(BaseCommand):
    help = (
        "Set up a new installation: organisation (by ODS code), service, first team and the first "
        "service manager, who gets a one-time password printed once. Refused if staff exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, metavar="ODS", help="ODS code, e.g. RX4")
        parser.add_argument("--organisation-name", default="", help="defaults to the ODS code")
        parser.add_argument("--service", required=True, metavar="NAME", help="the service's name")
        parser.add_argument("--team", default="Intake", help="the first team (default: Intake)")
        parser.add_argument("--manager", required=True, metavar="EMAIL", help="the manager's work email")
        parser.add_argument("--name", default="", help='the manager\'s full name, e.g. "Asha Patel"')
        parser.add_argument("--username", default="", help="defaults to the email before the @")
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even though staff exist (adds another organisation and manager)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ods = options["organisation"].strip().upper()
        try:
            ods_code_validator(ods)
            validate_email(options["manager"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        email = options["manager"].strip().lower()
        username = options["username"] or email.split("@", 1)[0]
        if not re.fullmatch(r"[a-z0-9.\-_]{3,150}", username):
            raise CommandError(
                f"{username!r} cannot be a username: use --username with 3 or more lower-case "
                "letters, digits, dots, hyphens or underscores."
            )
        first, _, last = options["name"].strip().partition(" ")
        password = one_time_password()
        try:
            user = actions.bootstrap_service(
                ods_code=ods,
                organisation_name=options["organisation_name"].strip(),
                service_name=options["service"].strip(),
                team_name=options["team"].strip(),
                username=username,
                email=email,
                first_name=first,
                last_name=last.strip(),
                one_time_password=password,
                force=options["force"],
            )
        except actions.BootstrapRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Organisation {ods}, service {options['service'].strip()}, team {options['team'].strip()} "
            f"and service manager {user.username} created.\n"
            f"username: {user.username}\n"
            f"one-time password: {password}\n"
            "This password is shown only now. At first sign-in they set up an authenticator app "
            "and then choose their own password."
        )
