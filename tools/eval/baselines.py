#!/usr/bin/python3
"""Standard one-class detectors on the evaluation sets of make_sets.py.

    /usr/bin/python3 tools/eval/baselines.py [--sets build/evalsets] [--only digits iris]

Per set and seed: standardise with the train mean and 1/N standard deviation
(a constant column gets scale 1), fit on train.csv, score test.csv (higher =
more anomalous), ROC-AUC and average precision against its `label` column.

Detectors (sklearn, n_jobs=1, standard settings):
  iforest  IsolationForest(n_estimators=200, random_state=seed), -score_samples
  lof      LocalOutlierFactor(n_neighbors=20, novelty=True), -score_samples
  ocsvm    OneClassSVM(kernel='rbf', gamma='scale', nu=0.1), -decision_function
  gmm      GaussianMixture, full covariance, n_components 1..8 by BIC on train
           (random_state=seed, default reg_covar 1e-6), -score_samples
  kde      KernelDensity(gaussian), bandwidth by Scott's rule n^(-1/(D+4)) on
           the standardised data, -score_samples
  knn      mean Euclidean distance to the 5 nearest train rows
and, not counted as a standard detector ("best" ignores it):
  gauss    one Gaussian: Mahalanobis distance squared with the train
           covariance (1/N) of the standardised data + 1e-6 I

Writes <sets>/baselines.json (per set, detector, seed: auc, ap, fit+score
seconds) and <sets>/baselines.md (mean ± standard error over seeds), and
prints the markdown.
"""
import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def det_iforest(Xtr, Xte, seed):
    from sklearn.ensemble import IsolationForest
    m = IsolationForest(n_estimators=200, random_state=seed, n_jobs=1).fit(Xtr)
    return -m.score_samples(Xte), {}


def det_lof(Xtr, Xte, seed):
    from sklearn.neighbors import LocalOutlierFactor
    m = LocalOutlierFactor(n_neighbors=20, novelty=True, n_jobs=1).fit(Xtr)
    return -m.score_samples(Xte), {}


def det_ocsvm(Xtr, Xte, seed):
    from sklearn.svm import OneClassSVM
    m = OneClassSVM(kernel="rbf", gamma="scale", nu=0.1).fit(Xtr)
    return -m.decision_function(Xte), {}


def det_gmm(Xtr, Xte, seed):
    from sklearn.mixture import GaussianMixture
    best = None
    for k in range(1, 9):
        try:
            m = GaussianMixture(n_components=k, covariance_type="full",
                                random_state=seed).fit(Xtr)
        except (ValueError, np.linalg.LinAlgError):
            continue
        b = m.bic(Xtr)
        if best is None or b < best[0]:
            best = (b, k, m)
    return -best[2].score_samples(Xte), {"k": best[1]}


def det_kde(Xtr, Xte, seed):
    from sklearn.neighbors import KernelDensity
    n, d = Xtr.shape
    h = n ** (-1.0 / (d + 4))
    m = KernelDensity(kernel="gaussian", bandwidth=h).fit(Xtr)
    return -m.score_samples(Xte), {"bandwidth": h}


def det_knn(Xtr, Xte, seed):
    from sklearn.neighbors import NearestNeighbors
    m = NearestNeighbors(n_neighbors=5, n_jobs=1).fit(Xtr)
    dist, _ = m.kneighbors(Xte)
    return dist.mean(1), {}


def det_gauss(Xtr, Xte, seed):
    mu = Xtr.mean(0)
    C = np.cov(Xtr, rowvar=False, bias=True) + 1e-6 * np.eye(Xtr.shape[1])
    L = np.linalg.cholesky(C)
    Z = np.linalg.solve(L, (Xte - mu).T)
    return (Z ** 2).sum(0), {}


DETECTORS = {"iforest": det_iforest, "lof": det_lof, "ocsvm": det_ocsvm, "gmm": det_gmm,
             "kde": det_kde, "knn": det_knn, "gauss": det_gauss}


def table(res, metric, dets):
    head = "| set | D | n_train | n_test (anom) | " + " | ".join(dets) + " | best |"
    lines = [head, "|" + "---|" * (len(dets) + 5)]
    for name, r in res["sets"].items():
        b = common.best_of(r["detectors"], metric)
        info = r["info"]
        row = ["%s" % name, str(info["D"]), str(info["n_train"]),
               "%d (%.0f %%)" % (info["n_test"], 100 * info["anomaly_fraction"])]
        for d in dets:
            c = common.cell(r["detectors"][d][metric]) if d in r["detectors"] else "—"
            if b and d == b[0]:
                c = "**" + c + "**"
            row.append(c)
        row.append("%s %.3f ± %.3f" % b if b else "—")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="build/evalsets")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--detectors", nargs="*", default=list(DETECTORS))
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    t_all = time.time()
    info_all = {}
    sj = os.path.join(args.sets, "sets.json")
    if os.path.exists(sj):
        with open(sj) as f:
            info_all = json.load(f)
    res = {"sets": {}, "meta": {}}
    for name, seeds in common.list_sets(args.sets):
        if args.only and name not in args.only:
            continue
        r = {"detectors": {d: {"auc": [], "ap": [], "seconds": [], "extra": []}
                           for d in args.detectors}, "seeds": seeds}
        for seed in seeds:
            d = os.path.join(args.sets, name, "seed%d" % seed)
            _, Xtr, _ = common.load_csv(os.path.join(d, "train.csv"))
            _, Xte, y = common.load_csv(os.path.join(d, "test.csv"))
            Ztr, Zte = common.standardise(Xtr, Xte)
            for det in args.detectors:
                t0 = time.time()
                s, extra = DETECTORS[det](Ztr, Zte, seed)
                dt = time.time() - t0
                auc, apr = common.metrics(y, s)
                e = r["detectors"][det]
                e["auc"].append(auc)
                e["ap"].append(apr)
                e["seconds"].append(round(dt, 3))
                e["extra"].append(extra)
            print("%-14s seed%d  " % (name, seed) + "  ".join(
                "%s %.3f" % (det, r["detectors"][det]["auc"][-1]) for det in args.detectors),
                file=sys.stderr)
        r["info"] = info_all.get(name) or {"D": Xtr.shape[1], "n_train": len(Xtr),
                                           "n_test": len(y), "anomaly_fraction": float(y.mean())}
        res["sets"][name] = r
    res["meta"] = {"seconds_total": round(time.time() - t_all, 1),
                   "se": "standard error of the mean over seeds: std(ddof=1)/sqrt(n_seeds)"}
    out_json = os.path.join(args.sets, "baselines.json")
    if args.only and os.path.exists(out_json):  # merge a partial rerun
        with open(out_json) as f:
            old = json.load(f)
        old["sets"].update(res["sets"])
        old["meta"] = res["meta"]
        res = old
    with open(out_json, "w") as f:
        json.dump(res, f, indent=1)
    dets = [d for d in list(DETECTORS) if d in args.detectors]
    md = ("## ROC-AUC, mean ± SE over seeds (best standard detector in bold; gauss not counted)\n\n"
          + table(res, "auc", dets)
          + "\n\n## Average precision, mean ± SE over seeds\n\n" + table(res, "ap", dets)
          + "\n\nMean fit+score seconds per seed: " + ", ".join(
              "%s %.2f" % (det, np.mean([np.mean(r["detectors"][det]["seconds"])
                                         for r in res["sets"].values() if det in r["detectors"]]))
              for det in dets)
          + "\n\nBaseline script wall time: %.1f s\n" % res["meta"]["seconds_total"])
    with open(os.path.join(args.sets, "baselines.md"), "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
