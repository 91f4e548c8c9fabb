"""Reading referrals from a CSV file. Every row is checked with the same rules as the forms,
and each bad row is reported with its line number and what is wrong."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone

from stepcare.accounts.models import Team, User
from stepcare.fields import DateField
from stepcare.patients.codes import Language
from stepcare.referrals.actions import Submission, arrival_conflict, import_referrals
from stepcare.referrals.forms import TEXT_MAX, PersonForm, clean_practice_code, clean_text
from stepcare.referrals.models import PreferredContact, SourceOfReferral, Urgency

REQUIRED_COLUMNS = ("given_name", "family_name", "date_of_birth", "source", "received_on")
OPTIONAL_COLUMNS = (
    "nhs_number",
    "phone_mobile",
    "email",
    "address",
    "postcode",
    "presenting_difficulties",
    "urgency",
    "preferred_contact",
    "preferred_language",
    "interpreter_required",
    "gp_practice_code",
    "gp_practice_name",
    "referrer_name",
    "referrer_organisation",
    "referrer_contact",
)
MAX_ROWS = 5000


class ImportRowForm(PersonForm):
    source = forms.ChoiceField(choices=SourceOfReferral.choices)
    received_on = DateField(error_messages={"invalid": "Enter the date received as day/month/year."})
    presenting_difficulties = forms.CharField(max_length=TEXT_MAX, required=False)
    urgency = forms.ChoiceField(choices=Urgency.choices, required=False)
    preferred_contact = forms.ChoiceField(choices=PreferredContact.choices, required=False)
    preferred_language = forms.ChoiceField(choices=Language.choices, required=False)
    interpreter_required = forms.CharField(required=False, max_length=5)
    gp_practice_code = forms.CharField(max_length=6, required=False)
    gp_practice_name = forms.CharField(max_length=200, required=False)
    referrer_name = forms.CharField(max_length=200, required=False)
    referrer_organisation = forms.CharField(max_length=200, required=False)
    referrer_contact = forms.CharField(max_length=200, required=False)

    def clean_received_on(self) -> Any:
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date received cannot be in the future.")
        return day

    def clean_gp_practice_code(self) -> str:
        return clean_practice_code(self.cleaned_data.get("gp_practice_code", ""))

    def clean_interpreter_required(self) -> bool:
        raw = (self.cleaned_data.get("interpreter_required") or "").strip().lower()
        if raw in {"", "no", "n", "false", "0"}:
            return False
        if raw in {"yes", "y", "true", "1"}:
            return True
        raise forms.ValidationError("Write yes or no.")

    def clean_presenting_difficulties(self) -> str:
        return clean_text(self.cleaned_data.get("presenting_difficulties", ""))

    def submission(self) -> Submission:
        d = self.cleaned_data
        return Submission(
            person=self.person(),
            source=d["source"],
            received_on=d["received_on"],
            presenting_difficulties=d["presenting_difficulties"],
            urgency=d.get("urgency") or Urgency.ROUTINE,
            preferred_contact=d.get("preferred_contact") or PreferredContact.PHONE,
            preferred_language=d.get("preferred_language") or "en",
            interpreter_required=d["interpreter_required"],
            gp_practice_code=d["gp_practice_code"],
            gp_practice_name=clean_text(d.get("gp_practice_name", "")),
            referrer_name=clean_text(d.get("referrer_name", "")),
            referrer_organisation=clean_text(d.get("referrer_organisation", "")),
            referrer_contact=clean_text(d.get("referrer_contact", "")),
            consent_given=True,
        )


@dataclass(frozen=True)
class RowProblem:
    line: int
    problems: list[str]

    def __str__(self) -> str:
        return f"Row {self.line}: " + "; ".join(self.problems)


@dataclass
class ParsedFile:
    good: list[Submission] = field(default_factory=list)
    bad: list[RowProblem] = field(default_factory=list)
    file_problem: str = ""


def parse_referral_csv(data: bytes) -> ParsedFile:
    """Check every row; rows are numbered as a spreadsheet shows them (the header is row 1)."""
    result = ParsedFile()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.file_problem = "The file is not UTF-8 text. Save it from your spreadsheet as 'CSV UTF-8'."
        return result
    # Universal newlines: files saved with CR-only line endings (old Mac spreadsheets) read too.
    reader = csv.DictReader(io.StringIO(text, newline=None))
    try:
        return _parse_rows(reader, result)
    except csv.Error as exc:
        result.good, result.bad = [], []
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            result.file_problem = (
                f"Row {line} has a cell longer than {csv.field_size_limit()} characters. "
                "Check the file is a referral CSV and shorten that cell."
            )
        else:
            result.file_problem = (
                f"The file could not be read as CSV (row {line}: {exc}). Save it again as 'CSV UTF-8'."
            )
        return result


def _parse_rows(reader: csv.DictReader[str], result: ParsedFile) -> ParsedFile:
    headers = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        result.file_problem = (
            "The first row must name the columns. Missing: " + ", ".join(missing) + ". "
            "Optional columns: " + ", ".join(OPTIONAL_COLUMNS) + "."
        )
        return result
    unknown = [h for h in headers if h and h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        result.file_problem = "Unknown columns: " + ", ".join(unknown) + ". Rename or remove them."
        return result
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            result.file_problem = f"The file has more than {MAX_ROWS} rows. Split it into smaller files."
            return result
        if None in raw:
            result.bad.append(RowProblem(line, ["the row has more cells than there are columns"]))
            continue
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        form = ImportRowForm(row)
        if form.is_valid():
            submission = form.submission()
            submission.extra["line"] = line
            result.good.append(submission)
        else:
            result.bad.append(
                RowProblem(
                    line,
                    [f"{name}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()],
                )
            )
    return result


def report_arrival_conflicts(parsed: ParsedFile, *, team: Team) -> None:
    """Rows whose person is known and has died, or already has an open referral in the
    service, are reported as bad rows (one open referral per person per service unless staff
    confirm a second, which an import cannot do). Like any bad row they stop the import, or
    are left out with --skip-bad-rows."""
    good = []
    for submission in parsed.good:
        conflict = arrival_conflict(team=team, submission=submission)
        if conflict:
            parsed.bad.append(RowProblem(int(submission.extra.get("line", 0)), [conflict]))
        else:
            good.append(submission)
    parsed.good = good
    parsed.bad.sort(key=lambda problem: problem.line)


def import_csv_file(*, by: User, team: Team, data: bytes, skip_bad_rows: bool) -> dict[str, Any]:
    """Read an uploaded file and import it: every good row, or (while any row is bad) none
    unless ``skip_bad_rows``. The report the page shows: the bad rows, a problem with the file
    itself, whether the import was refused, how many were imported and how many of those need
    a check of who the person is."""
    parsed = parse_referral_csv(data)
    if not parsed.file_problem:
        report_arrival_conflicts(parsed, team=team)
    report: dict[str, Any] = {"bad": parsed.bad, "file_problem": parsed.file_problem, "imported": 0}
    if parsed.file_problem:
        return report
    if parsed.bad and not skip_bad_rows:
        report["refused"] = True
    elif parsed.good:
        created = import_referrals(by=by, team=team, submissions=parsed.good, channel="CSV upload")
        report["imported"] = len(created)
        report["needing_check"] = sum(1 for r in created if r.patient_id is None)
    return report
