import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_DIR
from tests.kb.helpers import write_entry


def lint(kb_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "lint", "--entries-only", "--kb-dir", str(kb_dir)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_lint_passes_on_good_entries(tmp_path: Path) -> None:
    write_entry(tmp_path, "one")
    write_entry(tmp_path, "two", related=["one"])
    result = lint(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "0 error(s)" in result.stdout


def test_lint_names_file_and_line_and_fails(tmp_path: Path) -> None:
    write_entry(tmp_path, "one", related=["ghost"])
    (tmp_path / "broken.yml").write_text("id: broken\nteam: general\nen: [oops\n")
    result = lint(tmp_path)
    assert result.returncode == 1
    out = result.stdout
    assert f"{tmp_path.name}/broken.yml:4: error: invalid YAML" in out or (
        f"{tmp_path.name}/broken.yml:3: error: invalid YAML" in out
    ), out
    line = (tmp_path / "one.yml").read_text().splitlines().index("- ghost") + 1
    assert f"{tmp_path.name}/one.yml:{line}: error: related entry not found: ghost" in out, out


def test_lint_checks_the_shipped_knowledge_base_and_rasa_data() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "lint"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "rasa data validate: ok" in result.stdout


def test_lint_reports_broken_escalation_files(tmp_path: Path) -> None:
    import os
    import shutil

    escalation = tmp_path / "escalation"
    shutil.copytree(PROJECT_DIR / "escalation", escalation)
    (escalation / "policy.yml").write_text("frustration:\n  threshold: high\n")
    (escalation / "lexicons" / "da.yml").write_text("frustration: [\n")
    (tmp_path / "kb").mkdir()
    write_entry(tmp_path / "kb", "one")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "lint", "--entries-only", "--kb-dir", str(tmp_path / "kb")],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SUPPORTBOT_ESCALATION_DIR": str(escalation)},
    )
    assert result.returncode == 1, result.stdout
    assert "policy.yml: frustration.threshold must be a number 0-1: error" in result.stdout
    assert "da.yml: not valid YAML" in result.stdout
    assert "escalation rules and lexicons: 2 error(s)" in result.stdout
