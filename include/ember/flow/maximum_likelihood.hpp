// ember — maximum-likelihood fitting of a normalizing flow: the loss of the
// Trainer (train/trainer.hpp) over the flow's parameter vector.
#pragma once

#include "ember/fp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"
#include "ember/status.hpp"
#include "ember/train/points.hpp"
#include "ember/train/score_matching.hpp"

#include <cstddef>

namespace ember::flow {

/// Mean negative log-likelihood of a flow (e.g. RealNvp) over a batch,
/// `-(1/B) sum_n log p(x_n)`, and its exact gradient (the flow's
/// log_density_vjp with lbar = -1/B, points in batch order). The model is
/// `ember::Model<Flow>`: the flow's parameters as one vector.
///
///     using Flow = ember::flow::RealNvp<float, 2, 4, 16>;
///     using M = ember::Model<Flow>;
///     static M q;
///     static ember::flow::MaximumLikelihood<Flow> ml;
///     static ember::train::Adam<float, M::param_count> adam;
///     static ember::train::Trainer<M, decltype(ml), decltype(adam), 64> trainer(q, ml, adam);
///     Flow::init_params(q.data(), 1);
///     // trainer.configure(...), set_dataset(...), run(...)
///
/// Draws nothing from rng. Status: dimension_mismatch / invalid_argument
/// for a wrong batch; the first point's refusal (non_finite_input,
/// non_finite_output) as is, with the gradient of the points before it
/// already added (the Trainer then skips the step); non_finite_output if the
/// mean is not finite. Memory: one flow workspace (`workspace_bytes`).
template <class Flow>
class MaximumLikelihood {
public:
    using flow_type = Flow;
    using model_type = ember::Model<Flow>;
    using T = typename Flow::value_type;
    static constexpr std::size_t input_dim = Flow::dim;
    static constexpr const char* name = "flow-ml";
    static constexpr std::size_t workspace_bytes = sizeof(Flow);

    /// Mean -log p over the batch; adds its gradient to grad.
    Status loss_and_grad(const T* params, const train::Points<T>& batch, Pcg32& rng, T* grad,
                         T& loss) noexcept {
        (void)rng;
        if (const Status st = train::detail::check_batch(batch, input_dim); st != Status::ok)
            return st;
        const fp::Scope fp_scope;
        const T s = simd::div(T(1), static_cast<T>(batch.count));
        const T lbar = -s;
        T total(0);
        for (std::size_t n = 0; n < batch.count; ++n) {
            T lp(0);
            const Status st = flow_.log_density_vjp(params, batch[n], lbar, lp, grad);
            if (st != Status::ok) return st;
            total -= lp;
        }
        return train::detail::finish(total, s, loss);
    }

private:
    Flow flow_;
};

} // namespace ember::flow
