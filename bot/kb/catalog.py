"""The set of entries in force: checks across entries, and the last good version of each file."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.kb.entries import Entry, Problem, entry_files, load_entry, question_key


class Catalog:
    """Loads ``knowledge_base/`` and keeps serving the last good version of a broken file.

    A file that fails to parse, or that clashes with other entries (a duplicate id, a
    sample question another entry already has, a related link to an unknown entry),
    is rejected with a :class:`Problem`, and its previous good version stays in force.
    When two entries clash, the one already in force wins over the one just edited.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._good: Dict[str, Entry] = {}
        self._parsed: Dict[str, Tuple[Tuple[int, int], Optional[Entry], List[Problem]]] = {}

    def load(self) -> Tuple[Dict[str, Entry], List[Problem]]:
        """Read every entry file; returns the entries in force by id and all problems."""
        problems: List[Problem] = []
        candidates: Dict[str, Entry] = {}
        for path in entry_files(self.directory):
            name = str(path.relative_to(self.directory))
            entry, found = self._parse(path, name)
            problems.extend(found)
            if entry is not None:
                candidates[name] = entry
            elif name in self._good:
                candidates[name] = self._good[name]
        problems.extend(self._resolve_clashes(candidates))
        self._good = candidates
        return {e.id: e for e in candidates.values()}, problems

    def _parse(self, path: Path, name: str) -> Tuple[Optional[Entry], List[Problem]]:
        try:
            stat = path.stat()
        except OSError:
            return None, []
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._parsed.get(name)
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        entry, problems = load_entry(path, self.directory)
        self._parsed[name] = (key, entry, problems)
        return entry, problems

    def _resolve_clashes(self, candidates: Dict[str, Entry]) -> List[Problem]:
        problems: List[Problem] = []

        def fresh(name: str) -> bool:
            return candidates[name] is not self._good.get(name)

        def reject(name: str, problem: Problem) -> None:
            problems.append(problem)
            previous = self._good.get(name)
            if previous is not None and previous is not candidates[name]:
                candidates[name] = previous
            else:
                del candidates[name]

        changed = True
        while changed:
            changed = False
            # Entries already in force first, then by file name: they win a clash.
            order = sorted(candidates, key=lambda n: (fresh(n), n))
            owner_of_id: Dict[str, str] = {}
            owner_of_question: Dict[Tuple[str, str], Tuple[str, int]] = {}
            for name in order:
                entry = candidates[name]
                other = owner_of_id.get(entry.id)
                if other is not None:
                    reject(name, Problem(name, entry.line, f"duplicate id {entry.id!r}: {other}"))
                    changed = True
                    break
                clash = self._question_clash(name, entry, owner_of_question)
                if clash is not None:
                    reject(name, clash)
                    changed = True
                    break
                owner_of_id[entry.id] = name
                for lang, q, line in entry.sample_questions():
                    owner_of_question.setdefault((lang, question_key(q)), (name, line))
            if changed:
                continue
            ids = {e.id for e in candidates.values()}
            for name in sorted(candidates):
                entry = candidates[name]
                unknown = [r for r in entry.related if r not in ids]
                if not unknown:
                    continue
                problem = Problem(
                    name, entry.related_line, f"related entry not found: {', '.join(unknown)}"
                )
                if fresh(name):
                    reject(name, problem)
                    changed = True
                    break
                problems.append(problem)  # the link's target went away: drop the link only
        return problems

    @staticmethod
    def _question_clash(
        name: str, entry: Entry, owners: Dict[Tuple[str, str], Tuple[str, int]]
    ) -> Optional[Problem]:
        for lang, q, line in entry.sample_questions():
            owner = owners.get((lang, question_key(q)))
            if owner is not None:
                return Problem(
                    name,
                    line,
                    f"sample question {q!r} ({lang}) is already in {owner[0]}:{owner[1]}",
                )
        return None
