// Bit-identical training across targets: the host wrote golden_train.inc;
// x86-64 (sse2, avx2), aarch64, armv7 (NEON and VFP only) and Cortex-M must
// reproduce the losses, gradients and parameters of every estimator's run.
#include "golden_check.hpp"
#include "golden_train_cases.hpp"

namespace ember_test_golden_train { // one namespace per test file (EMBER_TEST_UNITY batches)
namespace {
#include "golden_train.inc"
}

TEST_CASE("golden: training runs are bit-identical to the host's values") {
    constexpr std::size_t n = sizeof(golden_entries) / sizeof(golden_entries[0]);
    golden::Checker c(golden_entries, n);
    golden::train_cases(c);
    CHECK(c.seen() == n);
    CHECK(c.mismatched() == 0);
}

} // namespace ember_test_golden_train
