// Compares computed values with a golden table bit for bit (doctest checks).
// A suite is a header `golden_<suite>_cases.hpp` defining
//     template <class Emit> void <suite>_cases(Emit& emit);
// that calls emit(tag, name, data, count) for each result vector, and a table
// `golden_<suite>.inc` written on the host by `ember_make_golden <suite>`.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace golden {

struct Entry {
    const char* tag;
    const char* name;
    const float* data;
    std::size_t size;
};

class Checker {
public:
    Checker(const Entry* entries, std::size_t count) noexcept : entries_(entries), count_(count) {}

    template <class T>
    void operator()(const char* tag, const char* name, const T* data, std::size_t n) {
        static_assert(sizeof(T) == 4, "golden tables hold float values");
        CAPTURE(tag);
        CAPTURE(name);
        // Entries are looked up by (tag, name), so a build may run a subset
        // of the cases (e.g. a small-RAM target).
        const Entry* found = nullptr;
        for (std::size_t i = 0; i < count_ && !found; ++i)
            if (std::strcmp(entries_[i].tag, tag) == 0 && std::strcmp(entries_[i].name, name) == 0)
                found = &entries_[i];
        REQUIRE(found != nullptr);
        ++index_;
        const Entry& e = *found;
        REQUIRE(e.size == n);
        std::size_t bad = 0, first = n;
        for (std::size_t i = 0; i < n; ++i) {
            std::uint32_t a, b;
            const float v = data[i];
            std::memcpy(&a, &v, 4);
            std::memcpy(&b, &e.data[i], 4);
            if (a != b) {
                if (first == n) first = i;
                ++bad;
            }
        }
        if (bad) {
            ++mismatched_;
            MESSAGE(tag << "/" << name << ": " << bad << " of " << n << " values differ; first at "
                        << first << ": got " << data[first] << " want " << e.data[first]);
        }
        CHECK(bad == 0);
    }

    std::size_t seen() const noexcept { return index_; }
    std::size_t mismatched() const noexcept { return mismatched_; }

private:
    const Entry* entries_;
    std::size_t count_;
    std::size_t index_ = 0;
    std::size_t mismatched_ = 0;
};

} // namespace golden
