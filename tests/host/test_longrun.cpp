// Long-run drift (issue 11; native host runs only: 10^6 sampler steps). A
// Cortex-M4F-sized energy model (D = 8, a 16 x 16 Swish MLP with a Gaussian
// base) is sampled for 10^6 MALA steps (4 chains); then persistent CD cycles
// its replay buffer 10^4 times. Checked: no state drifts — the per-chain PCG
// streams are exactly where the closed-form jump puts them (and where an
// independently stepped generator is) and stay distinct; the adapted step
// size is finite, bounded and frozen after warm-up, with the acceptance rate
// near its target and not walking off; the acceptance counters add up
// exactly (no wrap); every replay-buffer slot is finite and the
// re-initialised count is exactly its nominal fraction.
#include "ember/nn/mlp.hpp"
#include "ember/random.hpp"
#include "ember/sample/mala.hpp"
#include "ember/sample/state.hpp"
#include "ember/sample/target.hpp"
#include "ember/simd.hpp"
#include "ember/train/contrastive_divergence.hpp"
#include "ember/train/points.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <limits>

namespace ember_test_longrun_host { // one namespace per test file (EMBER_TEST_UNITY batches)

// Native runs only: under qemu-user (the ARM Linux presets) the 10^6 steps
// take minutes; the streams and the arithmetic they check are the same bits
// on every target (tests/golden).
constexpr bool kEmulated = EMBER_TEST_EMULATED != 0;

namespace {

namespace es = ember::sample;
namespace tr = ember::train;
using ember::Status;

using Net = ember::Mlp<float, ember::Swish, 8, 16, 16>;

// f(x) = mlp(x) - |x|^2 / 2: the network on a standard normal base, so the
// density is proper whatever the weights (the Swish network grows at most
// linearly).
class BasedTarget {
public:
    using value_type = float;
    static constexpr std::size_t dim = 8;
    static constexpr bool prefers_points = es::MlpTarget<Net>::prefers_points;

    explicit BasedTarget(const Net& net) noexcept : mlp_(net) {}
    void prepare() noexcept { mlp_.prepare(); }
    template <class V>
    V value(const V* x) noexcept {
        return mlp_.value(x) - half_sq(x);
    }
    template <class V>
    V value_and_grad(const V* x, V* g) noexcept {
        const V f = mlp_.value_and_grad(x, g);
        for (std::size_t d = 0; d < dim; ++d) g[d] = g[d] - x[d];
        return f - half_sq(x);
    }

private:
    template <class V>
    static V half_sq(const V* x) noexcept {
        using S = ember::simd::scalar_of_t<V>;
        using ember::simd::fma;
        V q(S(0));
        for (std::size_t d = 0; d < dim; ++d) q = fma(x[d], x[d], q);
        return V(S(0.5)) * q;
    }
    es::MlpTarget<Net> mlp_;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
double cpu_seconds_since(std::clock_t c0) {
    return static_cast<double>(std::clock() - c0) / static_cast<double>(CLOCKS_PER_SEC);
}

} // namespace

TEST_CASE("longrun: 10^6 MALA steps on a D=8 16x16 model: streams, step size, counters" *
          doctest::skip(kEmulated)) {
    constexpr std::size_t C = 4; // one SSE/NEON pack: about 14 s of CPU at -O2
    constexpr std::uint64_t kSteps = 1000000;
    constexpr std::uint32_t kWarmup = 5000;
    constexpr std::uint64_t kSeed = 0x5eed, kStreamBase = 40;
    constexpr std::uint64_t kWindow = 100000;
    static Net net;
    net.init(17);
    static BasedTarget target(net);
    es::MetropolisConfig<float> cfg;
    cfg.step_size = 0.5f;
    cfg.warmup_steps = kWarmup;
    static es::Mala<BasedTarget> mala(target, cfg);
    static es::ChainState<float, 8, C> s;
    float rows[C * 8];
    ember::Pcg32 init_rng(3, 3);
    ember::fill_normal(init_rng, rows, C * 8);
    REQUIRE(mala.init(s, ember::Span<const float>(rows, C * 8), kSeed, kStreamBase) == Status::ok);

    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    std::uint64_t accepted = 0, non_finite = 0;
    std::uint64_t window_accepted[2] = {0, 0}; // first and last window after warm-up
    float step_min = std::numeric_limits<float>::max(), step_max = 0.0f;
    float frozen = 0.0f;
    std::size_t bad_status = 0;
    for (std::uint64_t t = 0; t < kSteps; ++t) {
        const Status st = mala.step(s);
        bad_status += st != Status::ok;
        accepted += s.report.n_accepted;
        non_finite += s.report.n_non_finite;
        const float eps = s.report.step_size;
        step_min = eps < step_min ? eps : step_min;
        step_max = eps > step_max ? eps : step_max;
        if (t == kWarmup) frozen = eps; // the first step after warm-up
        if (t >= kWarmup && t < kWarmup + kWindow) window_accepted[0] += s.report.n_accepted;
        if (t >= kSteps - kWindow) window_accepted[1] += s.report.n_accepted;
        if (t > kWarmup && eps != frozen) {
            FAIL("the step size changed after warm-up at step " << t);
        }
    }
    const double secs = seconds_since(t0), cpu = cpu_seconds_since(c0);

    // Every step was clean and is counted; the per-chain 32-bit counters add
    // up to the per-step totals (no wrap at 10^6; see the note below).
    CHECK(bad_status == 0);
    CHECK(non_finite == 0);
    CHECK(s.steps == kSteps);
    std::uint64_t per_chain = 0;
    for (std::size_t c = 0; c < C; ++c) {
        per_chain += s.n_accepted[c];
        CHECK(s.n_accepted[c] <= kSteps);
        CHECK(s.n_non_finite[c] == 0);
    }
    CHECK(per_chain == accepted);
    CHECK(s.acceptance_rate() ==
          static_cast<float>(accepted) / (static_cast<float>(kSteps) * static_cast<float>(C)));
    // n_accepted is std::uint32_t: it wraps after 2^32 accepted moves of one
    // chain (~4.3e9 steps: about 70 min of this loop on the host, days on a
    // Cortex-M4F running continuously); acceptance_rate() is then wrong.
    static_assert(sizeof(s.n_accepted[0]) == 4, "update the wrap note if the counters widen");
    static_assert(sizeof(s.steps) == 8, "steps is 64-bit");

    // PCG streams: MALA in D = 8 takes 4 Box-Muller pairs (8 outputs) and
    // one accept uniform per chain and step: 9 * 10^6 outputs per chain.
    // Chain c's stream is exactly Pcg32(seed, base + c) advanced by that.
    constexpr std::uint64_t kDraws = 9 * kSteps;
    for (std::size_t c = 0; c < C; ++c) {
        CAPTURE(c);
        ember::Pcg32 jumped(kSeed, kStreamBase + c);
        jumped.advance(kDraws);
        CHECK(s.rng_state[c] == jumped.state());
        CHECK(s.rng_inc[c] == jumped.increment());
        for (std::size_t o = 0; o < c; ++o) {
            CHECK(s.rng_state[c] != s.rng_state[o]);
            CHECK(s.rng_inc[c] != s.rng_inc[o]);
        }
    }
    // ... and where a second generator stepped output by output is.
    ember::Pcg32 stepped(kSeed, kStreamBase + 3);
    for (std::uint64_t i = 0; i < kDraws; ++i) (void)stepped.next_u32();
    CHECK(s.rng_state[3] == stepped.state());

    // Step size: finite and bounded throughout, frozen after warm-up at the
    // dual-averaging average.
    CHECK(std::isfinite(step_min));
    CHECK(std::isfinite(step_max));
    CHECK(step_min > 1e-3f);
    CHECK(step_max < 50.0f);
    CHECK(s.adapt.iterations() == kWarmup);
    CHECK(frozen == s.adapt.final_step_size());
    CHECK(s.step_size == frozen);
    CHECK(!s.warming_up());
    // Acceptance near MALA's target (0.574) after warm-up, and the same in
    // the first and the last 10^5 steps: it does not walk off.
    const double goal = static_cast<double>(mala.target_accept());
    const double a_first = static_cast<double>(window_accepted[0]) / double(kWindow * C);
    const double a_last = static_cast<double>(window_accepted[1]) / double(kWindow * C);
    const double a_all = static_cast<double>(accepted) / double(kSteps * C);
    MESSAGE("10^6 MALA steps x " << C << " chains (D = 8, 16x16): " << secs << " s (CPU " << cpu
                                 << " s); step size " << frozen << " (range " << step_min << " .. "
                                 << step_max << " in warm-up), acceptance " << a_all << " overall, "
                                 << a_first << " first / " << a_last << " last 10^5 steps"
                                 << " (target " << goal << ")");
    CHECK(std::fabs(a_first - goal) < 0.08);
    CHECK(std::fabs(a_last - goal) < 0.08);
    CHECK(std::fabs(a_last - a_first) < 0.02);
    // Positions and cached f finite at the end.
    for (std::size_t c = 0; c < C; ++c) {
        for (std::size_t d = 0; d < 8; ++d) CHECK(std::isfinite(s.position(c, d)));
        CHECK(std::isfinite(s.f[c]));
    }
}

TEST_CASE("longrun: persistent CD cycles its replay buffer 10^4 times: slots, reinit fraction" *
          doctest::skip(kEmulated)) {
    constexpr std::size_t C = 16, Cap = 256;
    constexpr std::uint32_t kCalls = 10000;
    using Pcd = tr::ContrastiveDivergence<Net, es::Ula, C, Cap>;
    static Net net;
    net.init(19);
    static Pcd pcd;
    es::UlaConfig<float> ula;
    ula.step_size = 0.01f;
    REQUIRE(pcd.sampler().configure(ula) == Status::ok);
    tr::CdConfig<float> cfg;
    cfg.k = 5;
    cfg.reinit_fraction = 0.05f;
    cfg.noise_low = -3.0f;
    cfg.noise_high = 3.0f;
    REQUIRE(pcd.configure(cfg) == Status::ok);
    static float data[8 * C];
    ember::Pcg32 drng(4, 4);
    ember::fill_normal(drng, data, 8 * C);
    const auto batch = tr::Points<float>::contiguous(ember::Span<const float>(data, 8 * C), 8);
    static float grad[Net::param_count];
    ember::Pcg32 rng(8, 8);
    std::uint64_t reinit_sum = 0, non_finite = 0;
    std::size_t bad_status = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    for (std::uint32_t i = 0; i < kCalls; ++i) {
        for (float& g : grad) g = 0.0f;
        float loss = 0.0f;
        bad_status += pcd.loss_and_grad(net.data(), batch, rng, grad, loss) != Status::ok;
        reinit_sum += pcd.report().reinitialised;
        non_finite += pcd.report().non_finite_proposals;
    }
    const double secs = seconds_since(t0), cpu = cpu_seconds_since(c0);
    CHECK(bad_status == 0);
    CHECK(non_finite == 0);
    CHECK(pcd.diverged_steps() == 0);
    const auto& buf = pcd.buffer();
    CHECK(buf.draws() == kCalls);
    // Exactly floor(draws * C * q / 2^16) chains re-initialised, q =
    // round(0.05 * 2^16) = 3277 (here 8000 of 160000): the nominal fraction
    // to 2^-16, far inside the binomial band 3 sqrt(p (1 - p) / n) of a
    // per-chain coin.
    const std::uint64_t q = 3277;
    const std::uint64_t expected = (std::uint64_t{kCalls} * C * q) >> 16;
    CHECK(buf.reinitialised() == expected);
    CHECK(reinit_sum == expected);
    const double n = double(kCalls) * double(C);
    const double frac = static_cast<double>(buf.reinitialised()) / n;
    CHECK(std::fabs(frac - 0.05) <= 1.0 / 65536.0 + 1.0 / n);
    CHECK(std::fabs(frac - 0.05) <= 3.0 * std::sqrt(0.05 * 0.95 / n));
    std::size_t non_finite_slots = 0, outside = 0;
    for (std::size_t i = 0; i < Cap; ++i)
        for (std::size_t d = 0; d < 8; ++d) {
            const float v = buf[i][d];
            non_finite_slots += !std::isfinite(v);
            outside += std::fabs(v) > 100.0f; // chains do not run off
        }
    CHECK(non_finite_slots == 0);
    CHECK(outside == 0);
    MESSAGE("PCD: " << kCalls << " calls x k = 5 ULA steps x " << C << " chains, " << Cap
                    << " slots: " << secs << " s (CPU " << cpu << " s); reinitialised "
                    << buf.reinitialised() << " of " << std::uint64_t{kCalls} * C
                    << " chain starts (" << frac << ")");
}

} // namespace ember_test_longrun_host
