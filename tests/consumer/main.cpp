// Builds against the installed ember package (see .ci/run).
#include <ember/config.hpp>

int main() {
#if !defined(EMBER_USE_XSIMD)
#error "ember::ember should define EMBER_USE_XSIMD"
#endif
    return 0;
}
