// One-point latency through the public API: f(x) and (f, grad_x f) of a
// single point, one call per benchmark iteration (time per iteration = ns per
// call), on Mlp<float, Tanh, 16, 32, 32> and Mlp<float, Swish, 16, 64, 64>
// (init(1)).
//
//   latency/value/...                net.value(x)              f
//   latency/value_and_grad/...       net.value_and_grad(x, g)  no weight copy
//   latency/value_and_grad_rev/...   net.value_and_grad(x, g, rev): the
//                                    reverse sweep reads a transposed copy
//                                    (ReverseWeights), as MlpTarget does
//   latency/view_value/...           MlpView over const weights: f
//
// x cycles through 64 pre-drawn standard-normal points so nothing is
// hoisted; every result goes through benchmark::DoNotOptimize. Each call
// opens its own fp::Scope; the `..._mode_on` variants run with
// fp::enable_flush() called first, so that Scope is a register read.
//
// Counters: calls_per_s; GFLOP/s counting 2 x the dense multiply-adds
// (layout::forward_macs for f, layout::grad_macs for f and grad);
// peak_fraction of this build's FMA peak (peak.hpp).
#include "peak.hpp"

#include "ember/fp.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/random.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

namespace {

using TanhNet = ember::Mlp<float, ember::Tanh, 16, 32, 32>;
using SwishNet = ember::Mlp<float, ember::Swish, 16, 64, 64>;

constexpr std::size_t kPoints = 64; // power of two: the index wraps with a mask

template <class Net>
const Net& net() {
    static const Net n = [] {
        Net m;
        m.init(1);
        return m;
    }();
    return n;
}

template <class Net>
const float* points() {
    static float rows[kPoints * Net::input_dim];
    static const bool filled = [] {
        ember::Pcg32 rng(5, 3);
        for (auto& v : rows) v = ember::normal<float>(rng);
        return true;
    }();
    (void)filled;
    return rows;
}

void set_counters(benchmark::State& state, const ember_bench::CpuTimer& timer, std::size_t macs) {
    const double seconds = timer.seconds();
    const double calls = double(state.iterations());
    state.counters["calls_per_s"] = seconds > 0 ? calls / seconds : 0.0;
    ember_bench::report_flops<float>(state, 2.0 * double(macs) * calls, seconds);
}

// Runs a benchmark with the flush mode off (every call's Scope switches it on
// and off) or already on (every Scope is a register read), and switches it
// back off afterwards (with the raw register: ember itself has no call that
// switches the mode off, on purpose).
class Mode {
public:
    explicit Mode(bool on) noexcept : on_(on) {
        if (on_) ember::fp::enable_flush();
    }
    ~Mode() {
        if (on_) disable();
    }
    Mode(const Mode&) = delete;
    Mode& operator=(const Mode&) = delete;

private:
    static void disable() noexcept {
#if defined(__x86_64__)
        std::uint32_t csr;
        __asm__ __volatile__("stmxcsr %0" : "=m"(csr));
        csr &= ~((1u << 15) | (1u << 6));
        __asm__ __volatile__("ldmxcsr %0" : : "m"(csr) : "memory");
#endif
    }
    bool on_;
};

template <class Net, bool ModeOn>
void BM_value(benchmark::State& state) {
    const Mode mode(ModeOn);
    const Net& n = net<Net>();
    const float* xs = points<Net>();
    std::size_t k = 0;
    ember_bench::fma_peak_gflops<float>(); // measured before the timer starts
    const ember_bench::CpuTimer timer;
    for (auto _ : state) {
        float f = n.value(xs + k * Net::input_dim);
        benchmark::DoNotOptimize(f);
        k = (k + 1) & (kPoints - 1);
    }
    set_counters(state, timer, Net::layout::forward_macs);
}

template <class Net>
void BM_view_value(benchmark::State& state) {
    const typename Net::view_type v(net<Net>().data());
    const float* xs = points<Net>();
    std::size_t k = 0;
    ember_bench::fma_peak_gflops<float>();
    const ember_bench::CpuTimer timer;
    for (auto _ : state) {
        float f = v.value(xs + k * Net::input_dim);
        benchmark::DoNotOptimize(f);
        k = (k + 1) & (kPoints - 1);
    }
    set_counters(state, timer, Net::layout::forward_macs);
}

template <class Net, bool Rev>
void BM_value_and_grad(benchmark::State& state) {
    const Net& n = net<Net>();
    static ember::ReverseWeights<typename Net::spec_type> rev;
    rev.prepare(n.data());
    const float* xs = points<Net>();
    float g[Net::input_dim] = {};
    std::size_t k = 0;
    ember_bench::fma_peak_gflops<float>();
    const ember_bench::CpuTimer timer;
    for (auto _ : state) {
        float f = Rev ? n.value_and_grad(xs + k * Net::input_dim, g, rev)
                      : n.value_and_grad(xs + k * Net::input_dim, g);
        benchmark::DoNotOptimize(f);
        benchmark::DoNotOptimize(g);
        k = (k + 1) & (kPoints - 1);
    }
    set_counters(state, timer, Net::layout::grad_macs);
}

} // namespace

BENCHMARK_TEMPLATE(BM_value, TanhNet, false)->Name("latency/value/tanh_16_32_32");
BENCHMARK_TEMPLATE(BM_value, TanhNet, true)->Name("latency/value_mode_on/tanh_16_32_32");
BENCHMARK_TEMPLATE(BM_view_value, TanhNet)->Name("latency/view_value/tanh_16_32_32");
BENCHMARK_TEMPLATE(BM_value_and_grad, TanhNet, false)->Name("latency/value_and_grad/tanh_16_32_32");
BENCHMARK_TEMPLATE(BM_value_and_grad, TanhNet, true)
    ->Name("latency/value_and_grad_rev/tanh_16_32_32");
BENCHMARK_TEMPLATE(BM_value, SwishNet, false)->Name("latency/value/swish_16_64_64");
BENCHMARK_TEMPLATE(BM_value, SwishNet, true)->Name("latency/value_mode_on/swish_16_64_64");
BENCHMARK_TEMPLATE(BM_view_value, SwishNet)->Name("latency/view_value/swish_16_64_64");
BENCHMARK_TEMPLATE(BM_value_and_grad, SwishNet, false)
    ->Name("latency/value_and_grad/swish_16_64_64");
BENCHMARK_TEMPLATE(BM_value_and_grad, SwishNet, true)
    ->Name("latency/value_and_grad_rev/swish_16_64_64");
