// Version of the host library (ember::host).
#pragma once

namespace ember::host {

/// The library version, "major.minor.patch": EMBER_VERSION_STRING of
/// <ember/config.hpp>, where the version is written.
const char* version_string() noexcept;

} // namespace ember::host
