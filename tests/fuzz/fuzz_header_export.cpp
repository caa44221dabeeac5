// libFuzzer target for the export of a model file as a C++ header (what
// `ember export` does: host::decode_model_file, then host::export_c_header
// of the FileModel). Every input is used as is and with its CRC resealed
// (so mutated values and descriptors get past the checksum):
//   - decode_model_file refuses, leaving its destination untouched, or
//     accepts; it accepts exactly when read_architecture does and every
//     value (read here from the bytes) is finite and every scale > 0 (so
//     no NaN or infinity reaches the export);
//   - an accepted model is consistent with its descriptor (counts, flags)
//     and holds exactly the bits of the file's values;
//   - encode_model_file gives back the file byte for byte: the format is
//     canonical except that bytes after the file's size field are ignored
//     (so the encoding is the input's first file_size bytes), and that
//     encoding decodes to the same bits;
//   - the model exports, and the header text is well-formed C++ (printable
//     ASCII, balanced brackets outside comments and strings, identifiers
//     of [A-Za-z0-9_] only, numbers only decimal integers or hexadecimal
//     floating literals, no nan / inf anywhere in the code);
//   - a strict parser of exactly the exporter's format (below; it knows the
//     text, not the model) reads the header back: the name, the network
//     type (scalar, activation, D, hidden sizes), P, D, every array, log Z,
//     threshold, the base and <name>_base_data(), each literal canonical
//     (no trailing zero digits) and checked both by decoding its digits
//     here and by strtof / strtod; the model built from it encodes to the
//     same file bytes and every value has the same bits as decoded;
//   - a file of a network of fuzz_nets.hpp, loaded with io::load_model and
//     exported by the template export_c_header, gives the same text.
// Any failure aborts. Built with -DEMBER_FUZZ=ON and clang
// (tests/fuzz/CMakeLists.txt); seeds in tests/fuzz/corpus/header_export/
// (make_corpus.cpp --header-export).
#include "ember/config.hpp"
#include "ember/host/model_io.hpp"
#include "ember/io/crc32.hpp"
#include "ember/io/model_file.hpp"
#include "fuzz_nets.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ember::Status;
using ember::host::FileModel;
using Bytes = std::vector<std::uint8_t>;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_header_export: %s\n", what);
    std::abort();
}

void require(bool ok, const char* what) {
    if (!ok) fail(what);
}

bool reseal(Bytes& b) {
    if (b.size() < 12) return false;
    const std::uint32_t size = ember::io::detail::get_u32(b.data() + 8);
    if (size < 32 || size > b.size()) return false;
    ember::io::detail::put_u32(b.data() + size - 4, ember::io::crc32({b.data(), size - 4}));
    return true;
}

// ---- The values, as bits of the file's scalar type ------------------------

// The bits of `x` as a value of the file: a float file's doubles must be
// floats exactly (widened from one, so the same bits come back).
std::uint64_t bits_of(double x, bool is_float) {
    std::uint64_t d = 0;
    std::memcpy(&d, &x, sizeof d);
    if (!is_float) return d;
    const float f = static_cast<float>(x);
    const double back = static_cast<double>(f);
    std::uint64_t b = 0;
    std::memcpy(&b, &back, sizeof b);
    require(b == d, "a value of a float model is not a float");
    std::uint32_t u = 0;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

// Every value of `m` in file order (mean, scale, log Z, threshold, base,
// parameters), as bits.
std::vector<std::uint64_t> value_bits(const FileModel& m) {
    const bool is_float = m.arch.scalar == 1;
    std::vector<std::uint64_t> v;
    for (double x : m.mean) v.push_back(bits_of(x, is_float));
    for (double x : m.scale) v.push_back(bits_of(x, is_float));
    if (m.has_log_z) v.push_back(bits_of(m.log_z, is_float));
    if (m.has_threshold) v.push_back(bits_of(m.threshold, is_float));
    for (double x : m.base) v.push_back(bits_of(x, is_float));
    for (double x : m.params) v.push_back(bits_of(x, is_float));
    return v;
}

bool same_arch(const ember::io::Architecture& a, const ember::io::Architecture& b) {
    return a.flags == b.flags && a.scalar == b.scalar && a.activation == b.activation &&
           a.input_dim == b.input_dim && a.hidden_layers == b.hidden_layers &&
           a.hidden == b.hidden && a.param_count == b.param_count && a.file_size == b.file_size &&
           a.value_offset == b.value_offset;
}

bool same_model(const FileModel& a, const FileModel& b) {
    return same_arch(a.arch, b.arch) && a.has_log_z == b.has_log_z &&
           a.has_threshold == b.has_threshold && a.mean.size() == b.mean.size() &&
           a.scale.size() == b.scale.size() && a.base.size() == b.base.size() &&
           a.params.size() == b.params.size() && value_bits(a) == value_bits(b);
}

// ---- Well-formed C++ ------------------------------------------------------

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool dec_digit(char c) { return c >= '0' && c <= '9'; }
bool ident_char(char c) { return ident_start(c) || dec_digit(c); }
bool hex_digit(char c) { return dec_digit(c) || (c >= 'a' && c <= 'f'); }

bool equals_nocase(std::string_view s, std::string_view word) {
    if (s.size() != word.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
        if (c != word[i]) return false;
    }
    return true;
}

bool contains_nocase(std::string_view s, std::string_view word) {
    for (std::size_t i = 0; i + word.size() <= s.size(); ++i)
        if (equals_nocase(s.substr(i, word.size()), word)) return true;
    return false;
}

// [-]0x(0|1)[.hex]p(+|-)dec[f], exactly as hex_literal writes it (the
// fraction without trailing zeros, the exponent without leading ones), into
// the bits of a float (`is_float`) or double. False if `s` is anything else
// or not the canonical spelling of its value.
bool parse_literal(std::string_view s, bool is_float, std::uint64_t& bits) {
    const int mant = is_float ? 23 : 52, bias = is_float ? 127 : 1023;
    const int max_digits = (mant + 3) / 4;
    std::size_t i = 0;
    std::uint64_t sign = 0;
    if (i < s.size() && s[i] == '-') {
        sign = 1;
        ++i;
    }
    if (s.substr(i, 2) != "0x") return false;
    i += 2;
    if (i >= s.size() || (s[i] != '0' && s[i] != '1')) return false;
    const bool normal = s[i++] == '1';
    std::uint64_t digits = 0;
    int ndigits = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && hex_digit(s[i])) {
            const char c = s[i++];
            digits = digits * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
            if (++ndigits > max_digits) return false;
        }
        if (ndigits == 0 || s[i - 1] == '0') return false;
    }
    if (i >= s.size() || s[i++] != 'p') return false;
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
    const bool negative_exp = s[i++] == '-';
    const std::size_t exp_start = i;
    long e = 0;
    while (i < s.size() && dec_digit(s[i])) {
        e = e * 10 + (s[i++] - '0');
        if (e > 100000) return false;
    }
    if (i == exp_start || (s[exp_start] == '0' && i - exp_start > 1)) return false;
    if (negative_exp) {
        if (e == 0) return false; // "p-0"
        e = -e;
    }
    if (is_float) {
        if (i >= s.size() || s[i++] != 'f') return false;
    }
    if (i != s.size()) return false;
    // The fraction's bits: the digits, left-aligned in max_digits digits.
    const std::uint64_t aligned = digits << (4 * (max_digits - ndigits));
    const int spare = 4 * max_digits - mant;
    if ((aligned & ((std::uint64_t(1) << spare) - 1)) != 0) return false;
    const std::uint64_t frac = aligned >> spare;
    std::uint64_t biased = 0;
    if (normal) {
        if (e + bias < 1 || e + bias > 2 * bias) return false;
        biased = static_cast<std::uint64_t>(e + bias);
    } else if (frac == 0) {
        if (e != 0) return false; // zero is 0x0p+0
    } else if (e != 1 - bias) {
        return false; // a subnormal is 0x0.<frac>p<1 - bias>
    }
    bits = (sign << (is_float ? 31 : 63)) | (biased << mant) | frac;
    // The C library reads the same bits (hexadecimal, locale-independent).
    const std::string text(s.substr(0, is_float ? s.size() - 1 : s.size()));
    char* end = nullptr;
    std::uint64_t lib = 0;
    if (is_float) {
        const float f = std::strtof(text.c_str(), &end);
        std::uint32_t u = 0;
        std::memcpy(&u, &f, sizeof u);
        lib = u;
    } else {
        const double d = std::strtod(text.c_str(), &end);
        std::memcpy(&lib, &d, sizeof lib);
    }
    return end == text.c_str() + text.size() && lib == bits;
}

// Printable ASCII lines; outside // comments and "strings" (no escapes, on
// one line): only identifier characters, blanks and C++ punctuation, no
// identifier nan / inf / infinity, every number a decimal integer or a
// hexadecimal floating literal, ( [ { < balanced and properly nested.
void check_well_formed(const std::string& text) {
    require(!text.empty() && text.back() == '\n', "the header does not end with a newline");
    std::string stack;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        require(c == '\n' || (c >= 0x20 && c <= 0x7e), "the header has a non-printable byte");
        if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
            while (i < text.size() && text[i] != '\n') {
                require(text[i] >= 0x20 && text[i] <= 0x7e, "a comment has a non-printable byte");
                ++i;
            }
            continue;
        }
        if (c == '"') {
            const std::size_t close = text.find_first_of("\"\n\\", i + 1);
            require(close != std::string::npos && text[close] == '"',
                    "a string literal is not closed on its line (or has an escape)");
            i = close + 1;
            continue;
        }
        if (ident_start(c)) {
            const std::size_t start = i;
            while (i < text.size() && ident_char(text[i])) ++i;
            const std::string_view id(text.data() + start, i - start);
            require(!equals_nocase(id, "nan") && !equals_nocase(id, "inf") &&
                        !equals_nocase(id, "infinity"),
                    "the header names nan or inf");
            continue;
        }
        if (dec_digit(c)) { // a pp-number
            const std::size_t start = i;
            while (i < text.size() &&
                   (ident_char(text[i]) || text[i] == '.' ||
                    ((text[i] == '+' || text[i] == '-') && (text[i - 1] == 'p')))) {
                ++i;
            }
            const std::string_view num(text.data() + start, i - start);
            require(!contains_nocase(num, "nan") && !contains_nocase(num, "inf"),
                    "a number spells nan or inf");
            bool integer = true;
            for (char d : num) integer = integer && dec_digit(d);
            std::uint64_t ignored = 0;
            require(integer || parse_literal(num, true, ignored) ||
                        parse_literal(num, false, ignored),
                    "a number is neither an integer nor a hexadecimal floating literal");
            continue;
        }
        static constexpr std::string_view open = "([{<", close = ")]}>";
        if (const std::size_t k = open.find(c); k != std::string_view::npos) {
            stack += c;
        } else if (const std::size_t k2 = close.find(c); k2 != std::string_view::npos) {
            require(!stack.empty() && stack.back() == open[k2], "unbalanced brackets");
            stack.pop_back();
        } else {
            require(std::string_view(" \n;,:=.+-#*&").find(c) != std::string_view::npos,
                    "a character that the header's code should not have");
        }
        ++i;
    }
    require(stack.empty(), "unbalanced brackets at the end of the header");
}

// ---- The strict parser ----------------------------------------------------

struct Parsed {
    std::string name;
    FileModel model; // arch.scalar, activation, input_dim, hidden; the values
    bool base_data_null = true;
};

struct Lines {
    std::vector<std::string> lines;
    std::size_t at = 0;

    explicit Lines(const std::string& text) {
        std::size_t start = 0;
        for (std::size_t i = 0; i < text.size(); ++i)
            if (text[i] == '\n') {
                lines.push_back(text.substr(start, i - start));
                start = i + 1;
            }
        require(start == text.size(), "the last line has no newline");
    }
    bool done() const { return at == lines.size(); }
    const std::string& peek() const {
        require(!done(), "the header ends early");
        return lines[at];
    }
    const std::string& next() {
        const std::string& l = peek();
        ++at;
        return l;
    }
    void expect(const std::string& want) { require(next() == want, "a line is not as expected"); }
};

// "prefix<decimal>suffix" -> the number (no sign, no leading zero, < 2^32).
std::uint64_t number_between(const std::string& line, const std::string& prefix,
                             const std::string& suffix) {
    require(line.size() > prefix.size() + suffix.size() &&
                line.compare(0, prefix.size(), prefix) == 0 &&
                line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0,
            "a line does not have the expected form");
    const std::string digits =
        line.substr(prefix.size(), line.size() - prefix.size() - suffix.size());
    require(!digits.empty() && digits.size() <= 10 && (digits[0] != '0' || digits.size() == 1),
            "not a canonical decimal number");
    std::uint64_t v = 0;
    for (char c : digits) {
        require(dec_digit(c), "not a decimal number");
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    require(v <= 0xFFFFFFFFu, "a number does not fit 32 bits");
    return v;
}

// The `count` literals of an array, 4 to a line ("    a, b, c, d,"), then "};".
void parse_array(Lines& in, std::size_t count, bool is_float, std::vector<double>& out) {
    out.clear();
    while (out.size() < count) {
        const std::string& line = in.next();
        require(line.compare(0, 4, "    ") == 0, "an array line is not indented by 4");
        const std::size_t n = count - out.size() < 4 ? count - out.size() : 4;
        std::size_t pos = 4;
        for (std::size_t k = 0; k < n; ++k) {
            if (k > 0) {
                require(pos < line.size() && line[pos] == ' ',
                        "array literals not one blank apart");
                ++pos;
            }
            const std::size_t comma = line.find(',', pos);
            require(comma != std::string::npos, "an array literal without a comma");
            std::uint64_t bits = 0;
            require(parse_literal(std::string_view(line).substr(pos, comma - pos), is_float, bits),
                    "an array element is not a canonical hexadecimal literal");
            if (is_float) {
                const auto u = static_cast<std::uint32_t>(bits);
                float f;
                std::memcpy(&f, &u, sizeof f);
                out.push_back(static_cast<double>(f));
            } else {
                double d;
                std::memcpy(&d, &bits, sizeof d);
                out.push_back(d);
            }
            pos = comma + 1;
        }
        require(pos == line.size(), "an array line has more than it should");
    }
    in.expect("};");
}

double scalar_line(Lines& in, const std::string& prefix, bool is_float) {
    const std::string& line = in.next();
    require(line.size() > prefix.size() + 1 && line.compare(0, prefix.size(), prefix) == 0 &&
                line.back() == ';',
            "a scalar constant is not as expected");
    std::uint64_t bits = 0;
    require(
        parse_literal(std::string_view(line).substr(prefix.size(), line.size() - prefix.size() - 1),
                      is_float, bits),
        "a scalar constant is not a canonical hexadecimal literal");
    if (is_float) {
        const auto u = static_cast<std::uint32_t>(bits);
        float f;
        std::memcpy(&f, &u, sizeof f);
        return static_cast<double>(f);
    }
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}

// "ember::Mlp<float, ember::Swish, 3, 5, 4>" into p.model.arch.
void parse_net_type(const std::string& type, FileModel& m) {
    static const char* const acts[] = {"ember::Swish", "ember::Softplus", "ember::Tanh",
                                       "ember::Relu"};
    const std::string head = "ember::Mlp<";
    require(type.compare(0, head.size(), head) == 0 && type.back() == '>',
            "the network type is not ember::Mlp<...>");
    std::vector<std::string> parts;
    std::size_t start = head.size();
    for (;;) {
        const std::size_t comma = type.find(", ", start);
        if (comma == std::string::npos) {
            parts.push_back(type.substr(start, type.size() - 1 - start));
            break;
        }
        parts.push_back(type.substr(start, comma - start));
        start = comma + 2;
    }
    require(parts.size() >= 4 && parts.size() <= 3 + ember::io::max_described_layers,
            "the network type has the wrong number of arguments");
    require(parts[0] == "float" || parts[0] == "double",
            "the scalar type is neither float nor double");
    m.arch.scalar = parts[0] == "float" ? 1 : 2;
    m.arch.activation = 0;
    for (std::uint8_t k = 0; k < 4; ++k)
        if (parts[1] == acts[k]) m.arch.activation = static_cast<std::uint8_t>(k + 1);
    require(m.arch.activation != 0, "an unknown activation");
    m.arch.input_dim = static_cast<std::uint32_t>(number_between(parts[2], "", ""));
    m.arch.hidden_layers = static_cast<std::uint16_t>(parts.size() - 3);
    for (std::size_t l = 0; l + 3 < parts.size(); ++l)
        m.arch.hidden[l] = static_cast<std::uint32_t>(number_between(parts[l + 3], "", ""));
}

Parsed parse_header(const std::string& text) {
    Parsed p;
    Lines in(text);
    const std::string& first = in.next();
    const std::size_t colon = first.find(':');
    require(first.compare(0, 3, "// ") == 0 && colon != std::string::npos,
            "the first line does not name the model");
    p.name = first.substr(3, colon - 3);
    const std::string& n = p.name;
    require(ember::host::is_c_identifier(n), "the name is not a C identifier");
    require(first == "// " + n +
                         ": an ember model, generated by ember " EMBER_VERSION_STRING
                         " (ember::host::export_c_header). Do not edit.",
            "the first line is not as expected");
    const std::string& second = in.next();
    const std::size_t last_comma = second.rfind(", ");
    require(second.compare(0, 3, "// ") == 0 && last_comma != std::string::npos,
            "the second line does not give the type");
    const std::string type = second.substr(3, last_comma - 3);
    const std::uint64_t P = number_between(second.substr(last_comma), ", ", " parameters.");
    FileModel& m = p.model;
    parse_net_type(type, m);
    const bool is_float = m.arch.scalar == 1;
    const std::string T = is_float ? "float" : "double";
    in.expect("// The arrays are constexpr (flash on a microcontroller); " + n +
              "_view() reads them in place.");
    in.expect("#ifndef EMBER_MODEL_" + n + "_HPP_");
    in.expect("#define EMBER_MODEL_" + n + "_HPP_");
    in.expect("");
    in.expect("#include \"ember/nn/mlp.hpp\"");
    in.expect("");
    in.expect("using " + n + "_net = " + type + ";");
    in.expect("");
    const std::string Ps = std::to_string(P);
    in.expect("static_assert(" + n + "_net::param_count == " + Ps + ", \"" + n +
              ": the network type and the parameters disagree\");");
    const std::uint64_t D =
        number_between(in.next(), "static_assert(" + n + "_net::input_dim == ",
                       ", \"" + n + ": the network type and the input size disagree\");");
    require(D == m.arch.input_dim, "the input size differs from the network type's");
    in.expect("");
    in.expect("alignas(EMBER_ALIGN) inline constexpr " + T + " " + n + "_params[" + Ps + "] = {");
    parse_array(in, static_cast<std::size_t>(P), is_float, m.params);
    in.expect("");
    if (in.peek() ==
        "// Standardisation: the network sees (x[d] - " + n + "_mean[d]) / " + n + "_scale[d].") {
        in.next();
        in.expect("inline constexpr " + T + " " + n + "_mean[" + std::to_string(D) + "] = {");
        parse_array(in, static_cast<std::size_t>(D), is_float, m.mean);
        in.expect("inline constexpr " + T + " " + n + "_scale[" + std::to_string(D) + "] = {");
        parse_array(in, static_cast<std::size_t>(D), is_float, m.scale);
        in.expect("");
    }
    if (in.peek() == "// log Z: f(x) - " + n + "_log_z is a normalised log-density.") {
        in.next();
        m.has_log_z = true;
        m.log_z = scalar_line(in, "inline constexpr " + T + " " + n + "_log_z = ", is_float);
        in.expect("");
    }
    if (in.peek() == "// Anomaly threshold on the energy -f(x).") {
        in.next();
        m.has_threshold = true;
        m.threshold =
            scalar_line(in, "inline constexpr " + T + " " + n + "_threshold = ", is_float);
        in.expect("");
    }
    if (in.peek() == "// Gaussian base: the energy is -f(z) + |A z|^2 / 2, A lower-triangular") {
        in.next();
        in.expect("// (rows in order; ember::detect::AnomalyDetector::set_base).");
        const std::uint64_t B =
            number_between(in.next(), "inline constexpr " + T + " " + n + "_base[", "] = {");
        parse_array(in, static_cast<std::size_t>(B), is_float, m.base);
        in.expect("");
    }
    in.expect("/// The Gaussian base for AnomalyDetector::set_base, or nullptr without one.");
    in.expect("constexpr const " + T + "* " + n + "_base_data() noexcept {");
    const std::string& ret = in.next();
    require(ret == "    return nullptr;" || ret == "    return " + n + "_base;",
            "<name>_base_data() returns neither nullptr nor <name>_base");
    p.base_data_null = ret == "    return nullptr;";
    in.expect("}");
    in.expect("");
    in.expect("/// The network over " + n + "_params (no copy).");
    in.expect("constexpr " + n + "_net::view_type " + n + "_view() noexcept {");
    in.expect("    return " + n + "_net::view_type(" + n + "_params);");
    in.expect("}");
    in.expect("");
    in.expect("#endif // EMBER_MODEL_" + n + "_HPP_");
    require(in.done(), "the header goes on after its #endif");
    return p;
}

// ---- The round trip -------------------------------------------------------

// The value region of `b` per `a`: the reference verdict of decode (every
// value finite, then every scale > 0), from the bits.
Status reference_values(const Bytes& b, const ember::io::Architecture& a) {
    const bool is_float = a.scalar == 1;
    const std::size_t vb = is_float ? 4 : 8;
    const std::size_t count = (a.file_size - a.value_offset - 4) / vb;
    const std::size_t D = a.input_dim;
    const bool standardized = (a.flags & ember::io::flag_standardization) != 0;
    Status s = Status::ok;
    for (std::size_t i = 0; i < count; ++i) {
        std::uint64_t bits = 0;
        for (std::size_t k = vb; k-- > 0;) bits = (bits << 8) | b[a.value_offset + i * vb + k];
        const std::uint64_t exp_mask = is_float ? 0x7F800000u : 0x7FF0000000000000u;
        const std::uint64_t sign = is_float ? 0x80000000u : 0x8000000000000000u;
        if ((bits & exp_mask) == exp_mask) return Status::non_finite_input;
        if (standardized && i >= D && i < 2 * D && ((bits & sign) != 0 || bits == 0))
            s = Status::invalid_argument;
    }
    return s;
}

void check(const Bytes& in, const std::string& name) {
    FileModel m;
    m.params = {42.0}; // a sentinel: a refused decode leaves it
    ember::io::Architecture ra_arch;
    const Status ra = ember::io::read_architecture({in.data(), in.size()}, ra_arch);
    const ember::host::IoResult r = ember::host::decode_model_file({in.data(), in.size()}, m);
    if (!r) {
        require(m.params.size() == 1 && m.params[0] == 42.0 && m.mean.empty() && m.base.empty() &&
                    m.arch.input_dim == 0,
                "a refused decode wrote to its destination");
        require(r.status != Status::ok, "a refused decode without a Status");
        // Refused by read_architecture (the same Status), else for a value.
        require(r.status == (ra != Status::ok ? ra : reference_values(in, ra_arch)),
                "decode refuses otherwise than read_architecture and the values say");
        return;
    }
    require(ra == Status::ok, "decode accepts a file read_architecture refuses");

    // The model against its descriptor and against the file's bytes.
    const ember::io::Architecture& a = m.arch;
    require(reference_values(in, a) == Status::ok,
            "decode accepts a non-finite value or a scale <= 0");
    const bool is_float = a.scalar == 1;
    const std::size_t vb = is_float ? 4 : 8, D = a.input_dim;
    const bool standardized = (a.flags & ember::io::flag_standardization) != 0;
    require(m.mean.size() == (standardized ? D : 0) && m.scale.size() == m.mean.size() &&
                m.has_log_z == ((a.flags & ember::io::flag_log_z) != 0) &&
                m.has_threshold == ((a.flags & ember::io::flag_threshold) != 0) &&
                m.base.size() ==
                    ((a.flags & ember::io::flag_base) != 0 ? ember::io::base_size(D) : 0) &&
                m.params.size() == a.param_count,
            "the decoded model disagrees with its descriptor");
    const std::vector<std::uint64_t> bits = value_bits(m);
    require(a.value_offset + bits.size() * vb + 4 == a.file_size,
            "the values do not fill the file");
    for (std::size_t i = 0; i < bits.size(); ++i) {
        std::uint64_t want = 0;
        for (std::size_t k = vb; k-- > 0;) want = (want << 8) | in[a.value_offset + i * vb + k];
        require(bits[i] == want, "a decoded value does not have the file's bits");
    }

    // encode(decode(bytes)): the file's own bytes (the input's first
    // file_size bytes: what follows is ignored), which decode to the same.
    Bytes again;
    require(ember::host::encode_model_file(m, again).ok(), "a decoded model does not encode");
    require(again.size() == a.file_size && a.file_size <= in.size() &&
                std::memcmp(again.data(), in.data(), again.size()) == 0,
            "encode(decode(file)) is not the file");
    FileModel m2;
    require(ember::host::decode_model_file({again.data(), again.size()}, m2).ok() &&
                same_model(m, m2),
            "encode(decode(file)) decodes to another model");

    // The header: well-formed, and it parses back to the same model.
    std::ostringstream out;
    require(ember::host::export_c_header(m, name, out).ok(), "a decoded model does not export");
    const std::string text = out.str();
    check_well_formed(text);
    Parsed p = parse_header(text);
    require(p.name == name, "the header has another name");
    require(p.base_data_null == m.base.empty(), "<name>_base_data() disagrees with the base");
    FileModel& h = p.model;
    require(h.arch.scalar == a.scalar && h.arch.activation == a.activation &&
                h.arch.input_dim == a.input_dim && h.arch.hidden_layers == a.hidden_layers &&
                h.arch.hidden == a.hidden && h.params.size() == m.params.size() &&
                h.mean.size() == m.mean.size() && h.scale.size() == m.scale.size() &&
                h.has_log_z == m.has_log_z && h.has_threshold == m.has_threshold &&
                h.base.size() == m.base.size(),
            "the header's structure differs from the model's");
    require(value_bits(h) == bits, "a value of the header does not have the file's bits");
    // Encoded from the header alone: the file again.
    Bytes from_header;
    require(ember::host::encode_model_file(h, from_header).ok() && from_header == again,
            "the model read from the header does not encode to the file");

    // A file of one of the compile-time networks of fuzz_nets.hpp: loaded
    // with io::load_model and exported by the template export_c_header, the
    // same text.
    ember_fuzz::for_each_net(ember_fuzz::Nets{}, [&](auto tag) {
        using N = ember_fuzz::net_of<decltype(tag)>;
        static N net;
        static ember::io::model_meta_t<N> meta;
        if (ember::io::load_model({in.data(), in.size()}, net, meta) != Status::ok) return;
        std::ostringstream typed;
        require(ember::host::export_c_header(net, meta, name, typed).ok() && typed.str() == text,
                "the typed export_c_header writes another header");
    });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A heap copy of exactly `size` bytes (ASan catches any read past it),
    // then with its CRC resealed. The name: one of a few C identifiers.
    static const char* const names[] = {"model", "m", "det_2", "Model9x"};
    const std::string name = names[size % 4];
    Bytes in(data, data + size);
    check(in, name);
    if (reseal(in)) check(in, name);
    return 0;
}
