#!/usr/bin/python3
"""Reference vocabularies and matrices for package text's vectorizer tests
(sklearn_test.go), from scikit-learn's CountVectorizer and TfidfTransformer.

Run with Debian's Python and scikit-learn (python3-sklearn), from anywhere:

    /usr/bin/python3 text/testdata/make_reference.py

It writes sklearn_vectorizers.json next to this script. The corpus is
generated here (a seeded random.Random, so rerunning gives the same file)
and stored in the JSON, so Go never has to reproduce Python's random
stream; models/naivebayes/testdata/make_pipeline_reference.py reuses it.

Tokens: scikit-learn gets package text's tokenizer (tokenize() in
models/naivebayes/testdata/make_reference.py) without stop words as its
tokenizer, lowercase=False (the tokenizer lower-cases, rune by rune, as Go
does), and the English stop words as stop_words, so that scikit-learn's own
_word_ngrams drops them and then forms the n-grams, the order Go follows.
"""
import json
import os
import random
import sys
import warnings

import numpy as np
import sklearn
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models", "naivebayes", "testdata"))
from make_reference import make_tokenize  # noqa: E402

# Three classes with overlapping vocabularies; a few stop words, capitals,
# digits, HTML and a non-ASCII word exercise the tokenizer on the way.
COMMON = ["the", "and", "is", "not", "you", "Call", "now", "today", "café", "price", "&amp;", "<b>", "2"]
TOPIC = [
    ["free", "win", "prize", "claim", "cash", "urgent", "txt", "offer", "mobile", "reply"],
    ["meeting", "lunch", "home", "later", "dinner", "sorry", "love", "tonight", "work", "ok"],
    ["match", "goal", "team", "score", "league", "player", "coach", "season", "win", "home"],
]
# Unbalanced, as ham and spam are.
SIZES_TRAIN = [9, 21, 12]
SIZES_TEST = [4, 6, 4]


def make_doc(rng, k):
    n = rng.randint(2, 9)
    words = []
    for _ in range(n):
        r = rng.random()
        if r < 0.55:
            # Zipf-like: early topic words much more frequent, so totals tie
            # and differ in a realistic way.
            words.append(TOPIC[k][min(int(rng.expovariate(0.45)), 9)])
        elif r < 0.85:
            words.append(rng.choice(COMMON))
        else:
            other = rng.choice([j for j in range(3) if j != k])
            words.append(rng.choice(TOPIC[other]))
    return " ".join(words)


def make_corpus():
    rng = random.Random(20240501)
    train, y_train, test, y_test = [], [], [], []
    for sizes, docs, ys in ((SIZES_TRAIN, train, y_train), (SIZES_TEST, test, y_test)):
        order = [k for k, n in enumerate(sizes) for _ in range(n)]
        rng.shuffle(order)
        for k in order:
            docs.append(make_doc(rng, k))
            ys.append(k)
    # Edge cases: a document of stop words only (an empty row), one with an
    # unseen word, one repeating a word (sublinear tf).
    test += ["the and is not", "zebra free prize", "goal goal goal goal team"]
    y_test += [1, 0, 2]
    return {"train": train, "y_train": y_train, "test": test, "y_test": y_test}


def vectorizer(params):
    """A CountVectorizer with Go's tokenizer and the given settings."""
    return CountVectorizer(
        tokenizer=make_tokenize(frozenset()),
        lowercase=False,
        token_pattern=None,
        stop_words=sorted(ENGLISH_STOP_WORDS),
        ngram_range=tuple(params.get("ngram_range", (1, 1))),
        min_df=params.get("min_df", 1),
        max_df=params.get("max_df", 1.0),
        max_features=params.get("max_features"),
        binary=params.get("binary", False),
    )


def tfidf(params):
    t = params.get("tfidf")
    if t is None:
        return None
    return TfidfTransformer(
        norm=t.get("norm", "l2"),
        use_idf=t.get("use_idf", True),
        smooth_idf=t.get("smooth_idf", True),
        sublinear_tf=t.get("sublinear_tf", False),
    )


def features(params, corpus):
    """Fits on the training documents; returns the vectorizer, transformer
    (or None) and the training and test matrices."""
    with warnings.catch_warnings():
        # "Your stop_words may be inconsistent with your preprocessing":
        # they are not (no stop word has a non-letter).
        warnings.simplefilter("ignore", UserWarning)
        vec = vectorizer(params)
        Xtr = vec.fit_transform(corpus["train"])
    Xte = vec.transform(corpus["test"])
    tf = tfidf(params)
    if tf is not None:
        Xtr = tf.fit_transform(Xtr)
        Xte = tf.transform(Xte)
    return vec, tf, Xtr.tocsr(), Xte.tocsr()


# Vectorizer settings, named as scikit-learn's parameters. An int min_df or
# max_df is a number of documents, a float a fraction; json keeps 2 and 2.0
# apart (Go reads them with ParseDocFrequency on the raw JSON number).
CASES = [
    ("unigrams", {}),
    ("bigrams", {"ngram_range": [1, 2]}),
    ("bigrams-trigrams", {"ngram_range": [2, 3]}),
    ("min_df-int-max_df-float", {"min_df": 2, "max_df": 0.5}),
    ("min_df-float-max_df-int", {"min_df": 0.1, "max_df": 12}),
    ("max_features", {"max_features": 25}),
    ("binary-max_features", {"binary": True, "max_features": 20}),
    ("bigrams-max_features", {"ngram_range": [1, 2], "max_features": 60}),
    ("tfidf", {"tfidf": {}}),
    ("tfidf-sublinear-raw-l1", {"tfidf": {"sublinear_tf": True, "smooth_idf": False, "norm": "l1"}}),
    ("tf-only", {"tfidf": {"use_idf": False}}),
    ("tfidf-no-norm", {"ngram_range": [1, 2], "tfidf": {"norm": None}}),
    ("everything", {"ngram_range": [1, 2], "min_df": 2, "max_df": 0.9, "max_features": 40, "binary": True,
                    "tfidf": {"sublinear_tf": True}}),
]


def csr(X):
    return {"indptr": X.indptr.tolist(), "indices": X.indices.tolist(), "data": X.data.tolist()}


def main():
    corpus = make_corpus()
    cases = []
    for name, params in CASES:
        vec, tf, Xtr, Xte = features(params, corpus)
        Xtr.sort_indices()
        Xte.sort_indices()
        vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        print("%-26s vocabulary %4d" % (name, len(vocab)))
        case = {"name": name, "params": params, "vocabulary": vocab,
                "train_column_sums": np.asarray(Xtr.sum(axis=0)).ravel().tolist(),
                "test": csr(Xte)}
        if tf is not None and tf.use_idf:
            case["idf"] = tf.idf_.tolist()
        cases.append(case)

    # numpy's argsort on tie-heavy arrays, for the Go port of its
    # introsort (longer arrays partition; insertion sort below 17).
    rng = np.random.RandomState(7)
    argsorts = []
    for n in (5, 17, 40, 200, 1000):
        v = -rng.randint(0, 6, size=n).astype(np.int64)
        argsorts.append({"values": v.tolist(), "argsort": v.argsort().tolist()})
    out = {"generator": "make_reference.py", "sklearn": sklearn.__version__, "numpy": np.__version__,
           "corpus": corpus, "cases": cases, "argsort": argsorts}
    with open(os.path.join(HERE, "sklearn_vectorizers.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
