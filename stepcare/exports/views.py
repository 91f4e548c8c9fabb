"""Pages for export jobs: ask for the national dataset (or its validation) for a period, follow
the job's progress, read the validator's report and download the file (audited)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from stepcare.audit import actions as audit_actions
from stepcare.exports import actions, selectors
from stepcare.exports.forms import DatasetExportForm
from stepcare.exports.kinds import KINDS
from stepcare.exports.models import ExportJob
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient


@login_required
def dataset(request: StaffRequest) -> HttpResponse:
    """The form to export (or check) the national dataset, and the recent jobs."""
    teams = selectors.teams_for(request.user)
    if not selectors.managed_team_ids(request.user):
        raise PermissionDenied
    form = DatasetExportForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = actions.request_export(
                by=request.user, kind=data["kind"], team=data["team"], start=data["start"], end=data["end"]
            )
        except actions.ExportRefused as refused:
            messages.error(request, str(refused))
        else:
            return redirect("exports:job", job_pk=job.pk)
    return render(
        request,
        "exports/dataset.html",
        {"form": form, "jobs": selectors.recent_jobs(request.user), "kinds": KINDS},
        status=400 if request.method == "POST" else 200,
    )


def _job(request: StaffRequest, job_pk: int) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.select_related("team", "requested_by"), pk=job_pk)
    if not selectors.may_see(request.user, job):
        raise Http404  # another team's job: not even that it exists
    return job


@login_required
def job(request: StaffRequest, job_pk: int) -> HttpResponse:
    """A job's progress (refreshing while it runs), its download link or its report."""
    found = _job(request, job_pk)
    report = found.result.get("report") if found.status == ExportJob.Status.DONE else None
    if found.params.get("patient"):  # a subject access request names its patient
        audit_actions.record_shown(
            by=request.user, patients=[Patient(pk=found.params["patient"])], page="exports:job", obj=found
        )
    if report:
        shown = {f["patient_id"] for g in report["problems"] for f in g["findings"] if f["patient_id"]}
        audit_actions.record_shown(
            by=request.user,
            patients=[Patient(pk=pk) for pk in sorted(shown)],
            page="exports:job",
            obj=found,
        )
    return render(
        request,
        "exports/job.html",
        {
            "job": found,
            "kind": KINDS.get(found.kind),
            "report": report,
            "has_file": actions.result_path(found) is not None,
            "stalled": selectors.stalled(found, timezone.now()),
            "expires_on": selectors.expires_on(found),
            "keep_days": settings.STEPCARE_EXPORTS_KEEP_DAYS,
            "stalled_minutes": settings.STEPCARE_EXPORTS_STALLED_MINUTES,
        },
    )


@login_required
@require_POST
def run_again(request: StaffRequest, job_pk: int) -> HttpResponse:
    """Ask again for an export that failed, expired or never started."""
    found = _job(request, job_pk)
    try:
        again = actions.run_again(by=request.user, job=found)
    except actions.ExportRefused as refused:
        messages.error(request, str(refused))
        return redirect("exports:job", job_pk=found.pk)
    return redirect("exports:job", job_pk=again.pk)


@login_required
def download(request: StaffRequest, job_pk: int) -> HttpResponse | FileResponse:
    """The job's file, written as an audit event naming every patient in it."""
    found = _job(request, job_pk)
    path = actions.result_path(found)
    if path is None:
        messages.info(request, "There is no file to download for this export.")
        return redirect("exports:job", job_pk=found.pk)
    actions.record_download(by=request.user, job=found)
    return FileResponse(path.open("rb"), as_attachment=True, filename=found.result_file)
