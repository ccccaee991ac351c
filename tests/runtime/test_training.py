"""The training fingerprint (bot/runtime/training.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import PROJECT_DIR
from bot.runtime.training import ensure_model, fingerprint, model_path, training_inputs


def copy_project(tmp: Path) -> Path:
    root = tmp / "project"
    for rel in ["config.yml", "domain.yml", "data", "bot"]:
        src = PROJECT_DIR / rel
        if src.is_dir():
            shutil.copytree(src, root / rel, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, root / rel)
    return root


def test_inputs_cover_data_config_domain_and_components() -> None:
    names = {str(p.relative_to(PROJECT_DIR)) for p in training_inputs(PROJECT_DIR)}
    assert {"config.yml", "domain.yml", "bot/language.py", "bot/nlu/spacy_tokenizer.py"} <= names
    assert any(n.startswith("data/nlu/de/") for n in names)
    assert not any(n.startswith("bot/gateway/") for n in names)


def test_fingerprint_changes_only_with_training_inputs(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    before = fingerprint(root)
    assert fingerprint(root) == before
    (root / "README.md").write_text("not a training input")
    (root / "bot" / "gateway" / "app.py").write_text("# not a training input")
    assert fingerprint(root) == before
    nlu = root / "data" / "nlu" / "en" / "basics.yml"
    nlu.write_text(nlu.read_text() + "\n")
    assert fingerprint(root) != before


def test_an_existing_model_is_reused_without_training(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    models = tmp_path / "models"
    target = model_path(root, models)
    models.mkdir()
    target.write_bytes(b"cached")
    assert ensure_model(root, models, quiet=True) == target
    assert target.read_bytes() == b"cached"


def test_rasa_training_cache_is_off() -> None:
    """Rasa's cache keys on config and data, not code: a changed component must retrain."""
    from bot.runtime.training import training_env

    env = training_env()
    assert env["RASA_MAX_CACHE_SIZE"] == "0" and env["RASA_TELEMETRY_ENABLED"] == "false"
