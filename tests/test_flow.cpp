// Normalizing flows (include/ember/flow/): the identity at initialisation,
// inverse(forward(z)) = z, the log-density integrating to 1 on a 2-D grid,
// every gradient against central finite differences in double, the
// maximum-likelihood fit of a correlated Gaussian with the Trainer, the NCE
// noise adapter, and the statuses of non-finite inputs.
#include "ember/flow.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/train.hpp"
#include "fd_check.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

namespace ember_test_flow { // one namespace per test file (EMBER_TEST_UNITY batches)

#ifndef EMBER_TEST_BARE_METAL
#define EMBER_TEST_BARE_METAL 0
#endif
#ifndef EMBER_TEST_EMULATED
#define EMBER_TEST_EMULATED 0
#endif

namespace {

using ember::Pcg32;
using ember::Status;
using ember_test::central_diff;
using ember_test::rel_err;

constexpr double kPi = 3.14159265358979323846;

// Non-trivial parameters: init_params, then every coupling parameter moved
// by U(-c, c), l in U(-0.3, 0.3), m in U(-0.5, 0.5).
template <class Flow>
void random_params(typename Flow::value_type* p, std::uint64_t seed, double c) {
    using T = typename Flow::value_type;
    Flow::init_params(p, seed);
    Pcg32 rng(seed, 77);
    auto u = [&] { return 2.0 * ember::uniform01<double>(rng) - 1.0; };
    for (std::size_t i = 0; i < Flow::log_scale_offset; ++i) p[i] += static_cast<T>(c * u());
    for (std::size_t i = 0; i < Flow::dim; ++i) {
        p[Flow::log_scale_offset + i] = static_cast<T>(0.3 * u());
        p[Flow::shift_offset + i] = static_cast<T>(0.5 * u());
    }
}

double log_normal(const double* z, std::size_t d) {
    double q = 0;
    for (std::size_t i = 0; i < d; ++i) q += z[i] * z[i];
    return -0.5 * q - 0.5 * double(d) * std::log(2 * kPi);
}

} // namespace

// -------------------------------------------------------------------------
// Layout and the identity at initialisation

TEST_CASE("flow: parameter layout and the identity at initialisation") {
    // D = 3: even couplings condition on x0, x1 and move x2; odd ones the reverse.
    using Flow = ember::flow::RealNvp<float, 3, 3, 4>;
    static_assert(Flow::coupling_offset(0) == 0);
    static_assert(Flow::coupling_offset(1) == (2 * 4 + 4) + (4 * 2 + 2));
    static_assert(Flow::coupling_offset(2) == 22 + (1 * 4 + 4) + (4 * 4 + 4));
    static_assert(Flow::log_scale_offset == 72);
    static_assert(Flow::param_count == 78);
    static_assert(Flow::macs_per_pass == (8 + 8) + (4 + 16) + (8 + 8));
    static_assert(ember::Model<Flow>::param_count == Flow::param_count);

    static ember::Model<Flow> q;
    Flow::init_params(q.data(), 3);
    const float z[3] = {0.3f, -1.25f, 2.0f};
    float x[3], back[3], ld = 1, ldi = 1, lp = 0;
    REQUIRE(Flow::forward(q.data(), z, x, ld) == Status::ok);
    REQUIRE(Flow::inverse(q.data(), x, back, ldi) == Status::ok);
    REQUIRE(Flow::log_density(q.data(), x, lp) == Status::ok);
    for (int i = 0; i < 3; ++i) {
        CHECK(x[i] == z[i]); // exp(0) = 1, fma(z, 1, 0) = z: exact
        CHECK(back[i] == z[i]);
    }
    CHECK(ld == 0.0f);
    CHECK(ldi == 0.0f);
    const double zd[3] = {0.3, -1.25, 2.0};
    CHECK(std::fabs(double(lp) - log_normal(zd, 3)) < 1e-6);
}

// -------------------------------------------------------------------------
// inverse(forward(z)) = z

namespace {

template <class T, std::size_t D, std::size_t K, std::size_t H, class Act>
double roundtrip_error(std::uint64_t seed, int points, double c) {
    using Flow = ember::flow::RealNvp<T, D, K, H, Act>;
    static ember::Model<Flow> q;
    random_params<Flow>(q.data(), seed, c);
    Pcg32 rng(seed, 5);
    double worst = 0;
    for (int n = 0; n < points; ++n) {
        T z[D], x[D] = {}, back[D] = {}, ld = 0, ldi = 0;
        ember::fill_normal(rng, z, D);
        for (auto& v : z) v *= T(2); // also the tails
        REQUIRE(Flow::forward(q.data(), z, x, ld) == Status::ok);
        REQUIRE(Flow::inverse(q.data(), x, back, ldi) == Status::ok);
        for (std::size_t i = 0; i < D; ++i) {
            // error in units of the precision at the size of z_i (at least 1)
            const double scale = std::fmax(1.0, std::fabs(double(z[i])));
            const double e = std::fabs(double(back[i]) - double(z[i])) / scale /
                             double(std::numeric_limits<T>::epsilon());
            // (a branch, not std::fmax: GCC 12's aarch64 vectorizer crashes on
            // this fmax reduction over float inputs)
            if (e > worst) worst = e;
        }
        // log|det dg^-1/dx| at x = -log|det dg/dz| at z, to rounding
        CHECK(std::fabs(double(ld) + double(ldi)) <
              64 * double(std::numeric_limits<T>::epsilon()) * (1 + std::fabs(double(ld))));
    }
    return worst;
}

} // namespace

TEST_CASE_TEMPLATE("flow: inverse(forward(z)) = z", T, float, double) {
    const int points = EMBER_TEST_EMULATED ? 50 : 400;
    // Perturbations of the same size per layer input (c ~ 1 / fan-in): the
    // error of the round trip grows with the flow's condition number
    // (products of exp(+-s) along the way, shifts t much larger than b).
    const double e1 = roundtrip_error<T, 2, 4, 8, ember::Tanh>(1, points, 0.4);
    const double e2 = roundtrip_error<T, 3, 3, 5, ember::Swish>(2, points, 0.4);
    const double e3 = roundtrip_error<T, 16, 6, 16, ember::Tanh>(3, points / 4, 0.1);
    MESSAGE("worst |z' - z| / max(1, |z|) in units of epsilon: D=2 " << e1 << ", D=3 " << e2
                                                                     << ", D=16 " << e3);
    // Measured (x86-64 AVX2): at most 14 epsilon (float), 5 (double).
    CHECK(e1 < 32);
    CHECK(e2 < 32);
    CHECK(e3 < 32);
}

// -------------------------------------------------------------------------
// The density integrates to 1

TEST_CASE("flow: the log-density integrates to 1 on a 2-D grid") {
#if EMBER_TEST_BARE_METAL
    // double is software on Cortex-M: float and a coarser grid (the
    // integrand is smooth and decays fast, so the trapezoid rule has
    // converged already at n = 161; what is missing is the mass outside).
    using T = float;
    constexpr int n = 161;
#else
    using T = double;
    constexpr int n = 401;
#endif
    using Flow = ember::flow::RealNvp<T, 2, 4, 8>;
    static ember::Model<Flow> q;
    random_params<Flow>(q.data(), 11, 0.5);
    // The flow is not a Gaussian: check that it moved away from N(0, I).
    T x0[2] = {T(0.5), T(-0.5)}, lp0 = 0;
    REQUIRE(Flow::log_density(q.data(), x0, lp0) == Status::ok);
    const double lin[2] = {0.5, -0.5};
    CHECK(std::fabs(double(lp0) - log_normal(lin, 2)) > 0.1);

    // Trapezoid rule on [-10, 10]^2.
    const double lo = -10, hi = 10, h = (hi - lo) / (n - 1);
    double total = 0;
    for (int i = 0; i < n; ++i) {
        const double wi = (i == 0 || i == n - 1) ? 0.5 : 1.0;
        double row = 0;
        for (int j = 0; j < n; ++j) {
            const double wj = (j == 0 || j == n - 1) ? 0.5 : 1.0;
            const T x[2] = {T(lo + i * h), T(lo + j * h)};
            T lp = 0;
            REQUIRE(Flow::log_density(q.data(), x, lp) == Status::ok);
            row += wj * std::exp(double(lp));
        }
        total += wi * row;
    }
    total *= h * h;
    MESSAGE("integral of p over [-10, 10]^2: " << total);
    // Measured: 1 - 6e-7 (double, n = 401), 1 - 7.5e-5 (float, n = 161).
    CHECK(std::fabs(total - 1.0) < 5e-4);
}

// -------------------------------------------------------------------------
// Gradients against central finite differences

namespace {

constexpr double kStep = 1e-5;
constexpr double kTol = 1e-6;

template <class Flow>
void check_gradients(std::uint64_t seed) {
    constexpr std::size_t P = Flow::param_count;
    constexpr std::size_t D = Flow::dim;
    static ember::Model<Flow> q, pert;
    static Flow flow;
    random_params<Flow>(q.data(), seed, 0.6);
    Pcg32 rng(seed, 9);
    static double grad[P], grad_fd[P], scratch[P];
    double worst = 0;

    for (int point = 0; point < 3; ++point) {
        double x[D], z[D], xbar[D];
        ember::fill_normal(rng, x, D);
        ember::fill_normal(rng, z, D);
        ember::fill_normal(rng, xbar, D);
        const double lbar = 0.7, ldbar = -0.6;

        // log p(x): d/dphi (added to a non-zero buffer) and d/dx.
        for (auto& g : grad) g = 0.25;
        double lp = 0, gx[D] = {};
        REQUIRE(flow.log_density_vjp(q.data(), x, lbar, lp, grad, gx) == Status::ok);
        for (auto& g : grad) g -= 0.25;
        double lp_ref = 0;
        REQUIRE(Flow::log_density(q.data(), x, lp_ref) == Status::ok);
        CHECK(lp == lp_ref);
        pert = q;
        central_diff(
            pert.data(), P,
            [&] {
                double v = 0;
                REQUIRE(Flow::log_density(pert.data(), x, v) == Status::ok);
                return lbar * v;
            },
            grad_fd, kStep);
        const double e_p = rel_err(grad, grad_fd, P);
        double xs[D], gx_fd[D];
        for (std::size_t i = 0; i < D; ++i) xs[i] = x[i];
        central_diff(
            xs, D,
            [&] {
                double v = 0;
                REQUIRE(Flow::log_density(q.data(), xs, v) == Status::ok);
                return lbar * v;
            },
            gx_fd, kStep);
        const double e_x = rel_err(gx, gx_fd, D);

        // The sample path: L = xbar . g(z) + ldbar log|det dg/dz|.
        auto path = [&](const double* params, const double* zz, const double* xb, double ldb) {
            double xx[D] = {}, ld = 0;
            REQUIRE(Flow::forward(params, zz, xx, ld) == Status::ok);
            double v = ldb * ld;
            if (xb)
                for (std::size_t i = 0; i < D; ++i) v += xb[i] * xx[i];
            return v;
        };
        for (auto& g : grad) g = -0.5;
        double xo[D] = {}, ld = 0, gz[D] = {};
        REQUIRE(flow.forward_vjp(q.data(), z, xbar, ldbar, xo, ld, grad, gz) == Status::ok);
        for (auto& g : grad) g += 0.5;
        double x_ref[D] = {}, ld_ref = 0;
        REQUIRE(Flow::forward(q.data(), z, x_ref, ld_ref) == Status::ok);
        CHECK(ld == ld_ref);
        for (std::size_t i = 0; i < D; ++i) CHECK(xo[i] == x_ref[i]);
        pert = q;
        central_diff(
            pert.data(), P, [&] { return path(pert.data(), z, xbar, ldbar); }, grad_fd, kStep);
        const double e_sp = rel_err(grad, grad_fd, P);
        double zs[D], gz_fd[D];
        for (std::size_t i = 0; i < D; ++i) zs[i] = z[i];
        central_diff(
            zs, D, [&] { return path(q.data(), zs, xbar, ldbar); }, gz_fd, kStep);
        const double e_sz = rel_err(gz, gz_fd, D);

        // The log-determinant alone (xbar null), as the entropy term needs.
        for (auto& g : scratch) g = 0;
        REQUIRE(flow.forward_vjp(q.data(), z, nullptr, 1.0, nullptr, ld, scratch) == Status::ok);
        pert = q;
        central_diff(
            pert.data(), P, [&] { return path(pert.data(), z, nullptr, 1.0); }, grad_fd, kStep);
        const double e_ld = rel_err(scratch, grad_fd, P);

        CAPTURE(point);
        CAPTURE(e_p);
        CAPTURE(e_x);
        CAPTURE(e_sp);
        CAPTURE(e_sz);
        CAPTURE(e_ld);
        CHECK(e_p < kTol);
        CHECK(e_x < kTol);
        CHECK(e_sp < kTol);
        CHECK(e_sz < kTol);
        CHECK(e_ld < kTol);
        for (double e : {e_p, e_x, e_sp, e_sz, e_ld}) worst = std::fmax(worst, e);
    }

    // The maximum-likelihood loss over a batch of 5.
    static ember::flow::MaximumLikelihood<Flow> ml;
    double data[5 * D];
    ember::fill_normal(rng, data, 5 * D);
    const auto batch = ember::train::Points<double>::contiguous(ember::Span<const double>(data), D);
    auto loss_at = [&](const double* params, double* g) {
        Pcg32 r(1, 1);
        double l = 0;
        REQUIRE(ml.loss_and_grad(params, batch, r, g, l) == Status::ok);
        return l;
    };
    for (auto& g : grad) g = 0;
    const double l0 = loss_at(q.data(), grad);
    CHECK(std::isfinite(l0));
    pert = q;
    central_diff(
        pert.data(), P, [&] { return loss_at(pert.data(), scratch); }, grad_fd, kStep);
    const double e_ml = rel_err(grad, grad_fd, P);
    CAPTURE(e_ml);
    CHECK(e_ml < kTol);
    MESSAGE("D=" << D << " K=" << Flow::couplings << " H=" << Flow::hidden
                 << ": worst relative error of the passes " << worst << ", ML loss " << e_ml);
}

} // namespace

#if EMBER_TEST_BARE_METAL
#define EMBER_FLOW_FD_TYPES ember::flow::RealNvp<double, 3, 3, 4>
#else
#define EMBER_FLOW_FD_TYPES                                                                        \
    ember::flow::RealNvp<double, 3, 3, 4>, ember::flow::RealNvp<double, 2, 4, 3>,                  \
        ember::flow::RealNvp<double, 5, 2, 6, ember::Swish>,                                       \
        ember::flow::RealNvp<double, 4, 5, 3, ember::Softplus>
#endif

TEST_CASE_TEMPLATE("flow: every gradient matches finite differences", Flow, EMBER_FLOW_FD_TYPES) {
    check_gradients<Flow>(21);
}

// -------------------------------------------------------------------------
// Sampling

TEST_CASE("flow: sample is forward of fill_normal, with log p of the sample") {
    using Flow = ember::flow::RealNvp<float, 3, 4, 6>;
    static ember::Model<Flow> q;
    random_params<Flow>(q.data(), 4, 0.5);
    Pcg32 a(7, 1), b(7, 1);
    for (int n = 0; n < 20; ++n) {
        float x[3], lp = 0;
        REQUIRE(Flow::sample(q.data(), a, x, &lp) == Status::ok);
        float z[3], xr[3], ld = 0, lpr = 0;
        ember::fill_normal(b, z, 3);
        REQUIRE(Flow::forward(q.data(), z, xr, ld) == Status::ok);
        for (int i = 0; i < 3; ++i) CHECK(x[i] == xr[i]);
        REQUIRE(Flow::log_density(q.data(), x, lpr) == Status::ok);
        CHECK(std::fabs(double(lp) - double(lpr)) < 1e-4 * (1 + std::fabs(double(lp))));
    }
    CHECK(a.next_u32() == b.next_u32()); // the same draws
}

// -------------------------------------------------------------------------
// Statuses

TEST_CASE("flow: non-finite inputs are refused and outputs left untouched") {
    using Flow = ember::flow::RealNvp<float, 2, 2, 4>;
    static ember::Model<Flow> q;
    static Flow flow;
    random_params<Flow>(q.data(), 5, 0.3);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const float bad[2][2] = {{nan, 0.0f}, {0.0f, inf}};
    for (const auto& x : bad) {
        float out[2] = {7, 7}, v = 7;
        static float grad[Flow::param_count];
        CHECK(Flow::forward(q.data(), x, out, v) == Status::non_finite_input);
        CHECK(Flow::inverse(q.data(), x, out, v) == Status::non_finite_input);
        CHECK(Flow::log_density(q.data(), x, v) == Status::non_finite_input);
        CHECK(flow.log_density_vjp(q.data(), x, 1.0f, v, grad, out) == Status::non_finite_input);
        CHECK(flow.forward_vjp(q.data(), x, nullptr, 1.0f, out, v, grad) ==
              Status::non_finite_input);
        const float z[2] = {0, 0};
        CHECK(flow.forward_vjp(q.data(), z, x, 1.0f, out, v, grad) == Status::non_finite_input);
        CHECK(out[0] == 7.0f);
        CHECK(out[1] == 7.0f);
        CHECK(v == 7.0f);
        for (float g : grad) CHECK(g == 0.0f);
    }
    // An overflowing last layer (exp(l) = inf) is a non-finite output.
    q.data()[Flow::log_scale_offset] = 100.0f;
    const float z[2] = {0.5f, 0.5f};
    float out[2] = {7, 7}, v = 7;
    CHECK(Flow::forward(q.data(), z, out, v) == Status::non_finite_output);
    CHECK(out[0] == 7.0f);
    Pcg32 rng(1, 1);
    CHECK(Flow::sample(q.data(), rng, out, &v) == Status::non_finite_output);
    CHECK(v == 7.0f);
    // ... and so is exp(-l) = inf on the way in (although log p = ... + 100
    // would be finite).
    q.data()[Flow::log_scale_offset] = -100.0f;
    CHECK(Flow::log_density(q.data(), z, v) == Status::non_finite_output);
    CHECK(v == 7.0f);
}

// -------------------------------------------------------------------------
// Maximum likelihood with the Trainer

namespace {

// n points of N(mu, Sigma), mu = (1, -0.5), Sigma = [[1, 0.8], [0.8, 1]]
// (Cholesky factor [[1, 0], [0.8, 0.6]]).
void correlated_gaussian(float* out, std::size_t n, std::uint64_t seed) {
    Pcg32 rng(seed, 3);
    for (std::size_t i = 0; i < n; ++i) {
        float a, b;
        ember::normal_pair(rng, a, b);
        out[2 * i] = 1.0f + a;
        out[2 * i + 1] = -0.5f + 0.8f * a + 0.6f * b;
    }
}

struct Moments2 {
    double mean[2] = {0, 0};
    double cov[3] = {0, 0, 0}; // s00, s01, s11
};

Moments2 moments(const float* x, std::size_t n) {
    Moments2 m;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t r = 0; r < 2; ++r) m.mean[r] += double(x[2 * i + r]) / double(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double a = double(x[2 * i]) - m.mean[0], b = double(x[2 * i + 1]) - m.mean[1];
        m.cov[0] += a * a / double(n);
        m.cov[1] += a * b / double(n);
        m.cov[2] += b * b / double(n);
    }
    return m;
}

} // namespace

TEST_CASE("flow: maximum likelihood recovers a correlated Gaussian") {
    using Flow = ember::flow::RealNvp<float, 2, 4, 16>;
    using M = ember::Model<Flow>;
    using Loss = ember::flow::MaximumLikelihood<Flow>;
    using Opt = ember::train::Adam<float, M::param_count>;
    constexpr std::uint32_t steps = 300;
    constexpr std::size_t n = 2000;
    static float data[2 * n];
    correlated_gaussian(data, n, 1);
    static M q;
    static Loss loss;
    static Opt opt;
    static ember::train::Trainer<M, Loss, Opt, 64> trainer(q, loss, opt);
    Flow::init_params(q.data(), 1);
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 2;
    cfg.lr = ember::train::LrSchedule<float>::cosine(2e-2f, steps, 1e-3f);
    REQUIRE(trainer.configure(cfg) == Status::ok);
    REQUIRE(trainer.set_dataset(ember::Span<const float>(data, 2 * n)) == Status::ok);
    const float nll0 = [&] {
        float l = 0;
        Pcg32 r(0, 0);
        static float g[M::param_count];
        REQUIRE(loss.loss_and_grad(q.data(),
                                   ember::train::Points<float>::contiguous(
                                       ember::Span<const float>(data, 2 * n), 2),
                                   r, g, l) == Status::ok);
        return l;
    }();
    REQUIRE(trainer.run(steps) == Status::ok);
    CHECK(trainer.skipped() == 0);
    // FNV-1a of the parameters' bits: the same on every target.
    std::uint32_t hash = 2166136261u;
    for (std::size_t i = 0; i < M::param_count; ++i) {
        std::uint32_t bits = 0;
        std::memcpy(&bits, q.data() + i, sizeof bits);
        for (int b = 0; b < 4; ++b) hash = (hash ^ ((bits >> (8 * b)) & 0xffu)) * 16777619u;
    }
    MESSAGE("flow ML: parameter hash after " << steps << " steps: " << hash);
    // Measured on x86-64 (AVX2), aarch64 and Cortex-M4F (QEMU): the training is
    // deterministic by construction, so every target gets these bits.
    CHECK(hash == 3340272310u);

    // Mean NLL on the data against the true Gaussian's on the same points.
    float nll = 0;
    {
        Pcg32 r(0, 0);
        static float g[M::param_count];
        REQUIRE(loss.loss_and_grad(q.data(),
                                   ember::train::Points<float>::contiguous(
                                       ember::Span<const float>(data, 2 * n), 2),
                                   r, g, nll) == Status::ok);
    }
    double nll_true = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double a = double(data[2 * i]) - 1.0, b = double(data[2 * i + 1]) + 0.5;
        // Sigma^-1 = [[1, -0.8], [-0.8, 1]] / 0.36, log det Sigma = log 0.36
        const double quad = (a * a - 1.6 * a * b + b * b) / 0.36;
        nll_true += 0.5 * quad + 0.5 * std::log(0.36) + std::log(2 * kPi);
    }
    nll_true /= double(n);

    // Moments of flow samples.
    constexpr std::size_t ns = EMBER_TEST_EMULATED ? 2000 : 8000;
    static float xs[2 * ns];
    Pcg32 rng(99, 1);
    for (std::size_t i = 0; i < ns; ++i)
        REQUIRE(Flow::sample(q.data(), rng, xs + 2 * i) == Status::ok);
    const Moments2 m = moments(xs, ns);
    MESSAGE("flow ML: NLL " << nll0 << " -> " << nll << " (true Gaussian " << nll_true
                            << "), sample mean (" << m.mean[0] << ", " << m.mean[1] << "), cov ["
                            << m.cov[0] << ", " << m.cov[1] << "; " << m.cov[2] << "]");
    CHECK(double(nll) - nll_true < 0.05);
    CHECK(std::fabs(m.mean[0] - 1.0) < 0.1);
    CHECK(std::fabs(m.mean[1] + 0.5) < 0.1);
    CHECK(std::fabs(m.cov[0] - 1.0) < 0.15);
    CHECK(std::fabs(m.cov[1] - 0.8) < 0.15);
    CHECK(std::fabs(m.cov[2] - 1.0) < 0.15);
}

// -------------------------------------------------------------------------
// A flow as the noise of NCE

TEST_CASE("flow: FlowNoise is NCE's noise distribution") {
    using Flow = ember::flow::RealNvp<float, 2, 2, 8>;
    using Noise = ember::flow::FlowNoise<Flow>;
    using Net = ember::Mlp<float, ember::Swish, 2, 8>;
    using M = ember::Model<Net, ember::Scalar<float>>;
    static ember::Model<Flow> q;
    random_params<Flow>(q.data(), 6, 0.3);

    Noise unbound;
    const float x[2] = {0.25f, -0.5f};
    CHECK(std::isnan(unbound.log_density(x)));
    Noise noise(q.data());
    float lp = 0;
    REQUIRE(Flow::log_density(q.data(), x, lp) == Status::ok);
    CHECK(noise.log_density(x) == lp);
    Pcg32 a(3, 3), b(3, 3);
    float y[2], yr[2];
    noise.sample(a, y);
    REQUIRE(Flow::sample(q.data(), b, yr) == Status::ok);
    CHECK(y[0] == yr[0]);
    CHECK(y[1] == yr[1]);

    static M model;
    static ember::train::NoiseContrastiveEstimation<M, Noise> nce;
    Net::init_params(model.block<0>(), 1);
    REQUIRE(nce.configure({2}) == Status::ok);
    nce.noise().bind(q.data());
    static float data[2 * 16];
    correlated_gaussian(data, 16, 4);
    static float grad[M::param_count];
    Pcg32 rng(5, 5);
    float l = 0;
    REQUIRE(nce.loss_and_grad(
                model.data(),
                ember::train::Points<float>::contiguous(ember::Span<const float>(data), 2), rng,
                grad, l) == Status::ok);
    CHECK(std::isfinite(l));
}

} // namespace ember_test_flow
