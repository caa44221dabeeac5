// Optimizers, gradient norm and clipping, learning-rate schedules, shuffling.
#include "ember/train/optim.hpp"
#include "ember/train/shuffle.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace ember_test_train_optim { // one namespace per test file (EMBER_TEST_UNITY batches)

using ember::train::Adam;
using ember::train::AdamW;
using ember::train::LrSchedule;
using ember::train::Sgd;

TEST_CASE_TEMPLATE("train: squared_norm sums 16 stripes in a fixed order", T, float, double) {
    static T g[203];
    ember::Pcg32 rng(1, 2);
    for (auto& v : g) v = ember::uniform01<T>(rng) - T(0.5f);
    for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(15), std::size_t(16),
                          std::size_t(17), std::size_t(64), std::size_t(203)}) {
        T acc[16] = {};
        for (std::size_t i = 0; i < n; ++i) acc[i % 16] = ember::simd::fma(g[i], g[i], acc[i % 16]);
        T want = acc[0];
        for (int k = 1; k < 16; ++k) want += acc[k];
        const T got = ember::train::squared_norm(g, n);
        CHECK(std::memcmp(&got, &want, sizeof(T)) == 0);
    }
    T h[40];
    for (auto& v : h) v = T(0.5f);
    CHECK(ember::train::grad_norm(h, 40) == doctest::Approx(std::sqrt(10.0)));
    // Clipping scales to the bound and leaves small gradients alone.
    const T norm = ember::train::grad_norm(h, 40);
    CHECK(ember::train::clip_grad_norm(h, 40, norm, T(1)) ==
          doctest::Approx(1.0 / std::sqrt(10.0)));
    CHECK(ember::train::grad_norm(h, 40) == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(ember::train::clip_grad_norm(h, 40, T(1), T(2)) == T(1));
}

TEST_CASE("train: learning-rate schedules") {
    const auto c = LrSchedule<float>::constant(0.01f);
    CHECK(c.at(0) == 0.01f);
    CHECK(c.at(100000) == 0.01f);

    const auto cos = LrSchedule<double>::cosine(1.0, 100, 0.1);
    CHECK(cos.at(0) == doctest::Approx(1.0));
    CHECK(cos.at(50) == doctest::Approx(0.55));
    CHECK(cos.at(25) == doctest::Approx(0.1 + 0.45 * (1 + std::cos(3.141592653589793 / 4))));
    CHECK(cos.at(100) == doctest::Approx(0.1));
    CHECK(cos.at(1000) == doctest::Approx(0.1));

    const auto st = LrSchedule<double>::step_decay(1.0, 10, 0.5, 5);
    CHECK(st.at(0) == doctest::Approx(0.2)); // warm-up: 1/5
    CHECK(st.at(4) == doctest::Approx(1.0));
    CHECK(st.at(5) == doctest::Approx(1.0));
    CHECK(st.at(14) == doctest::Approx(1.0));
    CHECK(st.at(15) == doctest::Approx(0.5));
    CHECK(st.at(5 + 10 * 7) == doctest::Approx(std::pow(0.5, 7)));
}

namespace {
// f(p) = 0.5 sum_i a_i (p_i - c_i)^2 on 19 parameters (not a multiple of any
// pack width: the scalar tail runs too).
constexpr std::size_t kN = 19;
template <class T>
void quad_grad(const T* p, T* g) {
    for (std::size_t i = 0; i < kN; ++i)
        g[i] = T(0.5f + 0.1f * float(i)) * (p[i] - T(float(i) - 9.0f));
}
} // namespace

TEST_CASE_TEMPLATE("train: SGD with momentum and Adam minimise a quadratic", T, float, double) {
    alignas(64) T p[kN] = {}, g[kN];
    static Sgd<T, kN> sgd;
    REQUIRE(sgd.configure({T(0.9f), T(0), false}) == ember::Status::ok);
    for (int it = 0; it < 400; ++it) {
        quad_grad(p, g);
        REQUIRE(sgd.step(p, g, T(0.1f)) == ember::Status::ok);
    }
    for (std::size_t i = 0; i < kN; ++i)
        CHECK(p[i] == doctest::Approx(double(i) - 9.0).epsilon(1e-3));

    alignas(64) T q[kN] = {};
    static Sgd<T, kN> nes;
    REQUIRE(nes.configure({T(0.9f), T(0), true}) == ember::Status::ok);
    for (int it = 0; it < 400; ++it) {
        quad_grad(q, g);
        REQUIRE(nes.step(q, g, T(0.1f)) == ember::Status::ok);
    }
    for (std::size_t i = 0; i < kN; ++i)
        CHECK(q[i] == doctest::Approx(double(i) - 9.0).epsilon(1e-3));

    alignas(64) T r[kN] = {};
    static Adam<T, kN> adam;
    const auto lr = LrSchedule<T>::cosine(T(0.3f), 1500, T(0));
    for (std::uint32_t it = 0; it < 1500; ++it) {
        quad_grad(r, g);
        REQUIRE(adam.step(r, g, lr.at(it)) == ember::Status::ok);
    }
    CHECK(adam.steps() == 1500);
    for (std::size_t i = 0; i < kN; ++i)
        CHECK(r[i] == doctest::Approx(double(i) - 9.0).epsilon(1e-2));
}

TEST_CASE("train: Adam and AdamW match a reference update") {
    // Three steps against the textbook formulas in double.
    constexpr std::size_t n = 5;
    alignas(64) double p[n] = {1, -2, 3, 0.5, -0.25}, ref[n];
    std::memcpy(ref, p, sizeof p);
    const double g[3][n] = {
        {0.1, -0.2, 0.3, 0, 1}, {0.2, 0.1, -0.5, 0.01, 2}, {-0.3, 0.3, 0.2, 0, -1}};
    for (bool decoupled : {false, true}) {
        ember::train::AdamConfig<double> cfg;
        cfg.weight_decay = 0.1;
        cfg.decoupled_weight_decay = decoupled;
        Adam<double, n> opt;
        REQUIRE(opt.configure(cfg) == ember::Status::ok);
        alignas(64) double q[n];
        std::memcpy(q, p, sizeof p);
        std::memcpy(ref, p, sizeof p);
        double m[n] = {}, v[n] = {};
        const double lr = 0.05;
        for (int t = 1; t <= 3; ++t) {
            REQUIRE(opt.step(q, g[t - 1], lr) == ember::Status::ok);
            for (std::size_t i = 0; i < n; ++i) {
                double gi = g[t - 1][i];
                if (decoupled) {
                    ref[i] -= lr * 0.1 * ref[i];
                } else {
                    gi += 0.1 * ref[i];
                }
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                const double mh = m[i] / (1 - std::pow(0.9, t));
                const double vh = v[i] / (1 - std::pow(0.999, t));
                ref[i] -= lr * mh / (std::sqrt(vh) + 1e-8);
            }
        }
        for (std::size_t i = 0; i < n; ++i) CHECK(q[i] == doctest::Approx(ref[i]).epsilon(1e-12));
    }
    AdamW<float, 3> w;
    CHECK(w.config().decoupled_weight_decay);
    CHECK(w.config().weight_decay == 0.01f);
}

TEST_CASE("train: Permutation is a seeded bijection") {
    static std::uint8_t seen[1000];
    for (std::uint32_t n : {1u, 2u, 3u, 5u, 64u, 127u, 1000u}) {
        ember::Pcg32 rng(7, 1);
        const ember::train::Permutation perm(n, rng);
        std::memset(seen, 0, sizeof seen);
        for (std::uint32_t i = 0; i < n; ++i) {
            const std::uint32_t j = perm(i);
            REQUIRE(j < n);
            CHECK(seen[j] == 0);
            seen[j] = 1;
        }
        ember::Pcg32 rng2(7, 1);
        const ember::train::Permutation again(n, rng2);
        for (std::uint32_t i = 0; i < n; ++i) CHECK(again(i) == perm(i));
    }
    // Not the identity, and different seeds give different orders.
    ember::Pcg32 a(1, 1), b(2, 1);
    const ember::train::Permutation pa(1000, a), pb(1000, b);
    int fixed = 0, same = 0;
    for (std::uint32_t i = 0; i < 1000; ++i) {
        fixed += pa(i) == i;
        same += pa(i) == pb(i);
    }
    CHECK(fixed < 20);
    CHECK(same < 20);
}

TEST_CASE("train: optimizer and schedule settings are validated when set") {
    using ember::Status;
    static Adam<float, 4> adam;
    ember::train::AdamConfig<float> a;
    a.beta1 = 1.0f;
    CHECK(adam.configure(a) == Status::invalid_argument);
    a.beta1 = 0.9f;
    a.beta2 = -0.1f;
    CHECK(adam.configure(a) == Status::invalid_argument);
    a.beta2 = 0.99f;
    a.eps = 0.0f;
    CHECK(adam.configure(a) == Status::invalid_argument);
    a.eps = 1e-8f;
    a.weight_decay = NAN;
    CHECK(adam.configure(a) == Status::invalid_argument);
    CHECK(adam.config().beta2 == 0.999f); // the defaults are kept
    a.weight_decay = 0.01f;
    CHECK(adam.configure(a) == Status::ok);
    CHECK(adam.config().beta2 == 0.99f);

    static Sgd<float, 4> sgd;
    ember::train::SgdConfig<float> s;
    s.momentum = 1.0f;
    CHECK(sgd.configure(s) == Status::invalid_argument);
    s.momentum = 0.5f;
    s.weight_decay = -1.0f;
    CHECK(sgd.configure(s) == Status::invalid_argument);

    static ember::train::AdamW<float, 4> adamw;
    ember::train::AdamConfig<float> w;
    w.decoupled_weight_decay = false;
    REQUIRE(adamw.configure(w) == Status::ok);
    CHECK(adamw.config().decoupled_weight_decay);

    // A bad learning rate changes nothing.
    alignas(64) float p[4] = {1, 2, 3, 4}, g[4] = {1, 1, 1, 1};
    CHECK(adam.step(p, g, NAN) == Status::invalid_argument);
    CHECK(adam.step(p, g, -1.0f) == Status::invalid_argument);
    CHECK(sgd.step(p, g, INFINITY) == Status::invalid_argument);
    CHECK(p[0] == 1.0f);
    CHECK(adam.steps() == 0);

    CHECK(LrSchedule<float>::constant(1e-3f).valid());
    CHECK_FALSE(LrSchedule<float>::constant(NAN).valid());
    CHECK_FALSE(LrSchedule<float>::constant(-1.0f).valid());
    CHECK_FALSE(LrSchedule<float>::cosine(1e-3f, 100, 1e-2f).valid()); // lr_min above the rate
    CHECK_FALSE(LrSchedule<float>::step_decay(1e-3f, 10, 0.0f).valid());
}

TEST_CASE("train: ParameterAverage is the bias-corrected exponential moving average") {
    ember::train::ParameterAverage<float, 19> avg;
    CHECK(avg.configure(1.0f) == ember::Status::invalid_argument);
    CHECK(avg.configure(-0.1f) == ember::Status::invalid_argument);
    CHECK(avg.configure(NAN) == ember::Status::invalid_argument);
    REQUIRE(avg.configure(0.9f) == ember::Status::ok);
    float p[19];
    double a[19] = {}, dt = 1.0;
    for (int t = 1; t <= 30; ++t) {
        for (int i = 0; i < 19; ++i) p[i] = float(i) + 0.5f * float(t % 7) - 1.0f;
        avg.update(p);
        dt *= 0.9;
        for (int i = 0; i < 19; ++i) a[i] = 0.9 * a[i] + 0.1 * double(p[i]);
    }
    CHECK(avg.count() == 30);
    for (int i = 0; i < 19; ++i)
        CHECK(double(avg.averaged()[i]) == doctest::Approx(a[i] / (1.0 - dt)).epsilon(1e-5));
    // A constant vector averages to itself from the first update on.
    avg.reset();
    for (int i = 0; i < 19; ++i) p[i] = 3.25f;
    avg.update(p);
    for (int i = 0; i < 19; ++i) CHECK(avg.averaged()[i] == doctest::Approx(3.25));
}

} // namespace ember_test_train_optim
