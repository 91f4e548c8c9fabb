"""Request types for views behind sign-in, so that ``request.user`` is a member of staff."""

from __future__ import annotations

from django.http import HttpRequest

from stepcare.accounts.models import User


class StaffRequest(HttpRequest):
    """A request from a signed-in member of staff (every view behind ``login_required``)."""

    user: User
