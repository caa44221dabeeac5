// The network tests/export writes (gen.cpp) and checks (use.cpp), and its
// optional fields.
#pragma once

#include "ember/nn/mlp.hpp"

namespace export_test {

using Net = ember::Mlp<float, ember::Swish, 3, 8, 5>;
inline constexpr std::uint64_t seed = 77;
inline constexpr float mean[3] = {0.5f, -1.0f, 0.001f};
inline constexpr float scale[3] = {2.0f, 0.25f, 3.0f};
inline constexpr float log_z = -2.75f;
inline constexpr float threshold = 6.125f;

} // namespace export_test
