"""Stepcare: case management and outcome monitoring for NHS Talking Therapies services."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "celery_app"]


def __getattr__(name: str) -> Any:
    # The Celery app (``stepcare.celery``) loads on first use and when Django starts
    # (SchedulingConfig.ready), never on ``import stepcare``: the clinical core,
    # ``stepcare.measures``, must import without Django.
    if name == "celery_app":
        from stepcare.celery import app

        return app
    raise AttributeError(name)
