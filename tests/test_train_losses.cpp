// Score-matching losses: parameter gradients against central finite
// differences in double, loss values against the MLP's one-point passes, and
// exact SM against the mean of sliced SM.
#include "fd_check.hpp"

#include "ember/nn/engine.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/train/score_matching.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace ember_test_train_losses { // one namespace per test file (EMBER_TEST_UNITY batches)

#ifndef EMBER_TEST_BARE_METAL
#define EMBER_TEST_BARE_METAL 0
#endif

namespace {

using ember::Mlp;
using ember::Pcg32;
using ember::train::Points;

constexpr double kStep = 1e-5;
constexpr double kTol = 1e-6;

using ember_test::central_diff;
using ember_test::rel_err;

template <class Net, std::size_t N>
struct Data {
    double x[N * Net::input_dim];
    explicit Data(std::uint64_t seed) {
        Pcg32 rng(seed, 3);
        for (auto& v : x) v = 3.0 * ember::uniform01<double>(rng) - 1.5;
    }
};

// loss(params) with a fresh rng of the same seed (same directions / noise).
template <class Loss, class Net>
double loss_at(Loss& loss, const double* p, const Points<double>& batch, double* grad) {
    Pcg32 rng(11, 5);
    double l = 0;
    REQUIRE(loss.loss_and_grad(p, batch, rng, grad, l) == ember::Status::ok);
    return l;
}

// The loss value alone (the gradient goes to a scratch buffer).
template <class Loss, class T>
T loss_value(Loss& loss, const T* p, const Points<T>& batch, Pcg32& rng, T* grad) {
    T l = 0;
    REQUIRE(loss.loss_and_grad(p, batch, rng, grad, l) == ember::Status::ok);
    return l;
}

// fdot and fddot of one point along v, through the network's engine.
template <class Net>
void tangent_of(const Net& net, const double* x, const double* v, double& fd, double& fdd) {
    static ember::Engine<typename Net::spec_type, 1, 0, 1> e;
    for (std::size_t k = 0; k < Net::input_dim; ++k) {
        e.x[k] = x[k];
        e.v2[k] = v[k];
    }
    e.forward(net.data());
    e.tangents(net.data());
    fd = e.fdot2[0];
    fdd = e.fddot2[0];
}

template <class Net, class Loss>
void check_fd(Loss& loss, std::uint64_t seed) {
    constexpr std::size_t P = Net::param_count;
    constexpr std::size_t N = 7; // not a multiple of any chunk: pad lanes are exercised
    static Net net;
    net.init(seed);
    // Larger output weights than the default init, so the second-order terms
    // are not negligible next to the first-order ones.
    for (std::size_t j = 0; j < Net::layout::last_width; ++j)
        net.params[Net::layout::output_weight_offset + j] *= 3.0;
    const Data<Net, N> data(seed + 100);
    const auto batch =
        Points<double>::contiguous(ember::Span<const double>(data.x), Net::input_dim);

    static double grad[P], grad_fd[P], scratch[P];
    for (auto& g : grad) g = 0.25; // accumulates: start from a non-zero buffer
    const double l0 = loss_at<Loss, Net>(loss, net.data(), batch, grad);
    for (auto& g : grad) g -= 0.25;
    CHECK(std::isfinite(l0));

    static Net pert;
    pert = net;
    central_diff(
        pert.data(), P, [&] { return loss_at<Loss, Net>(loss, pert.data(), batch, scratch); },
        grad_fd, kStep);
    const double err = rel_err(grad, grad_fd, P);
    CAPTURE(err);
    CHECK(err < kTol);
}

// Exact SM loss of one point through one-point tangents along e_i.
template <class Net>
double exact_sm_point(const Net& net, const double* x) {
    double l = 0;
    for (std::size_t i = 0; i < Net::input_dim; ++i) {
        double v[Net::input_dim] = {};
        v[i] = 1.0;
        double fd, fdd;
        tangent_of(net, x, v, fd, fdd);
        l += 0.5 * fd * fd + fdd;
    }
    return l;
}

} // namespace

#if EMBER_TEST_BARE_METAL
// double is software on Cortex-M: two small nets (one and three hidden layers).
#define EMBER_SM_NETS Mlp<double, ember::Softplus, 2, 5>, Mlp<double, ember::Swish, 3, 3, 2, 3>
#else
#define EMBER_SM_NETS                                                                              \
    Mlp<double, ember::Swish, 1, 3>, Mlp<double, ember::Softplus, 2, 5, 3>,                        \
        Mlp<double, ember::Tanh, 3, 6, 5>, Mlp<double, ember::Swish, 4, 6, 5, 7>,                  \
        Mlp<double, ember::Swish, 5, 9>
#endif

TEST_CASE_TEMPLATE("train: exact SM gradient matches finite differences", Net, EMBER_SM_NETS) {
    static ember::train::ExactScoreMatching<Net> loss;
    check_fd<Net>(loss, 1);
}

TEST_CASE_TEMPLATE("train: sliced SM gradient matches finite differences", Net, EMBER_SM_NETS) {
    static ember::train::SlicedScoreMatching<Net, 1> loss1;
    static ember::train::SlicedScoreMatching<Net, 3> loss3(ember::train::Projection::rademacher);
    check_fd<Net>(loss1, 2);
    check_fd<Net>(loss3, 3);
}

TEST_CASE_TEMPLATE("train: sliced SM-VR gradient matches finite differences", Net, EMBER_SM_NETS) {
    static ember::train::SlicedScoreMatchingVR<Net, 1> loss1;
    static ember::train::SlicedScoreMatchingVR<Net, 2> loss2(ember::train::Projection::rademacher);
    check_fd<Net>(loss1, 4);
    check_fd<Net>(loss2, 5);
}

TEST_CASE_TEMPLATE("train: denoising SM gradient matches finite differences", Net, EMBER_SM_NETS) {
    static ember::train::DenoisingScoreMatching<Net> loss(0.3);
    check_fd<Net>(loss, 6);
    const double sig[3] = {0.1, 0.5, 1.0};
    REQUIRE(loss.set_sigmas(ember::Span<const double>(sig)) == ember::Status::ok);
    check_fd<Net>(loss, 7);
}

TEST_CASE_TEMPLATE("train: exact SM loss equals the MLP's one-point passes", Net, EMBER_SM_NETS) {
    static Net net;
    net.init(8);
    constexpr std::size_t N = 11;
    const Data<Net, N> data(9);
    const auto batch =
        Points<double>::contiguous(ember::Span<const double>(data.x), Net::input_dim);
    static ember::train::ExactScoreMatching<Net> loss;
    static double grad[Net::param_count];
    Pcg32 rng(1);
    const double l = loss_value(loss, net.data(), batch, rng, grad);
    double want = 0;
    for (std::size_t n = 0; n < N; ++n) want += exact_sm_point(net, data.x + n * Net::input_dim);
    want /= N;
    CHECK(l == doctest::Approx(want).epsilon(1e-12));
}

TEST_CASE("train: the DSM and SSM losses match their one-point definitions") {
    using Net = Mlp<double, ember::Swish, 3, 6, 5>;
    static Net net;
    net.init(12);
    constexpr std::size_t N = 9;
    const Data<Net, N> data(13);
    const auto batch = Points<double>::contiguous(ember::Span<const double>(data.x), 3);
    static double grad[Net::param_count];

    // DSM: redraw the same noise and evaluate 0.5 |sigma grad f(x~) + eps|^2.
    {
        static ember::train::DenoisingScoreMatching<Net> dsm(0.4);
        Pcg32 rng(21, 1);
        const double l = loss_value(dsm, net.data(), batch, rng, grad);
        Pcg32 rep(21, 1);
        double want = 0;
        for (std::size_t n = 0; n < N; ++n) {
            double eps[3], xt[3], g[3];
            for (int d = 0; d < 3; d += 2) // pairs in order, the last normal alone
                if (d + 1 < 3) {
                    ember::normal_pair(rep, eps[d], eps[d + 1]);
                } else {
                    eps[d] = ember::normal<double>(rep);
                }
            for (std::size_t d = 0; d < 3; ++d) xt[d] = data.x[n * 3 + d] + 0.4 * eps[d];
            (void)net.value_and_grad(xt, g);
            for (int d = 0; d < 3; ++d) want += 0.5 * (0.4 * g[d] + eps[d]) * (0.4 * g[d] + eps[d]);
        }
        CHECK(l == doctest::Approx(want / N).epsilon(1e-12));
    }
    // SSM with 2 projections.
    {
        static ember::train::SlicedScoreMatching<Net, 2> ssm;
        Pcg32 rng(22, 1);
        const double l = loss_value(ssm, net.data(), batch, rng, grad);
        Pcg32 rep(22, 1);
        double want = 0;
        for (std::size_t n = 0; n < N; ++n)
            for (int m = 0; m < 2; ++m) {
                double v[3];
                for (int d = 0; d < 3; d += 2)
                    if (d + 1 < 3) {
                        ember::normal_pair(rep, v[d], v[d + 1]);
                    } else {
                        v[d] = ember::normal<double>(rep);
                    }
                double fd, fdd;
                tangent_of(net, data.x + n * 3, v, fd, fdd);
                want += 0.5 * (0.5 * fd * fd + fdd);
            }
        CHECK(l == doctest::Approx(want / N).epsilon(1e-12));
    }
}

TEST_CASE("train: exact SM equals the mean of sliced SM over many projections") {
    // E_v[0.5 (v.g)^2 + v^T H v] = 0.5 |g|^2 + tr H for v ~ N(0, I) and for
    // Rademacher v. The mean of `reps` sliced losses (4 projections per point,
    // 16 points) must be within 4 of its standard errors (estimated from the
    // same draws) of the exact loss, and the mean gradient within 5 %. The
    // seed is fixed, so this is a fixed bound, not a flaky one.
#if EMBER_TEST_BARE_METAL
    using T = float; // double is software on Cortex-M
    constexpr int reps = 200;
#else
    using T = double;
    constexpr int reps = 1000;
#endif
    using Net = Mlp<T, ember::Softplus, 3, 8, 6>;
    static Net net;
    net.init(14);
    for (std::size_t j = 0; j < Net::layout::last_width; ++j)
        net.params[Net::layout::output_weight_offset + j] *= T(4);
    constexpr std::size_t N = 16;
    static T x[N * 3];
    Pcg32 xr(15, 3);
    for (auto& v : x) v = T(3) * ember::uniform01<T>(xr) - T(1.5f);
    const auto batch = Points<T>::contiguous(ember::Span<const T>(x), 3);
    static T g_exact[Net::param_count], g_sliced[Net::param_count];
    static double g_mean[Net::param_count], g_ref[Net::param_count];
    static ember::train::ExactScoreMatching<Net> sm;
    static ember::train::SlicedScoreMatching<Net, 4> ssm;
    Pcg32 rng(16, 2);
    const double exact = static_cast<double>(loss_value(sm, net.data(), batch, rng, g_exact));
    for (std::size_t i = 0; i < Net::param_count; ++i) g_ref[i] = static_cast<double>(g_exact[i]);
    for (const auto proj :
         {ember::train::Projection::gaussian, ember::train::Projection::rademacher}) {
        REQUIRE(ssm.set_projection(proj) == ember::Status::ok);
        for (auto& g : g_mean) g = 0;
        double sum = 0, sum2 = 0;
        for (int r = 0; r < reps; ++r) {
            for (auto& g : g_sliced) g = T(0);
            const double l = static_cast<double>(loss_value(ssm, net.data(), batch, rng, g_sliced));
            sum += l;
            sum2 += l * l;
            for (std::size_t i = 0; i < Net::param_count; ++i)
                g_mean[i] += static_cast<double>(g_sliced[i]);
        }
        const double mean = sum / reps;
        const double se = std::sqrt(std::fmax(sum2 / reps - mean * mean, 0.0) / reps);
        for (auto& g : g_mean) g /= reps;
        CAPTURE(exact);
        CAPTURE(mean);
        CAPTURE(se);
        CHECK(std::fabs(mean - exact) < 4 * se);
        CHECK(se < 0.05 * std::fabs(exact)); // the check above has teeth
        CHECK(rel_err(g_mean, g_ref, Net::param_count) < 0.05);
    }
}

TEST_CASE("train: losses refuse batches they cannot use") {
    using Net = Mlp<float, ember::Swish, 2, 4>;
    static Net net;
    net.init(1);
    static float grad[Net::param_count];
    const float pts[6] = {0, 1, 2, 3, 4, 5};
    static ember::train::DenoisingScoreMatching<Net> dsm(0.1f);
    static ember::train::SlicedScoreMatching<Net> ssm;
    Pcg32 rng(1);
    float l = 42.0f;
    const auto three = Points<float>::contiguous(ember::Span<const float>(pts, 6), 3);
    CHECK(dsm.loss_and_grad(net.data(), three, rng, grad, l) == ember::Status::dimension_mismatch);
    const Points<float> empty{pts, 2, 0, nullptr};
    CHECK(dsm.loss_and_grad(net.data(), empty, rng, grad, l) == ember::Status::invalid_argument);
    CHECK(l == 42.0f);
    CHECK(ssm.set_projection(static_cast<ember::train::Projection>(7)) ==
          ember::Status::invalid_argument);
    CHECK(ssm.projection() == ember::train::Projection::gaussian);
    // A network whose f overflows gives non_finite_output.
    static Net big;
    big.params.fill(0.0f);
    big.params[Net::layout::output_bias_offset] = 3e38f;
    big.params[Net::layout::bias_offset(1)] = 100.0f; // swish(100) = 100
    big.params[Net::layout::output_weight_offset] = 3e38f;
    const auto two = Points<float>::contiguous(ember::Span<const float>(pts, 6), 2);
    CHECK(ssm.loss_and_grad(big.data(), two, rng, grad, l) == ember::Status::ok); // f is not in SSM
    static ember::train::SlicedScoreMatchingVR<Net> vr;
    big.params[Net::layout::weight_offset(1)] = 3e38f; // grad f overflows
    CHECK(vr.loss_and_grad(big.data(), two, rng, grad, l) == ember::Status::non_finite_output);
}

} // namespace ember_test_train_losses
