// ember — noise-contrastive estimation with a learned log-partition.
#pragma once

#include "ember/fp.hpp"
#include "ember/math.hpp"
#include "ember/nn/engine.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"
#include "ember/status.hpp"
#include "ember/train/gaussian_noise.hpp"
#include "ember/train/points.hpp"
#include "ember/train/score_matching.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ember::train {

/// Settings of NoiseContrastiveEstimation.
struct NceConfig {
    /// Noise samples per data point (1 .. 64).
    std::uint32_t nu = 1;
};

/// Noise-contrastive estimation (Gutmann & Hyvarinen 2010) of
/// log p(x) = f(x) - c, with c = log Z a learned parameter. Model is an
/// ember::Model whose block 0 is the MLP f and block 1 an ember::Scalar (c).
/// Per data point x with nu noise points y_j ~ p_n,
///
///     softplus(-r(x)) + sum_j softplus(r(y_j)),   r = f - c - log(nu p_n),
///
/// the logistic loss of telling data from noise (softplus is the stable
/// log(1 + e^z)). Its gradient is pass 1 of every row with gamma =
/// -sigmoid(-r(x)) for data and sigmoid(r(y)) for noise (docs/passes.md), and
/// -sum gamma for c. At the optimum f - c is the data's log-density, so after
/// training c is the model's log Z and ember::log_density(model, x) a
/// calibrated log-likelihood.
///
/// Noise is a distribution with `T log_density(const T* x) const` and
/// `void sample(Pcg32&, T* x) const`: by default a GaussianNoise with full
/// covariance, fitted to the data before training (`noise().fit(data)`).
///
///     using Net = ember::Mlp<float, ember::Swish, 2, 64, 64>;
///     using M = ember::Model<Net, ember::Scalar<float>>;       // f and c = log Z
///     static M model;
///     static ember::train::NoiseContrastiveEstimation<M> nce;
///     Net::init_params(model.block<0>(), 1);
///     if (nce.noise().fit({data, 2 * n}) != ember::Status::ok) ...
///     // ... a Trainer<M, decltype(nce), Adam<float, M::param_count>, 128> ...
///     float lp;
///     (void)ember::log_density(model, x, lp);                 // f(x) - c
///
/// Randomness: the nu * B noise points are drawn from `rng` in order after
/// the B data points are scored. Memory: the Engine chunk and the transposed
/// weights (`workspace_bytes`), plus the noise.
template <class Model, class Noise = GaussianNoise<typename energy_net_t<Model>::value_type,
                                                   energy_net_t<Model>::spec_type::input_dim>>
class NoiseContrastiveEstimation {
    static_assert(ember::detail::is_model<Model>::value && Model::block_count >= 2,
                  "NoiseContrastiveEstimation<Model>: Model is ember::Model<Net, Scalar<T>, ...> "
                  "(block 0 the MLP f, block 1 the learned log Z)");
    static_assert(
        std::is_same_v<typename Model::template block_type<1>, Scalar<typename Model::value_type>>,
        "NoiseContrastiveEstimation<Model>: block 1 must be ember::Scalar<T> (log Z)");

public:
    using model_type = Model;
    using noise_type = Noise;
    using Spec = typename energy_net_t<Model>::spec_type;
    using T = typename Spec::value_type;
    static constexpr std::size_t D = Spec::input_dim;
    static constexpr std::size_t input_dim = D;
    static constexpr std::size_t max_nu = 64;
    using Engine = ember::Engine<Spec, detail::chunk_points<T>(0)>;
    static constexpr const char* name = "nce";
    /// Dense multiply-adds per data point at nu = 1 (for throughput reports).
    static constexpr std::size_t macs_per_point =
        2 * (Engine::forward_macs + Engine::direction_macs);
    static constexpr std::size_t workspace_bytes = sizeof(Engine) + sizeof(ReverseWeights<Spec>);

    NoiseContrastiveEstimation() noexcept = default;

    /// invalid_argument (and no change) unless 1 <= nu <= max_nu.
    Status configure(const NceConfig& cfg) noexcept {
        if (cfg.nu < 1 || cfg.nu > max_nu) return Status::invalid_argument;
        cfg_ = cfg;
        log_nu_ = math::log(static_cast<T>(cfg.nu));
        return Status::ok;
    }
    const NceConfig& config() const noexcept { return cfg_; }
    /// The noise distribution (fit or set it before training).
    Noise& noise() noexcept { return noise_; }
    const Noise& noise() const noexcept { return noise_; }

    /// Mean loss per data point; adds its gradient (block 0 and c) to grad.
    /// non_finite_output when an f or the loss is not finite: grad may then
    /// hold part of the gradient (the Trainer zeroes it every step and skips
    /// the update); otherwise as the score-matching losses.
    Status loss_and_grad(const T* params, const Points<T>& batch, Pcg32& rng, T* grad,
                         T& loss) noexcept {
        if (const Status st = detail::check_batch(batch, D); st != Status::ok) return st;
        const fp::Scope fp_scope;
        constexpr std::size_t G = Engine::points;
        const std::size_t B = batch.count;
        const std::size_t rows = B * (1 + static_cast<std::size_t>(cfg_.nu));
        const T s = simd::div(T(1), static_cast<T>(B));
        const T c = params[Model::template offset<1>];
        const T shift = c + log_nu_;
        rev_.prepare(params);
        const PassWeights<T> w{params, rev_.data()};
        T total(0), gc(0);
        std::size_t correct = 0;
        for (std::size_t start = 0; start < rows; start += G) {
            const std::size_t valid = rows - start < G ? rows - start : G;
            for (std::size_t n = 0; n < G; ++n) {
                T* x = e_.x + n * Engine::DP;
                const std::size_t i = start + (n < valid ? n : 0);
                if (n >= valid) {
                    for (std::size_t d = 0; d < D; ++d) x[d] = e_.x[d];
                } else if (i < B) {
                    const T* src = batch[i];
                    for (std::size_t d = 0; d < D; ++d) x[d] = src[d];
                } else {
                    noise_.sample(rng, x);
                }
                lpn_[n] = n < valid ? noise_.log_density(x) : T(0);
            }
            e_.forward(params);
            for (std::size_t n = 0; n < G; ++n) {
                if (n >= valid) {
                    e_.gamma[n] = T(0);
                    continue;
                }
                const T fn = e_.f[n];
                if (!simd::is_finite(fn)) return Status::non_finite_output;
                const T r = fn - (shift + lpn_[n]);
                if (start + n < B) {
                    // data: softplus(-r), d/dr = -sigmoid(-r)
                    total += math::softplus(-r);
                    const T g = math::sigmoid(-r);
                    e_.gamma[n] = -g * s;
                    gc += g;
                    correct += r > T(0) ? 1u : 0u;
                } else {
                    // noise: softplus(r), d/dr = sigmoid(r)
                    total += math::softplus(r);
                    const T g = math::sigmoid(r);
                    e_.gamma[n] = g * s;
                    gc -= g;
                    correct += r > T(0) ? 0u : 1u;
                }
            }
            e_.backward(w, valid, grad);
        }
        grad[Model::template offset<1>] += gc * s;
        accuracy_ = simd::div(static_cast<T>(correct), static_cast<T>(rows));
        return detail::finish(total, s, loss);
    }

    /// Fraction of the last call's data and noise points the classifier
    /// r > 0 labelled correctly (0.5 when model and noise are
    /// indistinguishable).
    T accuracy() const noexcept { return accuracy_; }

private:
    Engine e_;
    ReverseWeights<Spec> rev_;
    Noise noise_{};
    NceConfig cfg_{};
    T log_nu_ = T(0);
    T lpn_[Engine::points] = {};
    T accuracy_ = T(0);
};

} // namespace ember::train
