"""scripts/find-python310: finds a 3.10 interpreter, or says plainly what to install."""

from __future__ import annotations

import os
import subprocess

from bot.config import PROJECT_DIR

SCRIPT = str(PROJECT_DIR / "scripts" / "find-python310")


def run(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT], env=env, capture_output=True, text=True, timeout=60)


def test_finds_a_working_python_310() -> None:
    proc = run(dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    version = subprocess.run([proc.stdout.strip(), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("Python 3.10"), version


def test_explains_what_to_install_when_there_is_none(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    proc = run(env)
    if proc.returncode == 0 and proc.stdout.strip().startswith(("/usr/bin", "/usr/local/bin")):
        return  # this machine has a system Python 3.10: nothing to explain
    assert proc.returncode == 1
    assert "Python 3.10 is required" in proc.stderr
    assert "pyenv install 3.10" in proc.stderr and "PYTHON310=" in proc.stderr


def test_rejects_a_wrong_explicit_interpreter(tmp_path) -> None:
    proc = run({**os.environ, "PYTHON310": "/bin/true-not-python"})
    assert proc.returncode == 1 and "not a working Python 3.10" in proc.stderr
