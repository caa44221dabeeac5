// A strict reader of numeric CSV tables (the input of the `ember` tool):
//
//     ember::host::CsvTable t;
//     ember::host::CsvError e;
//     if (!ember::host::read_csv("data.csv", t, e)) {
//         std::fprintf(stderr, "%s\n", ember::host::describe(e, "data.csv").c_str());
//         return 1;
//     }
//     // t.features: column names; t.values: t.rows x t.features.size(),
//     // row-major; t.labels: one 0/1 per row if the file has a `label` column.
//
// The format, and nothing else:
//   - a header row of column names, then one or more data rows, all with as
//     many comma-separated fields as the header; lines end with LF or CRLF,
//     the last one optionally; a UTF-8 byte-order mark at the very start is
//     skipped (columns are counted after it);
//   - no quoting: a quote character (" or ') anywhere is an error;
//   - nothing is trimmed: " 1.5" is not a number, " x" is not the column "x";
//   - column names are non-empty, unique, without control characters;
//   - a field is a decimal number in the whole of its text, as strtof reads
//     it in the "C" locale (the reader relies on LC_NUMERIC being "C", the
//     default of a program that never calls setlocale): "1", "-2.5", "3e-4",
//     "+.5"; hexadecimal ("0x1p3") is refused; nan, inf, infinity and
//     numbers beyond float's range are refused as non-finite; numbers too
//     small for float become 0 or a subnormal, as strtof gives them;
//   - the column named exactly `label`, wherever it stands, is not a
//     feature: its fields must be numbers equal to 0 or 1 ("0", "1", "1.0");
//   - an empty line (other than the optional final line end) is an error;
//   - at most `max_features` feature columns (the label column not counted),
//     and at least one.
//
// Errors name the 1-based line and the 1-based column (bytes from the start
// of the line) where the problem is, and what was found there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ember::host {

/// The limit of feature columns of the `ember` tool.
inline constexpr std::size_t csv_default_max_features = 64;

/// A numeric table read from CSV.
struct CsvTable {
    std::vector<std::string> features; ///< feature column names, in file order
    std::vector<float> values;         ///< rows x features.size(), row-major
    std::size_t rows = 0;
    std::vector<int> labels; ///< one 0/1 per row; empty if there is no label column
};

/// Where and why a CSV input was refused. line and column are 1-based; both
/// are 0 for errors about the file itself (it cannot be opened or read).
struct CsvError {
    std::size_t line = 0;
    std::size_t column = 0;
    std::string message; ///< what is wrong and what was found, e.g. "non-numeric field 'x1' (column
                         ///< 'speed')"
};

/// Parses `text` as CSV into `out`. On failure returns false, fills `err` and
/// leaves `out` as it was.
bool parse_csv(std::string_view text, CsvTable& out, CsvError& err,
               std::size_t max_features = csv_default_max_features);

/// Reads the file `path` and parses it as parse_csv does.
bool read_csv(const std::string& path, CsvTable& out, CsvError& err,
              std::size_t max_features = csv_default_max_features);

/// One line for a user: "data.csv:3:7: empty field (column 'x')", or
/// "data.csv: cannot open ..." when the error has no position.
std::string describe(const CsvError& err, const std::string& path);

} // namespace ember::host
