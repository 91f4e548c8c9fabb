"""A trainee's documents awaiting the supervisor's countersignature, and countersigning one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from stepcare.accounts.permissions import (
    has_permission,
)
from stepcare.http import StaffRequest
from stepcare.supervision import actions, selectors
from stepcare.supervision.forms import (
    CountersignForm,
)
from stepcare.supervision.views.common import P, _refuse, _shown, _supervisee_for


@login_required
def awaiting(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    """Every document of a trainee awaiting the supervisor's countersignature, by kind, paged."""
    supervisee = _supervisee_for(request, clinician_pk)
    kind = request.GET.get("kind", selectors.COUNTERSIGNED_KINDS[0])
    if kind not in selectors.COUNTERSIGNED_KINDS:
        kind = selectors.COUNTERSIGNED_KINDS[0]
    page = selectors.awaiting_countersignature_page(
        supervisee, kind=kind, page_number=request.GET.get("page", 1)
    )
    totals = selectors.awaiting_countersignature_total(supervisee)
    docs = list(page.object_list) if page is not None else []
    _shown(request, [d.patient for d in docs], supervisee=supervisee.pk, kind=kind)
    return render(
        request,
        "supervision/awaiting.html",
        {"supervisee": supervisee, "page": page, "docs": docs, "kind": kind, "totals": totals},
    )


@login_required
@require_POST
def countersign(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    from stepcare.records.models import DOCUMENT_KINDS

    model = DOCUMENT_KINDS.get(kind)
    if model is None:
        raise Http404
    document = get_object_or_404(model.objects.select_related("patient"), pk=doc_pk)
    if not has_permission(request.user, P.SUPERVISE, obj=document.patient):
        _refuse(request, patient=document.patient, obj=document, what=P.SUPERVISE.value)
    form = CountersignForm(request.POST)
    comment = form.cleaned_data.get("comment", "") if form.is_valid() else ""
    try:
        actions.countersign(by=request.user, document=document, comment=comment)
    except actions.SupervisionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{document.LABEL} countersigned.")
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("records:document", kind=kind, doc_pk=document.pk)
