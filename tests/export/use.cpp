// Compiles the exported header (-Wall -Wextra -Wpedantic -Werror, ember's
// headers only, no ember::host) in two translation units and checks that it
// is the network gen.cpp wrote, bit for bit.
#include "exported_model.hpp"
#include "model.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>

// The compile-time architecture check a firmware would write.
static_assert(std::is_same_v<exported_net, export_test::Net>);
static_assert(std::is_same_v<decltype(exported_view()), export_test::Net::view_type>);
static_assert(sizeof(exported_params) == sizeof(float) * export_test::Net::param_count);
static_assert(exported_log_z == export_test::log_z);
static_assert(exported_threshold == export_test::threshold);
static_assert(exported_view().data() == exported_params); // constexpr, in place

const float* params_seen_by_other_unit() noexcept; // use2.cpp

namespace {
int failures = 0;
void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "export_header: %s\n", what);
        ++failures;
    }
}
} // namespace

int main() {
    using export_test::Net;
    static Net net;
    net.init(export_test::seed);
    net.params[0] = std::numeric_limits<float>::denorm_min();
    net.params[1] = -0.0f;
    check(std::memcmp(net.params.data(), exported_params, sizeof exported_params) == 0,
          "parameters differ");
    check(std::memcmp(exported_mean, export_test::mean, sizeof exported_mean) == 0, "mean differs");
    check(std::memcmp(exported_scale, export_test::scale, sizeof exported_scale) == 0,
          "scale differs");
    check(params_seen_by_other_unit() == exported_params, "two copies of the parameters");
    check(reinterpret_cast<std::uintptr_t>(exported_params) % EMBER_ALIGN == 0, "not aligned");
    const auto view = exported_view();
    const float x[3] = {0.3f, -1.2f, 2.0f};
    const float f = view.value(x);
    const float want = net.value(x);
    check(std::memcmp(&f, &want, sizeof f) == 0, "f differs");
    float checked = 0;
    check(view.evaluate(x, checked) == ember::Status::ok && checked == f, "evaluate differs");
    if (failures == 0) std::printf("export_header: ok (%zu parameters)\n", Net::param_count);
    return failures == 0 ? 0 : 1;
}
