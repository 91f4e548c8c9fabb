"""The REST API, version 1: ``/api/v1/`` with its OpenAPI schema at ``/api/v1/openapi.json``.

Every request authenticates with a personal access token and acts with exactly its user's
roles and teams (``has_permission``). Every read that shows a patient is audited like a page
view; another team's object is audited as refused and answered with a 404 (each object is
fetched through ``stepcare.audit.fetch``); every error is ``application/problem+json``.

One router per resource (``patients``, ``referrals``, ``appointments``, ``kpis``), their
shared helpers in ``common`` and their schemas in ``schemas``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import Operation

from stepcare.api.appointments import appointments
from stepcare.api.auth import RateLimited, TokenAuth
from stepcare.api.common import NOT_FOUND, Problem, problem_response
from stepcare.api.kpis import kpis
from stepcare.api.patients import patients
from stepcare.api.referrals import referrals
from stepcare.outcomes import actions as outcome_actions
from stepcare.scheduling import actions as scheduling_actions


class StepcareApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """The operation ids published since version 1 (from when every endpoint lived in this
        module), kept when the endpoints moved into one module per resource."""
        return f"stepcare_api_api_{operation.view_func.__name__}"


api = StepcareApi(
    title="Stepcare API",
    version="1",
    urls_namespace="api_v1",
    auth=TokenAuth(),
    docs_url=None,
    description="Read patients, referrals, appointments and outcome measures; record attendance "
    "and questionnaire responses. Authenticate with a personal access token: "
    "`Authorization: Bearer <token>`. Errors are application/problem+json.",
)


@api.exception_handler(Problem)
def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem_response(exc.status, exc.title, exc.detail)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(
        401,
        "Unauthorised",
        "Send a live personal access token as Authorization: Bearer <token>.",
        WWW_Authenticate='Bearer realm="stepcare"',
    )


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return problem_response(
        429, "Too many requests", f"Try again in {exc.retry_after} seconds.", Retry_After=str(exc.retry_after)
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    parts = []
    for error in exc.errors[:10]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return problem_response(422, "Invalid request", "; ".join(parts) or "The request is not valid.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, "Request refused", str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, "Not found", NOT_FOUND)


@api.exception_handler(scheduling_actions.BookingRefused)
def _booking_refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(409, "Refused", str(exc))


@api.exception_handler(outcome_actions.ResponseRefused)
def _response_refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(409, "Refused", str(exc))


api.add_router("/patients", patients)
api.add_router("/referrals", referrals)
api.add_router("/appointments", appointments)
api.add_router("/kpis", kpis)
