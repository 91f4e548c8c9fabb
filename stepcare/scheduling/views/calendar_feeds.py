"""The private calendar address: its settings page and the iCalendar feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from stepcare.http import StaffRequest
from stepcare.scheduling import actions, ical, selectors
from stepcare.scheduling.forms import (
    CalendarFeedForm,
)
from stepcare.scheduling.models import CalendarFeed


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: StaffRequest) -> HttpResponse:
    form = CalendarFeedForm(request.POST if request.method == "POST" else None)
    feed_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            actions.revoke_calendar_feeds(by=request.user)
            messages.success(request, "Your calendar address has stopped working.")
            return redirect("scheduling:calendar_settings")
        if form.is_valid():
            _feed, token = actions.create_calendar_feed(
                by=request.user, show_initials=form.cleaned_data["show_initials"]
            )
            feed_url = request.build_absolute_uri(reverse("calendar:feed", kwargs={"token": token}))
    live = CalendarFeed.objects.filter(clinician=request.user, revoked_at__isnull=True).first()
    return render(
        request, "scheduling/calendar_settings.html", {"form": form, "feed_url": feed_url, "live": live}
    )


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCalendar address: no sign-in (calendar apps cannot), a secret instead."""
    feed = selectors.live_feed(token_hash=actions.feed_token_hash(token))
    if feed is None:
        raise Http404
    with transaction.atomic():
        type(feed).objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    body = ical.build_calendar(
        feed=feed,
        appointments=selectors.feed_appointments(clinician=feed.clinician),
        host=request.get_host().split(":")[0],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
