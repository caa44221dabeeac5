// ember — the shape of a compile-time MLP: widths, parameter offsets, work.
#pragma once

#include <array>
#include <cstddef>

namespace ember {

/// Where everything of an MLP with a scalar linear output sits, and how much
/// work a pass is: compile-time numbers only, no storage.
///
///     using L = ember::MlpLayout<16, 64, 64>;     // 16 inputs, two hidden layers
///     static_assert(L::param_count == 5313);
///
/// Layers `l = 1..L`: `z_l = W_l h_{l-1} + b_l`, `h_l = act(z_l)`, `h_0 = x`;
/// output `f = w . h_L + b` (see docs/passes.md). The parameters are one flat
/// vector, layer by layer: `W_1, b_1, ..., W_L, b_L, w, b`. Each `W_l` is
/// stored **input-major**: the weight from input `i` to unit `j` is at
/// `weight_offset(l) + i * widths[l] + j` (the transpose of PyTorch's
/// `Linear.weight`), so the forward pass reads it in order with the units of
/// a layer in SIMD lanes, straight from flash.
template <std::size_t In, std::size_t... Hidden>
struct MlpLayout {
    static_assert(sizeof...(Hidden) >= 1,
                  "an ember MLP needs at least one hidden layer: MlpLayout<In, H1, H2, ...>");
    static_assert(In >= 1 && ((Hidden >= 1) && ...), "every layer of an ember MLP needs >= 1 unit");

    static constexpr std::size_t input_dim = In;
    static constexpr std::size_t hidden_layers = sizeof...(Hidden);
    /// widths[0] = In, widths[l] = units of hidden layer l.
    static constexpr std::array<std::size_t, hidden_layers + 1> widths{{In, Hidden...}};
    static constexpr std::size_t hidden_units = (Hidden + ...);
    static constexpr std::size_t last_width = widths[hidden_layers];
    static constexpr std::size_t max_width = [] {
        std::size_t m = 0;
        for (std::size_t w : widths) m = w > m ? w : m;
        return m;
    }();

    /// Offset of W_l (l = 1..hidden_layers) in the parameter vector.
    static constexpr std::size_t weight_offset(std::size_t l) noexcept {
        std::size_t off = 0;
        for (std::size_t k = 1; k < l; ++k) off += widths[k] * widths[k - 1] + widths[k];
        return off;
    }
    /// Offset of b_l.
    static constexpr std::size_t bias_offset(std::size_t l) noexcept {
        return weight_offset(l) + widths[l] * widths[l - 1];
    }
    /// Offset of the output weights w (last_width values) and bias b.
    static constexpr std::size_t output_weight_offset = weight_offset(hidden_layers + 1);
    static constexpr std::size_t output_bias_offset = output_weight_offset + last_width;
    /// Number of parameters.
    static constexpr std::size_t param_count = output_bias_offset + 1;

    /// Weights of the hidden layers from l on (multiply-adds of one dense
    /// sweep from layer l up, or of one reverse sweep down to layer l).
    static constexpr std::size_t dense_macs(std::size_t from_layer = 1) noexcept {
        std::size_t m = 0;
        for (std::size_t l = from_layer; l <= hidden_layers; ++l) m += widths[l] * widths[l - 1];
        return m;
    }
    /// Multiply-adds of one evaluation of f.
    static constexpr std::size_t forward_macs = dense_macs(1) + last_width;
    /// Multiply-adds of f and grad_x f (forward, then the reverse sweep).
    static constexpr std::size_t grad_macs = forward_macs + dense_macs(1);
};

} // namespace ember
