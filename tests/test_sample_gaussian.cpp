// Gaussian targets with known mean and covariance (D = 1, 2, 16): the sample
// mean and covariance of MH, MALA and ULA (small eps) within 5 Monte Carlo
// standard errors, each derived from an effective sample size estimated on
// the chains themselves. ULA is held to its own stationary covariance
// (P - eps P^2 / 2)^-1 plus the known bias toward the target's.
#include "sample_test_util.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace ember_test_sample_gaussian { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

namespace es = ember::sample;
using ember::Status;
using sample_test::Gauss;

constexpr std::size_t kChains = 32;
constexpr std::size_t kRows = 120; // thinned rows kept for the ESS
constexpr double kSigmas = 5.0;
constexpr double kMinEss = 40.0; // the chains must actually mix

enum class Kind { mh, mala, ula };

float scratch[kRows * kChains]; // product series for the covariance ESS

// Runs one sampler on N(mu, cov) and checks mean and covariance.
// `ula_eps` > 0 selects ULA with that step.
template <Kind K, std::size_t D>
void check(const Gauss<D>& gp, int warmup, int thin, float step) {
    using Tg = es::GaussianTarget<float, D>;
    static Tg target;
    gp.load(target);
    static es::ChainState<float, D, kChains> s;
    auto& trace = sample_test::shared_trace<D, kChains, kRows>();
    sample_test::Moments<D> mom;

    // Start every chain at mu + 1 (no special knowledge of the spread).
    static float rows[kChains * D];
    for (std::size_t c = 0; c < kChains; ++c)
        for (std::size_t d = 0; d < D; ++d) rows[c * D + d] = float(gp.mu[d]) + 1.0f;

    auto run = [&](auto& sampler) {
        REQUIRE(sampler.init(s, rows, 1234) == Status::ok);
        std::size_t not_ok = 0;
        for (int t = 0; t < warmup; ++t) not_ok += sampler.step(s) != Status::ok;
        CHECK_FALSE(s.warming_up());
        for (std::size_t r = 0; r < kRows; ++r) {
            for (int k = 0; k < thin; ++k) {
                not_ok += sampler.step(s) != Status::ok;
                mom.add(s, gp.mu);
            }
            trace.record(s);
        }
        CHECK(not_ok == 0);
    };
    double cov_expect[D * D];
    if constexpr (K == Kind::mh) {
        es::MetropolisConfig<float> cfg;
        cfg.step_size = step;
        cfg.warmup_steps = static_cast<std::uint32_t>(warmup);
        es::RandomWalkMh<Tg> mh(target, cfg);
        run(mh);
        for (std::size_t i = 0; i < D * D; ++i) cov_expect[i] = gp.cov[i];
    } else if constexpr (K == Kind::mala) {
        es::MetropolisConfig<float> cfg;
        cfg.step_size = step;
        cfg.warmup_steps = static_cast<std::uint32_t>(warmup);
        es::Mala<Tg> mala(target, cfg);
        run(mala);
        for (std::size_t i = 0; i < D * D; ++i) cov_expect[i] = gp.cov[i];
    } else {
        es::UlaConfig<float> cfg;
        cfg.step_size = step;
        es::Ula<Tg> ula(target, cfg);
        run(ula);
        gp.ula_cov(double(step), cov_expect);
    }
    CHECK(s.total_non_finite() == 0);

    for (std::size_t i = 0; i < D; ++i) {
        const double ess = trace.ess(i);
        CAPTURE(i);
        CAPTURE(ess);
        CHECK(ess >= kMinEss);
        // ULA's stationary mean is mu exactly; its covariance is cov_expect.
        const double se = std::sqrt(cov_expect[i * D + i] / ess);
        CHECK(std::fabs(mom.mean(i) - gp.mu[i]) <= kSigmas * se);
    }
    // Variances and covariances: all pairs for small D, the main and first
    // off-diagonal for D = 16 (the ESS of each product series is estimated).
    for (std::size_t i = 0; i < D; ++i) {
        for (std::size_t j = i; j < D; ++j) {
            if (D > 2 && j > i + 1) continue;
            const double ess = trace.ess_product(i, j, gp.mu[i], gp.mu[j], scratch);
            const double v = cov_expect[i * D + i] * cov_expect[j * D + j] +
                             cov_expect[i * D + j] * cov_expect[i * D + j];
            const double se = std::sqrt(v / ess);
            const double got = mom.cov(i, j);
            CAPTURE(i);
            CAPTURE(j);
            CAPTURE(got);
            CAPTURE(cov_expect[i * D + j]);
            CAPTURE(gp.cov[i * D + j]);
            CAPTURE(ess);
            CHECK(ess >= kMinEss);
            CHECK(std::fabs(got - cov_expect[i * D + j]) <= kSigmas * se);
            // ULA's bias toward the target is small for small eps.
            CHECK(std::fabs(cov_expect[i * D + j] - gp.cov[i * D + j]) <=
                  0.15 * std::sqrt(gp.cov[i * D + i] * gp.cov[j * D + j]));
        }
    }
}

} // namespace

TEST_CASE("Gaussian D=1: MH, MALA, ULA match mean and variance") {
    const auto gp = sample_test::make_gauss<1>(0.0);
    check<Kind::mh, 1>(gp, 300, 2, 1.0f);
    check<Kind::mala, 1>(gp, 300, 2, 0.5f);
    check<Kind::ula, 1>(gp, 300, 4, 0.1f);
}

TEST_CASE("Gaussian D=2 (correlated): MH, MALA, ULA match mean and covariance") {
    const auto gp = sample_test::make_gauss<2>(0.8);
    check<Kind::mh, 2>(gp, 300, 3, 1.0f);
    check<Kind::mala, 2>(gp, 300, 3, 0.3f);
    check<Kind::ula, 2>(gp, 300, 5, 0.03f);
}

TEST_CASE("Gaussian D=16 (AR correlation): MH, MALA, ULA match mean and covariance") {
    const auto gp = sample_test::make_gauss<16>(0.3);
    check<Kind::mh, 16>(gp, 400, 8, 0.3f);
    check<Kind::mala, 16>(gp, 300, 4, 0.3f);
    check<Kind::ula, 16>(gp, 200, 5, 0.05f);
}

} // namespace ember_test_sample_gaussian
