"""The search index: SQLite FTS5 (via sqlite-utils) for candidates, TF-IDF cosine to rank them.

Each entry becomes several documents per language: its title, each sample question
and each of its more questions, its keywords, and each sentence of its answer. Text
is analysed per language (stop words, snowball stems, accents folded, German and
Danish compounds split into known parts). A query is analysed the same way; a word
the index does not know is replaced by known words one typo away, or by the parts of
a compound. FTS5 finds the candidate documents fast, even at 10,000 entries; the
candidates are ranked by cosine similarity of IDF-weighted terms, and each entry
scores its best document, blended with the entry's text as a whole.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sqlite3
from collections import Counter, defaultdict
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Tuple

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sqlite_utils import Database

from bot.kb.entries import Entry
from bot.kb.ranker import MAX_ENTRIES as RANKER_MAX_ENTRIES
from bot.kb.ranker import Ranker
from bot.kb.text import TypoIndex, analyzer, words
from bot.language import LANGUAGES

# How much each kind of document counts when it is an entry's best match.
KIND_WEIGHT = {
    "title": 1.0,
    "question": 1.0,
    "more_question": 0.9,
    "keywords": 0.9,
    "answer": 0.75,
}
CANDIDATE_ROWS = 60
CANDIDATE_ENTRIES = 20
MATCH_TERMS = 4  # the rarest query terms used for the FTS lookup
TERM_ROWS = 50_000  # documents read per term at most
SCORE_ALL_ENTRIES = 500  # up to this many entries, character scores cover all of them
# The final score blends the word-level score with the character n-gram score.
LEXICAL_WEIGHT = 0.5
# With a re-ranker, the non-lexical half is this much its probability and the rest the
# character n-gram similarity (tuned by cross-validation over the sample questions).
RANKER_WEIGHT = 0.6
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
            texts += [("more_question", q) for q in article.more_questions]
            texts += [("answer", s) for s in _sentences(article.answer)]
            self.analyzer.remember(text for _, text in texts)
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
        # Terms per document, by rowid (rowid 0 is unused): shorter ones win ties.
        self.lengths = np.array([0] + [len(terms) for *_, terms in rows], dtype=np.int64)
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
            analyzer=self.analyzer.char_ngrams,  # char_wb 2-5-grams of words and stems
            sublinear_tf=True,
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
        # What a re-ranker learns from: every document but the answer sentences, with
        # its character row and terms (kept only where a re-ranker will be trained).
        self._training: Optional[Tuple[sparse.csr_matrix, List[List[str]], List[str]]] = None
        if len(self.entry_ids) <= RANKER_MAX_ENTRIES:
            keep = [i for i, (_, kind, _, _) in enumerate(rows) if kind != "answer"]
            self._training = (
                matrix[keep],
                [rows[i][3] for i in keep],
                [rows[i][0] for i in keep],
            )

    def ranker(self) -> Optional[Ranker]:
        """A re-ranker learnt from this index's documents (None when there are none)."""
        if self.vectorizer is None or self._training is None:
            return None
        char_rows, terms, labels = self._training
        return Ranker(self.vectorizer, char_rows, terms, labels, self.query_terms)

    def query_terms(self, text: str) -> List[str]:
        """The index terms of a question (stems, compound parts, typo fixes), in order."""
        return _known(self.query_vector(text))

    def char_row(self, text: str) -> Optional[sparse.csr_matrix]:
        """The question's character n-gram TF-IDF row (None for an empty index)."""
        return None if self.vectorizer is None else self.vectorizer.transform([text])

    def char_scores(
        self, row: Optional[sparse.csr_matrix], candidates: Iterable[str] = ()
    ) -> Dict[str, float]:
        """Cosine of the question's ``char_row`` with entries' centroids (above 0).

        Small knowledge bases score every entry; large ones only the ``candidates``
        (the entries FTS found), which keeps a lookup fast at 10,000 entries.
        """
        if row is None:
            return {}
        query = row.T
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

    def _candidates(self, db: Database, terms: List[str]) -> List[int]:
        """The ``CANDIDATE_ROWS`` documents holding the most of ``terms``, by IDF weight.

        One unranked FTS5 lookup per term. FTS5's own ranking (bm25) reads the size of
        every matching document, about 1 µs each: milliseconds for a word that is in
        thousands of documents of a large knowledge base. The IDF of the terms each
        document holds, summed and divided by the square root of its length (a cosine
        with binary weights), picks the candidates as well (hit@1 at 10,000 entries
        90.0 % vs 90.1 % with bm25, at two thirds of the lookup time); the cosine step
        then ranks them.
        """
        fts = f"[{self.table}_fts]"
        sql = f"select rowid from {fts} where {fts} match ? limit {TERM_ROWS}"
        found: List[np.ndarray] = []
        weights: List[np.ndarray] = []
        for term in terms:
            rows = db.execute(sql, ['"' + term.replace('"', "") + '"']).fetchall()
            found.append(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
            weights.append(np.full(len(rows), self.idf[term]))
        if not found or not sum(map(len, found)):
            return []
        rowids, inverse = np.unique(np.concatenate(found), return_inverse=True)
        score = np.bincount(inverse, weights=np.concatenate(weights)) / np.sqrt(
            self.lengths[rowids]
        )
        best = np.lexsort((rowids, -score))[:CANDIDATE_ROWS]
        return [int(r) for r in rowids[best]]

    def search(
        self, db: Database, text: str, limit: int, ranker: Optional[Ranker] = None
    ) -> Tuple[List[Hit], float]:
        """The best ``limit`` entries for ``text`` (re-ranked by ``ranker``), and coverage.

        Coverage is the share of the question's weight in words the entries use, 0-1.
        "reset my router password" shares "reset" and "password" with the entries, but
        "router" is in none of them: a sign that the question is about something else.
        """
        query = self.query_vector(text)
        total = sum(query.values())
        known = sum(w for t, w in query.items() if not t.startswith("\x00"))
        coverage = known / total if total else 0.0
        # Common terms say little: look up by the rarest few, and let the ranking step
        # weigh all of them.
        terms = sorted((t for t in query if t in self.idf), key=lambda t: -self.idf[t])
        rowids = self._candidates(db, terms[:MATCH_TERMS])
        char_row = self.char_row(text)
        chars = self.char_scores(char_row, {self.docs[r].entry_id for r in rowids})
        if ranker is not None:
            learnt = ranker.scores(text, char_row, _known(query))
            chars = {
                e: RANKER_WEIGHT * learnt.get(e, 0.0) + (1 - RANKER_WEIGHT) * chars.get(e, 0.0)
                for e in set(chars) | set(learnt)
            }
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
        return hits[:limit], coverage


def _sentences(text: str) -> List[str]:
    """An answer split into lines and sentences (each is matched on its own)."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) > 2]


def _known(query: Mapping[str, float]) -> List[str]:
    """The terms of a query vector that the index knows (the others start with NUL)."""
    return [t for t in query if not t.startswith("\x00")]


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
        self.rankers: Dict[str, Ranker] = {}

    @property
    def ranked(self) -> bool:
        """Whether the re-rankers are in use (their scores run higher: see store.decide)."""
        return bool(self.rankers)

    def train_rankers(self, cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Learn and attach a re-ranker per language (slow: call it off the request path).

        Does nothing above ``RANKER_MAX_ENTRIES`` entries, and returns whether it trained.
        ``cancelled`` is asked before each language; when it says yes (the index has been
        replaced by a newer one), training stops and nothing is attached.
        """
        if not 2 <= len(self.entries) <= RANKER_MAX_ENTRIES:
            return False
        rankers: Dict[str, Ranker] = {}
        for lang, language in self._languages.items():
            if cancelled():
                return False
            ranker = language.ranker()
            if ranker is not None:
                rankers[lang] = ranker
        # Attached all at once, so that every search of this index uses one scale.
        self.rankers = rankers
        return True

    def search(self, text: str, lang: str, limit: int = 3) -> List[Hit]:
        """Entries matching ``text`` in ``lang``, best first."""
        return self.lookup(text, lang, limit)[0]

    def lookup(self, text: str, lang: str, limit: int = 3) -> Tuple[List[Hit], float]:
        """Entries matching ``text`` in ``lang``, best first, and the question's coverage.

        Coverage is the share of its weight in words the entries use (0-1, see
        _LanguageIndex.search).
        """
        if not words(text):
            return [], 0.0
        return self._languages[lang].search(self.db, text, limit, self.rankers.get(lang))

    def close(self) -> None:
        """Release the SQLite connection."""
        self.db.conn.close()
