// Dual-averaging warm-up reaches the target acceptance rate (0.234 for MH,
// 0.574 for MALA, or a configured one) within +-0.05 on a Gaussian, from a
// badly chosen initial step size, and the step size is frozen afterwards.
#include "sample_test_util.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace ember_test_sample_adapt { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

namespace es = ember::sample;
using ember::Status;

constexpr std::size_t kChains = 64;
constexpr std::size_t kDim = 16;
using Tg = es::GaussianTarget<float, kDim>;

template <class Sampler>
void check_adapts(Sampler& sampler, float target_accept) {
    static es::ChainState<float, kDim, kChains> s;
    static float rows[kChains * kDim];
    for (std::size_t i = 0; i < kChains * kDim; ++i) rows[i] = 0.1f * float(i % 7) - 0.3f;
    REQUIRE(sampler.init(s, rows, 2024) == Status::ok);
    CHECK(s.warming_up());
    std::size_t not_ok = 0;
    for (int t = 0; t < 500; ++t) not_ok += sampler.step(s) != Status::ok;
    CHECK_FALSE(s.warming_up());
    const float eps = s.step_size;
    static es::Diagnostics<float, kChains, 32> diag;
    diag.reset();
    for (int t = 0; t < 600; ++t) {
        not_ok += sampler.step(s) != Status::ok;
        CHECK(s.report.step_size == eps); // frozen
        diag.record(s);
    }
    CHECK(not_ok == 0);
    CAPTURE(eps);
    CAPTURE(diag.acceptance_rate());
    CHECK(std::fabs(diag.acceptance_rate() - target_accept) <= 0.05f);
    CHECK(std::fabs(diag.mean_accept_prob() - target_accept) <= 0.05f);
    CHECK(s.step_size == eps);
}

} // namespace

TEST_CASE("adaptation reaches the target acceptance on a Gaussian") {
    static Tg target;
    sample_test::make_gauss<kDim>(0.3).load(target);
    SUBCASE("MH toward 0.234 from a tiny step") {
        es::MetropolisConfig<float> cfg;
        cfg.step_size = 0.01f;
        cfg.warmup_steps = 500;
        es::RandomWalkMh<Tg> mh(target, cfg);
        check_adapts(mh, 0.234f);
    }
    SUBCASE("MALA toward 0.574 from a huge step") {
        es::MetropolisConfig<float> cfg;
        cfg.step_size = 5.0f;
        cfg.warmup_steps = 500;
        es::Mala<Tg> mala(target, cfg);
        check_adapts(mala, 0.574f);
    }
    SUBCASE("MALA toward a configured 0.8") {
        es::MetropolisConfig<float> cfg;
        cfg.step_size = 0.01f;
        cfg.target_accept = 0.8f;
        cfg.warmup_steps = 500;
        es::Mala<Tg> mala(target, cfg);
        check_adapts(mala, 0.8f);
    }
}

TEST_CASE("dual averaging alone: converges on a known acceptance curve") {
    // Acceptance exp(-eps) has its 0.5 point at eps = ln 2.
    es::DualAveraging<float> da;
    REQUIRE(da.start(10.0f, 0.5f) == Status::ok);
    float eps = 10.0f;
    for (int m = 0; m < 2000; ++m) eps = da.update(std::exp(-eps));
    CHECK(da.iterations() == 2000);
    CHECK(std::fabs(da.final_step_size() - 0.6931472f) < 0.02f);
    // Stuck at zero acceptance the step size shrinks but stays a normal float.
    REQUIRE(da.start(1.0f, 0.5f) == Status::ok);
    for (int m = 0; m < 100000; ++m) eps = da.update(0.0f);
    CHECK(eps > 0.0f);
    CHECK(std::isnormal(da.final_step_size()));
}

TEST_CASE("start_warmup adapts a running state again") {
    static Tg target;
    es::MetropolisConfig<float> cfg;
    cfg.step_size = 2.0f;
    es::Mala<Tg> mala(target, cfg);
    static es::ChainState<float, kDim, 16> s;
    static float rows[16 * kDim] = {};
    REQUIRE(mala.init(s, rows, 1) == Status::ok);
    CHECK_FALSE(s.warming_up());
    std::size_t not_ok = 0;
    for (int t = 0; t < 10; ++t) not_ok += mala.step(s) != Status::ok;
    CHECK(s.step_size == 2.0f);
    REQUIRE(mala.start_warmup(s, 300) == Status::ok);
    for (int t = 0; t < 300; ++t) not_ok += mala.step(s) != Status::ok;
    CHECK(not_ok == 0);
    CHECK_FALSE(s.warming_up());
    CHECK(s.step_size < 2.0f);
}

} // namespace ember_test_sample_adapt
