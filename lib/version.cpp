#include "ember/host/version.hpp"

namespace ember::host {

const char* version_string() noexcept { return "0.1.0"; }

} // namespace ember::host
