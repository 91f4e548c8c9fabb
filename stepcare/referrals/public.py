"""Protection for the public referral forms against spam and floods, and routing of what
arrives to a team.

- A field people never see: anything typed in it means a robot, which is thanked and ignored.
- A signed timestamp: a form sent sooner than a person could fill it in is sent back.
- A limit per address on how many forms may be sent in an hour (Django's cache, so it holds
  across app servers when the cache is Redis).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from stepcare.accounts.models import Team
from stepcare.referrals.models import IntakeTeam

TOKEN_SALT = "stepcare.referrals.public-form"
MAX_SECONDS = 12 * 60 * 60


def min_seconds() -> int:
    return int(settings.REFERRAL_FORM_MIN_SECONDS)


def rate_limit_per_hour() -> int:
    return int(settings.REFERRAL_FORM_RATE_LIMIT_PER_HOUR)


def new_token() -> str:
    """A signed start time with a random part, so each form shown has its own token."""
    return signing.dumps([timezone.now().timestamp(), secrets.token_urlsafe(12)], salt=TOKEN_SALT)


def token_problem(token: str) -> str:
    """Why the timing token is not acceptable, or "" if it is.

    A token is good for one referral only: a robot that replays one accepted form is refused.
    """
    try:
        started, _nonce = signing.loads(token, salt=TOKEN_SALT, max_age=MAX_SECONDS)
        started = float(started)
    except (signing.BadSignature, TypeError, ValueError):
        return "The form had expired. Please check your answers and press Send again."
    if timezone.now().timestamp() - started < min_seconds():
        return "That was quicker than we expected. Please check your answers and press Send again."
    return ""


def use_token(token: str) -> bool:
    """Spend the token; False if it was spent before (the cache is shared by all app servers
    when it is Redis)."""
    key = "stepcare:refer:token:" + hashlib.sha256(token.encode()).hexdigest()
    return bool(cache.add(key, 1, timeout=MAX_SECONDS + 60))


def client_ip(request: HttpRequest) -> str:
    """The sender's address, trusting as many proxies as PROXY_COUNT says there are."""
    proxies = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    if proxies:
        chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(chain) >= proxies:
            return str(chain[-proxies])
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def over_rate_limit(request: HttpRequest) -> bool:
    """Count this submission against the sender's address; True once over the hourly limit."""
    key = f"stepcare:refer:{client_ip(request)}"
    cache.add(key, 0, timeout=60 * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60 * 60)
        count = 1
    return count > rate_limit_per_hour()


def intake_team(gp_practice_code: str = "") -> Team:
    """The team that receives a referral from the public forms or an import."""
    routes = list(IntakeTeam.objects.select_related("team"))
    if gp_practice_code:
        for route in routes:
            if gp_practice_code in route.gp_practice_codes:
                return route.team
    for route in routes:
        if route.is_default:
            return route.team
    team = Team.objects.order_by("id").first()
    if team is None:
        raise LookupError("No team is set up to receive referrals. Add one in the admin (Intake teams).")
    return team
