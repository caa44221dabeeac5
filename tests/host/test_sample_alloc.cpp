// Sampling never allocates: init, step (lanes and one-chain paths), refresh,
// set_chain and the diagnostics, for MH, ULA and MALA on an MLP target.
#include "alloc_guard.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/sample.hpp"

#include <doctest/doctest.h>

namespace ember_test_sample_alloc_host { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

namespace es = ember::sample;
using Net = ember::Mlp<float, ember::Swish, 8, 32, 32>;
using Tg = es::MlpTarget<Net>;

template <class Sampler, std::size_t C>
std::size_t allocations_while_sampling(Sampler& sampler) {
    static es::ChainState<float, 8, C> s;
    static es::Diagnostics<float, C, 16> diag;
    static float rows[C * 8];
    for (std::size_t i = 0; i < C * 8; ++i) rows[i] = 0.01f * float(i % 13);
    const float row[8] = {0.5f, 0, 0, 0, 0, 0, 0, 0};
    ember_test::AllocationGuard guard;
    if (sampler.init(s, rows, 1) != ember::Status::ok) return 1000;
    for (int t = 0; t < 20; ++t) {
        if (sampler.step(s) != ember::Status::ok) return 1000;
        diag.record(s);
    }
    if (sampler.refresh(s) != ember::Status::ok) return 1000;
    if (sampler.set_chain(s, 0, row) != ember::Status::ok) return 1000;
    if (sampler.step(s) != ember::Status::ok) return 1000;
    (void)diag.split_rhat();
    (void)diag.ess();
    return guard.count();
}

} // namespace

TEST_CASE("samplers allocate nothing") {
    static Net net;
    net.init(2);
    static Tg target(net);
    es::MetropolisConfig<float> mcfg;
    mcfg.warmup_steps = 10;
    static es::Mala<Tg> mala(target, mcfg);
    static es::Ula<Tg> ula(target);
    static es::RandomWalkMh<Tg> mh(target);
    CHECK(allocations_while_sampling<es::Mala<Tg>, 37>(mala) == 0);
    CHECK(allocations_while_sampling<es::Mala<Tg>, 1>(mala) == 0); // one-chain path
    CHECK(allocations_while_sampling<es::Ula<Tg>, 16>(ula) == 0);
    CHECK(allocations_while_sampling<es::RandomWalkMh<Tg>, 5>(mh) == 0);
}

} // namespace ember_test_sample_alloc_host
