// ember — the one SIMD facade. Nothing else in ember includes xsimd.
//
// `simd::Pack<T>` is `width` independent lanes of T. With xsimd and an
// architecture that has registers for T it wraps `xsimd::batch<T>`; elsewhere
// (Cortex-M, armv7 without NEON, double on armv7 NEON) it is one scalar lane.
// Kernels are written once against Pack and work lane-wise only: nothing in
// ember reorders a reduction across lanes, so results do not depend on width.
//
// Determinism rules enforced here, whatever the backend:
//  - `fma` is always fused (hardware where it exists, else a correctly rounded
//    per-lane correctly rounded fma: the C library's, or ember's own emulation
//    where the library's is not fused), never a separate multiply and add;
//  - `div` and `sqrt` are correctly rounded (armv7 NEON has no vector divide or
//    root, so they go lane by lane through the scalar VFP unit);
//  - there is no operator/ on packs, so no kernel can use an inexact divide.
#pragma once

#include "ember/config.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if EMBER_USE_XSIMD
#include <xsimd/xsimd.hpp>
#if defined(XSIMD_NO_SUPPORTED_ARCHITECTURE)
#define EMBER_SIMD_NATIVE 0
#else
#define EMBER_SIMD_NATIVE 1
#endif
#else
#define EMBER_SIMD_NATIVE 0
#endif

namespace ember::simd {

namespace detail {

#if EMBER_SIMD_NATIVE
#if defined(__arm__) && !defined(__aarch64__)
// xsimd declares a placeholder double register for armv7 NEON; it has none.
template <class T>
inline constexpr bool has_native =
    std::is_same_v<T, float>&& xsimd::types::has_simd_register<T, xsimd::default_arch>::value;
#else
template <class T>
inline constexpr bool has_native = xsimd::types::has_simd_register<T, xsimd::default_arch>::value;
#endif

#if defined(__x86_64__) || defined(__i386__)
#if defined(__FMA__)
inline constexpr bool native_fma = true;
#else
inline constexpr bool native_fma = false;
#endif
inline constexpr bool native_div_exact = true;
#elif defined(__aarch64__)
inline constexpr bool native_fma = true;
inline constexpr bool native_div_exact = true;
#elif defined(__arm__)
// armv7 NEON: vfmaq_f32 only with VFPv4 (-mfpu=neon-vfpv4); division and
// square root are reciprocal estimates in xsimd, so they go lane by lane.
#if defined(__ARM_FEATURE_FMA)
inline constexpr bool native_fma = true;
#else
inline constexpr bool native_fma = false;
#endif
inline constexpr bool native_div_exact = false;
#else
inline constexpr bool native_fma = false;
inline constexpr bool native_div_exact = false;
#endif
#else
template <class T>
inline constexpr bool has_native = false;
#endif

// Bit pattern of 2^n for an integer-valued n in the normal exponent range.
inline float pow2_scalar(float n) noexcept {
    const auto bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(n) + 127) << 23;
    float out;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}
inline double pow2_scalar(double n) noexcept {
    const auto bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(n) + 1023) << 52;
    double out;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

// x = m * 2^e with m in [1, 2), by reading the bits of a positive, normal,
// finite x. Other inputs give some finite or NaN m (callers filter them).
inline float split_pow2_scalar(float x, float& e) noexcept {
    std::uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    e = static_cast<float>(static_cast<std::int32_t>(bits >> 23) - 127);
    bits = (bits & 0x007fffffu) | 0x3f800000u;
    float m;
    std::memcpy(&m, &bits, sizeof m);
    return m;
}
inline double split_pow2_scalar(double x, double& e) noexcept {
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    e = static_cast<double>(static_cast<std::int32_t>(bits >> 52) - 1023);
    bits = (bits & 0x000fffffffffffffu) | 0x3ff0000000000000u;
    double m;
    std::memcpy(&m, &bits, sizeof m);
    return m;
}

// Fused multiply-add where the hardware has none for the type (Cortex-M4F
// has single-precision VFMA only; Cortex-M3 has no FPU) and the C library's
// fma is not fused (newlib's double fma rounds twice). Boldo & Melquiond's
// emulation: an exact product, an exact sum, one addition rounded to odd,
// then one rounding to nearest gives the correctly rounded a*b + c. Valid
// while a*b neither overflows nor underflows (|a*b| within ~2^-969..2^995);
// outside that, and for non-finite operands, it is the plain a*b + c.
#if defined(__arm__) && !defined(__aarch64__) &&                                                   \
    (!defined(__ARM_FP) || !(__ARM_FP & 8) || !defined(__ARM_FEATURE_FMA))
#define EMBER_SOFT_FMA_F64 1
#else
#define EMBER_SOFT_FMA_F64 0
#endif
#if defined(__arm__) && !defined(__aarch64__) &&                                                   \
    (!defined(__ARM_FP) || !(__ARM_FP & 4) || !defined(__ARM_FEATURE_FMA))
#define EMBER_SOFT_FMA_F32 1
#else
#define EMBER_SOFT_FMA_F32 0
#endif

// s + e == a + b exactly (Knuth's TwoSum, no branch on magnitudes).
inline double two_sum(double a, double b, double& e) noexcept {
    const double s = a + b;
    const double bb = s - a;
    e = (a - (s - bb)) + (b - bb);
    return s;
}

// a + b rounded to odd: exact sums stay; otherwise the neighbour of the
// rounded-to-nearest sum, toward the exact value, whose last bit is odd.
inline double add_round_odd(double a, double b) noexcept {
    double e;
    const double s = two_sum(a, b, e);
    if (e == 0.0) return s;
    std::uint64_t bits;
    std::memcpy(&bits, &s, sizeof bits);
    if (bits & 1u) return s;
    // Step |s| up when the error points away from zero, down otherwise.
    const bool away = (e > 0.0) == (s > 0.0);
    bits = away ? bits + 1 : bits - 1;
    double out;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

inline double soft_fma(double a, double b, double c) noexcept {
    const double p = a * b;
    const double limit = 0x1p995;
    const double tiny = 0x1p-969;
    if (!(std::fabs(p) < limit) || std::fabs(p) < tiny || !(std::fabs(c) < limit)) return p + c;
    // Dekker's exact product: p + q == a * b.
    const double split = 134217729.0; // 2^27 + 1
    const double ac = a * split, bc = b * split;
    const double ah = ac - (ac - a), al = a - ah;
    const double bh = bc - (bc - b), bl = b - bh;
    const double q = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    double tl;
    const double th = two_sum(c, p, tl);
    return th + add_round_odd(tl, q);
}

inline float soft_fma(float a, float b, float c) noexcept {
    // The product of two floats is exact in double; rounding the sum to odd
    // in double and then to nearest in float rounds once (53 >= 2 * 24 + 2).
    const double p = static_cast<double>(a) * static_cast<double>(b);
    return static_cast<float>(add_round_odd(p, static_cast<double>(c)));
}

inline double fma_f64(double a, double b, double c) noexcept {
#if EMBER_SOFT_FMA_F64
    return soft_fma(a, b, c);
#else
    return std::fma(a, b, c);
#endif
}
inline float fma_f32(float a, float b, float c) noexcept {
#if EMBER_SOFT_FMA_F32
    return soft_fma(a, b, c);
#else
    return std::fma(a, b, c);
#endif
}
inline double fma_any(double a, double b, double c) noexcept { return fma_f64(a, b, c); }
inline float fma_any(float a, float b, float c) noexcept { return fma_f32(a, b, c); }

} // namespace detail

/// True when Pack<T> uses SIMD registers on this build.
template <class T>
inline constexpr bool is_native = detail::has_native<T>;

template <class T, bool Native = detail::has_native<T>>
class Pack;
template <class T, bool Native = detail::has_native<T>>
class Mask;

// ---------------------------------------------------------------------------
// Scalar backend: one lane.
// ---------------------------------------------------------------------------

/// Lane mask of the scalar backend.
template <class T>
class Mask<T, false> {
public:
    Mask() = default;
    constexpr Mask(bool b) noexcept : v_(b) {} // NOLINT: implicit by design
    constexpr bool raw() const noexcept { return v_; }
    friend constexpr Mask operator&(Mask a, Mask b) noexcept { return Mask(a.v_ && b.v_); }
    friend constexpr Mask operator|(Mask a, Mask b) noexcept { return Mask(a.v_ || b.v_); }
    friend constexpr Mask operator!(Mask a) noexcept { return Mask(!a.v_); }
    friend constexpr bool any(Mask a) noexcept { return a.v_; }
    friend constexpr bool all(Mask a) noexcept { return a.v_; }
    /// Lane i as bool.
    constexpr bool get(std::size_t) const noexcept { return v_; }

private:
    bool v_ = false;
};

/// One lane of T: the portable backend.
template <class T>
class Pack<T, false> {
    static_assert(std::is_floating_point_v<T>, "ember::simd::Pack holds float or double");

public:
    using value_type = T;
    using mask_type = Mask<T, false>;
    static constexpr std::size_t width = 1;

    Pack() = default;
    constexpr Pack(T v) noexcept : v_(v) {} // NOLINT: broadcast

    static Pack load(const T* p) noexcept { return Pack(*p); }
    static Pack load_aligned(const T* p) noexcept { return Pack(*p); }
    void store(T* p) const noexcept { *p = v_; }
    void store_aligned(T* p) const noexcept { *p = v_; }
    constexpr T get(std::size_t) const noexcept { return v_; }
    constexpr T raw() const noexcept { return v_; }

    friend Pack operator+(Pack a, Pack b) noexcept { return Pack(a.v_ + b.v_); }
    friend Pack operator-(Pack a, Pack b) noexcept { return Pack(a.v_ - b.v_); }
    friend Pack operator*(Pack a, Pack b) noexcept { return Pack(a.v_ * b.v_); }
    friend Pack operator-(Pack a) noexcept { return Pack(-a.v_); }
    Pack& operator+=(Pack b) noexcept { return *this = *this + b; }
    Pack& operator-=(Pack b) noexcept { return *this = *this - b; }
    Pack& operator*=(Pack b) noexcept { return *this = *this * b; }

    friend mask_type operator<(Pack a, Pack b) noexcept { return a.v_ < b.v_; }
    friend mask_type operator<=(Pack a, Pack b) noexcept { return a.v_ <= b.v_; }
    friend mask_type operator>(Pack a, Pack b) noexcept { return a.v_ > b.v_; }
    friend mask_type operator>=(Pack a, Pack b) noexcept { return a.v_ >= b.v_; }
    friend mask_type operator==(Pack a, Pack b) noexcept { return a.v_ == b.v_; }
    friend mask_type operator!=(Pack a, Pack b) noexcept { return a.v_ != b.v_; }

    friend Pack fma(Pack a, Pack b, Pack c) noexcept {
        return Pack(detail::fma_any(a.v_, b.v_, c.v_));
    }
    friend Pack fnma(Pack a, Pack b, Pack c) noexcept {
        return Pack(detail::fma_any(-a.v_, b.v_, c.v_));
    }
    friend Pack div(Pack a, Pack b) noexcept { return Pack(a.v_ / b.v_); }
    friend Pack sqrt(Pack a) noexcept { return Pack(std::sqrt(a.v_)); }
    friend Pack abs(Pack a) noexcept { return Pack(std::fabs(a.v_)); }
    friend Pack min(Pack a, Pack b) noexcept { return Pack(b.v_ < a.v_ ? b.v_ : a.v_); }
    friend Pack max(Pack a, Pack b) noexcept { return Pack(a.v_ < b.v_ ? b.v_ : a.v_); }
    friend Pack select(mask_type m, Pack a, Pack b) noexcept { return m.raw() ? a : b; }
    /// 2^n for integer-valued n with 2^n normal (|n| small enough); exact.
    friend Pack pow2i(Pack n) noexcept { return Pack(detail::pow2_scalar(n.v_)); }
    /// x = m * 2^e, m in [1, 2), e integer-valued, for positive normal finite
    /// x (bit manipulation, exact); other inputs give unspecified m and e.
    friend Pack split_pow2(Pack x, Pack& e) noexcept {
        return Pack(detail::split_pow2_scalar(x.v_, e.v_));
    }

private:
    T v_ = T(0);
};

// ---------------------------------------------------------------------------
// xsimd backend.
// ---------------------------------------------------------------------------
#if EMBER_SIMD_NATIVE

/// Lane mask of the xsimd backend.
template <class T>
class Mask<T, true> {
public:
    using native_type = xsimd::batch_bool<T>;
    Mask() = default;
    Mask(native_type b) noexcept : v_(b) {} // NOLINT: implicit by design
    Mask(bool b) noexcept : v_(b) {}        // NOLINT: broadcast
    native_type raw() const noexcept { return v_; }
    friend Mask operator&(Mask a, Mask b) noexcept { return Mask(a.v_ && b.v_); }
    friend Mask operator|(Mask a, Mask b) noexcept { return Mask(a.v_ || b.v_); }
    friend Mask operator!(Mask a) noexcept { return Mask(!a.v_); }
    friend bool any(Mask a) noexcept { return xsimd::any(a.v_); }
    friend bool all(Mask a) noexcept { return xsimd::all(a.v_); }
    bool get(std::size_t i) const noexcept {
        alignas(EMBER_ALIGN) bool lanes[native_type::size];
        v_.store_unaligned(lanes);
        return lanes[i];
    }

private:
    native_type v_;
};

/// `width` lanes of T in one SIMD register.
template <class T>
class Pack<T, true> {
public:
    using value_type = T;
    using native_type = xsimd::batch<T>;
    using mask_type = Mask<T, true>;
    static constexpr std::size_t width = native_type::size;

    Pack() = default;
    Pack(T v) noexcept : v_(v) {}           // NOLINT: broadcast
    Pack(native_type v) noexcept : v_(v) {} // NOLINT: wrap

    static Pack load(const T* p) noexcept { return Pack(native_type::load_unaligned(p)); }
    static Pack load_aligned(const T* p) noexcept { return Pack(native_type::load_aligned(p)); }
    void store(T* p) const noexcept { v_.store_unaligned(p); }
    void store_aligned(T* p) const noexcept { v_.store_aligned(p); }
    T get(std::size_t i) const noexcept {
        alignas(EMBER_ALIGN) T lanes[width];
        v_.store_aligned(lanes);
        return lanes[i];
    }
    native_type raw() const noexcept { return v_; }

    friend Pack operator+(Pack a, Pack b) noexcept { return Pack(a.v_ + b.v_); }
    friend Pack operator-(Pack a, Pack b) noexcept { return Pack(a.v_ - b.v_); }
    friend Pack operator*(Pack a, Pack b) noexcept { return Pack(a.v_ * b.v_); }
    // A sign flip, as in scalar code: xsimd 8.1's avx512f neg is 0 - x,
    // which turns -(+0) into +0.
    friend Pack operator-(Pack a) noexcept { return Pack(a.v_ ^ native_type(-T(0))); }
    Pack& operator+=(Pack b) noexcept { return *this = *this + b; }
    Pack& operator-=(Pack b) noexcept { return *this = *this - b; }
    Pack& operator*=(Pack b) noexcept { return *this = *this * b; }

    friend mask_type operator<(Pack a, Pack b) noexcept { return mask_type(a.v_ < b.v_); }
    friend mask_type operator<=(Pack a, Pack b) noexcept { return mask_type(a.v_ <= b.v_); }
    friend mask_type operator>(Pack a, Pack b) noexcept { return mask_type(a.v_ > b.v_); }
    friend mask_type operator>=(Pack a, Pack b) noexcept { return mask_type(a.v_ >= b.v_); }
    friend mask_type operator==(Pack a, Pack b) noexcept { return mask_type(a.v_ == b.v_); }
    friend mask_type operator!=(Pack a, Pack b) noexcept { return mask_type(a.v_ != b.v_); }

    friend Pack fma(Pack a, Pack b, Pack c) noexcept {
#if defined(__AVX512F__)
        // xsimd 8.1 has no avx512f fma kernel: its generic fallback is an
        // unfused x * y + z. Use the fused intrinsic directly.
        if constexpr (sizeof(native_type) == 64) {
            if constexpr (std::is_same_v<T, float>) {
                return Pack(native_type(_mm512_fmadd_ps(a.v_, b.v_, c.v_)));
            } else {
                return Pack(native_type(_mm512_fmadd_pd(a.v_, b.v_, c.v_)));
            }
        } else
#endif
            if constexpr (detail::native_fma) {
            return Pack(xsimd::fma(a.v_, b.v_, c.v_));
        } else {
            return lanewise3(a, b, c, [](T x, T y, T z) { return detail::fma_any(x, y, z); });
        }
    }
    friend Pack fnma(Pack a, Pack b, Pack c) noexcept { return fma(-a, b, c); }
    friend Pack div(Pack a, Pack b) noexcept {
#if defined(__aarch64__)
        // xsimd 8.1's neon64 float divide is armv7's reciprocal estimate plus
        // Newton steps (not correctly rounded); aarch64 has an exact one.
        if constexpr (std::is_same_v<T, float>) {
            return Pack(native_type(vdivq_f32(a.v_, b.v_)));
        } else
#endif
            if constexpr (detail::native_div_exact) {
            return Pack(a.v_ / b.v_);
        } else {
            return lanewise3(a, b, b, [](T x, T y, T) { return x / y; });
        }
    }
    friend Pack sqrt(Pack a) noexcept {
#if defined(__aarch64__)
        // Same for the float square root (xsimd 8.1 inherits armv7's estimate).
        if constexpr (std::is_same_v<T, float>) {
            return Pack(native_type(vsqrtq_f32(a.v_)));
        } else
#endif
            if constexpr (detail::native_div_exact) {
            return Pack(xsimd::sqrt(a.v_));
        } else {
            return lanewise3(a, a, a, [](T x, T, T) { return std::sqrt(x); });
        }
    }
    friend Pack abs(Pack a) noexcept { return Pack(xsimd::abs(a.v_)); }
    // Written as select so NaN handling is the same on every backend
    // (x86 minps and NEON vmin disagree about NaN operands).
    friend Pack min(Pack a, Pack b) noexcept {
        return Pack(xsimd::select(b.v_ < a.v_, b.v_, a.v_));
    }
    friend Pack max(Pack a, Pack b) noexcept {
        return Pack(xsimd::select(a.v_ < b.v_, b.v_, a.v_));
    }
    friend Pack select(mask_type m, Pack a, Pack b) noexcept {
        return Pack(xsimd::select(m.raw(), a.v_, b.v_));
    }
    friend Pack pow2i(Pack n) noexcept {
        constexpr T bias = std::is_same_v<T, float> ? T(127) : T(1023);
        constexpr T shift = std::is_same_v<T, float> ? T(8388608.0) : T(4503599627370496.0);
        // (n + bias) * 2^mantissa_bits is an exact integer in T; convert and
        // reinterpret: the bits of 2^n.
        const auto bits = xsimd::to_int((n.v_ + native_type(bias)) * native_type(shift));
        return Pack(xsimd::bitwise_cast<native_type>(bits));
    }
    friend Pack split_pow2(Pack x, Pack& e) noexcept {
        constexpr bool is_f = std::is_same_v<T, float>;
        using U = std::conditional_t<is_f, std::uint32_t, std::uint64_t>;
        using UB = xsimd::batch<U>;
        constexpr int mant_bits = is_f ? 23 : 52;
        constexpr U mant_mask = is_f ? U(0x007fffffu) : U(0x000fffffffffffffu);
        constexpr U one_bits = is_f ? U(0x3f800000u) : U(0x3ff0000000000000u);
        // 2^mant_bits as bits, and (2^mant_bits + bias) as T: or-ing the
        // biased exponent into the mantissa of 2^mant_bits and subtracting
        // gives the exponent exactly, without an integer-to-float conversion.
        constexpr U magic_bits = is_f ? U(0x4b000000u) : U(0x4330000000000000u);
        constexpr T magic = is_f ? T(8388608.0 + 127.0) : T(4503599627370496.0 + 1023.0);
        const UB bits = xsimd::bitwise_cast<UB>(x.v_);
        const UB eb = (bits >> mant_bits) | UB(magic_bits);
        e = Pack(xsimd::bitwise_cast<native_type>(eb) - native_type(magic));
        return Pack(xsimd::bitwise_cast<native_type>((bits & UB(mant_mask)) | UB(one_bits)));
    }

private:
    template <class F>
    static Pack lanewise3(Pack a, Pack b, Pack c, F f) noexcept {
        alignas(EMBER_ALIGN) T x[width];
        alignas(EMBER_ALIGN) T y[width];
        alignas(EMBER_ALIGN) T z[width];
        a.v_.store_aligned(x);
        b.v_.store_aligned(y);
        c.v_.store_aligned(z);
        for (std::size_t i = 0; i < width; ++i) x[i] = f(x[i], y[i], z[i]);
        return Pack(native_type::load_aligned(x));
    }

    native_type v_;
};

#endif // EMBER_SIMD_NATIVE

// ---------------------------------------------------------------------------
// Scalar overloads, so generic code (elementary functions, passes) is written
// once for `T` and for `Pack<T>`.
// ---------------------------------------------------------------------------

inline float fma(float a, float b, float c) noexcept { return detail::fma_f32(a, b, c); }
inline double fma(double a, double b, double c) noexcept { return detail::fma_f64(a, b, c); }
inline float fnma(float a, float b, float c) noexcept { return detail::fma_f32(-a, b, c); }
inline double fnma(double a, double b, double c) noexcept { return detail::fma_f64(-a, b, c); }
inline float div(float a, float b) noexcept { return a / b; }
inline double div(double a, double b) noexcept { return a / b; }
inline float sqrt(float a) noexcept { return std::sqrt(a); }
inline double sqrt(double a) noexcept { return std::sqrt(a); }
inline float abs(float a) noexcept { return std::fabs(a); }
inline double abs(double a) noexcept { return std::fabs(a); }
inline float min(float a, float b) noexcept { return b < a ? b : a; }
inline double min(double a, double b) noexcept { return b < a ? b : a; }
inline float max(float a, float b) noexcept { return a < b ? b : a; }
inline double max(double a, double b) noexcept { return a < b ? b : a; }
inline float select(bool m, float a, float b) noexcept { return m ? a : b; }
inline double select(bool m, double a, double b) noexcept { return m ? a : b; }
inline bool any(bool m) noexcept { return m; }
inline bool all(bool m) noexcept { return m; }
inline float pow2i(float n) noexcept { return detail::pow2_scalar(n); }
inline double pow2i(double n) noexcept { return detail::pow2_scalar(n); }
inline float split_pow2(float x, float& e) noexcept { return detail::split_pow2_scalar(x, e); }
inline double split_pow2(double x, double& e) noexcept { return detail::split_pow2_scalar(x, e); }

/// Scalar type of a value that is either T or Pack<T>.
template <class V>
struct scalar_of {
    using type = V;
};
template <class T, bool N>
struct scalar_of<Pack<T, N>> {
    using type = T;
};
template <class V>
using scalar_of_t = typename scalar_of<V>::type;

/// Mask type of a value that is either T (bool) or Pack<T>.
template <class V>
struct mask_of {
    using type = bool;
};
template <class T, bool N>
struct mask_of<Pack<T, N>> {
    using type = typename Pack<T, N>::mask_type;
};
template <class V>
using mask_of_t = typename mask_of<V>::type;

/// Lanes whose value is finite (not NaN, not infinite).
template <class V>
inline mask_of_t<V> is_finite(V x) noexcept {
    // x - x is 0 for finite x and NaN otherwise; NaN != NaN.
    const V d = x - x; // NOLINT(misc-redundant-expression): the finiteness test
    return d == d;     // NOLINT(misc-redundant-expression): the NaN test
}

/// Number of lanes of Pack<T> on this build.
template <class T>
inline constexpr std::size_t width_v = Pack<T>::width;

/// Name of the active backend, for reports ("sse2", "avx2+fma", "neon", ...).
inline const char* backend_name() noexcept {
#if EMBER_SIMD_NATIVE
    return xsimd::default_arch::name();
#else
    return "scalar";
#endif
}

} // namespace ember::simd
