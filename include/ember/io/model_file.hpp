// ember — the model file: a trained network and what a detector needs with
// it (standardisation, log Z, threshold) as one versioned, checksummed,
// little-endian byte string. Reading and writing work on caller buffers
// (flash, a file read into RAM, a radio packet): no heap, no files here;
// lib/ember/host/model_io.hpp has the host's file and C-header helpers.
//
//     using Net = ember::Mlp<float, ember::Swish, 16, 32, 32>;
//     static Net net;                                  // trained
//     ember::io::ModelMeta<float, 16> meta;            // or ember::io::model_meta_t<Net>
//     meta.has_threshold = true;
//     meta.threshold = 12.5f;
//     static std::uint8_t buf[ember::io::max_file_size<Net>];
//     std::size_t n = 0;
//     if (ember::io::save_model(net, meta, buf, n) != ember::Status::ok) ...
//     ...
//     if (ember::io::load_model(ember::Span<const std::uint8_t>(buf, n), net, meta) != ...)
//
// Byte layout, format version 1 (docs/model-file.md). Integers are unsigned
// little-endian; a "value" is one IEEE 754 number of the file's scalar type
// (binary32: 4 bytes, binary64: 8 bytes), little-endian. L = hidden layers,
// D = input size, P = parameter count, S = bytes per value.
//
//   offset     bytes  field
//   0          4      magic "EMBM" (45 4D 42 4D)
//   4          2      format version (1)
//   6          2      flags: bit 0 standardisation, bit 1 log Z, bit 2
//                     threshold, bit 3 Gaussian base; the other bits are 0
//   8          4      file size in bytes, CRC included
//   12         1      scalar type: 1 = float (binary32), 2 = double (binary64)
//   13         1      activation: 1 swish, 2 softplus, 3 tanh, 4 relu
//   14         2      L (>= 1)
//   16         4      D
//   20         4 L    hidden sizes, first layer first
//   20 + 4L    4      P (as MlpLayout<D, H...>::param_count)
//   H = 24 + 4L       then the values, in this order:
//              2 D S  if bit 0: mean[D], then scale[D] (x' = (x - mean) / scale)
//              S      if bit 1: log Z (log p(x') = -energy(x') - log Z)
//              S      if bit 2: threshold on the energy
//              B S    if bit 3: the Gaussian base, B = D (D + 1) / 2: the
//                     lower triangle of A, row by row (A00, A10, A11, ...);
//                     the energy is then -f(x') + |A x'|^2 / 2, else -f(x')
//              P S    the parameters in MlpLayout order
//   size - 4   4      CRC-32 (io/crc32.hpp) of bytes [0, size - 4)
//
// Loading checks, in this order, and stops at the first failure:
//   1. magic (compared on the bytes there are)      bad_format, else truncated if < 4 bytes
//   2. version                                      truncated if < 6 bytes; bad_format if != 1
//   3. file size field                              truncated if < 12 bytes; bad_format if < 32
//   4. the input holds `file size` bytes            truncated (more bytes are ignored)
//   5. CRC-32                                       checksum_mismatch
//   6. flags, scalar and activation ids known       bad_format
//   7. scalar, activation, L, D, hidden sizes       architecture_mismatch
//   8. P and the file size agree with the layout    bad_format
//   9. every value finite                           non_finite_input
//      every scale > 0                              invalid_argument
// so every proper prefix of a valid file is `truncated`, and a damaged file
// is `checksum_mismatch` unless the damage is in bytes 0-11. Nothing is
// written to the destination before every check has passed.
#pragma once

#include "ember/io/crc32.hpp"
#include "ember/nn/activation.hpp"
#include "ember/nn/spec.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace ember::io {

/// The first four bytes of every model file: "EMBM".
inline constexpr std::uint8_t model_file_magic[4] = {0x45, 0x4D, 0x42, 0x4D};
/// The format version this header reads and writes.
inline constexpr std::uint16_t model_file_version = 1;

/// Flag bits of the optional fields.
inline constexpr std::uint16_t flag_standardization = 1u << 0;
inline constexpr std::uint16_t flag_log_z = 1u << 1;
inline constexpr std::uint16_t flag_threshold = 1u << 2;
inline constexpr std::uint16_t flag_base = 1u << 3;
inline constexpr std::uint16_t known_flags =
    flag_standardization | flag_log_z | flag_threshold | flag_base;

/// Values of the Gaussian base of a D-input model (a lower triangle).
constexpr std::size_t base_size(std::size_t D) noexcept { return D * (D + 1) / 2; }

/// Scalar type ids in the file (0 = not a scalar type the format knows).
template <class T>
inline constexpr std::uint8_t scalar_id = 0;
template <>
inline constexpr std::uint8_t scalar_id<float> = 1;
template <>
inline constexpr std::uint8_t scalar_id<double> = 2;

/// Activation ids in the file (0 = not an activation the format knows).
template <class Act>
inline constexpr std::uint8_t activation_id = 0;
template <>
inline constexpr std::uint8_t activation_id<Swish> = 1;
template <>
inline constexpr std::uint8_t activation_id<Softplus> = 2;
template <>
inline constexpr std::uint8_t activation_id<Tanh> = 3;
template <>
inline constexpr std::uint8_t activation_id<Relu> = 4;

/// Per-feature standardisation of the raw input: x'[d] = (x[d] - mean[d]) /
/// scale[d], with every scale > 0. The network sees x'.
template <class T, std::size_t D>
struct Standardization {
    std::array<T, D> mean{};
    std::array<T, D> scale{};
};

/// What a model file holds besides the parameters; each field is optional.
template <class T, std::size_t D>
struct ModelMeta {
    bool has_standardization = false;
    Standardization<T, D> standardization{};
    bool has_log_z = false;
    T log_z = 0; ///< log Z, so that f(x') - log_z is a normalised log-density
    bool has_threshold = false;
    T threshold = 0; ///< energy above which a point is an anomaly
    /// Gaussian base: energy = -f(x') + |A x'|^2 / 2, A lower-triangular,
    /// its rows in order (detect::AnomalyDetector::set_base).
    bool has_base = false;
    std::array<T, base_size(D)> base{};

    /// The flags word of a file holding these fields.
    constexpr std::uint16_t flags() const noexcept {
        return static_cast<std::uint16_t>(
            (has_standardization ? flag_standardization : 0u) | (has_log_z ? flag_log_z : 0u) |
            (has_threshold ? flag_threshold : 0u) | (has_base ? flag_base : 0u));
    }
};

/// The ModelMeta of a network type (Mlp, MlpView or MlpSpec).
template <class Net>
using model_meta_t = ModelMeta<typename Net::value_type, Net::spec_type::input_dim>;

/// Bytes before the values: magic .. parameter count.
template <class Net>
inline constexpr std::size_t header_size = 24 + 4 * Net::spec_type::hidden_layers;

/// Bytes of a file of network `Net` with the optional fields in `flags`
/// (unknown bits are ignored).
template <class Net>
constexpr std::size_t file_size(std::uint16_t flags) noexcept {
    using Spec = typename Net::spec_type;
    const std::size_t values = ((flags & flag_standardization) ? 2 * Spec::input_dim : 0) +
                               ((flags & flag_log_z) ? 1 : 0) + ((flags & flag_threshold) ? 1 : 0) +
                               ((flags & flag_base) ? base_size(Spec::input_dim) : 0) +
                               Spec::param_count;
    return header_size<Net> + values * sizeof(typename Spec::value_type) + 4;
}

/// Bytes of the largest file of network `Net` (every optional field).
template <class Net>
inline constexpr std::size_t max_file_size = file_size<Net>(known_flags);

namespace detail {

inline constexpr std::size_t min_file_size = 32; // below any valid file (L = D = 1: 48 bytes)

constexpr void put_u16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v & 0xFFu);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}
constexpr void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
    for (int k = 0; k < 4; ++k) p[k] = static_cast<std::uint8_t>((v >> (8 * k)) & 0xFFu);
}
constexpr std::uint16_t get_u16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
constexpr std::uint32_t get_u32(const std::uint8_t* p) noexcept {
    std::uint32_t v = 0;
    for (int k = 3; k >= 0; --k) v = (v << 8) | p[k];
    return v;
}

// The unsigned integer holding the bits of T (IEEE 754 binary32 / binary64).
template <class T>
using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

template <class T>
inline constexpr bool supported_scalar = scalar_id<T> != 0 && std::numeric_limits<T>::is_iec559 &&
                                         sizeof(T) == sizeof(bits_t<T>);

template <class T>
bits_t<T> to_bits(T v) noexcept {
    bits_t<T> b;
    std::memcpy(&b, &v, sizeof b); // one scalar: its bits, whatever the byte order
    return b;
}
template <class T>
T from_bits(bits_t<T> b) noexcept {
    T v;
    std::memcpy(&v, &b, sizeof v);
    return v;
}

template <class T>
void put_value(std::uint8_t* p, T v) noexcept {
    const bits_t<T> b = to_bits(v);
    for (std::size_t k = 0; k < sizeof(T); ++k) p[k] = static_cast<std::uint8_t>(b >> (8 * k));
}
template <class T>
bits_t<T> get_bits(const std::uint8_t* p) noexcept {
    bits_t<T> b = 0;
    for (std::size_t k = sizeof(T); k-- > 0;) b = static_cast<bits_t<T>>((b << 8) | p[k]);
    return b;
}

// Finiteness and sign from the bits: immune to -ffast-math.
template <class T>
constexpr bool bits_finite(bits_t<T> b) noexcept {
    constexpr int mant = std::numeric_limits<T>::digits - 1;
    constexpr bits_t<T> exp_mask = static_cast<bits_t<T>>(
        ((bits_t<T>(1) << (8 * sizeof(T) - 1 - mant)) - 1) << mant); // all exponent bits
    return (b & exp_mask) != exp_mask;
}
template <class T>
constexpr bool bits_positive(bits_t<T> b) noexcept { // > 0 (finite or not)
    constexpr bits_t<T> sign = bits_t<T>(1) << (8 * sizeof(T) - 1);
    return (b & sign) == 0 && b != 0;
}

template <class Spec>
constexpr void check_spec() noexcept {
    using T = typename Spec::value_type;
    static_assert(supported_scalar<T>, "ember model file: the scalar type is float or double");
    static_assert(activation_id<typename Spec::activation> != 0,
                  "ember model file: the activation has no id (io/model_file.hpp activation_id)");
    static_assert(Spec::hidden_layers <= 0xFFFFu && Spec::input_dim <= 0xFFFFFFFFu,
                  "ember model file: L must fit 16 bits and D 32 bits");
    static_assert(file_size<Spec>(known_flags) <= 0xFFFFFFFFu,
                  "ember model file: the file would exceed 4 GiB");
}

// Status of one value (i-th of the value region) in file order.
template <class T>
constexpr Status check_value(bits_t<T> b, bool must_be_positive) noexcept {
    if (!bits_finite<T>(b)) return Status::non_finite_input;
    if (must_be_positive && !bits_positive<T>(b)) return Status::invalid_argument;
    return Status::ok;
}

// Every check of load_model on `in`, without writing anything. On ok,
// `flags` is the file's flags word.
template <class Spec>
Status validate(Span<const std::uint8_t> in, std::uint16_t& flags) noexcept {
    using T = typename Spec::value_type;
    constexpr std::size_t L = Spec::hidden_layers, D = Spec::input_dim;
    const std::size_t n = in.size();
    const std::uint8_t* b = in.data();
    // 1-3: magic, version, size field.
    for (std::size_t k = 0; k < 4 && k < n; ++k)
        if (b[k] != model_file_magic[k]) return Status::bad_format;
    if (n < 6) return Status::truncated;
    if (get_u16(b + 4) != model_file_version) return Status::bad_format;
    if (n < 12) return Status::truncated;
    const std::uint32_t size = get_u32(b + 8);
    if (size < min_file_size) return Status::bad_format;
    // 4-5: length and checksum.
    if (n < size) return Status::truncated;
    if (crc32(Span<const std::uint8_t>(b, size - 4)) != get_u32(b + size - 4))
        return Status::checksum_mismatch;
    // 6-8: descriptor (bytes 12..19 are inside `size` >= 32).
    const std::uint16_t f = get_u16(b + 6);
    const std::uint8_t sid = b[12], aid = b[13];
    if ((f & ~known_flags) != 0 || sid < 1 || sid > 2 || aid < 1 || aid > 4)
        return Status::bad_format;
    if (sid != scalar_id<T> || aid != activation_id<typename Spec::activation> ||
        get_u16(b + 14) != L || get_u32(b + 16) != D)
        return Status::architecture_mismatch;
    if (size < header_size<Spec> + 4) return Status::bad_format;
    for (std::size_t l = 1; l <= L; ++l)
        if (get_u32(b + 16 + 4 * l) != Spec::widths[l]) return Status::architecture_mismatch;
    if (get_u32(b + 20 + 4 * L) != Spec::param_count || size != file_size<Spec>(f))
        return Status::bad_format;
    // 9: values.
    const std::uint8_t* v = b + header_size<Spec>;
    if (f & flag_standardization) {
        for (std::size_t i = 0; i < 2 * D; ++i, v += sizeof(T))
            if (const Status s = check_value<T>(get_bits<T>(v), i >= D); s != Status::ok) return s;
    }
    const std::size_t rest = ((f & flag_log_z) ? 1 : 0) + ((f & flag_threshold) ? 1 : 0) +
                             ((f & flag_base) ? base_size(D) : 0) + Spec::param_count;
    for (std::size_t i = 0; i < rest; ++i, v += sizeof(T))
        if (const Status s = check_value<T>(get_bits<T>(v), false); s != Status::ok) return s;
    flags = f;
    return Status::ok;
}

// Decodes a file validate() accepted.
template <class Spec>
void decode(const std::uint8_t* b, std::uint16_t flags, typename Spec::value_type* params,
            ModelMeta<typename Spec::value_type, Spec::input_dim>& meta) noexcept {
    using T = typename Spec::value_type;
    constexpr std::size_t D = Spec::input_dim;
    const std::uint8_t* v = b + header_size<Spec>;
    auto next = [&v]() noexcept {
        const T x = from_bits<T>(get_bits<T>(v));
        v += sizeof(T);
        return x;
    };
    meta = ModelMeta<T, D>{};
    meta.has_standardization = (flags & flag_standardization) != 0;
    if (meta.has_standardization) {
        for (std::size_t d = 0; d < D; ++d) meta.standardization.mean[d] = next();
        for (std::size_t d = 0; d < D; ++d) meta.standardization.scale[d] = next();
    }
    meta.has_log_z = (flags & flag_log_z) != 0;
    if (meta.has_log_z) meta.log_z = next();
    meta.has_threshold = (flags & flag_threshold) != 0;
    if (meta.has_threshold) meta.threshold = next();
    meta.has_base = (flags & flag_base) != 0;
    if (meta.has_base)
        for (T& a : meta.base) a = next();
    for (std::size_t i = 0; i < Spec::param_count; ++i) params[i] = next();
}

template <class Spec>
Status save(const typename Spec::value_type* params,
            const ModelMeta<typename Spec::value_type, Spec::input_dim>& meta,
            Span<std::uint8_t> out, std::size_t& written) noexcept {
    check_spec<Spec>();
    using T = typename Spec::value_type;
    constexpr std::size_t L = Spec::hidden_layers, D = Spec::input_dim;
    written = 0;
    if (params == nullptr) return Status::invalid_argument;
    const std::uint16_t flags = meta.flags();
    const std::size_t size = file_size<Spec>(flags);
    if (out.size() < size) return Status::buffer_too_small;
    // Check every value before writing a byte: a file that saves, loads.
    if (meta.has_standardization) {
        for (std::size_t d = 0; d < D; ++d)
            if (const Status s = check_value<T>(to_bits(meta.standardization.mean[d]), false);
                s != Status::ok)
                return s;
        for (std::size_t d = 0; d < D; ++d)
            if (const Status s = check_value<T>(to_bits(meta.standardization.scale[d]), true);
                s != Status::ok)
                return s;
    }
    if (meta.has_log_z && !bits_finite<T>(to_bits(meta.log_z))) return Status::non_finite_input;
    if (meta.has_threshold && !bits_finite<T>(to_bits(meta.threshold)))
        return Status::non_finite_input;
    if (meta.has_base)
        for (T a : meta.base)
            if (!bits_finite<T>(to_bits(a))) return Status::non_finite_input;
    for (std::size_t i = 0; i < Spec::param_count; ++i)
        if (!bits_finite<T>(to_bits(params[i]))) return Status::non_finite_input;

    std::uint8_t* b = out.data();
    for (std::size_t k = 0; k < 4; ++k) b[k] = model_file_magic[k];
    put_u16(b + 4, model_file_version);
    put_u16(b + 6, flags);
    put_u32(b + 8, static_cast<std::uint32_t>(size));
    b[12] = scalar_id<T>;
    b[13] = activation_id<typename Spec::activation>;
    put_u16(b + 14, static_cast<std::uint16_t>(L));
    for (std::size_t l = 0; l <= L; ++l) put_u32(b + 16 + 4 * l, std::uint32_t(Spec::widths[l]));
    put_u32(b + 20 + 4 * L, static_cast<std::uint32_t>(Spec::param_count));
    std::uint8_t* v = b + header_size<Spec>;
    auto put = [&v](T x) noexcept {
        put_value(v, x);
        v += sizeof(T);
    };
    if (meta.has_standardization) {
        for (std::size_t d = 0; d < D; ++d) put(meta.standardization.mean[d]);
        for (std::size_t d = 0; d < D; ++d) put(meta.standardization.scale[d]);
    }
    if (meta.has_log_z) put(meta.log_z);
    if (meta.has_threshold) put(meta.threshold);
    if (meta.has_base)
        for (T a : meta.base) put(a);
    for (std::size_t i = 0; i < Spec::param_count; ++i) put(params[i]);
    put_u32(b + size - 4, crc32(Span<const std::uint8_t>(b, size - 4)));
    written = size;
    return Status::ok;
}

} // namespace detail

/// Writes the model file of `net` (an Mlp, or an MlpView: weights anywhere,
/// e.g. `model.view<0>()` of an ember::Model) with the optional fields of
/// `meta` into `out`; `written` gets its size, file_size<Net>(meta.flags()).
/// On failure `written` is 0 and `out` is untouched: invalid_argument for a
/// view bound to nothing or a scale <= 0, non_finite_input for a NaN or
/// infinity in a value that would be written, buffer_too_small when `out`
/// is shorter than the file.
template <class Net>
Status save_model(const Net& net, const model_meta_t<Net>& meta, Span<std::uint8_t> out,
                  std::size_t& written) noexcept {
    static_assert(is_mlp_v<Net>, "ember::io::save_model: Net is an Mlp or MlpView");
    return detail::save<typename Net::spec_type>(net.data(), meta, out, written);
}

/// Reads a model file of exactly the architecture of `Net` (an Mlp) from
/// `in` into `net`'s parameters and `meta` (fields absent from the file come
/// back with has_* false and value 0). Bytes after the file's size are
/// ignored. Every check (the list at the top of this header) runs before
/// anything is written: on failure `net` and `meta` are untouched. Reads
/// only `in`; stack use is a few words.
template <class Net>
Status load_model(Span<const std::uint8_t> in, Net& net, model_meta_t<Net>& meta) noexcept {
    static_assert(is_mlp_v<Net>, "ember::io::load_model: Net is an Mlp");
    static_assert(!std::is_const_v<std::remove_pointer_t<decltype(net.data())>>,
                  "ember::io::load_model: Net owns its parameters (an Mlp, not an MlpView)");
    using Spec = typename Net::spec_type;
    detail::check_spec<Spec>();
    std::uint16_t flags = 0;
    if (const Status s = detail::validate<Spec>(in, flags); s != Status::ok) return s;
    detail::decode<Spec>(in.data(), flags, net.data(), meta);
    return Status::ok;
}

/// As load_model, into a parameter vector of network `Net` elsewhere (e.g.
/// block 0 of an ember::Model; copy meta.log_z into its Scalar block):
///
///     ember::io::load_model_params<Net>(file, {model.block<0>(), Net::param_count}, meta)
///
/// dimension_mismatch (nothing written) unless params.size() == param_count.
template <class Net>
Status load_model_params(Span<const std::uint8_t> in, Span<typename Net::value_type> params,
                         model_meta_t<Net>& meta) noexcept {
    static_assert(is_mlp_v<Net>, "ember::io::load_model_params: Net is an Mlp, MlpView or MlpSpec");
    using Spec = typename Net::spec_type;
    detail::check_spec<Spec>();
    if (params.size() != Spec::param_count) return Status::dimension_mismatch;
    std::uint16_t flags = 0;
    if (const Status s = detail::validate<Spec>(in, flags); s != Status::ok) return s;
    detail::decode<Spec>(in.data(), flags, params.data(), meta);
    return Status::ok;
}

/// Largest number of hidden layers read_architecture() describes.
inline constexpr std::size_t max_described_layers = 16;

/// What a model file is, read without knowing its compile-time type (a
/// tool listing files, a device choosing among the networks it was built
/// with).
struct Architecture {
    std::uint16_t flags = 0;     ///< optional fields present (flag_*)
    std::uint8_t scalar = 0;     ///< scalar_id: 1 float, 2 double
    std::uint8_t activation = 0; ///< activation_id: 1 swish, 2 softplus, 3 tanh, 4 relu
    std::uint32_t input_dim = 0; ///< D
    std::uint16_t hidden_layers = 0;
    std::array<std::uint32_t, max_described_layers> hidden{}; ///< sizes, first layer first
    std::uint32_t param_count = 0;
    std::uint32_t file_size = 0;    ///< bytes, CRC included
    std::uint32_t value_offset = 0; ///< offset of the first value (the header's size)
};

/// Reads the descriptor of the model file in `in`: the checks 1-6 and 8 of
/// load_model (magic, version, size, truncation, CRC-32, known flags and
/// ids, parameter count and size consistent with the described layers) and
/// L >= 1, D >= 1, every hidden size >= 1. Values are not checked (a typed
/// load_model does). architecture_mismatch when L exceeds
/// max_described_layers; on failure `out` is untouched.
inline Status read_architecture(Span<const std::uint8_t> in, Architecture& out) noexcept {
    const std::size_t n = in.size();
    const std::uint8_t* b = in.data();
    for (std::size_t k = 0; k < 4 && k < n; ++k)
        if (b[k] != model_file_magic[k]) return Status::bad_format;
    if (n < 6) return Status::truncated;
    if (detail::get_u16(b + 4) != model_file_version) return Status::bad_format;
    if (n < 12) return Status::truncated;
    const std::uint32_t size = detail::get_u32(b + 8);
    if (size < detail::min_file_size) return Status::bad_format;
    if (n < size) return Status::truncated;
    if (crc32(Span<const std::uint8_t>(b, size - 4)) != detail::get_u32(b + size - 4))
        return Status::checksum_mismatch;
    Architecture a;
    a.flags = detail::get_u16(b + 6);
    a.scalar = b[12];
    a.activation = b[13];
    if ((a.flags & ~known_flags) != 0 || a.scalar < 1 || a.scalar > 2 || a.activation < 1 ||
        a.activation > 4)
        return Status::bad_format;
    a.hidden_layers = detail::get_u16(b + 14);
    a.input_dim = detail::get_u32(b + 16);
    if (a.hidden_layers < 1 || a.input_dim < 1) return Status::bad_format;
    if (a.hidden_layers > max_described_layers) return Status::architecture_mismatch;
    const std::uint64_t header = 24u + 4u * std::uint64_t(a.hidden_layers);
    if (size < header + 4) return Status::bad_format;
    // Parameter count of the described layers, in 64 bits (each term < 2^64).
    std::uint64_t p = 0, prev = a.input_dim;
    for (std::size_t l = 0; l < a.hidden_layers; ++l) {
        const std::uint32_t w = detail::get_u32(b + 20 + 4 * l);
        if (w < 1) return Status::bad_format;
        a.hidden[l] = w;
        p += prev * w + w;
        if (p > 0xFFFFFFFFu) return Status::bad_format;
        prev = w;
    }
    p += prev + 1;
    if (p > 0xFFFFFFFFu || detail::get_u32(b + 20 + 4 * std::size_t(a.hidden_layers)) != p)
        return Status::bad_format;
    const std::uint64_t bytes = a.scalar == 1 ? 4 : 8;
    // In 64 bits (base_size in size_t wraps on 32-bit targets), each term
    // < 2^63; a file holds < 2^32 values, so values * bytes cannot wrap.
    const std::uint64_t D = a.input_dim;
    const std::uint64_t values = ((a.flags & flag_standardization) ? 2u * D : 0u) +
                                 ((a.flags & flag_log_z) ? 1u : 0u) +
                                 ((a.flags & flag_threshold) ? 1u : 0u) +
                                 ((a.flags & flag_base) ? D * (D + 1u) / 2u : 0u) + p;
    if (values > 0xFFFFFFFFu || header + values * bytes + 4 != size) return Status::bad_format;
    a.param_count = static_cast<std::uint32_t>(p);
    a.file_size = size;
    a.value_offset = static_cast<std::uint32_t>(header);
    out = a;
    return Status::ok;
}

} // namespace ember::io
