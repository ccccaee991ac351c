"""The search index: SQLite FTS5 (via sqlite-utils) for candidates, TF-IDF cosine to rank them.

Each entry becomes several documents per language: its title, each sample question,
its keywords and its answer. Text is analysed per language (stop words, snowball
stems, accents folded, German and Danish compounds split into known parts). A query
is analysed the same way; a word the index does not know is replaced by known words
one typo away, or by the parts of a compound. FTS5 finds the candidate documents
fast, even at 10,000 entries; the candidates are ranked by cosine similarity of
IDF-weighted terms, and each entry scores its best document, blended with the
entry's text as a whole.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sqlite3
from collections import Counter, defaultdict
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sqlite_utils import Database

from bot.kb.entries import Entry
from bot.kb.text import TypoIndex, analyzer, words
from bot.language import LANGUAGES

# How much each kind of document counts when it is an entry's best match.
KIND_WEIGHT = {"title": 1.0, "question": 1.0, "keywords": 0.9, "answer": 0.75}
CANDIDATE_ROWS = 60
CANDIDATE_ENTRIES = 20
MATCH_TERMS = 4  # the rarest query terms used for the FTS lookup
SCORE_ALL_ENTRIES = 500  # up to this many entries, character scores cover all of them
# The final score blends the word-level score with the character n-gram score.
LEXICAL_WEIGHT = 0.5
TYPO_WEIGHT = 0.8
COMPOUND_WEIGHT = 0.9


@dataclasses.dataclass(frozen=True)
class Hit:
    """An entry that matches a question, with a score between 0 and 1."""

    entry_id: str
    score: float


@dataclasses.dataclass
class _Doc:
    entry_id: str
    kind: str
    vector: Dict[str, float]


class _LanguageIndex:
    """Documents, statistics and typo lookup for one language."""

    def __init__(self, db: Database, lang: str, entries: Iterable[Entry]) -> None:
        self.lang = lang
        self.analyzer = analyzer(lang)  # shared: its stem cache outlives rebuilds
        self.table = f"docs_{lang}"
        raw: List[Tuple[str, str, str, List[str], List[str]]] = []
        for entry in entries:
            article = entry.article(lang)
            texts = [("title", article.title)]
            texts += [("keywords", k) for k in article.keywords]
            texts += [("question", q) for q in article.questions]
            texts += [("answer", s) for s in _sentences(article.answer)]
            for kind, text in texts:
                content = self.analyzer.content_words(text)
                if content:
                    raw.append((entry.id, kind, text, content, self.analyzer.terms(text)))
        stems = {t for *_, terms in raw for t in terms}
        rows = []
        for entry_id, kind, text, content, terms in raw:
            extra: List[str] = []
            for word in content:
                parts = self.analyzer.split_compound(word, stems.__contains__)
                if parts:
                    extra.extend(p for p in parts if p not in terms)
            rows.append((entry_id, kind, text, terms + extra))
        df: Counter = Counter()
        for *_, terms in rows:
            df.update(set(terms))
        self.n_docs = max(len(rows), 1)
        self.idf = {t: math.log((self.n_docs + 1) / (n + 1)) + 1.0 for t, n in df.items()}
        self.max_idf = math.log(self.n_docs + 1) + 1.0
        self.typos = TypoIndex(self.idf)
        self.docs: Dict[int, _Doc] = {}
        self.entry_vectors: Dict[str, Dict[str, float]] = defaultdict(dict)
        db.table(self.table).insert_all(
            (
                {"id": i + 1, "entry_id": e, "kind": k, "text": t, "terms": " ".join(terms)}
                for i, (e, k, t, terms) in enumerate(rows)
            ),
            pk="id",
            batch_size=1000,
        )
        if rows:
            db.table(self.table).enable_fts(
                ["terms"], tokenize="unicode61 remove_diacritics 0", create_triggers=False
            )
        for i, (entry_id, kind, _, terms) in enumerate(rows):
            counts = Counter(terms)
            vector = {t: (1 + math.log(c)) * self.idf[t] for t, c in counts.items()}
            self.docs[i + 1] = _Doc(entry_id, kind, _normalised(vector))
            entry_vector = self.entry_vectors[entry_id]
            for t, w in vector.items():
                entry_vector[t] = entry_vector.get(t, 0.0) + w
        for entry_id, vector in self.entry_vectors.items():
            self.entry_vectors[entry_id] = _normalised(vector)
        self._build_char_model(rows)

    def _build_char_model(self, rows: List[Tuple[str, str, str, List[str]]]) -> None:
        """Character n-gram TF-IDF centroids per entry: robust to inflection and typos."""
        self.entry_ids: List[str] = sorted({entry_id for entry_id, *_ in rows})
        self.position: Dict[str, int] = {}
        self.vectorizer: Optional[TfidfVectorizer] = None
        if not rows:
            return
        self.vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            sublinear_tf=True,
            preprocessor=self._char_text,
            dtype=np.float32,
        )
        matrix = self.vectorizer.fit_transform([text for _, _, text, _ in rows])
        position = self.position = {entry_id: i for i, entry_id in enumerate(self.entry_ids)}
        owner = sparse.csr_matrix(
            (
                np.ones(len(rows), dtype=np.float32),
                ([position[entry_id] for entry_id, *_ in rows], np.arange(len(rows))),
            ),
            shape=(len(self.entry_ids), len(rows)),
        )
        self.centroids = normalize(owner @ matrix).tocsr()

    def _char_text(self, text: str) -> str:
        content = self.analyzer.content_words(text)
        return " ".join(content + [self.analyzer.stem(w) for w in content])

    def char_scores(self, text: str, candidates: Iterable[str] = ()) -> Dict[str, float]:
        """Cosine of the question with entries' character n-gram centroids (above 0).

        Small knowledge bases score every entry; large ones only the ``candidates``
        (the entries FTS found), which keeps a lookup fast at 10,000 entries.
        """
        if self.vectorizer is None:
            return {}
        query = self.vectorizer.transform([text]).T
        if len(self.entry_ids) <= SCORE_ALL_ENTRIES:
            rows = np.arange(len(self.entry_ids))
        else:
            rows = np.array(sorted({self.position[c] for c in candidates}), dtype=np.int64)
            if not len(rows):
                return {}
        sims = (self.centroids[rows] @ query).toarray().ravel()
        top = np.argsort(-sims)[:CANDIDATE_ENTRIES]
        return {self.entry_ids[rows[i]]: float(sims[i]) for i in top if sims[i] > 0}

    def query_vector(self, text: str) -> Dict[str, float]:
        """IDF weights of the question's terms; unknown words count against every entry."""
        vector: Dict[str, float] = {}

        def add(term: str, weight: float) -> None:
            vector[term] = max(vector.get(term, 0.0), weight)

        for word in self.analyzer.content_words(text):
            stem = self.analyzer.stem(word)
            if stem in self.idf:
                add(stem, self.idf[stem])
                continue
            parts = self.analyzer.split_compound(word, self.idf.__contains__)
            if parts:
                for part in parts:
                    add(part, self.idf.get(part, self.max_idf) * COMPOUND_WEIGHT)
                continue
            fixes = self.typos.corrections(stem) or self.typos.corrections(word)
            if fixes:
                for fix in fixes:
                    add(fix, self.idf[fix] * TYPO_WEIGHT)
                # The misspelt word itself still weighs a little: a guess is not a match.
                add("\x00" + stem, self.idf[max(fixes, key=self.idf.__getitem__)] * 0.35)
                continue
            add("\x00" + stem, self.max_idf)  # not in any entry: counts against all of them
        return vector

    def search(self, db: Database, text: str, limit: int) -> List[Hit]:
        """The best ``limit`` entries for ``text``, best first."""
        query = self.query_vector(text)
        known = [t for t in query if t in self.idf]
        rowids: List[int] = []
        if known:
            # Common terms slow FTS down and say little: look up by the rarest few terms,
            # and let the ranking step weigh all of them.
            selective = sorted(known, key=lambda t: -self.idf[t])[:MATCH_TERMS]
            match = " OR ".join('"' + t.replace('"', "") + '"' for t in selective)
            sql = (
                f"select rowid from [{self.table}_fts] where [{self.table}_fts] match ? "
                f"order by rank limit {CANDIDATE_ROWS}"
            )
            rowids = [r[0] for r in db.execute(sql, [match]).fetchall()]
        chars = self.char_scores(text, {self.docs[r].entry_id for r in rowids})
        q = _normalised(query)
        best: Dict[str, float] = {}
        for rowid in rowids:
            doc = self.docs[rowid]
            score = _dot(q, doc.vector) * KIND_WEIGHT[doc.kind]
            if score > best.get(doc.entry_id, 0.0):
                best[doc.entry_id] = score
        lexical = {
            entry_id: 0.7 * score + 0.3 * _dot(q, self.entry_vectors[entry_id])
            for entry_id, score in best.items()
        }
        hits = [
            Hit(
                entry_id,
                round(
                    LEXICAL_WEIGHT * lexical.get(entry_id, 0.0)
                    + (1 - LEXICAL_WEIGHT) * chars.get(entry_id, 0.0),
                    4,
                ),
            )
            for entry_id in set(lexical) | set(chars)
        ]
        hits.sort(key=lambda h: (-h.score, h.entry_id))
        return hits[:limit]


def _sentences(text: str) -> List[str]:
    """An answer split into lines and sentences (each is matched on its own)."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) > 2]


def _normalised(vector: Mapping[str, float]) -> Dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
    return {t: w / norm for t, w in vector.items()}


def _dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


class Index:
    """A read-only search index over a set of entries, in every language."""

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        connection = sqlite3.connect(":memory:", check_same_thread=False)
        self.db = Database(connection)
        self.entries = dict(entries)
        ordered = [self.entries[k] for k in sorted(self.entries)]
        self.db.table("entries").insert_all(
            ({"id": e.id, "team": e.team, "file": e.file} for e in ordered), pk="id"
        )
        self._languages = {lang: _LanguageIndex(self.db, lang, ordered) for lang in LANGUAGES}

    def search(self, text: str, lang: str, limit: int = 3) -> List[Hit]:
        """Entries matching ``text`` in ``lang``, best first."""
        if not words(text):
            return []
        return self._languages[lang].search(self.db, text, limit)

    def close(self) -> None:
        """Release the SQLite connection."""
        self.db.conn.close()
