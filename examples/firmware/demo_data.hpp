// The data of the firmware demo, the same bits on every target: normal
// vectors near a curved 3-D manifold in D dimensions, and anomalies that
// leave it. Only IEEE + - * and ember's own normal draws (ember::normal,
// ember's elementary functions), so the host that trains the demo model,
// the host test and the firmware all see the same vectors.
#pragma once

#include "ember/random.hpp"

#include <cstddef>
#include <cstdint>

namespace firmware_demo {

/// Mixing weight of latent k in feature d: a small multiple of 1/4.
constexpr float weight(std::size_t d, std::size_t k) noexcept {
    return static_cast<float>(static_cast<int>((d * 7u + k * 5u + 3u) % 9u) - 4) * 0.25f;
}

/// One normal vector x[D]: x_d = offset_d + s_d (A t + b_d t0 t1 + 0.3 e_d)
/// with t ~ N(0, I_3), e ~ N(0, I_D); features on different scales and
/// offsets, so that standardisation matters.
template <std::size_t D>
void normal_vector(ember::Pcg32& rng, float* x) noexcept {
    float t[3];
    for (float& v : t) v = ember::normal<float>(rng);
    const float t01 = t[0] * t[1];
    for (std::size_t d = 0; d < D; ++d) {
        float s = weight(d, 0) * t[0];
        s += weight(d, 1) * t[1];
        s += weight(d, 2) * t[2];
        s += weight(d, 3) * 0.5f * t01;
        s += 0.3f * ember::normal<float>(rng);
        const float scale = static_cast<float>(1u + d % 4u);
        const float offset = static_cast<float>(static_cast<int>(d % 5u) - 2) * 10.0f;
        x[d] = offset + scale * s;
    }
}

/// An anomaly: a normal vector with feature `k % D` moved by 4 of its
/// scale units plus 5 times the noise level, up or down by the draw.
template <std::size_t D>
void anomaly_vector(ember::Pcg32& rng, float* x, std::size_t k) noexcept {
    normal_vector<D>(rng, x);
    const std::size_t d = k % D;
    const float scale = static_cast<float>(1u + d % 4u);
    const float shift = (rng() & 1u) != 0u ? 4.0f : -4.0f;
    x[d] += shift * scale;
}

/// The stream score.cpp scores: normal vectors, one lone anomaly (index 20)
/// and a burst (40 .. 47) that raises the k-of-n alarm.
inline constexpr std::size_t stream_length = 64;
constexpr bool stream_is_anomaly(std::size_t i) noexcept {
    return i == 20u || (i >= 40u && i < 48u);
}
inline constexpr std::uint64_t stream_seed = 2024;
inline constexpr std::uint64_t stream_id = 9;

} // namespace firmware_demo
