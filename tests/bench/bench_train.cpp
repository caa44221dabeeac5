// Training throughput: one trainer step (loss, parameter gradient, gradient
// norm, Adam update) on a minibatch of 128 points, for each score-matching
// estimator and for the maximum-likelihood losses (CD-1, CD-10, PCD-10 with
// ULA negatives over 128 chains; NCE with nu = 1 and a fitted full-covariance
// Gaussian noise) on Mlp<float, Swish, D, 64, 64>, D in {2, 16}, one thread.
//
// Counters: examples_per_s (points of the minibatch per CPU second; the
// maximum-likelihood cases also set items_per_second to the same examples);
// GFLOP/s counting 2 x the dense multiply-adds of the passes the estimator
// runs per point (Loss::macs_per_point: forward, tangents, reverses and the
// parameter-gradient outer products; activations, RNG, transposes and the
// optimizer are overhead); peak_fraction of this build's FMA peak (peak.hpp).
// CD-k counts k f-and-grad_x evaluations per chain by the sampler (init and
// k - 1 steps; ULA's last step is a move() without one, MlpTarget::grad_macs)
// plus pass 1 forward and parameter
// gradient of the B + Chains surrogate rows; NCE counts the same pass 1 for
// its (1 + nu) rows per example (its macs_per_point at nu = 1).
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

// ---- maximum likelihood: contrastive divergence and NCE ---------------------

constexpr std::size_t kChains = 128;

/// CD-k (Capacity = 0) or persistent CD over kChains ULA chains.
template <std::size_t D, std::uint32_t K, std::size_t Capacity>
struct CdCase {
    using Model = Net<D>;
    using Loss = ember::train::ContrastiveDivergence<Model, ember::sample::Ula, kChains, Capacity>;
    static bool configure(Model& model, Loss& loss) {
        model.init(3);
        ember::sample::UlaConfig<float> ula;
        ula.step_size = Capacity == 0 ? 3e-3f : 1e-2f;
        ember::train::CdConfig<float> cfg;
        cfg.k = K;
        cfg.start = ember::train::ChainStart::data; // CD-k; PCD starts in the buffer
        if constexpr (Capacity > 0) {
            cfg.reinit_fraction = 0.05f;
            cfg.regularization = 0.1f;
        }
        return loss.sampler().configure(ula) == ember::Status::ok &&
               loss.configure(cfg) == ember::Status::ok;
    }
    /// Sampler: init + K - 1 steps, each an f-and-grad_x per chain (the
    /// last ULA step is a move()); surrogate: pass 1 (forward, parameter
    /// gradient) of the batch and the negatives.
    static constexpr double macs_per_step =
        double(K) * double(kChains) * double(Loss::target_type::grad_macs) +
        double(kBatch + kChains) *
            double(Loss::Engine::forward_macs + Loss::Engine::direction_macs);
};
template <std::size_t D>
using Cd1 = CdCase<D, 1, 0>;
template <std::size_t D>
using Cd10 = CdCase<D, 10, 0>;
template <std::size_t D>
using Pcd10 = CdCase<D, 10, 10000>;

/// NCE, nu = 1, GaussianNoise (full covariance) fitted to a fixed sample.
template <std::size_t D>
struct NceCase {
    using Model = ember::Model<Net<D>, ember::Scalar<float>>;
    using Loss = ember::train::NoiseContrastiveEstimation<Model>;
    static bool configure(Model& model, Loss& loss) {
        Net<D>::init_params(model.template block<0>(), 3);
        model.template block<1>()[0] = 0.0f;
        static float sample[4096 * D];
        ember::Pcg32 rng(5, 7);
        ember::fill_normal(rng, sample, 4096 * D);
        ember::train::NceConfig cfg;
        cfg.nu = 1;
        return loss.configure(cfg) == ember::Status::ok &&
               loss.noise().fit(ember::Span<const float>(sample)) == ember::Status::ok;
    }
    static constexpr double macs_per_step = double(kBatch) * double(Loss::macs_per_point);
};

template <template <std::size_t> class CaseOf, std::size_t D>
void BM_train_ml(benchmark::State& state) {
    using Case = CaseOf<D>;
    using M = typename Case::Model;
    using Loss = typename Case::Loss;
    using Opt = ember::train::Adam<float, M::param_count>;
    static M model;
    static Loss loss;
    static Opt opt;
    static ember::train::Trainer<M, Loss, Opt, kBatch> trainer(model, loss, opt);
    static float batch[kBatch * D];
    opt.reset();
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 1;
    cfg.lr = ember::train::LrSchedule<float>::constant(1e-4f);
    if (!Case::configure(model, loss) || trainer.configure(cfg) != ember::Status::ok)
        state.SkipWithError("bad config");
    ember::Pcg32 rng(9, 2);
    ember::fill_normal(rng, batch, kBatch * D);

    std::size_t skipped = 0;
    ember_bench::fma_peak_gflops<float>(); // measured before the timer starts
    const ember_bench::CpuTimer timer;
    for (auto _ : state) {
        skipped += trainer.step(ember::Span<const float>(batch)) != ember::Status::ok;
    }
    const double seconds = timer.seconds();
    const double steps = double(state.iterations());
    const double examples = double(kBatch) * steps;
    state.SetItemsProcessed(static_cast<std::int64_t>(examples));
    state.counters["examples_per_s"] = seconds > 0 ? examples / seconds : 0.0;
    ember_bench::report_flops<float>(state, 2.0 * Case::macs_per_step * steps, seconds);
    if (skipped) state.SkipWithError("skipped training step (non-finite or diverged)");
    benchmark::DoNotOptimize(model.params[0]);
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
BENCHMARK_TEMPLATE(BM_train_ml, Cd1, 2);
BENCHMARK_TEMPLATE(BM_train_ml, Cd10, 2);
BENCHMARK_TEMPLATE(BM_train_ml, Pcd10, 2);
BENCHMARK_TEMPLATE(BM_train_ml, NceCase, 2);
BENCHMARK_TEMPLATE(BM_train_ml, Cd1, 16);
BENCHMARK_TEMPLATE(BM_train_ml, Cd10, 16);
BENCHMARK_TEMPLATE(BM_train_ml, Pcd10, 16);
BENCHMARK_TEMPLATE(BM_train_ml, NceCase, 16);
