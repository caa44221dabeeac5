// A small console writer for the firmware examples: text, unsigned and
// signed integers, 32-bit hex and fixed-point decimals of a float, buffered
// per line and written through ember::port::write (semihosting on Cortex-M,
// stdout on POSIX). It replaces printf so that the firmware's footprint is
// its own, not newlib's formatter (no float printf, no double arithmetic):
// the decimal of a float is computed from its bits in integer arithmetic,
// rounded half up, so every target prints the same digits.
#pragma once

#include "ember/port.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace firmware {

class Out {
public:
    Out() noexcept = default;
    Out(const Out&) = delete;
    Out& operator=(const Out&) = delete;
    ~Out() { flush(); }

    Out& str(const char* s) noexcept {
        while (*s != '\0') put(*s++);
        return *this;
    }
    Out& ch(char c) noexcept {
        put(c);
        return *this;
    }
    /// Decimal, right-aligned in `width` characters. By subtraction of
    /// powers of ten: no 64-bit division (libgcc's is 700 bytes on Cortex-M).
    Out& u64(std::uint64_t v, int width = 0) noexcept {
        char digits[20];
        int n = 0;
        for (int k = 19; k >= 0; --k) {
            const std::uint64_t p = pow10(k);
            char d = '0';
            while (v >= p) {
                v -= p;
                ++d;
            }
            if (d != '0' || n != 0 || k == 0) digits[n++] = d;
        }
        for (int i = n; i < width; ++i) put(' ');
        for (int i = 0; i < n; ++i) put(digits[i]);
        return *this;
    }
    Out& i64(std::int64_t v) noexcept {
        if (v < 0) {
            put('-');
            return u64(0u - static_cast<std::uint64_t>(v));
        }
        return u64(static_cast<std::uint64_t>(v));
    }
    /// Exactly 8 lowercase hex digits.
    Out& hex32(std::uint32_t v) noexcept {
        for (int i = 7; i >= 0; --i) {
            const std::uint32_t nibble = (v >> (4 * i)) & 0xFu;
            put(static_cast<char>(nibble < 10u ? '0' + nibble : 'a' + (nibble - 10u)));
        }
        return *this;
    }
    /// The bits of a float as 8 hex digits.
    Out& bits(float v) noexcept { return hex32(bits_of(v)); }
    /// `v` with `decimals` (0..6) digits after the point, rounded half away
    /// from zero from the exact binary value; "inf", "nan", or "big" from
    /// 2^40 on.
    Out& fixed(float v, int decimals = 6) noexcept {
        if (decimals < 0) decimals = 0;
        if (decimals > 6) decimals = 6; // mant * 2^16 * 10^6 < 2^64
        const std::uint32_t b = bits_of(v);
        const int biased = static_cast<int>((b >> 23) & 0xFFu);
        std::uint64_t mant = b & 0x7FFFFFu;
        if (biased == 0xFF) return str(mant != 0u ? "nan" : (b >> 31) != 0u ? "-inf" : "inf");
        if ((b >> 31) != 0u) put('-');
        if (biased == 0) {
            mant <<= 1; // subnormal: exponent of the smallest normal, no implicit bit
        } else {
            mant |= 0x800000u;
        }
        const int e = (biased == 0 ? 1 : biased) - 127 - 23; // v = mant * 2^e
        if (e > 16) return str("big");
        const std::uint64_t scale10 = pow10(decimals);
        // scaled = round(mant * 2^e * 10^decimals); mant < 2^24, 10^6 < 2^20.
        std::uint64_t scaled;
        if (e >= 0) {
            scaled = (mant << e) * scale10;
        } else if (e > -60) {
            const std::uint64_t num = mant * scale10;
            scaled = (num + (std::uint64_t(1) << (-e - 1))) >> (-e);
        } else {
            scaled = 0;
        }
        // The digits of `scaled` with the point `decimals` from the right.
        char digits[21];
        int n = 0;
        for (int k = 19; k >= 0; --k) {
            const std::uint64_t p = pow10(k);
            char d = '0';
            while (scaled >= p) {
                scaled -= p;
                ++d;
            }
            if (d != '0' || n != 0 || k <= decimals) digits[n++] = d;
        }
        for (int i = 0; i < n; ++i) {
            if (i == n - decimals) put('.');
            put(digits[i]);
        }
        return *this;
    }
    /// Ends the line and writes it out.
    Out& nl() noexcept {
        put('\n');
        flush();
        return *this;
    }
    void flush() noexcept {
        if (n_ != 0u) ember::port::write(buf_, n_);
        n_ = 0;
    }

    static std::uint64_t pow10(int k) noexcept {
        std::uint64_t p = 1;
        for (int i = 0; i < k; ++i) p *= 10u;
        return p;
    }

    static std::uint32_t bits_of(float v) noexcept {
        std::uint32_t b;
        std::memcpy(&b, &v, sizeof b);
        return b;
    }

private:
    void put(char c) noexcept {
        if (n_ == sizeof buf_) flush();
        buf_[n_++] = c;
    }

    char buf_[96];
    std::size_t n_ = 0;
};

} // namespace firmware
