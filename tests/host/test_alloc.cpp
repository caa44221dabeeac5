// Zero heap allocations in the passes (and, as they land, in sampling and
// training): the guard counts every malloc/new of the process.
#include "alloc_guard.hpp"
#include "ember/nn/mlp.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <vector>

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
    using Pack = typename Net::pack_type;
    static Net net;
    static typename Net::template Tape2<T> tp;
    static typename Net::template Tape1<Pack> ws;
    static T grad[Net::param_count];
    constexpr std::size_t N = 21, ld = Net::padded(N);
    static T x[7 * ld], gx[7 * ld], f[N];
    ember_test::AllocationGuard g;
    net.init(4);
    for (std::size_t i = 0; i < 7 * ld; ++i) x[i] = T(0.01) * T(i % 50);
    Net::value_and_grad_batch(net.data(), x, ld, N, f, gx, ws);
    Net::value_batch(net.data(), x, ld, N, f, ws);
    for (std::size_t i = 0; i < 7; ++i) {
        tp.x[i] = x[i];
        tp.v[i] = T(1);
    }
    (void)Net::forward(net.data(), tp);
    Net::reverse(net.data(), tp, T(1), gx);
    Net::accumulate_grad(static_cast<typename Net::template Tape1<T>&>(tp), T(1), grad);
    T fd, fdd;
    Net::tangent(net.data(), tp, fd, fdd);
    Net::tangent_reverse(net.data(), tp, fd, T(1), T(0), gx);
    Net::accumulate_grad(tp, fd, T(1), T(0), grad);
    T fv;
    CHECK(net.evaluate(ember::Span<const T>(x, 7), fv) == ember::Status::ok);
    CHECK(g.count() == 0);
}
