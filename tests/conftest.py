"""Shared test configuration: where the real graph files live."""

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Return the directory of real graph files; fail (never skip) when it is missing."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data directory {SHARED_DATA} is missing; the real-file tests need it")
    return SHARED_DATA
