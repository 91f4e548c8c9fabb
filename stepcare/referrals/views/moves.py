"""The pages that make one move each on a referral, from screening to discharge: one small
class per move on ``MovePage``, sharing its template."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.urls import reverse

from stepcare.referrals import actions, selectors
from stepcare.referrals.forms import (
    AgencySearchForm,
    AllocateForm,
    AssessmentForm,
    DecisionForm,
    EndForm,
    EnteredInErrorForm,
    OnwardForm,
    PauseForm,
    ProblemForm,
    ReopenForm,
    ResumeForm,
    ScreenForm,
    StepForm,
)
from stepcare.referrals.models import OnwardReferral, Referral, SuitabilityDecision
from stepcare.referrals.transitions import Move
from stepcare.referrals.views.common import MovePage, _today_initial

ACCEPTING = {SuitabilityDecision.Outcome.ACCEPT_STEP_2, SuitabilityDecision.Outcome.ACCEPT_STEP_3}


class Screen(MovePage):
    move = Move.SCREEN
    form_class = ScreenForm
    title, button = "Screen the referral", "Save screening"

    def initial(self, referral: Referral) -> dict[str, Any]:
        return {"secondary_care": referral.secondary_care_involvement}

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        actions.screen(
            by=self.request.user,
            referral=referral,
            notes=data["notes"],
            acute_risk=data["acute_risk"],
            secondary_care=data["secondary_care"],
        )
        return "Screening recorded."


class Assessment(MovePage):
    move = Move.RECORD_ASSESSMENT
    form_class = AssessmentForm
    title, button = "Record the assessment", "Save assessment date"

    def initial(self, referral: Referral) -> dict[str, Any]:
        return _today_initial("assessment_date")

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        actions.record_assessment(
            by=self.request.user, referral=referral, assessment_date=data["assessment_date"]
        )
        return "Assessment date recorded."


class Decide(MovePage):
    """The suitability decision, with the rules that apply shown beside it (and kept with it)."""

    move = Move.ACCEPT
    form_class = DecisionForm
    title, button = "Suitability decision", "Record decision"
    template = "referrals/decide.html"
    histories = ("problem_descriptors",)
    rules_shown: list[dict[str, Any]]

    def more_context(self, referral: Referral) -> dict[str, Any]:
        results = selectors.rule_results(referral)
        self.rules_shown = [x.as_dict() for x in results if x.applies]
        return {"rules": results, "problem": selectors.current_problem(referral)}

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        decision = actions.decide(
            by=self.request.user,
            referral=referral,
            outcome=data["outcome"],
            reason=data["reason"],
            rules_shown=self.rules_shown,
        )
        if decision.outcome in ACCEPTING:
            return f"Decision recorded: {decision.get_outcome_display()}. The person is on the waiting list."
        return f"Decision recorded: {decision.get_outcome_display()}. The referral has been ended."


class Problem(MovePage):
    move = Move.RECORD_PROBLEM
    form_class = ProblemForm
    title, button = "Provisional problem descriptor", "Save problem descriptor"
    template = "referrals/problem.html"
    histories = ("problem_descriptors",)

    def initial(self, referral: Referral) -> dict[str, Any]:
        return _today_initial("recorded_on")

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        actions.record_problem_descriptor(
            by=self.request.user,
            referral=referral,
            primary=data["primary"],
            secondary=data["secondary"] or "",
            recorded_on=data["recorded_on"],
            note=data["note"],
        )
        return "Problem descriptor recorded."


class Pause(MovePage):
    move = Move.PAUSE_WAIT
    form_class = PauseForm
    title, button = "Pause the wait (the person's request)", "Pause the wait"

    def initial(self, referral: Referral) -> dict[str, Any]:
        return _today_initial("start_date")

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        actions.pause_wait(
            by=self.request.user, referral=referral, start_date=data["start_date"], reason=data["reason"]
        )
        return "Wait paused. The waiting-time clock has stopped until the pause ends."


class Resume(MovePage):
    move = Move.RESUME_WAIT
    form_class = ResumeForm
    title, button = "End the pause", "End the pause"

    def initial(self, referral: Referral) -> dict[str, Any]:
        return _today_initial("end_date")

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        actions.resume_wait(by=self.request.user, referral=referral, end_date=data["end_date"])
        return "Pause ended. The waiting-time clock is running again."


class Allocate(MovePage):
    move = Move.ALLOCATE
    form_class = AllocateForm
    title, button = "Allocate to a therapist", "Allocate"
    template = "referrals/allocate.html"

    def form_kwargs(self, referral: Referral) -> dict[str, Any]:
        return {"therapists": selectors.allocatable_users(team=referral.team, step=referral.step)}

    def more_context(self, referral: Referral) -> dict[str, Any]:
        return {"therapists": selectors.therapists_for_allocation(team=referral.team, step=referral.step)}

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        actions.allocate(by=self.request.user, referral=referral, therapist=data["therapist"])
        return f"Allocated to {data['therapist']}."


class ChangeStep(MovePage):
    move = Move.STEP
    form_class = StepForm
    title, button = "Step up or down", "Change step"

    def form_kwargs(self, referral: Referral) -> dict[str, Any]:
        return {"referral": referral}

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        change = actions.change_step(
            by=self.request.user,
            referral=referral,
            to_step=data["to_step"],
            handover_summary=data["handover_summary"],
        )
        return f"{change.direction} to step {change.to_step}. The person is on that step's waiting list."


class Signpost(MovePage):
    """Signpost or refer on, choosing from the directory (searched on the same page); the
    letter is shown next."""

    move = Move.SIGNPOST
    form_class = OnwardForm
    template = "referrals/signpost.html"
    onward: OnwardReferral

    def more_context(self, referral: Referral) -> dict[str, Any]:
        search = AgencySearchForm(self.request.GET or None)
        query, category = search.search()
        return {
            "search": search,
            # Fetched as the page is drawn (not when the move is made and the page left).
            "agencies": selectors.search_agencies(query=query, category=category)[:50],
        }

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        self.onward = actions.record_onward_referral(
            by=self.request.user,
            referral=referral,
            agency=data["agency"],
            organisation_name=data["organisation_name"],
            kind=data["kind"],
            reason=data["reason"],
        )
        return f"Recorded. The letter for {self.onward.organisation} is ready to print."

    def done_url(self, referral: Referral) -> str:
        return reverse("referrals:letter", kwargs={"referral_pk": referral.pk, "onward_pk": self.onward.pk})


class End(MovePage):
    move = Move.END
    form_class = EndForm
    title, button = "End the referral (discharge)", "End the referral"
    template = "referrals/end.html"

    def initial(self, referral: Referral) -> dict[str, Any]:
        return _today_initial("discharge_date")

    def form_kwargs(self, referral: Referral) -> dict[str, Any]:
        return {"referral": referral}

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        actions.end_referral(
            by=self.request.user,
            referral=referral,
            end_code=data["end_code"],
            discharge_date=data["discharge_date"],
            summary=data["summary"],
        )
        return "Referral ended."


class Reopen(MovePage):
    """Re-open as a new referral linked to this one; the new referral's page is shown next."""

    move = Move.REOPEN
    form_class = ReopenForm
    title, button = "Re-open as a new referral", "Create the new referral"
    refused_post_status = 400
    new_referral: Referral

    def more_context(self, referral: Referral) -> dict[str, Any]:
        return {
            "intro": (
                "An ended referral is never changed. The person is re-referred: "
                "a new referral, linked to this one, starts in the inbox."
            )
        }

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        self.new_referral = actions.reopen(
            by=self.request.user,
            referral=referral,
            reason=data["reason"],
            confirm_second=data["confirm_second"],
            second_reason=data["second_reason"],
        )
        return f"New referral {self.new_referral.reference} created, linked to {referral.reference}."

    def done_url(self, referral: Referral) -> str:
        return reverse("referrals:detail", kwargs={"referral_pk": self.new_referral.pk})


class EnteredInError(MovePage):
    move = Move.MARK_ENTERED_IN_ERROR
    form_class = EnteredInErrorForm
    title, button = "Mark as entered in error", "Mark as entered in error"
    warning = True

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        actions.mark_entered_in_error(by=self.request.user, referral=referral, reason=data["reason"])
        return "Marked as entered in error. It is kept, but no longer appears in lists or counts."


screen = login_required(Screen.as_view())
assessment = login_required(Assessment.as_view())
decide = login_required(Decide.as_view())
problem = login_required(Problem.as_view())
pause = login_required(Pause.as_view())
resume = login_required(Resume.as_view())
allocate = login_required(Allocate.as_view())
step = login_required(ChangeStep.as_view())
signpost = login_required(Signpost.as_view())
end = login_required(End.as_view())
reopen = login_required(Reopen.as_view())
entered_in_error = login_required(EnteredInError.as_view())
