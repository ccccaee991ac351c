"""Writing knowledge-base entry files in tests."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import yaml


def entry_text(
    entry_id: str,
    team: str = "general",
    questions: Optional[Dict[str, List[str]]] = None,
    related: Optional[List[str]] = None,
    answer: str = "Do this.",
    title: str = "",
    more_questions: Optional[Dict[str, List[str]]] = None,
) -> str:
    """A valid entry file's text; ``questions`` per language default to distinct ones."""
    data: Dict[str, object] = {"id": entry_id, "team": team}
    if related:
        data["related"] = related
    for lang in ("en", "de", "da"):
        qs = (questions or {}).get(lang) or [f"{entry_id} {lang} question {i}" for i in range(5)]
        data[lang] = {
            "title": title or f"{entry_id} ({lang})",
            "answer": f"{answer} ({lang})",
            "questions": qs,
        }
        if more_questions and lang in more_questions:
            data[lang]["more_questions"] = more_questions[lang]  # type: ignore[index]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_entry(directory: Path, entry_id: str, **kwargs: object) -> Path:
    """Write ``<directory>/<entry_id>.yml``."""
    path = directory / f"{entry_id}.yml"
    path.write_text(entry_text(entry_id, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path


def until(seconds: float, check: Callable[[], Any]) -> Any:
    """Poll ``check`` until it returns something truthy or ``seconds`` pass; its last value."""
    deadline = time.monotonic() + seconds
    result = check()
    while not result and time.monotonic() < deadline:
        time.sleep(0.05)
        result = check()
    return result
