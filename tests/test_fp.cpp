// The flush-to-zero contract of include/ember/fp.hpp, measured on the target:
// what a Scope flushes (results and operands, scalar code and Pack lanes),
// what comes back after it, where targets still differ (tininess before or
// after rounding), what software floating point does, and nesting.
//
// Every operand goes through a volatile global and every result into one, so
// the compiler neither folds the arithmetic at compile time nor moves it out
// of the Scope. Results are compared as bit patterns after the Scope ended
// (under denormals-are-zero, `x == 0` is true for a subnormal x).
#include "ember/fp.hpp"
#include "ember/simd.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>

namespace ember_test_fp { // one namespace per test file (EMBER_TEST_UNITY batches)

using ember::simd::Pack;

namespace {

namespace fp = ember::fp;

// ---------------------------------------------------------------------------
// What this build is expected to do.

#if defined(__x86_64__)
// x86 detects tininess after rounding, for FTZ as for the underflow flag.
constexpr bool kTinyAfterRounding = true;
#else
// ARM (FPCR.FZ, FPSCR.FZ, NEON) flushes on the exponent before rounding.
constexpr bool kTinyAfterRounding = false;
#endif

// armv7 NEON flushes inputs and results whatever FPSCR says. Pack<T> runs
// mul, add, fma and compare in NEON lanes there; div and sqrt go lane by lane
// through the VFP unit (simd.hpp).
#if defined(__arm__) && !defined(__aarch64__)
constexpr bool kArm32 = true;
#else
constexpr bool kArm32 = false;
#endif
template <class T>
constexpr bool kNeonAlwaysFlushes = (kArm32 && ember::simd::is_native<T>);

// Sticky exception flags kept in the control register itself, which a Scope
// must not erase: MXCSR bits 0-5; FPSCR bits 0-7 (cumulative exceptions) and
// 27-31 (QC, NZCV). aarch64 keeps its flags in FPSR, apart from FPCR.
#if defined(EMBER_FP_MODE_X86)
constexpr fp::detail::control_t kStatusBits = 0x3fu;
constexpr fp::detail::control_t kInexactBit = 1u << 5; // MXCSR.PE
#elif defined(EMBER_FP_MODE_ARM32)
constexpr fp::detail::control_t kStatusBits = 0xf80000ffu;
constexpr fp::detail::control_t kInexactBit = 1u << 4; // FPSCR.IXC
#else
constexpr fp::detail::control_t kStatusBits = 0;
constexpr fp::detail::control_t kInexactBit = 0;
#endif

// ---------------------------------------------------------------------------
// Bits.

template <class T>
using UInt = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

template <class T>
T from_bits(UInt<T> u) {
    T x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}
template <class T>
UInt<T> bits_of(T x) {
    UInt<T> u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}
template <class T>
bool same_bits(T a, T b) {
    return bits_of(a) == bits_of(b);
}

// A C string as both doctest (which prints a const char* as a pointer) and
// tests/minitest print it.
#if defined(EMBER_MINITEST_DOCTEST_H)
const char* text(const char* s) { return s; }
#else
doctest::String text(const char* s) { return doctest::String(s); }
#endif

// Puts the control register back as it was when the test case started, with
// the flush mode off for the test itself (the process may have switched it on).
class Baseline {
public:
    Baseline() noexcept : saved_(fp::detail::read_control()) {
        fp::detail::write_control(saved_ & ~fp::detail::flush_bits);
    }
    ~Baseline() { fp::detail::write_control(saved_); }
    Baseline(const Baseline&) = delete;
    Baseline& operator=(const Baseline&) = delete;

private:
    fp::detail::control_t saved_;
};

// ---------------------------------------------------------------------------
// The cases: one operation each, with its exact IEEE result ("kept": the
// subnormal, or what round-to-nearest gives) and its flushed result on ARM
// (tiny before rounding) and on x86 (tiny after rounding).

enum class Op { mul, add, fma, div, sqrt };

template <class T>
struct Case {
    const char* name;
    Op op;
    T a, b, c;
    T kept;
    T flushed_arm;
    T flushed_x86;
    bool neon; // Pack<T> computes it in NEON lanes on armv7
    T flushed() const { return kTinyAfterRounding ? flushed_x86 : flushed_arm; }
};

// Float: smallest normal m = 2^-126, subnormals down to 2^-149, p = 24.
// Double: m = 2^-1022, subnormals down to 2^-1074, p = 53.
// The subnormal operands are built from bits (no arithmetic involved).
template <class T>
struct Cases;

template <>
struct Cases<float> {
    static constexpr std::size_t count = 14;
    static const Case<float>* get() {
        static const float sub = from_bits<float>(0x00000800u);   // 2^-138
        static const float sub_m = from_bits<float>(0x00800800u); // 2^-126 + 2^-138
        static const Case<float> c[count] = {
            // Results that are subnormal.
            {"mul exact", Op::mul, -0x1p-70f, 0x1p-70f, 0, -0x1p-140f, -0.0f, -0.0f, true},
            {"mul inexact", Op::mul, 0x1.800002p-70f, 0x1p-70f, 0, 0x1.8p-140f, 0, 0, true},
            {"add", Op::add, 0x1.8p-126f, -0x1p-126f, 0, 0x1p-127f, 0, 0, true},
            {"fma", Op::fma, 0x1.8p-63f, 0x1p-63f, -0x1p-126f, 0x1p-127f, 0, 0, true},
            {"div exact", Op::div, 0x1p-100f, 0x1p30f, 0, 0x1p-130f, 0, 0, false},
            {"div inexact", Op::div, 0x1p-126f, 3.0f, 0, from_bits<float>(0x002aaaabu), 0, 0,
             false},
            // Subnormal operands (denormals-are-zero).
            {"sub * 2^100", Op::mul, sub, 0x1p100f, 0, 0x1p-38f, 0, 0, true},
            {"sub + m", Op::add, sub, 0x1p-126f, 0, sub_m, 0x1p-126f, 0x1p-126f, true},
            {"fma(sub, 2^100, 0)", Op::fma, sub, 0x1p100f, 0, 0x1p-38f, 0, 0, true},
            {"sub / 2^-100", Op::div, sub, 0x1p-100f, 0, 0x1p-38f, 0, 0, false},
            {"sqrt(sub)", Op::sqrt, sub, 0, 0, 0x1p-69f, 0, 0, false},
            // Tininess: exact products just below m that round to m.
            // (1 - 2^-26) m: tiny before rounding, not after.
            {"tiny A fma", Op::fma, 0x1.fffp-64f, 0x1.0008p-63f, 0, 0x1p-126f, 0, 0x1p-126f, true},
            {"tiny A mul", Op::mul, 0x1.fffp-64f, 0x1.0008p-63f, 0, 0x1p-126f, 0, 0x1p-126f, true},
            // (1 - 2^-24) m: a tie, tiny before and after rounding.
            {"tiny B mul", Op::mul, 0x1.fffffep-64f, 0x1p-63f, 0, 0x1p-126f, 0, 0, true},
        };
        return c;
    }
};

template <>
struct Cases<double> {
    static constexpr std::size_t count = 14;
    static const Case<double>* get() {
        static const double sub = from_bits<double>(0x0000000001000000u); // 2^-1050
        static const double sub_m = from_bits<double>(0x0010000001000000u);
        static const Case<double> c[count] = {
            {"mul exact", Op::mul, -0x1p-518, 0x1p-518, 0, -0x1p-1036, -0.0, -0.0, true},
            {"mul inexact", Op::mul, 0x1.8000000000001p-518, 0x1p-518, 0, 0x1.8p-1036, 0, 0, true},
            {"add", Op::add, 0x1.8p-1022, -0x1p-1022, 0, 0x1p-1023, 0, 0, true},
            {"fma", Op::fma, 0x1.8p-511, 0x1p-511, -0x1p-1022, 0x1p-1023, 0, 0, true},
            {"div exact", Op::div, 0x1p-1000, 0x1p30, 0, 0x1p-1030, 0, 0, false},
            {"div inexact", Op::div, 0x1p-1022, 3.0, 0, from_bits<double>(0x0005555555555555u), 0,
             0, false},
            {"sub * 2^100", Op::mul, sub, 0x1p100, 0, 0x1p-950, 0, 0, true},
            {"sub + m", Op::add, sub, 0x1p-1022, 0, sub_m, 0x1p-1022, 0x1p-1022, true},
            {"fma(sub, 2^100, 0)", Op::fma, sub, 0x1p100, 0, 0x1p-950, 0, 0, true},
            {"sub / 2^-100", Op::div, sub, 0x1p-100, 0, 0x1p-950, 0, 0, false},
            {"sqrt(sub)", Op::sqrt, sub, 0, 0, 0x1p-525, 0, 0, false},
            // (1 - 2^-56) m, and the tie (1 - 2^-53) m.
            {"tiny A fma", Op::fma, 0x1.ffffffep-512, 0x1.0000001p-511, 0, 0x1p-1022, 0, 0x1p-1022,
             true},
            {"tiny A mul", Op::mul, 0x1.ffffffep-512, 0x1.0000001p-511, 0, 0x1p-1022, 0, 0x1p-1022,
             true},
            {"tiny B mul", Op::mul, 0x1.fffffffffffffp-512, 0x1p-511, 0, 0x1p-1022, 0, 0, true},
        };
        return c;
    }
};

// ---------------------------------------------------------------------------
// Running them.

constexpr std::size_t kMaxCases = 16;
constexpr std::size_t kMaxLanes = 16;

template <class T>
volatile T g_in[3];
template <class T>
volatile T g_scalar[kMaxCases];
template <class T>
volatile T g_pack[kMaxCases][kMaxLanes];
template <class T>
volatile bool g_cmp[2];

template <class V>
V apply(Op op, V a, V b, V c) {
    using ember::simd::div;
    using ember::simd::fma;
    using ember::simd::sqrt;
    switch (op) {
    case Op::mul: return a * b;
    case Op::add: return a + b;
    case Op::fma: return fma(a, b, c);
    case Op::div: return div(a, b);
    case Op::sqrt: return sqrt(a);
    }
    return a;
}

template <class T>
struct Results {
    T scalar[kMaxCases];
    T pack[kMaxCases][kMaxLanes];
    bool scalar_sub_is_zero;
    bool pack_sub_is_zero;
};

// Runs every case in the current mode; results land in volatile globals
// before this returns, so the caller's Scope covers all the arithmetic.
template <class T>
void compute() {
    const Case<T>* cases = Cases<T>::get();
    for (std::size_t i = 0; i < Cases<T>::count; ++i) {
        g_in<T>[0] = cases[i].a;
        g_in<T>[1] = cases[i].b;
        g_in<T>[2] = cases[i].c;
        const T a = g_in<T>[0], b = g_in<T>[1], c = g_in<T>[2];
        g_scalar<T>[i] = apply<T>(cases[i].op, a, b, c);
        const Pack<T> r = apply<Pack<T>>(cases[i].op, Pack<T>(a), Pack<T>(b), Pack<T>(c));
        for (std::size_t k = 0; k < Pack<T>::width; ++k) g_pack<T>[i][k] = r.get(k);
    }
    // A subnormal compared with zero (the operand of "sub * 2^100").
    g_in<T>[0] = cases[6].a;
    const T s = g_in<T>[0];
    g_cmp<T>[0] = s == T(0);
    g_cmp<T>[1] = any(Pack<T>(s) == Pack<T>(T(0)));
}

template <class T>
Results<T> collect() {
    Results<T> out{};
    for (std::size_t i = 0; i < Cases<T>::count; ++i) {
        out.scalar[i] = g_scalar<T>[i];
        for (std::size_t k = 0; k < Pack<T>::width; ++k) out.pack[i][k] = g_pack<T>[i][k];
    }
    out.scalar_sub_is_zero = g_cmp<T>[0];
    out.pack_sub_is_zero = g_cmp<T>[1];
    return out;
}

// Checks one set of results: `flush_scalar` / `flush_pack` say whether the
// scalar path and the Pack lanes are expected to flush in this mode.
template <class T>
void check(const Results<T>& r, const char* mode, bool flush_scalar, bool flush_pack) {
    const Case<T>* cases = Cases<T>::get();
    for (std::size_t i = 0; i < Cases<T>::count; ++i) {
        const Case<T>& cs = cases[i];
        INFO(text(mode) << ", " << text(cs.name));
        // On armv7 NEON the always-on flush is ARM's (tiny before rounding).
        const T want_scalar = flush_scalar ? cs.flushed() : cs.kept;
        const bool pack_flushes = flush_pack || (kNeonAlwaysFlushes<T> && cs.neon);
        const T want_pack = pack_flushes ? cs.flushed() : cs.kept;
        CHECK_MESSAGE(same_bits(r.scalar[i], want_scalar),
                      "scalar " << r.scalar[i] << ", expected " << want_scalar);
        for (std::size_t k = 0; k < Pack<T>::width; ++k) {
            CHECK_MESSAGE(same_bits(r.pack[i][k], want_pack),
                          "lane " << k << ": " << r.pack[i][k] << ", expected " << want_pack);
        }
    }
    CHECK(r.scalar_sub_is_zero == flush_scalar);
    CHECK(r.pack_sub_is_zero == (flush_pack || kNeonAlwaysFlushes<T>));
}

template <class T>
void report(const Results<T>& in_scope, const Results<T>& after) {
    const Case<T>* cases = Cases<T>::get();
    for (std::size_t i = 0; i < Cases<T>::count; ++i) {
        MESSAGE(text(cases[i].name)
                << ": scope " << in_scope.scalar[i] << " / " << in_scope.pack[i][0] << ", after "
                << after.scalar[i] << " / " << after.pack[i][0]);
    }
}

// An entry point that takes its operands and returns its result by value:
// pin() keeps the multiply between the Scope's two mode switches.
template <class V>
V product_in_scope(V a, V b) {
    const fp::Scope scope;
    fp::pin(a, b);
    V r = a * b;
    fp::pin(r);
    return r;
}

} // namespace

// ---------------------------------------------------------------------------

TEST_CASE("fp: hardware_flush and the control register match the build") {
    using fp::hardware_flush;
#if defined(__x86_64__) || defined(__aarch64__)
    static_assert(hardware_flush<float> && hardware_flush<double>);
    static_assert(!hardware_flush<long double>); // x87 / IEEE quad in software
#elif defined(__arm__) && defined(__ARM_FP) && (__ARM_FP & 8)
    // armv7-a VFPv4, Cortex-M7 FPv5-D16.
    static_assert(hardware_flush<float> && hardware_flush<double>);
    static_assert(hardware_flush<long double>);                      // long double is double
#elif defined(__arm__) && defined(__ARM_FP)
    // Cortex-M4F: single-precision FPU, double in libgcc.
    static_assert(hardware_flush<float> && !hardware_flush<double>);
#elif defined(__arm__)
    // Cortex-M3: no FPU.
    static_assert(!hardware_flush<float> && !hardware_flush<double>);
#endif
    static_assert(hardware_flush<const float> == hardware_flush<float>);
    static_assert(!hardware_flush<int>);
    const Baseline baseline;
    CHECK_FALSE(fp::flush_enabled());
    const fp::detail::control_t before = fp::detail::read_control();
    {
        const fp::Scope scope;
        CHECK(scope.changed() == fp::detail::has_flush_mode);
        CHECK(fp::flush_enabled() == fp::detail::has_flush_mode);
        CHECK((fp::detail::read_control() & ~kStatusBits) ==
              ((before | fp::detail::flush_bits) & ~kStatusBits));
    }
    CHECK_FALSE(fp::flush_enabled());
    CHECK((fp::detail::read_control() & ~kStatusBits) == (before & ~kStatusBits));
    MESSAGE("hardware_flush<float> " << fp::hardware_flush<float> << ", <double> "
                                     << fp::hardware_flush<double> << ", Pack<float> width "
                                     << Pack<float>::width << ", Pack<double> width "
                                     << Pack<double>::width);
}

TEST_CASE_TEMPLATE("fp: a Scope flushes subnormal results and operands, then restores", T, float,
                   double) {
    const Baseline baseline;
    {
        const fp::Scope scope;
        compute<T>();
    }
    const Results<T> in_scope = collect<T>();
    compute<T>();
    const Results<T> after = collect<T>();
    report(in_scope, after);
    // Software arithmetic (hardware_flush<T> false) keeps subnormals even in
    // a Scope; the hardware flushes in every path.
    check(in_scope, "in scope", fp::hardware_flush<T>, fp::hardware_flush<T>);
    // After the Scope the hardware keeps subnormals again, except armv7 NEON.
    check(after, "after scope", false, false);
}

TEST_CASE_TEMPLATE("fp: tininess: x86 rounds first, ARM flushes first", T, float, double) {
    // The last three cases. "tiny A" (mul and fma with a zero addend): an
    // exact product in (m (1 - 2^-(p+1)), m), which rounds to m whether the
    // exponent is bounded or not; "tiny B": m (1 - 2^-p), a tie between the
    // largest subnormal and m, which is tiny after rounding too.
    const std::size_t ia_fma = Cases<T>::count - 3, ia = Cases<T>::count - 2,
                      ib = Cases<T>::count - 1;
    const Case<T>* cases = Cases<T>::get();
    const Baseline baseline;
    {
        const fp::Scope scope;
        compute<T>();
    }
    const Results<T> r = collect<T>();
    const T m = cases[ia].kept; // the smallest normal number
    const T zero = T(0);
    // Software arithmetic does not flush: A rounds to m, and the tie B goes
    // to the even neighbour, m. Hardware: B is flushed everywhere, and A is
    // flushed on ARM (tiny before rounding) but not on x86 (after rounding).
    const T want_a = !fp::hardware_flush<T> || kTinyAfterRounding ? m : zero;
    const T want_b = !fp::hardware_flush<T> ? m : zero;
    for (const std::size_t i : {ia_fma, ia}) {
        INFO(text(cases[i].name));
        CHECK(same_bits(r.scalar[i], want_a));
        CHECK(same_bits(r.pack[i][0], want_a));
    }
    CHECK(same_bits(r.scalar[ib], want_b));
    CHECK(same_bits(r.pack[ib][0], want_b));
#if defined(__x86_64__)
    if (fp::hardware_flush<T>) CHECK(same_bits(r.scalar[ia], m)); // spelled out: x86 keeps m
#elif defined(__aarch64__) || defined(__ARM_FP)
    if (fp::hardware_flush<T>) CHECK(same_bits(r.scalar[ia], zero)); // ARM flushes
#endif
    MESSAGE("A mul " << r.scalar[ia] << " / " << r.pack[ia][0] << ", A fma " << r.scalar[ia_fma]
                     << " / " << r.pack[ia_fma][0] << ", B mul " << r.scalar[ib] << " / "
                     << r.pack[ib][0]);
}

TEST_CASE("fp: nested Scopes, enable_flush, and flags raised inside a Scope") {
    const Baseline baseline;
    const bool hw = fp::detail::has_flush_mode;
    SUBCASE("a Scope inside a Scope") {
        {
            const fp::Scope outer;
            CHECK(outer.changed() == hw);
            {
                const fp::Scope inner;
                CHECK_FALSE(inner.changed());
                CHECK(fp::flush_enabled() == hw);
            }
            CHECK(fp::flush_enabled() == hw); // the inner one left it on
        }
        CHECK_FALSE(fp::flush_enabled()); // the outer one switched it off
    }
    SUBCASE("enable_flush makes a Scope a no-op and stays on") {
        fp::enable_flush();
        CHECK(fp::flush_enabled() == hw);
        {
            const fp::Scope scope;
            CHECK_FALSE(scope.changed());
        }
        CHECK(fp::flush_enabled() == hw);
        // Arithmetic flushes without any Scope now.
        g_in<float>[0] = 0x1p-70f;
        const float x = g_in<float>[0];
        g_scalar<float>[0] = x * x;
        const float r = g_scalar<float>[0];
        CHECK(same_bits(r, fp::hardware_flush<float> ? 0.0f : 0x1p-140f));
    }
#if defined(EMBER_FP_MODE_X86)
    SUBCASE("x86: FTZ alone on; the Scope adds DAZ and removes only DAZ") {
        const auto ftz = fp::detail::control_t(1) << 15, daz = fp::detail::control_t(1) << 6;
        fp::detail::write_control((fp::detail::read_control() & ~daz) | ftz);
        CHECK_FALSE(fp::flush_enabled());
        {
            const fp::Scope scope;
            CHECK(scope.changed());
            CHECK(fp::flush_enabled());
        }
        CHECK((fp::detail::read_control() & (ftz | daz)) == ftz);
    }
#endif
    if (kInexactBit != 0) {
        SUBCASE("exception flags raised inside a Scope survive it") {
            fp::detail::write_control(fp::detail::read_control() & ~kStatusBits);
            {
                const fp::Scope scope;
                CHECK(scope.changed());
                g_in<float>[0] = 1.0f;
                g_in<float>[1] = 3.0f;
                const float one = g_in<float>[0], three = g_in<float>[1];
                g_scalar<float>[0] = one / three; // inexact
            }
            CHECK((fp::detail::read_control() & kInexactBit) != 0);
            CHECK_FALSE(fp::flush_enabled());
        }
    }
}

TEST_CASE_TEMPLATE("fp: pin keeps by-value arithmetic inside the Scope", T, float, double) {
    const Baseline baseline;
    const Case<T>& c = Cases<T>::get()[0]; // "mul exact": -x * x = -2^(emin - 14)
    g_in<T>[0] = c.a;
    g_in<T>[1] = c.b;
    const T r = product_in_scope<T>(g_in<T>[0], g_in<T>[1]);
    const Pack<T> rp = product_in_scope(Pack<T>(g_in<T>[0]), Pack<T>(g_in<T>[1]));
    const T want = fp::hardware_flush<T> ? c.flushed() : c.kept;
    CHECK(same_bits(r, want));
    for (std::size_t k = 0; k < Pack<T>::width; ++k) CHECK(same_bits(rp.get(k), want));
    CHECK_FALSE(fp::flush_enabled());
}

} // namespace ember_test_fp
