// Normalizing flows allocate nothing: the passes, sampling, both gradients
// and maximum-likelihood training with the Trainer run under the allocation
// guard.
#include "alloc_guard.hpp"
#include "ember/flow.hpp"
#include "ember/nn/model.hpp"
#include "ember/train.hpp"

#include <doctest/doctest.h>

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
