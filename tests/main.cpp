// Runner of ember_tests. On bare metal, newlib's rdimon-crt0 fills argc/argv
// from the semihosting command line (ports/cortex_m/run-qemu.sh), so doctest's
// options such as --test-case=... work the same on every target.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    return context.run();
}
