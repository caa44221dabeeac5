// Target adapters: the MLP's one-point path (units in SIMD lanes) and its
// lane path give the network's own bits; the Gaussian's gradient matches
// finite differences; a user functor runs on scalars and packs alike.
#include "ember/nn/mlp.hpp"
#include "ember/sample.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

namespace ember_test_sample_target { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

namespace es = ember::sample;

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class Net>
void check_mlp_target() {
    using T = typename Net::value_type;
    using P = ember::simd::Pack<T>;
    constexpr std::size_t D = Net::input_dim, W = P::width;
    static Net net;
    net.init(17);
    static es::MlpTarget<Net> target(net);
    ember::Pcg32 rng(3, 4);
    std::size_t bad = 0;
    for (int trial = 0; trial < 4; ++trial) {
        alignas(EMBER_ALIGN) static T lanes[D * W];
        for (auto& v : lanes) v = T(4) * ember::uniform01<T>(rng) - T(2);
        P x[D], g[D];
        for (std::size_t d = 0; d < D; ++d) x[d] = P::load(lanes + d * W);
        const P f = target.value_and_grad(x, g);
        const P f2 = target.value(x);
        for (std::size_t k = 0; k < W; ++k) {
            T xs[D] = {}, gs[D] = {}, gn[D] = {};
            for (std::size_t d = 0; d < D; ++d) xs[d] = lanes[d * W + k];
            const T fs = target.value_and_grad(xs, gs);
            const T fn = net.value_and_grad(xs, gn);
            bad += static_cast<std::size_t>(!same_bits(fs, fn) + !same_bits(f.get(k), fn) +
                                            !same_bits(f2.get(k), fn));
            bad += !same_bits(target.value(xs), fn);
            for (std::size_t d = 0; d < D; ++d)
                bad += static_cast<std::size_t>(!same_bits(gs[d], gn[d]) +
                                                !same_bits(g[d].get(k), gn[d]));
        }
    }
    CHECK(bad == 0);
}

struct Quartic {
    template <class V>
    V operator()(const V* x, V* g) const {
        using S = ember::simd::scalar_of_t<V>;
        const V a = x[0] * x[0];
        if (g) {
            g[0] = V(S(-4)) * a * x[0] + x[1];
            g[1] = x[0] - x[1];
        }
        return -(a * a) + x[0] * x[1] - V(S(0.5)) * x[1] * x[1];
    }
};

} // namespace

TEST_CASE("MlpTarget: one-point and lane paths give the network's bits") {
    check_mlp_target<ember::Mlp<float, ember::Swish, 16, 64, 64>>();
    check_mlp_target<ember::Mlp<float, ember::Swish, 2, 64, 64>>();
    check_mlp_target<ember::Mlp<float, ember::Tanh, 5, 13, 7, 3>>();
    check_mlp_target<ember::Mlp<float, ember::Softplus, 37, 20>>();
    check_mlp_target<ember::Mlp<double, ember::Swish, 9, 24, 17>>();
}

TEST_CASE("MlpTarget::prepare picks up new parameters") {
    using Net = ember::Mlp<float, ember::Swish, 4, 8>;
    static Net net;
    net.init(1);
    static es::MlpTarget<Net> target(net);
    const float x[4] = {0.1f, -0.2f, 0.3f, 0.4f};
    for (auto& p : net.params) p *= -2.0f;
    target.prepare();
    float g[4] = {}, gn[4] = {};
    CHECK(same_bits(target.value_and_grad(x, g), net.value_and_grad(x, gn)));
    CHECK(same_bits(g[3], gn[3]));
    static_assert(es::MlpTarget<Net>::grad_macs ==
                  2 * Net::layout::forward_macs - Net::layout::last_width);
}

TEST_CASE("MlpTarget over a view of constant weights, rebound to other parameters") {
    using Net = ember::Mlp<float, ember::Tanh, 3, 16, 8>;
    static Net a, b;
    a.init(1);
    b.init(2);
    const Net::view_type view(a.data());
    static es::MlpTarget<Net::view_type> target(view);
    const float x[3] = {0.5f, -1.0f, 0.25f};
    float g[3] = {}, ga[3] = {}, gb[3] = {};
    CHECK(same_bits(target.value_and_grad(x, g), a.value_and_grad(x, ga)));
    CHECK(same_bits(g[0], ga[0]));
    target.rebind(b.data());
    CHECK(target.params() == b.data());
    CHECK(same_bits(target.value_and_grad(x, g), b.value_and_grad(x, gb)));
    CHECK(same_bits(g[2], gb[2]));
    CHECK(same_bits(target.value(x), b.value(x)));
}

TEST_CASE_TEMPLATE("GaussianTarget: f and grad f", T, float, double) {
    es::GaussianTarget<T, 3> target;
    const T mu[3] = {T(1), T(-2), T(0.5)};
    const T prec[9] = {T(2), T(0.5), T(0), T(0.5), T(1), T(-0.25), T(0), T(-0.25), T(3)};
    target.set(mu, prec);
    const T x[3] = {T(0.3), T(-1.1), T(2)};
    T g[3];
    const T f = target.value_and_grad(x, g);
    double r[3], q = 0;
    for (int i = 0; i < 3; ++i) r[i] = double(x[i]) - double(mu[i]);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) q += r[i] * double(prec[i * 3 + j]) * r[j];
    CHECK(double(f) == doctest::Approx(-0.5 * q).epsilon(1e-6));
    CHECK(same_bits(f, target.value(x)));
    for (int i = 0; i < 3; ++i) {
        double gi = 0;
        for (int j = 0; j < 3; ++j) gi -= double(prec[i * 3 + j]) * r[j];
        CHECK(double(g[i]) == doctest::Approx(gi).epsilon(1e-6));
    }
    target.set_isotropic(T(4));
    CHECK(double(target.value(x)) ==
          doctest::Approx(-0.5 * (0.09 + 1.21 + 4.0) / 4.0).epsilon(1e-6));
}

TEST_CASE("FunctionTarget: one functor for scalars and packs") {
    using P = ember::simd::Pack<float>;
    auto target = es::make_function_target<float, 2>(Quartic{});
    const float x[2] = {0.7f, -0.3f};
    float g[2];
    const float f = target.value_and_grad(x, g);
    CHECK(f == doctest::Approx(-0.2401 - 0.21 - 0.045).epsilon(1e-5));
    CHECK(g[0] == doctest::Approx(-4 * 0.343 - 0.3).epsilon(1e-5));
    // Central differences in the functor's own arithmetic.
    const float h = 1e-2f;
    const float xp[2] = {x[0] + h, x[1]}, xm[2] = {x[0] - h, x[1]};
    CHECK(g[0] ==
          doctest::Approx(static_cast<double>((target.value(xp) - target.value(xm)) / (2 * h)))
              .epsilon(1e-2));
    P xv[2] = {P(x[0]), P(x[1])}, gv[2];
    const P fv = target.value_and_grad(xv, gv);
    for (std::size_t k = 0; k < P::width; ++k) {
        CHECK(same_bits(fv.get(k), f));
        CHECK(same_bits(gv[1].get(k), g[1]));
    }
}

} // namespace ember_test_sample_target
