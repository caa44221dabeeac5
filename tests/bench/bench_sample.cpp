// Sampler throughput: ULA and MALA on Mlp<float, Swish, D, 64, 64> for
// D in {2, 16, 64} and 1, 64, 1024 chains, one thread, against the same loop
// written naively (scalar, one chain at a time: tests/sample_reference.hpp).
//
// Counters: chain_steps_per_s; GFLOP/s counting 2 x the dense-layer
// multiply-adds of one value+grad per chain-step (forward + reverse;
// activations, RNG and bookkeeping are overhead); peak_fraction of the
// machine's own FMA peak at this build's SIMD width (peak.hpp, also reported
// as BM_fma_peak).
#include "../sample_reference.hpp"
#include "peak.hpp"

#include "ember/nn/mlp.hpp"
#include "ember/sample.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

namespace {

template <std::size_t D>
using Net = ember::Mlp<float, ember::Swish, D, 64, 64>;
template <std::size_t D>
using Target = ember::sample::MlpTarget<Net<D>>;

constexpr float kStep = 1e-3f;

// A random network made confining, like a trained EBM: first-layer units in
// +- pairs (so layer 1 grows like |a . x| in every direction), positive
// second-layer weights and negative output weights, so f(x) ~ -c |x| far
// out. Chains then stay in a bounded region for the whole run instead of
// drifting to where units saturate (a random MLP's density is improper).
template <std::size_t D>
const Net<D>& net() {
    static Net<D> n = [] {
        using N = Net<D>;
        N m;
        m.init(7);
        float* p = m.data();
        // W_l is input-major: the weight from input i to unit j is at i * 64 + j.
        float* w1 = p + N::layout::weight_offset(1);
        for (std::size_t j = 1; j < 64; j += 2)
            for (std::size_t i = 0; i < D; ++i) w1[i * 64 + j] = -w1[i * 64 + j - 1];
        float* w2 = p + N::layout::weight_offset(2);
        for (std::size_t k = 0; k < 64 * 64; ++k) w2[k] = w2[k] < 0 ? -w2[k] : w2[k];
        float* wl = p + N::layout::output_weight_offset;
        for (std::size_t j = 0; j < 64; ++j) wl[j] = wl[j] > 0 ? -wl[j] : wl[j];
        return m;
    }();
    return n;
}

template <std::size_t D, std::size_t C>
const float* start_rows() {
    static float rows[C * D];
    ember::Pcg32 rng(5, 1);
    for (auto& v : rows) v = ember::normal<float>(rng);
    return rows;
}

void set_counters(benchmark::State& state, const ember_bench::CpuTimer& timer, std::size_t chains,
                  std::size_t macs_per_chain_step) {
    const double seconds = timer.seconds();
    const double chain_steps = double(chains) * double(state.iterations());
    state.counters["chain_steps_per_s"] = seconds > 0 ? chain_steps / seconds : 0.0;
    ember_bench::report_flops<float>(state, 2.0 * double(macs_per_chain_step) * chain_steps,
                                     seconds);
}

template <template <class> class Sampler, std::size_t D, std::size_t C>
void BM_sampler(benchmark::State& state) {
    using Tg = Target<D>;
    using Cfg = typename Sampler<Tg>::config_type;
    static Tg target(net<D>());
    static ember::sample::ChainState<float, D, C> chains;
    Cfg cfg;
    cfg.step_size = kStep;
    static Sampler<Tg> sampler(target, cfg);
    const float* rows = start_rows<D, C>();
    if (sampler.init(chains, ember::Span<const float>(rows, C * D), 11) != ember::Status::ok) {
        state.SkipWithError("init failed");
        return;
    }
    std::size_t moved = 0, failed = 0;
    ember_bench::fma_peak_gflops<float>(); // measured before the timer starts
    const ember_bench::CpuTimer timer;
    for (auto _ : state) {
        failed += sampler.step(chains) != ember::Status::ok;
        moved += chains.report.n_accepted;
    }
    set_counters(state, timer, C, Tg::grad_macs);
    if (failed != 0) state.SkipWithError("a step failed");
    benchmark::DoNotOptimize(moved);
    benchmark::DoNotOptimize(chains.x[0]);
}

template <ember_ref::Kind K, std::size_t D, std::size_t C>
void BM_naive(benchmark::State& state) {
    using Chain = ember_ref::Chain<float, D>;
    static Chain chains[C];
    const Net<D>& n = net<D>();
    const float* rows = start_rows<D, C>();
    for (std::size_t c = 0; c < C; ++c) {
        for (std::size_t d = 0; d < D; ++d) chains[c].x[d] = rows[c * D + d];
        chains[c].f = n.value_and_grad(chains[c].x, chains[c].g);
        chains[c].rng = ember::Pcg32(11, c);
    }
    auto eval = [&n](const float* x, float* g) { return g ? n.value_and_grad(x, g) : n.value(x); };
    std::size_t moved = 0;
    ember_bench::fma_peak_gflops<float>();
    const ember_bench::CpuTimer timer;
    for (auto _ : state) {
        for (std::size_t c = 0; c < C; ++c) moved += ember_ref::step<K>(chains[c], kStep, eval);
    }
    set_counters(state, timer, C, Target<D>::grad_macs);
    benchmark::DoNotOptimize(moved);
    benchmark::DoNotOptimize(chains[0].x[0]);
}

void BM_fma_peak(benchmark::State& state) {
    constexpr std::uint64_t rounds = 1u << 16;
    float sink = 0;
    ember_bench::fma_peak_gflops<float>();
    const ember_bench::CpuTimer timer;
    for (auto _ : state) sink += ember_bench::fma_kernel<float>(rounds);
    ember_bench::report_flops<float>(
        state, ember_bench::fma_kernel_flops<float>(rounds) * double(state.iterations()),
        timer.seconds());
    benchmark::DoNotOptimize(sink);
    state.SetLabel(ember::simd::backend_name());
}

template <class Tg>
using Ula = ember::sample::Ula<Tg>;
template <class Tg>
using Mala = ember::sample::Mala<Tg>;

} // namespace

BENCHMARK(BM_fma_peak);

#define EMBER_BENCH_SIZES(M)                                                                       \
    M(2, 1) M(2, 64) M(2, 1024) M(16, 1) M(16, 64) M(16, 1024) M(64, 1) M(64, 64) M(64, 1024)

#define EMBER_BENCH_ULA(D, C) BENCHMARK_TEMPLATE(BM_sampler, Ula, D, C);
#define EMBER_BENCH_MALA(D, C) BENCHMARK_TEMPLATE(BM_sampler, Mala, D, C);
#define EMBER_BENCH_NAIVE_ULA(D, C) BENCHMARK_TEMPLATE(BM_naive, ember_ref::Kind::ula, D, C);
#define EMBER_BENCH_NAIVE_MALA(D, C) BENCHMARK_TEMPLATE(BM_naive, ember_ref::Kind::mala, D, C);

EMBER_BENCH_SIZES(EMBER_BENCH_ULA)
EMBER_BENCH_SIZES(EMBER_BENCH_MALA)
EMBER_BENCH_SIZES(EMBER_BENCH_NAIVE_ULA)
EMBER_BENCH_SIZES(EMBER_BENCH_NAIVE_MALA)
