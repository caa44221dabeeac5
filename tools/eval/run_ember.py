#!/usr/bin/python3
"""Run the `ember` CLI on the evaluation sets and compare with the baselines.

    EMBER_BIN=build/host-avx2/ember \\
      /usr/bin/python3 tools/eval/run_ember.py --label defaults
    /usr/bin/python3 tools/eval/run_ember.py --label dsm64 -- --method dsm --hidden 64,64
    /usr/bin/python3 tools/eval/run_ember.py --report defaults dsm64   # tables only

For each set and seed k under --sets (default build/evalsets):

    $EMBER_BIN train --data train.csv --out model.ember --seed k [TRAIN FLAGS]
    $EMBER_BIN score --model model.ember --data test.csv [--score-args ...]

`score` must print one energy per test row on stdout, in row order, higher =
more anomalous. ROC-AUC and AP are computed here from stdout and the test
labels (what ember prints on stderr is kept in the run directory, not used).
Flags after `--` (or in --train-args) go to `train`; --score-args to `score`.

Per run, in <sets>/runs/<label>/: <set>/seed<k>/{model.ember,energies.txt,
train.log,score.log}, results.json and table.md. A run needs
<sets>/baselines.json (tools/eval/baselines.py).

The table: per set the best standard detector (mean ROC-AUC ± SE over seeds,
the SE of that detector's own mean: std(ddof=1)/sqrt(3)), the one-Gaussian
(Mahalanobis) column, ember's mean ± SE, and
  "≥best-SE"  yes when ember_mean >= best_mean - SE_best   (the goal's test);
  "pooled"    yes when ember_mean >= best_mean - sqrt(SE_best² + SE_ember²)
              (a looser check that also counts ember's own seed noise);
plus the paired per-seed difference ember − best (mean ± SE over seeds,
information only) and mean train and score wall seconds per seed. A failed train/score (exit
status, wrong line count, non-finite energy) shows as FAIL and counts as a
miss.
"""
import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

DEFAULT_BIN = "build/host-avx2/ember"


def run_one(binary, d, wd, seed, train_args, score_args, timeout):
    os.makedirs(wd, exist_ok=True)
    model = os.path.join(wd, "model.ember")
    if os.path.exists(model):
        os.remove(model)
    out = {"seed": seed}
    cmd = binary + ["train", "--data", os.path.join(d, "train.csv"), "--out", model,
                    "--seed", str(seed)] + train_args
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        rc = p.returncode
        log = p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        rc, log = "timeout", ""
    out["train_s"] = round(time.monotonic() - t0, 3)
    with open(os.path.join(wd, "train.log"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in cmd) + "\n" + log)
    if rc != 0:
        out["error"] = "train exit %s: %s" % (rc, (log.strip().splitlines() or [""])[-1])
        return out
    out["model_bytes"] = os.path.getsize(model) if os.path.exists(model) else None
    test = os.path.join(d, "test.csv")
    cmd = binary + ["score", "--model", model, "--data", test] + score_args
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p, rc = None, "timeout"
    out["score_s"] = round(time.monotonic() - t0, 3)
    with open(os.path.join(wd, "score.log"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in cmd) + "\n" + (p.stderr if p else ""))
    if rc != 0:
        out["error"] = "score exit %s: %s" % (
            rc, (p.stderr.strip().splitlines() or [""])[-1] if p else "")
        return out
    with open(os.path.join(wd, "energies.txt"), "w") as f:
        f.write(p.stdout)
    _, _, y = common.load_csv(test)
    try:
        e = np.array([float(t) for t in p.stdout.split()])
    except ValueError as ex:
        out["error"] = "score output not numeric: %s" % ex
        return out
    if len(e) != len(y):
        out["error"] = "score printed %d values for %d rows" % (len(e), len(y))
        return out
    if not np.all(np.isfinite(e)):
        out["error"] = "%d non-finite energies" % int(np.sum(~np.isfinite(e)))
        return out
    out["auc"], out["ap"] = common.metrics(y, e)
    out["ember_stderr"] = p.stderr.strip()[-300:]
    return out


def summarise(base, run, se_floor=0.0):
    """Rows of the comparison table and the count of sets within one SE."""
    rows = []
    hits = [0, 0, 0]
    for name, r in run["sets"].items():
        b = base["sets"].get(name)
        if b is None:
            continue
        det, bm, bse = common.best_of(b["detectors"], "auc")
        gm, gse = common.mean_se(b["detectors"].get("gauss", {}).get("auc", []))
        seeds = r["seeds"]
        fails = [s for s in seeds if "auc" not in s]
        aucs = [s["auc"] for s in seeds if "auc" in s]
        aps = [s["ap"] for s in seeds if "ap" in s]
        em, ese = common.mean_se(aucs)
        ok = pooled = False
        if not fails and aucs:
            bse_eff = max(bse, se_floor)
            ok = em >= bm - bse_eff
            pse = math.sqrt(bse_eff ** 2 + (ese if not math.isnan(ese) else 0) ** 2)
            pooled = em >= bm - pse
        hits[0] += ok
        hits[1] += pooled
        hits[2] += 1
        bap = common.best_of(b["detectors"], "ap")
        # paired: per-seed ember - best, over the seeds both have
        bs = dict(zip(b["seeds"], b["detectors"][det]["auc"]))
        dif = [s["auc"] - bs[s["seed"]] for s in seeds if "auc" in s and s["seed"] in bs]
        dm, dse = common.mean_se(dif) if dif else (None, None)
        rows.append({
            "set": name, "best": det, "best_mean": bm, "best_se": bse,
            "gauss": gm, "gauss_se": gse,
            "ember": em if aucs else None, "ember_se": ese if aucs else None,
            "ember_ap": common.mean_se(aps)[0] if aps else None,
            "best_ap": bap[1], "best_ap_det": bap[0],
            "paired_diff": dm, "paired_se": dse,
            "fails": len(fails), "errors": [s.get("error") for s in fails],
            "within_se": bool(ok), "within_pooled": bool(pooled),
            "train_s": float(np.mean([s["train_s"] for s in seeds])),
            "score_s": float(np.mean([s.get("score_s", float("nan")) for s in seeds])),
        })
    return rows, hits


def fmt_pm(m, se):
    if m is None:
        return "FAIL"
    return "%.3f ± %.3f" % (m, se) if not math.isnan(se) else "%.3f" % m


def table(label, rows, hits, cmdline, se_floor=0.0):
    lines = ["### ember run `%s`" % label, "", "train flags: `%s`" % cmdline, "",
             "| set | best baseline AUC | gauss AUC | ember AUC | ember − best (paired ± SE) | ≥best−SE "
             "| pooled | ember AP (best) | train s | score s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for x in rows:
        if x["ember"] is None or x["fails"]:
            diff = "—"
            e = "FAIL (%d seeds): %s" % (x["fails"], (x["errors"][0] or "")[:60]) \
                if x["ember"] is None else fmt_pm(x["ember"], x["ember_se"]) + \
                " (%d FAIL)" % x["fails"]
        else:
            diff = "%+.3f ± %.3f" % (x["paired_diff"], x["paired_se"]) \
                if x["paired_se"] is not None and not math.isnan(x["paired_se"]) \
                else "%+.3f" % (x["ember"] - x["best_mean"])
            e = fmt_pm(x["ember"], x["ember_se"])
        lines.append("| %s | %s %s | %s | %s | %s | %s | %s | %s (%s) | %.2f | %.2f |" % (
            x["set"], x["best"], fmt_pm(x["best_mean"], x["best_se"]),
            fmt_pm(x["gauss"], x["gauss_se"]), e, diff,
            "yes" if x["within_se"] else "**no**", "yes" if x["within_pooled"] else "no",
            "%.3f" % x["ember_ap"] if x["ember_ap"] is not None else "—",
            "%.3f" % x["best_ap"], x["train_s"], x["score_s"]))
    lines += ["", "ember within one SE of the best baseline: %d/%d sets "
              "(SE of the best detector's mean%s); within the pooled SE: %d/%d" %
              (hits[0], hits[2], ", floored at %g" % se_floor if se_floor else "",
               hits[1], hits[2]),
              "mean train s per seed: %.2f; total train s: %.1f" % (
                  np.mean([x["train_s"] for x in rows]) if rows else float("nan"),
                  3 * sum(x["train_s"] for x in rows)), ""]
    return "\n".join(lines)


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.environ.get("EMBER_BIN", DEFAULT_BIN),
                    help="the ember CLI (a command line; default $EMBER_BIN or %s)"
                    % DEFAULT_BIN)
    ap.add_argument("--label", default="default", help="name of this run")
    ap.add_argument("--sets", default="build/evalsets")
    ap.add_argument("--only", nargs="*", help="set names (default: all)")
    ap.add_argument("--seeds", type=int, nargs="*", help="default: all present")
    ap.add_argument("--train-args", default="", help="flags for train (a string)")
    ap.add_argument("--score-args", default="", help="flags for score (a string)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per command")
    ap.add_argument("--se-floor", type=float, default=0.0,
                    help="use max(SE_best, this) in the checks (default 0: strict; the "
                    "SE is 0.000 on saturated sets such as box_uniform)")
    ap.add_argument("--report", nargs="*", metavar="LABEL",
                    help="no run: print the tables of these saved runs")
    args = ap.parse_args(argv)
    with open(os.path.join(args.sets, "baselines.json")) as f:
        base = json.load(f)
    runs_dir = os.path.join(args.sets, "runs")

    if args.report is not None:
        for label in args.report:
            with open(os.path.join(runs_dir, label, "results.json")) as f:
                run = json.load(f)
            rows, hits = summarise(base, run, args.se_floor)
            print(table(label, rows, hits, run["train_flags"], args.se_floor))
        return 0

    binary = shlex.split(args.bin)
    if not (os.path.exists(binary[0]) or subprocess.run(
            ["sh", "-c", "command -v %s" % shlex.quote(binary[0])],
            capture_output=True).returncode == 0):
        print("no ember binary at %s (set EMBER_BIN or --bin)" % binary[0], file=sys.stderr)
        return 2
    train_args = shlex.split(args.train_args) + extra
    score_args = shlex.split(args.score_args)
    run = {"label": args.label, "bin": args.bin, "train_flags": " ".join(train_args),
           "score_flags": " ".join(score_args), "sets": {}}
    t_all = time.monotonic()
    for name, seeds in common.list_sets(args.sets):
        if args.only and name not in args.only:
            continue
        if args.seeds:
            seeds = [s for s in seeds if s in args.seeds]
        res = []
        for seed in seeds:
            d = os.path.join(args.sets, name, "seed%d" % seed)
            wd = os.path.join(runs_dir, args.label, name, "seed%d" % seed)
            o = run_one(binary, d, wd, seed, train_args, score_args, args.timeout)
            res.append(o)
            print("%-14s seed%d  %s  train %.2fs score %.2fs" % (
                name, seed, ("auc %.3f ap %.3f" % (o["auc"], o["ap"])) if "auc" in o
                else "FAIL " + o["error"], o["train_s"], o.get("score_s", 0)),
                file=sys.stderr)
        run["sets"][name] = {"seeds": res}
    run["seconds_total"] = round(time.monotonic() - t_all, 1)
    rows, hits = summarise(base, run, args.se_floor)
    run["summary"] = {"rows": rows, "within_se": hits[0], "within_pooled": hits[1],
                      "n_sets": hits[2]}
    os.makedirs(os.path.join(runs_dir, args.label), exist_ok=True)
    with open(os.path.join(runs_dir, args.label, "results.json"), "w") as f:
        json.dump(run, f, indent=1)
    md = table(args.label, rows, hits, run["train_flags"], args.se_floor) + \
        "wall time of the run: %.1f s\n" % run["seconds_total"]
    with open(os.path.join(runs_dir, args.label, "table.md"), "w") as f:
        f.write(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
