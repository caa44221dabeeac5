// Non-finite energies and gradients: the proposal is rejected and counted
// for that chain, the chain keeps its last finite state, step() returns
// non_finite_output, and no NaN or inf ever enters the state.
#include "ember/sample.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace ember_test_sample_nonfinite { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

namespace es = ember::sample;
using ember::Status;

// Standard normal in 2-D, but f is NaN where x0 > 1 and the gradient (only)
// is infinite where x1 < -1.5.
struct Holes {
    template <class V>
    V operator()(const V* x, V* g) const {
        using S = ember::simd::scalar_of_t<V>;
        using ember::simd::select;
        const V nan(std::numeric_limits<S>::quiet_NaN());
        const V inf(std::numeric_limits<S>::infinity());
        const V f = V(S(-0.5)) * (x[0] * x[0] + x[1] * x[1]);
        if (g) {
            g[0] = -x[0];
            g[1] = select(x[1] < V(S(-1.5)), inf, -x[1]);
        }
        return select(x[0] > V(S(1)), nan, f);
    }
};
using Tg = es::FunctionTarget<float, 2, Holes>;
constexpr std::size_t kChains = 21;

template <class Sampler>
void check_holes(Sampler& sampler, bool grad_holes_matter) {
    static es::ChainState<float, 2, kChains> s, before;
    static float rows[kChains * 2] = {};
    REQUIRE(sampler.init(s, rows, 31) == Status::ok);
    std::size_t flagged = 0, counted = 0, bad = 0;
    for (int t = 0; t < 300; ++t) {
        std::memcpy(static_cast<void*>(&before), static_cast<const void*>(&s), sizeof s);
        const Status st = sampler.step(s);
        const auto& info = s.report;
        bad += st != (info.n_non_finite == 0 ? Status::ok : Status::non_finite_output);
        bad += info.status != st;
        counted += info.n_non_finite;
        for (std::size_t c = 0; c < kChains; ++c) {
            if (info.non_finite(c)) {
                ++flagged;
                bad += info.accepted(c);
                bad += info.accept_prob[c] != 0.0f;
                bad += s.position(c, 0) != before.position(c, 0);
                bad += s.position(c, 1) != before.position(c, 1);
                bad += s.f[c] != before.f[c];
                for (std::size_t d = 0; d < 2; ++d)
                    bad += s.g[d * s.ld + c] != before.g[d * s.ld + c];
            }
            bad += !std::isfinite(s.f[c]);
            bad += s.position(c, 0) > 1.0f;
            if (grad_holes_matter) bad += s.position(c, 1) < -1.5f;
            for (std::size_t d = 0; d < 2; ++d) {
                bad += !std::isfinite(s.position(c, d));
                bad += !std::isfinite(s.g[d * s.ld + c]);
            }
        }
        bad += !std::isfinite(info.mean_accept_prob);
    }
    CHECK(bad == 0);
    CHECK(flagged > 0);
    CHECK(flagged == counted);
    CHECK(s.total_non_finite() == counted);
    CHECK(std::isfinite(s.step_size));
}

// Standard normal in 2-D, except where x1 > 5 and x0 != 0: there f is NaN
// (or, with GradOnly, f is finite and only grad f is infinite). A chain
// started at (0, 100) is finite, and every proposal from it (x0 plus nonzero
// noise) is not; chains started near 0 never get there in one step.
template <bool GradOnly>
struct Trap {
    template <class V>
    V operator()(const V* x, V* g) const {
        using S = ember::simd::scalar_of_t<V>;
        using ember::simd::select;
        const auto trapped = (x[1] > V(S(5))) & (x[0] != V(S(0)));
        const V f = V(S(-0.5)) * (x[0] * x[0] + x[1] * x[1]);
        if (g) {
            g[0] = GradOnly ? select(trapped, V(std::numeric_limits<S>::infinity()), -x[0]) : -x[0];
            g[1] = -x[1];
        }
        return GradOnly ? f : select(trapped, V(std::numeric_limits<S>::quiet_NaN()), f);
    }
};

// One step with chain 0 trapped: non_finite_output, chain 0 flagged,
// rejected and bit for bit where it was; the other chains step normally.
template <class Sampler>
void check_trapped_step(Sampler& sampler) {
    constexpr std::size_t C = 5;
    static es::ChainState<float, 2, C> s, before;
    float rows[C * 2] = {0.0f, 100.0f, 0.5f, -0.5f, -0.3f, 0.2f, 0.1f, 0.9f, -0.8f, -0.1f};
    REQUIRE(sampler.init(s, rows, 17) == Status::ok);
    std::memcpy(static_cast<void*>(&before), static_cast<const void*>(&s), sizeof s);
    CHECK(sampler.step(s) == Status::non_finite_output);
    CHECK(s.report.status == Status::non_finite_output);
    CHECK(s.report.non_finite(0));
    CHECK_FALSE(s.report.accepted(0));
    CHECK(s.report.accept_prob[0] == 0.0f);
    CHECK(std::memcmp(&s.f[0], &before.f[0], sizeof(float)) == 0);
    for (std::size_t d = 0; d < 2; ++d) {
        const std::size_t i = d * s.ld;
        CHECK(std::memcmp(&s.x[i], &before.x[i], sizeof(float)) == 0);
        CHECK(std::memcmp(&s.g[i], &before.g[i], sizeof(float)) == 0);
    }
    CHECK(s.report.n_non_finite == 1);
    CHECK(s.n_non_finite[0] == 1);
    std::size_t moved = 0;
    for (std::size_t c = 1; c < C; ++c) {
        CHECK_FALSE(s.report.non_finite(c));
        CHECK(s.n_non_finite[c] == 0);
        moved += s.report.accepted(c);
    }
    CHECK(moved > 0);
    // Chain 0 back in the finite region: the next step is ok again.
    const float home[2] = {0.2f, 0.1f};
    REQUIRE(sampler.set_chain(s, 0, home) == Status::ok);
    CHECK(sampler.step(s) == Status::ok);
    CHECK(s.report.status == Status::ok);
    CHECK(s.report.n_non_finite == 0);
}

} // namespace

TEST_CASE("a step with a non-finite proposal returns non_finite_output, the chain unchanged") {
    using NanF = es::FunctionTarget<float, 2, Trap<false>>;
    using InfG = es::FunctionTarget<float, 2, Trap<true>>;
    static NanF nan_f;
    static InfG inf_g;
    for (es::Path path : {es::Path::lanes, es::Path::points}) {
        CAPTURE(static_cast<int>(path));
        es::MetropolisConfig<float> mcfg;
        mcfg.step_size = 0.3f;
        mcfg.path = path;
        es::UlaConfig<float> ucfg;
        ucfg.step_size = 0.05f;
        ucfg.path = path;
        es::RandomWalkMh<NanF> mh(nan_f, mcfg);
        check_trapped_step(mh);
        es::Mala<NanF> mala(nan_f, mcfg);
        check_trapped_step(mala);
        es::Mala<InfG> mala_g(inf_g, mcfg);
        check_trapped_step(mala_g);
        es::Ula<NanF> ula(nan_f, ucfg);
        check_trapped_step(ula);
        es::Ula<InfG> ula_g(inf_g, ucfg);
        check_trapped_step(ula_g);
    }
}

TEST_CASE("non-finite proposals are rejected, counted, and never enter the state") {
    static Tg target;
    SUBCASE("MH") {
        es::MetropolisConfig<float> cfg;
        cfg.step_size = 1.0f;
        cfg.warmup_steps = 100; // adaptation sees p = 0 for the bad chains
        es::RandomWalkMh<Tg> mh(target, cfg);
        check_holes(mh, false);
    }
    SUBCASE("MALA") {
        es::MetropolisConfig<float> cfg;
        cfg.step_size = 0.5f;
        cfg.warmup_steps = 100;
        es::Mala<Tg> mala(target, cfg);
        check_holes(mala, true);
    }
    SUBCASE("ULA") {
        es::UlaConfig<float> cfg;
        cfg.step_size = 0.3f;
        es::Ula<Tg> ula(target, cfg);
        check_holes(ula, true);
    }
    SUBCASE("MALA one chain at a time") {
        es::MetropolisConfig<float> cfg;
        cfg.step_size = 0.5f;
        cfg.path = es::Path::points;
        es::Mala<Tg> mala(target, cfg);
        check_holes(mala, true);
    }
}

TEST_CASE("init refuses a start where f is not finite (nothing is substituted)") {
    static Tg target;
    es::Mala<Tg> mala(target);
    static es::ChainState<float, 2, 4> s;
    float rows[4 * 2] = {0, 0, 2.0f, 0, 0, 0, 0, 0}; // chain 1 starts in the NaN region
    CHECK(mala.init(s, rows, 1) == Status::non_finite_output);
    CHECK_FALSE(s.ready);
    CHECK(mala.step(s) == Status::invalid_argument);
}

TEST_CASE("divergent proposals are flagged, and ULA clipping and tempering work") {
    using G = es::GaussianTarget<float, 1>;
    static G target;
    target.set_isotropic(1e-4f); // very narrow: a step of 1 is a huge jump
    es::MetropolisConfig<float> cfg;
    cfg.step_size = 10.0f;
    cfg.divergence_threshold = 100.0f;
    es::RandomWalkMh<G> mh(target, cfg);
    static es::ChainState<float, 1, 8> s;
    float rows[8] = {};
    REQUIRE(mh.init(s, rows, 3) == Status::ok);
    REQUIRE(mh.step(s) == Status::ok); // divergent is not an error
    CHECK(s.report.n_divergent > 0);
    CHECK(s.total_divergent() == s.report.n_divergent);

    // Clipping: the drift of a huge gradient is limited to eps * clip.
    target.set_isotropic(1.0f);
    es::UlaConfig<float> ucfg;
    ucfg.step_size = 0.1f;
    ucfg.grad_clip = 0.5f;
    ucfg.tempered = true;
    ucfg.noise_std = 0.0f; // no noise: pure clipped gradient ascent
    es::Ula<G> ula(target, ucfg);
    float far[8];
    for (auto& v : far) v = 100.0f;
    REQUIRE(ula.init(s, far, 3) == Status::ok);
    REQUIRE(ula.step(s) == Status::ok);
    for (std::size_t c = 0; c < 8; ++c) CHECK(s.position(c, 0) == 100.0f - 0.1f * 0.5f);

    es::UlaConfig<float> bad;
    bad.grad_clip = -1.0f;
    es::Ula<G> bad_ula(target, bad);
    CHECK(bad_ula.init(s, far, 3) == Status::invalid_argument);
}

} // namespace ember_test_sample_nonfinite
