// ember — training an energy model against a normalizing flow: flow
// contrastive estimation (Gao et al. 2020) and adversarial training with the
// variational bound log Z >= E_q[f] + H(q). Each side of each game is a loss
// of the Trainer concept over its own parameter vector, reading the other
// side's parameters through a bound pointer (docs/flow.md, "Games"):
//
//   FCE, energy side   NoiseContrastiveEstimation<M, flow::FlowNoise<Flow>>
//                      (train/nce.hpp): the flow is the noise
//   FCE, flow side     FceFlowLoss<M, Flow>: the flow ascends the same NCE loss
//   adversarial, f     AdversarialEnergyLoss<Net, Flow>: E_q[f] - E_data[f]
//                      (+ alpha (f^2 terms)), negatives drawn from the flow
//   adversarial, q     AdversarialFlowLoss<Net, Flow>: -(E_q[f] + H(q))
//
// Signs, because some course material gets the adversarial one wrong: with
// log p = f - log Z and log Z >= E_q[f] + H(q) for every q,
//   E_data[log p] <= E_data[f] - E_q[f] - H(q),
// so the energy maximises E_data[f] - E_q[f] (H(q) does not depend on it)
// and the flow *minimises* the bound, i.e. maximises E_q[f] + H(q): it
// chases the model and keeps its entropy. Writing "+ H(q)" into the bound the
// flow minimises makes the flow minimise its entropy: it collapses.
// H(q) = H(N(0, I)) + E_z[log |det dg/dz|].
//
// Flow is an ember::flow::RealNvp<T, D, ...> (flow/real_nvp.hpp): its static
// forward / log_density / log_normal / sample and its recorded gradients
// log_density_vjp / forward_vjp are the contract these losses use.
#pragma once

#include "ember/flow/flow_noise.hpp"
#include "ember/flow/real_nvp.hpp"
#include "ember/fp.hpp"
#include "ember/math.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"
#include "ember/sample/langevin.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"
#include "ember/train/contrastive_divergence.hpp"
#include "ember/train/nce.hpp"
#include "ember/train/points.hpp"
#include "ember/train/score_matching.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ember::train {

namespace detail {

/// One draw through the flow's sample path, shared by the flow sides of FCE
/// and of the adversarial game: z ~ N(0, I) (D normals from rng), y = g(z),
/// log_det = log |det dg/dz|, f(y) and grad f(y); then w = weight(f(y),
/// log_det, z) (the caller accumulates its loss there) and the flow's
/// gradient of w (f(y) + log_det) is added to grad (forward_vjp).
/// non_finite_output for a non-finite f(y); the flow's statuses as is.
template <class Flow, class View, class Weight>
Status flow_draw_vjp(Flow& flow, const typename Flow::value_type* phi, const View& f, Pcg32& rng,
                     typename Flow::value_type* grad, Weight&& weight) noexcept {
    using T = typename Flow::value_type;
    constexpr std::size_t D = Flow::dim;
    T z[D], y[D], gy[D];
    fill_normal(rng, z, D);
    T ld(0);
    if (const Status st = Flow::forward(phi, z, y, ld); st != Status::ok) return st;
    const T fy = f.value_and_grad(y, gy);
    if (!simd::is_finite(fy)) return Status::non_finite_output;
    const T w = weight(fy, ld, static_cast<const T*>(z));
    for (std::size_t i = 0; i < D; ++i) gy[i] *= w;
    T ld2(0);
    return flow.forward_vjp(phi, z, gy, w, nullptr, ld2, grad, nullptr);
}

} // namespace detail

/// The flow side of flow contrastive estimation: the mean NCE loss of the
/// energy model M = ember::Model<Net, Scalar<T>> (f and c = log Z, bound by
/// bind_energy) against the flow q_phi as its noise,
///
///     L = (1/B) sum_data softplus(-r(x)) + (1/B) sum_{nu B noise} softplus(r(y)),
///     r(x) = f(x) - c - log nu - log q(x),
///
/// and the flow *ascends* it: loss_and_grad returns -L and adds -dL/dphi.
/// Data rows enter through log q(x) (the flow's log_density_vjp); noise
/// rows y = g(z) (z from rng, D normals each, in order after nothing else)
/// enter through their position and log q(y) = log N(z) - log |det dg/dz|
/// (the flow's forward_vjp with xbar = grad f(y) and the log-det adjoint).
/// accuracy() is the classifier's on this batch. At the game's equilibrium
/// (q = data and f - c = log q) every r = -log nu, so L = (1 + nu) log(1 +
/// nu) - nu log nu (log 4 for nu = 1: the NCE objective -L tends to -log 4)
/// and the accuracy to nu / (1 + nu) (0.5 for nu = 1).
template <class M, class Flow>
class FceFlowLoss {
public:
    using model_type = ember::Model<Flow>;
    using energy_model_type = M;
    using net_type = energy_net_t<M>;
    using T = typename net_type::value_type;
    static constexpr std::size_t input_dim = net_type::input_dim;
    static constexpr const char* name = "fce-flow";
    static_assert(std::is_same_v<typename Flow::value_type, T> && Flow::dim == input_dim,
                  "FceFlowLoss<M, Flow>: the flow and the energy share T and D");
    static_assert(M::block_count == 2 &&
                      std::is_same_v<typename M::template block_type<1>, Scalar<T>>,
                  "FceFlowLoss<M, Flow>: M is ember::Model<Net, ember::Scalar<T>> (f and log Z)");

    /// nu noise rows per data row (1 .. 64), as the energy side's NceConfig.
    Status configure(const NceConfig& cfg) noexcept {
        if (cfg.nu < 1 || cfg.nu > 64) return Status::invalid_argument;
        nu_ = cfg.nu;
        log_nu_ = math::log(static_cast<T>(cfg.nu));
        return Status::ok;
    }
    /// The energy model's parameters (M::param_count values), read at every call.
    void bind_energy(const T* params) noexcept { energy_ = params; }

    /// -L and its gradient with respect to the flow's parameters (added to
    /// grad). invalid_argument without a bound energy; a batch error as the
    /// losses of score_matching.hpp; non_finite_input / non_finite_output
    /// from the flow or a non-finite f (grad may then hold part of the
    /// gradient; the Trainer skips the step).
    Status loss_and_grad(const T* phi, const Points<T>& batch, Pcg32& rng, T* grad,
                         T& loss) noexcept {
        if (const Status st = detail::check_batch(batch, input_dim); st != Status::ok) return st;
        if (energy_ == nullptr) return Status::invalid_argument;
        const fp::Scope fp_scope;
        const typename net_type::view_type f(energy_);
        const T shift = energy_[M::template offset<1>] + log_nu_;
        const std::size_t B = batch.count;
        const T s = simd::div(T(1), static_cast<T>(B));
        T total(0);
        std::size_t correct = 0;
        for (std::size_t n = 0; n < B; ++n) {
            const T* x = batch[n];
            T lq(0);
            if (const Status st = Flow::log_density(phi, x, lq); st != Status::ok) return st;
            const T fx = f.value(x);
            if (!simd::is_finite(fx)) return Status::non_finite_output;
            const T r = fx - shift - lq;
            total += math::softplus(-r);
            correct += r > T(0) ? 1u : 0u;
            // dL/d log q = sigma(-r) / B; the flow descends -L.
            T lq2(0);
            if (const Status st =
                    flow_.log_density_vjp(phi, x, -s * math::sigmoid(-r), lq2, grad, nullptr);
                st != Status::ok)
                return st;
        }
        const std::size_t noise_rows = B * nu_;
        for (std::size_t j = 0; j < noise_rows; ++j) {
            // dL/dr = sigma(r) / B; dr/dphi = grad f(y) . dy/dphi + d log_det / dphi.
            const auto weight = [&](T fy, T ld, const T* z) noexcept {
                const T r = fy - shift - (Flow::log_normal(z) - ld);
                total += math::softplus(r);
                correct += r > T(0) ? 0u : 1u;
                return -s * math::sigmoid(r);
            };
            if (const Status st = detail::flow_draw_vjp(flow_, phi, f, rng, grad, weight);
                st != Status::ok)
                return st;
        }
        accuracy_ = simd::div(static_cast<T>(correct), static_cast<T>(B + noise_rows));
        T l(0);
        if (const Status st = detail::finish(total, s, l); st != Status::ok) return st;
        loss = -l;
        return Status::ok;
    }

    /// Fraction of the last call's rows the classifier r > 0 got right.
    T accuracy() const noexcept { return accuracy_; }

private:
    Flow flow_{};
    const T* energy_ = nullptr;
    std::uint32_t nu_ = 1;
    T log_nu_ = T(0);
    T accuracy_ = T(0);
};

/// The energy side of adversarial training: the surrogate of
/// ContrastiveDivergence (mean f(x-) - mean f(x+) + alpha (mean f(x+)^2 +
/// mean f(x-)^2)) with `Negatives` negatives drawn from the flow (bound by
/// bind_flow) instead of a sampler. M is an ember::Mlp or an ember::Model
/// whose block 0 is the Mlp f.
template <class M, class Flow, std::size_t Negatives = 128>
class AdversarialEnergyLoss {
public:
    using model_type = M;
    using net_type = energy_net_t<M>;
    using T = typename net_type::value_type;
    static constexpr std::size_t input_dim = net_type::input_dim;
    static constexpr const char* name = "adv-energy";
    static_assert(std::is_same_v<typename Flow::value_type, T> && Flow::dim == input_dim,
                  "AdversarialEnergyLoss<M, Flow>: the flow and the energy share T and D");

    /// alpha >= 0 (the f^2 regulariser) and max_abs_f >= 0 (0: no limit), as CdConfig.
    Status configure(T regularization, T max_abs_f = T(0)) noexcept {
        CdConfig<T> cfg;
        cfg.k = 1;
        cfg.regularization = regularization;
        cfg.max_abs_f = max_abs_f;
        return surrogate_.configure(cfg);
    }
    /// The flow's parameters, read at every call.
    void bind_flow(const T* params) noexcept { flow_ = params; }

    /// Draws the negatives (D normals each from rng, in order) and adds the
    /// surrogate's gradient. invalid_argument without a bound flow;
    /// non_finite_output if the flow gives a non-finite sample; otherwise as
    /// ContrastiveDivergence::surrogate_and_grad.
    Status loss_and_grad(const T* params, const Points<T>& batch, Pcg32& rng, T* grad,
                         T& loss) noexcept {
        if (const Status st = detail::check_batch(batch, input_dim); st != Status::ok) return st;
        if (flow_ == nullptr) return Status::invalid_argument;
        const fp::Scope fp_scope;
        for (std::size_t c = 0; c < Negatives; ++c)
            if (const Status st = Flow::sample(flow_, rng, neg_ + c * input_dim); st != Status::ok)
                return st;
        return surrogate_.surrogate_and_grad(
            params, batch, Points<T>{neg_, input_dim, Negatives, nullptr}, grad, loss);
    }

    /// What the last call saw (f at data and negatives).
    const CdReport<T>& report() const noexcept { return surrogate_.report(); }

private:
    ContrastiveDivergence<M, sample::Ula, Negatives> surrogate_; // its surrogate only
    const T* flow_ = nullptr;
    T neg_[Negatives * input_dim] = {};
};

/// The flow side of adversarial training: the flow maximises E_q[f] + H(q)
/// (the variational lower bound of log Z), so the loss is
/// -(mean f(g(z)) + H(N(0, I)) + mean log |det dg/dz|) over `batch.count`
/// draws z (D normals each from rng, in order; the batch's values are not
/// read), and its gradient by the sample path (forward_vjp with xbar =
/// -grad f / B and the log-det adjoint -1 / B). At the optimum, q = p and the
/// loss is -log Z. M as AdversarialEnergyLoss.
template <class M, class Flow>
class AdversarialFlowLoss {
public:
    using model_type = ember::Model<Flow>;
    using energy_model_type = M;
    using net_type = energy_net_t<M>;
    using T = typename net_type::value_type;
    static constexpr std::size_t input_dim = net_type::input_dim;
    static constexpr const char* name = "adv-flow";
    static_assert(std::is_same_v<typename Flow::value_type, T> && Flow::dim == input_dim,
                  "AdversarialFlowLoss<M, Flow>: the flow and the energy share T and D");

    /// The energy's parameters (block 0 of M is read), at every call.
    void bind_energy(const T* params) noexcept { energy_ = params; }

    /// -(E_q[f] + H(q)) over batch.count draws and its gradient (added).
    /// invalid_argument without a bound energy; non_finite_output for a
    /// non-finite f; the flow's statuses as is.
    Status loss_and_grad(const T* phi, const Points<T>& batch, Pcg32& rng, T* grad,
                         T& loss) noexcept {
        if (const Status st = detail::check_batch(batch, input_dim); st != Status::ok) return st;
        if (energy_ == nullptr) return Status::invalid_argument;
        const fp::Scope fp_scope;
        const typename net_type::view_type f(energy_);
        const std::size_t B = batch.count;
        const T s = simd::div(T(1), static_cast<T>(B));
        T total(0), entropy(0);
        for (std::size_t n = 0; n < B; ++n) {
            const auto weight = [&](T fy, T ld, const T*) noexcept {
                total += fy;
                entropy += ld;
                return -s;
            };
            if (const Status st = detail::flow_draw_vjp(flow_, phi, f, rng, grad, weight);
                st != Status::ok)
                return st;
        }
        // H(N(0, I)) = D/2 (1 + log 2 pi).
        constexpr T base_entropy =
            T(0.5) * T(input_dim) * (T(1) + T(1.8378770664093454835606594728112353L));
        T mean_f(0), mean_ld(0);
        if (const Status st = detail::finish(total, s, mean_f); st != Status::ok) return st;
        if (const Status st = detail::finish(entropy, s, mean_ld); st != Status::ok) return st;
        entropy_ = base_entropy + mean_ld;
        mean_f_ = mean_f;
        loss = -(mean_f + entropy_);
        return Status::ok;
    }

    /// The last call's estimates of H(q) and E_q[f] (their sum bounds log Z from below).
    T entropy() const noexcept { return entropy_; }
    T mean_energy_value() const noexcept { return mean_f_; }

private:
    Flow flow_{};
    const T* energy_ = nullptr;
    T entropy_ = T(0);
    T mean_f_ = T(0);
};

} // namespace ember::train
