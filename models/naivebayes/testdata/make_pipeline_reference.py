#!/usr/bin/python3
"""Reference figures for naive Bayes on n-grams, pruned vocabularies,
binary counts and tf-idf, and for ComplementNB (pipeline_test.go).

Run with Debian's Python and scikit-learn (python3-sklearn), from anywhere,
after text/testdata/make_reference.py (whose corpus and feature settings it
reuses):

    /usr/bin/python3 models/naivebayes/testdata/make_pipeline_reference.py [DATA_DIR]

It writes pipeline_reference.json next to this script:

* "cases": the small generated corpus of text/testdata/sklearn_vectorizers.json
  through scikit-learn's CountVectorizer (+ TfidfTransformer) and
  MultinomialNB or ComplementNB: feature_log_prob_, class_log_prior_,
  predict_log_proba and predict on the corpus's test documents.
* "sms": the SMS Spam Collection under DATA_DIR (as make_reference.py finds
  it; skipped when absent), split as there (test iff i % 4 == 0), for the
  settings ember naivebayes offers: vocabulary size, accuracy, spam recall,
  the mean of P(spam) and the predictions.
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.naive_bayes import ComplementNB, MultinomialNB

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT_TESTDATA = os.path.join(HERE, "..", "..", "..", "text", "testdata")
sys.path.insert(0, HERE)
from make_reference import data_dir, load_sms  # noqa: E402  (this directory's)
import importlib.util  # noqa: E402

# text/testdata/make_reference.py has the same module name as ours.
_spec = importlib.util.spec_from_file_location("text_reference", os.path.join(TEXT_TESTDATA, "make_reference.py"))
text_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(text_reference)

# (name, vectorizer parameters as in text/testdata/make_reference.py,
#  model, alpha, ComplementNB's norm)
CASES = [
    ("multinomial-unigrams", {}, "multinomial", 1.0, False),
    ("multinomial-bigrams", {"ngram_range": [1, 2]}, "multinomial", 1.0, False),
    ("multinomial-min_df-max_df", {"min_df": 2, "max_df": 0.5}, "multinomial", 0.5, False),
    ("multinomial-min_df-float-max_df-int", {"min_df": 0.1, "max_df": 12}, "multinomial", 1.0, False),
    ("multinomial-max_features", {"max_features": 25}, "multinomial", 1.0, False),
    ("multinomial-binary", {"binary": True}, "multinomial", 1.0, False),
    ("multinomial-tfidf", {"tfidf": {}}, "multinomial", 0.1, False),
    ("multinomial-tfidf-sublinear", {"ngram_range": [1, 2], "tfidf": {"sublinear_tf": True}}, "multinomial", 1.0, False),
    ("complement", {}, "complement", 1.0, False),
    ("complement-alpha0.3", {}, "complement", 0.3, False),
    ("complement-norm", {}, "complement", 1.0, True),
    ("complement-tfidf-bigrams", {"ngram_range": [1, 2], "tfidf": {}}, "complement", 0.5, False),
    ("complement-everything", {"ngram_range": [1, 2], "min_df": 2, "max_df": 0.9, "max_features": 40,
                               "binary": True, "tfidf": {"sublinear_tf": True}}, "complement", 1.0, False),
]

# Settings of ember naivebayes compared on the SMS data, with the flags
# that ask for them.
SMS_CASES = [
    ("default", "", {}, "multinomial", 1.0),
    ("bigrams", "--ngram 1,2", {"ngram_range": [1, 2]}, "multinomial", 1.0),
    ("tfidf", "--tfidf", {"tfidf": {}}, "multinomial", 1.0),
    ("complement", "--model complement", {}, "complement", 1.0),
    ("bigrams-tfidf-complement-min_df2", "--ngram 1,2 --tfidf --min-df 2 --model complement",
     {"ngram_range": [1, 2], "tfidf": {}, "min_df": 2}, "complement", 1.0),
]


def classifier(kind, alpha, norm=False):
    if kind == "complement":
        return ComplementNB(alpha=alpha, norm=norm)
    return MultinomialNB(alpha=alpha)


def corpus_dict(train, y_train, test, y_test):
    return {"train": train, "y_train": y_train, "test": test, "y_test": y_test}


def sms_corpus(data):
    """The SMS Spam Collection under data, split as make_reference.py
    splits it (test iff i % 4 == 0), as a corpus_dict; None, said, when
    the data is absent."""
    try:
        docs, y = load_sms(data)
    except FileNotFoundError:
        print("no SMS data under %s: sms cases left out" % data)
        return None
    test = [i % 4 == 0 for i in range(len(docs))]
    return corpus_dict([d for d, t in zip(docs, test) if not t], [l for l, t in zip(y, test) if not t],
                       [d for d, t in zip(docs, test) if t], [l for l, t in zip(y, test) if t])


def fit(params, kind, alpha, norm, corpus):
    vec, tf, Xtr, Xte = text_reference.features(params, corpus)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # force_alpha
        clf = classifier(kind, alpha, norm).fit(Xtr, np.array(corpus["y_train"]))
    return vec, clf, Xte


def main():
    data = data_dir()
    with open(os.path.join(TEXT_TESTDATA, "sklearn_vectorizers.json")) as f:
        corpus = json.load(f)["corpus"]
    cases = []
    for name, params, kind, alpha, norm in CASES:
        vec, clf, Xte = fit(params, kind, alpha, norm, corpus)
        print("%-36s vocabulary %4d" % (name, len(vec.vocabulary_)))
        cases.append({
            "name": name, "params": params, "model": kind, "alpha": alpha, "norm": norm,
            "classes": clf.classes_.tolist(),
            "vocabulary_size": len(vec.vocabulary_),
            "class_log_prior": clf.class_log_prior_.tolist(),
            "feature_log_prob": clf.feature_log_prob_.tolist(),
            "predict_log_proba": clf.predict_log_proba(Xte).tolist(),
            "predictions": clf.predict(Xte).tolist(),
        })
    out = {"generator": "make_pipeline_reference.py", "sklearn": sklearn.__version__, "cases": cases}

    sms = sms_corpus(data)
    if sms is not None:
        yte = np.array(sms["y_test"])
        out["sms"] = []
        for name, flags, params, kind, alpha in SMS_CASES:
            vec, clf, Xte = fit(params, kind, alpha, False, sms)
            pred = clf.predict(Xte)
            acc = float((pred == yte).mean())
            recall = float((pred[yte == 1] == 1).mean())
            print("sms %-34s vocabulary %6d  accuracy %.4f  spam recall %.4f" % (name, len(vec.vocabulary_), acc, recall))
            out["sms"].append({
                "name": name, "flags": flags, "params": params, "model": kind, "alpha": alpha,
                "n_train": len(sms["train"]), "n_test": len(sms["test"]),
                "vocabulary_size": len(vec.vocabulary_), "accuracy": acc, "spam_recall": recall,
                "mean_proba_spam": float(clf.predict_proba(Xte)[:, 1].mean()),
                "predictions": "".join(str(int(p)) for p in pred),
            })
    with open(os.path.join(HERE, "pipeline_reference.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
