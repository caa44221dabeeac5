// Parameter blocks: a Model's offsets and views, and the vector-output Dense
// block with its vector-Jacobian product against finite differences.
#include "fd_check.hpp"

#include "ember/nn/dense.hpp"
#include "ember/nn/model.hpp"

#include <doctest/doctest.h>

#include <cstring>

namespace ember_test_model { // one namespace per test file (EMBER_TEST_UNITY batches)

using ember_test::central_diff;
using ember_test::rel_err;

TEST_CASE("model: blocks sit one after another in one vector") {
    using Net = ember::Mlp<float, ember::Tanh, 3, 8>;
    using Layer = ember::Dense<float, 4, 5>;
    using M = ember::Model<Net, ember::Scalar<float>, Layer>;
    static_assert(M::block_count == 3);
    static_assert(M::offset<0> == 0);
    static_assert(M::offset<1> == Net::param_count);
    static_assert(M::offset<2> == Net::param_count + 1);
    static_assert(M::param_count == Net::param_count + 1 + Layer::param_count);
    static_assert(std::is_same_v<M::block_type<2>, Layer>);
    static_assert(std::is_same_v<ember::energy_net_t<M>, Net>);
    static_assert(std::is_same_v<ember::energy_net_t<Net>, Net>);
    static M m;
    Net::init_params(m.block<0>(), 4);
    m.block<1>()[0] = 1.5f;
    static Net alone;
    alone.init(4);
    const float x[3] = {0.1f, 0.2f, -0.3f};
    CHECK(m.view<0>().value(x) == alone.value(x));
    CHECK(m.data()[M::offset<1>] == 1.5f);
}

TEST_CASE("dense: forward, and the vector-Jacobian product against finite differences") {
    constexpr std::size_t In = 5, Out = 7, Rows = 3;
    using Layer = ember::Dense<double, In, Out>;
    static double p[Layer::param_count];
    ember::Pcg32 rng(3, 4);
    for (double& v : p) v = ember::normal<double>(rng);
    double x[Rows * In], ybar[Rows * Out];
    for (double& v : x) v = ember::normal<double>(rng);
    for (double& v : ybar) v = ember::normal<double>(rng);

    double y[Rows * Out];
    Layer::forward(p, x, In, y, Out, Rows);
    for (std::size_t r = 0; r < Rows; ++r)
        for (std::size_t j = 0; j < Out; ++j) {
            double want = p[Layer::bias_offset + j];
            for (std::size_t i = 0; i < In; ++i) want += p[i * Out + j] * x[r * In + i];
            CHECK(y[r * Out + j] == doctest::Approx(want).epsilon(1e-14));
        }

    // l(p, x) = sum_r ybar_r . y_r(p, x): its gradients are the VJP.
    auto loss = [&](const double* pp, const double* xx) {
        double yy[Rows * Out];
        Layer::forward(pp, xx, In, yy, Out, Rows);
        double l = 0;
        for (std::size_t k = 0; k < Rows * Out; ++k) l += ybar[k] * yy[k];
        return l;
    };
    static double grad[Layer::param_count], grad_fd[Layer::param_count];
    for (double& g : grad) g = 0.5; // the VJP adds to it
    double xbar[Rows * In];
    Layer::vjp(p, x, In, ybar, Out, xbar, In, Rows, grad);
    for (double& g : grad) g -= 0.5;
    auto at = [&] { return loss(p, x); };
    central_diff(p, Layer::param_count, at, grad_fd, 1e-6);
    CHECK(rel_err(grad, grad_fd, Layer::param_count) < 1e-8);
    double xbar_fd[Rows * In];
    central_diff(x, Rows * In, at, xbar_fd, 1e-6);
    CHECK(rel_err(xbar, xbar_fd, Rows * In) < 1e-8);
}

TEST_CASE("dense: one row at a time gives the bits of many rows") {
    constexpr std::size_t In = 9, Out = 19, Rows = 6;
    using Layer = ember::Dense<float, In, Out>;
    static float p[Layer::param_count], g1[Layer::param_count], g2[Layer::param_count];
    ember::Pcg32 rng(5, 6);
    for (float& v : p) v = ember::normal<float>(rng);
    float x[Rows * In], ybar[Rows * Out], y[Rows * Out], y1[Out], xb[Rows * In], xb1[In];
    for (float& v : x) v = ember::normal<float>(rng);
    for (float& v : ybar) v = ember::normal<float>(rng);
    Layer::forward(p, x, In, y, Out, Rows);
    Layer::vjp(p, x, In, ybar, Out, xb, In, Rows, g1);
    for (std::size_t r = 0; r < Rows; ++r) {
        Layer::forward(p, x + r * In, In, y1, Out, 1);
        Layer::vjp(p, x + r * In, In, ybar + r * Out, Out, xb1, In, 1, g2);
        CHECK(std::memcmp(y1, y + r * Out, sizeof y1) == 0);
        CHECK(std::memcmp(xb1, xb + r * In, sizeof xb1) == 0);
    }
    CHECK(std::memcmp(g1, g2, sizeof g1) == 0);
}

} // namespace ember_test_model
