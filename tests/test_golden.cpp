// Bit-identical across targets: the host wrote golden_mlp.inc; x86-64 (sse2,
// avx2), aarch64, armv7 (NEON and VFP only) and Cortex-M4F must reproduce it.
#include "golden_check.hpp"
#include "golden_mlp_cases.hpp"

namespace {
#include "golden_mlp.inc"
}

TEST_CASE("golden: MLP passes are bit-identical to the host's values") {
    constexpr std::size_t n = sizeof(golden_entries) / sizeof(golden_entries[0]);
    golden::Checker c(golden_entries, n);
    golden::mlp_cases(c);
    CHECK(c.seen() == n);
    CHECK(c.mismatched() == 0);
}
