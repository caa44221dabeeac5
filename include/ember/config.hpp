// ember — compile-time configuration.
//
// Every switch is a 0/1 macro prefixed EMBER_ and tested with #if. A project
// can override any of them before including ember, or in an optional header
// `ember_user_config.hpp` found on the include path.
#pragma once

#if defined(__has_include)
#if __has_include(<ember_user_config.hpp>)
#include <ember_user_config.hpp>
#endif
#endif

/// Use xsimd for the SIMD facade when its headers are available (1) or always
/// use the portable scalar pack (0). Bare-metal builds default to 0 because
/// Cortex-M has no SIMD unit that xsimd supports.
#ifndef EMBER_USE_XSIMD
#if defined(__has_include)
#if __has_include(<xsimd/xsimd.hpp>)
#define EMBER_USE_XSIMD 1
#else
#define EMBER_USE_XSIMD 0
#endif
#else
#define EMBER_USE_XSIMD 0
#endif
#endif

/// Alignment in bytes of every SIMD-touched member array (enough for AVX-512).
#ifndef EMBER_ALIGN
#define EMBER_ALIGN 64
#endif

/// The version of ember, written only here: CMakeLists.txt reads these three
/// lines (keep the form `#define EMBER_VERSION_<PART> <number>`) for
/// project(VERSION) and the package version, and ember::host::version_string()
/// returns EMBER_VERSION_STRING.
#define EMBER_VERSION_MAJOR 0
#define EMBER_VERSION_MINOR 2
#define EMBER_VERSION_PATCH 0

/// "major.minor.patch" as a string literal, e.g. "0.1.0".
#define EMBER_VERSION_STRING                                                                       \
    EMBER_VERSION_JOIN_(EMBER_VERSION_MAJOR, EMBER_VERSION_MINOR, EMBER_VERSION_PATCH)
#define EMBER_VERSION_JOIN_(major, minor, patch) EMBER_VERSION_QUOTE_(major, minor, patch)
#define EMBER_VERSION_QUOTE_(major, minor, patch) #major "." #minor "." #patch
