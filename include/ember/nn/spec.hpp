// ember — the compile-time description of an MLP energy network.
#pragma once

#include "ember/nn/activation.hpp"
#include "ember/nn/layout.hpp"
#include "ember/simd.hpp"

#include <cstddef>
#include <type_traits>

namespace ember {

/// Scalar type, activation and layout of an MLP: everything about a network
/// except where its parameters are. `Mlp` (owning) and `MlpView` (over
/// constant parameters) both derive from it, and the passes, losses and
/// sampler targets are written against it.
template <class T, class Act, std::size_t In, std::size_t... Hidden>
struct MlpSpec {
    static_assert(std::is_floating_point_v<T>, "ember MLP: T must be float or double");

    using spec_type = MlpSpec;
    using value_type = T;
    using activation = Act;
    using layout = MlpLayout<In, Hidden...>;
    using pack_type = simd::Pack<T>;

    static constexpr std::size_t input_dim = In;
    static constexpr std::size_t hidden_layers = layout::hidden_layers;
    static constexpr std::size_t param_count = layout::param_count;
    static constexpr std::size_t hidden_units = layout::hidden_units;
    static constexpr auto widths = layout::widths;
};

namespace detail {
template <class S>
struct is_mlp_spec : std::false_type {};
template <class T, class Act, std::size_t In, std::size_t... Hidden>
struct is_mlp_spec<MlpSpec<T, Act, In, Hidden...>> : std::true_type {};
} // namespace detail

/// True for MlpSpec, Mlp and MlpView types (anything whose spec_type is an
/// MlpSpec).
template <class Net, class = void>
inline constexpr bool is_mlp_v = false;
template <class Net>
inline constexpr bool is_mlp_v<Net, std::void_t<typename Net::spec_type>> =
    detail::is_mlp_spec<typename Net::spec_type>::value;

} // namespace ember
