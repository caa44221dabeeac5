// Cost of the flush-to-zero guard (include/ember/fp.hpp): one
// ember::fp::Scope constructed and destroyed, with the mode already on (what
// every entry point pays after enable_flush(): a register read and a
// compare) and with it off (read, set, read, restore). For scale, one
// evaluate() of Mlp<float, Swish, 16, 32, 32>, with and without a Scope
// around it (mode off, so the Scope switches the mode twice per call).
#include "ember/fp.hpp"
#include "ember/nn/mlp.hpp"

#include <benchmark/benchmark.h>

namespace {

namespace fp = ember::fp;

// Sets the flush bits as asked for the benchmark and restores the whole
// control register afterwards.
class Mode {
public:
    explicit Mode(bool on) noexcept : saved_(fp::detail::read_control()) {
        fp::detail::write_control(on ? saved_ | fp::detail::flush_bits
                                     : saved_ & ~fp::detail::flush_bits);
    }
    ~Mode() { fp::detail::write_control(saved_); }
    Mode(const Mode&) = delete;
    Mode& operator=(const Mode&) = delete;

private:
    fp::detail::control_t saved_;
};

void BM_fp_scope(benchmark::State& state) {
    const bool on = state.range(0) != 0;
    const Mode mode(on);
    for (auto _ : state) {
        const fp::Scope scope;
        benchmark::DoNotOptimize(scope.changed());
    }
    state.SetLabel(on ? "mode already on" : "mode off: set and restore");
}
BENCHMARK(BM_fp_scope)->Arg(1)->Arg(0);

void BM_fp_flush_enabled(benchmark::State& state) {
    const Mode mode(true);
    for (auto _ : state) benchmark::DoNotOptimize(fp::flush_enabled());
}
BENCHMARK(BM_fp_flush_enabled);

using Net = ember::Mlp<float, ember::Swish, 16, 32, 32>;

void BM_fp_mlp_evaluate(benchmark::State& state) {
    const bool with_scope = state.range(0) != 0;
    const Mode mode(false);
    static Net net;
    net.init(3);
    float x[16];
    for (int i = 0; i < 16; ++i) x[i] = 0.125f * float(i - 8);
    for (auto _ : state) {
        float f = 0;
        if (with_scope) {
            const fp::Scope scope;
            benchmark::DoNotOptimize(net.evaluate(x, f));
        } else {
            benchmark::DoNotOptimize(net.evaluate(x, f));
        }
        benchmark::DoNotOptimize(f);
    }
    state.SetLabel(with_scope ? "inside a Scope (mode off)" : "no Scope");
}
BENCHMARK(BM_fp_mlp_evaluate)->Arg(0)->Arg(1);

} // namespace
