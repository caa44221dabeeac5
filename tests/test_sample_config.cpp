// Sampler configuration: configure() refuses every out-of-range field and
// keeps the previous config; a bad config given to a constructor makes
// init() and step() refuse to run; target_accept 0 means the sampler's
// optimal rate; DualAveraging::start() and start_warmup() check their input.
#include "ember/sample.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <limits>

namespace ember_test_sample_config { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

namespace es = ember::sample;
using ember::Status;

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class T>
bool same(const es::SamplerConfig<T>& a, const es::SamplerConfig<T>& b) {
    return same_bits(a.step_size, b.step_size) &&
           same_bits(a.divergence_threshold, b.divergence_threshold) && a.path == b.path;
}
template <class T>
bool same(const es::MetropolisConfig<T>& a, const es::MetropolisConfig<T>& b) {
    return same(static_cast<const es::SamplerConfig<T>&>(a),
                static_cast<const es::SamplerConfig<T>&>(b)) &&
           same_bits(a.target_accept, b.target_accept) && a.warmup_steps == b.warmup_steps &&
           same_bits(a.adaptation.gamma, b.adaptation.gamma) &&
           same_bits(a.adaptation.t0, b.adaptation.t0) &&
           same_bits(a.adaptation.kappa, b.adaptation.kappa);
}
template <class T>
bool same(const es::UlaConfig<T>& a, const es::UlaConfig<T>& b) {
    return same(static_cast<const es::SamplerConfig<T>&>(a),
                static_cast<const es::SamplerConfig<T>&>(b)) &&
           same_bits(a.grad_clip, b.grad_clip) && a.tempered == b.tempered &&
           same_bits(a.noise_std, b.noise_std);
}

// Applies each mutation of `good` in turn: configure() must refuse it and
// keep `good`. Returns the number of mutations that were not refused.
template <class Sampler, class Mutations>
int count_accepted(Sampler& sampler, const typename Sampler::config_type& good,
                   const Mutations& mutations) {
    REQUIRE(sampler.configure(good) == Status::ok);
    int accepted = 0;
    for (const auto& mutate : mutations) {
        typename Sampler::config_type bad = good;
        mutate(bad);
        accepted += sampler.configure(bad) != Status::invalid_argument;
        accepted += !same(sampler.config(), good);
    }
    return accepted;
}

template <class C>
using Mutation = void (*)(C&);

template <class T>
constexpr T nan_v = std::numeric_limits<T>::quiet_NaN();
template <class T>
constexpr T inf_v = std::numeric_limits<T>::infinity();

// Bad values of the common fields, for every config type C.
template <class C, class T = decltype(C::step_size)>
constexpr Mutation<C> common_mutations[] = {
    [](C& c) { c.step_size = T(0); },
    [](C& c) { c.step_size = T(-0.1); },
    [](C& c) { c.step_size = nan_v<T>; },
    [](C& c) { c.step_size = inf_v<T>; },
    [](C& c) { c.divergence_threshold = T(0); },
    [](C& c) { c.divergence_threshold = T(-5); },
    [](C& c) { c.divergence_threshold = nan_v<T>; },
    [](C& c) { c.path = static_cast<es::Path>(3); },
};

template <class T>
constexpr Mutation<es::MetropolisConfig<T>> metropolis_mutations[] = {
    [](es::MetropolisConfig<T>& c) { c.target_accept = T(-0.1); },
    [](es::MetropolisConfig<T>& c) { c.target_accept = T(1); },
    [](es::MetropolisConfig<T>& c) { c.target_accept = T(1.5); },
    [](es::MetropolisConfig<T>& c) { c.target_accept = nan_v<T>; },
    [](es::MetropolisConfig<T>& c) { c.adaptation.gamma = T(0); },
    [](es::MetropolisConfig<T>& c) { c.adaptation.gamma = T(-0.05); },
    [](es::MetropolisConfig<T>& c) { c.adaptation.gamma = nan_v<T>; },
    [](es::MetropolisConfig<T>& c) { c.adaptation.gamma = inf_v<T>; },
    [](es::MetropolisConfig<T>& c) { c.adaptation.t0 = T(-1); },
    [](es::MetropolisConfig<T>& c) { c.adaptation.t0 = nan_v<T>; },
    [](es::MetropolisConfig<T>& c) { c.adaptation.t0 = inf_v<T>; },
    [](es::MetropolisConfig<T>& c) { c.adaptation.kappa = T(0.5); },
    [](es::MetropolisConfig<T>& c) { c.adaptation.kappa = T(0.3); },
    [](es::MetropolisConfig<T>& c) { c.adaptation.kappa = T(1.01); },
    [](es::MetropolisConfig<T>& c) { c.adaptation.kappa = nan_v<T>; },
};

template <class T>
constexpr Mutation<es::UlaConfig<T>> ula_mutations[] = {
    [](es::UlaConfig<T>& c) { c.grad_clip = T(-1); },
    [](es::UlaConfig<T>& c) { c.grad_clip = nan_v<T>; },
    [](es::UlaConfig<T>& c) { c.grad_clip = inf_v<T>; },
    [](es::UlaConfig<T>& c) {
        c.tempered = true;
        c.noise_std = T(-0.1);
    },
    [](es::UlaConfig<T>& c) {
        c.tempered = true;
        c.noise_std = nan_v<T>;
    },
    [](es::UlaConfig<T>& c) {
        c.tempered = true;
        c.noise_std = inf_v<T>;
    },
};

template <class T>
es::MetropolisConfig<T> good_metropolis() {
    es::MetropolisConfig<T> c;
    c.step_size = T(0.3);
    c.divergence_threshold = T(50);
    c.path = es::Path::lanes;
    c.target_accept = T(0.7);
    c.warmup_steps = 12;
    c.adaptation.gamma = T(0.1);
    c.adaptation.t0 = T(5);
    c.adaptation.kappa = T(0.8);
    return c;
}

template <class T>
es::UlaConfig<T> good_ula() {
    es::UlaConfig<T> c;
    c.step_size = T(0.02);
    c.divergence_threshold = T(20);
    c.path = es::Path::points;
    c.grad_clip = T(3);
    c.tempered = true;
    c.noise_std = T(0.05);
    return c;
}

} // namespace

TEST_CASE_TEMPLATE("configure() refuses each out-of-range field and keeps the old config", T, float,
                   double) {
    using Tg = es::GaussianTarget<T, 2>;
    static Tg target;
    using MC = es::MetropolisConfig<T>;
    using UC = es::UlaConfig<T>;

    es::RandomWalkMh<Tg> mh(target);
    es::Mala<Tg> mala(target);
    es::Ula<Tg> ula(target);
    CHECK(count_accepted(mh, good_metropolis<T>(), common_mutations<MC>) == 0);
    CHECK(count_accepted(mh, good_metropolis<T>(), metropolis_mutations<T>) == 0);
    CHECK(count_accepted(mala, good_metropolis<T>(), common_mutations<MC>) == 0);
    CHECK(count_accepted(mala, good_metropolis<T>(), metropolis_mutations<T>) == 0);
    CHECK(count_accepted(ula, good_ula<T>(), common_mutations<UC>) == 0);
    CHECK(count_accepted(ula, good_ula<T>(), ula_mutations<T>) == 0);

    // The edges of the documented ranges are accepted.
    MC edge = good_metropolis<T>();
    edge.target_accept = T(0);
    edge.adaptation.t0 = T(0);
    edge.adaptation.kappa = T(1);
    edge.divergence_threshold = inf_v<T>;
    edge.path = es::Path::automatic;
    CHECK(mala.configure(edge) == Status::ok);
    CHECK(same(mala.config(), edge));
    UC free_noise = good_ula<T>();
    free_noise.tempered = false;
    free_noise.noise_std = T(-1); // ignored unless tempered
    free_noise.grad_clip = T(0);
    CHECK(ula.configure(free_noise) == Status::ok);
}

TEST_CASE_TEMPLATE("target_accept 0 means the sampler's optimal rate", T, float, double) {
    using Tg = es::GaussianTarget<T, 2>;
    static Tg target;
    es::RandomWalkMh<Tg> mh(target);
    es::Mala<Tg> mala(target);
    CHECK(mh.config().target_accept == T(0));
    CHECK(same_bits(mh.target_accept(), T(0.234)));
    CHECK(same_bits(mala.target_accept(), T(0.574)));
    CHECK(same_bits(es::RandomWalkMh<Tg>::optimal_accept, T(0.234)));
    CHECK(same_bits(es::Mala<Tg>::optimal_accept, T(0.574)));
    es::MetropolisConfig<T> c;
    c.target_accept = T(0.8);
    REQUIRE(mala.configure(c) == Status::ok);
    CHECK(same_bits(mala.target_accept(), T(0.8)));

    // The warm-up adapts toward the resolved target.
    static es::ChainState<T, 2, 3> s;
    const T rows[6] = {};
    c.target_accept = T(0);
    c.warmup_steps = 5;
    REQUIRE(mh.configure(c) == Status::ok);
    REQUIRE(mh.init(s, rows, 1) == Status::ok);
    CHECK(same_bits(s.adapt.target(), T(0.234)));
    REQUIRE(mala.configure(c) == Status::ok);
    REQUIRE(mala.init(s, rows, 1) == Status::ok);
    CHECK(same_bits(s.adapt.target(), T(0.574)));
}

TEST_CASE("a bad config given to the constructor: init() refuses until configure()") {
    using Tg = es::GaussianTarget<float, 2>;
    static Tg target;
    static es::ChainState<float, 2, 4> s;
    const float rows[8] = {};

    es::MetropolisConfig<float> bad;
    bad.step_size = -1.0f;
    es::Mala<Tg> mala(target, bad);
    CHECK(mala.init(s, rows, 1) == Status::invalid_argument);
    CHECK(mala.init_columns(s, rows, 4, 1) == Status::invalid_argument);
    CHECK_FALSE(s.ready);
    CHECK(mala.configure(es::MetropolisConfig<float>{}) == Status::ok);
    CHECK(mala.init(s, rows, 1) == Status::ok);

    es::UlaConfig<float> ubad;
    ubad.grad_clip = -1.0f;
    es::Ula<Tg> ula(target, ubad);
    CHECK(ula.init(s, rows, 1) == Status::invalid_argument);
    ubad.grad_clip = 1.0f;
    CHECK(ula.configure(ubad) == Status::ok);
    CHECK(ula.init(s, rows, 1) == Status::ok);

    // A valid config is not replaced by a refused one: init still works.
    es::MetropolisConfig<float> mcfg;
    mcfg.step_size = 0.7f;
    es::RandomWalkMh<Tg> mh(target, mcfg);
    bad.step_size = 0.0f;
    CHECK(mh.configure(bad) == Status::invalid_argument);
    REQUIRE(mh.init(s, rows, 1) == Status::ok);
    CHECK(s.step_size == 0.7f);
}

TEST_CASE("start_warmup refuses a state that was not initialised") {
    using Tg = es::GaussianTarget<float, 2>;
    static Tg target;
    es::Mala<Tg> mala(target);
    static es::ChainState<float, 2, 4> s;
    s.ready = false;
    CHECK(mala.start_warmup(s, 10) == Status::invalid_argument);
    CHECK_FALSE(s.warming_up());
    const float rows[8] = {};
    REQUIRE(mala.init(s, rows, 1) == Status::ok);
    CHECK(mala.start_warmup(s, 10) == Status::ok);
    CHECK(s.warmup_left == 10);
}

TEST_CASE_TEMPLATE("DualAveraging::start refuses bad input and keeps its state", T, float, double) {
    es::DualAveraging<T> da;
    REQUIRE(da.start(T(0.5), T(0.6)) == Status::ok);
    (void)da.update(T(0.3));
    (void)da.update(T(0.9));
    const T before = da.current_step_size();
    int accepted = 0;
    for (T eps : {T(0), T(-1), nan_v<T>, inf_v<T>})
        accepted += da.start(eps, T(0.5)) != Status::invalid_argument;
    for (T target : {T(0), T(1), T(-0.5), nan_v<T>})
        accepted += da.start(T(0.1), target) != Status::invalid_argument;
    es::DualAveragingConfig<T> c;
    c.gamma = T(0);
    accepted += da.start(T(0.1), T(0.5), c) != Status::invalid_argument;
    c = {};
    c.t0 = T(-1);
    accepted += da.start(T(0.1), T(0.5), c) != Status::invalid_argument;
    c = {};
    c.kappa = T(0.5);
    accepted += da.start(T(0.1), T(0.5), c) != Status::invalid_argument;
    CHECK(accepted == 0);
    CHECK(da.iterations() == 2);
    CHECK(same_bits(da.target(), T(0.6)));
    CHECK(same_bits(da.current_step_size(), before));
}

} // namespace ember_test_sample_config
