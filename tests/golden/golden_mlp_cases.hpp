// The computations whose bits must be identical on every target. Shared by
// the golden test (compares) and ember_make_golden (prints the table).
//
// Two kinds of networks: ordinary ones (default initialisation), and
// deliberately saturated ones whose last hidden layer sits deep in the flat
// part of the activation (swish pre-activations near -85, tanh |z| near 8)
// with tiny output weights, so that f, grad_x f, v . grad f, v^T H v and the
// parameter gradients are subnormal in exact arithmetic. They are reproduced
// bit for bit only because every target computes with subnormals flushed to
// zero (docs/floating-point.md).
#pragma once

#include "ember/fp.hpp"
#include "ember/nn/engine.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/random.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace golden {

constexpr std::size_t kPoints = 8;

#ifndef EMBER_TEST_SMALL_RAM
#define EMBER_TEST_SMALL_RAM 0
#endif
/// The saturated cases need the flush-to-zero contract, which software
/// floating point cannot keep (Cortex-M3): compiled only where it holds.
inline constexpr bool kSaturatedCases = ember::fp::hardware_flush<float>;
/// The cases with a 16-32-32 network need about 30 KB of static workspace:
/// not on the 64 KiB Cortex-M3 board.
inline constexpr bool kLargeCases = !EMBER_TEST_SMALL_RAM;

/// Whether this build runs the case `tag` (the table holds every case).
inline bool runs_case(const char* tag) {
    const bool saturated = std::strncmp(tag, "sat_", 4) == 0;
    const bool large = std::strstr(tag, "16_32_32") != nullptr;
    return (!saturated || kSaturatedCases) && (!large || kLargeCases);
}

/// How a network is pushed into saturation: the last hidden layer's biases
/// get `shift` (its units then sit deep in the flat part of the activation,
/// with activations and derivatives near e^shift for swish), the output
/// weights are multiplied by `out_scale` and the output bias is zeroed. With
/// out_scale = 1 the network is left as initialised.
struct Saturation {
    float shift = 0.0f;
    float out_scale = 1.0f;
};

template <class Net>
void saturate(Net& net, const Saturation& s) {
    using L = typename Net::layout;
    if (s.shift == 0.0f && s.out_scale == 1.0f) return;
    float* b = net.data() + L::bias_offset(L::hidden_layers);
    for (std::size_t j = 0; j < L::last_width; ++j) b[j] += s.shift;
    float* wo = net.data() + L::output_weight_offset;
    for (std::size_t j = 0; j < L::last_width; ++j) wo[j] *= s.out_scale;
    net.data()[L::output_bias_offset] = 0.0f;
}

/// Points per engine pass: the golden values do not depend on it (a point
/// gets the same bits in any batch); small chunks keep the Cortex-M3 image
/// within its 64 KiB of RAM.
constexpr std::size_t kChunk = EMBER_TEST_SMALL_RAM ? 1 : 2;

// Runs every golden computation for one model type and reports each result
// vector through emit(tag, name, data, count).
template <class Net, class Emit>
void mlp_case(const char* tag, std::uint64_t seed, Emit& emit, const Saturation& sat = {}) {
    using Spec = typename Net::spec_type;
    constexpr std::size_t D = Net::input_dim;
    constexpr std::size_t P = Net::param_count;
    const ember::fp::Scope fp_scope; // the engine's direct calls run under the contract too
    static Net net;
    net.init(seed);
    saturate(net, sat);
    static ember::ReverseWeights<Spec> rev;
    rev.prepare(net.data());

    // Points drawn point by point; one second-order direction per point.
    static float x[kPoints * D], v[D];
    ember::Pcg32 rng(seed, 99);
    for (float& xi : x) xi = 6.0f * ember::uniform01<float>(rng) - 3.0f;
    for (std::size_t i = 0; i < D; ++i) v[i] = 1.0f - 0.25f * float(i);

    // Pass 1 (f, grad_x, and grad_theta of sum f) and, separately, pass 2
    // along v with pass 3 for an exact-SM-like loss (alpha = fdot, beta = 1)
    // plus 0.5 f, kChunk points at a time; gradients accumulate over the
    // chunks in point order.
    using E1 = ember::Engine<Spec, kChunk>;
    using E2 = ember::Engine<Spec, kChunk, 0, 1>;
    static E1 e1;
    static E2 e2;
    static float f[kPoints], gx[D * kPoints], fdot[kPoints], fddot[kPoints], g1[P], g3[P];
    for (auto& g : g1) g = 0.0f;
    for (auto& g : g3) g = 0.0f;
    for (std::size_t c = 0; c < kPoints; c += kChunk) {
        for (std::size_t n = 0; n < kChunk; ++n)
            for (std::size_t i = 0; i < D; ++i) {
                e1.x[n * E1::DP + i] = e2.x[n * E2::DP + i] = x[(c + n) * D + i];
                e2.v2[n * E2::DP + i] = v[i];
            }
        e1.forward(net.data());
        e1.grad_x({net.data(), rev.data()});
        for (std::size_t n = 0; n < kChunk; ++n) {
            f[c + n] = e1.f[n];
            for (std::size_t i = 0; i < D; ++i) gx[(c + n) * D + i] = e1.gx[n * E1::DP + i];
            e1.gamma[n] = 1.0f;
        }
        e1.backward({net.data(), rev.data()}, kChunk, g1);

        e2.forward(net.data());
        e2.tangents(net.data());
        for (std::size_t n = 0; n < kChunk; ++n) {
            fdot[c + n] = e2.fdot2[n];
            fddot[c + n] = e2.fddot2[n];
            e2.gamma[n] = 0.5f;
            e2.alpha2[n] = e2.fdot2[n];
            e2.beta2[n] = 1.0f;
        }
        e2.backward({net.data(), nullptr}, kChunk, g3); // the stored weights: same bits
    }
    // The one-point calls (same bits: checked here on every target).
    static float f1[kPoints], gx1[D * kPoints];
    for (std::size_t n = 0; n < kPoints; ++n) f1[n] = net.value_and_grad(x + n * D, gx1 + n * D);

    emit(tag, "f", f, kPoints);
    emit(tag, "grad_x", gx, D * kPoints);
    emit(tag, "f_one_point", f1, kPoints);
    emit(tag, "grad_x_one_point", gx1, D * kPoints);
    emit(tag, "fdot", fdot, kPoints);
    emit(tag, "fddot", fddot, kPoints);
    emit(tag, "grad_theta_pass1", g1, P);
    emit(tag, "grad_theta_pass3", g3, P);
}

// The saturated cases: visit.template operator()<Net>(tag, seed, saturation).
// tests/host/test_golden_saturated.cpp checks in double precision that each
// puts values of every pass in the float subnormal range.
template <class Visit>
void saturated_cases(Visit&& visit) {
    visit.template operator()<ember::Mlp<float, ember::Swish, 5, 12, 9>>("sat_swish_5_12_9", 5,
                                                                         Saturation{-85.0f, 1e-3f});
    if constexpr (kLargeCases)
        visit.template operator()<ember::Mlp<float, ember::Swish, 16, 32, 32>>(
            "sat_swish_16_32_32", 6, Saturation{-85.0f, 1e-5f});
    visit.template operator()<ember::Mlp<float, ember::Tanh, 3, 17, 9>>("sat_tanh_3_17_9", 7,
                                                                        Saturation{8.0f, 1e-32f});
    // f itself subnormal (the derivatives then underflow to zero).
    visit.template operator()<ember::Mlp<float, ember::Tanh, 3, 17, 9>>("sat_tanh_f_3_17_9", 7,
                                                                        Saturation{8.0f, 1e-39f});
    visit.template operator()<ember::Mlp<float, ember::Softplus, 4, 8, 8>>(
        "sat_softplus_4_8_8", 8, Saturation{-90.0f, 1e-3f});
}

template <class Emit>
struct EmitCase {
    Emit& emit;
    template <class Net>
    void operator()(const char* tag, std::uint64_t seed, const Saturation& sat) {
        mlp_case<Net>(tag, seed, emit, sat);
    }
};

/// Every case this build runs (runs_case).
template <class Emit>
void mlp_cases(Emit& emit) {
    mlp_case<ember::Mlp<float, ember::Swish, 5, 12, 9>>("swish_5_12_9", 1, emit);
    mlp_case<ember::Mlp<float, ember::Softplus, 3, 8, 7>>("softplus_3_8_7", 2, emit);
    mlp_case<ember::Mlp<float, ember::Tanh, 2, 6, 5>>("tanh_2_6_5", 3, emit);
    if constexpr (kLargeCases)
        mlp_case<ember::Mlp<float, ember::Tanh, 16, 32, 32>>("tanh_16_32_32", 4, emit);
    if constexpr (kSaturatedCases) saturated_cases(EmitCase<Emit>{emit});
}

} // namespace golden
