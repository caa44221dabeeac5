// Split R-hat and ESS on series with known answers (independent draws, AR(1)
// with known autocorrelation, chains stuck at different levels), and the
// fixed-memory Diagnostics ring buffer.
#include "ember/sample.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace ember_test_sample_diagnostics { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

namespace es = ember::sample;
using ember::Status;

constexpr std::size_t M = 8, N = 400;
float trace[N * M];
float means[2 * M];

// AR(1) x_t = rho x_{t-1} + sqrt(1 - rho^2) z_t per chain (stationary N(0,1)),
// plus a per-chain offset.
void fill_ar1(float rho, float offset_step) {
    for (std::size_t c = 0; c < M; ++c) {
        ember::Pcg32 rng(12, c);
        float x = ember::normal<float>(rng);
        const float k = std::sqrt(1.0f - rho * rho);
        for (std::size_t t = 0; t < N; ++t) {
            x = rho * x + k * ember::normal<float>(rng);
            trace[t * M + c] = x + offset_step * float(c);
        }
    }
}

} // namespace

TEST_CASE("split R-hat and ESS on independent draws") {
    fill_ar1(0.0f, 0.0f);
    const float rhat = es::split_rhat(trace, N, M, M, 0, means);
    const float ess = es::effective_sample_size(trace, N, M, M, 0, means);
    CAPTURE(rhat);
    CAPTURE(ess);
    CHECK(rhat < 1.02f);
    CHECK(rhat > 0.98f);
    CHECK(ess > 0.8f * float(M * N));
    CHECK(ess < 1.25f * float(M * N));
}

TEST_CASE("ESS of an AR(1) series is about M N (1 - rho) / (1 + rho)") {
    for (float rho : {0.5f, 0.9f}) {
        fill_ar1(rho, 0.0f);
        const float ess = es::effective_sample_size(trace, N, M, M, 0, means);
        const float expect = float(M * N) * (1.0f - rho) / (1.0f + rho);
        CAPTURE(rho);
        CAPTURE(ess);
        CHECK(ess > 0.7f * expect);
        CHECK(ess < 1.4f * expect);
    }
}

TEST_CASE("R-hat flags chains that disagree, and is NaN with too little data") {
    fill_ar1(0.5f, 1.0f);
    CHECK(es::split_rhat(trace, N, M, M, 0, means) > 1.5f);
    CHECK(std::isnan(es::split_rhat(trace, 3, M, M, 0, means)));
    for (auto& v : trace) v = 2.0f; // no variance at all
    CHECK(std::isnan(es::effective_sample_size(trace, N, M, M, 0, means)));
}

TEST_CASE("Diagnostics: ring buffer, counts and energy mean") {
    using Tg = es::GaussianTarget<float, 2>;
    static Tg target;
    es::MetropolisConfig<float> cfg;
    cfg.step_size = 1.2f;
    es::RandomWalkMh<Tg> mh(target, cfg);
    static es::ChainState<float, 2, 6> s;
    float rows[12] = {};
    REQUIRE(mh.init(s, rows, 4) == Status::ok);
    static es::Diagnostics<float, 6, 16> diag;
    double energy = 0;
    std::uint64_t accepted = 0;
    static float last[16 * 6];
    for (int t = 0; t < 40; ++t) {
        REQUIRE(mh.step(s) == Status::ok);
        diag.record(s, 1); // monitor coordinate 1
        accepted += s.report.n_accepted;
        double e = 0;
        for (std::size_t c = 0; c < 6; ++c) e -= double(s.f[c]);
        energy += e / 6.0;
        for (std::size_t c = 0; c < 6; ++c)
            last[static_cast<std::size_t>(t % 16) * 6 + c] = s.position(c, 1);
    }
    CHECK(diag.steps() == 40);
    CHECK(diag.window_rows() == 16);
    CHECK(diag.acceptance_rate() == doctest::Approx(double(accepted) / 240.0).epsilon(1e-6));
    CHECK(diag.acceptance_rate() == doctest::Approx(double(s.acceptance_rate())).epsilon(1e-6));
    CHECK(diag.mean_energy() == doctest::Approx(energy / 40.0).epsilon(1e-4));
    CHECK(diag.non_finite() == 0);
    // The ring holds the last 16 rows, oldest at first().
    static float chrono[16 * 6];
    for (std::size_t r = 0; r < 16; ++r)
        for (std::size_t c = 0; c < 6; ++c) chrono[r * 6 + c] = last[((40 - 16 + r) % 16) * 6 + c];
    static float m[12];
    CHECK(diag.split_rhat() == es::split_rhat(chrono, 16, 6, 6, 0, m));
    CHECK(diag.ess() == es::effective_sample_size(chrono, 16, 6, 6, 0, m));
    diag.reset();
    CHECK(diag.steps() == 0);
    CHECK(std::isnan(diag.ess()));
}

} // namespace ember_test_sample_diagnostics
