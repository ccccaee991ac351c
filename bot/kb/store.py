"""The knowledge base the bot answers from: the files, their index, and live reloading."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot.kb.catalog import Catalog
from bot.kb.entries import Entry, Problem, entry_files
from bot.kb.index import Hit, Index
from bot.kb.text import analyzer

log = logging.getLogger(__name__)

# What the bot does with a question, by the best entry's score (0-1) and its lead.
ANSWER_SCORE = 0.5  # at least this, and clearly ahead of the next entry: answer
# The same with the re-ranker, whose probabilities lift scores. 0.55 until the entries'
# more questions lifted them further; on the development off-topic sets 0.6 answers
# 0-2 % instead of up to 3 % (scripts/kb-dev-eval), and about a tenth of the questions
# get a clarifying question with the right entry instead of a straight answer.
RANKED_ANSWER_SCORE = 0.6
ANSWER_MARGIN = 0.08  # ... "clearly ahead" means by this much
CLARIFY_SCORE = 0.3  # at least this: ask which of the closest entries is meant
SHORT_RATIO = 0.5  # a one-word question is ambiguous if the runner-up scores this much of the best
# Answer only when at least this share of the question (by word weight) is in the entries'
# words; otherwise ask. Off-topic questions in the shop's words ("reset my router
# password") stay below it, real questions rarely do.
ANSWER_COVERAGE = 0.8
POLL_SECONDS = 0.25
# After a reload, the re-ranker is trained this many seconds later (see _train_rankers).
RANK_DELAY = 1.0


@dataclasses.dataclass(frozen=True)
class Decision:
    """What to do with a question: ``answer``, ``clarify`` or ``none`` (nothing close)."""

    kind: str
    hits: Tuple[Hit, ...] = ()

    @property
    def entry_id(self) -> Optional[str]:
        """The entry to answer with (for ``answer``)."""
        return self.hits[0].entry_id if self.kind == "answer" and self.hits else None


def decide(
    hits: List[Hit], ranked: bool = False, short: bool = False, coverage: float = 1.0
) -> Decision:
    """Answer, clarify or give up, from ranked hits (the thresholds above).

    ``ranked``: the scores come with the re-ranker (a higher answer threshold).
    ``short``: the question is a single word ("cancel"), which only gets an answer
    when no other entry comes close (the runner-up scores under half the best).
    ``coverage``: the share of the question in the entries' words; a question mostly
    about other things gets a clarifying question, never a straight answer.
    """
    if not hits or hits[0].score < CLARIFY_SCORE:
        return Decision("none", tuple(hits[:3]))
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    lead = hits[0].score - runner_up
    if short and runner_up >= SHORT_RATIO * hits[0].score:
        lead = 0.0
    answer_score = RANKED_ANSWER_SCORE if ranked else ANSWER_SCORE
    if hits[0].score >= answer_score and lead >= ANSWER_MARGIN and coverage >= ANSWER_COVERAGE:
        return Decision("answer", (hits[0],))
    close = [h for h in hits[:3] if h.score >= CLARIFY_SCORE and hits[0].score - h.score < 0.15]
    if len(close) < 2:
        close = hits[:2]
    return Decision("clarify", tuple(close))


def decide_question(index: Index, text: str, lang: str) -> Decision:
    """What to do with one question, searched in ``index``."""
    hits, coverage = index.lookup(text, lang, limit=3)
    return decide(
        hits,
        ranked=index.ranked,
        short=len(analyzer(lang).content_words(text)) <= 1,
        coverage=coverage,
    )


def _same_entries(a: Mapping[str, Entry], b: Mapping[str, Entry]) -> bool:
    """Whether two sets of entries are the very same objects (the catalog reuses them)."""
    return a.keys() == b.keys() and all(a[k] is b[k] for k in a)


def _signature(directory: Path) -> Tuple[Tuple[str, int, int], ...]:
    out = []
    for path in entry_files(directory):
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(out)


class KnowledgeBase:
    """Entries from a directory, searchable, reloaded within a second of any file change.

    ``reload()`` reads the files again; ``start_watching()`` does that in a thread
    whenever a file is added, changed or deleted. A broken file is reported in
    ``problems`` (and in the status file) and its last good version keeps serving.
    """

    def __init__(
        self, directory: Path, status_file: Optional[Path] = None, rank: bool = True
    ) -> None:
        self.directory = directory
        self.status_file = status_file
        self._catalog = Catalog(directory)
        self._lock = threading.Lock()
        self._index: Optional[Index] = None
        self._signature: Tuple[Tuple[str, int, int], ...] = ()
        self.problems: List[Problem] = []
        self.loaded_at = 0.0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._rank = rank
        self._ranking: Optional[threading.Thread] = None
        self.reload()
        self.wait_ranked()  # the first answers already use the re-ranker

    # ------------------------------------------------------------- loading
    def reload(self) -> bool:
        """Re-read the files if they changed. Returns whether anything changed."""
        signature = _signature(self.directory)
        if self._index is not None and signature == self._signature:
            return False
        started = time.perf_counter()
        entries, problems = self._catalog.load()
        current = self._index
        first = current is None
        if current is not None and _same_entries(current.entries, entries):
            # Nothing to re-index (a broken save keeps the last good version of its
            # entry): report the problems at once.
            with self._lock:
                self._signature = signature
                self.problems = problems
            self._report(problems, len(entries), started)
            return True
        index = Index(entries)
        with self._lock:
            # The old index is not closed: a search may still be using it. Its in-memory
            # database goes when the last reference does.
            self._index = index
            self._signature = signature
            self.problems = problems
            self.loaded_at = time.time()
        if self._rank:
            # The new entries are live now; the re-ranker follows a moment later.
            self._ranking = threading.Thread(
                target=self._train_rankers,
                args=(index, 0.0 if first else RANK_DELAY),
                name="kb-rank",
                daemon=True,
            )
            self._ranking.start()
        self._report(problems, len(entries), started)
        return True

    def _report(self, problems: List[Problem], entries: int, started: float) -> None:
        for problem in problems:
            (log.error if problem.severity == "error" else log.warning)(
                "knowledge base: %s", problem
            )
        log.info(
            "knowledge base: %d entries from %s in %.0f ms",
            entries,
            self.directory,
            (time.perf_counter() - started) * 1000,
        )
        self._write_status()

    def _train_rankers(self, index: Index, delay: float) -> None:
        # Wait a moment first: a support lead who saves again within it (or a burst of
        # edits) replaces this index, and then there is nothing to train.
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            if index is not self._index:
                return
            time.sleep(0.05)
        started = time.perf_counter()
        try:
            # A newer reload makes this training moot: stop it, so that it does not
            # compete with that reload for the interpreter (edits in quick succession).
            trained = index.train_rankers(cancelled=lambda: index is not self._index)
        except Exception:  # the index keeps serving without it
            log.exception("knowledge base: training the re-ranker failed")
            return
        if trained:
            log.info(
                "knowledge base: re-ranker trained in %.0f ms",
                (time.perf_counter() - started) * 1000,
            )
            if index is self._index:
                self._write_status()  # /health shows the re-ranker in use

    def wait_ranked(self, timeout: Optional[float] = None) -> None:
        """Wait until the current index's re-ranker is trained (or was skipped)."""
        if self._ranking is not None:
            self._ranking.join(timeout)

    def _write_status(self) -> None:
        if self.status_file is None:
            return
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.status_file.with_suffix(f".{threading.get_ident()}.tmp")  # per writer thread
        tmp.write_text(json.dumps(self.status()), encoding="utf-8")
        os.replace(tmp, self.status_file)

    def status(self) -> Dict[str, Any]:
        """Entries in force and problems, for /health and the logs."""
        errors = [p for p in self.problems if p.severity == "error"]
        return {
            "status": "degraded" if errors else "ok",
            "entries": len(self.entries),
            "directory": str(self.directory),
            "loaded_at": self.loaded_at,
            "reranker": self._index is not None and self._index.ranked,
            "problems": [p.as_dict() for p in self.problems],
        }

    def start_watching(self, interval: float = POLL_SECONDS) -> None:
        """Reload in a background thread whenever the files change."""
        if self._thread is not None:
            return

        def watch() -> None:
            while not self._stop.wait(interval):
                try:
                    self.reload()
                except Exception:  # keep watching: the last good index keeps serving
                    log.exception("knowledge base: reload failed; still serving the last index")

        self._thread = threading.Thread(target=watch, name="kb-watch", daemon=True)
        self._thread.start()

    def stop_watching(self) -> None:
        """Stop the reload thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # ------------------------------------------------------------- reading
    @property
    def entries(self) -> Dict[str, Entry]:
        """The entries in force, by id."""
        index = self._index
        return index.entries if index is not None else {}

    def get(self, entry_id: str) -> Optional[Entry]:
        """One entry, or None when it does not exist (any more)."""
        return self.entries.get(entry_id)

    def search(self, text: str, lang: str, limit: int = 3) -> List[Hit]:
        """Entries matching ``text`` in ``lang``, best first."""
        return self._current().search(text, lang, limit)

    def _current(self) -> Index:
        with self._lock:
            assert self._index is not None
            return self._index

    def decide(self, text: str, lang: str) -> Decision:
        """Answer, clarify or nothing close, for one question."""
        return decide_question(self._current(), text, lang)

    def related(self, entry_id: str) -> List[Entry]:
        """The entry's related entries that exist."""
        entry = self.get(entry_id)
        if entry is None:
            return []
        return [e for e in (self.get(r) for r in entry.related) if e is not None]
