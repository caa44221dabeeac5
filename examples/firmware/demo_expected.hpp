// Expected energies of examples/firmware/score.cpp for demo_model.hpp, written by
// the x86-64 host build; regenerate (host preset): cmake --build --preset host
// --target ember_firmware_regenerate
#pragma once

#include <cstddef>
#include <cstdint>

// CRC-32 of the parameter bytes the energies were computed with.
inline constexpr std::uint32_t firmware_expected_model_crc = 0xd8a91871u;
inline constexpr std::size_t firmware_expected_count = 64;
inline constexpr std::uint32_t firmware_expected_energy_bits[64] = {
    0xc0113cc7u, // 0
    0x3f1c1277u, // 1
    0xc08e7feau, // 2
    0xc0dc674eu, // 3
    0xc10f8331u, // 4
    0xc0a98374u, // 5
    0xc0836cfeu, // 6
    0xc0f59d48u, // 7
    0xc09befc5u, // 8
    0xbfd53fb9u, // 9
    0xbf5d1333u, // 10
    0xc00e2ba7u, // 11
    0xc05a3019u, // 12
    0xc0c42d03u, // 13
    0x40b2584cu, // 14
    0xc0ed4728u, // 15
    0xc0c02ae3u, // 16
    0xbf756b08u, // 17
    0xc09c1224u, // 18
    0xc0d2e7ecu, // 19
    0x42019bc8u, // 20
    0xc0a27832u, // 21
    0xc10d8635u, // 22
    0xc0a0252cu, // 23
    0xbfa79ce6u, // 24
    0x4086762du, // 25
    0xc038bd8bu, // 26
    0xc100c96au, // 27
    0xc0d92c28u, // 28
    0xc106ed1fu, // 29
    0xc0ae190au, // 30
    0xc0c8a2c6u, // 31
    0xbf69df2fu, // 32
    0xc0f3605cu, // 33
    0x3f39fd07u, // 34
    0xc042d912u, // 35
    0xc0b0268eu, // 36
    0xc1068ffau, // 37
    0xc04d4fa8u, // 38
    0xc0c33e1au, // 39
    0x42276db4u, // 40
    0x41ded53cu, // 41
    0x423075f0u, // 42
    0x41a14effu, // 43
    0x42342c7eu, // 44
    0x41f220f3u, // 45
    0x41e3eafeu, // 46
    0x42114096u, // 47
    0xc03879b2u, // 48
    0x3f494adbu, // 49
    0xc0f34feau, // 50
    0xc0e9215cu, // 51
    0xc05d70eeu, // 52
    0x402bcaebu, // 53
    0xc057cf47u, // 54
    0xc0228b8bu, // 55
    0xc0a9bce2u, // 56
    0xc04a850eu, // 57
    0xc0f4bf31u, // 58
    0xc0e4205cu, // 59
    0xc0c24d23u, // 60
    0xbe12b8f2u, // 61
    0xc0e7c094u, // 62
    0xbf7fc6cdu, // 63
};
