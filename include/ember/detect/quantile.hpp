// ember — quantiles for threshold calibration: the exact quantile of a
// batch (sorted in place, no allocation) and the P-square streaming
// estimator of one quantile in fixed memory.
#pragma once

#include "ember/fp.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace ember::detect {

/// Sorts `v` ascending in place by heap sort (O(n log n), no allocation,
/// no recursion). NaN-free input only (quantile_of checks).
template <class T>
void heap_sort(Span<T> v) noexcept {
    const std::size_t n = v.size();
    auto sift = [&](std::size_t root, std::size_t end) {
        while (2 * root + 1 < end) {
            std::size_t child = 2 * root + 1;
            if (child + 1 < end && v[child] < v[child + 1]) ++child;
            if (!(v[root] < v[child])) return;
            const T t = v[root];
            v[root] = v[child];
            v[child] = t;
            root = child;
        }
    };
    for (std::size_t i = n / 2; i-- > 0;) sift(i, n);
    for (std::size_t end = n; end-- > 1;) {
        const T t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift(0, end);
    }
}

/// The p-quantile of `values` by linear interpolation between order
/// statistics (Hyndman & Fan type 7, numpy's default): with the values
/// sorted ascending s[0..n-1] and h = p (n - 1), out = s[floor h] +
/// (h - floor h) (s[floor h + 1] - s[floor h]). Sorts `values` in place (the
/// caller's buffer is the workspace). dimension_mismatch for an empty span,
/// invalid_argument unless 0 <= p <= 1, non_finite_input for a NaN/inf
/// value (then nothing is sorted and `out` is untouched).
template <class T>
Status quantile_of(Span<T> values, T p, T& out) noexcept {
    static_assert(std::is_floating_point_v<T>, "quantile_of: T is float or double");
    if (values.empty()) return Status::dimension_mismatch;
    if (!(p >= T(0)) || !(p <= T(1))) return Status::invalid_argument;
    for (std::size_t i = 0; i < values.size(); ++i)
        if (!simd::is_finite(values[i])) return Status::non_finite_input;
    const fp::Scope fp_scope;
    fp::pin(p);
    heap_sort(values);
    const T h = p * static_cast<T>(values.size() - 1);
    std::size_t lo = static_cast<std::size_t>(h);
    if (lo > values.size() - 1) lo = values.size() - 1;
    const std::size_t hi = lo + 1 < values.size() ? lo + 1 : lo;
    const T frac = h - static_cast<T>(lo);
    // (1 - frac) s_lo + frac s_hi: exact at frac = 0, no overflow of s_hi - s_lo.
    T q = simd::fma(frac, values[hi], (T(1) - frac) * values[lo]);
    fp::pin(q);
    out = q;
    return Status::ok;
}

/// One quantile of a stream in fixed memory: the P-square algorithm of Jain &
/// Chlamtac (Communications of the ACM 28(10), 1985). Five markers hold the
/// minimum, the p/2-, p-, (1+p)/2-quantile estimates and the maximum; every
/// observation moves the marker positions, and a marker that is a whole
/// position away from where it should be is moved one step, its height
/// adjusted by the piecewise-parabolic (P^2) formula, or linearly when that
/// would leave the neighbours' interval.
///
///     ember::detect::P2Quantile<float> q;
///     if (q.reset(0.99f) != ember::Status::ok) ...
///     for (...) if (q.observe(score) != ember::Status::ok) ...
///     float t;
///     if (q.value(t) == ember::Status::ok) ...    // the 0.99-quantile so far
///
/// Deterministic: the desired marker positions are tracked in 32.32 fixed
/// point relative to the actual positions (integers), so no rounding error
/// accumulates however long the stream; the heights use IEEE + - * / only.
/// Until five values are in, value() is the exact type-7 quantile of those
/// seen (quantile_of).
template <class T>
class P2Quantile {
    static_assert(std::is_floating_point_v<T>, "P2Quantile<T>: T is float or double");

public:
    using value_type = T;
    /// Largest |x| observe() accepts: differences of heights stay finite.
    static constexpr T max_abs_input = std::numeric_limits<T>::max() / T(16);

    /// The median until reset(p) says otherwise.
    P2Quantile() noexcept { set_p(T(0.5)); }

    /// Forgets every observation and estimates the p-quantile from now on.
    /// invalid_argument (nothing changes) unless 0 < p < 1.
    Status reset(T p) noexcept {
        if (!(p > T(0)) || !(p < T(1))) return Status::invalid_argument;
        set_p(p);
        return Status::ok;
    }

    /// Adds one value. non_finite_input for NaN/inf, out_of_range_input for
    /// |x| > max_abs_input; on error nothing changes.
    Status observe(T x) noexcept {
        if (!simd::is_finite(x)) return Status::non_finite_input;
        if (!(simd::abs(x) <= max_abs_input)) return Status::out_of_range_input;
        const fp::Scope fp_scope;
        fp::pin(x);
        if (count_ < 5) {
            std::size_t i = static_cast<std::size_t>(count_);
            for (; i > 0 && x < q_[i - 1]; --i) q_[i] = q_[i - 1];
            q_[i] = x;
            if (++count_ == 5) {
                for (std::size_t m = 0; m < 5; ++m) {
                    n_[m] = m + 1;
                    // desired 1 + 4 dn_m, actual m + 1
                    d_[m] = kOne + 4 * inc_[m] - static_cast<std::int64_t>(m + 1) * kOne;
                }
            }
            return Status::ok;
        }
        std::size_t k;
        if (x < q_[0]) {
            q_[0] = x;
            k = 0;
        } else if (!(x < q_[4])) {
            if (q_[4] < x) q_[4] = x;
            k = 3;
        } else {
            k = 0;
            while (!(x < q_[k + 1])) ++k; // q_[k] <= x < q_[k + 1]
        }
        for (std::size_t m = k + 1; m < 5; ++m) {
            ++n_[m];
            d_[m] -= kOne;
        }
        for (std::size_t m = 0; m < 5; ++m) d_[m] += inc_[m];
        for (std::size_t m = 1; m < 4; ++m) adjust(m);
        ++count_;
        return Status::ok;
    }

    /// The current estimate of the p-quantile; invalid_argument (out
    /// untouched) before the first observation.
    Status value(T& out) const noexcept {
        if (count_ == 0) return Status::invalid_argument;
        if (count_ >= 5) {
            out = q_[2];
            return Status::ok;
        }
        T tmp[5];
        for (std::size_t i = 0; i < count_; ++i) tmp[i] = q_[i]; // already sorted
        return quantile_of(Span<T>(tmp, static_cast<std::size_t>(count_)), p_, out);
    }

    /// Number of values observed since the last reset.
    std::uint64_t count() const noexcept { return count_; }
    /// The probability p whose quantile this estimates.
    T probability() const noexcept { return p_; }

private:
    static constexpr std::int64_t kOne = std::int64_t(1) << 32;

    void set_p(T p) noexcept {
        p_ = p;
        // dn = {0, p/2, p, (1+p)/2, 1} in 32.32 fixed point (p * 2^31 is exact).
        const std::int64_t half_p = static_cast<std::int64_t>(p * T(2147483648.0));
        inc_[0] = 0;
        inc_[1] = half_p;
        inc_[2] = 2 * half_p;
        inc_[3] = kOne / 2 + half_p;
        inc_[4] = kOne;
        count_ = 0;
        for (std::size_t m = 0; m < 5; ++m) {
            q_[m] = T(0);
            n_[m] = m + 1;
            d_[m] = 0;
        }
    }

    // Moves marker m one position towards its desired position if it is at
    // least one away and the neighbour on that side leaves room.
    void adjust(std::size_t m) noexcept {
        const std::uint64_t up = n_[m + 1] - n_[m];   // >= 1
        const std::uint64_t down = n_[m] - n_[m - 1]; // >= 1
        int s;
        if (d_[m] >= kOne && up > 1)
            s = 1;
        else if (d_[m] <= -kOne && down > 1)
            s = -1;
        else
            return;
        const T st = static_cast<T>(s);
        const T np = static_cast<T>(up), nm = static_cast<T>(down);
        const T q = q_[m], qu = q_[m + 1], qd = q_[m - 1];
        // Piecewise-parabolic prediction (Jain & Chlamtac, eq. for q_i').
        const T a = simd::div((nm + st) * (qu - q), np);
        const T b = simd::div((np - st) * (q - qd), nm);
        const T qp = q + simd::div(st * (a + b), np + nm);
        if (qd < qp && qp < qu) {
            q_[m] = qp;
        } else if (s > 0) {
            q_[m] = q + simd::div(qu - q, np);
        } else {
            q_[m] = q - simd::div(q - qd, nm);
        }
        if (s > 0) {
            ++n_[m];
            d_[m] -= kOne;
        } else {
            --n_[m];
            d_[m] += kOne;
        }
    }

    T q_[5];              ///< marker heights (the first values, sorted, until 5 are in)
    std::uint64_t n_[5];  ///< marker positions, 1-based
    std::int64_t d_[5];   ///< desired minus actual position, 32.32 fixed point
    std::int64_t inc_[5]; ///< desired-position increments per observation, 32.32
    std::uint64_t count_ = 0;
    T p_ = T(0.5);
};

} // namespace ember::detect
