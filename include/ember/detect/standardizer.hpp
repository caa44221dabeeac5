// ember — per-feature standardisation z = (x - mean) / scale for the anomaly
// detector (detect/anomaly_detector.hpp), fitted on training data, in
// fixed-size storage.
#pragma once

#include "ember/config.hpp"
#include "ember/fp.hpp"
#include "ember/math.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <type_traits>

namespace ember::detect {

/// z_i = (x_i - mean_i) / scale_i for D features.
///
///     ember::detect::Standardizer<float, 16> st;
///     if (st.fit({rows, 16 * n}) != ember::Status::ok) ...   // n rows, row-major
///     float z[16];
///     st.apply(x, z);
///
/// fit() takes the sample mean and the 1/N standard deviation of every
/// feature, then floors the scale so that no feature divides by zero:
///
///     scale_i = max(std_i, floor_rel * mean_j(std_j), floor_abs)
///
/// A feature that was constant in training (std 0) gets the floor: any later
/// change of it shows as a large |z_i| (and a high energy), never as a NaN.
/// apply() multiplies by the stored 1/scale_i (one rounding less per call is
/// not worth a divide per feature on a microcontroller); log_scale_sum() is
/// sum_i log scale_i, the log-Jacobian that log p(x) subtracts.
/// Sums run in index order with explicit fma (the same bits everywhere).
/// Until fit() or set() succeed it is the identity (mean 0, scale 1).
template <class T, std::size_t D>
class Standardizer {
    static_assert(std::is_floating_point_v<T>, "Standardizer<T, D>: T is float or double");
    static_assert(D >= 1, "Standardizer needs D >= 1");

public:
    using value_type = T;
    static constexpr std::size_t dim = D;
    /// Default floor_abs: small, but 1/floor_abs is far from overflow.
    static constexpr T default_floor_abs = std::is_same_v<T, float> ? T(1e-12f) : T(1e-150);

    Standardizer() noexcept {
        for (std::size_t i = 0; i < D; ++i) {
            mean_[i] = T(0);
            scale_[i] = T(1);
            inv_scale_[i] = T(1);
        }
    }

    /// Fits mean and scale to `rows` (n * D values, row-major, n >= 2).
    /// dimension_mismatch unless the size is a positive multiple of D;
    /// invalid_argument for a single row, or for floor_rel / floor_abs that
    /// are not finite with floor_rel >= 0 and floor_abs > 0; non_finite_input
    /// for NaN/inf data; non_finite_output if the variance overflows (values
    /// near the largest finite T). On error the previous fit is kept.
    Status fit(Span<const T> rows, T floor_rel = T(1e-3),
               T floor_abs = default_floor_abs) noexcept {
        if (rows.size() == 0 || rows.size() % D != 0) return Status::dimension_mismatch;
        if (rows.size() / D < 2) return Status::invalid_argument;
        if (!simd::is_finite(floor_rel) || !(floor_rel >= T(0)) || !simd::is_finite(floor_abs) ||
            !(floor_abs > T(0)))
            return Status::invalid_argument;
        for (std::size_t k = 0; k < rows.size(); ++k)
            if (!simd::is_finite(rows[k])) return Status::non_finite_input;
        const fp::Scope fp_scope;
        fp::pin(floor_rel, floor_abs);
        const std::size_t n = rows.size() / D;
        const T inv_n = simd::div(T(1), static_cast<T>(n));
        T mu[D], sd[D];
        for (std::size_t i = 0; i < D; ++i) {
            T s(0);
            for (std::size_t k = 0; k < n; ++k) s += rows[k * D + i];
            mu[i] = s * inv_n;
        }
        T sd_sum(0);
        for (std::size_t i = 0; i < D; ++i) {
            T v(0);
            for (std::size_t k = 0; k < n; ++k) {
                const T d = rows[k * D + i] - mu[i];
                v = simd::fma(d, d, v);
            }
            sd[i] = simd::sqrt(v * inv_n);
            sd_sum += sd[i];
        }
        // An overflowing variance (|x| near the largest finite value) is not
        // a usable fit.
        if (!simd::is_finite(sd_sum)) return Status::non_finite_output;
        const T floor = simd::max(floor_rel * simd::div(sd_sum, static_cast<T>(D)), floor_abs);
        for (std::size_t i = 0; i < D; ++i) sd[i] = simd::max(sd[i], floor);
        install(mu, sd);
        return Status::ok;
    }

    /// Sets mean[D] and scale[D] directly (e.g. exported with the weights).
    /// non_finite_input for NaN/inf, invalid_argument unless every scale is
    /// > 0 with a finite 1/scale; on error nothing changes.
    Status set(const T* mean, const T* scale) noexcept {
        for (std::size_t i = 0; i < D; ++i)
            if (!simd::is_finite(mean[i]) || !simd::is_finite(scale[i]))
                return Status::non_finite_input;
        const fp::Scope fp_scope;
        for (std::size_t i = 0; i < D; ++i)
            if (!(scale[i] > T(0)) || !simd::is_finite(simd::div(T(1), scale[i])))
                return Status::invalid_argument;
        install(mean, scale);
        return Status::ok;
    }

    /// z[i] = (x[i] - mean[i]) * (1 / scale[i]) (unchecked; z may alias x).
    /// Runs in the caller's floating-point mode: call it inside an
    /// fp::Scope (the detector does).
    void apply(const T* x, T* z) const noexcept {
        for (std::size_t i = 0; i < D; ++i) z[i] = (x[i] - mean_[i]) * inv_scale_[i];
    }

    const T* mean() const noexcept { return mean_; }
    const T* scale() const noexcept { return scale_; }
    /// sum_i log scale_i: log p(x) = log p_z(z) - log_scale_sum().
    T log_scale_sum() const noexcept { return log_scale_sum_; }

private:
    void install(const T* mu, const T* sc) noexcept {
        T ls(0);
        for (std::size_t i = 0; i < D; ++i) {
            mean_[i] = mu[i];
            scale_[i] = sc[i];
            inv_scale_[i] = simd::div(T(1), sc[i]);
            ls += math::log(sc[i]);
        }
        log_scale_sum_ = ls;
    }

    alignas(EMBER_ALIGN) T mean_[D];
    alignas(EMBER_ALIGN) T scale_[D];
    alignas(EMBER_ALIGN) T inv_scale_[D];
    T log_scale_sum_ = T(0);
};

} // namespace ember::detect
