// Counts the heap allocations of the test binary (Linux only).
//
// Normal builds replace the global allocation functions: glibc exports
// __libc_malloc & co., so malloc itself can be wrapped too.
//
// AddressSanitizer builds (preset host-asan) cannot do that: ASan owns malloc
// and operator new, and replacing them would take the heap away from it.
// There the count comes from ASan's allocator hooks instead, which it calls
// for every allocation it serves (malloc, calloc, realloc, aligned and plain
// operator new): the zero-allocation tests prove the same thing in both builds.
#include "alloc_guard.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define EMBER_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EMBER_TEST_ASAN 1
#endif
#endif
#ifndef EMBER_TEST_ASAN
#define EMBER_TEST_ASAN 0
#endif

namespace {
std::atomic<std::size_t> g_allocations{0};
}

std::size_t ember_test::allocation_count() noexcept {
    return g_allocations.load(std::memory_order_relaxed);
}

#if EMBER_TEST_ASAN

// <sanitizer/allocator_interface.h> is not installed by every compiler
// (GCC 12 lacks it); the function is exported by libasan.
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*,
                                                                             std::size_t),
                                                         void (*free_hook)(const volatile void*));

namespace {

void count_allocation(const volatile void*, std::size_t) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
}
void ignore_free(const volatile void*) {}

// Installed before main (and so before any test case runs). A failure would
// let every zero-allocation test pass vacuously: stop instead.
[[maybe_unused]] const bool g_hooks_installed = [] {
    if (__sanitizer_install_malloc_and_free_hooks(count_allocation, ignore_free) == 0) {
        std::fputs("alloc_guard: cannot install AddressSanitizer's malloc hooks\n", stderr);
        std::abort();
    }
    return true;
}();

} // namespace

#else // !EMBER_TEST_ASAN

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

extern "C" {
void* malloc(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t s) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(n, s);
}
void* realloc(void* p, std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
}

void* operator new(std::size_t n) {
    void* p = std::malloc(n ? n : 1);
    if (!p) throw std::bad_alloc();
    return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return std::malloc(n ? n : 1); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return std::malloc(n ? n : 1);
}
void* operator new(std::size_t n, std::align_val_t a) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    void* p = __libc_memalign(static_cast<std::size_t>(a), n ? n : 1);
    if (!p) throw std::bad_alloc();
    return p;
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

#endif // EMBER_TEST_ASAN
