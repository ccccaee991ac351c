"""Fixtures of the channel tests: the in-process harness."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.channels.helpers import Harness


@pytest.fixture
def harness() -> Iterator[Harness]:
    """A stand-in gateway and the channel's event loop."""
    running = Harness()
    yield running
    running.stop()
