"""The compact lemma tables answer exactly like spaCy's, from a cache built once."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from spacy.lookups import load_lookups

from bot import spacy_lang
from bot.language import LANGUAGES
from bot.spacy_lang import LemmaTable, lemma_table

# forms spaCy knows and forms it does not, upper and lower case
PROBES = ["Konten", "konten", "gesperrt", "adgangskoder", "kontoen", "forgot", "Passwords"]
PROBES += ["xyzzyplonk", "Xyzzyplonk", "", "æøå", "straße", "ünïcödé-wört"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_answer_is_spacys(lang: str) -> None:
    spacy_table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
    ours = LemmaTable.from_spacy(spacy_table)
    assert len(ours) == len(spacy_table)
    hashes = random.Random(lang).sample(sorted(spacy_table), 5000)
    for key in hashes:  # by hash: spaCy's own keys, so every one is a hit
        assert ours.get_by_hash(key) == spacy_table[key]
    for word in PROBES:
        assert ours.get(word) == spacy_table.get(word), word


def test_it_is_built_once_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(spacy_lang.CACHE_ENV, str(tmp_path))
    built = lemma_table("da")
    [cached] = tmp_path.glob("lemma_lookup-da-*.npz")
    assert cached.stat().st_size < 20_000_000  # spaCy's dict holds ~163 MB for Danish

    def no_rebuild(*args: object, **kwargs: object) -> None:
        raise AssertionError("rebuilt although the cache exists")

    monkeypatch.setattr("spacy.lookups.load_lookups", no_rebuild)
    loaded = lemma_table("da")
    assert loaded is not built and len(loaded) == len(built)
    assert loaded.get("adgangskoder") == "adgangskode"


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(spacy_lang.CACHE_ENV, str(tmp_path))
    lemma_table("en")
    [cached] = tmp_path.glob("lemma_lookup-en-*.npz")
    cached.write_bytes(b"half a file")
    assert lemma_table("en").get("passwords") == "password"
    assert LemmaTable.load(cached).get("passwords") == "password"  # rewritten


def test_an_unwritable_cache_still_gives_lemmas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    monkeypatch.setenv(spacy_lang.CACHE_ENV, str(blocked / "cache"))
    assert lemma_table("en").get("forgot") == "forget"
