// Quality of the score-matching trainers on the 2-D toy targets, with a
// budget small enough for every CI run on the default x86-64 build (SSE2,
// where every fused multiply-add is a libm call); the full protocol is
// examples/toy2d. Protocol: Mlp<float, Swish, 2, 16, 16>, Adam, a batch of
// 128 fresh target samples per step, cosine learning rate 1e-2 -> 1e-3;
// normalise the model on a 100 x 100 grid over [-5, 5]^2 (logsumexp of f at
// the cell midpoints + log cell area) and estimate KL(data || model) on 5000
// fresh points. Everything is seeded (seed 0): the same bits on every run and
// on every host build (SSE2 and AVX2 give identical numbers by design).
//
// Each KL is compared with a baseline computed here from the same data: the
// moment-matched Gaussian (see GaussianFit). The measured values the bounds
// come from are in the comments of the test cases (seeds 0, 1, 2 with their
// median, and the largest over seeds 0-9); seed 0 is what the test runs, and
// its values are printed for the record.
//
// The file compiles to nothing under QEMU (the aarch64 and armv7 Linux builds
// compile tests/host too): see the #if below.
#include "ember/host/toy2d.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/train.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace ember_test_train_quality_host { // one namespace per test file (EMBER_TEST_UNITY batches)

#ifndef EMBER_TEST_EMULATED
#define EMBER_TEST_EMULATED 0
#endif

// Native builds only: under QEMU the trainings would take minutes, and GCC 12
// for aarch64 crashes (internal compiler error in the loop vectorizer) on
// this file at -O2.
#if !EMBER_TEST_EMULATED

namespace {

namespace toy = ember::host::toy2d;
using Net = ember::Mlp<float, ember::Swish, 2, 16, 16>;
using Opt = ember::train::Adam<float, Net::param_count>;
constexpr std::size_t kBatch = 128;
constexpr float kLr = 1e-2f;
constexpr int kGrid = 100;
constexpr std::size_t kTestPoints = 5000;

// Sums of x, y and their products, in double, over every training point.
struct Moments {
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
    void add(const float* xy, std::size_t count) {
        for (std::size_t i = 0; i < count; ++i) {
            const double x = static_cast<double>(xy[2 * i]);
            const double y = static_cast<double>(xy[2 * i + 1]);
            n += 1;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
            syy += y * y;
        }
    }
};

// The baseline: the Gaussian with the sample mean and the (full, maximum-
// likelihood) sample covariance of the very points the network was trained
// on, used as a model exactly like the network: its unnormalised log-density
// f(x) = -(x - m)^T C^-1 (x - m) / 2 is normalised on the same grid and
// scored on the same test points. Normalising on the grid drops the
// Gaussian's mass outside [-5, 5]^2, which lowers its KL (by ~0.03 nats on
// 8gaussians, ~0.001 on rings, against the analytic normaliser), so the
// baseline is the stricter of the two.
struct GaussianFit {
    double mx, my, cxx, cxy, cyy, det;
    explicit GaussianFit(const Moments& m)
        : mx(m.sx / m.n), my(m.sy / m.n), cxx(m.sxx / m.n - mx * mx), cxy(m.sxy / m.n - mx * my),
          cyy(m.syy / m.n - my * my), det(cxx * cyy - cxy * cxy) {}
    double f(double x, double y) const {
        const double dx = x - mx, dy = y - my;
        return -0.5 * (cyy * dx * dx - 2 * cxy * dx * dy + cxx * dy * dy) / det;
    }
};

// rings: index of the annulus of radius r, split at the midpoints between
// the ring radii 0.75, 1.5, 2.25, 3 (each annulus holds one ring).
int annulus(double x, double y) {
    const double r = std::sqrt(x * x + y * y);
    return r < 1.125 ? 0 : r < 1.875 ? 1 : r < 2.625 ? 2 : 3;
}

// One model given by f on the grid and at the test points (the network's
// float values, or the baseline's), scored by the same protocol.
struct Scores {
    double kl = 0; // KL(data || model), nats
    // rings only: KL(data || q'), q' the model rescaled so that each annulus
    // holds mass 1/4 (q' = q / (4 q_k) on annulus k, q_k the model's mass
    // there on the grid), on the same test points. The data's mass p_k in
    // each annulus is 1/4 (to ~1e-5: the rings are 4.7 standard deviations
    // from the boundaries), so by the chain rule of KL this is
    // kl - sum_k p_k log(p_k / q_k): the part of kl that does not come from
    // the rings' relative weights, i.e. how well the model learned their
    // shape.
    double kl_shape = 0;
};

template <class FGrid, class FTest>
Scores score(toy::Target target, const toy::Grid& grid, FGrid&& f_grid,
             const std::vector<float>& test, FTest&& f_test) {
    // log Z on the grid, as toy::log_partition (in double).
    const std::size_t cells = static_cast<std::size_t>(grid.n) * static_cast<std::size_t>(grid.n);
    std::vector<double> fg(cells);
    double top = -std::numeric_limits<double>::infinity();
    for (int r = 0; r < grid.n; ++r)
        for (int c = 0; c < grid.n; ++c) {
            const std::size_t k = static_cast<std::size_t>(r) * static_cast<std::size_t>(grid.n) +
                                  static_cast<std::size_t>(c);
            fg[k] = f_grid(k, grid.mid(c), grid.mid(r));
            top = std::fmax(top, fg[k]);
        }
    double total = 0, mass[4] = {0, 0, 0, 0};
    for (int r = 0; r < grid.n; ++r)
        for (int c = 0; c < grid.n; ++c) {
            const double p =
                std::exp(fg[static_cast<std::size_t>(r) * static_cast<std::size_t>(grid.n) +
                            static_cast<std::size_t>(c)] -
                         top);
            total += p;
            mass[annulus(grid.mid(c), grid.mid(r))] += p;
        }
    const double log_z = top + std::log(total) + 2.0 * std::log(grid.cell());
    const std::size_t n = test.size() / 2;
    double kl = 0, reweight = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = static_cast<double>(test[2 * i]), y = static_cast<double>(test[2 * i + 1]);
        kl += toy::log_density(target, x, y) - (f_test(i, x, y) - log_z);
        reweight += std::log(0.25 / (mass[annulus(x, y)] / total));
    }
    Scores s;
    s.kl = kl / static_cast<double>(n);
    s.kl_shape = s.kl - reweight / static_cast<double>(n);
    return s;
}

struct Measured {
    Scores model, baseline;
    unsigned skipped = 0;
    bool configured = false;
};

// Trains a fresh network with `loss` for `steps` steps on `target` and scores
// it and the moment-matched Gaussian of its training points. `seed` selects
// the initialisation, the trainer's noise, the data and the test points (the
// test runs seed 0; other seeds were run once to set the bounds).
template <class Loss>
Measured measure(Loss& loss, toy::Target target, unsigned steps, std::uint64_t seed = 0) {
    static Net net;
    static Opt opt;
    net.init(seed + 1);
    opt.reset();
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = seed;
    cfg.lr = ember::train::LrSchedule<float>::cosine(kLr, steps, 0.1f * kLr);
    ember::train::Trainer<Net, Loss, Opt, kBatch> trainer(net, loss, opt); // binds this loss
    Measured out;
    out.configured = trainer.configure(cfg) == ember::Status::ok;
    ember::Pcg32 data_rng(seed, 1);
    static float batch[2 * kBatch];
    Moments moments;
    for (unsigned s = 0; s < steps; ++s) {
        toy::sample(target, data_rng, batch, kBatch);
        moments.add(batch, kBatch);
        (void)trainer.step(ember::Span<const float>(batch));
    }
    out.skipped = trainer.skipped();

    toy::Grid grid;
    grid.n = kGrid;
    std::vector<float> test(2 * kTestPoints);
    ember::Pcg32 test_rng(seed, 2);
    toy::sample(target, test_rng, test.data(), kTestPoints);
    const std::vector<float> f_grid = toy::eval_grid(net, grid);
    std::vector<float> f_test(kTestPoints);
    (void)net.evaluate(ember::Span<const float>(test.data(), test.size()),
                       ember::Span<float>(f_test.data(), f_test.size()));
    out.model = score(
        target, grid, [&](std::size_t k, double, double) { return static_cast<double>(f_grid[k]); },
        test, [&](std::size_t i, double, double) { return static_cast<double>(f_test[i]); });
    const GaussianFit g(moments);
    out.baseline = score(
        target, grid, [&](std::size_t, double x, double y) { return g.f(x, y); }, test,
        [&](std::size_t, double x, double y) { return g.f(x, y); });
    return out;
}

std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.17g", v); // every bit, to compare builds
    return b;
}

template <class Loss>
std::string describe(const Measured& m, toy::Target target, unsigned steps) {
    std::string s = std::string(Loss::name) + " on " + toy::target_name(target) + " (" +
                    std::to_string(steps) + " steps): KL " + num(m.model.kl) +
                    " nats, Gaussian baseline " + num(m.baseline.kl);
    if (target == toy::Target::rings)
        s += "; ring-weight-corrected KL " + num(m.model.kl_shape) + ", baseline " +
             num(m.baseline.kl_shape);
    return s;
}

// Runs one training and checks it: no skipped step, KL below `bound`, and
// (margin >= 0) KL at least `margin` below the Gaussian baseline's.
template <class Loss>
Measured check_kl(Loss& loss, toy::Target target, unsigned steps, double bound, double margin) {
    const Measured m = measure(loss, target, steps);
    MESSAGE(describe<Loss>(m, target, steps));
    CHECK(m.configured);
    CHECK(m.skipped == 0);
    CHECK(m.model.kl < bound);
    if (margin >= 0) CHECK(m.model.kl < m.baseline.kl - margin);
    return m;
}

// rings: the same with the ring-weight-corrected KL (Scores::kl_shape).
template <class Loss>
Measured check_shape(Loss& loss, unsigned steps, double bound, double margin) {
    const Measured m = measure(loss, toy::Target::rings, steps);
    MESSAGE(describe<Loss>(m, toy::Target::rings, steps));
    CHECK(m.configured);
    CHECK(m.skipped == 0);
    CHECK(m.model.kl_shape < bound);
    CHECK(m.model.kl_shape < m.baseline.kl_shape - margin);
    return m;
}

} // namespace

TEST_CASE("train quality: the toy targets' densities") {
    // Each density integrates to 1 over [-6, 6]^2 (mass outside is < 1e-6).
    for (auto t : {toy::Target::eight_gaussians, toy::Target::rings, toy::Target::gauss2}) {
        const int n = 600;
        const double h = 12.0 / n;
        double mass = 0;
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                mass +=
                    std::exp(toy::log_density(t, -6 + (i + 0.5) * h, -6 + (j + 0.5) * h)) * h * h;
        CAPTURE(toy::target_name(t));
        CHECK(mass == doctest::Approx(1.0).epsilon(1e-4));
    }
    // i0e against its series at a few points and its asymptote far out.
    CHECK(toy::bessel_i0e(0.0) == doctest::Approx(1.0));
    CHECK(toy::bessel_i0e(1.0) == doctest::Approx(0.46575960759364043).epsilon(1e-14));
    CHECK(toy::bessel_i0e(25.0) == doctest::Approx(0.080196773547436708).epsilon(1e-13));
    CHECK(toy::bessel_i0e(1e4) ==
          doctest::Approx(1.0 / std::sqrt(2 * 3.14159265358979 * 1e4)).epsilon(1e-4));
}

// How the numbers below were set. Each training was run once with seeds 0-9
// (the test runs seed 0; the values are bit-identical on the host and
// host-avx2 builds). "med" is the median over seeds 0, 1, 2, "max" the
// largest over seeds 0-9. Absolute bound: max(1.5 med, 1.3 max), rounded
// up to two digits, so that it holds for every seed measured and not only
// for the one the test runs. Margin below the Gaussian: at most about half
// the smallest gap (baseline - KL) over seeds 0-9, which is many times the
// seed-to-seed spread of the baseline estimate itself (standard deviation
// 0.013 nats on 8gaussians, 0.009 on rings).

TEST_CASE("train quality: every estimator fits the correlated Gaussian") {
    static ember::train::ExactScoreMatching<Net> sm;
    static ember::train::SlicedScoreMatching<Net> ssm;
    static ember::train::SlicedScoreMatchingVR<Net> vr;
    static ember::train::DenoisingScoreMatching<Net> dsm(0.1f);
    // The Gaussian family holds the target (the baseline scores 3e-4 nats,
    // seed 0), so there is nothing to beat: absolute bounds only.
    // KL (nats), 300 steps, seeds 0 1 2 (med) max:
    //   sm      0.00065 0.0033 0.00041 (0.00065)  0.0037
    //   ssm     0.0015  0.0045 0.00078 (0.0015)   0.014
    //   ssm-vr  0.0015  0.0032 0.00060 (0.0015)   0.0035
    //   dsm     0.0087  0.0079 0.013   (0.0087)   0.042  (sigma = 0.1)
    check_kl(sm, toy::Target::gauss2, 300, 0.0049, -1);
    check_kl(ssm, toy::Target::gauss2, 300, 0.019, -1);
    check_kl(vr, toy::Target::gauss2, 300, 0.0046, -1);
    check_kl(dsm, toy::Target::gauss2, 300, 0.055, -1);
}

TEST_CASE("train quality: every estimator beats the Gaussian on 8gaussians") {
    static ember::train::ExactScoreMatching<Net> sm;
    static ember::train::SlicedScoreMatching<Net> ssm;
    static ember::train::SlicedScoreMatchingVR<Net> vr;
    static ember::train::DenoisingScoreMatching<Net> dsm(0.15f);
    // Gaussian baseline 1.375 1.403 1.400 (med 1.400), seeds 0 1 2.
    // KL (nats), 2000 steps, seeds 0 1 2 (med) max, smallest gap:
    //   sm      0.162 0.080 0.060 (0.080)  0.271  1.13
    //   ssm     0.119 0.198 0.310 (0.198)  0.436  0.97
    //   ssm-vr  0.064 0.096 0.128 (0.096)  0.291  1.11
    //   dsm     0.185 0.448 0.173 (0.185)  0.465  0.91
    // A model first learns a ring through the eight modes (the angular
    // average of the target, KL 0.42), then splits it; ssm and dsm are still
    // on the ring for some seeds at this budget, hence their looser bounds.
    // The bounds (not the margin of 0.5 nats) are what bind here.
    check_kl(sm, toy::Target::eight_gaussians, 2000, 0.36, 0.5);
    check_kl(ssm, toy::Target::eight_gaussians, 2000, 0.57, 0.5);
    check_kl(vr, toy::Target::eight_gaussians, 2000, 0.38, 0.5);
    check_kl(dsm, toy::Target::eight_gaussians, 2000, 0.61, 0.5);
}

TEST_CASE("train quality: rings") {
    static ember::train::ExactScoreMatching<Net> sm;
    static ember::train::SlicedScoreMatching<Net> ssm;
    static ember::train::SlicedScoreMatchingVR<Net> vr;
    static ember::train::DenoisingScoreMatching<Net> dsm(0.15f);
    // Gaussian baseline 0.956 0.961 0.980 (med 0.961); ring-weight-corrected
    // 0.939 0.945 0.964 (med 0.945), seeds 0 1 2.
    //
    // Exact and sliced score matching see the relative weights of the four
    // rings (9 standard deviations apart) only through the little mass
    // between them: they learn the rings' shape fast and their weights
    // slowly and erratically. At this budget their plain KL is above the
    // Gaussian's for every seed (1.1 to 1.9 nats over seeds 0-9), so it is
    // printed, not bounded, and the ring-weight-corrected KL
    // (Scores::kl_shape) is bounded instead. Among the other budgets tried
    // (2-16-16 and 2-32-32, learning rates 1e-3 to 1e-2, 500 to 8000 steps)
    // the plain KL was below the Gaussian's for every seed only early in
    // training at small learning rates, by at most ~0.15 nats, before the
    // weights drift (exact SM, 2-16-16, lr 3e-3: 0.85-0.90 at 1000 steps,
    // 1.2-1.6 at 1500), or for exact SM with 2-32-32, lr 1e-2 and 8000 steps
    // (0.12-0.17 over seeds 0-2, ~50 s on SSE2).
    // Ring-weight-corrected KL, 1000 steps, seeds 0 1 2 (med) max, gap:
    //   sm      0.616 0.621 0.476 (0.616)  0.683  0.26
    //   ssm     0.688 0.690 0.702 (0.690)  0.723  0.22
    //   ssm-vr  0.630 0.648 0.604 (0.630)  0.704  0.25
    // Denoising score matching learns the weights through the noise, and is
    // bounded on both. 2000 steps, seeds 0 1 2 (med) max, gap:
    //   dsm KL  0.769 0.788 0.800 (0.788)  0.801  0.154
    //   dsm ring-weight-corrected  0.761 0.777 0.790 (0.777)  0.790  0.152
    // The margin (0.08 nats, 9 standard deviations of the baseline's
    // spread) binds: every absolute bound is above baseline - margin.
    constexpr double kMargin = 0.08;
    check_shape(sm, 1000, 0.93, kMargin);
    check_shape(ssm, 1000, 1.1, kMargin);
    check_shape(vr, 1000, 0.95, kMargin);
    const Measured m = check_kl(dsm, toy::Target::rings, 2000, 1.2, kMargin);
    CHECK(m.model.kl_shape < 1.2);
    CHECK(m.model.kl_shape < m.baseline.kl_shape - kMargin);
}

#endif // !EMBER_TEST_EMULATED

} // namespace ember_test_train_quality_host
