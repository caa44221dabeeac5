// Strict parsing of numbers given on a command line, shared by every ember
// tool (the `ember` CLI, ember_toy2d, ember_vibration).
//
// Strict means: the whole text is the number (no leading or trailing space,
// no trailing junk), decimal only (no hexadecimal, no "nan" or "inf"),
// integers are written as integers ("1e3" is not an integer), and the value
// is range-checked. On failure the functions return a message that names the
// flag, the text and the accepted range, and leave `out` unchanged; the
// caller decides how to exit.
#pragma once

#include <string>

namespace ember::host {

/// A decimal integer in [min, max]: digits only (no sign).
/// Returns an empty string on success, else the message.
[[nodiscard]] std::string parse_uint(const std::string& flag, const std::string& text,
                                     unsigned long long min, unsigned long long max,
                                     unsigned long long& out);

/// Whether the ends of an interval belong to it.
enum class Ends { open, closed };

/// A finite decimal number in the interval lo..hi (open or closed at both
/// ends), as the nearest float (strtof: one rounding).
/// Returns an empty string on success, else the message.
[[nodiscard]] std::string parse_float(const std::string& flag, const std::string& text, float lo,
                                      float hi, Ends ends, float& out);

/// The same as a double.
[[nodiscard]] std::string parse_double(const std::string& flag, const std::string& text, double lo,
                                       double hi, Ends ends, double& out);

} // namespace ember::host
