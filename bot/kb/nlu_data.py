"""Training examples for the `faq` intent, taken from the knowledge base's sample questions."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Mapping, Optional, Tuple

import yaml

from bot.kb.entries import Entry
from bot.language import LANGUAGES


def faq_training_data(entries: Mapping[str, Entry], exclude: Iterable[str] = ()) -> str:
    """Rasa NLU YAML with every sample question as an example of intent `faq`.

    ``exclude``: examples already in the hand-written data (lower-cased), which Rasa
    would reject as duplicates.
    """
    skip = {e.lower() for e in exclude}
    blocks = []
    for lang in LANGUAGES:
        seen = set()
        examples = []
        for entry_id in sorted(entries):
            for question in entries[entry_id].article(lang).questions:
                key = question.lower()
                if key in skip or key in seen:
                    continue
                seen.add(key)
                examples.append(question)
        if examples:
            blocks.append(
                {
                    "intent": "faq",
                    "metadata": {"language": lang},
                    "examples": "".join(f"- {q}\n" for q in examples),
                }
            )
    header = "# Generated from knowledge_base/ by bot/kb/nlu_data.py: do not edit.\n"
    return header + yaml.safe_dump(
        {"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False
    )


def nlu_examples(path: Path) -> Iterator[Tuple[str, Optional[str], Optional[str]]]:
    """(text, intent, language) of every example in a Rasa NLU YAML file.

    Intent is None for blocks without one (synonyms, lookups); language is the
    block's ``metadata.language``, None for language-neutral examples.
    """
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for block in content.get("nlu", []) or []:
        language = (block.get("metadata") or {}).get("language")
        for line in str(block.get("examples", "")).splitlines():
            if line.strip().startswith("- "):
                yield line.strip()[2:].strip(), block.get("intent"), language


def hand_written_examples(data_dir: Path) -> set:
    """Every example in the hand-written NLU files (lower-cased)."""
    return {
        text.lower()
        for path in sorted(data_dir.rglob("*.yml"))
        for text, _, _ in nlu_examples(path)
    }


def write_faq_training_data(project_dir: Path, kb_dir: Path, out: Path) -> Path:
    """Write the generated `faq` examples for ``kb_dir`` to ``out`` and return it."""
    from bot.kb.catalog import Catalog

    entries, _ = Catalog(kb_dir).load()
    text = faq_training_data(entries, hand_written_examples(project_dir / "data"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
