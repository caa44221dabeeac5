// ember — on-device anomaly detection with an energy-based model: per-feature
// standardisation, the energy score, a threshold calibrated for a target
// false-alarm rate (in a batch, or from a stream in fixed memory), alarm
// logic, and log p(x) when the model carries log Z. See docs/detector.md.
#pragma once

#include "ember/config.hpp"
#include "ember/detect/alarm.hpp"
#include "ember/detect/quantile.hpp"
#include "ember/detect/standardizer.hpp"
#include "ember/fp.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace ember::detect {

/// What check() says about one sample.
template <class T>
struct Verdict {
    T energy = T(0);         ///< -f(z), z the standardised sample
    bool is_anomaly = false; ///< energy > threshold (this sample alone)
    bool alarm = false;      ///< the alarm logic's state after this sample
};

namespace detail {

template <class M, class = void>
struct has_log_z : std::false_type {};
template <class Net, class T, class... Rest>
struct has_log_z<Model<Net, Scalar<T>, Rest...>, void> : std::true_type {};

} // namespace detail

/// An anomaly detector over a compile-time energy model M: an MLP (`Mlp`,
/// `MlpView`) or an `ember::Model` whose block 0 is the MLP f (and, for
/// log_density(), whose block 1 is the learned log Z, `Scalar<T>`). The
/// network must have been trained on standardised inputs z = (x - mean) /
/// scale with this detector's standardisation.
///
///     using Net = ember::Mlp<float, ember::Swish, 16, 64, 64>;
///     using M = ember::Model<Net, ember::Scalar<float>>;
///     extern const float weights[M::param_count];          // may live in flash
///     static ember::detect::AnomalyDetector<M> det(weights);
///     det.set_standardizer(mean, scale);                    // exported with the weights
///     det.calibrate({held_out, 16 * n}, 0.01f, {scratch, n}); // 1 % false alarms
///     ember::detect::Verdict<float> v;
///     if (det.check(x, v) == ember::Status::ok && v.alarm) ...
///
/// - score: energy(x) = -f(z); high energy = unlikely. With a Gaussian base
///   (set_base), energy(x) = -f(z) + |A z|^2 / 2.
/// - threshold: a sample is anomalous when energy > threshold. calibrate()
///   sets it to the exact (1 - rate)-quantile of held-out normal scores;
///   begin_recalibration() / observe_normal() / apply_recalibration()
///   estimate the same quantile from a stream (P2Quantile, fixed memory);
///   set_threshold() sets it directly at any time. +infinity (no anomalies)
///   until one of them succeeds.
/// - alarm: the Alarm policy (KOfN<8> with k = 3 by default, or
///   Hysteresis<T>) turns per-sample decisions into an alarm; alarm() gives
///   it for configuration.
/// - input checks, before anything changes: non_finite_input for a NaN/inf
///   value, out_of_range_input when some |z_i| exceeds input_bound() (1e6
///   by default), non_finite_output if f is not finite. A call that returns
///   anything but ok has changed no state (alarm window, P-square markers,
///   threshold) and no output.
///
/// The detector keeps a pointer to the parameters (which must outlive it),
/// so several detectors (per application: own threshold, alarm, bound) can
/// share one set of weights in flash. Not thread-safe for writers.
template <class M, class Alarm = KOfN<8>>
class AnomalyDetector {
public:
    using model_type = M;
    using net_type = energy_net_t<M>;
    using T = typename net_type::value_type;
    using value_type = T;
    using view_type = typename net_type::view_type;
    using alarm_type = Alarm;
    static constexpr std::size_t input_dim = net_type::input_dim;
    /// Whether log_density() is available (M = Model<Net, Scalar<T>, ...>).
    static constexpr bool has_log_density = detail::has_log_z<M>::value;
    static constexpr T default_input_bound = T(1e6);

    /// Bound to nothing: every computing call returns invalid_argument until
    /// rebind().
    AnomalyDetector() noexcept = default;
    /// Over the parameter vector of M (M::param_count values: for a Model,
    /// all blocks; they must outlive the detector).
    explicit AnomalyDetector(const T* params) noexcept : params_(params) {}
    /// Over the parameters of `model` (kept by pointer: not a temporary).
    explicit AnomalyDetector(const M& model) noexcept : params_(model.data()) {}

    void rebind(const T* params) noexcept { params_ = params; }
    const T* params() const noexcept { return params_; }

    // --- standardisation ---------------------------------------------------

    /// Standardizer::fit on training rows (n * input_dim values).
    Status fit_standardizer(Span<const T> rows, T floor_rel = T(1e-3),
                            T floor_abs = Standardizer<T, input_dim>::default_floor_abs) noexcept {
        return standardizer_.fit(rows, floor_rel, floor_abs);
    }
    /// Standardizer::set (mean[input_dim], scale[input_dim]).
    Status set_standardizer(const T* mean, const T* scale) noexcept {
        return standardizer_.set(mean, scale);
    }
    const Standardizer<T, input_dim>& standardizer() const noexcept { return standardizer_; }

    /// Largest accepted |z_i|; invalid_argument (unchanged) unless finite and > 0.
    Status set_input_bound(T bound) noexcept {
        if (!simd::is_finite(bound) || !(bound > T(0))) return Status::invalid_argument;
        input_bound_ = bound;
        return Status::ok;
    }
    T input_bound() const noexcept { return input_bound_; }

    // --- Gaussian base ------------------------------------------------------

    /// Values of the base's whitening matrix: its lower triangle.
    static constexpr std::size_t base_size = input_dim * (input_dim + 1) / 2;

    /// Adds a Gaussian base to the energy: energy = -f(z) + |A z|^2 / 2, A
    /// the lower-triangular matrix in `whitening` (base_size values, row by
    /// row: A00, A10, A11, A20, ...; kept by pointer, e.g. in flash). The
    /// model is then p(z) proportional to N(z; 0, (A^T A)^-1) exp(f(z)): the
    /// network learns the log-ratio to a Gaussian (what `ember train` does,
    /// noise-contrastive estimation with the Gaussian as the noise), and
    /// starts as the Mahalanobis detector. nullptr removes it.
    void set_base(const T* whitening) noexcept { base_ = whitening; }
    const T* base() const noexcept { return base_; }

    // --- scoring -------------------------------------------------------------

    /// energy = -f(z) of x[input_dim]. Changes nothing but `energy` (on ok).
    Status score(const T* x, T& energy) const noexcept { return energy_of(x, energy); }

    /// Scores x, compares with the threshold and updates the alarm logic.
    /// On error neither `out` nor the alarm state change.
    Status check(const T* x, Verdict<T>& out) noexcept {
        T e;
        if (const Status s = energy_of(x, e); s != Status::ok) return s;
        const fp::Scope fp_scope;
        Verdict<T> v;
        v.energy = e;
        v.is_anomaly = e > threshold_;
        v.alarm = alarm_.update(e, threshold_);
        out = v;
        return Status::ok;
    }

    /// log p(x) = -energy(z) - log Z - sum_i log scale_i (with no base,
    /// -energy = f), the model's normalised
    /// log-density of the raw x (the last term is the Jacobian of the
    /// standardisation). Only for M = Model<Net, Scalar<T>, ...> (log Z in
    /// block 1, e.g. trained by noise-contrastive estimation).
    Status log_density(const T* x, T& out) const noexcept {
        static_assert(has_log_density,
                      "AnomalyDetector::log_density needs M = ember::Model<Net, ember::Scalar<T>>");
        T f;
        if (const Status s = value_of(x, f); s != Status::ok) return s;
        const fp::Scope fp_scope;
        T lp = f - params_[M::template offset<1>] - standardizer_.log_scale_sum();
        fp::pin(lp);
        if (!simd::is_finite(lp)) return Status::non_finite_output;
        out = lp;
        return Status::ok;
    }

    // --- threshold -----------------------------------------------------------

    /// Sets the threshold; non_finite_input (unchanged) for NaN/inf.
    Status set_threshold(T threshold) noexcept {
        if (!simd::is_finite(threshold)) return Status::non_finite_input;
        threshold_ = threshold;
        return Status::ok;
    }
    T threshold() const noexcept { return threshold_; }

    /// Batch calibration: the threshold becomes the exact (1 - rate)-quantile
    /// (quantile_of, type 7) of the energies of `normal_rows` (n * input_dim
    /// values of held-out normal data), so that a fraction `rate` of such
    /// data scores above it. `scratch` (at least n values) receives the
    /// energies, sorted. dimension_mismatch for a ragged or empty batch or a
    /// short scratch, invalid_argument unless 0 < rate < 1, and the first
    /// row's error (non_finite_input, out_of_range_input, non_finite_output);
    /// on error the threshold is unchanged (scratch may be written).
    /// Take n with n * rate >= 20 or so: the quantile of fewer tail points is noisy.
    Status calibrate(Span<const T> normal_rows, T false_alarm_rate, Span<T> scratch) noexcept {
        if (normal_rows.empty() || normal_rows.size() % input_dim != 0)
            return Status::dimension_mismatch;
        const std::size_t n = normal_rows.size() / input_dim;
        if (scratch.size() < n) return Status::dimension_mismatch;
        if (!(false_alarm_rate > T(0)) || !(false_alarm_rate < T(1)))
            return Status::invalid_argument;
        for (std::size_t r = 0; r < n; ++r)
            if (const Status s = energy_of(normal_rows.data() + r * input_dim, scratch[r]);
                s != Status::ok)
                return s;
        T p;
        {
            const fp::Scope fp_scope;
            fp::pin(false_alarm_rate);
            p = T(1) - false_alarm_rate;
            fp::pin(p);
        }
        T t;
        if (const Status s = quantile_of(scratch.subspan(0, n), p, t); s != Status::ok) return s;
        threshold_ = t;
        return Status::ok;
    }

    /// Starts a streaming recalibration at `rate`: forgets the markers and
    /// estimates the (1 - rate)-quantile of the energies observe_normal()
    /// sees. The threshold in use is not touched until apply_recalibration().
    /// invalid_argument (nothing changes) unless 0 < rate < 1.
    Status begin_recalibration(T false_alarm_rate) noexcept {
        if (!(false_alarm_rate > T(0)) || !(false_alarm_rate < T(1)))
            return Status::invalid_argument;
        const fp::Scope fp_scope;
        fp::pin(false_alarm_rate);
        T p = T(1) - false_alarm_rate;
        fp::pin(p);
        return stream_.reset(p);
    }

    /// Scores x (known normal) and feeds its energy to the streaming
    /// quantile. Errors as score(); on error the markers do not change.
    Status observe_normal(const T* x) noexcept {
        T e;
        if (const Status s = energy_of(x, e); s != Status::ok) return s;
        return stream_.observe(e);
    }

    /// Feeds an energy already computed (e.g. Verdict::energy of a sample
    /// known to be normal) to the streaming quantile: saves a forward pass.
    Status observe_normal_energy(T energy) noexcept { return stream_.observe(energy); }

    /// The threshold becomes the streaming estimate. invalid_argument
    /// (threshold unchanged) before `min_count` observations (and before
    /// the first). Take min_count >= 20 / rate.
    Status apply_recalibration(std::uint64_t min_count) noexcept {
        if (stream_.count() == 0 || stream_.count() < min_count) return Status::invalid_argument;
        T t;
        if (const Status s = stream_.value(t); s != Status::ok) return s;
        threshold_ = t;
        return Status::ok;
    }
    const P2Quantile<T>& recalibration() const noexcept { return stream_; }

    // --- alarm ---------------------------------------------------------------

    Alarm& alarm() noexcept { return alarm_; }
    const Alarm& alarm() const noexcept { return alarm_; }
    void reset_alarm() noexcept { alarm_.reset(); }

private:
    view_type net() const noexcept { return view_type(params_); }

    // -energy of the standardised x: f(z), minus the base's quadratic form
    // when there is one; with every input check.
    Status value_of(const T* x, T& f) const noexcept {
        T e;
        if (const Status s = energy_of(x, e); s != Status::ok) return s;
        f = -e;
        return Status::ok;
    }

    Status energy_of(const T* x, T& energy) const noexcept {
        if (params_ == nullptr) return Status::invalid_argument;
        for (std::size_t i = 0; i < input_dim; ++i)
            if (!simd::is_finite(x[i])) return Status::non_finite_input;
        const fp::Scope fp_scope;
        alignas(EMBER_ALIGN) T z[input_dim];
        standardizer_.apply(x, z);
        for (std::size_t i = 0; i < input_dim; ++i)
            if (!(simd::abs(z[i]) <= input_bound_)) return Status::out_of_range_input;
        T e = -net().value(z);
        if (base_ != nullptr) {
            const T q = input_dim <= 16 ? base_term_unrolled(z) : base_term(z);
            e = simd::fma(T(0.5), q, e);
        }
        fp::pin(e);
        if (!simd::is_finite(e)) return Status::non_finite_output;
        energy = e;
        return Status::ok;
    }

    // q = |A z|^2: rows of the lower triangle in order, each a sum in index
    // order with explicit fma (both versions: the same operations).
    T base_term(const T* z) const noexcept {
        T q(0);
        const T* a = base_;
        for (std::size_t i = 0; i < input_dim; ++i) {
            T r(0);
            for (std::size_t j = 0; j <= i; ++j) r = simd::fma(a[j], z[j], r);
            a += i + 1;
            q = simd::fma(r, r, q);
        }
        return q;
    }
    // Fully unrolled for small D: z stays in registers, two instructions per
    // multiply-add on a Cortex-M4F (about 300 instead of 800 at D = 16).
    T base_term_unrolled(const T* z) const noexcept {
        T q(0);
        const T* a = base_;
#pragma GCC unroll 16
        for (std::size_t i = 0; i < (input_dim <= 16 ? input_dim : 1); ++i) {
            T r(0);
#pragma GCC unroll 16
            for (std::size_t j = 0; j < 16; ++j)
                if (j <= i) r = simd::fma(a[j], z[j], r);
            a += i + 1;
            q = simd::fma(r, r, q);
        }
        return q;
    }

    const T* params_ = nullptr;
    const T* base_ = nullptr;
    Standardizer<T, input_dim> standardizer_;
    T threshold_ = std::numeric_limits<T>::infinity();
    T input_bound_ = default_input_bound;
    P2Quantile<T> stream_{};
    Alarm alarm_{};
};

} // namespace ember::detect
