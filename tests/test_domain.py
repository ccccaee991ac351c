"""The domain and training data are complete in all three languages."""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, Set

import yaml

from bot.config import PROJECT_DIR
from bot.kb.catalog import Catalog
from bot.kb.nlu_data import faq_training_data
from bot.language import LANGUAGES


def test_every_response_exists_in_every_language() -> None:
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
    for name, variations in domain["responses"].items():
        languages = []
        for v in variations:
            conditions = [c for c in v.get("condition", []) if c["name"] == "language"]
            languages.append(conditions[0]["value"] if conditions else "en")
            assert v.get("text", "").strip(), f"{name}: empty text"
        assert sorted(languages) == sorted(LANGUAGES), f"{name} has {languages}"


# Intents only ever sent as payloads (by buttons or the gateway), never typed.
PAYLOAD_ONLY = {"handoff_resolved", "handoff_returned", "csat_rate", "csat_skip"}


def test_payload_only_intents_are_reached_by_buttons_or_the_gateway() -> None:
    domain = (PROJECT_DIR / "domain.yml").read_text()
    gateway = (PROJECT_DIR / "bot" / "gateway" / "app.py").read_text()
    api = (PROJECT_DIR / "handoff" / "api.py").read_text()
    for intent in PAYLOAD_ONLY:
        assert f"/{intent}" in domain or f'"{intent}"' in gateway + api, intent


def test_every_intent_has_examples_in_every_language() -> None:
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
    counts: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    entries, _ = Catalog(PROJECT_DIR / "knowledge_base").load()
    generated = yaml.safe_load(faq_training_data(entries))  # the `faq` intent's examples
    files = [yaml.safe_load(p.read_text()) for p in (PROJECT_DIR / "data" / "nlu").rglob("*.yml")]
    for content in [*files, generated]:
        for block in content.get("nlu", []):
            if "intent" not in block:
                continue
            lang = (block.get("metadata") or {}).get("language")
            examples = [x for x in block["examples"].splitlines() if x.strip().startswith("- ")]
            counts[block["intent"]][lang or "neutral"] += len(examples)
    for intent in domain["intents"]:
        if intent in PAYLOAD_ONLY:
            continue
        for lang in LANGUAGES:
            assert counts[intent][lang] >= 20, (
                f"{intent} has {counts[intent][lang]} {lang} examples"
            )


def test_language_files_are_labelled_with_their_folder_language() -> None:
    for lang in LANGUAGES:
        for path in (PROJECT_DIR / "data" / "nlu" / lang).rglob("*.yml"):
            for block in yaml.safe_load(path.read_text()).get("nlu", []):
                labelled: Set[str] = {(block.get("metadata") or {}).get("language")}
                assert labelled == {lang}, (
                    f"{path}: block {block.get('intent')} is labelled {labelled}"
                )
