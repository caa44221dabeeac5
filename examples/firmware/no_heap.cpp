// The firmware's allocator: once armed, every entry point of the C and C++
// heap stops the program with a message (what was called, from where) and
// exit status 3. Linked into the firmware images, it replaces newlib's
// malloc family and libstdc++'s operator new/delete: an image that runs to
// completion made no heap call after the guard was armed, and an image that
// links has no other allocator in it (a second malloc would not link).
// `score --heap-check` shows it working.
//
// Armed before any constructor and main. Only the C library's start-up comes
// before that: with newlib-nano, rdimon-crt0's semihosting set-up (in
// initialise_monitor_handles, which checks the semihosting extensions
// through stdio) makes __sinit allocate the three standard FILEs. Those calls
// are served from a small static arena (startup_heap below); the
// .preinit_array entry that arms the guard runs right after them (crt0 calls
// __libc_init_array, whose first entries are .preinit_array, then main). A
// board without semihosting stdio has no such calls.
#include "ember/port.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

// Says which call was made and from where (addr2line -e IMAGE ADDRESS).
[[noreturn, gnu::noinline]] void no_heap_at(const char* what, std::uintptr_t caller) noexcept {
    static const char prefix[] = "\n*** ember firmware: heap call (";
    static const char middle[] = ") from 0x";
    static const char suffix[] = ": this firmware has no heap\n";
    ember::port::write(prefix, sizeof prefix - 1);
    ember::port::write(what, std::strlen(what));
    ember::port::write(middle, sizeof middle - 1);
    char hex[2 * sizeof caller];
    for (std::size_t i = 0; i < sizeof hex; ++i) {
        const unsigned nibble = static_cast<unsigned>(caller >> (4 * (sizeof hex - 1 - i))) & 0xFu;
        hex[i] = static_cast<char>(nibble < 10u ? '0' + nibble : 'a' + (nibble - 10u));
    }
    ember::port::write(hex, sizeof hex);
    ember::port::write(suffix, sizeof suffix - 1);
    std::_Exit(3);
}

#define EMBER_CALLER reinterpret_cast<std::uintptr_t>(__builtin_return_address(0))

// The C library's start-up allocations (before the guard is armed).
alignas(8) unsigned char startup_heap[512];
std::size_t startup_used = 0;
bool armed = false;

void* startup_allocate(std::size_t n, const char* what, std::uintptr_t caller) noexcept {
    if (armed) no_heap_at(what, caller);
    n = (n + 7u) & ~std::size_t(7);
    if (n > sizeof startup_heap - startup_used) no_heap_at("start-up arena full", caller);
    void* p = startup_heap + startup_used;
    startup_used += n;
    return p;
}

void release(void* p, const char* what, std::uintptr_t caller) noexcept {
    const auto* b = static_cast<unsigned char*>(p);
    // Memory from the start-up arena is never reused: giving it back is fine.
    if (p != nullptr && !(b >= startup_heap && b < startup_heap + sizeof startup_heap))
        no_heap_at(what, caller);
}

} // namespace

extern "C" {

void ember_firmware_arm_heap_guard() { armed = true; }
__attribute__((section(".preinit_array"), used)) void (*const ember_firmware_heap_guard_entry)() =
    ember_firmware_arm_heap_guard;

/// Bytes the C library's start-up took from the start-up arena.
std::size_t ember_firmware_startup_heap_bytes() { return startup_used; }

// newlib's reentrant entry points, and the standard ones.
void* _malloc_r(struct _reent*, std::size_t n) {
    return startup_allocate(n, "malloc", EMBER_CALLER);
}
void* _calloc_r(struct _reent*, std::size_t n, std::size_t size) {
    void* p = startup_allocate(n * size, "calloc", EMBER_CALLER);
    std::memset(p, 0, n * size);
    return p;
}
void* _realloc_r(struct _reent*, void*, std::size_t) { no_heap_at("realloc", EMBER_CALLER); }
void _free_r(struct _reent*, void* p) { release(p, "free", EMBER_CALLER); }
void* malloc(std::size_t n) { return startup_allocate(n, "malloc", EMBER_CALLER); }
void* calloc(std::size_t n, std::size_t size) {
    void* p = startup_allocate(n * size, "calloc", EMBER_CALLER);
    std::memset(p, 0, n * size);
    return p;
}
void* realloc(void*, std::size_t) { no_heap_at("realloc", EMBER_CALLER); }
void* memalign(std::size_t, std::size_t) { no_heap_at("memalign", EMBER_CALLER); }
void* aligned_alloc(std::size_t, std::size_t) { no_heap_at("aligned_alloc", EMBER_CALLER); }
void free(void* p) { release(p, "free", EMBER_CALLER); }

} // extern "C"

void* operator new(std::size_t) { no_heap_at("operator new", EMBER_CALLER); }
void* operator new[](std::size_t) { no_heap_at("operator new[]", EMBER_CALLER); }
void* operator new(std::size_t, const std::nothrow_t&) noexcept {
    no_heap_at("operator new", EMBER_CALLER);
}
void* operator new[](std::size_t, const std::nothrow_t&) noexcept {
    no_heap_at("operator new[]", EMBER_CALLER);
}
void* operator new(std::size_t, std::align_val_t) { no_heap_at("operator new", EMBER_CALLER); }
void* operator new[](std::size_t, std::align_val_t) { no_heap_at("operator new[]", EMBER_CALLER); }
void operator delete(void* p) noexcept { release(p, "operator delete", EMBER_CALLER); }
void operator delete[](void* p) noexcept { release(p, "operator delete[]", EMBER_CALLER); }
void operator delete(void* p, std::size_t) noexcept { release(p, "operator delete", EMBER_CALLER); }
void operator delete[](void* p, std::size_t) noexcept {
    release(p, "operator delete[]", EMBER_CALLER);
}
void operator delete(void* p, std::align_val_t) noexcept {
    release(p, "operator delete", EMBER_CALLER);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    release(p, "operator delete[]", EMBER_CALLER);
}
