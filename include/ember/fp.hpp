// ember — the floating-point mode every ember computation runs in.
//
// Contract: ember computes with subnormals flushed to zero, on every target.
// Under an `ember::fp::Scope` a float or double operation whose result would
// be subnormal gives a zero of the same sign (flush-to-zero), and a subnormal
// operand counts as a zero of the same sign (denormals-are-zero), in scalar
// code and in every SIMD lane alike; comparisons see flushed operands too.
//   x86-64 (SSE2/AVX2/AVX-512)  MXCSR.FTZ (bit 15) and MXCSR.DAZ (bit 6)
//   aarch64                     FPCR.FZ (bit 24): inputs and results
//   32-bit ARM with an FPU      FPSCR.FZ (bit 24): inputs and results
//   (armv7-a VFP, Cortex-M4F/M7; armv7 NEON flushes whatever FPSCR says)
// Why: armv7 NEON always flushes, so without this the SIMD and scalar paths
// of one armv7 binary, and armv7 and every other target, disagree as soon as
// an intermediate becomes subnormal.
//
// What the user must do: nothing. Every public ember entry point that
// computes opens a Scope, which switches the mode on for the call and back
// off after it. Calling `ember::fp::enable_flush()` once per thread at start
// up (outside any Scope) leaves the mode on, so every Scope reduces to one
// read of the control register and a compare. The mode belongs to the
// calling thread (on Cortex-M to the execution context: exception handlers
// start from FPDSCR, whose FZ bit is 0 unless the application sets it).
//
// Residual differences, measured by tests/test_fp.cpp on every preset:
//  - Tininess (the one difference left between flushing targets). x86
//    flushes a result that is tiny after rounding, ARM one that is tiny
//    before rounding. With m the smallest normal number and p the precision
//    (24, 53), an exact result in [m (1 - 2^-(p+1)), m) rounds to m on x86
//    and flushes to 0 on ARM (and in armv7 NEON lanes). Results in
//    [m (1 - 2^-p), m (1 - 2^-(p+1))) and below give 0 on both.
//  - Arithmetic done in software does not obey the mode: float and double on
//    Cortex-M3 (no FPU), double on Cortex-M4F (single-precision FPU). There
//    subnormals are kept (`hardware_flush<T>` is false), also under a Scope.
//  - x87 long double (x86) and quad long double (aarch64) never flush.
//  - x86-64 without -mfma: fma is glibc's, which runs the FMA instruction on
//    a CPU that has it (so flushes like the rest, measured); its software
//    path on older CPUs was not measured.
//  - Other compilers than GCC/clang, other architectures, 32-bit x86: no
//    control register is touched (Scope and enable_flush() do nothing,
//    flush_enabled() is false, hardware_flush<T> is false).
//
// Compiler: the mode is switched by inline assembly that is a memory
// barrier, so loads and stores stay on their side of a Scope's start and
// end. Arithmetic on values held in registers is not tied to it: GCC 12 -O2
// sinks `return x[0] * x[1];` below the Scope's destructor. An entry point
// that takes scalars or returns a result by value passes them through
// `ember::fp::pin` (inputs after the Scope starts, the result before it ends).
#pragma once

#include <cstdint>
#include <type_traits>

namespace ember::fp {

namespace detail {

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define EMBER_FP_MODE_X86 1
using control_t = std::uint32_t;
inline constexpr control_t flush_bits = (1u << 15) | (1u << 6); // FTZ | DAZ
inline constexpr bool float_in_hardware = true;                 // SSE scalar math
inline constexpr bool double_in_hardware = true;                // SSE2 scalar math
inline constexpr bool long_double_in_hardware = false;          // x87 ignores MXCSR
inline control_t read_control() noexcept {
    control_t csr;
    __asm__ __volatile__("stmxcsr %0" : "=m"(csr));
    return csr;
}
inline void write_control(control_t csr) noexcept {
    __asm__ __volatile__("ldmxcsr %0" : : "m"(csr) : "memory");
}

#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
#define EMBER_FP_MODE_AARCH64 1
using control_t = std::uint64_t;
inline constexpr control_t flush_bits = control_t(1) << 24; // FPCR.FZ
inline constexpr bool float_in_hardware = true;
inline constexpr bool double_in_hardware = true;
inline constexpr bool long_double_in_hardware = sizeof(long double) == sizeof(double);
inline control_t read_control() noexcept {
    control_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    return fpcr;
}
inline void write_control(control_t fpcr) noexcept {
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr) : "memory");
}

#elif (defined(__GNUC__) || defined(__clang__)) && defined(__arm__) && defined(__ARM_FP)
// A VFP or FPv4/FPv5 unit: armv7-a hard-float (with or without NEON),
// Cortex-M4F (single precision only), Cortex-M7 (single, or single and double).
#define EMBER_FP_MODE_ARM32 1
using control_t = std::uint32_t;
inline constexpr control_t flush_bits = control_t(1) << 24; // FPSCR.FZ
inline constexpr bool float_in_hardware = (__ARM_FP & 4) != 0;
inline constexpr bool double_in_hardware = (__ARM_FP & 8) != 0;
inline constexpr bool long_double_in_hardware =
    sizeof(long double) == sizeof(double) && double_in_hardware;
inline control_t read_control() noexcept {
    control_t fpscr;
    __asm__ __volatile__("vmrs %0, fpscr" : "=r"(fpscr));
    return fpscr;
}
inline void write_control(control_t fpscr) noexcept {
    __asm__ __volatile__("vmsr fpscr, %0" : : "r"(fpscr) : "memory");
}

#else
// No floating-point unit (Cortex-M3, -mfloat-abi=soft) or an unknown target:
// all arithmetic follows IEEE 754 with subnormals, and there is nothing to set.
#define EMBER_FP_MODE_NONE 1
using control_t = std::uint32_t;
inline constexpr control_t flush_bits = 0;
inline constexpr bool float_in_hardware = false;
inline constexpr bool double_in_hardware = false;
inline constexpr bool long_double_in_hardware = false;
inline control_t read_control() noexcept { return 0; }
inline void write_control(control_t) noexcept {}
#endif

template <class T>
inline void pin_one(T& value) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __asm__ __volatile__("" : "+m"(value));
#else
    static_cast<void>(value);
#endif
}

/// True when this build has a flush mode it can switch on.
inline constexpr bool has_flush_mode = flush_bits != 0;

template <class T>
inline constexpr bool in_hardware = false;
template <>
inline constexpr bool in_hardware<float> = float_in_hardware;
template <>
inline constexpr bool in_hardware<double> = double_in_hardware;
template <>
inline constexpr bool in_hardware<long double> = long_double_in_hardware;

} // namespace detail

/// Whether arithmetic in T obeys the flush mode on this build: false where T
/// is computed in software (float on Cortex-M3, double on Cortex-M4F, x87 or
/// quad long double) or where there is no mode to set.
template <class T>
inline constexpr bool hardware_flush = detail::in_hardware<std::remove_cv_t<T>>;

/// Whether flush-to-zero (and denormals-are-zero on x86) is on for the
/// calling thread. Always false where the build has no flush mode.
inline bool flush_enabled() noexcept {
    if constexpr (!detail::has_flush_mode) {
        return false;
    } else {
        return (detail::read_control() & detail::flush_bits) == detail::flush_bits;
    }
}

/// Switches the flush mode on for the calling thread and leaves it on, so
/// that every later Scope costs one register read and a compare. Call it
/// outside any Scope (a Scope that switched the mode on switches it off again
/// when it ends).
inline void enable_flush() noexcept {
    if constexpr (detail::has_flush_mode) {
        const detail::control_t c = detail::read_control();
        if ((c & detail::flush_bits) != detail::flush_bits) {
            detail::write_control(c | detail::flush_bits);
        }
    }
}

/// Ties values to this point of the program: whatever computes them happens
/// before, whatever reads them happens after. The compiler keeps memory
/// accesses on their side of a Scope's mode switches, but may move arithmetic
/// on values held in registers across them: pin by-value inputs right after
/// the Scope is constructed and results returned by value just before it
/// ends. Costs a store and a load per value.
template <class... T>
inline void pin(T&... values) noexcept {
    (detail::pin_one(values), ...);
}

/// RAII guard: the flush mode is on from construction to destruction. If it
/// was already on, the guard does nothing more than read the control register
/// once. Otherwise it sets the missing bits and, when destroyed, clears those
/// bits only: exception flags raised inside the scope (kept in the same
/// register on x86 and 32-bit ARM) and other mode changes survive it.
class Scope {
public:
    Scope() noexcept {
        if constexpr (detail::has_flush_mode) {
            const detail::control_t c = detail::read_control();
            set_ = detail::flush_bits & ~c;
            if (set_ != 0) detail::write_control(c | set_);
        }
    }
    ~Scope() noexcept {
        if constexpr (detail::has_flush_mode) {
            if (set_ != 0) detail::write_control(detail::read_control() & ~set_);
        }
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope(Scope&&) = delete;
    Scope& operator=(Scope&&) = delete;

    /// Whether this guard switched the mode on (and will switch it off).
    bool changed() const noexcept { return set_ != 0; }

private:
    detail::control_t set_ = 0;
};

} // namespace ember::fp
