// ember — a minimal non-owning view (C++17 has no std::span).
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

namespace ember {

/// Pointer + length over caller-owned memory. Never allocates, never owns.
template <class T>
class Span {
public:
    using element_type = T;
    using value_type = std::remove_cv_t<T>;

    constexpr Span() noexcept = default;
    constexpr Span(T* data, std::size_t size) noexcept : data_(data), size_(size) {}
    template <std::size_t N>
    constexpr Span(T (&a)[N]) noexcept : data_(a), size_(N) {} // NOLINT: implicit like std::span
    template <class U, std::size_t N,
              class = std::enable_if_t<std::is_convertible_v<U (*)[], T (*)[]>>>
    constexpr Span(std::array<U, N>& a) noexcept : data_(a.data()), size_(N) {} // NOLINT
    template <class U, std::size_t N,
              class = std::enable_if_t<std::is_convertible_v<const U (*)[], T (*)[]>>>
    constexpr Span(const std::array<U, N>& a) noexcept : data_(a.data()), size_(N) {} // NOLINT
    template <class U, class = std::enable_if_t<std::is_convertible_v<U (*)[], T (*)[]>>>
    constexpr Span(Span<U> s) noexcept : data_(s.data()), size_(s.size()) {} // NOLINT

    constexpr T* data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr T& operator[](std::size_t i) const noexcept { return data_[i]; }
    constexpr T* begin() const noexcept { return data_; }
    constexpr T* end() const noexcept { return data_ + size_; }
    constexpr Span subspan(std::size_t offset, std::size_t count) const noexcept {
        return Span(data_ + offset, count);
    }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace ember
