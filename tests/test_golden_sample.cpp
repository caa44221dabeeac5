// Bit-identical sampling across targets: the host wrote golden_sample.inc;
// x86-64 (sse2, avx2), aarch64, armv7 (NEON and VFP only) and Cortex-M must
// reproduce every chain's position, f, acceptance and adapted step size.
#include "golden_check.hpp"
#include "golden_sample_cases.hpp"

namespace ember_test_golden_sample { // one namespace per test file (EMBER_TEST_UNITY batches)
namespace {
#include "golden_sample.inc"
}

TEST_CASE("golden: sampler runs are bit-identical to the host's values") {
    constexpr std::size_t n = sizeof(golden_entries) / sizeof(golden_entries[0]);
    golden::Checker c(golden_entries, n);
    golden::sample_cases(c);
    CHECK(c.seen() == n);
    CHECK(c.mismatched() == 0);
}

} // namespace ember_test_golden_sample
