"""Files support leads edit while the bot runs: re-read on change, keep the last good version."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable, Generic, Optional, Sequence, Tuple, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def stamp(paths: Sequence[Path]) -> Tuple[Optional[float], ...]:
    """Modification times of ``paths`` (None for a missing file)."""
    out: list[Optional[float]] = []
    for path in paths:
        try:
            out.append(path.stat().st_mtime_ns / 1e9)
        except OSError:
            out.append(None)
    return tuple(out)


class Watched(Generic[T]):
    """A value loaded from files, reloaded when they change (checked at most every second).

    ``load`` raises ``ValueError`` (or a subclass) for a broken edit; the last good
    value keeps serving and ``error`` says what is wrong. Until a first good load
    succeeds, ``fallback()`` is served (the constructor raises if there is none).
    """

    def __init__(
        self,
        paths: Callable[[], Sequence[Path]],
        load: Callable[[], T],
        fallback: Optional[Callable[[], T]] = None,
        check_every: float = 1.0,
    ) -> None:
        self._paths, self._load, self._fallback = paths, load, fallback
        self.check_every = check_every
        self.error: Optional[str] = None
        self._lock = threading.Lock()
        self._stamp: Optional[Tuple[Optional[float], ...]] = None
        self._checked = 0.0
        self._value: Optional[T] = None
        self._refresh(force=True)
        if self._value is None:
            if fallback is None:
                raise ValueError(self.error or "nothing loaded")
            self._value = fallback()

    def get(self) -> T:
        """The current value."""
        self._refresh()
        assert self._value is not None
        return self._value

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < self.check_every:
            return
        with self._lock:
            self._checked = now
            current = stamp(self._paths())
            if current == self._stamp and not force:
                return
            self._stamp = current
            try:
                self._value = self._load()
                self.error = None
            except ValueError as exc:
                self.error = str(exc)
                log.error("%s (keeping the last good version)", exc)
