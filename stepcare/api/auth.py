"""Bearer-token authentication and a per-token rate limit for the REST API."""

from __future__ import annotations

import hmac
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from stepcare.api.actions import TOKEN_PREFIX, hash_token
from stepcare.api.models import ApiToken


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many requests")
        self.retry_after = retry_after


def _check_rate(token: ApiToken) -> None:
    limit = int(settings.API_RATE_LIMIT)
    window = int(settings.API_RATE_WINDOW_SECONDS)
    if limit <= 0:
        return
    now = int(time.time())
    bucket = now // window
    key = f"api-rate:{token.pk}:{bucket}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        raise RateLimited(retry_after=max(1, (bucket + 1) * window - now))


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: a live token of an active user, or 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        digest = hash_token(token)
        found = ApiToken.objects.select_related("user").filter(token_hash=digest).first()
        if found is None or not hmac.compare_digest(found.token_hash, digest):
            return None
        if not found.is_live or not found.user.is_active:
            return None
        _check_rate(found)
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.api_token = found  # type: ignore[attr-defined]
        return found.user
