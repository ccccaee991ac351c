"""Train the Rasa model only when its inputs changed (fingerprint cache)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, List, Optional

from bot.kb.nlu_data import write_faq_training_data

# Everything that changes what `rasa train` produces.
FINGERPRINT_GLOBS = (
    "config.yml",
    "domain.yml",
    "data/**/*.yml",
    "bot/language.py",
    "bot/nlu/*.py",
    "bot/policies/*.py",
    "bot/spacy_lang.py",
    # The knowledge base's sample questions train the `faq` intent (bot/kb/nlu_data.py).
    "knowledge_base/**/*.yml",
    "bot/kb/nlu_data.py",
)


class TrainingFailed(RuntimeError):
    """`rasa train` exited with an error."""


def training_inputs(project_dir: Path) -> List[Path]:
    """The files whose content makes up the fingerprint, in a stable order."""
    files: set = set()
    for pattern in FINGERPRINT_GLOBS:
        files.update(p for p in project_dir.glob(pattern) if p.is_file())
    return sorted(files)


def fingerprint(project_dir: Path) -> str:
    """A short hash of the training inputs and the Rasa version."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"rasa=={version('rasa')}\n".encode())
    for path in training_inputs(project_dir):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(project_dir: Path, models_dir: Path) -> Path:
    """Where the model for the current training inputs lives."""
    return models_dir / f"alpha-{fingerprint(project_dir)}.tar.gz"


@contextlib.contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    """Only one training at a time per models directory (run and tests share it)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rasa_env(extra: Optional[dict] = None) -> dict:
    """Environment for Rasa processes: offline, quiet TensorFlow."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.update(extra or {})
    return env


def training_env() -> dict:
    """Environment for `rasa train`: Rasa's own training cache switched off.

    Rasa caches component outputs by config and input data, not by code, so a
    change to a custom component (bot/nlu/) could be trained against stale,
    cached outputs of the old code. Our fingerprint decides when to train, and a
    full training takes seconds.
    """
    return rasa_env({"RASA_MAX_CACHE_SIZE": "0"})


def ensure_model(
    project_dir: Path, models_dir: Path, force: bool = False, quiet: bool = False
) -> Path:
    """Return the model for the current inputs, training it first if needed."""
    target = model_path(project_dir, models_dir)
    with _exclusive(models_dir / ".train.lock"):
        if target.exists() and not force:
            if not quiet:
                print(f"model up to date: {target}", flush=True)
            return target
        if not quiet:
            print(f"training {target.name} (training data or config changed) ...", flush=True)
        started = time.monotonic()
        faq = write_faq_training_data(
            project_dir, project_dir / "knowledge_base", models_dir / ".build" / "faq.yml"
        )
        cmd = [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            str(faq),
            "--out",
            str(models_dir),
            "--fixed-model-name",
            target.name[: -len(".tar.gz")],
        ]
        proc = subprocess.run(
            cmd,
            cwd=project_dir,
            env=training_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if proc.returncode != 0 or not target.exists():
            tail = "\n".join(proc.stdout.splitlines()[-40:])
            raise TrainingFailed(f"rasa train failed (exit {proc.returncode}):\n{tail}")
        for old in models_dir.glob("alpha-*.tar.gz"):
            if old != target:
                old.unlink()
        if not quiet:
            print(f"trained in {time.monotonic() - started:.0f} s", flush=True)
        return target
