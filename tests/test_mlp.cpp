// Every pass of the MLP engine against central finite differences in double;
// one point == many points == SIMD rows, bit for bit; the view and the
// checked entry points.
#include "fd_check.hpp"

#include "ember/nn/engine.hpp"
#include "ember/nn/mlp.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

namespace ember_test_mlp { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

using ember::Mlp;
using ember::Pcg32;
using ember_test::central_diff;
using ember_test::rel_err;

template <class Net>
struct Point {
    double x[Net::input_dim];
    double v[Net::input_dim];
};

template <class Net>
Point<Net> random_point(std::uint64_t seed) {
    Pcg32 rng(seed, 7);
    Point<Net> pt{};
    for (std::size_t i = 0; i < Net::input_dim; ++i) {
        pt.x[i] = 4.0 * ember::uniform01<double>(rng) - 2.0;
        pt.v[i] = 2.0 * ember::uniform01<double>(rng) - 1.0;
    }
    return pt;
}

template <class Net>
double f_of(const double* p, const double* x) {
    return typename Net::view_type(p).value(x);
}

// fdot and fddot at (p, x) along v (one second-order direction).
template <class Net>
void tangent_of(const double* p, const double* x, const double* v, double& fdot, double& fddot) {
    static ember::Engine<typename Net::spec_type, 1, 0, 1> e;
    for (std::size_t i = 0; i < Net::input_dim; ++i) {
        e.x[i] = x[i];
        e.v2[i] = v[i];
    }
    e.forward(p);
    e.tangents(p);
    fdot = e.fdot2[0];
    fddot = e.fddot2[0];
}

// Central differences of loss(params) for every parameter (on a copy).
template <class Net, class F>
void fd_param_grad(const Net& net, F&& loss, double* out) {
    static Net pert;
    pert = net;
    central_diff(
        pert.data(), Net::param_count, [&] { return loss(pert.data()); }, out);
}

constexpr double kStep = 1e-5;
constexpr double kTol = 1e-6;

} // namespace

#define EMBER_FD_NETS                                                                              \
    Mlp<double, ember::Softplus, 1, 3>, Mlp<double, ember::Swish, 1, 3>,                           \
        Mlp<double, ember::Tanh, 1, 3>, Mlp<double, ember::Softplus, 2, 5, 3>,                     \
        Mlp<double, ember::Swish, 2, 5, 3>, Mlp<double, ember::Tanh, 2, 5, 3>,                     \
        Mlp<double, ember::Softplus, 5, 7, 4, 6>, Mlp<double, ember::Swish, 5, 7, 4, 6>,           \
        Mlp<double, ember::Tanh, 5, 7, 4, 6>, Mlp<double, ember::Swish, 16, 9>,                    \
        Mlp<double, ember::Tanh, 3, 17, 33>

TEST_CASE_TEMPLATE("mlp pass 1: grad_x and grad_theta match finite differences", Net,
                   EMBER_FD_NETS) {
    using Spec = typename Net::spec_type;
    static Net net;
    net.init(3);
    static ember::ReverseWeights<Spec> rev;
    rev.prepare(net.data());
    constexpr std::size_t D = Net::input_dim;
    constexpr std::size_t P = Net::param_count;
    for (std::uint64_t trial = 0; trial < 3; ++trial) {
        const auto pt = random_point<Net>(trial);
        double gx[D], gx2[D];
        const double f = net.value_and_grad(pt.x, gx);
        CHECK(f == net.value(pt.x));
        // The transposed copy gives the same bits as the stored weights.
        CHECK(net.value_and_grad(pt.x, gx2, rev) == f);
        CHECK(std::memcmp(gx, gx2, sizeof gx) == 0);

        double gx_fd[D], xs[D];
        for (std::size_t k = 0; k < D; ++k) xs[k] = pt.x[k];
        central_diff(
            xs, D, [&] { return f_of<Net>(net.data(), xs); }, gx_fd, kStep);
        CHECK(rel_err(gx, gx_fd, D) < kTol);

        // grad_theta (fbar f) through backward with gamma = fbar.
        const double fbar = 0.75;
        static ember::Engine<Spec, 1> e;
        for (std::size_t i = 0; i < D; ++i) e.x[i] = pt.x[i];
        e.forward(net.data());
        e.gamma[0] = fbar;
        static double grad[P], grad_fd[P];
        for (auto& g : grad) g = 0;
        e.backward({net.data(), rev.data()}, 1, grad);
        fd_param_grad(
            net, [&](const double* p) { return fbar * f_of<Net>(p, pt.x); }, grad_fd);
        CHECK(rel_err(grad, grad_fd, P) < kTol);
    }
}

TEST_CASE_TEMPLATE("mlp pass 2: fdot and fddot match finite differences", Net, EMBER_FD_NETS) {
    static Net net;
    net.init(5);
    constexpr std::size_t D = Net::input_dim;
    for (std::uint64_t trial = 0; trial < 3; ++trial) {
        const auto pt = random_point<Net>(trial + 10);
        double fdot, fddot;
        tangent_of<Net>(net.data(), pt.x, pt.v, fdot, fddot);
        double xp[D], xm[D];
        for (std::size_t k = 0; k < D; ++k) {
            xp[k] = pt.x[k] + kStep * pt.v[k];
            xm[k] = pt.x[k] - kStep * pt.v[k];
        }
        const double fdot_fd =
            (f_of<Net>(net.data(), xp) - f_of<Net>(net.data(), xm)) / (2 * kStep);
        double dp, ddp, dm, ddm;
        tangent_of<Net>(net.data(), xp, pt.v, dp, ddp);
        tangent_of<Net>(net.data(), xm, pt.v, dm, ddm);
        const double fddot_fd = (dp - dm) / (2 * kStep);
        CHECK(rel_err(&fdot, &fdot_fd, 1) < kTol);
        CHECK(rel_err(&fddot, &fddot_fd, 1) < kTol);

        // Along a basis vector: fdot = (grad f)_i.
        double gx[D];
        (void)net.value_and_grad(pt.x, gx);
        for (std::size_t i = 0; i < D; ++i) {
            double e[D] = {};
            e[i] = 1;
            tangent_of<Net>(net.data(), pt.x, e, fdot, fddot);
            CHECK(rel_err(&fdot, &gx[i], 1) < 1e-12);
        }
    }
}

TEST_CASE_TEMPLATE("mlp pass 3: grad of g f + a1 fdot1 + a2 fdot2 + b fddot2 matches finite "
                   "differences",
                   Net, EMBER_FD_NETS) {
    using Spec = typename Net::spec_type;
    static Net net;
    net.init(9);
    static ember::ReverseWeights<Spec> rev;
    rev.prepare(net.data());
    constexpr std::size_t D = Net::input_dim;
    constexpr std::size_t P = Net::param_count;
    const double gamma = 0.4, a1 = -0.3, a2 = 0.7, beta = -1.3;
    for (std::uint64_t trial = 0; trial < 2; ++trial) {
        const auto pt = random_point<Net>(trial + 20);
        double u[D]; // the first-order direction
        for (std::size_t i = 0; i < D; ++i) u[i] = 0.5 - 0.25 * double(i % 5);
        auto loss = [&](const double* p) {
            double fd1, fdd1, fd2, fdd2;
            tangent_of<Net>(p, pt.x, u, fd1, fdd1);
            tangent_of<Net>(p, pt.x, pt.v, fd2, fdd2);
            return gamma * f_of<Net>(p, pt.x) + a1 * fd1 + a2 * fd2 + beta * fdd2;
        };
        static ember::Engine<Spec, 1, 1, 1> e;
        for (std::size_t i = 0; i < D; ++i) {
            e.x[i] = pt.x[i];
            e.v1[i] = u[i];
            e.v2[i] = pt.v[i];
        }
        e.forward(net.data());
        e.tangents(net.data());
        e.gamma[0] = gamma;
        e.alpha1[0] = a1;
        e.alpha2[0] = a2;
        e.beta2[0] = beta;
        static double grad[P], grad_fd[P];
        for (auto& g : grad) g = 0;
        e.backward({net.data(), rev.data()}, 1, grad);
        fd_param_grad(net, loss, grad_fd);
        CHECK(rel_err(grad, grad_fd, P) < kTol);
    }
}

TEST_CASE_TEMPLATE("mlp pass 3 along the basis (exact score matching) matches finite differences",
                   Net, EMBER_FD_NETS) {
    using Spec = typename Net::spec_type;
    static Net net;
    net.init(13);
    constexpr std::size_t D = Net::input_dim;
    constexpr std::size_t P = Net::param_count;
    const auto pt = random_point<Net>(31);
    // sum_i [0.5 fdot_i^2 + fddot_i] with fdot_i held as the coefficient.
    static ember::Engine<Spec, 1, 0, D, true> e;
    for (std::size_t i = 0; i < D; ++i) e.x[i] = pt.x[i];
    e.forward(net.data());
    e.tangents(net.data());
    e.gamma[0] = 0;
    double fdot[D];
    for (std::size_t i = 0; i < D; ++i) {
        fdot[i] = e.fdot2[i];
        e.alpha2[i] = 0.3 * double(i + 1);
        e.beta2[i] = 1.0 - 0.5 * double(i);
    }
    static double grad[P], grad_fd[P];
    for (auto& g : grad) g = 0;
    e.backward({net.data(), nullptr}, 1, grad);
    auto loss = [&](const double* p) {
        double l = 0;
        for (std::size_t i = 0; i < D; ++i) {
            double ei[D] = {}, fd, fdd;
            ei[i] = 1;
            tangent_of<Net>(p, pt.x, ei, fd, fdd);
            l += 0.3 * double(i + 1) * fd + (1.0 - 0.5 * double(i)) * fdd;
        }
        return l;
    };
    fd_param_grad(net, loss, grad_fd);
    CHECK(rel_err(grad, grad_fd, P) < kTol);
    // Basis tangents equal the general ones along e_i.
    for (std::size_t i = 0; i < D; ++i) {
        double ei[D] = {}, fd, fdd;
        ei[i] = 1;
        tangent_of<Net>(net.data(), pt.x, ei, fd, fdd);
        CHECK(fd == fdot[i]);
        CHECK(fdd == e.fddot2[i]);
    }
}

// G points in one engine give the bits of one engine per point, for every
// pass and for the parameter gradient accumulated in point order; the
// transposed copy and the stored weights give the same bits.
template <class T, class Act, std::size_t... Sizes>
void rows_equal_points() {
    using Net = Mlp<T, Act, Sizes...>;
    using Spec = typename Net::spec_type;
    constexpr std::size_t D = Net::input_dim, P = Net::param_count, G = 13;
    static Net net;
    net.init(11);
    static ember::ReverseWeights<Spec> rev;
    rev.prepare(net.data());
    static ember::Engine<Spec, G, 1, 2> many;
    static ember::Engine<Spec, 1, 1, 2> one;
    Pcg32 rng(1, 2);
    for (std::size_t n = 0; n < G; ++n)
        for (std::size_t i = 0; i < D; ++i) {
            many.x[n * many.DP + i] = T(3) * ember::uniform01<T>(rng) - T(1.5);
            many.v1[n * many.DP + i] = ember::normal<T>(rng);
            for (std::size_t k = 0; k < 2; ++k)
                many.v2[(k * G + n) * many.DP + i] = ember::normal<T>(rng);
        }
    many.forward(net.data());
    many.grad_x({net.data(), rev.data()});
    many.tangents(net.data());
    for (std::size_t n = 0; n < G; ++n) {
        many.gamma[n] = T(0.5) + T(n);
        many.alpha1[n] = T(0.25) * T(n);
        for (std::size_t k = 0; k < 2; ++k) {
            many.alpha2[k * G + n] = many.fdot2[k * G + n];
            many.beta2[k * G + n] = T(1) - T(k);
        }
    }
    static T g_many[P], g_one[P];
    for (std::size_t j = 0; j < P; ++j) g_many[j] = g_one[j] = T(0);
    many.backward({net.data(), rev.data()}, G, g_many);

    for (std::size_t n = 0; n < G; ++n) {
        for (std::size_t i = 0; i < D; ++i) {
            one.x[i] = many.x[n * many.DP + i];
            one.v1[i] = many.v1[n * many.DP + i];
            for (std::size_t k = 0; k < 2; ++k)
                one.v2[k * one.DP + i] = many.v2[(k * G + n) * many.DP + i];
        }
        one.forward(net.data());
        one.grad_x({net.data(), nullptr}); // stored weights, one lane at a time
        one.tangents(net.data());
        CHECK(one.f[0] == many.f[n]);
        CHECK(one.f[0] == net.value(one.x));
        for (std::size_t i = 0; i < D; ++i) CHECK(one.gx[i] == many.gx[n * many.DP + i]);
        CHECK(one.fdot1[0] == many.fdot1[n]);
        for (std::size_t k = 0; k < 2; ++k) {
            CHECK(one.fdot2[k] == many.fdot2[k * G + n]);
            CHECK(one.fddot2[k] == many.fddot2[k * G + n]);
            one.alpha2[k] = many.alpha2[k * G + n];
            one.beta2[k] = many.beta2[k * G + n];
        }
        one.gamma[0] = many.gamma[n];
        one.alpha1[0] = many.alpha1[n];
        one.backward({net.data(), rev.data()}, 1, g_one);
    }
    CHECK(std::memcmp(g_many, g_one, sizeof g_many) == 0);

    // The checked batch call gives the one-point bits too.
    static T rows[G * D], fb[G];
    for (std::size_t n = 0; n < G; ++n)
        for (std::size_t i = 0; i < D; ++i) rows[n * D + i] = many.x[n * many.DP + i];
    REQUIRE(net.evaluate(ember::Span<const T>(rows, G * D), ember::Span<T>(fb, G)) ==
            ember::Status::ok);
    for (std::size_t n = 0; n < G; ++n) CHECK(fb[n] == many.f[n]);
}

TEST_CASE("mlp: rows, points, SIMD and the transposed copy give the same bits") {
    rows_equal_points<float, ember::Swish, 3, 6, 5>();
    rows_equal_points<float, ember::Tanh, 5, 17, 33, 9>();
    rows_equal_points<float, ember::Softplus, 16, 64, 64>();
    rows_equal_points<double, ember::Swish, 2, 12, 7>();
}

TEST_CASE("mlp sizes are compile-time numbers") {
    using Net = Mlp<float, ember::Swish, 16, 32, 32>;
    using L = Net::layout;
    static_assert(Net::param_count == 16 * 32 + 32 + 32 * 32 + 32 + 32 + 1);
    static_assert(L::forward_macs == 16 * 32 + 32 * 32 + 32);
    static_assert(L::weight_offset(2) == 16 * 32 + 32);
    static_assert(L::output_bias_offset == Net::param_count - 1);
    static_assert(Net::hidden_units == 64);
    static_assert(sizeof(Net) ==
                  ((Net::param_count * sizeof(float) + EMBER_ALIGN - 1) / EMBER_ALIGN) *
                      EMBER_ALIGN);
    static_assert(sizeof(Net::view_type) == sizeof(void*));
    using E = ember::Engine<Net::spec_type, 1>;
    static_assert(Net::value_stack_bytes == E::S * sizeof(float));
    MESSAGE("Mlp<float, Swish, 16, 32, 32>: sizeof "
            << sizeof(Net) << " B, params " << Net::param_count << ", value() stack "
            << Net::value_stack_bytes << " B, value_and_grad() stack " << Net::grad_stack_bytes
            << " B, ReverseWeights " << sizeof(ember::ReverseWeights<Net::spec_type>) << " B");
}

TEST_CASE("mlp view: weights it does not own, rebinding, unbound") {
    using Net = Mlp<float, ember::Tanh, 3, 8, 4>;
    static Net a, b;
    a.init(1);
    b.init(2);
    const float x[3] = {0.2f, -0.4f, 1.1f};
    Net::view_type v(a.data());
    CHECK(v.value(x) == a.value(x));
    CHECK(v.energy(x) == -a.value(x));
    v.rebind(b.data());
    CHECK(v.value(x) == b.value(x));
    const Net::view_type unbound;
    float f = 7.0f;
    CHECK(unbound.evaluate(x, f) == ember::Status::invalid_argument);
    CHECK(f == 7.0f);
}

TEST_CASE("mlp checked entry points report bad input and leave outputs alone") {
    using Net = Mlp<float, ember::Tanh, 2, 4>;
    static Net net;
    net.init(1);
    float f = 123.0f;
    const float good[2] = {0.1f, -0.2f};
    const float nan_in[2] = {0.1f, NAN};
    const float inf_in[2] = {INFINITY, 0.0f};
    const float three[3] = {0, 0, 0};
    CHECK(net.evaluate(nan_in, f) == ember::Status::non_finite_input);
    CHECK(net.evaluate(inf_in, f) == ember::Status::non_finite_input);
    CHECK(net.evaluate(three, f) == ember::Status::dimension_mismatch);
    CHECK(f == 123.0f);
    REQUIRE(net.evaluate(good, f) == ember::Status::ok);
    CHECK(f == net.value(good));
    float g[2] = {5, 5};
    CHECK(net.evaluate_grad(nan_in, f, g) == ember::Status::non_finite_input);
    CHECK(g[0] == 5);
    float fb[2] = {9, 9};
    const float rows[4] = {0.1f, 0.2f, NAN, 0.0f};
    CHECK(net.evaluate(ember::Span<const float>(rows, 4), ember::Span<float>(fb, 2)) ==
          ember::Status::non_finite_input);
    CHECK(net.evaluate(ember::Span<const float>(rows, 4), ember::Span<float>(fb, 1)) ==
          ember::Status::dimension_mismatch);
    CHECK(fb[0] == 9);
    static Net bad;
    bad.params.fill(0.0f);
    bad.params[0] = 1.0f; // W_1 from input 0 to unit 0: z_0 = x_0 = 1, h_0 = tanh(1)
    bad.params[Net::layout::output_weight_offset] = 3e38f;
    bad.params[Net::layout::output_bias_offset] = 3e38f; // f = 3e38 + 3e38 tanh(1) overflows
    const float one_zero[2] = {1.0f, 0.0f};
    CHECK(bad.evaluate(one_zero, f) == ember::Status::non_finite_output);
    CHECK(f == net.value(good));
    CHECK(Net::check_params(bad.params) == ember::Status::ok);
    bad.params[3] = NAN;
    CHECK(Net::check_params(bad.params) == ember::Status::non_finite_input);
    CHECK(std::strcmp(ember::status_name(ember::Status::non_finite_input), "non_finite_input") ==
          0);
}

} // namespace ember_test_mlp
