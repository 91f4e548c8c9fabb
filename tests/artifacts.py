"""Where tests leave screenshots and documents for people to look at (git-ignored)."""

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
