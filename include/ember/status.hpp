// ember — status codes returned by every fallible call.
#pragma once

#include <cstdint>

namespace ember {

/// Result of a fallible operation. Bad data is reported, never repaired:
/// a call that returns anything but `ok` has left its outputs untouched
/// unless its documentation says otherwise.
enum class [[nodiscard]] Status : std::uint8_t{
    ok = 0,
    non_finite_input,   ///< an input value was NaN or infinite
    non_finite_output,  ///< the computation produced NaN or infinity (diverged)
    dimension_mismatch, ///< a size did not match the compile-time shape
    invalid_argument,   ///< a parameter, setting or object state is out of its documented range
    diverged,   ///< finite, but outside the range the caller set as sane (e.g. |f| above a limit)
    truncated,  ///< the input ended before the data it announces (io/model_file.hpp)
    bad_format, ///< not this format, or a version or field value it does not define
    architecture_mismatch, ///< a well-formed file of another network than the compile-time type
    checksum_mismatch,     ///< the stored CRC-32 does not match the bytes
    buffer_too_small,      ///< the output buffer cannot hold what would be written
    out_of_range_input,    ///< an input value was finite but outside the range the call accepts
};

/// Number of Status values (for tables and fuzzers).
inline constexpr int status_count = 12;

/// Short, stable, human-readable name of a status ("non_finite_input").
constexpr const char* status_name(Status s) noexcept {
    switch (s) {
    case Status::ok: return "ok";
    case Status::non_finite_input: return "non_finite_input";
    case Status::non_finite_output: return "non_finite_output";
    case Status::dimension_mismatch: return "dimension_mismatch";
    case Status::invalid_argument: return "invalid_argument";
    case Status::diverged: return "diverged";
    case Status::truncated: return "truncated";
    case Status::bad_format: return "bad_format";
    case Status::architecture_mismatch: return "architecture_mismatch";
    case Status::checksum_mismatch: return "checksum_mismatch";
    case Status::buffer_too_small: return "buffer_too_small";
    case Status::out_of_range_input: return "out_of_range_input";
    }
    return "unknown";
}

/// True when `s` is Status::ok.
constexpr bool is_ok(Status s) noexcept { return s == Status::ok; }

} // namespace ember
