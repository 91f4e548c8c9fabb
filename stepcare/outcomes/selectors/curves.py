"""The expected-response curves the not-on-track flag compares with, cached per service per day.

A service's own curve reads every current score of its finished courses of the last two years:
at service scale (tens of thousands of courses) that is seconds of work, and the result moves
little from one course to the next. So each measure's curve is kept in Django's cache (Redis in
production) under a key naming the service, the day (Europe/London), the measure and a digest
of the configuration it depends on (``OUTCOMES_EXPECTED_CURVES``, the measures configuration
and wording files, and the curve rules in ``outcomes.expected``):

- a course finished, or a score corrected, today reaches the curve tomorrow (the key of the
  next day is a new one): the curve shown is at most one day behind the service's courses,
  and its source still says how many courses it was built from (hazard H55);
- a change of configuration takes effect at once: it changes the key, so no curve computed
  under the old configuration is read again (hazard H56);
- entries expire after about a day and a half (``CURVE_CACHE_SECONDS``) whatever happens.

A new day's curves are worked out before anyone asks (``warm_curves``, a Celery beat job every
quarter of an hour that computes only what the cache lacks), so no clinician's caseload waits
the seconds they take; a caseload still computes a curve missing from the cache itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from stepcare.outcomes import due as due_rules
from stepcare.outcomes import expected
from stepcare.outcomes.expected import ExpectedCurve, curve_from_courses, default_curve_for
from stepcare.outcomes.models import MeasureResponse
from stepcare.referrals.models import Referral

CURVE_CACHE_SECONDS = 36 * 3600
CURVE_KEY_VERSION = 1
HISTORY_DAYS = 730


@lru_cache(maxsize=8)
def _content_digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _file_digest(path: str) -> str:
    """A configuration file's content digest (read again only when the file changes)."""
    if not path:
        return ""
    try:
        found = os.stat(path)
        return _content_digest(path, found.st_mtime_ns, found.st_size)
    except OSError:
        return f"unreadable:{path}"


def configuration_digest() -> str:
    """What a curve depends on apart from the scores: the configured default curves, the
    measures configuration and wording files (their content) and the rules of
    ``outcomes.expected``. Any change gives another digest, so another cache key."""
    raw = {
        "curves": getattr(settings, "OUTCOMES_EXPECTED_CURVES", None) or {},
        "measures_config": _file_digest(getattr(settings, "STEPCARE_MEASURES_CONFIG", "") or ""),
        "measures_wording": _file_digest(getattr(settings, "STEPCARE_MEASURES_WORDING", "") or ""),
        "rules": [
            expected.MIN_COURSES,
            expected.MIN_AT_POINT,
            expected.PERCENTILE,
            expected.DEFAULT_UPPER,
            HISTORY_DAYS,
        ],
    }
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:20]


def curve_cache_key(service_id: int, measure: str, today: dt.date, digest: str) -> str:
    return f"stepcare:expected-curve:v{CURVE_KEY_VERSION}:{service_id}:{today.isoformat()}:{measure}:{digest}"


def service_curve(service_id: int | None, *, today: dt.date | None = None) -> ExpectedCurve:
    """The expected-response curve for PHQ-9: from the service's own finished courses of the
    last two years when there are enough, otherwise the configured default (cached per day)."""
    return service_curves(service_id, [due_rules.DEPRESSION], today=today)[due_rules.DEPRESSION]


def computed_curves(service_id: int | None, wanted: list[str], today: dt.date) -> dict[str, ExpectedCurve]:
    """The curves computed afresh from the service's finished courses (one query, uncached)."""
    courses: dict[str, dict[int, list[float]]] = {m: defaultdict(list) for m in wanted}
    if service_id is not None and wanted:
        rows = (
            MeasureResponse.objects.current()
            .filter(
                measure__in=wanted,
                referral__team__service_id=service_id,
                referral__status=Referral.Status.ENDED,
                referral__discharge_date__gte=today - dt.timedelta(days=HISTORY_DAYS),
            )
            .order_by("referral_id", "completed_on", "recorded_at", "id")
            .values_list("measure", "referral_id", "total")
        )
        for measure, referral_id, total in rows:
            courses[measure][referral_id].append(total)
    configured = getattr(settings, "OUTCOMES_EXPECTED_CURVES", None) or {}
    return {
        m: curve_from_courses(courses[m].values(), default=default_curve_for(m, configured), measure=m)
        for m in wanted
    }


def service_curves(
    service_id: int | None, measures: Iterable[str], *, today: dt.date | None = None
) -> dict[str, ExpectedCurve]:
    """The expected-response curve of each measure (PHQ-9, GAD-7, an ADSM): from the service's
    own finished courses of the last two years when there are enough, otherwise the default
    configured in ``OUTCOMES_EXPECTED_CURVES`` or Stepcare's illustrative one, each with its
    source. Read from the cache (per service, day, measure and configuration); the measures
    missing from it are computed in one query and kept."""
    today = today or timezone.localdate()
    wanted = sorted(set(measures))
    if service_id is None or not wanted:
        return computed_curves(service_id, wanted, today)
    digest = configuration_digest()
    keys = {m: curve_cache_key(service_id, m, today, digest) for m in wanted}
    found = cache.get_many(list(keys.values()))
    curves = {m: found[k] for m, k in keys.items() if isinstance(found.get(k), ExpectedCurve)}
    missing = [m for m in wanted if m not in curves]
    if missing:
        fresh = computed_curves(service_id, missing, today)
        cache.set_many({keys[m]: curve for m, curve in fresh.items()}, CURVE_CACHE_SECONDS)
        curves.update(fresh)
    return {m: curves[m] for m in wanted}


def curve_measures() -> list[str]:
    """Every measure a caseload can ask a curve of: PHQ-9, GAD-7 and each ADSM in the
    measures registry in force (the anxiety measure of some problem descriptor)."""
    from stepcare.outcomes.registry import service_registry

    adsms = [m.code for m in service_registry() if m.is_adsm]
    return sorted({due_rules.DEPRESSION, due_rules.BACKUP_ANXIETY, *adsms})


def warm_curves(*, today: dt.date | None = None) -> int:
    """Today's curves of every service, computed where the cache lacks them and kept: the
    beat job's work. Returns how many services had curves to compute."""
    from stepcare.accounts.models import Service

    today = today or timezone.localdate()
    measures = curve_measures()
    digest = configuration_digest()
    computed = 0
    for service_id in Service.objects.order_by("id").values_list("id", flat=True):
        keys = [curve_cache_key(service_id, m, today, digest) for m in measures]
        if len(cache.get_many(keys)) < len(keys):
            service_curves(service_id, measures, today=today)
            computed += 1
    return computed
