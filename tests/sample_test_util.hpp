// Helpers shared by the statistical sampler tests: Gaussian problems with
// known moments, a thinned trace for ESS-derived error bounds, and the
// one-dimensional double well with its exact distribution function.
#pragma once

#include "ember/sample.hpp"

#include <cmath>
#include <cstddef>

namespace sample_test {

/// In-place inverse of a symmetric positive definite n x n matrix (double,
/// Gauss-Jordan with partial pivoting; test code only).
inline void invert(double* a, std::size_t n) {
    static double aug[16 * 32];
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < 2 * n; ++j)
            aug[i * 2 * n + j] = j < n ? a[i * n + j] : (j - n == i ? 1.0 : 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t piv = k;
        for (std::size_t i = k + 1; i < n; ++i)
            if (std::fabs(aug[i * 2 * n + k]) > std::fabs(aug[piv * 2 * n + k])) piv = i;
        for (std::size_t j = 0; j < 2 * n; ++j) {
            const double t = aug[k * 2 * n + j];
            aug[k * 2 * n + j] = aug[piv * 2 * n + j];
            aug[piv * 2 * n + j] = t;
        }
        const double p = aug[k * 2 * n + k];
        for (std::size_t j = 0; j < 2 * n; ++j) aug[k * 2 * n + j] /= p;
        for (std::size_t i = 0; i < n; ++i) {
            if (i == k) continue;
            const double m = aug[i * 2 * n + k];
            for (std::size_t j = 0; j < 2 * n; ++j) aug[i * 2 * n + j] -= m * aug[k * 2 * n + j];
        }
    }
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) a[i * n + j] = aug[i * 2 * n + n + j];
}

/// N(mu, cov) in dimension D (D <= 16) with its precision.
template <std::size_t D>
struct Gauss {
    double mu[D];
    double cov[D * D];
    double prec[D * D];

    /// Loads mu and the precision into a GaussianTarget<float, D>.
    void load(ember::sample::GaussianTarget<float, D>& t) const {
        float m[D], p[D * D];
        for (std::size_t i = 0; i < D; ++i) m[i] = static_cast<float>(mu[i]);
        for (std::size_t i = 0; i < D * D; ++i) p[i] = static_cast<float>(prec[i]);
        t.set(m, p);
    }
    /// Stationary covariance of ULA with step eps: (P - eps P^2 / 2)^-1.
    void ula_cov(double eps, double* out) const {
        for (std::size_t i = 0; i < D; ++i)
            for (std::size_t j = 0; j < D; ++j) {
                double pp = 0;
                for (std::size_t k = 0; k < D; ++k) pp += prec[i * D + k] * prec[k * D + j];
                out[i * D + j] = prec[i * D + j] - 0.5 * eps * pp;
            }
        invert(out, D);
    }
};

/// mu_i = 0.3 i - 0.5 (1-D: 0.5), covariance s_i s_j rho^|i-j| with s_i
/// spread over [0.7, 1.2] (1-D: variance 2).
template <std::size_t D>
Gauss<D> make_gauss(double rho) {
    Gauss<D> g{};
    for (std::size_t i = 0; i < D; ++i) {
        g.mu[i] = D == 1 ? 0.5 : 0.3 * double(i) - 0.5;
        for (std::size_t j = 0; j < D; ++j) {
            const double si = D == 1 ? std::sqrt(2.0) : 0.7 + 0.5 * double(i) / double(D - 1);
            const double sj = D == 1 ? std::sqrt(2.0) : 0.7 + 0.5 * double(j) / double(D - 1);
            const double k = i > j ? double(i - j) : double(j - i);
            g.cov[i * D + j] = si * sj * std::pow(rho, k);
        }
    }
    for (std::size_t i = 0; i < D * D; ++i) g.prec[i] = g.cov[i];
    invert(g.prec, D);
    return g;
}

/// Every `thin`-th step of D coordinates of C chains, for ESS estimates:
/// row r of coordinate d, chain c at data[(d * rows + r) * C + c]. Large:
/// keep one static instance per size (see shared_trace).
template <std::size_t D, std::size_t C, std::size_t Rows>
struct Trace {
    float data[D * Rows * C];
    float means[2 * C];
    std::size_t rows = 0;

    template <class State>
    void record(const State& s) {
        if (rows >= Rows) return;
        for (std::size_t d = 0; d < D; ++d)
            for (std::size_t c = 0; c < C; ++c) data[(d * Rows + rows) * C + c] = s.position(c, d);
        ++rows;
    }
    const float* coord(std::size_t d) const { return data + d * Rows * C; }
    /// ESS of coordinate d.
    double ess(std::size_t d) {
        return static_cast<double>(
            ember::sample::effective_sample_size(coord(d), rows, C, C, 0, means));
    }
    /// ESS of (x_i - a)(x_j - b), using `scratch` (Rows * C floats).
    double ess_product(std::size_t i, std::size_t j, double a, double b, float* scratch) {
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < C; ++c)
                scratch[r * C + c] = static_cast<float>((double(coord(i)[r * C + c]) - a) *
                                                        (double(coord(j)[r * C + c]) - b));
        return static_cast<double>(
            ember::sample::effective_sample_size(scratch, rows, C, C, 0, means));
    }
};

/// One static Trace per size, shared by every test that uses that size (the
/// Cortex-M test image has a few MiB of RAM for everything).
template <std::size_t D, std::size_t C, std::size_t Rows>
Trace<D, C, Rows>& shared_trace() {
    static Trace<D, C, Rows> t;
    t.rows = 0;
    return t;
}

/// Running first and second moments over all chains and steps (per-step
/// float sums over chains, accumulated in double).
template <std::size_t D>
struct Moments {
    double sum[D] = {};
    double sum2[D * D] = {};
    double n = 0;

    template <class State>
    void add(const State& s, const double* centre) {
        constexpr std::size_t C = State::chains;
        for (std::size_t i = 0; i < D; ++i) {
            float acc = 0;
            for (std::size_t c = 0; c < C; ++c) acc += s.position(c, i);
            sum[i] += double(acc);
            for (std::size_t j = i; j < D; ++j) {
                float a2 = 0;
                const float ci = float(centre[i]), cj = float(centre[j]);
                for (std::size_t c = 0; c < C; ++c)
                    a2 += (s.position(c, i) - ci) * (s.position(c, j) - cj);
                sum2[i * D + j] += double(a2);
            }
        }
        n += double(C);
    }
    double mean(std::size_t i) const { return sum[i] / n; }
    /// E[(x_i - centre_i)(x_j - centre_j)], i <= j.
    double cov(std::size_t i, std::size_t j) const { return sum2[i * D + j] / n; }
};

/// f(x) = -2 (x^2 - 1)^2: two wells at +-1, barrier e^2 high.
struct DoubleWell {
    template <class V>
    V operator()(const V* x, V* g) const {
        using S = ember::simd::scalar_of_t<V>;
        const V u = x[0] * x[0] - V(S(1));
        if (g) g[0] = V(S(-8)) * x[0] * u;
        return V(S(-2)) * u * u;
    }
};

/// Histogram on [lo, hi) with the exact normalised CDF of exp(f) at the bin
/// edges (Simpson's rule in double), and the KS distance at those edges.
template <std::size_t Bins>
struct Histogram {
    double lo, hi;
    double counts[Bins] = {};
    double below = 0, total = 0;
    double cdf[Bins + 1] = {};

    template <class LogDensity>
    Histogram(double lo_, double hi_, LogDensity f) : lo(lo_), hi(hi_) {
        // Integrate exp(f) over each bin with Simpson's rule (16 panels).
        double acc = 0;
        const double w = (hi - lo) / Bins;
        cdf[0] = 0;
        for (std::size_t b = 0; b < Bins; ++b) {
            const double a = lo + w * double(b);
            const int m = 16;
            const double h = w / m;
            double s = std::exp(f(a)) + std::exp(f(a + w));
            for (int k = 1; k < m; ++k) s += (k % 2 ? 4.0 : 2.0) * std::exp(f(a + h * k));
            acc += s * h / 3.0;
            cdf[b + 1] = acc;
        }
        for (auto& v : cdf) v /= acc;
    }
    void add(double x) {
        total += 1;
        if (x < lo) {
            below += 1;
            return;
        }
        const double b = std::floor((x - lo) / (hi - lo) * Bins);
        if (b < double(Bins)) counts[static_cast<std::size_t>(b)] += 1;
    }
    double ks() const {
        double run = below, d = std::fabs(run / total - cdf[0]);
        for (std::size_t b = 0; b < Bins; ++b) {
            run += counts[b];
            d = std::fmax(d, std::fabs(run / total - cdf[b + 1]));
        }
        return d;
    }
};

} // namespace sample_test
