// libFuzzer target for the model-file reader (io/model_file.hpp). Every
// input is used twice:
//
// As a file, as is and with its CRC resealed (so the checks behind the
// checksum are reached), read by read_architecture and loaded into each
// network of fuzz_nets.hpp with load_model and load_model_params:
//   - nothing reads outside the input (ASan), every call returns;
//   - a refused load or read_architecture leaves its destination untouched;
//   - load_model and load_model_params give the same verdict and values
//     (compared on the inputs that reach the value checks);
//   - an accepted file saves back to its own bytes (so a load accepts no
//     byte string but a valid encoding: nothing corrupted gets through);
//   - read_architecture agrees with each load: the same truncated /
//     checksum_mismatch, bad_format only where the load says bad_format or
//     architecture_mismatch, ok with the load's D, hidden sizes, P and size
//     exactly when the load reaches the values, whose verdict (ok,
//     non_finite_input, invalid_argument) matches a reference that decodes
//     every value with memcpy and tests it with std::isfinite and > 0.
//
// As a recipe: byte 0 picks a network, the optional fields and whether to
// reseal; byte 1 the number (0-3) of edits of 4 bytes each (op, position
// (2 bytes), value: xor a byte, set a byte, truncate, append); the rest
// gives the values. The valid file so built must load; after the edits,
// besides the checks above:
//   - a proper prefix of it is `truncated`;
//   - the file followed by more bytes loads (they are ignored);
//   - without resealing, a change of at most 3 bits or within 4 consecutive
//     bytes that leaves the size field alone is refused: bad_format in the
//     magic or version, else checksum_mismatch (CRC-32 detects every such
//     error in files this short);
//   - resealed, a change inside the values leaves the descriptor valid.
//
// Built with -DEMBER_FUZZ=ON and clang (tests/fuzz/CMakeLists.txt); seeds in
// tests/fuzz/corpus/model_file/ (make_corpus.cpp).
#include "ember/io/crc32.hpp"
#include "ember/io/model_file.hpp"
#include "fuzz_nets.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using ember::Status;
using ember::io::Architecture;
using Bytes = std::vector<std::uint8_t>;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_model_file: %s\n", what);
    std::abort();
}

bool same(const Architecture& a, const Architecture& b) {
    return a.flags == b.flags && a.scalar == b.scalar && a.activation == b.activation &&
           a.input_dim == b.input_dim && a.hidden_layers == b.hidden_layers &&
           a.hidden == b.hidden && a.param_count == b.param_count && a.file_size == b.file_size &&
           a.value_offset == b.value_offset;
}

template <class N>
bool describes(const Architecture& a) {
    using Spec = typename N::spec_type;
    if (a.scalar != ember::io::scalar_id<typename N::value_type> ||
        a.activation != ember::io::activation_id<typename Spec::activation> ||
        a.hidden_layers != Spec::hidden_layers || a.input_dim != Spec::input_dim)
        return false;
    for (std::size_t l = 0; l < Spec::hidden_layers; ++l)
        if (a.hidden[l] != Spec::widths[l + 1]) return false;
    return true;
}

// The verdict of the value checks on a file of N with `flags`, computed
// apart from the library: memcpy (the host is little-endian), isfinite, > 0.
template <class N>
Status reference_values(const std::uint8_t* b, std::uint16_t flags) {
    using T = typename N::value_type;
    constexpr std::size_t D = N::spec_type::input_dim;
    const bool standardized = (flags & ember::io::flag_standardization) != 0;
    const std::size_t count =
        (standardized ? 2 * D : 0) + ((flags & ember::io::flag_log_z) ? 1 : 0) +
        ((flags & ember::io::flag_threshold) ? 1 : 0) +
        ((flags & ember::io::flag_base) ? ember::io::base_size(D) : 0) + N::param_count;
    const std::uint8_t* v = b + ember::io::header_size<N>;
    for (std::size_t i = 0; i < count; ++i, v += sizeof(T)) {
        T x;
        std::memcpy(&x, v, sizeof x);
        if (!std::isfinite(x)) return Status::non_finite_input;
        if (standardized && i >= D && i < 2 * D && !(x > T(0))) return Status::invalid_argument;
    }
    return Status::ok;
}

// `in` saved back from (params, meta) must be its own first `size` bytes.
template <class View, class Meta>
void check_round_trip(const Bytes& in, std::uint32_t size, const View& view, const Meta& meta) {
    static std::array<std::uint8_t, 4096> out;
    std::size_t n = 0;
    if (ember::io::save_model(view, meta, {out.data(), out.size()}, n) != Status::ok || n != size ||
        n > in.size() || std::memcmp(out.data(), in.data(), n) != 0)
        fail("an accepted file does not save back to its own bytes");
}

// Loads `in` into N both ways; checks them against each other and against
// read_architecture's verdict `ra` (and `a`, if ra is ok). Returns load_model's.
template <class N>
Status check_net(const Bytes& in, Status ra, const Architecture& a) {
    using T = typename N::value_type;
    using Meta = ember::io::model_meta_t<N>;
    static N net;
    static Meta meta;
    static N net_before;
    static Meta meta_before;
    static std::array<T, N::param_count> params;
    static std::array<T, N::param_count> params_before;
    static Meta pmeta;
    static Meta pmeta_before;
    std::memcpy(static_cast<void*>(&net_before), static_cast<const void*>(&net), sizeof net);
    std::memcpy(static_cast<void*>(&meta_before), static_cast<const void*>(&meta), sizeof meta);
    params_before = params;
    std::memcpy(static_cast<void*>(&pmeta_before), static_cast<const void*>(&pmeta), sizeof pmeta);

    const ember::Span<const std::uint8_t> span(in.data(), in.size());
    const Status ls = ember::io::load_model(span, net, meta);
    // load_model_params runs the same checks: compared where they reach the
    // values (elsewhere it would only double the time per input).
    const bool reached_values =
        ls == Status::ok || ls == Status::non_finite_input || ls == Status::invalid_argument;
    const Status ps =
        reached_values
            ? ember::io::load_model_params<N>(span, {params.data(), params.size()}, pmeta)
            : ls;
    if (ps != ls) fail("load_model and load_model_params disagree");
    if (ls != Status::ok) {
        if (std::memcmp(static_cast<const void*>(&net_before), static_cast<const void*>(&net),
                        sizeof net) != 0 ||
            std::memcmp(static_cast<const void*>(&meta_before), static_cast<const void*>(&meta),
                        sizeof meta) != 0 ||
            std::memcmp(params_before.data(), params.data(), sizeof params) != 0 ||
            std::memcmp(static_cast<const void*>(&pmeta_before), static_cast<const void*>(&pmeta),
                        sizeof pmeta) != 0)
            fail("a refused load wrote to its destination");
    }

    // Agreement with read_architecture.
    const bool described = ra == Status::ok && describes<N>(a);
    if (described != reached_values)
        fail("read_architecture describes the network exactly when the load reaches the values: "
             "not so");
    if ((ra == Status::truncated || ra == Status::checksum_mismatch || ls == Status::truncated ||
         ls == Status::checksum_mismatch) &&
        ra != ls)
        fail("read_architecture and load_model differ on truncation or checksum");
    if (ls == Status::bad_format && ra != Status::bad_format)
        fail("load_model says bad_format, read_architecture does not");
    if (ra == Status::bad_format && ls != Status::bad_format && ls != Status::architecture_mismatch)
        fail("read_architecture says bad_format, load_model neither bad_format nor "
             "architecture_mismatch");
    if ((ra == Status::architecture_mismatch || (ra == Status::ok && !described)) &&
        ls != Status::architecture_mismatch)
        fail("a file of another network does not load as architecture_mismatch");
    if (described) {
        if (a.param_count != N::param_count || a.file_size != ember::io::file_size<N>(a.flags) ||
            a.value_offset != ember::io::header_size<N>)
            fail("read_architecture's P, size or value offset differ from the network's");
        if (ls != reference_values<N>(in.data(), a.flags))
            fail("the value checks differ from the reference");
    }

    if (ls == Status::ok) {
        check_round_trip(in, a.file_size, net, meta);
        check_round_trip(in, a.file_size, typename N::view_type(params.data()), pmeta);
    }
    return ls;
}

// Every check of the file mode on `in`; returns read_architecture's verdict
// and description.
Status check_file(const Bytes& in, Architecture& a) {
    Architecture before;
    before.flags = 0xA5A5;
    before.scalar = 0x5A;
    before.input_dim = 0xDEADBEEF;
    before.hidden.fill(0x77777777);
    a = before;
    const Status ra = ember::io::read_architecture({in.data(), in.size()}, a);
    if (ra != Status::ok) {
        if (!same(a, before)) fail("a refused read_architecture wrote to its destination");
    } else {
        if (in.size() < 12 || a.file_size != ember::io::detail::get_u32(in.data() + 8) ||
            a.file_size > in.size() || a.hidden_layers < 1 ||
            a.hidden_layers > ember::io::max_described_layers || a.input_dim < 1 ||
            a.value_offset != 24 + 4 * std::uint32_t(a.hidden_layers) ||
            (a.flags & ~ember::io::known_flags) != 0)
            fail("read_architecture accepted with an inconsistent description");
        for (std::size_t l = 0; l < a.hidden.size(); ++l)
            if ((l < a.hidden_layers) != (a.hidden[l] != 0))
                fail("read_architecture's hidden sizes: zero inside or not zero after the layers");
    }
    ember_fuzz::for_each_net(ember_fuzz::Nets{}, [&](auto tag) {
        (void)check_net<ember_fuzz::net_of<decltype(tag)>>(in, ra, a);
    });
    return ra;
}

// Rewrites the CRC of the span the size field declares, if it is inside `b`.
bool reseal(Bytes& b) {
    if (b.size() < 12) return false;
    const std::uint32_t size = ember::io::detail::get_u32(b.data() + 8);
    if (size < 32 || size > b.size()) return false;
    ember::io::detail::put_u32(b.data() + size - 4, ember::io::crc32({b.data(), size - 4}));
    return true;
}

// Values from the recipe: 2 bytes each as a signed multiple of 1/256 (0 when
// the input is used up).
struct ValueSource {
    const std::uint8_t* p;
    std::size_t left;
    double next() {
        if (left < 2) return 0.0;
        const auto raw = static_cast<std::int16_t>(static_cast<std::uint16_t>(p[0] | (p[1] << 8)));
        p += 2;
        left -= 2;
        return raw / 256.0;
    }
};

template <class N>
void check_recipe(const std::uint8_t* data, std::size_t size) {
    using T = typename N::value_type;
    const std::uint8_t select = data[0];
    const auto flags = static_cast<std::uint16_t>((select >> 2) & ember::io::known_flags);
    const bool resealed = (select & 0x20) != 0;
    const std::size_t edits = std::min<std::size_t>(data[1] & 3u, (size - 2) / 4);
    const std::uint8_t* edit = data + 2;
    ValueSource values{edit + 4 * edits, size - 2 - 4 * edits};
    const Bytes valid =
        ember_fuzz::make_file<N>(flags, [&values] { return static_cast<T>(values.next()); });
    if (valid.empty()) fail("save_model refused a valid model");
    {
        static N net;
        static ember::io::model_meta_t<N> meta;
        if (ember::io::load_model({valid.data(), valid.size()}, net, meta) != Status::ok)
            fail("a file save_model wrote does not load");
    }

    Bytes b = valid;
    for (std::size_t e = 0; e < edits; ++e, edit += 4) {
        const std::size_t pos = static_cast<std::size_t>(edit[1] | (edit[2] << 8));
        const std::uint8_t v = edit[3];
        switch (edit[0] & 3u) {
        case 0:
            if (!b.empty()) b[pos % b.size()] ^= v != 0 ? v : std::uint8_t{1};
            break;
        case 1:
            if (!b.empty()) b[pos % b.size()] = v;
            break;
        case 2: b.resize(pos % (b.size() + 1)); break;
        default: b.insert(b.end(), v % 16u + 1u, v); break;
        }
    }
    const bool did_reseal = resealed && reseal(b);

    // How `b` differs from `valid` on the bytes both have.
    const std::size_t n = valid.size();
    const std::size_t common = std::min(n, b.size());
    std::size_t first = common, last = 0, bits = 0;
    for (std::size_t i = 0; i < common; ++i)
        if (const unsigned d = valid[i] ^ b[i]; d != 0) {
            first = std::min(first, i);
            last = i;
            for (unsigned x = d; x != 0; x &= x - 1) ++bits;
        }
    const bool changed = first < common;
    const bool size_field_changed = changed && first < 12 && last >= 8;

    Architecture a;
    const Status ra = check_file(b, a);
    if (!changed && b.size() < n && ra != Status::truncated)
        fail("a proper prefix of a valid file is not truncated");
    if (!changed && b.size() >= n && (ra != Status::ok || !describes<N>(a)))
        fail("a valid file followed by more bytes does not read as itself");
    if (!changed && b.size() >= n) {
        static N net;
        static ember::io::model_meta_t<N> meta;
        if (ember::io::load_model({b.data(), b.size()}, net, meta) != Status::ok)
            fail("a valid file followed by more bytes does not load");
    }
    if (changed && !did_reseal && b.size() >= n && !size_field_changed &&
        (bits <= 3 || last - first < 4)) {
        const Status want = first < 6 ? Status::bad_format : Status::checksum_mismatch;
        if (ra != want) fail("a small change that the CRC-32 detects was not refused as expected");
    }
    if (changed && did_reseal && b.size() >= n && first >= ember::io::header_size<N> &&
        (ra != Status::ok || !describes<N>(a)))
        fail("a resealed change inside the values broke the descriptor");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The input as a file: a heap copy of exactly `size` bytes (ASan catches
    // any read past it), then with its CRC resealed.
    Bytes in(data, data + size);
    Architecture a;
    (void)check_file(in, a);
    if (reseal(in)) (void)check_file(in, a);

    // The input as a recipe of a valid file and edits.
    if (size >= 2) {
        std::size_t k = 0;
        const std::size_t pick = data[0] % ember_fuzz::Nets::size;
        ember_fuzz::for_each_net(ember_fuzz::Nets{}, [&](auto tag) {
            if (k++ == pick) check_recipe<ember_fuzz::net_of<decltype(tag)>>(data, size);
        });
    }
    return 0;
}
