"""The measure registry in force for this installation: the core's definitions, the service's
threshold overrides (STEPCARE_MEASURES_CONFIG) and its licensed item wording
(STEPCARE_MEASURES_WORDING). Read once per process; both files are checked by the core."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from stepcare.measures import DEFAULT_REGISTRY, Registry, load_config, load_wording


@lru_cache(maxsize=4)
def _build(config_path: str, wording_path: str) -> Registry:
    registry = load_config(config_path) if config_path else DEFAULT_REGISTRY
    if wording_path:
        registry = load_wording(wording_path, registry=registry)
    return registry


def service_registry() -> Registry:
    """The registry every page scores and classifies with."""
    return _build(
        getattr(settings, "STEPCARE_MEASURES_CONFIG", ""), getattr(settings, "STEPCARE_MEASURES_WORDING", "")
    )
