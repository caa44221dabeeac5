// Numeric stress (issue 11, a first part): samplers with absurd step sizes,
// estimators with learning rates that diverge and datasets with one NaN,
// inputs of magnitude 1e30 and subnormal inputs. Expected everywhere: a
// Status, counters that say what happened, and no NaN or infinity entering
// a chain or a parameter vector silently.
#include "ember/flow/flow_noise.hpp"
#include "ember/flow/real_nvp.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"
#include "ember/sample.hpp"
#include "ember/train.hpp"
#include "ember/train/flow_training.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

// ---- every estimator under stress (issue 11, second part) -------------------
//
// For each estimator: (a) a learning rate that diverges, (b) a dataset with
// exactly one non-finite value. Asserted: every call returns a documented
// Status; a refused step leaves the parameter and optimizer bytes as they
// were (memcmp) and is counted by Trainer::skipped(); no parameter block,
// chain or replay-buffer slot is ever NaN or infinite.

namespace {

using SNet = ember::Mlp<float, ember::Swish, 2, 8, 8>;
using SFlow = ember::flow::RealNvp<float, 2, 2, 8>;
using SEbm = ember::Model<SNet, ember::Scalar<float>>; // f and log Z
using SQ = ember::Model<SFlow>;
constexpr std::size_t kPoints = 32;
constexpr std::size_t kBatch = 16;
constexpr int kStressSteps = 12;

// 32 points of N(0, I) in 2-D, the same every call.
const float* stress_data() {
    static float data[2 * kPoints];
    ember::Pcg32 rng(21, 3);
    ember::fill_normal(rng, data, 2 * kPoints);
    return data;
}

template <class T>
bool finite_span(const T* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(p[i])) return false;
    return true;
}

template <class T>
bool same_bytes(const T& a, const unsigned char* b) {
    return std::memcmp(&a, b, sizeof(T)) == 0;
}

struct Tally {
    std::size_t ok = 0;
    std::size_t refused = 0; // non_finite_output or diverged: step skipped
    std::size_t other = 0;   // anything else: not expected here
};

// Calls step() `steps` times. Before each call the model's and the
// optimizer's bytes are saved; a refused step must leave both as they were.
// After each call every parameter must be finite and extra() (chains,
// buffers, the other side of a game) must hold.
template <class Model, class Opt, class StepFn, class Extra>
void stress_steps(Model& model, const Opt& opt, int steps, Tally& tally, StepFn&& step,
                  Extra&& extra) {
    static unsigned char model_before[sizeof(Model)];
    static unsigned char opt_before[sizeof(Opt)];
    for (int t = 0; t < steps; ++t) {
        CAPTURE(t);
        std::memcpy(model_before, &model, sizeof(Model));
        std::memcpy(opt_before, &opt, sizeof(Opt));
        const Status st = step();
        if (st == Status::ok) {
            ++tally.ok;
        } else if (st == Status::non_finite_output || st == Status::diverged) {
            ++tally.refused;
            CHECK(same_bytes(model, model_before));
            CHECK(same_bytes(opt, opt_before));
        } else {
            ++tally.other;
            MESSAGE("unexpected status " << ember::status_name(st));
        }
        REQUIRE(finite_span(model.data(), Model::param_count));
        extra();
    }
}

// (a): `steps` dataset steps at learning rate `lr`.
template <class Model, class Loss, class Opt, std::size_t B, class Extra>
Tally diverging_lr(tr::Trainer<Model, Loss, Opt, B>& trainer, Model& model, const Opt& opt,
                   float lr, Extra&& extra) {
    tr::TrainerConfig<float> cfg;
    cfg.seed = 5;
    cfg.lr = tr::LrSchedule<float>::constant(lr);
    cfg.max_skipped = 0;
    REQUIRE(trainer.configure(cfg) == Status::ok);
    REQUIRE(trainer.set_dataset(ember::Span<const float>(stress_data(), 2 * kPoints)) ==
            Status::ok);
    Tally tally;
    stress_steps(
        model, opt, kStressSteps, tally, [&] { return trainer.step(); }, extra);
    CHECK(tally.other == 0);
    CHECK(trainer.skipped() == tally.refused);
    CHECK(trainer.steps_done() == static_cast<std::uint32_t>(kStressSteps));
    return tally;
}

// (b): a dataset whose value `bad_index` is `bad` (NaN or +inf) is refused
// by set_dataset (nothing changes, the previous dataset stays in use), and
// the same points passed as a batch give a refused step (parameters and
// optimizer untouched), unless the loss does not read the batch's values
// (`reads_batch` false: the adversarial flow side).
template <class Model, class Loss, class Opt, std::size_t B, class Extra>
void non_finite_dataset(tr::Trainer<Model, Loss, Opt, B>& trainer, Model& model, const Opt& opt,
                        float bad, std::size_t bad_index, Status batch_status, Extra&& extra) {
    CAPTURE(bad);
    CAPTURE(bad_index);
    static float rows[2 * kPoints];
    std::memcpy(rows, stress_data(), sizeof(rows));
    tr::TrainerConfig<float> cfg;
    cfg.seed = 6;
    cfg.lr = tr::LrSchedule<float>::constant(1e-3f);
    REQUIRE(trainer.configure(cfg) == Status::ok);
    REQUIRE(trainer.set_dataset(ember::Span<const float>(rows, 2 * kPoints)) == Status::ok);
    REQUIRE(trainer.step() == Status::ok);
    rows[bad_index] = bad;
    static unsigned char model_before[sizeof(Model)];
    static unsigned char opt_before[sizeof(Opt)];
    std::memcpy(model_before, &model, sizeof(Model));
    std::memcpy(opt_before, &opt, sizeof(Opt));
    CHECK(trainer.set_dataset(ember::Span<const float>(rows, 2 * kPoints)) ==
          Status::non_finite_input);
    CHECK(same_bytes(model, model_before));
    CHECK(same_bytes(opt, opt_before));
    CHECK(trainer.steps_done() == 1);
    // The batch of the first B rows holds the bad value (bad_index < 2 B).
    REQUIRE(bad_index < 2 * B);
    const Status st = trainer.step(ember::Span<const float>(rows, 2 * B));
    CHECK(st == batch_status);
    if (batch_status != Status::ok) {
        CHECK(trainer.skipped() == 1);
        CHECK(trainer.last().status == batch_status);
        CHECK(same_bytes(model, model_before));
        CHECK(same_bytes(opt, opt_before));
    }
    CHECK(finite_span(model.data(), Model::param_count));
    extra();
    // The refused dataset was not taken: stepping goes on with the good one
    // (a step at lr 1e-3 from a sane model is ok).
    rows[bad_index] = 0.0f;
    CHECK(trainer.step() == Status::ok);
    CHECK(finite_span(model.data(), Model::param_count));
    extra();
}

// Chains of a contrastive-divergence loss: every real chain's position is
// finite, and so is its f when the state is initialised.
template <class Cd>
bool chains_finite(const Cd& cd) {
    const auto& s = cd.chains_state();
    for (std::size_t c = 0; c < Cd::chains; ++c) {
        for (std::size_t d = 0; d < Cd::D; ++d)
            if (!std::isfinite(s.position(c, d))) return false;
        if (s.ready && !std::isfinite(s.f[c])) return false;
    }
    return true;
}

template <class Loss>
void report_tally(const char* what, float lr, const Tally& t) {
    MESSAGE(std::string(what) << " at lr " << lr << ": " << t.ok << " steps applied, " << t.refused
                              << " refused, parameters finite throughout");
}

template <class Loss>
void score_matching_stress(const char* what) {
    CAPTURE(std::string(what));
    using Opt = tr::Adam<float, SNet::param_count>;
    static SNet net;
    static Loss loss;
    static Opt opt;
    static tr::Trainer<SNet, Loss, Opt, kBatch> trainer(net, loss, opt);
    auto none = [] {};
    for (float lr : {1e9f, 1e30f, 3e38f}) {
        CAPTURE(lr);
        net.init(1);
        opt.reset();
        const Tally t = diverging_lr(trainer, net, opt, lr, none);
        CHECK(t.refused > 0);
        report_tally<Loss>(what, lr, t);
    }
    net.init(2);
    opt.reset();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    non_finite_dataset(trainer, net, opt, nan, 5, Status::non_finite_output, none);
    non_finite_dataset(trainer, net, opt, inf, 2 * kBatch - 1, Status::non_finite_output, none);
}

} // namespace

TEST_CASE("stress: score matching (exact, sliced, DSM) at lr 1e9..3e38 and NaN/inf data") {
    score_matching_stress<tr::ExactScoreMatching<SNet>>("exact SM");
    score_matching_stress<tr::SlicedScoreMatching<SNet, 2>>("sliced SM");
    score_matching_stress<tr::SlicedScoreMatchingVR<SNet, 2>>("sliced SM (VR)");
    score_matching_stress<tr::DenoisingScoreMatching<SNet>>("denoising SM");
}

namespace {

template <class Cd>
void cd_stress(Cd& cd, const char* what, Status nan_batch_status) {
    CAPTURE(std::string(what));
    using Opt = tr::Adam<float, SNet::param_count>;
    static SNet net;
    static Opt opt;
    static tr::Trainer<SNet, Cd, Opt, kBatch> trainer(net, cd, opt);
    std::size_t update_refused = 0; // refused by the optimizer, not by the loss
    auto check_chains = [&] {
        if (trainer.last().status == Status::non_finite_output && cd.report().status == Status::ok)
            ++update_refused;
        CHECK(chains_finite(cd));
        if constexpr (Cd::persistent)
            CHECK(finite_span(cd.buffer().points().data(), cd.buffer().points().size()));
    };
    for (float lr : {1e9f, 1e30f, 3e38f}) {
        CAPTURE(lr);
        net.init(3);
        opt.reset();
        cd.restart();
        update_refused = 0;
        const Tally t = diverging_lr(trainer, net, opt, lr, check_chains);
        CHECK(t.refused > 0);
        // Every refusal of the loss (non_finite_output or diverged) is
        // counted by it; the others are updates the optimizer refused.
        CHECK(cd.diverged_steps() + update_refused == t.refused);
        if constexpr (Cd::persistent) {
            // The buffer kept its bookkeeping through the refused steps.
            CHECK(cd.buffer().draws() == static_cast<std::uint64_t>(kStressSteps));
        }
        report_tally<Cd>(what, lr, t);
    }
    net.init(4);
    opt.reset();
    cd.restart();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    non_finite_dataset(trainer, net, opt, nan, 3, nan_batch_status, check_chains);
    non_finite_dataset(trainer, net, opt, inf, 2 * kBatch - 2, nan_batch_status, check_chains);
}

} // namespace

TEST_CASE("stress: CD-k (ULA and MALA chains) at lr 1e9..3e38 and NaN/inf data") {
    {
        static tr::ContrastiveDivergence<SNet, es::Ula, 16> cd;
        es::UlaConfig<float> ula;
        ula.step_size = 0.05f;
        REQUIRE(cd.sampler().configure(ula) == Status::ok);
        tr::CdConfig<float> cfg;
        cfg.k = 4;
        REQUIRE(cd.configure(cfg) == Status::ok);
        // Chains start at the batch: a NaN/inf point is refused by the sampler's init.
        cd_stress(cd, "CD-4 (ULA, data starts)", Status::non_finite_input);
    }
    {
        static tr::ContrastiveDivergence<SNet, es::Mala, 16> cd;
        es::MetropolisConfig<float> mala;
        mala.step_size = 0.05f;
        REQUIRE(cd.sampler().configure(mala) == Status::ok);
        tr::CdConfig<float> cfg;
        cfg.k = 3;
        cfg.start = tr::ChainStart::noise;
        cfg.max_abs_f = 1e6f;
        REQUIRE(cd.configure(cfg) == Status::ok);
        // Chains start at noise: the bad point reaches the surrogate.
        cd_stress(cd, "CD-3 (MALA, noise starts, max |f| 1e6)", Status::non_finite_output);
    }
}

TEST_CASE("stress: PCD (persistent chains, replay buffer) at lr 1e9..3e38 and NaN/inf data") {
    static tr::ContrastiveDivergence<SNet, es::Ula, 16, 64> pcd;
    es::UlaConfig<float> ula;
    ula.step_size = 0.05f;
    REQUIRE(pcd.sampler().configure(ula) == Status::ok);
    tr::CdConfig<float> cfg;
    cfg.k = 4;
    cfg.reinit_fraction = 0.25f;
    REQUIRE(pcd.configure(cfg) == Status::ok);
    cd_stress(pcd, "PCD (ULA, 64 slots)", Status::non_finite_output);
}

TEST_CASE("stress: NCE (learned log Z) at lr 1e9..3e38 and NaN/inf data") {
    using Loss = tr::NoiseContrastiveEstimation<SEbm>;
    using Opt = tr::Adam<float, SEbm::param_count>;
    static SEbm model;
    static Loss nce;
    static Opt opt;
    static tr::Trainer<SEbm, Loss, Opt, kBatch> trainer(model, nce, opt);
    REQUIRE(nce.configure({2}) == Status::ok);
    REQUIRE(nce.noise().fit(ember::Span<const float>(stress_data(), 2 * kPoints)) == Status::ok);
    auto none = [] {};
    for (float lr : {1e9f, 1e30f, 3e38f}) {
        CAPTURE(lr);
        SNet::init_params(model.block<0>(), 5);
        model.block<1>()[0] = 0.0f;
        opt.reset();
        const Tally t = diverging_lr(trainer, model, opt, lr, none);
        CHECK(t.refused > 0);
        report_tally<Loss>("NCE", lr, t);
    }
    SNet::init_params(model.block<0>(), 6);
    model.block<1>()[0] = 0.0f;
    opt.reset();
    non_finite_dataset(trainer, model, opt, std::numeric_limits<float>::quiet_NaN(), 0,
                       Status::non_finite_output, none);
    non_finite_dataset(trainer, model, opt, std::numeric_limits<float>::infinity(), 17,
                       Status::non_finite_output, none);
}

namespace {

// Alternating steps of the two sides of a game at learning rate lr: each
// side as stress_steps, the other side's parameters finite after each step.
template <class TA, class MA, class OA, class TB, class MB, class OB>
void game_stress(TA& ta, MA& ma, const OA& oa, TB& tb, MB& mb, const OB& ob, float lr,
                 const char* what) {
    CAPTURE(std::string(what));
    CAPTURE(lr);
    tr::TrainerConfig<float> cfg;
    cfg.seed = 7;
    cfg.lr = tr::LrSchedule<float>::constant(lr);
    cfg.max_skipped = 0;
    REQUIRE(ta.configure(cfg) == Status::ok);
    REQUIRE(tb.configure(cfg) == Status::ok);
    const ember::Span<const float> data(stress_data(), 2 * kPoints);
    REQUIRE(ta.set_dataset(data) == Status::ok);
    REQUIRE(tb.set_dataset(data) == Status::ok);
    Tally a, b;
    for (int t = 0; t < kStressSteps; ++t) {
        stress_steps(
            ma, oa, 1, a, [&] { return ta.step(); },
            [&] { CHECK(finite_span(mb.data(), MB::param_count)); });
        stress_steps(
            mb, ob, 1, b, [&] { return tb.step(); },
            [&] { CHECK(finite_span(ma.data(), MA::param_count)); });
    }
    CHECK(a.other == 0);
    CHECK(b.other == 0);
    CHECK(ta.skipped() == a.refused);
    CHECK(tb.skipped() == b.refused);
    CHECK(a.refused + b.refused > 0);
    MESSAGE(std::string(what) << " at lr " << lr << ": energy side " << a.ok << " applied, "
                              << a.refused << " refused; flow side " << b.ok << " applied, "
                              << b.refused << " refused");
}

} // namespace

TEST_CASE("stress: FCE (energy and flow sides) at lr 1e9..3e38 and NaN/inf data") {
    using Energy = tr::NoiseContrastiveEstimation<SEbm, ember::flow::FlowNoise<SFlow>>;
    using FlowSide = tr::FceFlowLoss<SEbm, SFlow>;
    using OptE = tr::Adam<float, SEbm::param_count>;
    using OptQ = tr::Adam<float, SQ::param_count>;
    static SEbm ebm;
    static SQ q;
    static Energy energy;
    static FlowSide flow_side;
    static OptE opt_e;
    static OptQ opt_q;
    static tr::Trainer<SEbm, Energy, OptE, kBatch> te(ebm, energy, opt_e);
    static tr::Trainer<SQ, FlowSide, OptQ, kBatch> tq(q, flow_side, opt_q);
    energy.noise().bind(q.data());
    flow_side.bind_energy(ebm.data());
    REQUIRE(flow_side.configure({1}) == Status::ok);
    auto reset = [&](std::uint64_t seed) {
        SNet::init_params(ebm.block<0>(), seed);
        ebm.block<1>()[0] = 0.0f;
        SFlow::init_params(q.data(), seed);
        opt_e.reset();
        opt_q.reset();
    };
    for (float lr : {1e9f, 1e30f, 3e38f}) {
        reset(7);
        game_stress(te, ebm, opt_e, tq, q, opt_q, lr, "FCE");
    }
    auto q_finite = [&] { CHECK(finite_span(q.data(), SQ::param_count)); };
    auto e_finite = [&] { CHECK(finite_span(ebm.data(), SEbm::param_count)); };
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    reset(8);
    non_finite_dataset(te, ebm, opt_e, nan, 9, Status::non_finite_output, q_finite);
    non_finite_dataset(te, ebm, opt_e, inf, 30, Status::non_finite_output, q_finite);
    // The flow side reads data rows through log q(x): the flow refuses the point.
    non_finite_dataset(tq, q, opt_q, nan, 9, Status::non_finite_input, e_finite);
    non_finite_dataset(tq, q, opt_q, inf, 30, Status::non_finite_input, e_finite);
}

TEST_CASE("stress: adversarial (energy and flow sides) at lr 1e9..3e38 and NaN/inf data") {
    using Energy = tr::AdversarialEnergyLoss<SNet, SFlow, 16>;
    using FlowSide = tr::AdversarialFlowLoss<SNet, SFlow>;
    using OptE = tr::Adam<float, SNet::param_count>;
    using OptQ = tr::Adam<float, SQ::param_count>;
    static SNet net;
    static SQ q;
    static Energy energy;
    static FlowSide flow_side;
    static OptE opt_e;
    static OptQ opt_q;
    static tr::Trainer<SNet, Energy, OptE, kBatch> te(net, energy, opt_e);
    static tr::Trainer<SQ, FlowSide, OptQ, kBatch> tq(q, flow_side, opt_q);
    REQUIRE(energy.configure(0.1f) == Status::ok);
    energy.bind_flow(q.data());
    flow_side.bind_energy(net.data());
    auto reset = [&](std::uint64_t seed) {
        net.init(seed);
        SFlow::init_params(q.data(), seed);
        opt_e.reset();
        opt_q.reset();
    };
    for (float lr : {1e9f, 1e30f, 3e38f}) {
        reset(9);
        game_stress(te, net, opt_e, tq, q, opt_q, lr, "adversarial");
    }
    auto q_finite = [&] { CHECK(finite_span(q.data(), SQ::param_count)); };
    auto e_finite = [&] { CHECK(finite_span(net.data(), SNet::param_count)); };
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    reset(10);
    non_finite_dataset(te, net, opt_e, nan, 1, Status::non_finite_output, q_finite);
    non_finite_dataset(te, net, opt_e, inf, 20, Status::non_finite_output, q_finite);
    // The flow side draws its own points and does not read the batch's
    // values (flow_training.hpp): the bad batch is a normal step there, and
    // set_dataset still refuses the dataset.
    non_finite_dataset(tq, q, opt_q, nan, 1, Status::ok, e_finite);
    non_finite_dataset(tq, q, opt_q, inf, 20, Status::ok, e_finite);
}

TEST_CASE(
    "stress: an MLP target whose f overflows to inf: init refuses, steps reject, chains finite") {
    using Net = ember::Mlp<float, ember::Swish, 2, 8, 8>;
    using NetTarget = es::MlpTarget<Net>;
    static Net net;
    net.init(11);
    // Output weights scaled by 1e37: |f| ~ 1e37 near 0, inf a few hundred
    // units out (the hidden units grow linearly with |x|).
    float* w = net.data() + Net::layout::output_weight_offset;
    for (std::size_t j = 0; j < 8; ++j) w[j] *= 1e37f;
    static NetTarget target(net);
    const float far[2] = {1e4f, -1e4f};
    const float near[2] = {0.1f, 0.2f};
    CHECK(!std::isfinite(net.value(far)));
    CHECK(std::isfinite(net.value(near)));
    constexpr std::size_t C = 8;
    static es::ChainState<float, 2, C> s;
    float rows[C * 2];
    for (std::size_t i = 0; i < C * 2; ++i) rows[i] = far[i % 2];
    es::MetropolisConfig<float> mala_cfg, mh_cfg;
    mala_cfg.step_size = 0.5f;  // the drift eps grad f ~ 1e37 throws every proposal to inf
    mh_cfg.step_size = 2000.0f; // proposals a few thousand units out overflow
    static es::Mala<NetTarget> mala(target, mala_cfg);
    static es::RandomWalkMh<NetTarget> mh(target, mh_cfg);
    CHECK(mala.init(s, ember::Span<const float>(rows, C * 2), 1) == Status::non_finite_output);
    CHECK(!s.ready);
    CHECK(mala.step(s) == Status::invalid_argument);
    for (std::size_t i = 0; i < C * 2; ++i) rows[i] = near[i % 2] * float(1 + i / 2);
    for (int which = 0; which < 2; ++which) {
        CAPTURE(which);
        const Status init = which == 0 ? mala.init(s, ember::Span<const float>(rows, C * 2), 2)
                                       : mh.init(s, ember::Span<const float>(rows, C * 2), 2);
        REQUIRE(init == Status::ok);
        std::size_t bad = 0, flagged = 0;
        for (int t = 0; t < 50; ++t) {
            const Status st = which == 0 ? mala.step(s) : mh.step(s);
            bad += st != Status::ok && st != Status::non_finite_output;
            flagged += s.report.n_non_finite;
            CHECK((st == Status::non_finite_output) == (s.report.n_non_finite > 0));
            for (std::size_t c = 0; c < C; ++c) {
                CHECK(std::isfinite(s.position(c, 0)));
                CHECK(std::isfinite(s.position(c, 1)));
                CHECK(std::isfinite(s.f[c]));
            }
        }
        CHECK(bad == 0);
        CHECK(flagged > 0);
        CHECK(s.total_non_finite() == flagged);
        MESSAGE(std::string(which == 0 ? "MALA" : "MH")
                << " on an overflowing f: " << flagged
                << " non-finite proposals rejected in 50 steps");
    }
}

TEST_CASE("stress: an optimizer update that would overflow is refused and changes nothing") {
    // Regression (issue 11): a finite learning rate accepted by LrSchedule
    // could overflow inside the update and write inf/NaN into the parameters
    // while the Trainer reported ok.
    constexpr std::size_t N = 37; // whole packs and a scalar tail at every width
    static float params[N], grad[N];
    for (std::size_t i = 0; i < N; ++i) {
        params[i] = 0.01f * float(i) - 0.1f;
        grad[i] = i % 3 == 0 ? 0.0f : 1e3f * float(i) - 2e4f; // zeros too: inf * 0 is NaN
    }
    static unsigned char p_before[sizeof(params)];
    {
        static tr::Adam<float, N> adam;
        static unsigned char o_before[sizeof(adam)];
        REQUIRE(adam.step(params, grad, 1e-3f) == Status::ok);
        std::memcpy(p_before, params, sizeof(params));
        std::memcpy(o_before, &adam, sizeof(adam));
        // lr / (1 - beta1) overflows for lr above ~3.4e37.
        CHECK(adam.step(params, grad, 3e38f) == Status::non_finite_output);
        CHECK(std::memcmp(p_before, params, sizeof(params)) == 0);
        CHECK(std::memcmp(o_before, &adam, sizeof(adam)) == 0);
        CHECK(adam.steps() == 1);
        CHECK(adam.step(params, grad, 1e-3f) == Status::ok);
        CHECK(adam.steps() == 2);
        CHECK(finite_span(params, N));
    }
    {
        static tr::Sgd<float, N> sgd;
        static unsigned char o_before[sizeof(sgd)];
        std::memcpy(p_before, params, sizeof(params));
        std::memcpy(o_before, &sgd, sizeof(sgd));
        // lr * g ~ 3e38 * 1e4 overflows.
        CHECK(sgd.step(params, grad, 3e38f) == Status::non_finite_output);
        CHECK(std::memcmp(p_before, params, sizeof(params)) == 0);
        CHECK(std::memcmp(o_before, &sgd, sizeof(sgd)) == 0);
        CHECK(sgd.step(params, grad, 1e-3f) == Status::ok);
        CHECK(finite_span(params, N));
    }
    {
        // Through a Trainer: the refused update is a skipped step.
        using Opt = tr::Sgd<float, SNet::param_count>;
        using Loss = tr::DenoisingScoreMatching<SNet>;
        static SNet net;
        static Loss loss;
        static Opt opt;
        static tr::Trainer<SNet, Loss, Opt, kBatch> trainer(net, loss, opt);
        net.init(12);
        auto none = [] {};
        const Tally t = diverging_lr(trainer, net, opt, 3e38f, none);
        CHECK(t.refused > 0);
    }
}

} // namespace ember_test_stress
