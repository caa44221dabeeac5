// Flow contrastive estimation and adversarial training
// (include/ember/train/flow_training.hpp): the flow-side gradients against
// central finite differences in double, the adversarial generator step
// driving the flow to a fixed Gaussian energy (KL bound), and the statuses.
#include "fd_check.hpp"
#include "gaussian_model.hpp"

#include "ember/flow/real_nvp.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"
#include "ember/train/flow_training.hpp"
#include "ember/train/optim.hpp"
#include "ember/train/trainer.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ember_test_train_flow_games { // one namespace per test file (EMBER_TEST_UNITY batches)

#ifndef EMBER_TEST_BARE_METAL
#define EMBER_TEST_BARE_METAL 0
#endif

namespace {

using ember::Pcg32;
using ember::Status;
using ember_test::central_diff;
using ember_test::rel_err;

using NetD = ember::Mlp<double, ember::Swish, 2, 6, 6>;
using MD = ember::Model<NetD, ember::Scalar<double>>;
using FlowD = ember::flow::RealNvp<double, 2, 2, 6>;
using PointsD = ember::train::Points<double>;

// A flow away from the identity: coupling parameters moved by U(-0.4, 0.4),
// l in U(-0.3, 0.3), m in U(-0.5, 0.5).
void flow_params(double* p, std::uint64_t seed) {
    FlowD::init_params(p, seed);
    Pcg32 rng(seed, 5);
    auto u = [&] { return 2.0 * ember::uniform01<double>(rng) - 1.0; };
    for (std::size_t i = 0; i < FlowD::log_scale_offset; ++i) p[i] += 0.4 * u();
    for (std::size_t i = 0; i < 2; ++i) {
        p[FlowD::log_scale_offset + i] = 0.3 * u();
        p[FlowD::shift_offset + i] = 0.5 * u();
    }
}

void data_points(double* x, std::size_t n, std::uint64_t seed) {
    Pcg32 rng(seed, 9);
    for (std::size_t i = 0; i < 2 * n; ++i) x[i] = 1.5 * ember::normal<double>(rng);
}

// FD check of a flow-side loss: the loss at phi with a fresh copy of the
// same rng each time (the draws do not depend on phi).
template <class Loss>
double fd_error(Loss& loss, double* phi, const PointsD& batch) {
    constexpr std::size_t P = FlowD::param_count;
    std::vector<double> g(P, 0.0), fd(P, 0.0);
    double l = 0;
    Pcg32 rng(3, 4);
    REQUIRE(loss.loss_and_grad(phi, batch, rng, g.data(), l) == Status::ok);
    central_diff(
        phi, P,
        [&] {
            Pcg32 r(3, 4);
            std::vector<double> scratch(P, 0.0);
            double v = 0;
            REQUIRE(loss.loss_and_grad(phi, batch, r, scratch.data(), v) == Status::ok);
            return v;
        },
        fd.data());
    return rel_err(g.data(), fd.data(), P);
}

} // namespace

TEST_CASE("flow games: FCE flow-side gradient (data and noise rows) matches finite differences") {
    static MD ebm;
    NetD::init_params(ebm.block<0>(), 11);
    ebm.block<1>()[0] = 0.3;
    static double phi[FlowD::param_count];
    flow_params(phi, 2);
    static double x[2 * 5];
    data_points(x, 5, 1);
    const PointsD batch{x, 2, 5, nullptr};
    // Software double on Cortex-M: one nu there (about 5 s under QEMU).
    const std::uint32_t nus[2] = {3u, 1u};
    for (std::size_t k = 0; k < (EMBER_TEST_BARE_METAL ? 1u : 2u); ++k) {
        const std::uint32_t nu = nus[k];
        CAPTURE(nu);
        static ember::train::FceFlowLoss<MD, FlowD> loss;
        REQUIRE(loss.configure({nu}) == Status::ok);
        loss.bind_energy(ebm.data());
        const double err = fd_error(loss, phi, batch);
        MESSAGE("FCE flow side, nu " << nu << ": relative error " << err);
        CHECK(err < 1e-7);
        CHECK(loss.accuracy() >= 0.0);
        CHECK(loss.accuracy() <= 1.0);
    }
}

TEST_CASE("flow games: adversarial flow-side gradient (sample path + entropy) matches FD") {
    static NetD f;
    f.init(12);
    static double phi[FlowD::param_count];
    flow_params(phi, 3);
    static double x[2 * 6];
    data_points(x, 6, 2); // only the count is used
    const PointsD batch{x, 2, 6, nullptr};
    static ember::train::AdversarialFlowLoss<NetD, FlowD> loss;
    loss.bind_energy(f.data());
    const double err = fd_error(loss, phi, batch);
    MESSAGE("adversarial flow side: relative error " << err);
    CHECK(err < 1e-7);
}

TEST_CASE("flow games: unbound partners and bad batches are refused") {
    static MD ebm;
    static double phi[FlowD::param_count];
    FlowD::init_params(phi, 1);
    static double x[4] = {0.1, 0.2, 0.3, 0.4};
    static double g[FlowD::param_count];
    double l = 7;
    Pcg32 rng(1, 1);
    static ember::train::FceFlowLoss<MD, FlowD> fce;
    CHECK(fce.loss_and_grad(phi, PointsD{x, 2, 2, nullptr}, rng, g, l) == Status::invalid_argument);
    CHECK(fce.configure({0}) == Status::invalid_argument);
    CHECK(fce.configure({65}) == Status::invalid_argument);
    fce.bind_energy(ebm.data());
    CHECK(fce.loss_and_grad(phi, PointsD{x, 3, 1, nullptr}, rng, g, l) ==
          Status::dimension_mismatch);
    static ember::train::AdversarialFlowLoss<NetD, FlowD> adv;
    CHECK(adv.loss_and_grad(phi, PointsD{x, 2, 2, nullptr}, rng, g, l) == Status::invalid_argument);
    static ember::train::AdversarialEnergyLoss<NetD, FlowD, 4> energy;
    static NetD f;
    static double ge[NetD::param_count];
    CHECK(energy.loss_and_grad(f.data(), PointsD{x, 2, 2, nullptr}, rng, ge, l) ==
          Status::invalid_argument);
    CHECK(energy.configure(-1.0) == Status::invalid_argument);
    CHECK(l == 7); // no refused call wrote the loss
}

TEST_CASE("flow games: the adversarial generator step drives q to a fixed Gaussian energy") {
    // f(x) = -(x0^2 + (x1 - 0.8 x0)^2 / 0.36) / 2 (+ a constant): N(0, [[1, .8], [.8, 1]]),
    // as ember_test::Quad: units u0 = x0, u1 = (x1 - 0.8 x0) / 0.6, w = -1/2.
    using Quad = ember_test::Quad;
    using Flow = ember::flow::RealNvp<float, 2, 4, 16>;
    using Q = ember::Model<Flow>;
    static Quad f;
    for (auto& v : f.params) v = 0.0f;
    float* W = f.data() + Quad::layout::weight_offset(1);
    W[0] = 1.0f;         // x0 -> u0
    W[1] = -0.8f / 0.6f; // x0 -> u1
    W[3] = 1.0f / 0.6f;  // x1 -> u1
    f.data()[Quad::layout::output_weight_offset] = -0.5f;
    f.data()[Quad::layout::output_weight_offset + 1] = -0.5f;
    const double log_z = std::log(2.0 * 3.14159265358979323846 * 0.6); // 2 pi sqrt(det)

    using Loss = ember::train::AdversarialFlowLoss<Quad, Flow>;
    using Opt = ember::train::Adam<float, Q::param_count>;
    static Q q;
    static Loss loss;
    static Opt opt;
    static ember::train::Trainer<Q, Loss, Opt, 64> trainer(q, loss, opt);
    Flow::init_params(q.data(), 4);
    loss.bind_energy(f.data());
    constexpr std::uint32_t steps = EMBER_TEST_BARE_METAL ? 150 : 400;
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 5;
    cfg.lr = ember::train::LrSchedule<float>::cosine(1e-2f, steps, 1e-3f);
    REQUIRE(trainer.configure(cfg) == Status::ok);
    static float dummy[2 * 64] = {};
    for (std::uint32_t s = 0; s < steps; ++s)
        REQUIRE(trainer.step(ember::Span<const float>(dummy, 2 * 64)) == Status::ok);

    // KL(q || p) = E_q[log q - log p] by Monte Carlo over 4000 flow samples;
    // the loss is -(E_q f + H(q)) = KL - log Z, so it must approach -log Z.
    Pcg32 rng(6, 1);
    double kl = 0;
    constexpr int n = 4000;
    for (int i = 0; i < n; ++i) {
        float x[2], lq = 0;
        REQUIRE(Flow::sample(q.data(), rng, x, &lq) == Status::ok);
        kl += static_cast<double>(lq) - (static_cast<double>(f.value(x)) - log_z);
    }
    kl /= n;
    MESSAGE("adversarial generator on a fixed Gaussian energy: KL(q || p) ~ "
            << kl << ", final loss " << trainer.last().loss << " vs -log Z " << -log_z);
    CHECK(kl < (EMBER_TEST_BARE_METAL ? 0.1 : 0.03));
    CHECK(kl > -0.02); // a Monte Carlo estimate of a KL: not much below 0
    CHECK(static_cast<double>(trainer.last().loss) ==
          doctest::Approx(-log_z).epsilon(0.0).scale(1.0).epsilon(0.1));
}

} // namespace ember_test_train_flow_games
