"""A re-ranker learnt from the entries themselves: which entry a question belongs to.

The index finds and scores entries by the words they share with a question. That
misses paraphrases that share few words with any one sample question. The re-ranker
is a linear classifier (logistic regression) per language, trained on each entry's
title, sample questions and keywords, over character 2-5-grams (inflection, typos,
compounds) and word 1-2-grams of stems. It learns which words tell entries apart,
which a similarity score cannot. Its probabilities are blended into the index's
score (see ``Index.train_rankers``).

Training grows with entries times examples (0.15 s per language at 25 entries, about
8 s at 200), so it runs in the background after a reload and only up to
``MAX_ENTRIES``; larger knowledge bases are ranked by the index alone.
Measured with 5-fold cross-validation over the sample questions (scripts/kb-dev-eval,
hit@1 en/de/da): the index alone 92.6/88.6/90.7 %, with the re-ranker 97.4/94.3/95.1 %.
"""

from __future__ import annotations

import warnings
from typing import Dict, List, Mapping

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from bot.kb.entries import Entry
from bot.kb.text import Analyzer, analyzer

MAX_ENTRIES = 200
C = 10.0  # inverse regularisation; 3-30 measured within half a point of each other


class Ranker:
    """P(entry | question) for one language."""

    def __init__(self, entries: Mapping[str, Entry], lang: str) -> None:
        self.analyzer: Analyzer = analyzer(lang)
        texts: List[str] = []
        labels: List[str] = []
        for entry_id in sorted(entries):
            article = entries[entry_id].article(lang)
            for text in (article.title, *article.questions, *article.keywords):
                texts.append(text)
                labels.append(entry_id)
        self.features = FeatureUnion(
            [
                (
                    "chars",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(2, 5),
                        sublinear_tf=True,
                        preprocessor=self.analyzer.words_and_stems,
                        dtype=np.float32,
                    ),
                ),
                (
                    "words",
                    TfidfVectorizer(
                        analyzer="word",
                        ngram_range=(1, 2),
                        sublinear_tf=True,
                        preprocessor=self._stems,
                        token_pattern=r"\S+",
                        dtype=np.float32,
                    ),
                ),
            ]
        )
        self.model = LogisticRegression(solver="liblinear", C=C)
        self.classes: List[str] = []
        if len(set(labels)) < 2:
            return  # nothing to tell apart
        matrix = self.features.fit_transform(texts)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # liblinear's convergence chatter
            self.model.fit(matrix, labels)
        self.classes = [str(c) for c in self.model.classes_]

    def _stems(self, text: str) -> str:
        return " ".join(self.analyzer.terms(text))

    def scores(self, text: str) -> Dict[str, float]:
        """Probability of each entry (summing to 1), or {} when there is nothing to rank."""
        if not self.classes:
            return {}
        probabilities = self.model.predict_proba(self.features.transform([text]))[0]
        return dict(zip(self.classes, (float(p) for p in probabilities), strict=True))
