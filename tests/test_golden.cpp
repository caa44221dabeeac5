// Bit-identical across targets: the host wrote golden_mlp.inc; x86-64 (sse2,
// avx2), aarch64, armv7 (NEON and VFP only) and Cortex-M4F must reproduce it.
#include "golden_check.hpp"
#include "golden_mlp_cases.hpp"

#include "ember/fp.hpp"

#include <cstring>

namespace {
#include "golden_mlp.inc"
}

TEST_CASE("golden: MLP passes are bit-identical to the host's values") {
    constexpr std::size_t n = sizeof(golden_entries) / sizeof(golden_entries[0]);
    // The saturated networks (tags "sat_...", last in the table) need the
    // flush-to-zero contract, which software floating point cannot keep
    // (Cortex-M3): skipped there, with a message.
    const bool saturated = ember::fp::hardware_flush<float>;
    std::size_t expected = 0;
    for (std::size_t i = 0; i < n; ++i)
        expected += saturated || std::strncmp(golden_entries[i].tag, "sat_", 4) != 0;
    if (!saturated) MESSAGE("software float: saturated (subnormal) golden cases skipped");
    golden::Checker c(golden_entries, n);
    golden::mlp_cases(c, saturated);
    CHECK(c.seen() == expected);
    CHECK(c.mismatched() == 0);
}
