"""Test-only job kinds."""

from __future__ import annotations

import pytest

from academy.jobs.registry import KINDS, JobKind


@pytest.fixture(autouse=True)
def test_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, function in (("test-count", "count"), ("test-explode", "explode"), ("test-give-up", "give_up")):
        monkeypatch.setitem(KINDS, name, JobKind(name, f"tests.jobs.handlers:{function}", name))
