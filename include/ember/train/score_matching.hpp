// ember — score-matching losses with hand-derived parameter gradients.
//
// Each loss is a class over a model type M (an ember::Mlp, or an
// ember::Model whose block 0 is the Mlp trained) that owns its fixed-size
// workspace and provides the loss concept of train/loss.hpp:
//
//     Status loss_and_grad(const T* params, const Points<T>& batch, Pcg32& rng,
//                          T* grad, T& loss) noexcept;
//
// which sets `loss` to the mean loss over the batch and ADDS its gradient
// with respect to the parameters to grad[M::param_count]. Randomness
// (slicing directions, denoising noise) is drawn from `rng` point by point in
// batch order, so a batch gives the same bits on every target; the exact
// loss ignores `rng`. The estimators and their passes are those of
// docs/passes.md.
//
// Cost and memory: the passes run on chunks of points in the network's
// Engine (nn/engine.hpp); `workspace_bytes` is the size of the chunk
// workspace and the transposed weights, most of the loss object. Keep loss
// objects `static` or global on small targets.
#pragma once

#include "ember/fp.hpp"
#include "ember/nn/engine.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"
#include "ember/train/points.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ember::train {

namespace detail {

template <class Model>
struct RequireSmooth {
    static_assert(energy_net_t<Model>::activation::smooth,
                  "ember score matching needs a smooth activation: its loss contains second "
                  "derivatives of f, and relu's act'' is 0 almost everywhere. Use ember::Swish, "
                  "ember::Softplus or ember::Tanh for models trained by score matching.");
};

/// Points per chunk. The results do not depend on it (points are processed
/// in order); it trades memory against the overhead per chunk.
template <class T>
constexpr std::size_t chunk_points(std::size_t directions) noexcept {
    return simd::Pack<T>::width == 1 ? 4 : (directions >= 4 ? 4 : 16);
}

/// Copies points start .. start+G-1 of the batch into the rows of e.x and
/// zeroes e.gamma (score matching has no f term); pad rows repeat the first
/// point of the chunk. Returns the number of real points in the chunk.
template <class E, class T>
std::size_t gather(E& e, const Points<T>& batch, std::size_t start) noexcept {
    constexpr std::size_t G = E::points;
    constexpr std::size_t D = E::D;
    const std::size_t left = batch.count - start;
    const std::size_t valid = left < G ? left : G;
    for (std::size_t n = 0; n < G; ++n) {
        const T* src = batch[start + (n < valid ? n : 0)];
        for (std::size_t d = 0; d < D; ++d) e.x[n * E::DP + d] = src[d];
        e.gamma[n] = T(0);
    }
    return valid;
}

/// ok, or why a batch cannot be used: dimension_mismatch for points of the
/// wrong dimension, invalid_argument for an empty batch.
template <class T>
Status check_batch(const Points<T>& batch, std::size_t dim) noexcept {
    if (batch.dim != dim) return Status::dimension_mismatch;
    if (batch.count == 0 || batch.data == nullptr) return Status::invalid_argument;
    return Status::ok;
}

/// The loss value as a Status: non_finite_output when it is NaN or infinite.
template <class T>
Status finish(T total, T scale, T& loss) noexcept {
    loss = total * scale;
    return simd::is_finite(loss) ? Status::ok : Status::non_finite_output;
}

/// out[i] ~ N(0, 1) for i < n, from normal pairs in order (ember::fill_normal).
template <class T>
void fill_normal(Pcg32& rng, T* out, std::size_t n) noexcept {
    ember::fill_normal(rng, out, n);
}

/// Two 32-bit words of the Pcg32 stream per value would waste time for
/// Rademacher draws; one output gives one sign, as rademacher<T> does.
template <class T>
void fill_rademacher(Pcg32& rng, T* out, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) out[i] = rademacher<T>(rng);
}

} // namespace detail

/// Distribution of slicing directions.
enum class Projection : std::uint8_t {
    gaussian,   ///< v ~ N(0, I)
    rademacher, ///< v_i = +-1 with equal probability
};

namespace detail {

/// The M slicing directions of each point of a chunk, drawn in point,
/// projection, coordinate order into row m * G + n of e.v2; pad rows
/// (n >= valid) are zero and draw nothing.
template <std::size_t M, class E>
void draw_projections(E& e, Projection proj, Pcg32& rng, std::size_t valid) noexcept {
    using T = std::remove_reference_t<decltype(e.v2[0])>;
    constexpr std::size_t G = E::points;
    for (std::size_t n = 0; n < G; ++n)
        for (std::size_t m = 0; m < M; ++m) {
            T* v = e.v2 + (m * G + n) * E::DP;
            if (n >= valid) {
                for (std::size_t d = 0; d < E::D; ++d) v[d] = T(0);
            } else if (proj == Projection::gaussian) {
                fill_normal(rng, v, E::D);
            } else {
                fill_rademacher(rng, v, E::D);
            }
        }
}

} // namespace detail

/// Exact score matching (Hyvarinen 2005): per point
/// `sum_i [0.5 (d_i f)^2 + d_i^2 f]`, i.e. `0.5 |grad f|^2 + tr(Hess f)`, by
/// one second-order tangent per input dimension.
///
///     using Net = ember::Mlp<float, ember::Swish, 2, 64, 64>;
///     static ember::train::ExactScoreMatching<Net> sm;
///     float loss;
///     if (sm.loss_and_grad(net.data(), batch, rng, grad, loss) != ember::Status::ok) ...
template <class Model>
class ExactScoreMatching : detail::RequireSmooth<Model> {
public:
    using model_type = Model;
    using Spec = typename energy_net_t<Model>::spec_type;
    using T = typename Spec::value_type;
    static constexpr std::size_t D = Spec::input_dim;
    static constexpr std::size_t input_dim = D;
    using Engine = ember::Engine<Spec, detail::chunk_points<T>(D), 0, D, true>;
    static constexpr const char* name = "sm";
    /// Dense multiply-adds per training point (for throughput reports).
    static constexpr std::size_t macs_per_point = Engine::forward_macs + Engine::direction_macs;

    /// Mean loss over the batch; adds its parameter gradient to grad.
    Status loss_and_grad(const T* params, const Points<T>& batch, Pcg32& rng, T* grad,
                         T& loss) noexcept {
        (void)rng;
        if (const Status st = detail::check_batch(batch, D); st != Status::ok) return st;
        const fp::Scope fp_scope;
        constexpr std::size_t G = Engine::points;
        const T s = T(1) / static_cast<T>(batch.count);
        const T half(T(0.5));
        T total(0);
        rev_.prepare(params);
        const PassWeights<T> w{params, rev_.data()};
        for (std::size_t start = 0; start < batch.count; start += G) {
            const std::size_t valid = detail::gather(e_, batch, start);
            e_.forward(params);
            e_.tangents(params);
            for (std::size_t n = 0; n < G; ++n) {
                T point(0);
                for (std::size_t i = 0; i < D; ++i) {
                    const std::size_t c = i * G + n;
                    const T fd = e_.fdot2[c];
                    point += simd::fma(half * fd, fd, e_.fddot2[c]);
                    e_.alpha2[c] = n < valid ? fd * s : T(0);
                    e_.beta2[c] = n < valid ? s : T(0);
                }
                if (n < valid) total += point;
            }
            e_.backward(w, valid, grad);
        }
        return detail::finish(total, s, loss);
    }

    static constexpr std::size_t workspace_bytes = sizeof(Engine) + sizeof(ReverseWeights<Spec>);

private:
    Engine e_;
    ReverseWeights<Spec> rev_;
};

/// Sliced score matching (Song et al. 2019) with M projections per point:
/// `(1/M) sum_m [0.5 (v_m . grad f)^2 + v_m^T Hess f v_m]`.
template <class Model, std::size_t M = 1>
class SlicedScoreMatching : detail::RequireSmooth<Model> {
    static_assert(M >= 1, "sliced score matching needs at least one projection");

public:
    using model_type = Model;
    using Spec = typename energy_net_t<Model>::spec_type;
    using T = typename Spec::value_type;
    static constexpr std::size_t D = Spec::input_dim;
    static constexpr std::size_t input_dim = D;
    using Engine = ember::Engine<Spec, detail::chunk_points<T>(M), 0, M>;
    static constexpr const char* name = "ssm";
    /// Dense multiply-adds per training point (for throughput reports).
    static constexpr std::size_t macs_per_point = Engine::forward_macs + Engine::direction_macs;

    explicit SlicedScoreMatching(Projection proj = Projection::gaussian) noexcept : proj_(proj) {}

    /// The distribution of the slicing directions; invalid_argument (and no
    /// change) for a value outside the enumeration.
    Status set_projection(Projection proj) noexcept {
        if (proj != Projection::gaussian && proj != Projection::rademacher)
            return Status::invalid_argument;
        proj_ = proj;
        return Status::ok;
    }
    Projection projection() const noexcept { return proj_; }

    /// Mean loss over the batch (M directions per point drawn from rng in
    /// point, projection, coordinate order); adds its parameter gradient.
    Status loss_and_grad(const T* params, const Points<T>& batch, Pcg32& rng, T* grad,
                         T& loss) noexcept {
        if (const Status st = detail::check_batch(batch, D); st != Status::ok) return st;
        const fp::Scope fp_scope;
        constexpr std::size_t G = Engine::points;
        const T s = T(1) / static_cast<T>(batch.count);
        const T sm = s * (T(1) / static_cast<T>(M));
        const T inv_m = T(1) / static_cast<T>(M);
        const T half(T(0.5));
        T total(0);
        rev_.prepare(params);
        const PassWeights<T> w{params, rev_.data()};
        for (std::size_t start = 0; start < batch.count; start += G) {
            const std::size_t valid = detail::gather(e_, batch, start);
            detail::draw_projections<M>(e_, proj_, rng, valid);
            e_.forward(params);
            e_.tangents(params);
            for (std::size_t n = 0; n < G; ++n) {
                T point(0);
                for (std::size_t m = 0; m < M; ++m) {
                    const std::size_t c = m * G + n;
                    const T fd = e_.fdot2[c];
                    point += simd::fma(half * fd, fd, e_.fddot2[c]);
                    e_.alpha2[c] = n < valid ? fd * sm : T(0);
                    e_.beta2[c] = n < valid ? sm : T(0);
                }
                if (n < valid) total += point * inv_m;
            }
            e_.backward(w, valid, grad);
        }
        return detail::finish(total, s, loss);
    }

    static constexpr std::size_t workspace_bytes = sizeof(Engine) + sizeof(ReverseWeights<Spec>);

private:
    Engine e_;
    ReverseWeights<Spec> rev_;
    Projection proj_;
};

/// Sliced score matching, variance reduced: per point
/// `0.5 |grad f|^2 + (1/M) sum_m v_m^T Hess f v_m` (the first term exactly,
/// only the trace by projections).
template <class Model, std::size_t M = 1>
class SlicedScoreMatchingVR : detail::RequireSmooth<Model> {
    static_assert(M >= 1, "sliced score matching needs at least one projection");

public:
    using model_type = Model;
    using Spec = typename energy_net_t<Model>::spec_type;
    using T = typename Spec::value_type;
    static constexpr std::size_t D = Spec::input_dim;
    static constexpr std::size_t input_dim = D;
    using Engine = ember::Engine<Spec, detail::chunk_points<T>(M + 1), 1, M>;
    static constexpr const char* name = "ssm-vr";
    /// Dense multiply-adds per training point (for throughput reports).
    static constexpr std::size_t macs_per_point =
        Engine::forward_macs + Engine::grad_x_macs + Engine::direction_macs;

    explicit SlicedScoreMatchingVR(Projection proj = Projection::gaussian) noexcept : proj_(proj) {}

    /// The distribution of the slicing directions; invalid_argument (and no
    /// change) for a value outside the enumeration.
    Status set_projection(Projection proj) noexcept {
        if (proj != Projection::gaussian && proj != Projection::rademacher)
            return Status::invalid_argument;
        proj_ = proj;
        return Status::ok;
    }
    Projection projection() const noexcept { return proj_; }

    /// Mean loss over the batch; adds its parameter gradient to grad.
    Status loss_and_grad(const T* params, const Points<T>& batch, Pcg32& rng, T* grad,
                         T& loss) noexcept {
        if (const Status st = detail::check_batch(batch, D); st != Status::ok) return st;
        const fp::Scope fp_scope;
        constexpr std::size_t G = Engine::points;
        const T s = T(1) / static_cast<T>(batch.count);
        const T sm = s * (T(1) / static_cast<T>(M));
        const T inv_m = T(1) / static_cast<T>(M);
        const T half(T(0.5));
        T total(0);
        rev_.prepare(params);
        const PassWeights<T> w{params, rev_.data()};
        for (std::size_t start = 0; start < batch.count; start += G) {
            const std::size_t valid = detail::gather(e_, batch, start);
            detail::draw_projections<M>(e_, proj_, rng, valid);
            e_.forward(params);
            e_.grad_x(w);
            for (std::size_t k = 0; k < G * Engine::DP; ++k) e_.v1[k] = e_.gx[k];
            e_.tangents(params);
            for (std::size_t n = 0; n < G; ++n) {
                T g2(0);
                const T* g = e_.gx + n * Engine::DP;
                for (std::size_t d = 0; d < D; ++d) g2 = simd::fma(g[d], g[d], g2);
                T tr(0);
                for (std::size_t m = 0; m < M; ++m) {
                    const std::size_t c = m * G + n;
                    tr += e_.fddot2[c];
                    e_.alpha2[c] = T(0);
                    e_.beta2[c] = n < valid ? sm : T(0);
                }
                e_.alpha1[n] = n < valid ? s : T(0);
                if (n < valid) total += simd::fma(half, g2, tr * inv_m);
            }
            e_.backward(w, valid, grad);
        }
        return detail::finish(total, s, loss);
    }

    static constexpr std::size_t workspace_bytes = sizeof(Engine) + sizeof(ReverseWeights<Spec>);

private:
    Engine e_;
    ReverseWeights<Spec> rev_;
    Projection proj_;
};

/// Denoising score matching (Vincent 2010): per point, with x~ = x + sigma
/// eps and eps ~ N(0, I), `0.5 |sigma grad f(x~) + eps|^2` (the usual
/// `sigma^2/2 |grad f(x~) + eps/sigma|^2`, so several noise scales are
/// weighted by sigma^2). With a set of scales, point n of a batch uses
/// `sigmas[n % count]`.
template <class Model, std::size_t MaxSigmas = 8>
class DenoisingScoreMatching : detail::RequireSmooth<Model> {
    static_assert(MaxSigmas >= 1, "at least one noise scale");

public:
    using model_type = Model;
    using Spec = typename energy_net_t<Model>::spec_type;
    using T = typename Spec::value_type;
    static constexpr std::size_t D = Spec::input_dim;
    static constexpr std::size_t input_dim = D;
    using Engine = ember::Engine<Spec, detail::chunk_points<T>(1), 1, 0>;
    static constexpr const char* name = "dsm";
    /// Dense multiply-adds per training point (for throughput reports).
    static constexpr std::size_t macs_per_point =
        Engine::forward_macs + Engine::grad_x_macs + Engine::direction_macs;
    static constexpr std::size_t max_sigmas = MaxSigmas;

    /// One noise scale (default 0.1).
    explicit DenoisingScoreMatching(T sigma = T(0.1)) noexcept {
        sigmas_[0] = sigma;
        nsig_ = 1;
    }

    /// One noise scale; invalid_argument unless finite and > 0.
    Status set_sigma(T sigma) noexcept {
        const T one[1] = {sigma};
        return set_sigmas(Span<const T>(one, 1));
    }
    /// Several noise scales (1..MaxSigmas, each finite and > 0); on error the
    /// previous scales are kept.
    Status set_sigmas(Span<const T> sigmas) noexcept {
        if (sigmas.size() == 0 || sigmas.size() > MaxSigmas) return Status::invalid_argument;
        for (std::size_t i = 0; i < sigmas.size(); ++i)
            if (!simd::is_finite(sigmas[i]) || !(sigmas[i] > T(0))) return Status::invalid_argument;
        for (std::size_t i = 0; i < sigmas.size(); ++i) sigmas_[i] = sigmas[i];
        nsig_ = sigmas.size();
        return Status::ok;
    }
    T sigma(std::size_t i = 0) const noexcept { return sigmas_[i]; }
    std::size_t sigma_count() const noexcept { return nsig_; }

    /// Mean loss over the batch (eps drawn from rng in point, coordinate
    /// order); adds its parameter gradient to grad.
    Status loss_and_grad(const T* params, const Points<T>& batch, Pcg32& rng, T* grad,
                         T& loss) noexcept {
        if (const Status st = detail::check_batch(batch, D); st != Status::ok) return st;
        const fp::Scope fp_scope;
        constexpr std::size_t G = Engine::points;
        const T s = T(1) / static_cast<T>(batch.count);
        const T half(T(0.5));
        T total(0);
        rev_.prepare(params);
        const PassWeights<T> w{params, rev_.data()};
        for (std::size_t start = 0; start < batch.count; start += G) {
            const std::size_t valid = detail::gather(e_, batch, start);
            for (std::size_t n = 0; n < G; ++n) {
                sig_[n] = sigmas_[nsig_ == 1 ? 0 : (start + n) % nsig_];
                T* eps = eps_ + n * D;
                if (n < valid) {
                    detail::fill_normal(rng, eps, D);
                } else {
                    for (std::size_t d = 0; d < D; ++d) eps[d] = T(0);
                }
                T* x = e_.x + n * Engine::DP;
                for (std::size_t d = 0; d < D; ++d) x[d] = simd::fma(sig_[n], eps[d], x[d]);
            }
            e_.forward(params);
            e_.grad_x(w);
            for (std::size_t n = 0; n < G; ++n) {
                T r2(0);
                const T* g = e_.gx + n * Engine::DP;
                T* v = e_.v1 + n * Engine::DP;
                for (std::size_t d = 0; d < D; ++d) {
                    const T r = simd::fma(sig_[n], g[d], eps_[n * D + d]);
                    v[d] = r;
                    r2 = simd::fma(r, r, r2);
                }
                e_.alpha1[n] = n < valid ? sig_[n] * s : T(0);
                if (n < valid) total += half * r2;
            }
            e_.tangents(params);
            e_.backward(w, valid, grad);
        }
        return detail::finish(total, s, loss);
    }

    static constexpr std::size_t workspace_bytes = sizeof(Engine) + sizeof(ReverseWeights<Spec>);

private:
    Engine e_;
    ReverseWeights<Spec> rev_;
    alignas(EMBER_ALIGN) T eps_[Engine::points * D] = {};
    T sig_[Engine::points];
    T sigmas_[MaxSigmas] = {};
    std::size_t nsig_ = 1;
};

} // namespace ember::train
