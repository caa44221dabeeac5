// Strict command-line numbers (lib/ember/host/numbers.hpp), shared by the
// ember CLI, ember_toy2d and ember_vibration.
#include "ember/host/numbers.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

namespace ember_test_numbers_host { // one namespace per test file (EMBER_TEST_UNITY batches)

using ember::host::Ends;

TEST_CASE("parse_uint: whole decimal integers in range, nothing else") {
    unsigned long long v = 7;
    CHECK(ember::host::parse_uint("--steps", "1000", 1, 4294967295ull, v).empty());
    CHECK(v == 1000);
    CHECK(ember::host::parse_uint("--seed", "18446744073709551615", 0, ~0ull, v).empty());
    CHECK(v == ~0ull);
    for (const char* bad : {"", "-5", "+5", "1e3", "1.0", " 12", "12 ", "0x10", "12a", "4294967296",
                            "18446744073709551616", "99999999999999999999999"}) {
        v = 7;
        const std::string e = ember::host::parse_uint("--steps", bad, 1, 4294967295ull, v);
        CAPTURE(bad);
        CHECK(e == std::string("--steps: '") + bad + "' is not an integer in [1, 4294967295]");
        CHECK(v == 7); // unchanged
    }
    CHECK_FALSE(ember::host::parse_uint("--k", "0", 1, 10, v).empty());
    CHECK_FALSE(ember::host::parse_uint("--k", "9", 0, 3, v).empty()); // max < digit
}

TEST_CASE("parse_float: decimal, finite, inside the interval") {
    float f = 0.5f;
    CHECK(ember::host::parse_float("--lr", "3e-3", 0.0f, 1.0f, Ends::open, f).empty());
    CHECK(f == 3e-3f);
    CHECK(ember::host::parse_float("--lr", ".25", 0.0f, 1.0f, Ends::open, f).empty());
    CHECK(f == 0.25f);
    for (const char* bad : {"", "0", "1", "-0.1", "nan", "inf", "0x1p-3", " 0.1", "0.1 ", "0.1x",
                            "1e", "e3", ".", "--1", "+0.5", "1e999"}) {
        f = 0.5f;
        CAPTURE(bad);
        CHECK_FALSE(ember::host::parse_float("--lr", bad, 0.0f, 1.0f, Ends::open, f).empty());
        CHECK(f == 0.5f);
    }
    CHECK(ember::host::parse_float("--lr", "0", 0.0f, 1.0f, Ends::open, f) ==
          "--lr: '0' is not a number in (0, 1)");
    double d = 0.0;
    CHECK(ember::host::parse_double("--fault-fraction", "1", 0.0, 1.0, Ends::closed, d).empty());
    CHECK(d == 1.0);
    CHECK(ember::host::parse_double("--x", "-2.5e1", -100.0, 0.0, Ends::closed, d).empty());
    CHECK(d == -25.0);
    CHECK(ember::host::parse_double("--fault-fraction", "1.5", 0.0, 1.0, Ends::closed, d) ==
          "--fault-fraction: '1.5' is not a number in [0, 1]");
}

} // namespace ember_test_numbers_host
