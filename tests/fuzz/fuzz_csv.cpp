// libFuzzer target for the CSV reader (lib/ember/host/csv.hpp): any input
// must be accepted or refused without reading outside it; a refusal leaves
// the destination untouched and names a position inside the input; an
// accepted table is consistent (rows x features values, finite, 0/1 labels)
// and, written back as CSV, parses to the same table.
// Built with -DEMBER_FUZZ=ON and clang (tests/fuzz/CMakeLists.txt).
#include "ember/host/csv.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using ember::host::CsvError;
using ember::host::CsvTable;

bool same(const CsvTable& a, const CsvTable& b) {
    return a.features == b.features && a.values == b.values && a.rows == b.rows &&
           a.labels == b.labels;
}

// The table as CSV, the label column last, every value exact (%.9g). A
// first name that starts with a byte-order mark (the input had two) gets one
// in front, which the reader skips.
std::string write(const CsvTable& t) {
    std::string s;
    if (t.features[0].compare(0, 3, "\xEF\xBB\xBF") == 0) s = "\xEF\xBB\xBF";
    for (std::size_t c = 0; c < t.features.size(); ++c) s += (c ? "," : "") + t.features[c];
    if (!t.labels.empty()) s += ",label";
    s += '\n';
    char buf[32];
    for (std::size_t r = 0; r < t.rows; ++r) {
        for (std::size_t c = 0; c < t.features.size(); ++c) {
            std::snprintf(buf, sizeof buf, "%s%.9g", c ? "," : "",
                          static_cast<double>(t.values[r * t.features.size() + c]));
            s += buf;
        }
        if (!t.labels.empty()) s += t.labels[r] ? ",1" : ",0";
        s += '\n';
    }
    return s;
}

void check(std::string_view text, std::size_t max_features) {
    CsvTable t;
    t.features = {"before"};
    t.values = {1.0f};
    t.rows = 1;
    const CsvTable before = t;
    CsvError err;
    if (!ember::host::parse_csv(text, t, err, max_features)) {
        if (!same(t, before)) std::abort(); // a refused input wrote to the destination
        if (err.line == 0 || err.column == 0 || err.message.empty()) std::abort();
        return;
    }
    const std::size_t nf = t.features.size();
    if (t.rows == 0 || nf == 0 || nf > max_features || t.values.size() != t.rows * nf ||
        (!t.labels.empty() && t.labels.size() != t.rows))
        std::abort();
    for (float v : t.values)
        if (!std::isfinite(v)) std::abort();
    for (int l : t.labels)
        if (l != 0 && l != 1) std::abort();
    CsvTable again;
    if (!ember::host::parse_csv(write(t), again, err, max_features) || !same(again, t))
        std::abort(); // accepted, but its own CSV reads differently
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A heap copy of exactly `size` bytes: ASan catches any read past it.
    const std::string text(reinterpret_cast<const char*>(data), size);
    check(text, ember::host::csv_default_max_features);
    check(text, 2);
    return 0;
}
