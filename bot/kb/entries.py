"""Knowledge-base entries: one YAML file each, parsed and checked with file and line."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import yaml

from bot.language import LANGUAGES

TEAMS = ("account", "billing", "orders", "technical", "general")
MIN_QUESTIONS, MAX_QUESTIONS = 5, 10


@dataclasses.dataclass(frozen=True)
class Problem:
    """Something wrong with an entry file, where it is and what it is."""

    file: str
    line: int
    message: str
    severity: str = "error"  # "error" rejects the entry; "warning" is only reported

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"

    def as_dict(self) -> Dict[str, Any]:
        """JSON form."""
        return dataclasses.asdict(self)


class EntryError(Exception):
    """An entry file that cannot be used, with the problems that say why."""

    def __init__(self, problems: List[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class Article:
    """One language's version of an entry."""

    title: str
    answer: str
    questions: Tuple[str, ...]
    keywords: Tuple[str, ...] = ()
    question_lines: Tuple[int, ...] = ()
    # Further ways customers have asked this, any number: they teach the matcher (the
    # index and the re-ranker) and are checked like sample questions.
    more_questions: Tuple[str, ...] = ()
    more_question_lines: Tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class Entry:
    """A knowledge-base entry as support leads write it."""

    id: str
    team: str
    articles: Mapping[str, Article]
    related: Tuple[str, ...] = ()
    file: str = ""
    line: int = 1
    related_line: int = 1

    def article(self, lang: str) -> Article:
        """The article in ``lang`` (every entry has all languages)."""
        return self.articles[lang]

    def sample_questions(self) -> Iterator[Tuple[str, str, int]]:
        """Every sample question, more questions included, as (language, question, line)."""
        for lang, article in self.articles.items():
            for question, line in zip(article.questions, article.question_lines, strict=True):
                yield lang, question, line
            for question, line in zip(
                article.more_questions, article.more_question_lines, strict=True
            ):
                yield lang, question, line


# ------------------------------------------------------------------- parsing
class _Node:
    """A YAML value with the line it starts on (1-based)."""

    __slots__ = ("value", "line")

    def __init__(self, value: Any, line: int) -> None:
        self.value = value
        self.line = line


def _convert(node: yaml.Node, loader: yaml.SafeLoader) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: Dict[Any, _Node] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            out[key] = _convert(value_node, loader)
        return _Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_convert(item, loader) for item in node.value], line)
    return _Node(loader.construct_object(node, deep=True), line)


def _compose(text: str) -> Optional[_Node]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _convert(node, loader)
    finally:
        loader.dispose()


def _text(node: Optional[_Node], where: str, file: str, line: int, problems: List[Problem]) -> str:
    if node is None:
        problems.append(Problem(file, line, f"{where} is missing"))
        return ""
    if not isinstance(node.value, str) or not node.value.strip():
        problems.append(Problem(file, node.line, f"{where} must be non-empty text"))
        return ""
    return node.value.strip()


def _strings(
    node: Optional[_Node], where: str, file: str, problems: List[Problem]
) -> List[Tuple[str, int]]:
    if node is None:
        return []
    if not isinstance(node.value, list):
        problems.append(Problem(file, node.line, f"{where} must be a list"))
        return []
    out = []
    for item in node.value:
        if isinstance(item.value, (str, int, float)) and str(item.value).strip():
            out.append((str(item.value).strip(), item.line))
        else:
            problems.append(Problem(file, item.line, f"{where}: each item must be non-empty text"))
    return out


def parse_entry(text: str, file: str) -> Tuple[Optional[Entry], List[Problem]]:
    """Parse one entry file's text. Returns the entry (None when broken) and its problems."""
    try:
        root = _compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(file, line, f"invalid YAML: {reason}")]
    if root is None or not isinstance(root.value, dict):
        return None, [
            Problem(file, 1, "an entry must be a YAML mapping with id, team and languages")
        ]
    fields: Dict[Any, _Node] = root.value
    problems: List[Problem] = []

    entry_id = _text(fields.get("id"), "id", file, 1, problems)
    if entry_id and (entry_id != entry_id.lower() or " " in entry_id):
        problems.append(Problem(file, fields["id"].line, "id must be lower-case-with-dashes"))
    team = _text(fields.get("team"), "team", file, 1, problems)
    if team and team not in TEAMS:
        problems.append(
            Problem(file, fields["team"].line, f"team {team!r} is not one of {', '.join(TEAMS)}")
        )
    related_node = fields.get("related")
    related = [r for r, _ in _strings(related_node, "related", file, problems)]

    articles: Dict[str, Article] = {}
    for lang in LANGUAGES:
        node = fields.get(lang)
        if node is None:
            problems.append(Problem(file, 1, f"language {lang!r} is missing"))
            continue
        if not isinstance(node.value, dict):
            problems.append(Problem(file, node.line, f"{lang}: must be a mapping"))
            continue
        block: Dict[Any, _Node] = node.value
        title = _text(block.get("title"), f"{lang}.title", file, node.line, problems)
        answer = _text(block.get("answer"), f"{lang}.answer", file, node.line, problems)
        questions = _strings(block.get("questions"), f"{lang}.questions", file, problems)
        if not questions:
            problems.append(Problem(file, node.line, f"{lang}.questions: no sample questions"))
        elif not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
            problems.append(
                Problem(
                    file,
                    block["questions"].line,
                    f"{lang}.questions: {len(questions)} sample questions, "
                    f"write {MIN_QUESTIONS}-{MAX_QUESTIONS}",
                    severity="warning",
                )
            )
        seen: Dict[str, int] = {}
        for q, line in questions:
            key = " ".join(q.lower().split())
            if key in seen:
                problems.append(
                    Problem(file, line, f"{lang}: sample question repeats line {seen[key]}: {q!r}")
                )
            seen.setdefault(key, line)
        more = _strings(block.get("more_questions"), f"{lang}.more_questions", file, problems)
        for q, line in more:
            key = " ".join(q.lower().split())
            if key in seen:
                # harmless for matching, so only reported: the entry keeps serving
                problems.append(
                    Problem(
                        file, line, f"{lang}: question repeats line {seen[key]}: {q!r}", "warning"
                    )
                )
            seen.setdefault(key, line)
        keywords = _strings(block.get("keywords"), f"{lang}.keywords", file, problems)
        articles[lang] = Article(
            title=title,
            answer=answer,
            questions=tuple(q for q, _ in questions),
            keywords=tuple(k for k, _ in keywords),
            question_lines=tuple(line for _, line in questions),
            more_questions=tuple(q for q, _ in more),
            more_question_lines=tuple(line for _, line in more),
        )
    unknown = sorted(str(k) for k in fields if k not in {"id", "team", "related", *LANGUAGES})
    for key in unknown:
        problems.append(
            Problem(file, fields[key].line, f"unknown field {key!r}", severity="warning")
        )
    if any(p.severity == "error" for p in problems):
        return None, problems
    entry = Entry(
        id=entry_id,
        team=team,
        articles=articles,
        related=tuple(related),
        file=file,
        line=fields["id"].line,
        related_line=related_node.line if related_node is not None else 1,
    )
    return entry, problems


def load_entry(path: Path, root: Optional[Path] = None) -> Tuple[Optional[Entry], List[Problem]]:
    """Read and parse one entry file; the file name in problems is relative to ``root``."""
    name = str(path.relative_to(root)) if root is not None else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(name, 1, f"not UTF-8 text: {exc.reason}")]
    except OSError as exc:
        return None, [Problem(name, 1, f"cannot read: {exc.strerror}")]
    return parse_entry(text, name)


def entry_files(directory: Path) -> List[Path]:
    """The entry files under ``directory``: every ``*.yml`` or ``*.yaml``, dotfiles aside."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.rglob("*")
        if p.suffix in (".yml", ".yaml")
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )


def question_key(question: str) -> str:
    """How sample questions are compared for duplicates: case and spacing ignored."""
    return " ".join(question.lower().split()).rstrip("?!. ")
