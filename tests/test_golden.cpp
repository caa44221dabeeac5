// Bit-identical across targets: the host wrote golden_mlp.inc; x86-64 (sse2,
// avx2), aarch64, armv7 (NEON and VFP only) and Cortex-M4F must reproduce it.
#include "golden_check.hpp"
#include "golden_mlp_cases.hpp"

#include "ember/fp.hpp"

#include <cstring>

namespace ember_test_golden { // one namespace per test file (EMBER_TEST_UNITY batches)
namespace {
#include "golden_mlp.inc"
}

TEST_CASE("golden: MLP passes are bit-identical to the host's values") {
    constexpr std::size_t n = sizeof(golden_entries) / sizeof(golden_entries[0]);
    std::size_t expected = 0;
    for (std::size_t i = 0; i < n; ++i) expected += golden::runs_case(golden_entries[i].tag);
    if (!golden::kSaturatedCases)
        MESSAGE("software float: the saturated (subnormal) golden cases are not run");
    if (!golden::kLargeCases) MESSAGE("small RAM: the 16-32-32 golden cases are not run");
    golden::Checker c(golden_entries, n);
    golden::mlp_cases(c);
    CHECK(c.seen() == expected);
    CHECK(c.mismatched() == 0);
}

} // namespace ember_test_golden
