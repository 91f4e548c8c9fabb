"""The ``stepcare`` console command.

``stepcare measures ...`` runs the pure-Python clinical core without starting Django, so
that scoring and course classification are fast and usable on any machine. Every other
subcommand is one of Django's management commands (``stepcare runserver``, ``stepcare
migrate``, ``stepcare demo`` ...).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "measures":
        from stepcare.measures.cli import main as measures_main

        return measures_main(args[1:])

    if args and not args[0].startswith("-"):
        # Commands are spelt with hyphens on the command line (demo-otp) and underscores in
        # Django's module names (demo_otp).
        args[0] = args[0].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stepcare.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["stepcare", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
