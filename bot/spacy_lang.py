"""Blank spaCy tokenizers and lookup lemmas per language (no Rasa import, no downloads).

spaCy keeps a lemma lookup table as a dict of 64-bit string hashes to lemma strings.
For Danish (553,116 word forms) that is 163 MB of Python objects, for German
(355,354) 123 MB, and the three take about 4 s to load, in the Rasa process at every
start. ``LemmaTable`` holds the same mapping in four flat arrays (the sorted hashes,
each hash's lemma number, and the distinct lemmas as one UTF-8 blob with offsets):
about 10 MB for Danish, loaded in milliseconds from a cache file that the first use
(normally ``supportbot train``) writes. A lookup is a binary search and gives the same
answer as ``Table.get``.
"""

from __future__ import annotations

import functools
import os
import tempfile
from array import array
from bisect import bisect_left
from importlib.metadata import version
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

CACHE_ENV = "SUPPORTBOT_CACHE_DIR"


def cache_dir() -> Path:
    """Where derived files live: ``$SUPPORTBOT_CACHE_DIR``, else ``var/cache`` here."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "var" / "cache"


class LemmaTable:
    """A read-only word → lemma lookup with spaCy's keys (see the module doc)."""

    def __init__(self, keys: Any, ids: Any, offsets: Any, blob: bytes) -> None:
        self._keys = array("Q", bytes(keys))
        self._ids = array("I", bytes(ids))
        self._offsets = array("Q", bytes(offsets))
        self._blob = blob

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, word: str) -> Optional[str]:
        """The lemma of ``word`` as spaCy's ``Table.get`` finds it, else None."""
        from spacy.strings import get_string_id

        return self.get_by_hash(get_string_id(word))

    def get_by_hash(self, key: int) -> Optional[str]:
        """The lemma stored under spaCy's 64-bit hash ``key``, else None."""
        i = bisect_left(self._keys, key)
        if i == len(self._keys) or self._keys[i] != key:
            return None
        lemma = self._ids[i]
        return self._blob[self._offsets[lemma] : self._offsets[lemma + 1]].decode("utf-8")

    @classmethod
    def from_spacy(cls, table: Any) -> LemmaTable:
        """Flatten a spaCy ``Table`` (hash → lemma)."""
        import numpy as np

        items = sorted(table.items())
        numbers: Dict[str, int] = {}
        ids = np.fromiter(
            (numbers.setdefault(lemma, len(numbers)) for _, lemma in items),
            dtype=np.uint32,
            count=len(items),
        )
        encoded = [lemma.encode("utf-8") for lemma in numbers]  # in number order
        offsets = np.zeros(len(encoded) + 1, dtype=np.uint64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        keys = np.fromiter((k for k, _ in items), dtype=np.uint64, count=len(items))
        return cls(keys, ids, offsets, b"".join(encoded))

    def save(self, path: Path) -> None:
        """Write atomically, so processes starting together never read half a file."""
        import numpy as np

        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            np.savez(
                tmp,
                keys=np.frombuffer(self._keys, dtype=np.uint64),
                ids=np.frombuffer(self._ids, dtype=np.uint32),
                offsets=np.frombuffer(self._offsets, dtype=np.uint64),
                blob=np.frombuffer(self._blob, dtype=np.uint8),
            )
        os.chmod(tmp.name, 0o644)  # readable by a bot running as another user
        os.replace(tmp.name, path)

    @classmethod
    def load(cls, path: Path) -> LemmaTable:
        """Read a table that ``save`` wrote."""
        import numpy as np

        with np.load(path) as data:
            return cls(data["keys"], data["ids"], data["offsets"], data["blob"].tobytes())


def lemma_table(lang: str) -> LemmaTable:
    """The language's lemma table from the cache, built from spacy-lookups-data once."""
    path = cache_dir() / f"lemma_lookup-{lang}-{version('spacy-lookups-data')}.npz"
    try:
        return LemmaTable.load(path)
    except (OSError, ValueError, KeyError):
        pass  # not built yet, or unreadable: build it
    from spacy.lookups import load_lookups

    table = LemmaTable.from_spacy(load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup"))
    try:
        table.save(path)
    except OSError:
        pass  # a read-only checkout still works, it only rebuilds at each start
    return table


@functools.cache
def pipeline(lang: str) -> Tuple[Any, LemmaTable]:
    """A blank spaCy tokenizer and the language's lemma table."""
    import spacy

    return spacy.blank(lang).tokenizer, lemma_table(lang)


@functools.lru_cache(maxsize=100_000)
def lemmatize(word: str, table: LemmaTable) -> str:
    """Lower-cased lemma of a word; German nouns are looked up capitalised too."""
    lower = word.lower()
    for key in (word, lower, lower.capitalize()):
        lemma = table.get(key)
        if lemma:
            return lemma.lower()
    return lower
