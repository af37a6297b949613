#!/usr/bin/python3
"""Reference probabilities for ember naivebayes's scikit-learn flags
(naivebayes_sklearn_flags_test.go): --complement-norm (ComplementNB's
norm=True), --tfidf --no-idf (TfidfTransformer's use_idf=False) and
--model bernoulli (BernoulliNB, binarize=0.0), alone and with the flags
they combine with, and --prior (fit_prior=False, class_prior); with each
case's held-out log loss.

Run with Debian's Python and scikit-learn 1.2.1 (python3-sklearn), from
anywhere:

    /usr/bin/python3 cmd/ember/testdata/make_nb_flags_reference.py

It writes nb_flags_reference.json next to this script. The documents are
the small generated corpus of text/testdata/sklearn_vectorizers.json (42
training and 17 test documents, three unbalanced classes, labels 0, 1, 2);
the Go test writes them to text,label CSV files and runs

    ember naivebayes --data train.csv --test test.csv --text text --label label FLAGS --save MODEL
    ember predict --model MODEL --data test.csv

and compares the predictions and probabilities with those below. The
tokens are package text's tokenizer, as text/testdata/make_reference.py
gives them to scikit-learn (its features() is reused here).
"""
import importlib.util
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.metrics import log_loss
from sklearn.naive_bayes import BernoulliNB, ComplementNB, MultinomialNB

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
TEXT_TESTDATA = os.path.join(ROOT, "text", "testdata")

_spec = importlib.util.spec_from_file_location("text_reference", os.path.join(TEXT_TESTDATA, "make_reference.py"))
text_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(text_reference)

# (name, ember naivebayes flags, vectorizer/tf-idf parameters as in
# text/testdata/make_reference.py, model, alpha, ComplementNB's norm, and
# optionally the priors: {"fit_prior": False} or {"class_prior": [...]})
CASES = [
    ("complement-norm", ["--model", "complement", "--complement-norm"],
     {}, "complement", 1.0, True),
    ("complement-norm-bigrams-tfidf-alpha", ["--model", "complement", "--complement-norm", "--ngram", "1,2", "--tfidf", "--alpha", "0.5"],
     {"ngram_range": [1, 2], "tfidf": {}}, "complement", 0.5, True),
    ("no-idf", ["--tfidf", "--no-idf"],
     {"tfidf": {"use_idf": False}}, "multinomial", 1.0, False),
    ("no-idf-sublinear-l1", ["--tfidf", "--no-idf", "--sublinear-tf", "--norm", "l1"],
     {"tfidf": {"use_idf": False, "sublinear_tf": True, "norm": "l1"}}, "multinomial", 1.0, False),
    ("no-idf-sublinear-none-binary-bigrams", ["--tfidf", "--no-idf", "--sublinear-tf", "--norm", "none", "--binary", "--ngram", "1,2", "--alpha", "0.3"],
     {"tfidf": {"use_idf": False, "sublinear_tf": True, "norm": None}, "binary": True, "ngram_range": [1, 2]}, "multinomial", 0.3, False),
    ("no-idf-sublinear-complement-norm", ["--tfidf", "--no-idf", "--sublinear-tf", "--model", "complement", "--complement-norm"],
     {"tfidf": {"use_idf": False, "sublinear_tf": True}}, "complement", 1.0, True),
    ("bernoulli", ["--model", "bernoulli"],
     {}, "bernoulli", 1.0, False),
    ("bernoulli-bigrams-min-df-alpha", ["--model", "bernoulli", "--ngram", "1,2", "--min-df", "2", "--alpha", "0.5"],
     {"ngram_range": [1, 2], "min_df": 2}, "bernoulli", 0.5, False),
    # --binary changes which terms --max-features keeps (by document count).
    ("bernoulli-binary-max-features", ["--model", "bernoulli", "--binary", "--max-features", "12"],
     {"binary": True, "max_features": 12}, "bernoulli", 1.0, False),
    # --prior: the corpus's classes are unbalanced (its training labels
    # 0, 1, 2 are not a third each), so each prior moves the probabilities.
    ("prior-uniform", ["--prior", "uniform"],
     {}, "multinomial", 1.0, False, {"fit_prior": False}),
    ("prior-given", ["--prior", "0:0.2,1:0.3,2:0.5"],
     {}, "multinomial", 1.0, False, {"class_prior": [0.2, 0.3, 0.5]}),
    ("prior-given-tfidf-bigrams", ["--prior", "2:0.6,0:0.1,1:0.3", "--tfidf", "--ngram", "1,2"],
     {"ngram_range": [1, 2], "tfidf": {}}, "multinomial", 1.0, False, {"class_prior": [0.1, 0.3, 0.6]}),
    ("bernoulli-prior-uniform", ["--model", "bernoulli", "--prior", "uniform"],
     {}, "bernoulli", 1.0, False, {"fit_prior": False}),
    ("bernoulli-prior-given", ["--model", "bernoulli", "--prior", "0:0.5,1:0.25,2:0.25", "--alpha", "0.5"],
     {}, "bernoulli", 0.5, False, {"class_prior": [0.5, 0.25, 0.25]}),
]


def main():
    with open(os.path.join(TEXT_TESTDATA, "sklearn_vectorizers.json")) as f:
        corpus = json.load(f)["corpus"]
    cases = []
    for name, flags, params, kind, alpha, norm, *prior in CASES:
        prior = prior[0] if prior else {}
        vec, tf, Xtr, Xte = text_reference.features(params, corpus)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # force_alpha
            if kind == "complement":
                clf = ComplementNB(alpha=alpha, norm=norm)
            elif kind == "bernoulli":
                clf = BernoulliNB(alpha=alpha, **prior)
            else:
                clf = MultinomialNB(alpha=alpha, **prior)
            clf.fit(Xtr, np.array(corpus["y_train"]))
        pred = clf.predict(Xte)
        acc = float((pred == np.array(corpus["y_test"])).mean())
        print("%-40s vocabulary %3d  accuracy %.4f" % (name, len(vec.vocabulary_), acc))
        cases.append({
            "name": name, "flags": flags,
            "classes": clf.classes_.tolist(),
            "vocabulary_size": len(vec.vocabulary_),
            "accuracy": acc,
            "predictions": pred.tolist(),
            "predict_proba": clf.predict_proba(Xte).tolist(),
            "log_loss": log_loss(corpus["y_test"], clf.predict_proba(Xte), labels=clf.classes_),
        })
    out = {"generator": "make_nb_flags_reference.py", "sklearn": sklearn.__version__, "cases": cases}
    with open(os.path.join(HERE, "nb_flags_reference.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
