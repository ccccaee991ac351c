"""`supportbot lint`: check the knowledge base, escalation files and Rasa data before committing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List, Optional, TextIO

from bot.kb.catalog import Catalog
from bot.kb.entries import Problem
from bot.kb.nlu_data import write_faq_training_data


def check_entries(kb_dir: Path) -> List[Problem]:
    """Every problem in the entry files, as a freshly started bot would see them."""
    if not kb_dir.is_dir():
        return [Problem(str(kb_dir), 1, "knowledge base directory not found")]
    entries, problems = Catalog(kb_dir).load()
    if not entries:
        problems.append(Problem(".", 1, "no usable entries"))
    return problems


def check_escalation(escalation_dir: Path) -> List[str]:
    """Problems in escalation/policy.yml and escalation/lexicons/<lang>.yml."""
    from bot.signals.conversation import EscalationConfig, PolicyConfigError
    from bot.signals.detector import Detector
    from bot.signals.lexicon import LexiconError

    problems = []
    try:
        EscalationConfig.from_file(escalation_dir / "policy.yml")
    except PolicyConfigError as exc:
        problems.append(str(exc))
    try:
        Detector.from_directory(escalation_dir / "lexicons")
    except LexiconError as exc:
        problems.append(str(exc))
    return problems


def check_handoff(config_file: Path) -> List[str]:
    """Problems in handoff/config.yml (opening hours, availability, stakes)."""
    from handoff.config import HandoffConfig, HandoffConfigError

    try:
        HandoffConfig.from_file(config_file)
    except HandoffConfigError as exc:
        return [str(exc)]
    return []


def validate_rasa_data(project_dir: Path, build_dir: Path) -> subprocess.CompletedProcess:
    """`rasa data validate` on the stories, rules, NLU data and the generated `faq` examples."""
    from bot.runtime.training import rasa_env

    faq = write_faq_training_data(
        project_dir, project_dir / "knowledge_base", build_dir / "faq.yml"
    )
    cmd = [
        sys.executable, "-m", "rasa", "data", "validate",
        "--domain", "domain.yml", "--config", "config.yml",
        "--data", "data", str(faq), "--fail-on-warnings",
    ]  # fmt: skip
    return subprocess.run(
        cmd, cwd=project_dir, env=rasa_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


def lint(
    project_dir: Path,
    kb_dir: Path,
    build_dir: Path,
    rasa: bool = True,
    out: TextIO = sys.stdout,
    escalation_dir: Optional[Path] = None,
    handoff_config: Optional[Path] = None,
) -> int:
    """Print problems as ``file:line: severity: message``; 1 when any is an error."""
    problems = check_entries(kb_dir)
    for problem in problems:
        print(f"{kb_dir.name}/{problem}" if kb_dir.is_dir() else str(problem), file=out)
    errors = sum(p.severity == "error" for p in problems)
    print(f"knowledge base: {errors} error(s), {len(problems) - errors} warning(s)", file=out)
    failed = errors > 0
    escalation = check_escalation(escalation_dir or project_dir / "escalation")
    for message in escalation:
        print(f"{message}: error", file=out)
    print(f"escalation rules and lexicons: {len(escalation)} error(s)", file=out)
    failed = failed or bool(escalation)
    handoff = check_handoff(handoff_config or project_dir / "handoff" / "config.yml")
    for message in handoff:
        print(f"{message}: error", file=out)
    print(f"handoff settings: {len(handoff)} error(s)", file=out)
    failed = failed or bool(handoff)
    if rasa:
        proc = validate_rasa_data(project_dir, build_dir)
        lines = [
            line for line in proc.stdout.splitlines()
            if any(w in line for w in ("WARNING", "ERROR", "UserWarning", "Error", "- "))
        ]  # fmt: skip
        if proc.returncode != 0:
            print("\n".join(lines[-40:]) or proc.stdout[-4000:], file=out)
            print("rasa data validate: failed", file=out)
            failed = True
        else:
            print("rasa data validate: ok", file=out)
    return 1 if failed else 0
