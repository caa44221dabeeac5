// Normalizing flows and the games with them, through the calls a user makes:
// one step of flow contrastive estimation and of adversarial training (an
// energy Trainer step, then a flow Trainer step; batch 128, D in {2, 16},
// energy Mlp<float, Swish, D, 64, 64>), and flow sampling / log-density
// throughput. examples_per_s counts data rows; peak_fraction uses the
// multiply-adds of the passes (Dense layers of the flow, the MLP's forward
// and gradient), an undercount of the work (activations, exp, the
// optimizers are overhead), of this build's FMA peak (peak.hpp).
#include "peak.hpp"

#include "ember/flow.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/train.hpp"
#include "ember/train/flow_training.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

namespace {

constexpr std::size_t kBatch = 128;
template <std::size_t D>
using Net = ember::Mlp<float, ember::Swish, D, 64, 64>;
template <std::size_t D>
using FlowOf = ember::flow::RealNvp<float, D, 4, (D <= 2 ? 32 : 64)>;

template <std::size_t D>
void fill_batch(float* batch) {
    ember::Pcg32 rng(9, 2);
    ember::fill_normal(rng, batch, kBatch * D);
}

// Multiply-adds of the flow side per step, approximately: per data row a
// log_density and its vjp (3 passes), per noise row a forward and its vjp
// (3 passes) plus f and grad_x f of the energy.
template <std::size_t D>
constexpr double flow_side_macs(std::size_t noise_rows) {
    using F = FlowOf<D>;
    return double(kBatch) *
               (3.0 * double(F::macs_per_pass) + double(Net<D>::layout::forward_macs)) +
           double(noise_rows) *
               (3.0 * double(F::macs_per_pass) + double(Net<D>::layout::grad_macs));
}

// The timed loop of a game: an energy Trainer step, then a flow Trainer
// step, on one fixed batch; reports data rows per second and the fraction of
// the FMA peak for `macs_per_step` multiply-adds a step.
template <class EnergyTrainer, class FlowTrainer>
void run_game(benchmark::State& state, EnergyTrainer& te, FlowTrainer& tq,
              ember::Span<const float> batch, double macs_per_step) {
    std::size_t skipped = 0;
    ember_bench::fma_peak_gflops<float>();
    const ember_bench::CpuTimer timer;
    for (auto _ : state) {
        skipped += te.step(batch) != ember::Status::ok;
        skipped += tq.step(batch) != ember::Status::ok;
    }
    const double seconds = timer.seconds();
    const double steps = double(state.iterations());
    state.SetItemsProcessed(static_cast<std::int64_t>(double(kBatch) * steps));
    state.counters["examples_per_s"] = seconds > 0 ? double(kBatch) * steps / seconds : 0.0;
    ember_bench::report_flops<float>(state, 2.0 * macs_per_step * steps, seconds);
    if (skipped) state.SkipWithError("skipped step");
}

template <std::size_t D>
void BM_fce_step(benchmark::State& state) {
    using F = FlowOf<D>;
    using M = ember::Model<Net<D>, ember::Scalar<float>>;
    using Q = ember::Model<F>;
    using Nce = ember::train::NoiseContrastiveEstimation<M, ember::flow::FlowNoise<F>>;
    using Side = ember::train::FceFlowLoss<M, F>;
    static M m;
    static Q q;
    static Nce nce;
    static Side side;
    static ember::train::Adam<float, M::param_count> eopt;
    static ember::train::Adam<float, Q::param_count> qopt;
    static ember::train::Trainer<M, Nce, decltype(eopt), kBatch> te(m, nce, eopt);
    static ember::train::Trainer<Q, Side, decltype(qopt), kBatch> tq(q, side, qopt);
    static float batch[kBatch * D];
    Net<D>::init_params(m.template block<0>(), 3);
    F::init_params(q.data(), 4);
    nce.noise().bind(q.data());
    side.bind_energy(m.data());
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 1;
    cfg.lr = ember::train::LrSchedule<float>::constant(1e-5f);
    if (te.configure(cfg) != ember::Status::ok || tq.configure(cfg) != ember::Status::ok)
        state.SkipWithError("bad config");
    fill_batch<D>(batch);
    // Energy side: NCE (forward + pass 1 of 2 x 128 rows; a log-density of the flow each).
    const double energy_macs =
        2.0 * double(kBatch) *
        (2.0 * double(Net<D>::layout::forward_macs) + double(F::macs_per_pass));
    run_game(state, te, tq, ember::Span<const float>(batch),
             energy_macs + flow_side_macs<D>(kBatch));
    benchmark::DoNotOptimize(q.params[0]);
}

template <std::size_t D>
void BM_adversarial_step(benchmark::State& state) {
    using F = FlowOf<D>;
    using Q = ember::Model<F>;
    using Energy = ember::train::AdversarialEnergyLoss<Net<D>, F, kBatch>;
    using Side = ember::train::AdversarialFlowLoss<Net<D>, F>;
    static Net<D> f;
    static Q q;
    static Energy energy;
    static Side side;
    static ember::train::Adam<float, Net<D>::param_count> eopt;
    static ember::train::Adam<float, Q::param_count> qopt;
    static ember::train::Trainer<Net<D>, Energy, decltype(eopt), kBatch> te(f, energy, eopt);
    static ember::train::Trainer<Q, Side, decltype(qopt), kBatch> tq(q, side, qopt);
    static float batch[kBatch * D];
    f.init(3);
    F::init_params(q.data(), 4);
    energy.bind_flow(q.data());
    side.bind_energy(f.data());
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 1;
    cfg.lr = ember::train::LrSchedule<float>::constant(1e-5f);
    if (energy.configure(0.1f) != ember::Status::ok || te.configure(cfg) != ember::Status::ok ||
        tq.configure(cfg) != ember::Status::ok)
        state.SkipWithError("bad config");
    fill_batch<D>(batch);
    // Energy side: kBatch flow samples, forward + pass 1 of 2 x 128 rows;
    // flow side: kBatch forwards, f and grad_x f, forward_vjps.
    const double energy_macs = double(kBatch) * double(F::macs_per_pass) +
                               2.0 * double(kBatch) * 2.0 * double(Net<D>::layout::forward_macs);
    const double side_macs =
        double(kBatch) * (3.0 * double(F::macs_per_pass) + double(Net<D>::layout::grad_macs));
    run_game(state, te, tq, ember::Span<const float>(batch), energy_macs + side_macs);
    benchmark::DoNotOptimize(q.params[0]);
}

template <std::size_t D, bool Sample>
void BM_flow(benchmark::State& state) {
    using F = FlowOf<D>;
    static ember::Model<F> q;
    F::init_params(q.data(), 5);
    for (std::size_t i = 0; i < F::log_scale_offset; ++i) q.params[i] += 0.01f; // not the identity
    ember::Pcg32 rng(3, 1);
    float x[D] = {}, lp = 0, sink = 0;
    for (std::size_t i = 0; i < D; ++i) x[i] = 0.1f * float(i);
    ember_bench::fma_peak_gflops<float>();
    const ember_bench::CpuTimer timer;
    for (auto _ : state) {
        if constexpr (Sample) {
            (void)F::sample(q.data(), rng, x, &lp);
        } else {
            (void)F::log_density(q.data(), x, lp);
            x[0] += 1e-6f;
        }
        sink += lp;
    }
    const double seconds = timer.seconds();
    const double n = double(state.iterations());
    state.counters["points_per_s"] = seconds > 0 ? n / seconds : 0.0;
    ember_bench::report_flops<float>(state, 2.0 * double(F::macs_per_pass) * n, seconds);
    benchmark::DoNotOptimize(sink);
}

} // namespace

BENCHMARK_TEMPLATE(BM_fce_step, 2);
BENCHMARK_TEMPLATE(BM_fce_step, 16);
BENCHMARK_TEMPLATE(BM_adversarial_step, 2);
BENCHMARK_TEMPLATE(BM_adversarial_step, 16);
BENCHMARK_TEMPLATE(BM_flow, 2, true)->Name("BM_flow_sample/2");
BENCHMARK_TEMPLATE(BM_flow, 16, true)->Name("BM_flow_sample/16");
BENCHMARK_TEMPLATE(BM_flow, 2, false)->Name("BM_flow_log_density/2");
BENCHMARK_TEMPLATE(BM_flow, 16, false)->Name("BM_flow_log_density/16");
