// Strict command-line number parsing (ember/host/numbers.hpp).
#include "ember/host/numbers.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace ember::host {
namespace {

// Decimal floating-point syntax only: optional '-', digits with at most one
// '.', at least one digit, optional exponent e[+-]digits. Excludes what
// strtod would also take (spaces, '+', hex, nan, inf).
bool is_decimal(const std::string& t) {
    std::size_t i = 0;
    if (i < t.size() && t[i] == '-') ++i;
    std::size_t digits = 0;
    bool dot = false;
    for (; i < t.size(); ++i) {
        const char c = t[i];
        if (c >= '0' && c <= '9') {
            ++digits;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (digits == 0) return false;
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
        std::size_t exp_digits = 0;
        for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) ++exp_digits;
        if (exp_digits == 0) return false;
    }
    return i == t.size();
}

template <class T>
std::string show(T v) {
    std::ostringstream s;
    s.precision(std::numeric_limits<T>::max_digits10);
    s << v;
    return s.str();
}

template <class T>
std::string parse_real(const std::string& flag, const std::string& text, T lo, T hi, Ends ends,
                       T& out) {
    T v = 0;
    bool ok = is_decimal(text);
    if (ok) {
        char* end = nullptr;
        if constexpr (sizeof(T) == sizeof(float)) {
            v = std::strtof(text.c_str(), &end);
        } else {
            v = std::strtod(text.c_str(), &end);
        }
        ok = end == text.c_str() + text.size() && std::isfinite(v) &&
             (ends == Ends::open ? (v > lo && v < hi) : (v >= lo && v <= hi));
    }
    if (!ok) {
        const bool open = ends == Ends::open;
        return flag + ": '" + text + "' is not a number in " + (open ? "(" : "[") + show(lo) +
               ", " + show(hi) + (open ? ")" : "]");
    }
    out = v;
    return {};
}

} // namespace

std::string parse_uint(const std::string& flag, const std::string& text, unsigned long long min,
                       unsigned long long max, unsigned long long& out) {
    bool ok = !text.empty() && text.size() <= 20;
    unsigned long long v = 0;
    for (std::size_t i = 0; ok && i < text.size(); ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') {
            ok = false;
            break;
        }
        const auto d = static_cast<unsigned long long>(c - '0');
        if (d > max || v > (max - d) / 10) {
            ok = false;
            break;
        }
        v = v * 10 + d;
    }
    if (!ok || v < min)
        return flag + ": '" + text + "' is not an integer in [" + std::to_string(min) + ", " +
               std::to_string(max) + "]";
    out = v;
    return {};
}

std::string parse_float(const std::string& flag, const std::string& text, float lo, float hi,
                        Ends ends, float& out) {
    return parse_real(flag, text, lo, hi, ends, out);
}

std::string parse_double(const std::string& flag, const std::string& text, double lo, double hi,
                         Ends ends, double& out) {
    return parse_real(flag, text, lo, hi, ends, out);
}

} // namespace ember::host
