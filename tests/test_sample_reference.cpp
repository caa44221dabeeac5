// The vectorized samplers against the naive one-chain-at-a-time loop
// (sample_reference.hpp), bit for bit: lanes and points paths, chain counts
// that are not multiples of the SIMD width, and chains that do not depend on
// how many other chains run beside them. Also persistence (two runs of n
// steps = one run of 2n) and the state's API contract.
#include "sample_reference.hpp"

#include "ember/nn/mlp.hpp"
#include "ember/sample.hpp"

#include <doctest/doctest.h>

#include <cstring>

namespace ember_test_sample_reference { // one namespace per test file (EMBER_TEST_UNITY batches)

// No internal macro of the sampler headers reaches user code.
#if defined(EMBER_SAMPLE_LANE_LOOP) || defined(EMBER_SAMPLE_RESTRICT) ||                           \
    defined(EMBER_SAMPLE_NOINLINE)
#error "ember/sample.hpp leaks its internal macros"
#endif

namespace {

using ember::Status;
namespace es = ember::sample;

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Starting rows: chain c, coordinate d, independent of the chain count.
template <class T, std::size_t D, std::size_t C>
void start_rows(T (&rows)[C * D]) {
    for (std::size_t c = 0; c < C; ++c) {
        ember::Pcg32 rng(77, c);
        for (std::size_t d = 0; d < D; ++d) rows[c * D + d] = ember::normal<T>(rng);
    }
}

template <ember_ref::Kind K>
struct SamplerFor;
template <>
struct SamplerFor<ember_ref::Kind::mh> {
    template <class Tg>
    using type = es::RandomWalkMh<Tg>;
};
template <>
struct SamplerFor<ember_ref::Kind::ula> {
    template <class Tg>
    using type = es::Ula<Tg>;
};
template <>
struct SamplerFor<ember_ref::Kind::mala> {
    template <class Tg>
    using type = es::Mala<Tg>;
};

// Runs `steps` steps of sampler kind K on `target` with C chains along
// `path`, and the reference on the same start; requires identical bits.
template <ember_ref::Kind K, std::size_t C, class Target>
void check_against_reference(Target& target, es::Path path, typename Target::value_type eps,
                             int steps, bool expect_rejections) {
    using T = typename Target::value_type;
    constexpr std::size_t D = Target::dim;
    using Sampler = typename SamplerFor<K>::template type<Target>;
    typename Sampler::config_type cfg;
    cfg.step_size = eps;
    cfg.path = path;
    Sampler sampler(target, cfg);
    static es::ChainState<T, D, C> s;
    static T rows[C * D];
    start_rows<T, D, C>(rows);
    REQUIRE(sampler.init(s, rows, 5, 100) == Status::ok);

    static ember_ref::Chain<T, D> ref[C];
    auto eval = [&target](const T* x, T* g) {
        return g ? target.value_and_grad(x, g) : target.value(x);
    };
    for (std::size_t c = 0; c < C; ++c) {
        for (std::size_t d = 0; d < D; ++d) ref[c].x[d] = rows[c * D + d];
        ref[c].f = eval(ref[c].x, ref[c].g);
        ref[c].rng = ember::Pcg32(5, 100 + c);
    }
    std::size_t mismatches = 0, moves = 0;
    for (int t = 0; t < steps; ++t) {
        REQUIRE(sampler.step(s) == Status::ok);
        const auto& report = s.report;
        for (std::size_t c = 0; c < C; ++c) {
            const bool moved = ember_ref::step<K>(ref[c], eps, eval);
            moves += moved;
            if (moved != report.accepted(c)) ++mismatches;
            if (!same_bits(ref[c].f, s.f[c])) ++mismatches;
            for (std::size_t d = 0; d < D; ++d) {
                if (!same_bits(ref[c].x[d], s.position(c, d))) ++mismatches;
                if (K != ember_ref::Kind::mh && !same_bits(ref[c].g[d], s.g[d * s.ld + c]))
                    ++mismatches;
            }
        }
    }
    CAPTURE(C);
    CAPTURE(static_cast<int>(path));
    CHECK(mismatches == 0);
    CHECK(moves > 0);
    if (expect_rejections) CHECK(moves < C * static_cast<std::size_t>(steps));
}

using SmallNet = ember::Mlp<float, ember::Swish, 3, 8, 6>;

} // namespace

TEST_CASE("samplers reproduce the naive one-chain loop bit for bit") {
    static SmallNet net;
    net.init(21);
    static es::MlpTarget<SmallNet> mlp(net);
    static es::GaussianTarget<float, 3> gauss;
    const float mu[3] = {0.5f, -1.0f, 0.25f};
    const float prec[9] = {2.0f, 0.5f, 0.0f, 0.5f, 1.0f, 0.25f, 0.0f, 0.25f, 4.0f};
    gauss.set(mu, prec);

    for (es::Path path : {es::Path::lanes, es::Path::points, es::Path::automatic}) {
        check_against_reference<ember_ref::Kind::mala, 13>(mlp, path, 0.05f, 25, false);
        check_against_reference<ember_ref::Kind::ula, 13>(mlp, path, 0.02f, 25, false);
        check_against_reference<ember_ref::Kind::mh, 13>(mlp, path, 0.4f, 25, false);
        check_against_reference<ember_ref::Kind::mala, 1>(mlp, path, 0.05f, 25, false);
        check_against_reference<ember_ref::Kind::mala, 5>(gauss, path, 0.6f, 25, true);
        check_against_reference<ember_ref::Kind::mh, 5>(gauss, path, 1.5f, 25, true);
        check_against_reference<ember_ref::Kind::ula, 5>(gauss, path, 0.05f, 25, false);
    }
}

TEST_CASE_TEMPLATE("double chains reproduce the reference too", T, double) {
    using Net = ember::Mlp<T, ember::Tanh, 2, 5>;
    static Net net;
    net.init(4);
    static es::MlpTarget<Net> mlp(net);
    check_against_reference<ember_ref::Kind::mala, 7>(mlp, es::Path::lanes, T(0.1), 20, false);
    check_against_reference<ember_ref::Kind::mala, 7>(mlp, es::Path::points, T(0.1), 20, false);
    check_against_reference<ember_ref::Kind::mh, 3>(mlp, es::Path::automatic, T(0.5), 20, false);
}

TEST_CASE("a chain does not depend on the other chains") {
    static SmallNet net;
    net.init(8);
    static es::MlpTarget<SmallNet> mlp(net);
    static es::Mala<es::MlpTarget<SmallNet>> mala(mlp);
    static es::ChainState<float, 3, 11> big;
    static es::ChainState<float, 3, 4> small;
    static float rows_big[11 * 3], rows_small[4 * 3];
    start_rows<float, 3, 11>(rows_big);
    start_rows<float, 3, 4>(rows_small);
    REQUIRE(mala.init(big, rows_big, 9) == Status::ok);
    REQUIRE(mala.init(small, rows_small, 9) == Status::ok);
    int bad = 0;
    for (int t = 0; t < 30; ++t) {
        bad += mala.step(big) != Status::ok;
        bad += mala.step(small) != Status::ok;
    }
    for (std::size_t c = 0; c < 4; ++c)
        for (std::size_t d = 0; d < 3; ++d)
            bad += !same_bits(big.position(c, d), small.position(c, d));
    CHECK(bad == 0);
}

TEST_CASE("persistent chains: n + n steps equal 2n steps, across samplers too") {
    using Tg = es::GaussianTarget<float, 2>;
    static Tg target;
    es::MetropolisConfig<float> cfg;
    cfg.step_size = 0.3f;
    cfg.warmup_steps = 15;
    static es::Mala<Tg> mala(target, cfg);
    static es::ChainState<float, 2, 9> a, b;
    static float rows[9 * 2];
    start_rows<float, 2, 9>(rows);
    REQUIRE(mala.init(a, rows, 3) == Status::ok);
    REQUIRE(mala.init(b, rows, 3) == Status::ok);
    int bad = 0;
    for (int t = 0; t < 40; ++t) bad += mala.step(a) != Status::ok;
    for (int t = 0; t < 20; ++t) bad += mala.step(b) != Status::ok;
    static es::ChainState<float, 2, 9> copy;
    std::memcpy(static_cast<void*>(&copy), static_cast<const void*>(&b), sizeof b);
    for (int t = 0; t < 20; ++t) bad += mala.step(copy) != Status::ok;
    for (std::size_t i = 0; i < 2 * a.ld; ++i) bad += !same_bits(a.x[i], copy.x[i]);
    CHECK(bad == 0);
    CHECK(a.steps == 40);
    CHECK(same_bits(a.step_size, copy.step_size));
    CHECK_FALSE(a.warming_up());

    // An MH step leaves the gradient stale; MALA then recomputes it first.
    es::MetropolisConfig<float> mcfg;
    static es::RandomWalkMh<Tg> mh(target, mcfg);
    REQUIRE(mh.step(a) == Status::ok);
    CHECK_FALSE(a.grad_valid);
    REQUIRE(mala.step(a) == Status::ok);
    CHECK(a.grad_valid);
    for (std::size_t c = 0; c < 9; ++c) {
        float x[2] = {a.position(c, 0), a.position(c, 1)}, g[2];
        (void)target.value_and_grad(x, g);
        CHECK(same_bits(g[0], a.g[c]));
        CHECK(same_bits(g[1], a.g[a.ld + c]));
    }
}

TEST_CASE("step() on a state that was not initialised returns invalid_argument, changes nothing") {
    using Tg = es::GaussianTarget<float, 2>;
    static Tg target;
    static es::ChainState<float, 2, 7> s, before;
    for (float& v : s.x) v = 0.25f;
    s.report.status = Status::ok;
    s.report.step_size = 0.5f;
    std::memcpy(static_cast<void*>(&before), static_cast<const void*>(&s), sizeof s);
    es::RandomWalkMh<Tg> mh(target);
    es::Mala<Tg> mala(target);
    es::Ula<Tg> ula(target);
    CHECK(mh.step(s) == Status::invalid_argument);
    CHECK(mala.step(s) == Status::invalid_argument);
    CHECK(ula.step(s) == Status::invalid_argument);
    CHECK(std::memcmp(static_cast<const void*>(&s), static_cast<const void*>(&before), sizeof s) ==
          0);
}

TEST_CASE("init, set_chain and refresh report bad input and keep the cache exact") {
    using Net = ember::Mlp<float, ember::Softplus, 2, 6>;
    using Tg = es::MlpTarget<Net>;
    static Net net;
    net.init(2);
    static Tg target(net);
    static es::Mala<Tg> mala(target);
    static es::ChainState<float, 2, 6> s;
    float rows[6 * 2] = {};
    CHECK(mala.step(s) == Status::invalid_argument); // not initialised
    CHECK(mala.init(s, ember::Span<const float>(rows, 11), 1) == Status::dimension_mismatch);
    rows[5] = NAN;
    CHECK(mala.init(s, rows, 1) == Status::non_finite_input);
    CHECK_FALSE(s.ready);
    rows[5] = 0.5f;
    REQUIRE(mala.init(s, rows, 1) == Status::ok);

    es::MetropolisConfig<float> bad;
    bad.step_size = -1.0f;
    static es::Mala<Tg> bad_mala(target, bad);
    CHECK(bad_mala.init(s, rows, 1) == Status::invalid_argument);
    REQUIRE(mala.init(s, rows, 1) == Status::ok);

    const float row[2] = {1.5f, -0.5f};
    const float nan_row[2] = {NAN, 0.0f};
    CHECK(mala.set_chain(s, 6, row) == Status::invalid_argument);
    CHECK(mala.set_chain(s, 2, nan_row) == Status::non_finite_input);
    REQUIRE(mala.set_chain(s, 2, row) == Status::ok);
    CHECK(s.position(2, 0) == 1.5f);
    CHECK(same_bits(s.f[2], net.value(row)));

    // Columns layout gives the same state as rows.
    static es::ChainState<float, 2, 6> t;
    float cols[2 * 8] = {};
    for (std::size_t c = 0; c < 6; ++c)
        for (std::size_t d = 0; d < 2; ++d) cols[d * 8 + c] = rows[c * 2 + d];
    REQUIRE(mala.init_columns(t, cols, 8, 1) == Status::ok);
    REQUIRE(mala.init(s, rows, 1) == Status::ok);
    for (std::size_t i = 0; i < 2 * s.ld; ++i) CHECK(same_bits(s.x[i], t.x[i]));

    // Training changed the parameters: refresh recomputes f and grad f.
    REQUIRE(mala.step(s) == Status::ok);
    for (auto& p : net.params) p *= 1.5f;
    REQUIRE(mala.refresh(s) == Status::ok);
    for (std::size_t c = 0; c < 6; ++c) {
        const float x[2] = {s.position(c, 0), s.position(c, 1)};
        float g[2];
        const float f = net.value_and_grad(x, g);
        CHECK(same_bits(f, s.f[c]));
        CHECK(same_bits(g[1], s.g[s.ld + c]));
    }
}

} // namespace ember_test_sample_reference
