// libFuzzer target for the CSV reader (lib/ember/host/csv.hpp): any input
// must be accepted or refused without reading outside it; a refusal leaves
// the destination untouched and names a position inside the input; an
// accepted table is consistent (rows x features values, finite, 0/1 labels)
// and, written back as CSV, parses to the same table. A reference reader
// below, written from the format in csv.hpp (a grammar for the numbers,
// strtof only for their value), must give the same verdict, the same table
// and the same error line: the reader accepts nothing outside the format
// (a quote, a blank, a hexadecimal number, a ragged row) and refuses
// nothing inside it.
// Built with -DEMBER_FUZZ=ON and clang (tests/fuzz/CMakeLists.txt); seeds in
// tests/fuzz/corpus/csv/, dictionary tests/fuzz/csv.dict.
#include "ember/host/csv.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

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

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_csv: %s\n", what);
    std::abort();
}

// The reference reader. Its verdict: ok, or the line of the first error.
struct Reference {
    bool ok = false;
    std::size_t error_line = 0;
    std::vector<std::string> lines; // without their line ends (for the column bound)
    CsvTable table;
};

bool digit(char c) { return c >= '0' && c <= '9'; }

// [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?, the whole text.
bool decimal(const std::string& s) {
    std::size_t i = 0, mantissa = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    while (i < s.size() && digit(s[i])) ++i, ++mantissa;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && digit(s[i])) ++i, ++mantissa;
    }
    if (mantissa == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        std::size_t exponent = 0;
        while (i < s.size() && digit(s[i])) ++i, ++exponent;
        if (exponent == 0) return false;
    }
    return i == s.size();
}

Reference reference(std::string_view text, std::size_t max_features) {
    Reference r;
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    // Lines: split at LF; a CR before the LF is not part of the line; a final
    // LF ends the last line rather than starting an empty one.
    std::string cur;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            r.lines.push_back(cur);
            cur.clear();
        } else {
            cur += text[i];
        }
    }
    if (!text.empty() && text.back() != '\n') r.lines.push_back(cur);
    for (std::string& l : r.lines)
        if (!l.empty() && l.back() == '\r') l.pop_back();

    auto fields_of = [](const std::string& line) {
        std::vector<std::string> f(1);
        for (char c : line) {
            if (c == ',')
                f.emplace_back();
            else
                f.back() += c;
        }
        return f;
    };
    auto refuse = [&r](std::size_t line) {
        r.error_line = line;
        return r;
    };
    if (r.lines.empty()) return refuse(1);
    const std::string& header = r.lines[0];
    if (header.empty() || header.find_first_of("\"'") != std::string::npos) return refuse(1);
    const std::vector<std::string> names = fields_of(header);
    std::size_t label = names.size();
    for (std::size_t c = 0; c < names.size(); ++c) {
        const std::string& name = names[c];
        if (name.empty()) return refuse(1);
        for (char ch : name)
            if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return refuse(1);
        for (std::size_t p = 0; p < c; ++p)
            if (names[p] == name) return refuse(1);
        if (name == "label")
            label = c;
        else
            r.table.features.push_back(name);
    }
    if (r.table.features.empty() || r.table.features.size() > max_features) return refuse(1);
    for (std::size_t ln = 1; ln < r.lines.size(); ++ln) {
        const std::string& line = r.lines[ln];
        if (line.empty() || line.find_first_of("\"'") != std::string::npos) return refuse(ln + 1);
        const std::vector<std::string> fields = fields_of(line);
        if (fields.size() != names.size()) return refuse(ln + 1);
        for (std::size_t c = 0; c < fields.size(); ++c) {
            if (!decimal(fields[c])) return refuse(ln + 1);
            const float v = std::strtof(fields[c].c_str(), nullptr);
            if (!std::isfinite(v)) return refuse(ln + 1);
            if (c == label) {
                if (v != 0.0f && v != 1.0f) return refuse(ln + 1);
                r.table.labels.push_back(v == 1.0f ? 1 : 0);
            } else {
                r.table.values.push_back(v);
            }
        }
        ++r.table.rows;
    }
    if (r.table.rows == 0) return refuse(r.lines.size() + 1);
    r.ok = true;
    return r;
}

bool same_bits(const CsvTable& a, const CsvTable& b) {
    if (a.features != b.features || a.rows != b.rows || a.labels != b.labels ||
        a.values.size() != b.values.size())
        return false;
    return a.values.empty() ||
           std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(float)) == 0;
}

void check(std::string_view text, std::size_t max_features) {
    CsvTable t;
    t.features = {"before"};
    t.values = {1.0f};
    t.rows = 1;
    const CsvTable before = t;
    CsvError err;
    const Reference ref = reference(text, max_features);
    if (!ember::host::parse_csv(text, t, err, max_features)) {
        if (!same(t, before)) fail("a refused input wrote to the destination");
        if (err.line == 0 || err.column == 0 || err.message.empty())
            fail("a refusal without a position or a message");
        if (ref.ok) fail("refused an input of the format (the reference reads it)");
        if (err.line != ref.error_line) fail("the error is on another line than the reference's");
        if (err.line <= ref.lines.size() && err.column > ref.lines[err.line - 1].size() + 1)
            fail("the error column is past the end of its line");
        return;
    }
    if (!ref.ok) fail("accepted an input outside the format (the reference refuses it)");
    if (!same_bits(t, ref.table)) fail("the table differs from the reference's");
    const std::size_t nf = t.features.size();
    if (t.rows == 0 || nf == 0 || nf > max_features || t.values.size() != t.rows * nf ||
        (!t.labels.empty() && t.labels.size() != t.rows))
        fail("an accepted table is inconsistent");
    for (float v : t.values)
        if (!std::isfinite(v)) fail("an accepted value is not finite");
    for (int l : t.labels)
        if (l != 0 && l != 1) fail("an accepted label is neither 0 nor 1");
    CsvTable again;
    if (!ember::host::parse_csv(write(t), again, err, max_features) || !same(again, t))
        fail("an accepted table, written as CSV, reads differently");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A heap copy of exactly `size` bytes: ASan catches any read past it.
    const std::string text(reinterpret_cast<const char*>(data), size);
    check(text, ember::host::csv_default_max_features);
    check(text, 2);
    return 0;
}
