"""Recent keeps the most recently used entries up to its limit."""

from __future__ import annotations

import pytest

from bot.recent import Recent


def test_put_forgets_the_least_recently_used_beyond_the_limit() -> None:
    recent: Recent[str, int] = Recent(2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.touch("a") == 1  # "a" is now the most recent
    recent.put("c", 3)
    assert list(recent) == ["a", "c"]
    recent.put("a", 4)  # overwriting also makes it the most recent
    recent.put("d", 5)
    assert dict(recent) == {"a": 4, "d": 5}


def test_touching_an_absent_key_raises() -> None:
    with pytest.raises(KeyError):
        Recent[str, int](1).touch("x")
