// ember — CRC-32 (IEEE 802.3) of a byte range.
#pragma once

#include "ember/span.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace ember::io {

namespace detail {

// Reflected polynomial of CRC-32/ISO-HDLC (Ethernet, zip, PNG).
inline constexpr std::uint32_t crc32_poly = 0xEDB88320u;

constexpr std::array<std::uint32_t, 256> make_crc32_table() noexcept {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ crc32_poly : c >> 1;
        t[i] = c;
    }
    return t;
}

// 1 KiB of constants: in flash (.rodata) on a microcontroller.
inline constexpr std::array<std::uint32_t, 256> crc32_table = make_crc32_table();

} // namespace detail

/// CRC-32 as in IEEE 802.3, zlib and PNG: reflected, polynomial 0x04C11DB7
/// (0xEDB88320 reflected), initial value and final xor 0xFFFFFFFF.
/// `crc32("123456789") == 0xCBF43926`. Chains: pass the CRC of the bytes
/// before as `previous`, so `crc32(b, crc32(a)) == crc32(a followed by b)`;
/// the CRC of nothing is 0.
constexpr std::uint32_t crc32(Span<const std::uint8_t> bytes, std::uint32_t previous = 0) noexcept {
    std::uint32_t c = previous ^ 0xFFFFFFFFu;
    for (std::size_t i = 0; i < bytes.size(); ++i)
        c = detail::crc32_table[(c ^ bytes[i]) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

} // namespace ember::io
