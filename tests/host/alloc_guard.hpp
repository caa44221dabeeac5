// Counts heap allocations (operator new and malloc & co) made while a guard
// is alive, so a test can prove that sampling and training never allocate.
#pragma once

#include <cstddef>

namespace ember_test {

/// Number of allocation calls seen since the program started (all threads).
std::size_t allocation_count() noexcept;

/// RAII scope: `count()` is the number of allocations since construction.
class AllocationGuard {
public:
    AllocationGuard() noexcept : start_(allocation_count()) {}
    std::size_t count() const noexcept { return allocation_count() - start_; }

private:
    std::size_t start_;
};

} // namespace ember_test
