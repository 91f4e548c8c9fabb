"""Stepcare: case management and outcome monitoring for NHS Talking Therapies services."""

__version__ = "0.1.0"
