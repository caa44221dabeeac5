#include "ember/host/version.hpp"

#include "ember/config.hpp"

namespace ember::host {

const char* version_string() noexcept { return EMBER_VERSION_STRING; }

} // namespace ember::host
