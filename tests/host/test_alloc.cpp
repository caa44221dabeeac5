// Zero heap allocations in the passes (and, as they land, in sampling and
// training): the guard counts every malloc/new of the process.
#include "alloc_guard.hpp"
#include "ember/nn/engine.hpp"
#include "ember/nn/mlp.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <vector>

namespace ember_test_alloc_host { // one namespace per test file (EMBER_TEST_UNITY batches)

TEST_CASE("allocation guard sees allocations") {
    ember_test::AllocationGuard g;
    void* volatile p = std::malloc(64); // volatile: the call cannot be elided
    std::free(p);
    std::vector<int> v(100);
    v[3] = 1;
    CHECK(v[3] == 1);
    CHECK(g.count() >= 2);
}

TEST_CASE_TEMPLATE("mlp passes allocate nothing", T, float, double) {
    using Net = ember::Mlp<T, ember::Swish, 7, 16, 9>;
    using Spec = typename Net::spec_type;
    static Net net;
    static ember::ReverseWeights<Spec> rev;
    static ember::Engine<Spec, 5, 1, 2> e;
    static T grad[Net::param_count];
    constexpr std::size_t N = 21;
    static T x[7 * N], f[N];
    ember_test::AllocationGuard g;
    net.init(4);
    rev.prepare(net.data());
    for (std::size_t i = 0; i < 7 * N; ++i) x[i] = T(0.01) * T(i % 50);
    CHECK(net.evaluate(ember::Span<const T>(x, 7 * N), ember::Span<T>(f, N)) == ember::Status::ok);
    T gx[7];
    (void)net.value_and_grad(x, gx);
    (void)net.value_and_grad(x, gx, rev);
    for (std::size_t k = 0; k < 5 * e.DP; ++k) e.x[k] = e.v1[k] = T(0.1);
    for (std::size_t k = 0; k < 10 * e.DP; ++k) e.v2[k] = T(0.2);
    for (std::size_t k = 0; k < 5; ++k) e.gamma[k] = e.alpha1[k] = T(1);
    for (std::size_t k = 0; k < 10; ++k) e.alpha2[k] = e.beta2[k] = T(1);
    e.forward(net.data());
    e.grad_x({net.data(), rev.data()});
    e.tangents(net.data());
    e.backward({net.data(), rev.data()}, 5, grad);
    T fv;
    CHECK(net.evaluate(ember::Span<const T>(x, 7), fv) == ember::Status::ok);
    CHECK(g.count() == 0);
}

} // namespace ember_test_alloc_host
