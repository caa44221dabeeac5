"""Shared helpers of tools/eval: reading the sets, metrics, tables."""
import math
import os

import numpy as np

STANDARD = ["iforest", "lof", "ocsvm", "gmm", "kde", "knn"]
EXTRA = ["gauss"]  # reported, not one of the standard detectors of "best"


def load_csv(path):
    """(names, X, y or None) of a set file; y from the `label` column."""
    with open(path) as f:
        names = f.readline().rstrip("\r\n").split(",")
    X = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    if "label" in names:
        j = names.index("label")
        y = X[:, j].astype(int)
        X = np.delete(X, j, axis=1)
        names = names[:j] + names[j + 1:]
        return names, X, y
    return names, X, None


def list_sets(root):
    """[(name, [seeds])] of the sets under root (SET_ORDER first, then others)."""
    names = sorted(d for d in os.listdir(root)
                   if os.path.isdir(os.path.join(root, d, "seed0")))
    names = [n for n in SET_ORDER if n in names] + [n for n in names if n not in SET_ORDER]
    out = []
    for n in names:
        seeds = sorted(s for s in os.listdir(os.path.join(root, n)) if s.startswith("seed"))
        out.append((n, [int(s[4:]) for s in seeds]))
    return out


SET_ORDER = ["breast_cancer", "wine", "digits", "iris", "gmm_local", "torus", "spiral",
             "sensor", "box_uniform", "lognormal", "discrete_dup"]


def standardise(Xtr, *others):
    mu = Xtr.mean(0)
    sd = Xtr.std(0)
    sd[sd == 0] = 1.0
    return [(X - mu) / sd for X in (Xtr,) + others]


def metrics(y, s):
    from sklearn.metrics import average_precision_score, roc_auc_score
    return float(roc_auc_score(y, s)), float(average_precision_score(y, s))


def mean_se(v):
    v = [x for x in v if x is not None and not (isinstance(x, float) and math.isnan(x))]
    if not v:
        return float("nan"), float("nan")
    m = float(np.mean(v))
    se = float(np.std(v, ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")
    return m, se


def cell(v, digits=3):
    m, se = mean_se(v)
    if math.isnan(m):
        return "—"
    if math.isnan(se):
        return "%.*f" % (digits, m)
    return "%.*f ± %.*f" % (digits, m, digits, se)


def best_of(results, metric, dets=STANDARD):
    """(detector, mean, se) of the standard detector with the highest mean."""
    best = None
    for d in dets:
        if d not in results:
            continue
        m, se = mean_se(results[d][metric])
        if best is None or m > best[1]:
            best = (d, m, se)
    return best
