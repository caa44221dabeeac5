// ember — alarm logic over a stream of anomaly scores, so that one noisy
// sample does not raise an alarm: k of the last n above the threshold
// (KOfN), or a debounced hysteresis between an on and an off level
// (Hysteresis). Both are the `Alarm` policy of detect::AnomalyDetector:
//
//     bool update(T energy, T threshold) noexcept;  // the alarm after this sample
//     bool active() const noexcept;                  // the alarm now
//     void reset() noexcept;                         // no alarm, no history
#pragma once

#include "ember/fp.hpp"
#include "ember/simd.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ember::detect {

/// Alarm when at least k of the last N samples were above the threshold
/// (1 <= k <= N <= 64). The window is a bitmask, newest sample in bit 0;
/// before N samples have been seen the missing ones count as normal.
///
///     ember::detect::KOfN<8> alarm;         // k = 3 unless set_k() says otherwise
///     if (alarm.set_k(4) != ember::Status::ok) ...
///     bool on = alarm.update(energy > threshold);
///
/// With a per-sample false-alarm rate a (independent samples) the alarm's
/// rate is P(Binomial(N, a) >= k): for N = 8, k = 3, a = 1 % about 5.4e-5.
template <std::size_t N>
class KOfN {
    static_assert(N >= 1 && N <= 64, "KOfN<N>: 1 <= N <= 64");

public:
    static constexpr std::size_t window = N;

    /// k = min(3, N).
    KOfN() noexcept = default;

    /// Sets k; invalid_argument (k unchanged) unless 1 <= k <= N. The window
    /// is kept: the next update() applies the changed k.
    Status set_k(std::uint32_t k) noexcept {
        if (k < 1 || k > N) return Status::invalid_argument;
        k_ = k;
        return Status::ok;
    }

    /// Pushes one sample (true: above the threshold); returns the alarm.
    bool update(bool hit) noexcept {
        const std::uint32_t oldest = static_cast<std::uint32_t>((mask_ >> (N - 1)) & 1u);
        mask_ = ((mask_ << 1) | (hit ? 1u : 0u)) & kFull;
        hits_ = hits_ - oldest + (hit ? 1u : 0u);
        return active();
    }

    /// The policy call of AnomalyDetector: update(energy > threshold).
    template <class T, class = std::enable_if_t<std::is_floating_point_v<T>>>
    bool update(T energy, T threshold) noexcept {
        const fp::Scope fp_scope; // a subnormal energy compares as 0 everywhere
        fp::pin(energy, threshold);
        return update(energy > threshold);
    }

    bool active() const noexcept { return hits_ >= k_; }
    void reset() noexcept {
        mask_ = 0;
        hits_ = 0;
    }

    std::uint32_t k() const noexcept { return k_; }
    /// Samples above the threshold in the window.
    std::uint32_t hits() const noexcept { return hits_; }
    /// The window, newest sample in bit 0.
    std::uint64_t mask() const noexcept { return mask_; }

private:
    static constexpr std::uint64_t kFull =
        N == 64 ? ~std::uint64_t(0) : (std::uint64_t(1) << N) - 1;

    std::uint64_t mask_ = 0;
    std::uint32_t hits_ = 0;
    std::uint32_t k_ = N < 3 ? static_cast<std::uint32_t>(N) : 3u;
};

/// Hysteresis with debouncing: the alarm goes on after `enter` consecutive
/// samples above the on level (the threshold), and off after `leave`
/// consecutive samples at or below the off level, threshold - gap. A sample
/// that breaks a run restarts it. Defaults: gap 0, enter 2, leave 2.
///
///     ember::detect::Hysteresis<float> alarm;
///     if (alarm.configure(/*gap=*/1.5f, /*enter=*/3, /*leave=*/5) != ember::Status::ok) ...
///     bool on = alarm.update(energy, threshold);
///
/// The gap is in energy units, so a threshold changed at run time (or
/// recalibrated) moves both levels. A useful gap: the calibrated threshold
/// minus the energy quantile at a higher false-alarm rate.
template <class T>
class Hysteresis {
    static_assert(std::is_floating_point_v<T>, "Hysteresis<T>: T is float or double");

public:
    Hysteresis() noexcept = default;

    /// invalid_argument (nothing changes) unless gap is finite and >= 0,
    /// enter >= 1 and leave >= 1. The state (on/off, current run) is kept.
    Status configure(T gap, std::uint32_t enter, std::uint32_t leave) noexcept {
        if (!simd::is_finite(gap) || !(gap >= T(0)) || enter < 1 || leave < 1)
            return Status::invalid_argument;
        gap_ = gap;
        enter_ = enter;
        leave_ = leave;
        return Status::ok;
    }

    /// Pushes one sample's energy against the on level `threshold`; returns
    /// the alarm.
    bool update(T energy, T threshold) noexcept {
        const fp::Scope fp_scope;
        fp::pin(energy, threshold);
        const bool toward = active_ ? energy <= threshold - gap_ : energy > threshold;
        if (!toward) {
            run_ = 0;
        } else if (++run_ >= (active_ ? leave_ : enter_)) {
            active_ = !active_;
            run_ = 0;
        }
        return active_;
    }

    bool active() const noexcept { return active_; }
    void reset() noexcept {
        active_ = false;
        run_ = 0;
    }

    T gap() const noexcept { return gap_; }
    std::uint32_t enter() const noexcept { return enter_; }
    std::uint32_t leave() const noexcept { return leave_; }

private:
    T gap_ = T(0);
    std::uint32_t enter_ = 2;
    std::uint32_t leave_ = 2;
    std::uint32_t run_ = 0;
    bool active_ = false;
};

} // namespace ember::detect
