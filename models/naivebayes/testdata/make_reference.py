#!/usr/bin/python3
"""Reference figures for the naive Bayes parity test (naivebayes_test.go).

Run with Debian's Python and scikit-learn (python3-sklearn), from anywhere:

    /usr/bin/python3 models/naivebayes/testdata/make_reference.py [DATA_DIR]

DATA_DIR defaults to ../shared/data beside the module root (EMBER_DATA
overrides it, as in internal/shareddata). It writes reference.json next to
this script.

Both sides must see exactly the same documents, split and tokens:

* Documents. sentiment: rt-polarity.utf8.pos (label 1) then .neg (label 0),
  one per line. sms: SMSSpamCollection, label<TAB>text per line, no quoting;
  ham = 0, spam = 1 (sorted label names). Files are split on "\n" only (not
  str.splitlines, which also splits on \x0b, \x85, \u2028 ...), a trailing
  "\r" is dropped, and the empty string after the final newline is ignored.
* Split. Document i (0-based, in the order above) is a test document when
  i % 4 == 0, otherwise a training document. A rule rather than a seeded
  shuffle, because Go and numpy random streams differ; both files are in no
  particular order within a class, and the sentiment classes are
  interleaved by the modulus, so the rule is an unbiased 25% split.
* Tokens. tokenize() below is package text's Tokenizer: HTML tags out,
  character references decoded, non-letters to spaces, lower case, split,
  scikit-learn's English stop words dropped. CountVectorizer gets it as its
  analyzer, so sklearn applies no token_pattern or preprocessing of its own.
  The Go test also checks the vocabulary size and token total recorded here.
"""
import html
import json
import os
import re
import sys

import numpy as np
import sklearn
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.naive_bayes import MultinomialNB

HERE = os.path.dirname(os.path.abspath(__file__))

# Same pattern as text.tagPattern.
TAG = re.compile(r"<[a-zA-Z/!?][^<>]*>")


def make_tokenize(stop_words):
    def tokenize(doc):
        if "<" in doc:
            doc = TAG.sub(" ", doc)
        if "&" in doc:
            doc = html.unescape(doc)
        # str.isalpha is Unicode category L, like Go's unicode.IsLetter.
        doc = "".join(c.lower() if c.isalpha() else " " for c in doc)
        return [w for w in doc.split() if w not in stop_words]

    return tokenize


def read_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [l[:-1] if l.endswith("\r") else l for l in lines]


def load_sentiment(data):
    docs, y = [], []
    for name, label in (("rt-polarity.utf8.pos", 1), ("rt-polarity.utf8.neg", 0)):
        lines = read_lines(os.path.join(data, "sentiment", name))
        docs += lines
        y += [label] * len(lines)
    return docs, y


def load_sms(data):
    docs, y = [], []
    for line in read_lines(os.path.join(data, "sms_spam", "SMSSpamCollection")):
        label, text = line.split("\t")
        docs.append(text)
        y.append({"ham": 0, "spam": 1}[label])
    return docs, y


def run_case(name, docs, y, stop_words, alpha):
    y = np.array(y)
    test = np.arange(len(docs)) % 4 == 0
    train_docs = [d for d, t in zip(docs, test) if not t]
    test_docs = [d for d, t in zip(docs, test) if t]
    vec = CountVectorizer(analyzer=make_tokenize(stop_words))
    Xtr = vec.fit_transform(train_docs)
    Xte = vec.transform(test_docs)
    clf = MultinomialNB(alpha=alpha).fit(Xtr, y[~test])
    pred = clf.predict(Xte)
    proba = clf.predict_proba(Xte)
    acc = float((pred == y[test]).mean())
    print("%-22s vocab %6d  train %5d  test %5d  accuracy %.6f" % (name, len(vec.vocabulary_), len(train_docs), len(test_docs), acc))
    return {
        "name": name,
        "stop_words": bool(stop_words),
        "alpha": alpha,
        "n_train": len(train_docs),
        "n_test": len(test_docs),
        "vocab_size": len(vec.vocabulary_),
        "train_token_total": int(Xtr.sum()),
        "test_token_total": int(Xte.sum()),
        "accuracy": acc,
        # Class order is sorted labels, as in Go's Classes().
        "class_log_prior": clf.class_log_prior_.tolist(),
        "mean_proba_class1": float(proba[:, 1].mean()),
        "predictions": "".join(str(int(p)) for p in pred),
    }


def data_dir():
    """DATA_DIR: the first argument, else $EMBER_DATA, else ../shared/data
    beside the module root."""
    if len(sys.argv) > 1:
        return sys.argv[1]
    return os.environ.get("EMBER_DATA") or os.path.join(HERE, "..", "..", "..", "..", "shared", "data")


def main():
    data = data_dir()
    english = frozenset(ENGLISH_STOP_WORDS)
    sent = load_sentiment(data)
    sms = load_sms(data)
    cases = [
        run_case("sentiment", *sent, english, 1.0),
        run_case("sentiment-nostop-a0.5", *sent, frozenset(), 0.5),
        run_case("sms", *sms, english, 1.0),
        run_case("sms-nostop-a0.1", *sms, frozenset(), 0.1),
    ]
    out = {
        "generator": "make_reference.py",
        "sklearn": sklearn.__version__,
        "split": "test iff index % 4 == 0",
        "cases": cases,
    }
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
