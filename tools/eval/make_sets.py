#!/usr/bin/python3
"""Build the one-class anomaly evaluation sets of the `ember` CLI.

    /usr/bin/python3 tools/eval/make_sets.py [--out build/evalsets] [--seeds 0 1 2]

For every set and seed writes <out>/<name>/seed<k>/train.csv (normal rows only,
a header row of feature names) and test.csv (normal and anomalous rows, last
column `label`: 0 normal, 1 anomaly), plus <out>/sets.json describing the sets.
Numbers are plain decimals (no exponent, no quotes, no NaN), at most 64
feature columns: the format lib/ember/host/csv.hpp reads.

The seed changes the split (real sets) or the draw (synthetic sets). The
structure of a synthetic set (cluster centres, rotations, sensor gains, ...)
is fixed per set, so the three seeds are replicates of the same task and the
spread over seeds measures sampling noise.

Requires the Debian packages python3-numpy, python3-scipy and python3-sklearn
(only the data bundled with sklearn is used; nothing is downloaded).

The sets (D = feature columns; sizes per seed; anomaly fraction of test):

  breast_cancer  real, sklearn load_breast_cancer (Wisconsin diagnostic).
                 D=30. Normal: benign (357), 250 to train. Test: the other
                 107 benign + 12 malignant drawn from 212 (10 %).
  wine           real, sklearn load_wine. D=13. Normal: cultivars 0 and 1
                 (130), 90 to train. Test: 40 normal + 10 of cultivar 2 (20 %).
  digits         real, sklearn load_digits (8x8 images, 0..16). D=64, several
                 columns constant in train (zero-variance handling). Normal:
                 digits 0-4 (901), 600 to train. Test: 301 normal + 60 of the
                 digits 5-9 (16.6 %).
  iris           real, sklearn load_iris. D=4. Normal: setosa + versicolor
                 (100), 70 to train. Test: 30 normal + 10 virginica (25 %).
                 Tiny; virginica overlaps versicolor.
  gmm_local      synthetic. D=8, 5 Gaussian clusters of unequal weight, shape
                 and scale. Local anomalies: drawn from a cluster with its
                 covariance scaled by 5 and kept only if their true mixture
                 density is below the 0.5 % quantile of the normal one.
                 n_train 2000; test 800 + 200 (20 %).
  torus          synthetic manifold. D=10: a torus (R=2, r=0.7) in 3 dims,
                 isotropic noise 0.05 in all 10 dims, random rotation.
                 Anomalies: uniform in the torus' 3-D bounding box at least
                 0.25 from the surface (hole, inside, outside), same noise in
                 the other dims. n_train 3000; test 900 + 225 (20 %).
  spiral         synthetic manifold. D=10: a noisy two-turn-plus spiral
                 curve in a plane (noise 0.4, arm spacing 2 pi), plus 8 noise
                 dims, random rotation. Anomalies between the arms (>= 1.4
                 from the curve) inside the spiral's box. n_train 2000; test
                 600 + 150 (20 %).
  sensor         synthetic multichannel sensor snapshot. D=20 channels driven
                 by 3 latent operating variables (linear + quadratic
                 couplings, per-channel gain/offset/units, noise). Faults,
                 one per anomalous row, equally often: drift of one channel
                 (offset of 4-8 noise sigmas), stuck sensor (a channel at a
                 fixed value), spikes (1-2 channels +- 3-5 channel std),
                 broken correlation (one channel taken from another row);
                 stuck/broken rows differ from the healthy value by >= 3
                 noise sigmas. n_train 5000; test 1500 + 300 (16.7 %).
  box_uniform    synthetic. D=32: 3 clusters on a 6-dim latent space mapped
                 linearly into 32 dims plus noise. Global anomalies: uniform
                 in the per-feature [min, max] box of the data widened by
                 10 % each side. n_train 4000; test 1000 + 100 (9.1 %).
  lognormal      synthetic heavy-tailed / skewed. D=12: 10 log-normal
                 columns (correlated in log space, log-sigmas 0.3-1.5,
                 scales 1e-2..1e4) + 2 Student-t (df 2.5) columns tied to the
                 latent factors. Anomalies: log-space values with the
                 correlation broken (independent marginals), kept if their
                 log-space Mahalanobis distance exceeds the chi2 99.9 %
                 quantile. n_train 2000; test 600 + 120 (16.7 %).
  discrete_dup   synthetic mixed-type. D=16: 3 latent types; 2 continuous,
                 3 Poisson counts, 2 binary flags, a categorical code 0-4,
                 an exact duplicate column, a duplicated count column, a
                 scaled copy, a constant column, a near-constant column
                 (0 except ~0.5 % ones), a temperature rounded to 0.1, an
                 integer age 18-80 (independent), AND of the two flags.
                 Anomalies, one kind each: counts from another type, a
                 duplicate column that disagrees, flag logic violated,
                 categorical code from another type + shifted continuous.
                 n_train 3000; test 900 + 100 (10 %).

Other data bundled with Debian's sklearn 1.2 (diabetes, linnerud, the Boston
house prices CSV) has no class structure that makes a one-class task, and the
fetch_* sets need the network, so they are not used.
"""
import argparse
import json
import os
import sys

import numpy as np
from scipy import stats
from sklearn import datasets


# ----------------------------------------------------------------------------
# writing

def fmt(v):
    """A float as a plain decimal with 7 significant digits (float32 range)."""
    v = float(v) + 0.0  # no "-0"
    if v == 0.0:
        return "0"
    return np.format_float_positional(v, precision=7, unique=False,
                                      fractional=False, trim="-")


def write_csv(path, names, X, labels=None):
    X = np.asarray(X, dtype=np.float64)
    assert X.ndim == 2 and X.shape[1] == len(names) and X.shape[1] <= 64
    assert np.all(np.isfinite(X)) and np.all(np.abs(X) < 1e30)
    with open(path, "w") as f:
        header = list(names) + (["label"] if labels is not None else [])
        f.write(",".join(header) + "\n")
        for i in range(X.shape[0]):
            row = [fmt(v) for v in X[i]]
            if labels is not None:
                row.append(str(int(labels[i])))
            f.write(",".join(row) + "\n")


def random_rotation(rng, d):
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def pack(Xtr, Xn, Xa, rng):
    """Test = normal + anomalies, shuffled."""
    Xte = np.vstack([Xn, Xa])
    y = np.r_[np.zeros(len(Xn), int), np.ones(len(Xa), int)]
    p = rng.permutation(len(y))
    return Xtr, Xte[p], y[p]


def real_split(X, is_normal, n_train, n_anom, seed):
    """Normal rows -> n_train to train, rest to test; n_anom anomalies drawn."""
    rng = np.random.default_rng(1000 + seed)
    normal = np.flatnonzero(is_normal)
    anom = np.flatnonzero(~is_normal)
    normal = rng.permutation(normal)
    tr, te = normal[:n_train], normal[n_train:]
    a = rng.choice(anom, size=n_anom, replace=False)
    return pack(X[tr], X[te], X[a], rng)


# ----------------------------------------------------------------------------
# real sets

def set_breast_cancer(seed):
    d = datasets.load_breast_cancer()
    names = [n.replace(" ", "_") for n in d.feature_names]
    # target 1 = benign, 0 = malignant
    return names, *real_split(d.data, d.target == 1, 250, 12, seed)


def set_wine(seed):
    d = datasets.load_wine()
    names = [n.replace("/", "_").replace(" ", "_") for n in d.feature_names]
    return names, *real_split(d.data, d.target != 2, 90, 10, seed)


def set_digits(seed):
    d = datasets.load_digits()
    names = ["px%d" % i for i in range(64)]
    return names, *real_split(d.data, d.target <= 4, 600, 60, seed)


def set_iris(seed):
    d = datasets.load_iris()
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    return names, *real_split(d.data, d.target != 2, 70, 10, seed)


# ----------------------------------------------------------------------------
# synthetic sets; S = structure rng (fixed), rng = draw rng (per seed)

def set_gmm_local(seed):
    S = np.random.default_rng(101)
    D, K = 8, 5
    w = np.array([0.35, 0.25, 0.18, 0.12, 0.10])
    mu = S.uniform(-5, 5, size=(K, D))
    cov = []
    for k in range(K):
        A = S.standard_normal((D, D)) * S.uniform(0.2, 0.8, size=D)
        cov.append(A @ A.T / D + 0.05 * np.eye(D))
    cov = np.array(cov)
    comps = [stats.multivariate_normal(mu[k], cov[k]) for k in range(K)]

    def logp(X):
        return np.logaddexp.reduce(
            np.stack([np.log(w[k]) + comps[k].logpdf(X) for k in range(K)]), axis=0)

    rng = np.random.default_rng(2000 + seed)

    def draw(n, scale=1.0):
        z = rng.choice(K, size=n, p=w)
        out = np.empty((n, D))
        for k in range(K):
            m = z == k
            out[m] = rng.multivariate_normal(mu[k], scale * cov[k], size=m.sum())
        return out

    Xtr, Xn = draw(2000), draw(800)
    thr = np.quantile(logp(draw(20000)), 0.005)
    Xa = np.empty((0, D))
    while len(Xa) < 200:
        c = draw(2000, 5.0)
        Xa = np.vstack([Xa, c[logp(c) < thr]])
    names = ["x%d" % i for i in range(D)]
    return names, *pack(Xtr, Xn, Xa[:200], rng)


def set_torus(seed):
    S = np.random.default_rng(102)
    D, R, r, noise = 10, 2.0, 0.7, 0.05
    Q = random_rotation(S, D)
    rng = np.random.default_rng(3000 + seed)

    def surface(n):
        u, v = rng.uniform(0, 2 * np.pi, size=(2, n))
        return np.c_[(R + r * np.cos(v)) * np.cos(u), (R + r * np.cos(v)) * np.sin(u),
                     r * np.sin(v)]

    def embed(P):
        X = np.zeros((len(P), D))
        X[:, :3] = P
        return (X + noise * rng.standard_normal(X.shape)) @ Q.T

    def dist_to_surface(P):
        rho = np.hypot(P[:, 0], P[:, 1])
        return np.abs(np.hypot(rho - R, P[:, 2]) - r)

    Xtr, Xn = embed(surface(3000)), embed(surface(900))
    lim = np.array([R + r, R + r, r]) + 0.2
    A = np.empty((0, 3))
    while len(A) < 225:
        c = rng.uniform(-lim, lim, size=(2000, 3))
        A = np.vstack([A, c[dist_to_surface(c) >= 0.25]])
    Xa = embed(A[:225])
    names = ["t%d" % i for i in range(D)]
    return names, *pack(Xtr, Xn, Xa, rng)


def set_spiral(seed):
    S = np.random.default_rng(103)
    D, noise = 10, 0.4
    Q = random_rotation(S, D)
    t_lo, t_hi = np.pi, 5.5 * np.pi
    rng = np.random.default_rng(4000 + seed)
    tt = np.linspace(t_lo, t_hi, 20000)
    curve = np.c_[tt * np.cos(tt), tt * np.sin(tt)]

    def on_curve(n):
        # uniform in arc length (~ proportional to t for this spiral)
        t = np.sqrt(rng.uniform(t_lo ** 2, t_hi ** 2, size=n))
        return np.c_[t * np.cos(t), t * np.sin(t)]

    def embed(P):
        X = np.zeros((len(P), D))
        X[:, :2] = P
        return (X + noise * rng.standard_normal(X.shape)) @ Q.T

    def dist(P):
        from scipy.spatial import cKDTree
        return cKDTree(curve).query(P)[0]

    Xtr, Xn = embed(on_curve(2000)), embed(on_curve(600))
    lo, hi = curve.min(0), curve.max(0)
    A = np.empty((0, 2))
    while len(A) < 150:
        c = rng.uniform(lo, hi, size=(2000, 2))
        A = np.vstack([A, c[dist(c) >= 1.4]])
    Xa = embed(A[:150])
    names = ["s%d" % i for i in range(D)]
    return names, *pack(Xtr, Xn, Xa, rng)


def set_sensor(seed):
    S = np.random.default_rng(104)
    D, L = 20, 3
    Wl = S.standard_normal((D, L))
    Wq = S.standard_normal((D, L)) * (S.uniform(size=(D, 1)) < 0.5) * 0.4
    sig = S.uniform(0.05, 0.25, size=D)
    gain = 10 ** S.uniform(-1, 2, size=D)
    offset = S.uniform(-50, 50, size=D)
    stuck_value = None
    rng = np.random.default_rng(5000 + seed)

    def clean(n):
        z = rng.standard_normal((n, L))
        z[:, 0] = np.tanh(z[:, 0])  # saturating load
        return z @ Wl.T + (z ** 2) @ Wq.T

    def observe(C):
        return offset + gain * (C + sig * rng.standard_normal(C.shape))

    # stuck values: fixed per channel (a plausible reading), from the structure rng
    Sv = np.random.default_rng(105)
    z0 = Sv.standard_normal((1, L))
    z0[:, 0] = np.tanh(z0[:, 0])
    stuck_value = (z0 @ Wl.T + (z0 ** 2) @ Wq.T)[0]

    Xtr, Xn = observe(clean(5000)), observe(clean(1500))
    chan_std = np.std(clean(20000), axis=0)
    n_a = 300
    C = clean(n_a)
    E = C + sig * rng.standard_normal(C.shape)  # healthy reading, noise units
    other = clean(n_a) + sig * rng.standard_normal(C.shape)
    kinds = np.arange(n_a) % 4
    for i in range(n_a):
        j = rng.integers(D)
        if kinds[i] == 0:  # drift
            E[i, j] += rng.choice([-1, 1]) * rng.uniform(4, 8) * sig[j]
        elif kinds[i] == 1:  # stuck
            while abs(stuck_value[j] - E[i, j]) < 3 * sig[j]:
                j = rng.integers(D)
            E[i, j] = stuck_value[j]
        elif kinds[i] == 2:  # spikes on 1-2 channels
            for jj in rng.choice(D, size=rng.integers(1, 3), replace=False):
                E[i, jj] += rng.choice([-1, 1]) * rng.uniform(3, 5) * chan_std[jj]
        else:  # broken correlation: one channel from another row
            tries = 0
            while abs(other[i, j] - E[i, j]) < 3 * sig[j] and tries < 50:
                other[i] = clean(1)[0] + sig * rng.standard_normal(D)
                tries += 1
            E[i, j] = other[i, j]
    Xa = offset + gain * E
    names = ["ch%02d" % i for i in range(D)]
    return names, *pack(Xtr, Xn, Xa, rng)


def set_box_uniform(seed):
    S = np.random.default_rng(106)
    D, L, K = 32, 6, 3
    W = S.standard_normal((D, L))
    centres = S.uniform(-3, 3, size=(K, L))
    scale = S.uniform(0.5, 5, size=D)
    rng = np.random.default_rng(6000 + seed)

    def draw(n):
        z = centres[rng.integers(K, size=n)] + rng.standard_normal((n, L))
        return (z @ W.T + 0.3 * rng.standard_normal((n, D))) * scale

    Xtr, Xn = draw(4000), draw(1000)
    lo, hi = Xtr.min(0), Xtr.max(0)
    pad = 0.1 * (hi - lo)
    Xa = rng.uniform(lo - pad, hi + pad, size=(100, D))
    names = ["f%02d" % i for i in range(D)]
    return names, *pack(Xtr, Xn, Xa, rng)


def set_lognormal(seed):
    S = np.random.default_rng(107)
    Dl, L = 10, 3
    F = S.standard_normal((Dl, L))
    C = F @ F.T + np.diag(S.uniform(0.1, 0.5, size=Dl))
    sd = np.sqrt(np.diag(C))
    logsig = S.uniform(0.3, 1.5, size=Dl)
    C = C / np.outer(sd, sd) * np.outer(logsig, logsig)  # log-space covariance
    scale = 10 ** S.uniform(-2, 4, size=Dl)
    Ct = S.standard_normal((2, Dl)) / np.sqrt(Dl)
    Ci = np.linalg.inv(C)
    rng = np.random.default_rng(7000 + seed)

    def finish(Y):
        t = Y / logsig @ Ct.T + 0.5 * rng.standard_t(2.5, size=(len(Y), 2))
        return np.c_[scale * np.exp(Y), t]

    def normal(n):
        return rng.multivariate_normal(np.zeros(Dl), C, size=n)

    Xtr, Xn = finish(normal(2000)), finish(normal(600))
    thr = stats.chi2.ppf(0.999, Dl)
    A = np.empty((0, Dl))
    while len(A) < 120:
        Y = rng.standard_normal((2000, Dl)) * logsig  # correlation broken
        m = np.einsum("ij,jk,ik->i", Y, Ci, Y)
        A = np.vstack([A, Y[m > thr]])
    Xa = finish(A[:120])
    names = ["ln%d" % i for i in range(Dl)] + ["ht0", "ht1"]
    return names, *pack(Xtr, Xn, Xa, rng)


def set_discrete_dup(seed):
    w = np.array([0.5, 0.3, 0.2])
    cmean = np.array([[0.0, 0.0], [2.5, -1.0], [-1.5, 2.0]])
    lam = np.array([[2, 8, 1], [5, 1, 12], [0.5, 3, 3]], dtype=float)
    pflag = np.array([[0.9, 0.2], [0.3, 0.7], [0.5, 0.5]])
    pcat = np.array([[0.6, 0.3, 0.1, 0.0, 0.0], [0.0, 0.1, 0.6, 0.3, 0.0],
                     [0.1, 0.0, 0.0, 0.3, 0.6]])
    rng = np.random.default_rng(8000 + seed)

    def draw(n, z=None):
        if z is None:
            z = rng.choice(3, size=n, p=w)
        X = np.zeros((n, 16))
        X[:, 0:2] = cmean[z] + rng.standard_normal((n, 2))
        X[:, 2:5] = rng.poisson(lam[z])
        X[:, 5:7] = rng.uniform(size=(n, 2)) < pflag[z]
        X[:, 7] = [rng.choice(5, p=pcat[k]) for k in z]
        X[:, 8] = X[:, 0]
        X[:, 9] = X[:, 3]
        X[:, 10] = 2.54 * X[:, 1]
        X[:, 11] = 1.0
        X[:, 12] = rng.uniform(size=n) < 0.005
        X[:, 13] = np.round(20 + 2 * z + 0.5 * rng.standard_normal(n), 1)
        X[:, 14] = rng.integers(18, 81, size=n)
        X[:, 15] = X[:, 5] * X[:, 6]
        return X, z

    Xtr, _ = draw(3000)
    Xn, _ = draw(900)
    n_a = 100
    Xa, z = draw(n_a)
    for i in range(n_a):
        kind = i % 4
        k2 = (z[i] + rng.integers(1, 3)) % 3
        if kind == 0:  # counts from another type
            Xa[i, 2:5] = rng.poisson(lam[k2])
            Xa[i, 9] = Xa[i, 3]
        elif kind == 1:  # a duplicate that disagrees
            if rng.uniform() < 0.5:
                Xa[i, 8] = Xa[i, 0] + rng.choice([-1, 1]) * rng.uniform(0.5, 2)
            else:
                Xa[i, 9] = Xa[i, 3] + rng.choice([-1, 1]) * rng.integers(1, 4)
                Xa[i, 9] = abs(Xa[i, 9])
                if Xa[i, 9] == Xa[i, 3]:
                    Xa[i, 9] += 1
        elif kind == 2:  # flag logic violated
            Xa[i, 15] = 1 - Xa[i, 5] * Xa[i, 6]
        else:  # categorical from another type, continuous shifted towards it
            Xa[i, 7] = rng.choice(5, p=pcat[k2])
            Xa[i, 0:2] += 0.5 * (cmean[k2] - cmean[z[i]])
            Xa[i, 8] = Xa[i, 0]
            Xa[i, 10] = 2.54 * Xa[i, 1]
    names = ["cont0", "cont1", "cnt0", "cnt1", "cnt2", "flag0", "flag1", "cat",
             "cont0_dup", "cnt1_dup", "cont1_in", "const", "rare", "temp",
             "age", "flag_and"]
    return names, *pack(Xtr, Xn, Xa, rng)


SETS = {
    "breast_cancer": set_breast_cancer,
    "wine": set_wine,
    "digits": set_digits,
    "iris": set_iris,
    "gmm_local": set_gmm_local,
    "torus": set_torus,
    "spiral": set_spiral,
    "sensor": set_sensor,
    "box_uniform": set_box_uniform,
    "lognormal": set_lognormal,
    "discrete_dup": set_discrete_dup,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="build/evalsets")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--only", nargs="*", help="set names (default: all)")
    args = ap.parse_args()
    info = {}
    for name, fn in SETS.items():
        if args.only and name not in args.only:
            continue
        for seed in args.seeds:
            names, Xtr, Xte, y = fn(seed)
            d = os.path.join(args.out, name, "seed%d" % seed)
            os.makedirs(d, exist_ok=True)
            write_csv(os.path.join(d, "train.csv"), names, Xtr)
            write_csv(os.path.join(d, "test.csv"), names, Xte, y)
            const = int(np.sum(np.ptp(Xtr, axis=0) == 0))
            rec = info.setdefault(name, {"D": len(names), "n_train": len(Xtr),
                                         "n_test": len(y), "n_anomalies": int(y.sum()),
                                         "anomaly_fraction": round(float(y.mean()), 4),
                                         "constant_train_columns": {}})
            rec["constant_train_columns"]["seed%d" % seed] = const
            print("%-14s seed%d  D=%2d  train=%5d  test=%5d  anomalies=%4d (%.1f %%)"
                  "  constant train cols=%d" % (name, seed, len(names), len(Xtr), len(y),
                                                y.sum(), 100 * y.mean(), const))
            sys.stdout.flush()
    path = os.path.join(args.out, "sets.json")
    old = {}
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
    old.update(info)
    with open(path, "w") as f:
        json.dump(old, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
