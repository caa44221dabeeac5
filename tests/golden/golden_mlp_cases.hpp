// The computations whose bits must be identical on every target. Shared by
// the golden test (compares) and ember_make_golden (prints the table).
#pragma once

#include "ember/nn/mlp.hpp"
#include "ember/random.hpp"

#include <cstddef>
#include <cstdint>

namespace golden {

constexpr std::size_t kPoints = 8;

// Runs every golden computation for one model type and reports each result
// vector through emit(name, data, count).
template <class Net, class Emit>
void mlp_case(const char* tag, std::uint64_t seed, Emit& emit) {
    using T = typename Net::value_type;
    using Pack = typename Net::pack_type;
    constexpr std::size_t D = Net::input_dim;
    constexpr std::size_t P = Net::param_count;
    constexpr std::size_t ld = Net::padded(kPoints);
    static Net net;
    net.init(seed);

    // Points drawn point by point, so the inputs do not depend on ld (the
    // SIMD width); pad lanes are zero.
    static T x[D * ld];
    ember::Pcg32 rng(seed, 99);
    for (std::size_t n = 0; n < kPoints; ++n)
        for (std::size_t i = 0; i < D; ++i) x[i * ld + n] = T(6) * ember::uniform01<T>(rng) - T(3);

    // Pass 1 on SIMD lanes: f and grad_x.
    static T f[kPoints], gx[D * ld];
    static typename Net::template Tape1<Pack> ws;
    Net::value_and_grad_batch(net.data(), x, ld, kPoints, f, gx, ws);
    emit(tag, "f", f, kPoints);
    static T gxc[D * kPoints];
    for (std::size_t n = 0; n < kPoints; ++n)
        for (std::size_t i = 0; i < D; ++i) gxc[n * D + i] = gx[i * ld + n];
    emit(tag, "grad_x", gxc, D * kPoints);

    // Passes 2 and 3 one point at a time, plus parameter gradients summed in
    // point order: pass 1 (fbar = 1) and an exact-SM-like pass 3.
    static T fdot[kPoints], fddot[kPoints], g1[P], g3[P];
    for (auto& g : g1) g = T(0);
    for (auto& g : g3) g = T(0);
    static typename Net::template Tape2<T> tp;
    for (std::size_t n = 0; n < kPoints; ++n) {
        for (std::size_t i = 0; i < D; ++i) {
            tp.x[i] = x[i * ld + n];
            tp.v[i] = T(1) - T(0.25) * T(i);
        }
        (void)Net::forward(net.data(), tp);
        Net::reverse(net.data(), tp, T(1), static_cast<T*>(nullptr));
        Net::accumulate_grad(static_cast<typename Net::template Tape1<T>&>(tp), T(1), g1);
        Net::tangent(net.data(), tp, fdot[n], fddot[n]);
        Net::tangent_reverse(net.data(), tp, fdot[n], T(1), T(0), static_cast<T*>(nullptr));
        Net::accumulate_grad(tp, fdot[n], T(1), T(0), g3);
    }
    emit(tag, "fdot", fdot, kPoints);
    emit(tag, "fddot", fddot, kPoints);
    emit(tag, "grad_theta_pass1", g1, P);
    emit(tag, "grad_theta_pass3", g3, P);
}

template <class Emit>
void mlp_cases(Emit& emit) {
    mlp_case<ember::Mlp<float, ember::Swish, 5, 12, 9>>("swish_5_12_9", 1, emit);
    mlp_case<ember::Mlp<float, ember::Softplus, 3, 8, 7>>("softplus_3_8_7", 2, emit);
    mlp_case<ember::Mlp<float, ember::Tanh, 2, 6, 5>>("tanh_2_6_5", 3, emit);
}

} // namespace golden
