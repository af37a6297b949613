#!/usr/bin/python3
"""Writes concordance.json for survival_test.go: Harrell's C-index of
made-up survival data, computed pair by pair in plain Python, against which
metrics.ConcordanceIndex (an O(n log n) count) is checked.

Run with Debian's python3 (no packages needed):

    /usr/bin/python3 metrics/testdata/make_concordance.py

scikit-survival is not installed here; cindex() below is its
concordance_index_censored's definition (and lifelines'): a pair (i, j) is
comparable when i's event was seen and time[i] < time[j], or time[i] ==
time[j] with j censored; it is concordant when risk[i] > risk[j], and
counts 1/2 when the risks tie. Each case holds time, event (0/1), risk and
the C-index.
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def cindex(time, event, risk):
    num = 0.0
    den = 0
    for i in range(len(time)):
        if not event[i]:
            continue
        for j in range(len(time)):
            if time[i] < time[j] or (time[i] == time[j] and not event[j]):
                den += 1
                if risk[i] > risk[j]:
                    num += 1
                elif risk[i] == risk[j]:
                    num += 0.5
    return num / den


def main():
    rng = random.Random(7)
    cases = {}
    # Whole-number times (many ties, events and censored rows at one
    # time) and risks from a few values (ties in risk).
    n = 60
    time = [float(rng.randint(1, 15)) for _ in range(n)]
    event = [int(rng.random() < .6) for _ in range(n)]
    risk = [round(-0.2 * t + rng.gauss(0, 1)) / 2 for t in time]
    cases["ties"] = dict(time=time, event=event, risk=risk)
    # Continuous times and risks, heavy censoring.
    n = 150
    time = [round(rng.expovariate(0.1), 3) for _ in range(n)]
    event = [int(rng.random() < .3) for _ in range(n)]
    risk = [-t / 10 + rng.gauss(0, 2) for t in time]
    cases["continuous"] = dict(time=time, event=event, risk=risk)
    # No censoring: the ROC AUC of every ordered pair of times.
    n = 40
    time = [float(rng.randint(1, 30)) for _ in range(n)]
    risk = [rng.gauss(0, 1) - t / 20 for t in time]
    cases["no censoring"] = dict(time=time, event=[1] * n, risk=risk)
    for c in cases.values():
        c["c_index"] = cindex(c["time"], c["event"], c["risk"])
    with open(os.path.join(HERE, "concordance.json"), "w") as f:
        json.dump(cases, f, indent=None)
        f.write("\n")
    for k, c in cases.items():
        print(k, c["c_index"])


if __name__ == "__main__":
    main()
