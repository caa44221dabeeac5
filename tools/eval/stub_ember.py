#!/usr/bin/python3
"""A stand-in for the `ember` CLI, to test run_ember.py: one Gaussian.

    stub_ember.py train --data train.csv --out model.ember --seed K [other flags ignored]
    stub_ember.py score --model model.ember --data test.csv

train standardises (train mean, 1/N std, a constant column gets scale 1),
fits a mean and covariance (+1e-6 I) and writes them as JSON; score prints
one energy per row, the squared Mahalanobis distance (higher = more
anomalous), and, when the file has a `label` column, "auc=... ap=..." on
stderr. Same numbers as the `gauss` column of baselines.py.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["train", "score"])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out")
    ap.add_argument("--model")
    ap.add_argument("--seed", type=int, default=0)
    args, _unknown = ap.parse_known_args()
    names, X, y = common.load_csv(args.data)
    if args.cmd == "train":
        mu, sd = X.mean(0), X.std(0)
        sd[sd == 0] = 1.0
        Z = (X - mu) / sd
        C = np.cov(Z, rowvar=False, bias=True) + 1e-6 * np.eye(Z.shape[1])
        with open(args.out, "w") as f:
            json.dump({"features": names, "mu": mu.tolist(), "sd": sd.tolist(),
                       "m": Z.mean(0).tolist(), "C": C.tolist()}, f)
        return 0
    with open(args.model) as f:
        m = json.load(f)
    if m["features"] != names:
        print("feature columns differ from the model's", file=sys.stderr)
        return 1
    Z = (X - np.array(m["mu"])) / np.array(m["sd"])
    L = np.linalg.cholesky(np.array(m["C"]))
    W = np.linalg.solve(L, (Z - np.array(m["m"])).T)
    e = (W ** 2).sum(0)
    sys.stdout.write("".join("%.9g\n" % v for v in e))
    if y is not None:
        auc, apr = common.metrics(y, e)
        print("auc=%.4f ap=%.4f" % (auc, apr), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
