// Normalizing flows allocate nothing: the passes, sampling, both gradients
// and maximum-likelihood training with the Trainer run under the allocation
// guard.
#include "alloc_guard.hpp"
#include "ember/flow.hpp"
#include "ember/nn/model.hpp"
#include "ember/train.hpp"
#include "ember/train/flow_training.hpp"

#include <doctest/doctest.h>

namespace ember_test_flow_alloc_host { // one namespace per test file (EMBER_TEST_UNITY batches)

TEST_CASE("flow: passes, gradients and training allocate nothing") {
    using Flow = ember::flow::RealNvp<float, 4, 4, 16>;
    using M = ember::Model<Flow>;
    using Loss = ember::flow::MaximumLikelihood<Flow>;
    using Opt = ember::train::Adam<float, M::param_count>;
    static M q;
    static Flow flow;
    static Loss loss;
    static Opt opt;
    static ember::train::Trainer<M, Loss, Opt, 32> trainer(q, loss, opt);
    static float data[4 * 100];
    for (int i = 0; i < 400; ++i) data[i] = 0.01f * float(i % 37) - 0.2f;
    static float grad[M::param_count];

    ember_test::AllocationGuard guard;
    Flow::init_params(q.data(), 1);
    ember::Pcg32 rng(1, 2);
    float x[4], z[4], gx[4], ld = 0, lp = 0;
    CHECK(Flow::sample(q.data(), rng, x, &lp) == ember::Status::ok);
    CHECK(Flow::inverse(q.data(), x, z, ld) == ember::Status::ok);
    CHECK(Flow::forward(q.data(), z, x, ld) == ember::Status::ok);
    CHECK(Flow::log_density(q.data(), x, lp) == ember::Status::ok);
    CHECK(flow.log_density_vjp(q.data(), x, 1.0f, lp, grad, gx) == ember::Status::ok);
    CHECK(flow.forward_vjp(q.data(), z, x, 0.5f, nullptr, ld, grad, gx) == ember::Status::ok);
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 3;
    CHECK(trainer.configure(cfg) == ember::Status::ok);
    CHECK(trainer.set_dataset(ember::Span<const float>(data, 400)) == ember::Status::ok);
    CHECK(trainer.run(10) == ember::Status::ok);
    const ember::flow::FlowNoise<Flow> noise(q.data());
    noise.sample(rng, x);
    lp = noise.log_density(x);
    CHECK(guard.count() == 0);
    CHECK(lp == lp);
}

TEST_CASE("flow games: FCE and adversarial steps allocate nothing") {
    using Flow = ember::flow::RealNvp<float, 2, 2, 8>;
    using Net = ember::Mlp<float, ember::Swish, 2, 16, 16>;
    using M = ember::Model<Net, ember::Scalar<float>>;
    using Q = ember::Model<Flow>;
    static Q q;
    static M m;
    static Net f;
    static ember::train::NoiseContrastiveEstimation<M, ember::flow::FlowNoise<Flow>> nce;
    static ember::train::FceFlowLoss<M, Flow> fce;
    static ember::train::AdversarialEnergyLoss<Net, Flow, 16> energy;
    static ember::train::AdversarialFlowLoss<Net, Flow> adv;
    static float gq[Q::param_count], gm[M::param_count], gf[Net::param_count];
    static float data[2 * 16];
    for (int i = 0; i < 32; ++i) data[i] = 0.1f * float(i % 7) - 0.3f;
    const auto batch =
        ember::train::Points<float>::contiguous(ember::Span<const float>(data, 32), 2);

    ember_test::AllocationGuard guard;
    Flow::init_params(q.data(), 1);
    Net::init_params(m.block<0>(), 2);
    f.init(3);
    nce.noise().bind(q.data());
    fce.bind_energy(m.data());
    energy.bind_flow(q.data());
    adv.bind_energy(f.data());
    CHECK(energy.configure(0.1f) == ember::Status::ok);
    ember::Pcg32 rng(1, 2);
    float l = 0;
    CHECK(nce.loss_and_grad(m.data(), batch, rng, gm, l) == ember::Status::ok);
    CHECK(fce.loss_and_grad(q.data(), batch, rng, gq, l) == ember::Status::ok);
    CHECK(energy.loss_and_grad(f.data(), batch, rng, gf, l) == ember::Status::ok);
    CHECK(adv.loss_and_grad(q.data(), batch, rng, gq, l) == ember::Status::ok);
    CHECK(guard.count() == 0);
}

} // namespace ember_test_flow_alloc_host
