// ember — models made of several parameter blocks, as one flat vector.
#pragma once

#include "ember/config.hpp"
#include "ember/fp.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/spec.hpp"
#include "ember/simd.hpp"
#include "ember/status.hpp"

#include <array>
#include <cstddef>
#include <type_traits>

namespace ember {

/// One learned scalar as a parameter block (e.g. the log-partition estimate
/// c = log Z of noise-contrastive estimation).
template <class T>
struct Scalar {
    static_assert(std::is_floating_point_v<T>, "ember::Scalar<T>: T must be float or double");
    using value_type = T;
    static constexpr std::size_t param_count = 1;
};

namespace detail {

template <std::size_t K, class... Blocks>
struct block_at;
template <class B, class... Rest>
struct block_at<0, B, Rest...> {
    using type = B;
};
template <std::size_t K, class B, class... Rest>
struct block_at<K, B, Rest...> : block_at<K - 1, Rest...> {};

template <class... Blocks>
constexpr std::size_t block_offset(std::size_t k) noexcept {
    constexpr std::size_t counts[] = {Blocks::param_count...};
    std::size_t off = 0;
    for (std::size_t i = 0; i < k; ++i) off += counts[i];
    return off;
}

} // namespace detail

/// Several parameter blocks — MLPs, Dense layers, Scalars — as one model
/// whose parameters are one flat aligned vector, blocks in order. The
/// Trainer and the optimizers work on that vector; a loss receives it whole
/// and finds block K at `offset<K>`.
///
///     using Net = ember::Mlp<float, ember::Swish, 2, 64, 64>;
///     using Model = ember::Model<Net, ember::Scalar<float>>;   // f and log Z
///     static Model model;
///     Net::init_params(model.block<0>(), /*seed=*/1);
///     float& log_z = model.block<1>()[0];
///     auto f = model.view<0>();                  // MlpView over block 0
///
/// Block 0 is the energy network of the losses that use one (score
/// matching reads and trains block 0 and leaves the others alone).
template <class... Blocks>
class Model {
    static_assert(sizeof...(Blocks) >= 1, "ember::Model needs at least one block");
    using First = typename detail::block_at<0, Blocks...>::type;

public:
    using value_type = typename First::value_type;
    static_assert((std::is_same_v<typename Blocks::value_type, value_type> && ...),
                  "ember::Model: every block has the same scalar type");

    static constexpr std::size_t block_count = sizeof...(Blocks);
    /// Type of block K.
    template <std::size_t K>
    using block_type = typename detail::block_at<K, Blocks...>::type;
    /// Offset of block K in the parameter vector.
    template <std::size_t K>
    static constexpr std::size_t offset = detail::block_offset<Blocks...>(K);
    /// Number of parameters (all blocks).
    static constexpr std::size_t param_count = detail::block_offset<Blocks...>(sizeof...(Blocks));

    /// Parameters (flat, aligned).
    alignas(EMBER_ALIGN) std::array<value_type, param_count> params{};

    value_type* data() noexcept { return params.data(); }
    const value_type* data() const noexcept { return params.data(); }

    /// Parameters of block K.
    template <std::size_t K>
    value_type* block() noexcept {
        return params.data() + offset<K>;
    }
    template <std::size_t K>
    const value_type* block() const noexcept {
        return params.data() + offset<K>;
    }
    /// Read-only view of block K when it is an MLP.
    template <std::size_t K>
    auto view() const noexcept {
        static_assert(is_mlp_v<block_type<K>>, "ember::Model::view<K>: block K is not an MLP");
        return typename block_type<K>::view_type(block<K>());
    }
};

namespace detail {

// The energy network of a model: an MLP itself, or block 0 of a Model.
template <class M, class = void>
struct energy_net {
    using type = M;
};
template <class... Blocks>
struct energy_net<Model<Blocks...>> {
    using type = typename Model<Blocks...>::template block_type<0>;
};

template <class M>
struct is_model : std::false_type {};
template <class... Blocks>
struct is_model<Model<Blocks...>> : std::true_type {};

} // namespace detail

/// log p(x) = f(x) - c for a model whose block 0 is the MLP f and block 1
/// the learned log-partition c (ember::Scalar), as noise-contrastive
/// estimation trains it (train/nce.hpp). `x` holds the network's input_dim
/// values. non_finite_input (out untouched) if x has a NaN or infinity,
/// non_finite_output if the result is not finite.
template <class Net, class... Rest>
Status log_density(const Model<Net, Scalar<typename Net::value_type>, Rest...>& m,
                   const typename Net::value_type* x, typename Net::value_type& out) noexcept {
    using T = typename Net::value_type;
    static_assert(is_mlp_v<Net>, "ember::log_density: block 0 of the model is an MLP");
    constexpr std::size_t D = Net::spec_type::input_dim;
    for (std::size_t d = 0; d < D; ++d)
        if (!simd::is_finite(x[d])) return Status::non_finite_input;
    const fp::Scope fp_scope;
    T lp = m.template view<0>().value(x) - m.template block<1>()[0];
    fp::pin(lp);
    if (!simd::is_finite(lp)) return Status::non_finite_output;
    out = lp;
    return Status::ok;
}

/// The MLP whose f a loss trains in model M (at offset 0 of its parameters):
/// M itself, or block 0 of an ember::Model.
template <class M>
using energy_net_t = typename detail::energy_net<M>::type;

} // namespace ember
