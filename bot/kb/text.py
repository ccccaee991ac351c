"""Text analysis for knowledge-base matching: words, stop words, stems, compounds, typos."""

from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

import snowballstemmer

SNOWBALL = {"en": "english", "de": "german", "da": "danish"}
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})
# German and Danish join compound parts with a linking element ("Bestellungsnummer",
# "ordrestatus"). These are the ones tried when splitting a compound.
LINKS = {"de": ("", "s", "es", "n", "en", "e"), "da": ("", "s", "e"), "en": ("",)}
MIN_PART = 4
MAX_REMEMBERED = 200_000  # entry texts whose analysis is kept across reloads


@functools.cache
def stop_words(lang: str) -> FrozenSet[str]:
    """SpaCy's stop-word list for ``lang``, read without importing spaCy (it pulls TensorFlow)."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or spec.origin is None:  # pragma: no cover - spaCy is a dependency
        return frozenset()
    path = Path(spec.origin).parent / "lang" / lang / "stop_words.py"
    namespace: Dict[str, object] = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # noqa: S102
    words = namespace.get("STOP_WORDS", set())
    assert isinstance(words, (set, frozenset))
    return frozenset(str(w).lower() for w in words)


def fold(word: str) -> str:
    """Lower-case, without accents: "Zurücksetzen" → "zurucksetzen", "kø" → "koe"."""
    word = word.lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> List[str]:
    """Lower-cased words; "e-mail" and "don't" become one word each."""
    return [re.sub(r"[-'’]", "", w.lower()) for w in _WORD.findall(text)]


class Analyzer:
    """Turns text in one language into index terms (folded snowball stems)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._stemmer = snowballstemmer.stemmer(SNOWBALL[lang])
        self._stops = stop_words(lang) | {fold(w) for w in stop_words(lang)}
        self._cache: Dict[str, str] = {}
        self._content: Dict[str, Tuple[str, ...]] = {}

    def stem(self, word: str) -> str:
        """The folded stem of one lower-case word."""
        stem = self._cache.get(word)
        if stem is None:
            stem = fold(self._stemmer.stemWord(word))
            if len(self._cache) < 200_000:
                self._cache[word] = stem
        return stem

    def content_words(self, text: str) -> List[str]:
        """The words of ``text`` that carry meaning (stop words removed)."""
        found = self._content.get(text)
        if found is not None:
            return list(found)
        return [w for w in words(text) if w not in self._stops and (len(w) > 1 or w.isdigit())]

    def remember(self, texts: Iterable[str]) -> None:
        """Keep the content words of ``texts`` (the entries' own, analysed at every reload).

        Customers' questions are never kept.
        """
        for text in texts:
            if text not in self._content and len(self._content) < MAX_REMEMBERED:
                self._content[text] = tuple(self.content_words(text))

    def terms(self, text: str) -> List[str]:
        """Stems of the content words of ``text``, in order (duplicates kept)."""
        return [self.stem(w) for w in self.content_words(text)]

    def words_and_stems(self, text: str) -> str:
        """The content words of ``text`` followed by their stems (for character n-grams)."""
        content = self.content_words(text)
        return " ".join(content + [self.stem(w) for w in content])

    def char_ngrams(self, text: str) -> List[str]:
        """Character 2-5-grams of the words and stems of ``text``, cached per word.

        The same n-grams as scikit-learn's ``char_wb`` analyzer, two to three times
        faster: the entries' texts share most of their words.
        """
        out: List[str] = []
        for word in self.words_and_stems(text).split():
            out.extend(_word_ngrams(word))
        return out

    def split_compound(self, word: str, known: Callable[[str], bool]) -> Optional[List[str]]:
        """Stems of the parts of a compound whose parts are all ``known``, or None.

        "passwortzurücksetzung" → ["passwort", "zurucksetz"] when both stems are known.
        The split with the fewest parts wins; parts are at least four letters.
        """
        if len(word) < 2 * MIN_PART or self.lang not in ("de", "da"):
            return None
        return self._split(word, known, depth=0)

    def _split(self, word: str, known: Callable[[str], bool], depth: int) -> Optional[List[str]]:
        if depth > 0:
            whole = self.stem(word)
            if known(whole):
                return [whole]
        if depth >= 2 or len(word) < 2 * MIN_PART:
            return None
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            for link in LINKS[self.lang]:
                if link and not head.endswith(link):
                    continue
                base = head[: len(head) - len(link)] if link else head
                if len(base) < MIN_PART - 1:
                    continue
                stem = self.stem(base)
                if not (known(stem) or known(base)):
                    continue
                rest = self._split(tail, known, depth + 1)
                if rest:
                    return [stem if known(stem) else base, *rest]
        return None


@functools.lru_cache(maxsize=200_000)
def _word_ngrams(word: str, low: int = 2, high: int = 5) -> Tuple[str, ...]:
    """scikit-learn's ``_char_wb_ngrams`` for one word: n-grams of " word "."""
    padded = f" {word} "
    grams: List[str] = []
    for n in range(low, high + 1):
        offset = 0
        grams.append(padded[offset : offset + n])
        while offset + n < len(padded):
            offset += 1
            grams.append(padded[offset : offset + n])
        if offset == 0:  # the word is shorter than n
            break
    return tuple(grams)


def deletes(term: str) -> Set[str]:
    """The term with one letter left out, every way (for typo lookup, SymSpell style)."""
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


class TypoIndex:
    """Finds known terms one edit away (insert, delete, substitute, swap) from a word."""

    def __init__(self, vocabulary: Iterable[str], min_length: int = 5) -> None:
        self.min_length = min_length
        self._by_delete: Dict[str, Set[str]] = {}
        for term in vocabulary:
            if len(term) < min_length or term.isdigit():
                continue
            for variant in deletes(term) | {term}:
                self._by_delete.setdefault(variant, set()).add(term)

    def corrections(self, term: str) -> Set[str]:
        """Known terms within one edit of ``term`` (empty for short or digit terms)."""
        if len(term) < self.min_length or term.isdigit():
            return set()
        found: Set[str] = set()
        for variant in deletes(term) | {term}:
            found |= self._by_delete.get(variant, set())
        found.discard(term)
        return found


@functools.cache
def analyzer(lang: str) -> Analyzer:
    """A shared analyzer per language (it caches stems)."""
    return Analyzer(lang)
