#!/usr/bin/python3
"""Reference figures for BernoulliNB (bernoulli_test.go).

Run with Debian's Python and scikit-learn (python3-sklearn), from anywhere,
after text/testdata/make_reference.py (whose corpus and feature settings
make_pipeline_reference.py reuses, and so does this script):

    /usr/bin/python3 models/naivebayes/testdata/make_bernoulli_reference.py [DATA_DIR]

It writes bernoulli_reference.json next to this script:

* "cases": the small generated corpus of text/testdata/sklearn_vectorizers.json
  (42 training and 17 test documents, three unbalanced classes) through
  scikit-learn's CountVectorizer and BernoulliNB (binarize=0.0, its
  default): class_log_prior_, feature_log_prob_, feature_count_,
  predict_proba and predict on the test documents.
* "sms": the SMS Spam Collection under DATA_DIR (as make_reference.py finds
  it; skipped when absent), split as there (test iff i % 4 == 0), for
  BernoulliNB (vocabulary size, accuracy, spam recall, the mean of
  P(spam) and the predictions) and, beside it, MultinomialNB's accuracy and
  spam recall on the same features.
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.naive_bayes import BernoulliNB, MultinomialNB

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_reference import data_dir  # noqa: E402  (this directory's)
from make_pipeline_reference import TEXT_TESTDATA, sms_corpus, text_reference  # noqa: E402

# (name, vectorizer parameters as in text/testdata/make_reference.py,
#  alpha, fit_prior, class_prior)
CASES = [
    ("unigrams", {}, 1.0, True, None),
    ("alpha0.2", {}, 0.2, True, None),
    # alpha 0 is raised to 1e-10 (force_alpha=False, 1.2's default).
    ("alpha0", {}, 0.0, True, None),
    ("uniform-prior", {}, 1.0, False, None),
    ("class-prior", {}, 0.5, True, [0.5, 0.2, 0.3]),
    ("bigrams-min_df", {"ngram_range": [1, 2], "min_df": 2}, 1.0, True, None),
    # Presence of counts is presence of tf-idf weights: the same model.
    ("binary-tfidf", {"binary": True, "tfidf": {"sublinear_tf": True}}, 1.0, True, None),
]

# Feature settings compared on the SMS data, with ember naivebayes's flags.
SMS_CASES = [
    ("default", "", {}),
    ("min_df2", "--min-df 2", {"min_df": 2}),
    ("bigrams", "--ngram 1,2", {"ngram_range": [1, 2]}),
]


def fit(kind, params, alpha, fit_prior, class_prior, corpus):
    vec, tf, Xtr, Xte = text_reference.features(params, corpus)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # force_alpha; alpha too small
        if kind == "bernoulli":
            clf = BernoulliNB(alpha=alpha, fit_prior=fit_prior, class_prior=class_prior)
        else:
            clf = MultinomialNB(alpha=alpha, fit_prior=fit_prior, class_prior=class_prior)
        clf.fit(Xtr, np.array(corpus["y_train"]))
    return vec, clf, Xte


def main():
    data = data_dir()
    with open(os.path.join(TEXT_TESTDATA, "sklearn_vectorizers.json")) as f:
        corpus = json.load(f)["corpus"]
    cases = []
    for name, params, alpha, fit_prior, class_prior in CASES:
        vec, clf, Xte = fit("bernoulli", params, alpha, fit_prior, class_prior, corpus)
        print("%-16s vocabulary %4d" % (name, len(vec.vocabulary_)))
        cases.append({
            "name": name, "params": params, "alpha": alpha, "fit_prior": fit_prior, "class_prior": class_prior,
            "classes": clf.classes_.tolist(),
            "vocabulary_size": len(vec.vocabulary_),
            "class_log_prior": clf.class_log_prior_.tolist(),
            "feature_count": clf.feature_count_.tolist(),
            "feature_log_prob": clf.feature_log_prob_.tolist(),
            "predict_proba": clf.predict_proba(Xte).tolist(),
            "predictions": clf.predict(Xte).tolist(),
        })
    out = {"generator": "make_bernoulli_reference.py", "sklearn": sklearn.__version__, "cases": cases}

    sms = sms_corpus(data)
    if sms is not None:
        yte = np.array(sms["y_test"])
        out["sms"] = []
        for name, flags, params in SMS_CASES:
            row = {"name": name, "flags": flags, "params": params, "n_train": len(sms["train"]), "n_test": len(sms["test"])}
            for kind in ("bernoulli", "multinomial"):
                vec, clf, Xte = fit(kind, params, 1.0, True, None, sms)
                pred = clf.predict(Xte)
                acc = float((pred == yte).mean())
                recall = float((pred[yte == 1] == 1).mean())
                print("sms %-10s %-11s vocabulary %6d  accuracy %.4f  spam recall %.4f" % (name, kind, len(vec.vocabulary_), acc, recall))
                row["vocabulary_size"] = len(vec.vocabulary_)
                row[kind] = {"accuracy": acc, "spam_recall": recall}
                if kind == "bernoulli":
                    row[kind]["mean_proba_spam"] = float(clf.predict_proba(Xte)[:, 1].mean())
                    row[kind]["predictions"] = "".join(str(int(p)) for p in pred)
            out["sms"].append(row)
    with open(os.path.join(HERE, "bernoulli_reference.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
