#!/usr/bin/env python3
"""Fit the polynomial coefficients of include/ember/math.hpp.

Weighted minimax (Remez exchange) in multiple precision with mpmath, then the
coefficients are rounded to float / double and printed as C++ hex-float
literals. The header's measured ulp errors come from tests/host/test_math_ulp.cpp,
not from this script: the script only reports the error of the exact polynomial.

    python3 tools/fit_poly.py            # all fits
Requires python3-mpmath (Debian package).
"""
import mpmath as mp

mp.mp.dps = 50


def remez(g, w, a, b, degree, grid=4000, iters=30):
    """Minimise max |w(t) * (g(t) - sum c_j t^j)| over [a, b]."""
    n = degree + 1
    # Chebyshev extrema as the first reference.
    ref = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * i / n) for i in range(n + 1)]
    pts = [a + (b - a) * mp.mpf(i) / grid for i in range(grid + 1)]
    gv = [g(t) for t in pts]
    wv = [w(t) for t in pts]
    err_max = None
    for _ in range(iters):
        A = mp.matrix(n + 1, n + 1)
        rhs = mp.matrix(n + 1, 1)
        for i, t in enumerate(ref):
            for j in range(n):
                A[i, j] = t ** j
            A[i, n] = (-1) ** i / w(t)
            rhs[i] = g(t)
        sol = mp.lu_solve(A, rhs)
        c = [sol[j] for j in range(n)]
        err = [wv[k] * (gv[k] - mp.polyval(c[::-1], pts[k])) for k in range(len(pts))]
        # New reference: alternating extrema of the error curve.
        ext = [0]
        for k in range(1, len(pts) - 1):
            if (err[k] - err[k - 1]) * (err[k + 1] - err[k]) <= 0:
                ext.append(k)
        ext.append(len(pts) - 1)
        alt = []
        for k in ext:
            if alt and mp.sign(err[k]) == mp.sign(err[alt[-1]]):
                if abs(err[k]) > abs(err[alt[-1]]):
                    alt[-1] = k
            else:
                alt.append(k)
        while len(alt) > n + 1:
            # Drop the smaller end.
            if abs(err[alt[0]]) < abs(err[alt[-1]]):
                alt.pop(0)
            else:
                alt.pop()
        new_max = max(abs(e) for e in err)
        if len(alt) == n + 1:
            ref = [pts[k] for k in alt]
        if err_max is not None and abs(new_max - err_max) < new_max * mp.mpf("1e-6"):
            err_max = new_max
            break
        err_max = new_max
    return c, err_max


def hexf(x, double):
    v = float(x)
    if not double:
        import struct
        v = struct.unpack("f", struct.pack("f", v))[0]
    return v.hex() + ("" if double else "f")


def show(name, c, err, double):
    print(f"// {name}: max weighted error of exact polynomial = {mp.nstr(err, 3)}"
          f" (2^{mp.nstr(mp.log(err, 2), 4)})")
    for j, cj in enumerate(c):
        print(f"    c{j} = {hexf(cj, double)}  // {mp.nstr(cj, 20)}")


def main():
    ln2h = mp.log(2) / 2 * mp.mpf("1.0005")
    half = mp.mpf(1) / 2
    smax = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1) * mp.mpf("1.02")

    def exp_p(t):  # (e^t - 1 - t) / t^2
        if abs(t) < mp.mpf("1e-20"):  # avoid cancellation next to 0
            return mp.mpf(1) / 2 + t / 6
        return (mp.expm1(t) - t) / t ** 2

    def exp_w(t):  # relative error of q = t + t^2 P (floored: no weight-0 point)
        return mp.mpf("0.03") if abs(t) < mp.mpf("0.03") else t ** 2 / abs(mp.expm1(t))

    def log_q(z):  # (2 atanh(s) - 2 s) / s^3, z = s^2
        s = mp.sqrt(z)
        return mp.mpf(2) / 3 if z == 0 else (2 * mp.atanh(s) - 2 * s) / (s * z)

    def log_w(z):  # log1p(f) = 2 s + s z Q: error of Q relative to 2 s is z / 2
        return max(z, smax ** 2 / 100) / 2

    def sin_p(z):  # (sin(pi/2 r) / r - pi/2) / z, z = r^2; pi/2 itself is
        r = mp.sqrt(z)  # applied in two parts (hi + lo) by the header
        return (mp.sin(mp.pi / 2 * r) / r - mp.pi / 2) / z

    def sin_w(z):  # error relative to sin(pi/2 r) / r
        return max(z, half ** 2 / 100) * mp.sqrt(z) / mp.sin(mp.pi / 2 * mp.sqrt(z))

    def cos_p(z):  # (cos(pi/2 r) - 1) / z
        r = mp.sqrt(z)
        return -(mp.pi ** 2) / 8 if z == 0 else (mp.cos(mp.pi / 2 * r) - 1) / z

    def cos_w(z):
        return z / mp.cos(mp.pi / 2 * mp.sqrt(z))

    # Constants applied in two parts: hi = v rounded, lo = v - hi rounded.
    for name, v in (("pi/2", mp.pi / 2), ("ln2", mp.log(2))):
        for double in (False, True):
            hi = mp.mpf(float.fromhex(hexf(v, double).rstrip("f")))  # v rounded
            print(f"// {name} = {hexf(hi, double)} + {hexf(v - hi, double)}")
    for double, dexp, dlog, dsin, dcos in ((False, 4, 2, 2, 3), (True, 9, 6, 5, 6)):
        tag = "double" if double else "float"
        c, e = remez(exp_p, exp_w, -ln2h, ln2h, dexp)
        show(f"exp P(r) {tag}", c, e, double)
        c, e = remez(log_q, log_w, smax ** 2 * mp.mpf("1e-8"), smax ** 2, dlog)
        show(f"log Q(z) {tag}", c, e, double)
        c, e = remez(sin_p, sin_w, half ** 2 * mp.mpf("1e-8"), half ** 2, dsin)
        show(f"sin S(z) {tag}", c, e, double)
        c, e = remez(cos_p, cos_w, half ** 2 * mp.mpf("1e-8"), half ** 2, dcos)
        show(f"cos C(z) {tag}", c, e, double)


if __name__ == "__main__":
    main()
