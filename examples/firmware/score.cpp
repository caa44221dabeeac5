// ember scoring firmware: an anomaly detector over a model exported as a C
// header (ember::host::export_c_header; its weights stay in flash), scoring a
// stream of vectors generated from a fixed seed (demo_data.hpp). One line
// per vector: index, energy as float bits and as a decimal, decision.
//
//   score                  score the stream; with an expected-bits header
//                          (demo_expected.hpp for the demo model) compare
//                          every energy with the host's bits: exit 1 on a
//                          mismatch
//   score --emit-expected  print that header instead (the x86-64 host build
//                          writes the committed one)
//   score --count SHIFT    instructions per score under QEMU -icount
//                          shift=SHIFT, from SysTick (tools/footprint.sh)
//   score --heap-check     call malloc: the firmware's failing allocator
//                          must stop the program (no_heap.cpp)
//
// Build settings (CMake): EMBER_FIRMWARE_MODEL_HEADER (the header),
// EMBER_FIRMWARE_MODEL_NAME (the name it was exported under, "demo"),
// EMBER_FIRMWARE_EXPECTED_HEADER (empty for no comparison). The header must
// carry the standardisation and a threshold.
#include EMBER_FIRMWARE_MODEL_HEADER
#ifdef EMBER_FIRMWARE_EXPECTED_HEADER
#include EMBER_FIRMWARE_EXPECTED_HEADER
#endif

#include "demo_data.hpp"
#include "out.hpp"

#include "ember/detect/anomaly_detector.hpp"
#include "ember/fp.hpp"
#include "ember/port.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#define EMBER_FW_CAT2(a, b) a##b
#define EMBER_FW_CAT(a, b) EMBER_FW_CAT2(a, b)
#define EMBER_FW_MODEL(suffix) EMBER_FW_CAT(EMBER_FIRMWARE_MODEL_NAME, suffix)

// no_heap.cpp, in the firmware images only.
extern "C" [[gnu::weak]] std::size_t ember_firmware_startup_heap_bytes();

namespace {

using Net = EMBER_FW_MODEL(_net);
using Detector = ember::detect::AnomalyDetector<Net>;
constexpr std::size_t D = Net::input_dim;
constexpr const float* kParams = EMBER_FW_MODEL(_params);
static_assert(sizeof(EMBER_FW_MODEL(_params)) == sizeof(float) * Net::param_count,
              "score.cpp: a float model is expected");

Detector detector(kParams); // the weights stay where the header put them

// CRC-32 (ember::io::crc32's polynomial and result) bit by bit: no 1 KiB table.
std::uint32_t model_crc() noexcept {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(kParams);
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < sizeof(float) * Net::param_count; ++i) {
        c ^= bytes[i];
        for (int k = 0; k < 8; ++k) c = (c & 1u) != 0u ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

// strcmp without the C library's (700 bytes on Cortex-M).
bool same(const char* a, const char* b) noexcept {
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

void stream_vector(ember::Pcg32& rng, std::size_t i, float* x) noexcept {
    if (firmware_demo::stream_is_anomaly(i)) {
        firmware_demo::anomaly_vector<D>(rng, x, i);
    } else {
        firmware_demo::normal_vector<D>(rng, x);
    }
}

int setup_failed(const char* what, ember::Status s) {
    firmware::Out().str("score: ").str(what).str(": ").str(ember::status_name(s)).nl();
    return 2;
}

int emit_expected() {
    firmware::Out out;
    out.str("// Expected energies of examples/firmware/score.cpp for demo_model.hpp, written by")
        .nl();
    out.str("// the x86-64 host build; regenerate (host preset): cmake --build --preset host").nl();
    out.str("// --target ember_firmware_regenerate").nl();
    out.str("#pragma once").nl().nl();
    out.str("#include <cstddef>").nl();
    out.str("#include <cstdint>").nl().nl();
    out.str("// CRC-32 of the parameter bytes the energies were computed with.").nl();
    out.str("inline constexpr std::uint32_t firmware_expected_model_crc = 0x")
        .hex32(model_crc())
        .str("u;")
        .nl();
    out.str("inline constexpr std::size_t firmware_expected_count = ")
        .u64(firmware_demo::stream_length)
        .str(";")
        .nl();
    out.str("inline constexpr std::uint32_t firmware_expected_energy_bits[")
        .u64(firmware_demo::stream_length)
        .str("] = {")
        .nl();
    ember::Pcg32 rng(firmware_demo::stream_seed, firmware_demo::stream_id);
    for (std::size_t i = 0; i < firmware_demo::stream_length; ++i) {
        float x[D];
        stream_vector(rng, i, x);
        float e = 0.0f;
        if (const ember::Status s = detector.score(x, e); s != ember::Status::ok)
            return setup_failed("score", s);
        out.str("    0x").hex32(firmware::Out::bits_of(e)).str("u, // ").u64(i).nl();
    }
    out.str("};").nl();
    return 0;
}

} // namespace

// The call whose stack and instructions tools/footprint.sh reports: one
// check() (standardise, f, threshold, alarm) of one vector.
extern "C" [[gnu::noinline]] int ember_fw_check(const float* x,
                                                ember::detect::Verdict<float>* out) {
    return static_cast<int>(detector.check(x, *out));
}

namespace {

#ifdef EMBER_FIRMWARE_SAMPLES
// The header's test vectors (ember export --samples): one line per vector,
// "i 0xBITS decision", for a host to compare with `ember score --bits`.
int score_samples() {
    firmware::Out out;
    constexpr std::size_t n = EMBER_FW_MODEL(_sample_count);
    std::size_t flagged = 0, alarms = 0;
    for (std::size_t i = 0; i < n; ++i) {
        ember::detect::Verdict<float> v;
        if (const int s = ember_fw_check(EMBER_FW_MODEL(_samples) + i * D, &v); s != 0)
            return setup_failed("check", static_cast<ember::Status>(s));
        flagged += v.is_anomaly ? 1u : 0u;
        alarms += v.alarm ? 1u : 0u;
        out.str("sample ").u64(i).str(" 0x").bits(v.energy).str(v.is_anomaly ? " 1" : " 0").nl();
    }
    out.u64(n)
        .str(" samples scored on the device: ")
        .u64(flagged)
        .str(" above the threshold, alarm on for ")
        .u64(alarms)
        .nl();
    return 0;
}
#endif

// Two back-to-back readings of the tick counter, the least of several: the
// cost of the measurement itself.
std::uint64_t tick_overhead() noexcept {
    std::uint64_t best = ~std::uint64_t(0);
    for (int i = 0; i < 16; ++i) {
        const std::uint64_t t0 = ember::port::ticks();
        const std::uint64_t t1 = ember::port::ticks();
        if (t1 - t0 < best) best = t1 - t0;
    }
    return best;
}

#if defined(__arm__)
// Ticks of `n` iterations of a two-instruction loop (2n instructions).
std::uint64_t ticks_of_loop(std::uint32_t n) noexcept {
    const std::uint64_t t0 = ember::port::ticks();
    __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n)::"cc");
    return ember::port::ticks() - t0;
}
#endif

int count(int shift) {
    firmware::Out out;
    // Under -icount shift=S QEMU advances virtual time by 2^S ns per
    // instruction, and SysTick counts the 25 MHz processor clock (40 ns).
    // 32-bit arithmetic: the sums fit, and 64-bit division is 700 bytes of libgcc.
    const std::uint32_t ns_per_tick =
        1000000000u / static_cast<std::uint32_t>(ember::port::ticks_per_second());
    const std::uint32_t ns_per_insn = std::uint32_t(1) << shift;
    (void)ember::port::ticks(); // starts SysTick
    const std::uint32_t overhead = static_cast<std::uint32_t>(tick_overhead());
#if defined(__arm__)
    const std::uint32_t loop =
        static_cast<std::uint32_t>(ticks_of_loop(20000) - ticks_of_loop(10000));
    out.str("calibration: 20000 instructions (a 2-instruction loop) = ")
        .u64(loop)
        .str(" ticks, ")
        .u64(loop * ns_per_tick / ns_per_insn)
        .str(" instructions by the formula ticks * ")
        .u64(ns_per_tick)
        .str(" ns / ")
        .u64(ns_per_insn)
        .str(" ns")
        .nl();
#endif
    ember::Pcg32 rng(firmware_demo::stream_seed, firmware_demo::stream_id);
    std::uint32_t total = 0, least = ~std::uint32_t(0), most = 0;
    for (std::size_t i = 0; i < firmware_demo::stream_length; ++i) {
        float x[D];
        stream_vector(rng, i, x);
        ember::detect::Verdict<float> v;
        const std::uint64_t t0 = ember::port::ticks();
        const int s = ember_fw_check(x, &v);
        const std::uint64_t t1 = ember::port::ticks();
        if (s != 0) return setup_failed("check", static_cast<ember::Status>(s));
        const std::uint32_t t = static_cast<std::uint32_t>(t1 - t0) - overhead;
        total += t;
        if (t < least) least = t;
        if (t > most) most = t;
    }
    const std::uint32_t n = firmware_demo::stream_length;
    out.str("score: ")
        .u64(n)
        .str(" calls of check(), ticks per call mean ")
        .u64((total + n / 2) / n)
        .str(" min ")
        .u64(least)
        .str(" max ")
        .u64(most)
        .str(" (measurement overhead ")
        .u64(overhead)
        .str(" ticks subtracted)")
        .nl();
    out.str("instructions per score: mean ")
        .u64((total * ns_per_tick + n * ns_per_insn / 2) / (n * ns_per_insn))
        .str(" min ")
        .u64(least * ns_per_tick / ns_per_insn)
        .str(" max ")
        .u64(most * ns_per_tick / ns_per_insn)
        .str(" (resolution ")
        .u64(ns_per_tick * 100u / ns_per_insn)
        .str("/100 instructions per tick)")
        .nl();
    return 0;
}

int heap_check() {
    if (&ember_firmware_startup_heap_bytes != nullptr)
        firmware::Out()
            .str("heap-check: the C library's start-up took ")
            .u64(ember_firmware_startup_heap_bytes())
            .str(" bytes before the guard was armed; now calling malloc")
            .nl();
    // Through a volatile pointer, so the compiler cannot drop the call.
    void* (*volatile allocate)(std::size_t) = &std::malloc;
    void* p = allocate(16);
    firmware::Out()
        .str("heap-check: malloc returned ")
        .str(p != nullptr ? "memory" : "null")
        .str(": this build has no failing allocator")
        .nl();
    return 0;
}

int parse_shift(const char* s) {
    int v = 0;
    for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + (*s - '0');
    return v > 10 ? 10 : v;
}

} // namespace

int main(int argc, char** argv) {
    ember::fp::enable_flush(); // every ember call flushes anyway; data generation too
    if (const ember::Status s =
            detector.set_standardizer(EMBER_FW_MODEL(_mean), EMBER_FW_MODEL(_scale));
        s != ember::Status::ok)
        return setup_failed("set_standardizer", s);
    if (const ember::Status s = detector.set_threshold(EMBER_FW_MODEL(_threshold));
        s != ember::Status::ok)
        return setup_failed("set_threshold", s);
    detector.set_base(EMBER_FW_MODEL(_base_data)()); // nullptr without a Gaussian base
#ifdef EMBER_FIRMWARE_SAMPLES
    if (argc < 2) return score_samples();
#endif

    if (argc >= 2 && same(argv[1], "--emit-expected")) return emit_expected();
    if (argc >= 3 && same(argv[1], "--count")) return count(parse_shift(argv[2]));
    if (argc >= 2 && same(argv[1], "--heap-check")) return heap_check();
    if (argc >= 2) {
        firmware::Out().str("usage: score [--emit-expected | --count SHIFT | --heap-check]").nl();
        return 2;
    }

    firmware::Out out;
    out.str("ember scoring firmware: D = ")
        .u64(D)
        .str(", ")
        .u64(Net::param_count)
        .str(" float parameters (crc32 0x")
        .hex32(model_crc())
        .str("), threshold 0x")
        .bits(detector.threshold())
        .str(" = ")
        .fixed(detector.threshold())
        .nl();
#ifdef EMBER_FIRMWARE_EXPECTED_HEADER
    static_assert(firmware_expected_count == firmware_demo::stream_length,
                  "the expected-bits header is for another stream");
    const bool compare = firmware_expected_model_crc == model_crc();
    if (!compare) {
        out.str("score: the expected bits are for another model (crc32 0x")
            .hex32(firmware_expected_model_crc)
            .str("): regenerate them")
            .nl();
        return 1;
    }
#endif
    ember::Pcg32 rng(firmware_demo::stream_seed, firmware_demo::stream_id);
    std::size_t flagged = 0, planted = 0, caught = 0, alarms = 0, mismatches = 0;
    for (std::size_t i = 0; i < firmware_demo::stream_length; ++i) {
        float x[D];
        stream_vector(rng, i, x);
        ember::detect::Verdict<float> v;
        if (const int s = ember_fw_check(x, &v); s != 0)
            return setup_failed("check", static_cast<ember::Status>(s));
        const bool truth = firmware_demo::stream_is_anomaly(i);
        flagged += v.is_anomaly ? 1u : 0u;
        planted += truth ? 1u : 0u;
        caught += truth && v.is_anomaly ? 1u : 0u;
        alarms += v.alarm ? 1u : 0u;
        out.u64(i, 3).str("  energy 0x").bits(v.energy).str(" ");
        if (!(v.energy < 0.0f)) out.ch(' ');
        out.fixed(v.energy).str(v.is_anomaly ? "  anomaly" : "  normal ");
        if (v.alarm) out.str("  alarm");
#ifdef EMBER_FIRMWARE_EXPECTED_HEADER
        if (firmware::Out::bits_of(v.energy) != firmware_expected_energy_bits[i]) {
            ++mismatches;
            out.str("  MISMATCH: the host computed 0x").hex32(firmware_expected_energy_bits[i]);
        }
#endif
        out.nl();
    }
    out.u64(firmware_demo::stream_length)
        .str(" vectors: ")
        .u64(flagged)
        .str(" flagged, ")
        .u64(caught)
        .str(" of the ")
        .u64(planted)
        .str(" planted anomalies caught, alarm on for ")
        .u64(alarms)
        .str(" vectors")
        .nl();
#ifdef EMBER_FIRMWARE_EXPECTED_HEADER
    out.str("energies bit-identical to the host's: ")
        .u64(firmware_demo::stream_length - mismatches)
        .str(" of ")
        .u64(firmware_demo::stream_length)
        .nl();
    return mismatches == 0 ? 0 : 1;
#else
    (void)mismatches;
    out.str("no expected bits for this model: nothing compared").nl();
    return 0;
#endif
}
