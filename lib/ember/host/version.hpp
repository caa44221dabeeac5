// Version of the host library (ember::host).
#pragma once

namespace ember::host {

/// The library version, "major.minor.patch".
const char* version_string() noexcept;

} // namespace ember::host
