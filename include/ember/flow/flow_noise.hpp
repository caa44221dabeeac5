// ember — a normalizing flow as the noise distribution of noise-contrastive
// estimation (train/nce.hpp), bound to a parameter vector it does not own.
#pragma once

#include "ember/random.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <limits>

namespace ember::flow {

/// The noise concept of NoiseContrastiveEstimation (`T log_density(const T*
/// x) const`, `void sample(Pcg32&, T* x) const`) for a flow (e.g. RealNvp)
/// whose parameters live elsewhere (an ember::Model<Flow>, trained by
/// MaximumLikelihood or by flow contrastive estimation). Bind it before use;
/// the parameters may change between calls (they are read at every call).
///
///     using Flow = ember::flow::RealNvp<float, 2, 4, 16>;
///     using Net = ember::Mlp<float, ember::Swish, 2, 64, 64>;
///     using M = ember::Model<Net, ember::Scalar<float>>;
///     static ember::Model<Flow> q;                          // fitted flow
///     static ember::train::NoiseContrastiveEstimation<M, ember::flow::FlowNoise<Flow>> nce;
///     nce.noise().bind(q.data());
///
/// log_density returns NaN for an unbound noise or when the flow refuses x
/// (a NaN or infinite x, a non-finite result), so that the loss using it
/// reports a non-finite value. sample() consumes D normals of rng; a
/// refused sample (non-finite) or an unbound noise leaves x NaN.
template <class Flow>
class FlowNoise {
public:
    using flow_type = Flow;
    using value_type = typename Flow::value_type;
    using T = value_type;
    static constexpr std::size_t dim = Flow::dim;

    FlowNoise() noexcept = default;
    explicit FlowNoise(const T* params) noexcept : p_(params) {}

    /// Reads the flow's parameters from `params` (param_count values) from now on.
    void bind(const T* params) noexcept { p_ = params; }
    const T* params() const noexcept { return p_; }

    /// log p(x) of the flow.
    T log_density(const T* x) const noexcept {
        T out = std::numeric_limits<T>::quiet_NaN();
        if (p_ && Flow::log_density(p_, x, out) != Status::ok)
            out = std::numeric_limits<T>::quiet_NaN();
        return out;
    }

    /// x ~ the flow (RealNvp::sample).
    void sample(Pcg32& rng, T* x) const noexcept {
        if (p_ && Flow::sample(p_, rng, x) == Status::ok) return;
        for (std::size_t i = 0; i < dim; ++i) x[i] = std::numeric_limits<T>::quiet_NaN();
    }

private:
    const T* p_ = nullptr;
};

} // namespace ember::flow
