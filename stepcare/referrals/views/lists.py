"""The referral lists (the inbox, the waiting list), the directory of organisations, and one
patient's referrals."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from stepcare.accounts.models import Team
from stepcare.accounts.permissions import Permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.fetch import fetch_patient
from stepcare.http import StaffRequest
from stepcare.referrals import selectors
from stepcare.referrals.forms import AgencySearchForm, ReferralListFilterForm
from stepcare.referrals.views.common import _require


def _list_page(
    request: StaffRequest, *, name: str, team_ids: set[int], clinician_label: str, template: str
) -> HttpResponse:
    """A referral list: filters, one page of rows fetched, one audit event naming the patients
    shown on that page, then the page."""
    form = ReferralListFilterForm(
        request.GET or None,
        teams=Team.objects.filter(id__in=team_ids).order_by("name"),
        clinicians=selectors.list_clinicians(team_ids=team_ids),
        clinician_label=clinician_label,
    )
    fetch = selectors.inbox if name == "inbox" else selectors.waiting_list
    listing = fetch(user=request.user, filters=form.filters(), page=request.GET.get("page"))
    # The page's rows are fetched: the one audit event of this list names the patients shown.
    audit_actions.record_shown(
        by=request.user,
        patients=[row.referral.patient for row in listing.rows],
        page=f"referrals:{name}",
        detail={"list_page": listing.page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "form": form,
            "rows": listing.rows,
            "page": listing.page,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@login_required
def inbox(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.MANAGE_REFERRALS)
    return _list_page(
        request,
        name="inbox",
        team_ids=selectors.referral_teams(request.user),
        clinician_label="Screened by",
        template="referrals/inbox.html",
    )


@login_required
def waiting_list(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.MANAGE_REFERRALS, Permission.ALLOCATE)
    return _list_page(
        request,
        name="waiting_list",
        team_ids=selectors.waiting_list_teams(request.user),
        clinician_label="Therapist",
        template="referrals/waiting_list.html",
    )


@login_required
def directory(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.MANAGE_REFERRALS)
    form = AgencySearchForm(request.GET or None)
    query, category = form.search()
    agencies = selectors.search_agencies(query=query, category=category)
    return render(request, "referrals/directory.html", {"form": form, "agencies": agencies})


@login_required
def patient_referrals(request: StaffRequest, pk: int) -> HttpResponse:
    """One patient's referrals, newest first (a page of its own in the patient's pages)."""
    patient = fetch_patient(request, pk)
    return render(request, "referrals/patient_referrals.html", {"patient": patient})
