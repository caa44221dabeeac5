// Training throughput: one trainer step (loss, parameter gradient, gradient
// norm, Adam update) on a minibatch of 128 points, for each score-matching
// estimator on Mlp<float, Swish, D, 64, 64>, D in {2, 16}, one thread.
//
// Counters: examples_per_s (points of the minibatch per CPU second);
// GFLOP/s counting 2 x the dense multiply-adds of the passes the estimator
// runs per point (Loss::macs_per_point: forward, tangents, reverses and the
// parameter-gradient outer products; activations, RNG, transposes and the
// optimizer are overhead); peak_fraction of this build's FMA peak (peak.hpp).
#include "peak.hpp"

#include "ember/nn/mlp.hpp"
#include "ember/train.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

namespace {

constexpr std::size_t kBatch = 128;

template <std::size_t D>
using Net = ember::Mlp<float, ember::Swish, D, 64, 64>;

template <std::size_t D>
using Exact = ember::train::ExactScoreMatching<Net<D>>;
template <std::size_t D>
using Sliced = ember::train::SlicedScoreMatching<Net<D>, 1>;
template <std::size_t D>
using SlicedVR = ember::train::SlicedScoreMatchingVR<Net<D>, 1>;
template <std::size_t D>
using Denoising = ember::train::DenoisingScoreMatching<Net<D>>;

template <template <std::size_t> class LossOf, std::size_t D>
void BM_train_step(benchmark::State& state) {
    using N = Net<D>;
    using Loss = LossOf<D>;
    using Opt = ember::train::Adam<float, N::param_count>;
    static N net;
    static Loss loss;
    static Opt opt;
    static ember::train::Trainer<N, Loss, Opt, kBatch> trainer(net, loss, opt);
    static float batch[kBatch * D];
    net.init(3);
    opt.reset();
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 1;
    cfg.lr = ember::train::LrSchedule<float>::constant(1e-4f);
    if (trainer.configure(cfg) != ember::Status::ok) state.SkipWithError("bad config");
    ember::Pcg32 rng(9, 2);
    for (auto& v : batch) v = ember::normal<float>(rng);

    std::size_t skipped = 0;
    ember_bench::fma_peak_gflops<float>(); // measured before the timer starts
    const ember_bench::CpuTimer timer;
    for (auto _ : state) {
        skipped += trainer.step(ember::Span<const float>(batch)) != ember::Status::ok;
    }
    const double seconds = timer.seconds();
    const double examples = double(kBatch) * double(state.iterations());
    state.counters["examples_per_s"] = seconds > 0 ? examples / seconds : 0.0;
    ember_bench::report_flops<float>(state, 2.0 * double(Loss::macs_per_point) * examples, seconds);
    if (skipped) state.SkipWithError("non-finite training step");
    benchmark::DoNotOptimize(net.params[0]);
}

} // namespace

BENCHMARK_TEMPLATE(BM_train_step, Exact, 2);
BENCHMARK_TEMPLATE(BM_train_step, Sliced, 2);
BENCHMARK_TEMPLATE(BM_train_step, SlicedVR, 2);
BENCHMARK_TEMPLATE(BM_train_step, Denoising, 2);
BENCHMARK_TEMPLATE(BM_train_step, Exact, 16);
BENCHMARK_TEMPLATE(BM_train_step, Sliced, 16);
BENCHMARK_TEMPLATE(BM_train_step, SlicedVR, 16);
BENCHMARK_TEMPLATE(BM_train_step, Denoising, 16);
