// ember — a read-only view of training points.
#pragma once

#include "ember/span.hpp"

#include <cstddef>
#include <cstdint>

namespace ember::train {

/// `count` points of `dim` coordinates in caller-owned memory: point n is
/// `data + dim * n`, or `data + dim * index[n]` when an index list is given
/// (a minibatch drawn from a dataset without copying it).
template <class T>
struct Points {
    const T* data = nullptr;
    std::size_t dim = 0;
    std::size_t count = 0;
    const std::uint32_t* index = nullptr;

    /// Contiguous points: `values.size() / dim` of them, row-major.
    static constexpr Points contiguous(Span<const T> values, std::size_t dim) noexcept {
        return Points{values.data(), dim, dim == 0 ? 0 : values.size() / dim, nullptr};
    }

    /// Coordinates of point n (unchecked).
    constexpr const T* operator[](std::size_t n) const noexcept {
        return data + dim * (index ? static_cast<std::size_t>(index[n]) : n);
    }
};

} // namespace ember::train
