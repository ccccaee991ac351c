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
