// ember — a Gaussian fitted to data: the noise distribution of
// noise-contrastive estimation (train/nce.hpp), with exact log-density and
// sampling, in fixed-size storage.
#pragma once

#include "ember/config.hpp"
#include "ember/math.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ember::train {

/// Shape of a GaussianNoise covariance.
enum class Covariance : std::uint8_t {
    full,     ///< D x D covariance through its Cholesky factor (D^2 values)
    diagonal, ///< independent coordinates (D values; for large D)
};

/// N(mu, Sigma) in D dimensions: fitted to data (sample mean and 1/N
/// covariance plus a small ridge) or set directly; exact log-density and
/// sampling through the Cholesky factor Sigma = L L^T. The noise concept of
/// NoiseContrastiveEstimation: `log_density(x)` and `sample(rng, x)`.
///
///     ember::train::GaussianNoise<float, 2> noise;                 // full covariance
///     if (noise.fit({data, 2 * n}) != ember::Status::ok) ...       // n points (x, y)
///     float y[2];
///     noise.sample(rng, y);
///     const float lp = noise.log_density(y);
///
/// Sums run in index order with explicit fma (the same bits everywhere).
template <class T, std::size_t D, Covariance Cov = Covariance::full>
class GaussianNoise {
    static_assert(std::is_floating_point_v<T>, "GaussianNoise<T, D>: T is float or double");
    static_assert(D >= 1, "GaussianNoise needs D >= 1");
    static constexpr std::size_t kFactor = Cov == Covariance::full ? D * D : D;

public:
    using value_type = T;
    static constexpr std::size_t dim = D;
    static constexpr Covariance covariance = Cov;

    /// The standard normal N(0, I) until fit() or set() succeed.
    GaussianNoise() noexcept {
        for (std::size_t i = 0; i < D; ++i) {
            mu_[i] = T(0);
            if constexpr (Cov == Covariance::full) {
                for (std::size_t j = 0; j < D; ++j) l_[i * D + j] = i == j ? T(1) : T(0);
            } else {
                l_[i] = T(1);
            }
        }
        finish();
    }

    /// Fits mean and covariance to `points` (count * D values, row-major):
    /// Sigma = (1/N) sum (x - mu)(x - mu)^T + ridge * (tr Sigma / D + tiny) I,
    /// the diagonal only for Covariance::diagonal. dimension_mismatch unless
    /// the size is a positive multiple of D; non_finite_input for NaN/inf
    /// data; invalid_argument for a ridge that is not finite and >= 0, or a
    /// covariance that is not positive definite (e.g. a constant coordinate
    /// with ridge 0). On error the previous distribution is kept.
    Status fit(Span<const T> points, T ridge = T(1e-4)) noexcept {
        if (points.size() == 0 || points.size() % D != 0) return Status::dimension_mismatch;
        if (!simd::is_finite(ridge) || !(ridge >= T(0))) return Status::invalid_argument;
        for (std::size_t i = 0; i < points.size(); ++i)
            if (!simd::is_finite(points[i])) return Status::non_finite_input;
        const std::size_t n = points.size() / D;
        const T inv_n = simd::div(T(1), static_cast<T>(n));
        T mu[D];
        for (std::size_t i = 0; i < D; ++i) {
            T s(0);
            for (std::size_t k = 0; k < n; ++k) s += points[k * D + i];
            mu[i] = s * inv_n;
        }
        T cov[kFactor];
        for (std::size_t i = 0; i < kFactor; ++i) cov[i] = T(0);
        for (std::size_t k = 0; k < n; ++k) {
            const T* x = points.data() + k * D;
            for (std::size_t i = 0; i < D; ++i) {
                const T di = x[i] - mu[i];
                if constexpr (Cov == Covariance::full) {
                    for (std::size_t j = 0; j <= i; ++j)
                        cov[i * D + j] = simd::fma(di, x[j] - mu[j], cov[i * D + j]);
                } else {
                    cov[i] = simd::fma(di, di, cov[i]);
                }
            }
        }
        T trace(0);
        for (std::size_t i = 0; i < D; ++i) {
            for (std::size_t j = 0; j <= (Cov == Covariance::full ? i : 0); ++j)
                at(cov, i, Cov == Covariance::full ? j : i) *= inv_n;
            trace += at(cov, i, i);
        }
        const T tiny = std::is_same_v<T, float> ? T(1e-30f) : T(1e-300);
        const T add = ridge * (simd::div(trace, static_cast<T>(D)) + tiny);
        for (std::size_t i = 0; i < D; ++i) at(cov, i, i) += add;
        return install(mu, cov);
    }

    /// Sets mean `mean[D]` and covariance `cov` (row-major D x D, symmetric;
    /// Covariance::diagonal reads its diagonal). non_finite_input for NaN/inf,
    /// invalid_argument unless positive definite; on error nothing changes.
    Status set(const T* mean, const T* cov) noexcept {
        for (std::size_t i = 0; i < D; ++i) {
            if (!simd::is_finite(mean[i])) return Status::non_finite_input;
            for (std::size_t j = 0; j < D; ++j)
                if (!simd::is_finite(cov[i * D + j])) return Status::non_finite_input;
        }
        T c[kFactor];
        for (std::size_t i = 0; i < D; ++i) {
            if constexpr (Cov == Covariance::full) {
                for (std::size_t j = 0; j < D; ++j) c[i * D + j] = cov[i * D + j];
            } else {
                c[i] = cov[i * D + i];
            }
        }
        return install(mean, c);
    }

    /// log N(x; mu, Sigma) = -|L^-1 (x - mu)|^2 / 2 - sum log L_ii - D/2 log 2 pi.
    T log_density(const T* x) const noexcept {
        T y[D];
        T q(0);
        for (std::size_t i = 0; i < D; ++i) {
            T r = x[i] - mu_[i];
            if constexpr (Cov == Covariance::full)
                for (std::size_t j = 0; j < i; ++j) r = simd::fma(-l_[i * D + j], y[j], r);
            y[i] = r * inv_diag_[i];
            q = simd::fma(y[i], y[i], q);
        }
        return simd::fma(T(-0.5), q, log_norm_);
    }

    /// x = mu + L z with z ~ N(0, I) drawn from rng (ember::fill_normal order).
    void sample(Pcg32& rng, T* x) const noexcept {
        T z[D];
        fill_normal(rng, z, D);
        for (std::size_t i = 0; i < D; ++i) {
            T s = mu_[i];
            if constexpr (Cov == Covariance::full) {
                for (std::size_t j = 0; j <= i; ++j) s = simd::fma(l_[i * D + j], z[j], s);
            } else {
                s = simd::fma(l_[i], z[i], s);
            }
            x[i] = s;
        }
    }

    /// Mean mu[D].
    const T* mean() const noexcept { return mu_; }
    /// Entry (i, j) of the lower Cholesky factor L (0 above the diagonal;
    /// off the diagonal 0 for Covariance::diagonal).
    T cholesky(std::size_t i, std::size_t j) const noexcept {
        if constexpr (Cov == Covariance::full) {
            return j <= i ? l_[i * D + j] : T(0);
        } else {
            return i == j ? l_[i] : T(0);
        }
    }
    /// log det Sigma.
    T log_det() const noexcept { return T(-2) * (log_norm_ + T(0.5) * T(D) * kLog2Pi); }

private:
    static constexpr T kLog2Pi = T(1.8378770664093454835606594728112353L);

    static T& at(T* c, std::size_t i, std::size_t j) noexcept {
        if constexpr (Cov == Covariance::full) {
            return c[i * D + j];
        } else {
            (void)j;
            return c[i];
        }
    }

    // Cholesky of the lower triangle of cov (in place), then install.
    Status install(const T* mu, T* c) noexcept {
        for (std::size_t j = 0; j < D; ++j) {
            T djj = at(c, j, j);
            if constexpr (Cov == Covariance::full)
                for (std::size_t k = 0; k < j; ++k)
                    djj = simd::fma(-c[j * D + k], c[j * D + k], djj);
            if (!(djj > T(0)) || !simd::is_finite(djj)) return Status::invalid_argument;
            const T ljj = simd::sqrt(djj);
            at(c, j, j) = ljj;
            if constexpr (Cov == Covariance::full) {
                for (std::size_t i = j + 1; i < D; ++i) {
                    T s = c[i * D + j];
                    for (std::size_t k = 0; k < j; ++k)
                        s = simd::fma(-c[i * D + k], c[j * D + k], s);
                    c[i * D + j] = simd::div(s, ljj);
                }
            }
        }
        for (std::size_t i = 0; i < D; ++i) {
            mu_[i] = mu[i];
            if constexpr (Cov == Covariance::full) {
                for (std::size_t j = 0; j < D; ++j) l_[i * D + j] = j <= i ? c[i * D + j] : T(0);
            } else {
                l_[i] = c[i];
            }
        }
        finish();
        return Status::ok;
    }

    void finish() noexcept {
        T s(0);
        for (std::size_t i = 0; i < D; ++i) {
            const T lii = cholesky(i, i);
            inv_diag_[i] = simd::div(T(1), lii);
            s += math::log(lii);
        }
        log_norm_ = -(s + T(0.5) * T(D) * kLog2Pi);
    }

    alignas(EMBER_ALIGN) T mu_[D];
    alignas(EMBER_ALIGN) T l_[kFactor];
    T inv_diag_[D];
    T log_norm_ = T(0); ///< -sum log L_ii - D/2 log 2 pi
};

} // namespace ember::train
