#include "ember/host/csv.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace ember::host {

namespace {

constexpr std::string_view label_name = "label";

// `s` for a message: in single quotes, bytes outside printable ASCII as \xNN,
// at most 40 bytes of it (then "...").
std::string quoted(std::string_view s) {
    static const char* const hex = "0123456789abcdef";
    constexpr std::size_t max_shown = 40;
    std::string q = "'";
    for (std::size_t i = 0; i < s.size() && i < max_shown; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f) {
            q += static_cast<char>(c);
        } else {
            q += "\\x";
            q += hex[c >> 4];
            q += hex[c & 0xFu];
        }
    }
    if (s.size() > max_shown) q += "...";
    q += '\'';
    return q;
}

bool fail(CsvError& err, std::size_t line, std::size_t column, std::string message) {
    err.line = line;
    err.column = column;
    err.message = std::move(message);
    return false;
}

struct Field {
    std::string_view text;
    std::size_t column; // 1-based
};

// Splits a line (without its line end) at commas.
void split(std::string_view line, std::vector<Field>& fields) {
    fields.clear();
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = line.find(',', start);
        if (comma == std::string_view::npos) {
            fields.push_back({line.substr(start), start + 1});
            return;
        }
        fields.push_back({line.substr(start, comma - start), start + 1});
        start = comma + 1;
    }
}

bool is_number_char(char c) {
    return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E';
}

enum class Number { ok, not_numeric, not_finite };

// The whole of `text` as a decimal float (see csv.hpp); `buffer` is scratch.
Number parse_number(std::string_view text, std::string& buffer, float& value) {
    buffer.assign(text.data(), text.size());
    const char first = buffer.empty() ? '\0' : buffer[0];
    // strtof skips leading white space; the format does not.
    if (!is_number_char(first) && !(first >= 'a' && first <= 'z') &&
        !(first >= 'A' && first <= 'Z'))
        return Number::not_numeric;
    char* end = nullptr;
    const float v = std::strtof(buffer.c_str(), &end);
    if (end != buffer.c_str() + buffer.size()) return Number::not_numeric;
    if (!std::isfinite(v)) return Number::not_finite; // nan, inf, or overflow
    for (char c : buffer)
        if (!is_number_char(c)) return Number::not_numeric; // hexadecimal
    value = v;
    return Number::ok;
}

bool has_control_char(std::string_view s) {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return true;
    }
    return false;
}

// One line of the input at a time, without its LF or CRLF.
class Lines {
public:
    explicit Lines(std::string_view text) : text_(text) {}

    bool next(std::string_view& line) {
        if (pos_ >= text_.size()) return false;
        const std::size_t nl = text_.find('\n', pos_);
        const std::size_t end = nl == std::string_view::npos ? text_.size() : nl;
        line = text_.substr(pos_, end - pos_);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
        ++number_;
        return true;
    }
    std::size_t number() const { return number_; }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t number_ = 0;
};

// The 1-based column of the first quote character in `line`, or 0.
std::size_t quote_column(std::string_view line) {
    const std::size_t q = line.find_first_of("\"'");
    return q == std::string_view::npos ? 0 : q + 1;
}

} // namespace

bool parse_csv(std::string_view text, CsvTable& out, CsvError& err, std::size_t max_features) {
    constexpr std::string_view bom = "\xEF\xBB\xBF";
    if (text.substr(0, bom.size()) == bom) text.remove_prefix(bom.size());
    if (text.empty()) return fail(err, 1, 1, "empty file");

    Lines lines(text);
    std::string_view line;
    lines.next(line);
    if (line.empty()) return fail(err, 1, 1, "no header: line 1 is empty");
    if (const std::size_t q = quote_column(line))
        return fail(err, 1, q,
                    std::string("quote character ") + line[q - 1] + " (quoting is not supported)");

    std::vector<Field> fields;
    split(line, fields);
    const std::size_t ncols = fields.size();
    // The limit first, in one pass: the checks below compare names pairwise.
    std::size_t nfeat = 0;
    for (const Field& f : fields)
        if (f.text != label_name && ++nfeat == max_features + 1) {
            std::size_t total = 0;
            for (const Field& g : fields) total += g.text != label_name ? 1u : 0u;
            return fail(err, 1, f.column,
                        std::to_string(total) + " feature columns, more than the limit of " +
                            std::to_string(max_features));
        }
    std::size_t label_col = ncols; // ncols: none
    CsvTable t;
    for (std::size_t c = 0; c < ncols; ++c) {
        const Field& f = fields[c];
        if (f.text.empty())
            return fail(err, 1, f.column,
                        "empty column name (field " + std::to_string(c + 1) + ")");
        if (has_control_char(f.text))
            return fail(err, 1, f.column, "control character in column name " + quoted(f.text));
        for (std::size_t p = 0; p < c; ++p)
            if (fields[p].text == f.text)
                return fail(err, 1, f.column,
                            "duplicate column name " + quoted(f.text) + " (first at column " +
                                std::to_string(fields[p].column) + ")");
        if (f.text == label_name)
            label_col = c;
        else
            t.features.emplace_back(f.text);
    }
    if (nfeat == 0) return fail(err, 1, 1, "no feature column (only 'label')");
    const bool has_label = label_col < ncols;

    std::string buffer;
    while (lines.next(line)) {
        const std::size_t ln = lines.number();
        if (line.empty()) return fail(err, ln, 1, "empty line");
        if (const std::size_t q = quote_column(line))
            return fail(err, ln, q,
                        std::string("quote character ") + line[q - 1] +
                            " (quoting is not supported)");
        split(line, fields);
        if (fields.size() < ncols)
            return fail(err, ln, line.size() + 1,
                        "too few fields: " + std::to_string(fields.size()) + ", the header has " +
                            std::to_string(ncols));
        if (fields.size() > ncols)
            return fail(err, ln, fields[ncols].column,
                        "too many fields: " + std::to_string(fields.size()) + ", the header has " +
                            std::to_string(ncols));
        std::size_t fi = 0;
        for (std::size_t c = 0; c < ncols; ++c) {
            const Field& f = fields[c];
            const bool is_label = c == label_col;
            const std::string_view name = is_label ? label_name : std::string_view(t.features[fi]);
            if (f.text.empty())
                return fail(err, ln, f.column, "empty field (column " + quoted(name) + ")");
            float v = 0.0f;
            switch (parse_number(f.text, buffer, v)) {
            case Number::not_numeric:
                return fail(err, ln, f.column,
                            "non-numeric field " + quoted(f.text) + " (column " + quoted(name) +
                                ")");
            case Number::not_finite:
                return fail(err, ln, f.column,
                            "non-finite value " + quoted(f.text) + " (column " + quoted(name) +
                                ")");
            case Number::ok: break;
            }
            if (is_label) {
                if (v != 0.0f && v != 1.0f)
                    return fail(err, ln, f.column, "label must be 0 or 1, found " + quoted(f.text));
                t.labels.push_back(v == 1.0f ? 1 : 0);
            } else {
                t.values.push_back(v);
                ++fi;
            }
        }
        ++t.rows;
    }
    if (t.rows == 0) return fail(err, lines.number() + 1, 1, "no data rows (only the header)");
    if (!has_label) t.labels.clear();
    std::swap(out, t);
    return true;
}

bool read_csv(const std::string& path, CsvTable& out, CsvError& err, std::size_t max_features) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr)
        return fail(err, 0, 0, "cannot open '" + path + "' for reading: " + std::strerror(errno));
    std::string text;
    char chunk[4096];
    std::size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) text.append(chunk, n);
    const bool read_error = std::ferror(f) != 0;
    const int read_errno = errno;
    std::fclose(f);
    if (read_error)
        return fail(err, 0, 0, "cannot read '" + path + "': " + std::strerror(read_errno));
    return parse_csv(text, out, err, max_features);
}

std::string describe(const CsvError& err, const std::string& path) {
    if (err.line == 0) return err.message;
    return path + ":" + std::to_string(err.line) + ":" + std::to_string(err.column) + ": " +
           err.message;
}

} // namespace ember::host
