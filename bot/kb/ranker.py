"""A re-ranker learnt from the entries themselves: which entry a question belongs to.

The index finds and scores entries by the words they share with a question. That
misses paraphrases that share few words with any one sample question. The re-ranker
is a linear classifier (logistic regression) per language, trained on each entry's
title, sample questions, more questions and keywords. Its features are the index's
own: the character 2-5-gram TF-IDF rows of those documents (inflection, typos,
compounds) and word 1-2-grams of their index terms (stems and compound parts). It
learns which words tell entries apart, which a similarity score cannot. Its
probabilities are blended into the index's score (see ``Index.train_rankers``).

Reusing the index's character rows means training does not cut the text into
n-grams a second time: that step holds the interpreter, while the classifier's own
fit (liblinear) lets other threads run, so a reload right after another stays fast.
Training grows with entries times examples, so it runs in the background after a
reload and only up to ``MAX_ENTRIES``; larger knowledge bases are ranked by the
index alone. Its effect is measured by scripts/kb-dev-eval (README, knowledge base).
"""

from __future__ import annotations

import warnings
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

MAX_ENTRIES = 200
C = 10.0  # inverse regularisation; 3-30 measured within half a point of each other


def with_bigrams(terms: Sequence[str]) -> List[str]:
    """The terms and each pair of neighbours ("reset", "password", "reset password")."""
    return [*terms, *(f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False))]


class Ranker:
    """P(entry | question) for one language.

    ``char_rows`` are the index's character n-gram rows of the training documents,
    made by ``chars``; ``terms`` their index terms; ``labels`` their entries.
    ``query_terms`` turns a question into terms the same way the index does.
    """

    def __init__(
        self,
        chars: TfidfVectorizer,
        char_rows: sparse.csr_matrix,
        terms: Sequence[Sequence[str]],
        labels: Sequence[str],
        query_terms: Callable[[str], List[str]],
    ) -> None:
        self.chars = chars
        self.query_terms = query_terms
        self.words = TfidfVectorizer(analyzer=with_bigrams, sublinear_tf=True, dtype=np.float32)
        self.model = LogisticRegression(solver="liblinear", C=C)
        self.classes: List[str] = []
        if len(set(labels)) < 2:
            return  # nothing to tell apart
        matrix = sparse.hstack([char_rows, self.words.fit_transform(terms)]).tocsr()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # liblinear's convergence chatter
            self.model.fit(matrix, list(labels))
        self.classes = [str(c) for c in self.model.classes_]

    def scores(
        self,
        text: str,
        char_row: Optional[sparse.spmatrix] = None,
        terms: Optional[List[str]] = None,
    ) -> Dict[str, float]:
        """Probability of each entry (summing to 1), or {} when there is nothing to rank.

        ``char_row`` and ``terms``: the question's, when the index has made them.
        """
        if not self.classes:
            return {}
        if char_row is None:
            char_row = self.chars.transform([text])
        if terms is None:
            terms = self.query_terms(text)
        words = self.words.transform([terms])
        probabilities = self.model.predict_proba(sparse.hstack([char_row, words]).tocsr())[0]
        return dict(zip(self.classes, (float(p) for p in probabilities), strict=True))
