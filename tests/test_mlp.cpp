// Every pass of the MLP against central finite differences in double, and
// SIMD lanes against the one-point path, bit for bit.
#include "ember/nn/mlp.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

namespace {

using ember::Mlp;
using ember::Pcg32;

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
    typename Net::template Tape1<double> tp;
    for (std::size_t i = 0; i < Net::input_dim; ++i) tp.x[i] = x[i];
    return Net::forward(p, tp);
}

// fdot, fddot and l = a fdot + b fddot + g f at (p, x) along v.
template <class Net>
void tangent_of(const double* p, const double* x, const double* v, double& fdot, double& fddot,
                double& f) {
    typename Net::template Tape2<double> tp;
    for (std::size_t i = 0; i < Net::input_dim; ++i) {
        tp.x[i] = x[i];
        tp.v[i] = v[i];
    }
    f = Net::forward(p, tp);
    Net::tangent(p, tp, fdot, fddot);
}

// max |a - b| / max |b|: a norm-wise relative error that does not blow up
// on components that happen to be near zero.
double rel_err(const double* a, const double* b, std::size_t n) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < n; ++i) {
        num = std::fmax(num, std::fabs(a[i] - b[i]));
        den = std::fmax(den, std::fabs(b[i]));
    }
    return num / std::fmax(den, 1e-12);
}

constexpr double kStep = 1e-5;
constexpr double kTol = 1e-6;

} // namespace

#define EMBER_FD_NETS                                                                              \
    Mlp<double, ember::Softplus, 1, 3>, Mlp<double, ember::Swish, 1, 3>,                           \
        Mlp<double, ember::Tanh, 1, 3>, Mlp<double, ember::Softplus, 2, 5, 3>,                     \
        Mlp<double, ember::Swish, 2, 5, 3>, Mlp<double, ember::Tanh, 2, 5, 3>,                     \
        Mlp<double, ember::Softplus, 5, 7, 4, 6>, Mlp<double, ember::Swish, 5, 7, 4, 6>,           \
        Mlp<double, ember::Tanh, 5, 7, 4, 6>, Mlp<double, ember::Swish, 16, 9>

TEST_CASE_TEMPLATE("mlp pass 1: grad_x and grad_theta match finite differences", Net,
                   EMBER_FD_NETS) {
    Net net;
    net.init(3);
    constexpr std::size_t D = Net::input_dim;
    constexpr std::size_t P = Net::param_count;
    for (std::uint64_t trial = 0; trial < 3; ++trial) {
        const auto pt = random_point<Net>(trial);
        double gx[D];
        const double f = net.value_and_grad(pt.x, gx);
        CHECK(f == f_of<Net>(net.data(), pt.x));

        double gx_fd[D];
        for (std::size_t i = 0; i < D; ++i) {
            double xp[D], xm[D];
            for (std::size_t k = 0; k < D; ++k) xp[k] = xm[k] = pt.x[k];
            xp[i] += kStep;
            xm[i] -= kStep;
            gx_fd[i] = (f_of<Net>(net.data(), xp) - f_of<Net>(net.data(), xm)) / (2 * kStep);
        }
        CHECK(rel_err(gx, gx_fd, D) < kTol);

        typename Net::template Tape1<double> tp;
        for (std::size_t i = 0; i < D; ++i) tp.x[i] = pt.x[i];
        (void)Net::forward(net.data(), tp);
        const double fbar = 0.75;
        Net::reverse(net.data(), tp, fbar, static_cast<double*>(nullptr));
        static double grad[P], grad_fd[P];
        for (auto& g : grad) g = 0;
        Net::accumulate_grad(tp, fbar, grad);
        Net pert = net;
        for (std::size_t j = 0; j < P; ++j) {
            const double keep = pert.params[j];
            pert.params[j] = keep + kStep;
            const double fp = f_of<Net>(pert.data(), pt.x);
            pert.params[j] = keep - kStep;
            const double fm = f_of<Net>(pert.data(), pt.x);
            pert.params[j] = keep;
            grad_fd[j] = fbar * (fp - fm) / (2 * kStep);
        }
        CHECK(rel_err(grad, grad_fd, P) < kTol);
    }
}

TEST_CASE_TEMPLATE("mlp pass 2: fdot and fddot match finite differences", Net, EMBER_FD_NETS) {
    Net net;
    net.init(5);
    constexpr std::size_t D = Net::input_dim;
    for (std::uint64_t trial = 0; trial < 3; ++trial) {
        const auto pt = random_point<Net>(trial + 10);
        double fdot, fddot, f;
        tangent_of<Net>(net.data(), pt.x, pt.v, fdot, fddot, f);
        double xp[D], xm[D];
        for (std::size_t k = 0; k < D; ++k) {
            xp[k] = pt.x[k] + kStep * pt.v[k];
            xm[k] = pt.x[k] - kStep * pt.v[k];
        }
        const double fdot_fd =
            (f_of<Net>(net.data(), xp) - f_of<Net>(net.data(), xm)) / (2 * kStep);
        double dp, ddp, fp, dm, ddm, fm;
        tangent_of<Net>(net.data(), xp, pt.v, dp, ddp, fp);
        tangent_of<Net>(net.data(), xm, pt.v, dm, ddm, fm);
        const double fddot_fd = (dp - dm) / (2 * kStep);
        CHECK(rel_err(&fdot, &fdot_fd, 1) < kTol);
        CHECK(rel_err(&fddot, &fddot_fd, 1) < kTol);

        // Along a basis vector: fdot = (grad f)_i.
        double gx[D];
        (void)net.value_and_grad(pt.x, gx);
        for (std::size_t i = 0; i < D; ++i) {
            double e[D] = {};
            e[i] = 1;
            tangent_of<Net>(net.data(), pt.x, e, fdot, fddot, f);
            CHECK(rel_err(&fdot, &gx[i], 1) < 1e-12);
        }
    }
}

TEST_CASE_TEMPLATE("mlp pass 3: grad of a fdot + b fddot + g f matches finite differences", Net,
                   EMBER_FD_NETS) {
    Net net;
    net.init(9);
    constexpr std::size_t D = Net::input_dim;
    constexpr std::size_t P = Net::param_count;
    const double alpha = 0.7, beta = -1.3, gamma = 0.4;
    auto loss = [&](const double* p, const double* x, const double* v) {
        double fd, fdd, f;
        tangent_of<Net>(p, x, v, fd, fdd, f);
        return alpha * fd + beta * fdd + gamma * f;
    };
    for (std::uint64_t trial = 0; trial < 2; ++trial) {
        const auto pt = random_point<Net>(trial + 20);
        typename Net::template Tape2<double> tp;
        for (std::size_t i = 0; i < D; ++i) {
            tp.x[i] = pt.x[i];
            tp.v[i] = pt.v[i];
        }
        (void)Net::forward(net.data(), tp);
        double fd, fdd;
        Net::tangent(net.data(), tp, fd, fdd);
        double gx[D];
        Net::tangent_reverse(net.data(), tp, alpha, beta, gamma, gx);
        static double grad[P], grad_fd[P];
        for (auto& g : grad) g = 0;
        Net::accumulate_grad(tp, alpha, beta, gamma, grad);

        Net pert = net;
        for (std::size_t j = 0; j < P; ++j) {
            const double keep = pert.params[j];
            pert.params[j] = keep + kStep;
            const double lp = loss(pert.data(), pt.x, pt.v);
            pert.params[j] = keep - kStep;
            const double lm = loss(pert.data(), pt.x, pt.v);
            pert.params[j] = keep;
            grad_fd[j] = (lp - lm) / (2 * kStep);
        }
        CHECK(rel_err(grad, grad_fd, P) < kTol);

        double gx_fd[D];
        for (std::size_t i = 0; i < D; ++i) {
            double xp[D], xm[D];
            for (std::size_t k = 0; k < D; ++k) xp[k] = xm[k] = pt.x[k];
            xp[i] += kStep;
            xm[i] -= kStep;
            gx_fd[i] = (loss(net.data(), xp, pt.v) - loss(net.data(), xm, pt.v)) / (2 * kStep);
        }
        CHECK(rel_err(gx, gx_fd, D) < kTol);
    }
}

TEST_CASE_TEMPLATE("mlp SIMD lanes give the one-point bits", T, float, double) {
    using Net = Mlp<T, ember::Swish, 3, 6, 5>;
    using Pack = typename Net::pack_type;
    Net net;
    net.init(11);
    constexpr std::size_t N = 13; // not a multiple of any SIMD width
    constexpr std::size_t ld = Net::padded(N);
    T x[3 * ld] = {}, gx[3 * ld] = {}, f[N];
    Pcg32 rng(1, 2);
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t n = 0; n < N; ++n)
            x[i * ld + n] = T(3) * ember::uniform01<T>(rng) - T(1.5);
    static typename Net::template Tape1<Pack> ws;
    Net::value_and_grad_batch(net.data(), x, ld, N, f, gx, ws);
    for (std::size_t n = 0; n < N; ++n) {
        T xs[3], gs[3];
        for (std::size_t i = 0; i < 3; ++i) xs[i] = x[i * ld + n];
        const T fs = net.value_and_grad(xs, gs);
        CHECK(f[n] == fs);
        for (std::size_t i = 0; i < 3; ++i) CHECK(gx[i * ld + n] == gs[i]);
    }

    // Passes 2 and 3 with lanes vs one point.
    static typename Net::template Tape2<Pack> tp;
    typename Net::template Tape2<T> one;
    for (std::size_t i = 0; i < 3; ++i) {
        tp.x[i] = Pack::load(x + i * ld);
        tp.v[i] = Pack(T(0.5) - T(i));
    }
    (void)Net::forward(net.data(), tp);
    Pack fd, fdd;
    Net::tangent(net.data(), tp, fd, fdd);
    Pack gxp[3];
    Net::tangent_reverse(net.data(), tp, fd, Pack(T(1)), Pack(T(0)), gxp);
    for (std::size_t k = 0; k < Pack::width; ++k) {
        for (std::size_t i = 0; i < 3; ++i) {
            one.x[i] = x[i * ld + k];
            one.v[i] = T(0.5) - T(i);
        }
        (void)Net::forward(net.data(), one);
        T fd1, fdd1;
        Net::tangent(net.data(), one, fd1, fdd1);
        T gx1[3];
        Net::tangent_reverse(net.data(), one, fd1, T(1), T(0), gx1);
        CHECK(fd.get(k) == fd1);
        CHECK(fdd.get(k) == fdd1);
        for (std::size_t i = 0; i < 3; ++i) CHECK(gxp[i].get(k) == gx1[i]);
        typename Net::template Tape2<T> lane;
        Net::extract_lane(tp, k, lane);
        for (std::size_t j = 0; j < Net::hidden_units; ++j) {
            CHECK(lane.d[j] == one.d[j]);
            CHECK(lane.ubar[j] == one.ubar[j]);
        }
    }
}

TEST_CASE("mlp sizes are compile-time numbers") {
    using Net = Mlp<float, ember::Swish, 16, 32, 32>;
    static_assert(Net::param_count == 16 * 32 + 32 + 32 * 32 + 32 + 32 + 1);
    static_assert(Net::forward_macs == 16 * 32 + 32 * 32 + 32);
    static_assert(Net::hidden_units == 64);
    static_assert(sizeof(Net) ==
                  ((Net::param_count * sizeof(float) + EMBER_ALIGN - 1) / EMBER_ALIGN) *
                      EMBER_ALIGN);
    static_assert(Net::tape1_bytes == (16 + 3 * 64) * sizeof(float));
    static_assert(Net::tape2_bytes == (2 * 16 + 11 * 64) * sizeof(float));
    MESSAGE("Mlp<float, Swish, 16, 32, 32>: sizeof "
            << sizeof(Net) << " B, params " << Net::param_count << ", tape1 " << Net::tape1_bytes
            << " B, tape2 " << Net::tape2_bytes << " B, batch tape1 " << Net::batch_tape1_bytes
            << " B");
}

TEST_CASE("mlp checked entry points report bad input and leave outputs alone") {
    using Net = Mlp<float, ember::Tanh, 2, 4>;
    Net net;
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
    Net bad;
    bad.params.fill(0.0f);
    bad.params[0] = 1.0f; // W_1[0][0]: z_0 = x_0 = 1, h_0 = tanh(1)
    bad.params[Net::output_weight_offset] = 3e38f;
    bad.params[Net::output_bias_offset] = 3e38f; // f = 3e38 + 3e38 tanh(1) overflows
    const float one_zero[2] = {1.0f, 0.0f};
    CHECK(bad.evaluate(one_zero, f) == ember::Status::non_finite_output);
    CHECK(f == net.value(good));
    CHECK(Net::check_params(bad.params) == ember::Status::ok);
    bad.params[3] = NAN;
    CHECK(Net::check_params(bad.params) == ember::Status::non_finite_input);
    CHECK(std::strcmp(ember::status_name(ember::Status::non_finite_input), "non_finite_input") ==
          0);
}
