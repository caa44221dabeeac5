// Numeric stress (issue 11, a first part): samplers with absurd step sizes,
// estimators with learning rates that diverge and datasets with one NaN,
// inputs of magnitude 1e30 and subnormal inputs. Expected everywhere: a
// Status, counters that say what happened, and no NaN or infinity entering
// a chain or a parameter vector silently.
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"
#include "ember/sample.hpp"
#include "ember/train.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

namespace ember_test_stress { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

namespace es = ember::sample;
namespace tr = ember::train;
using ember::Status;

// Standard normal in 2-D.
struct Normal2 {
    template <class V>
    V operator()(const V* x, V* g) const {
        using S = ember::simd::scalar_of_t<V>;
        if (g) {
            g[0] = -x[0];
            g[1] = -x[1];
        }
        return V(S(-0.5)) * (x[0] * x[0] + x[1] * x[1]);
    }
};
using Target = es::FunctionTarget<float, 2, Normal2>;
constexpr std::size_t kChains = 9;

template <class Sampler>
void run_finite(Sampler& sampler, const std::string& what) {
    CAPTURE(what);
    static es::ChainState<float, 2, kChains> s;
    float rows[kChains * 2];
    for (std::size_t i = 0; i < kChains * 2; ++i) rows[i] = 0.1f * float(i % 5) - 0.2f;
    REQUIRE(sampler.init(s, rows, 7) == Status::ok);
    std::size_t bad_status = 0, non_finite_state = 0, flagged = 0;
    for (int t = 0; t < 200; ++t) {
        const Status st = sampler.step(s);
        bad_status += st != Status::ok && st != Status::non_finite_output;
        flagged += s.report.n_non_finite;
        for (std::size_t c = 0; c < kChains; ++c) {
            non_finite_state +=
                !std::isfinite(s.position(c, 0)) || !std::isfinite(s.position(c, 1));
            non_finite_state += !std::isfinite(s.f[c]);
        }
    }
    CHECK(bad_status == 0);
    CHECK(non_finite_state == 0);
    MESSAGE(what << ": " << flagged << " non-finite proposals rejected in 200 steps");
}

template <class Net>
bool all_finite(const Net& m) {
    for (std::size_t i = 0; i < Net::param_count; ++i)
        if (!std::isfinite(m.data()[i])) return false;
    return true;
}

} // namespace

TEST_CASE("stress: samplers with step sizes 1e-12 and 1e6 keep every chain finite") {
    static Target target;
    for (float step : {1e-12f, 1e6f}) {
        CAPTURE(step);
        es::MetropolisConfig<float> mcfg;
        mcfg.step_size = step;
        es::UlaConfig<float> ucfg;
        ucfg.step_size = step;
        es::RandomWalkMh<Target> mh(target, mcfg);
        run_finite(mh, "MH");
        es::Mala<Target> mala(target, mcfg);
        run_finite(mala, "MALA");
        es::Ula<Target> ula(target, ucfg);
        run_finite(ula, "ULA");
    }
}

TEST_CASE("stress: diverging learning rates skip steps and never leave a NaN parameter") {
    using Net = ember::Mlp<float, ember::Swish, 2, 16, 16>;
    using Loss = tr::DenoisingScoreMatching<Net>;
    using Opt = tr::Adam<float, Net::param_count>;
    static Net net;
    static Loss loss(0.1f);
    static Opt opt;
    static tr::Trainer<Net, Loss, Opt, 32> trainer(net, loss, opt);
    net.init(1);
    static float data[2 * 64];
    ember::Pcg32 rng(2, 1);
    ember::fill_normal(rng, data, 2 * 64);
    tr::TrainerConfig<float> cfg;
    cfg.seed = 3;
    cfg.lr = tr::LrSchedule<float>::constant(1e6f);
    cfg.max_skipped = 1000;
    REQUIRE(trainer.configure(cfg) == Status::ok);
    REQUIRE(trainer.set_dataset(ember::Span<const float>(data, 2 * 64)) == Status::ok);
    std::size_t refused = 0, other = 0;
    for (int t = 0; t < 100; ++t) {
        const Status st = trainer.step();
        refused += st == Status::non_finite_output;
        other += st != Status::ok && st != Status::non_finite_output;
        REQUIRE(all_finite(net));
    }
    CHECK(other == 0);
    CHECK(trainer.skipped() == refused);
    MESSAGE("lr 1e6: " << refused << " of 100 steps refused, parameters finite throughout");
}

TEST_CASE("stress: a dataset with one NaN is refused and the previous one is kept") {
    using Net = ember::Mlp<float, ember::Swish, 2, 8, 8>;
    using Loss = tr::DenoisingScoreMatching<Net>;
    using Opt = tr::Adam<float, Net::param_count>;
    static Net net;
    static Loss loss(0.1f);
    static Opt opt;
    static tr::Trainer<Net, Loss, Opt, 16> trainer(net, loss, opt);
    net.init(1);
    static float good[2 * 32], bad[2 * 32];
    for (std::size_t i = 0; i < 64; ++i) good[i] = bad[i] = 0.01f * float(i) - 0.3f;
    bad[37] = std::numeric_limits<float>::quiet_NaN();
    REQUIRE(trainer.set_dataset(ember::Span<const float>(good, 64)) == Status::ok);
    CHECK(trainer.set_dataset(ember::Span<const float>(bad, 64)) == Status::non_finite_input);
    bad[37] = std::numeric_limits<float>::infinity();
    CHECK(trainer.set_dataset(ember::Span<const float>(bad, 64)) == Status::non_finite_input);
    // The good dataset is still the one used.
    CHECK(trainer.step() == Status::ok);
    CHECK(all_finite(net));
}

TEST_CASE("stress: inputs of magnitude 1e30 and subnormal inputs give a status, not garbage") {
    using Net = ember::Mlp<float, ember::Swish, 2, 8, 8>;
    static Net net;
    net.init(4);
    const float tiny = std::numeric_limits<float>::denorm_min();
    float x[3 * 2] = {1e30f, -1e30f, tiny, -tiny, 1e-30f, 3e-39f};
    float f[3] = {7, 7, 7};
    const Status st = net.view().evaluate(ember::Span<const float>(x, 6), ember::Span<float>(f, 3));
    CHECK((st == Status::ok || st == Status::non_finite_output));
    if (st == Status::ok)
        for (float v : f) CHECK(std::isfinite(v));
    // Subnormal inputs flush to zero inside (docs/floating-point.md): f(tiny) = f(0).
    const float zero[2] = {0.0f, 0.0f}, sub[2] = {tiny, -tiny};
    CHECK(net.value(zero) == net.value(sub));
}

} // namespace ember_test_stress
