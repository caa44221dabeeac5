// The model file (io/model_file.hpp) and its CRC-32: golden bytes written
// independently of ember (Python's struct and zlib.crc32), bit-exact round
// trips, and one distinct Status for every kind of damage, with the
// destination untouched after every failed load. Small nets: the buffers
// are a few hundred bytes, so this runs on Cortex-M too.
#include "ember/io/crc32.hpp"
#include "ember/io/model_file.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace ember_test_io_model_file { // one namespace per test file (EMBER_TEST_UNITY batches)

using ember::Status;
namespace io = ember::io;

namespace {

using NetF = ember::Mlp<float, ember::Swish, 3, 5, 4>;
using NetD = ember::Mlp<double, ember::Tanh, 2, 6>;
using Bytes = ember::Span<const std::uint8_t>;

constexpr std::size_t buf_size = 512; // every file here, plus slack
static_assert(io::max_file_size<NetF> + 16 <= buf_size && io::max_file_size<NetD> <= buf_size);

template <class Net>
io::model_meta_t<Net> make_meta(std::uint16_t flags, std::uint64_t seed) {
    using T = typename Net::value_type;
    io::model_meta_t<Net> m;
    ember::Pcg32 rng(seed, 7);
    m.has_standardization = (flags & io::flag_standardization) != 0;
    if (m.has_standardization)
        for (std::size_t d = 0; d < Net::input_dim; ++d) {
            m.standardization.mean[d] = ember::normal<T>(rng);
            m.standardization.scale[d] = T(0.5) + ember::uniform01<T>(rng);
        }
    m.has_log_z = (flags & io::flag_log_z) != 0;
    if (m.has_log_z) m.log_z = ember::normal<T>(rng);
    m.has_threshold = (flags & io::flag_threshold) != 0;
    if (m.has_threshold) m.threshold = T(10) * ember::uniform01<T>(rng);
    m.has_base = (flags & io::flag_base) != 0;
    if (m.has_base)
        for (T& a : m.base) a = ember::normal<T>(rng);
    return m;
}

// Same bits (not ==: -0 and 0 differ, and the whole array is compared).
template <class T, std::size_t N>
bool same_bits(const std::array<T, N>& a, const std::array<T, N>& b) {
    return std::memcmp(a.data(), b.data(), sizeof(T) * N) == 0;
}
template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class T, std::size_t D>
bool same_meta(const io::ModelMeta<T, D>& a, const io::ModelMeta<T, D>& b) {
    return a.has_standardization == b.has_standardization &&
           same_bits(a.standardization.mean, b.standardization.mean) &&
           same_bits(a.standardization.scale, b.standardization.scale) &&
           a.has_log_z == b.has_log_z && same_bits(a.log_z, b.log_z) &&
           a.has_threshold == b.has_threshold && same_bits(a.threshold, b.threshold) &&
           a.has_base == b.has_base && same_bits(a.base, b.base);
}

// Loads `in` into a destination filled with a pattern; `untouched` says
// whether every byte of it (parameters and meta) is as before.
template <class Net>
Status load_untouched(Bytes in, bool& untouched) {
    static Net net;
    static io::model_meta_t<Net> meta;
    static unsigned char net_copy[sizeof(Net)], meta_copy[sizeof(meta)];
    std::memset(static_cast<void*>(&net), 0xA5, sizeof net);
    std::memset(static_cast<void*>(&meta), 0x5A, sizeof meta);
    std::memcpy(net_copy, static_cast<const void*>(&net), sizeof net);
    std::memcpy(meta_copy, static_cast<const void*>(&meta), sizeof meta);
    const Status s = io::load_model(in, net, meta);
    untouched = std::memcmp(net_copy, static_cast<const void*>(&net), sizeof net) == 0 &&
                std::memcmp(meta_copy, static_cast<const void*>(&meta), sizeof meta) == 0;
    return s;
}

// The load gives `want`; the destination changed if and only if it is ok.
template <class Net>
void check_refused(Bytes in, Status want) {
    bool untouched = false;
    CHECK(load_untouched<Net>(in, untouched) == want);
    CHECK(untouched == (want != Status::ok));
}

// Rewrites the CRC of a file of `size` bytes after a deliberate edit.
void reseal(std::uint8_t* b, std::size_t size) {
    const std::uint32_t c = io::crc32(Bytes(b, size - 4));
    for (std::size_t k = 0; k < 4; ++k) b[size - 4 + k] = static_cast<std::uint8_t>(c >> (8 * k));
}

template <class T>
void put_value(std::uint8_t* p, T v) {
    std::uint64_t bits = 0;
    if constexpr (sizeof(T) == 4) {
        std::uint32_t b;
        std::memcpy(&b, &v, 4);
        bits = b;
    } else {
        std::memcpy(&bits, &v, 8);
    }
    for (std::size_t k = 0; k < sizeof(T); ++k) p[k] = static_cast<std::uint8_t>(bits >> (8 * k));
}

// Saves a NetF with every optional field into `buf`; returns the size.
std::size_t save_full(std::uint8_t* buf, std::uint64_t seed = 1) {
    static NetF net;
    net.init(seed);
    const auto meta = make_meta<NetF>(io::known_flags, seed);
    std::size_t n = 0;
    REQUIRE(io::save_model(net, meta, {buf, buf_size}, n) == Status::ok);
    REQUIRE(n == io::max_file_size<NetF>);
    return n;
}

template <class Net>
void round_trip_all_flags() {
    static_assert(io::max_file_size<Net> <= buf_size);
    static Net net, back;
    static std::uint8_t buf[buf_size], again[buf_size];
    for (std::uint16_t flags = 0; flags <= io::known_flags; ++flags) {
        CAPTURE(flags);
        net.init(100 + flags);
        const auto meta = make_meta<Net>(flags, flags);
        CHECK(meta.flags() == flags);
        std::size_t n = 0;
        REQUIRE(io::save_model(net, meta, {buf, buf_size}, n) == Status::ok);
        CHECK(n == io::file_size<Net>(flags));
        io::model_meta_t<Net> meta_back = make_meta<Net>(io::known_flags, 99); // all overwritten
        back.params.fill(typename Net::value_type(7));
        REQUIRE(io::load_model(Bytes(buf, n), back, meta_back) == Status::ok);
        CHECK(same_bits(net.params, back.params));
        CHECK(same_meta(meta, meta_back));
        // Saving what was loaded gives the same bytes; so does a view.
        std::size_t m = 0;
        REQUIRE(io::save_model(back.view(), meta_back, {again, buf_size}, m) == Status::ok);
        CHECK(m == n);
        CHECK(std::memcmp(buf, again, n) == 0);
        typename Net::value_type x[Net::input_dim];
        for (std::size_t d = 0; d < Net::input_dim; ++d)
            x[d] = typename Net::value_type(0.3) * static_cast<typename Net::value_type>(d);
        CHECK(same_bits(net.value(x), back.value(x)));
    }
}

} // namespace

TEST_CASE("io: CRC-32 check value, chaining, empty input") {
    static constexpr std::uint8_t digits[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    static_assert(io::crc32(Bytes(digits, 9)) == 0xCBF43926u);
    CHECK(io::crc32(Bytes(digits, 9)) == 0xCBF43926u);
    CHECK(io::crc32(Bytes(digits, 0)) == 0u);
    CHECK(io::crc32(Bytes(digits + 4, 5), io::crc32(Bytes(digits, 4))) == 0xCBF43926u);
    static constexpr std::uint8_t zeros[4] = {};
    CHECK(io::crc32(Bytes(zeros, 4)) == 0x2144DF1Cu);
}

TEST_CASE("io: every Status has its own name") {
    for (int i = 0; i < ember::status_count; ++i) {
        const char* a = ember::status_name(static_cast<Status>(i));
        CHECK(std::strcmp(a, "unknown") != 0);
        for (int j = 0; j < i; ++j)
            CHECK(std::strcmp(a, ember::status_name(static_cast<Status>(j))) != 0);
    }
    CHECK(std::strcmp(ember::status_name(static_cast<Status>(ember::status_count)), "unknown") ==
          0);
    CHECK(static_cast<int>(Status::diverged) == 5); // old values keep their numbers
    CHECK(static_cast<int>(Status::checksum_mismatch) == 9);
}

TEST_CASE("io: the byte layout matches files written outside ember") {
    // Written with Python's struct and zlib.crc32 from docs/model-file.md.
    static constexpr std::uint8_t golden_f[64] = {
        0x45, 0x4D, 0x42, 0x4D, 0x01, 0x00, 0x07, 0x00, 0x40, 0x00, 0x00, 0x00, 0x01,
        0x04, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x80, 0x3E, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0xC0,
        0xBF, 0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0,
        0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x00, 0x00, 0xA4, 0xA7, 0x88, 0xC1};
    static constexpr std::uint8_t golden_d[64] = {
        0x45, 0x4D, 0x42, 0x4D, 0x01, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x02,
        0x03, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xE0, 0x3F,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4A, 0x4C, 0x73, 0xC3};
    using TinyF = ember::Mlp<float, ember::Relu, 1, 1>;
    using TinyD = ember::Mlp<double, ember::Tanh, 1, 1>;
    static_assert(io::max_file_size<TinyF> == 68 &&
                  io::file_size<TinyD>(0) == 64); // + base (1 value)
    std::uint8_t out[64];
    std::size_t n = 0;

    TinyF f;
    f.params = {1.0f, -2.0f, 0.5f, 0.0f};
    io::model_meta_t<TinyF> mf;
    mf.has_standardization = mf.has_log_z = mf.has_threshold = true;
    mf.standardization.mean[0] = 0.25f;
    mf.standardization.scale[0] = 2.0f;
    mf.log_z = -1.5f;
    mf.threshold = 3.0f;
    REQUIRE(io::save_model(f, mf, out, n) == Status::ok);
    CHECK(n == 64);
    CHECK(std::memcmp(out, golden_f, 64) == 0);
    TinyF f2;
    io::model_meta_t<TinyF> mf2;
    REQUIRE(io::load_model(golden_f, f2, mf2) == Status::ok);
    CHECK(same_bits(f.params, f2.params));
    CHECK(same_meta(mf, mf2));

    TinyD d;
    d.params = {1.0, -2.0, 0.5, 0.0};
    REQUIRE(io::save_model(d, io::model_meta_t<TinyD>{}, out, n) == Status::ok);
    CHECK(n == 64);
    CHECK(std::memcmp(out, golden_d, 64) == 0);
}

TEST_CASE("io: save/load round trip is bit-exact, float and double, every optional field") {
    round_trip_all_flags<NetF>();
    round_trip_all_flags<NetD>();
    round_trip_all_flags<ember::Mlp<float, ember::Softplus, 1, 2, 3, 2>>();
    round_trip_all_flags<ember::Mlp<double, ember::Relu, 4, 3>>();
}

TEST_CASE("io: extreme but finite values survive (subnormals, -0, max)") {
    static NetD net, back;
    static std::uint8_t buf[buf_size];
    net.init(3);
    net.params[0] = -0.0;
    net.params[1] = std::numeric_limits<double>::denorm_min();
    net.params[2] = -std::numeric_limits<double>::max();
    net.params[3] = std::numeric_limits<double>::min();
    io::model_meta_t<NetD> meta, meta_back;
    meta.has_standardization = true;
    meta.standardization.scale = {std::numeric_limits<double>::denorm_min(), 1e300};
    std::size_t n = 0;
    REQUIRE(io::save_model(net, meta, {buf, buf_size}, n) == Status::ok);
    REQUIRE(io::load_model(Bytes(buf, n), back, meta_back) == Status::ok);
    CHECK(same_bits(net.params, back.params));
    CHECK(same_meta(meta, meta_back));
}

TEST_CASE("io: every proper prefix is truncated; bytes after the file are ignored") {
    static std::uint8_t buf[buf_size];
    const std::size_t n = save_full(buf);
    for (std::size_t len = 0; len < n; ++len) {
        CAPTURE(len);
        check_refused<NetF>(Bytes(buf, len), Status::truncated);
    }
    // A flash region or file larger than the model: the rest is not read.
    for (std::size_t k = n; k < buf_size; ++k) buf[k] = 0xFF;
    static NetF net;
    io::model_meta_t<NetF> meta;
    CHECK(io::load_model(Bytes(buf, buf_size), net, meta) == Status::ok);
}

TEST_CASE("io: not a model file, another version, a bad size field -> bad_format") {
    static std::uint8_t buf[buf_size];
    const std::size_t n = save_full(buf);
    // Anything that does not start with the magic, however short.
    static constexpr std::uint8_t junk[] = {'E', 'M', 'B', 'X', 1, 0};
    check_refused<NetF>(Bytes(junk, 1), Status::truncated); // "E": could still be a model file
    check_refused<NetF>(Bytes(junk + 1, 1), Status::bad_format);
    check_refused<NetF>(Bytes(junk, 3), Status::truncated);
    check_refused<NetF>(Bytes(junk, 4), Status::bad_format);
    for (std::size_t k = 0; k < 4; ++k) {
        buf[k] ^= 0x20;
        check_refused<NetF>(Bytes(buf, n), Status::bad_format);
        buf[k] ^= 0x20;
    }
    // Version 0 and 2, CRC made valid (the version is read before the CRC anyway).
    for (std::uint8_t v : {std::uint8_t(0), std::uint8_t(2)}) {
        buf[4] = v;
        reseal(buf, n);
        check_refused<NetF>(Bytes(buf, n), Status::bad_format);
    }
    buf[4] = 1;
    buf[5] = 1; // version 257
    check_refused<NetF>(Bytes(buf, n), Status::bad_format);
    buf[5] = 0;
    reseal(buf, n);
    // A size field below any valid file, and one beyond the input.
    buf[8] = 31;
    buf[9] = 0;
    check_refused<NetF>(Bytes(buf, n), Status::bad_format);
    buf[8] = static_cast<std::uint8_t>(n + 1);
    buf[9] = static_cast<std::uint8_t>((n + 1) >> 8);
    check_refused<NetF>(Bytes(buf, n), Status::truncated);
    buf[11] = 0xFF; // 4 GiB
    check_refused<NetF>(Bytes(buf, n), Status::truncated);
}

TEST_CASE("io: unknown ids and flags, inconsistent counts (CRC valid) -> bad_format") {
    static std::uint8_t buf[buf_size], orig[buf_size];
    const std::size_t n = save_full(orig);
    auto edit = [&](std::size_t at, std::uint8_t value) {
        std::memcpy(buf, orig, n);
        buf[at] = value;
        reseal(buf, n);
        check_refused<NetF>(Bytes(buf, n), Status::bad_format);
    };
    edit(6, 0x1F); // flag bit 4
    edit(7, 0x80); // flag bit 15
    edit(12, 0);   // scalar id 0
    edit(12, 3);   // scalar id 3
    edit(13, 0);   // activation id 0
    edit(13, 5);   // activation id 5
    edit(28, 48);  // P = 48 instead of 49 (offset 20 + 4 L, L = 2)
    edit(6, 0x03); // flags drop the threshold: the size no longer adds up
    // A file of the right network whose size field announces more bytes.
    std::memcpy(buf, orig, n);
    buf[8] = static_cast<std::uint8_t>(n + 4);
    buf[n] = buf[n + 1] = buf[n + 2] = buf[n + 3] = 0;
    reseal(buf, n + 4);
    check_refused<NetF>(Bytes(buf, n + 4), Status::bad_format);
}

// ember_fuzz_header_export (tests/fuzz/corpus/header_export/bad_base_size_wraps):
// a descriptor whose byte count wraps in 64 bits must not describe a file.
TEST_CASE("io: read_architecture refuses a Gaussian base whose size wraps -> bad_format") {
    // 48 bytes: D = 2^31 - 2, hidden 1, 2, 2^28 - 1 (P = 3 * 2^30), flags =
    // base, double: 36 + 8 (D (D + 1) / 2 + P) + 4 = 48 modulo 2^64.
    static std::uint8_t buf[48];
    const std::uint8_t head[36] = {0x45, 0x4D, 0x42, 0x4D, 1,    0,    8,    0,    48, 0, 0, 0,
                                   2,    1,    3,    0,    0xFE, 0xFF, 0xFF, 0x7F, 1,  0, 0, 0,
                                   2,    0,    0,    0,    0xFF, 0xFF, 0xFF, 0x0F, 0,  0, 0, 0xC0};
    std::memcpy(buf, head, sizeof head);
    reseal(buf, sizeof buf);
    io::Architecture a;
    CHECK(io::read_architecture(Bytes(buf, sizeof buf), a) == Status::bad_format);
    CHECK(a.input_dim == 0); // untouched
    // The same descriptor without the base flag is refused too (P alone
    // needs 24 GiB).
    buf[6] = 0;
    reseal(buf, sizeof buf);
    CHECK(io::read_architecture(Bytes(buf, sizeof buf), a) == Status::bad_format);
}

TEST_CASE("io: a file of another network -> architecture_mismatch") {
    static std::uint8_t buf[buf_size];
    const std::size_t n = save_full(buf);
    const Bytes file(buf, n);
    check_refused<ember::Mlp<float, ember::Swish, 3, 5, 5>>(file, Status::architecture_mismatch);
    check_refused<ember::Mlp<float, ember::Swish, 3, 4, 4>>(file, Status::architecture_mismatch);
    check_refused<ember::Mlp<float, ember::Swish, 2, 5, 4>>(file, Status::architecture_mismatch);
    check_refused<ember::Mlp<float, ember::Swish, 3, 5>>(file, Status::architecture_mismatch);
    check_refused<ember::Mlp<float, ember::Swish, 3, 5, 4, 1>>(file, Status::architecture_mismatch);
    check_refused<ember::Mlp<float, ember::Tanh, 3, 5, 4>>(file, Status::architecture_mismatch);
    check_refused<ember::Mlp<float, ember::Relu, 3, 5, 4>>(file, Status::architecture_mismatch);
    check_refused<ember::Mlp<double, ember::Swish, 3, 5, 4>>(file, Status::architecture_mismatch);
    check_refused<NetF>(file, Status::ok);
}

TEST_CASE("io: one damaged byte -> checksum_mismatch (past the size field)") {
    static std::uint8_t buf[buf_size];
    const std::size_t n = save_full(buf);
    for (std::size_t at = 0; at < n; ++at)
        for (std::uint8_t mask : {std::uint8_t(0x01), std::uint8_t(0x80), std::uint8_t(0xFF)}) {
            CAPTURE(at);
            CAPTURE(int(mask));
            buf[at] ^= mask;
            bool untouched = false;
            const Status s = load_untouched<NetF>(Bytes(buf, n), untouched);
            CHECK(untouched);
            if (at < 6)
                CHECK(s == Status::bad_format); // magic, version
            else if (at >= 8 && at < 12)
                CHECK((s == Status::truncated || s == Status::bad_format ||
                       s == Status::checksum_mismatch));
            else
                CHECK(s == Status::checksum_mismatch); // flags, descriptor, values, CRC
            buf[at] ^= mask;
        }
}

TEST_CASE("io: NaN, infinity or a scale <= 0 in a file with a valid CRC") {
    static std::uint8_t buf[buf_size], orig[buf_size];
    const std::size_t n = save_full(orig);
    constexpr std::size_t H = io::header_size<NetF>, D = NetF::input_dim;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    auto edit = [&](std::size_t value_index, float v, Status want) {
        CAPTURE(value_index);
        std::memcpy(buf, orig, n);
        put_value(buf + H + 4 * value_index, v);
        reseal(buf, n);
        check_refused<NetF>(Bytes(buf, n), want);
    };
    // Values: mean[0..D), scale[D..2D), log Z, threshold, params.
    const std::size_t first_param = 2 * D + 2, last_param = first_param + NetF::param_count - 1;
    edit(first_param, nan, Status::non_finite_input);
    edit(last_param, -inf, Status::non_finite_input);
    edit(0, inf, Status::non_finite_input);     // mean
    edit(D, nan, Status::non_finite_input);     // scale
    edit(2 * D, nan, Status::non_finite_input); // log Z
    edit(2 * D + 1, inf, Status::non_finite_input);
    edit(D, 0.0f, Status::invalid_argument);
    edit(2 * D - 1, -0.0f, Status::invalid_argument);
    edit(D + 1, -1.0f, Status::invalid_argument);
    edit(0, -1.0f, Status::ok); // a negative mean is fine
    // A signalling NaN pattern too (exponent all ones, low mantissa bit).
    std::memcpy(buf, orig, n);
    const std::size_t at = H + 4 * first_param;
    buf[at] = 1;
    buf[at + 1] = 0;
    buf[at + 2] = 0x80;
    buf[at + 3] = 0x7F;
    reseal(buf, n);
    check_refused<NetF>(Bytes(buf, n), Status::non_finite_input);
}

TEST_CASE("io: save refuses a short buffer, non-finite values and a bad scale") {
    static NetF net;
    static std::uint8_t buf[buf_size];
    net.init(5);
    auto meta = make_meta<NetF>(io::known_flags, 5);
    const std::size_t need = io::max_file_size<NetF>;
    for (std::size_t len = 0; len < need; ++len) {
        CAPTURE(len);
        std::memset(buf, 0xEE, sizeof buf);
        std::size_t written = 123;
        CHECK(io::save_model(net, meta, {buf, len}, written) == Status::buffer_too_small);
        CHECK(written == 0);
        CHECK((buf[0] == 0xEE && buf[len > 0 ? len - 1 : 0] == 0xEE));
    }
    std::size_t written = 123;
    CHECK(io::save_model(net, meta, {buf, need}, written) == Status::ok);
    CHECK(written == need);

    auto refused = [&](const auto& src, const io::model_meta_t<NetF>& m, Status want) {
        std::memset(buf, 0xEE, sizeof buf);
        std::size_t w = 123;
        CHECK(io::save_model(src, m, {buf, buf_size}, w) == want);
        CHECK(w == 0);
        bool clean = true;
        for (std::uint8_t b : buf) clean = clean && b == 0xEE;
        CHECK(clean); // checked before a byte is written
    };
    net.params[7] = std::numeric_limits<float>::quiet_NaN();
    refused(net, meta, Status::non_finite_input);
    net.init(5);
    auto m2 = meta;
    m2.standardization.scale[1] = 0.0f;
    refused(net, m2, Status::invalid_argument);
    m2 = meta;
    m2.threshold = std::numeric_limits<float>::infinity();
    refused(net, m2, Status::non_finite_input);
    m2.has_threshold = false; // an absent field is not checked (nor written)
    CHECK(io::save_model(net, m2, {buf, buf_size}, written) == Status::ok);
    const NetF::view_type unbound;
    refused(unbound, meta, Status::invalid_argument);
}

TEST_CASE("io: load_model_params into block 0 of a Model with a learned log Z") {
    using M = ember::Model<NetF, ember::Scalar<float>>;
    static M model;
    static NetF net;
    static std::uint8_t buf[buf_size];
    net.init(11);
    auto meta = make_meta<NetF>(io::flag_log_z, 11);
    std::size_t n = 0;
    REQUIRE(io::save_model(net, meta, {buf, buf_size}, n) == Status::ok);
    io::model_meta_t<NetF> back;
    CHECK(io::load_model_params<NetF>(Bytes(buf, n), {model.block<0>(), NetF::param_count - 1},
                                      back) == Status::dimension_mismatch);
    CHECK(!back.has_log_z);
    REQUIRE(io::load_model_params<NetF>(Bytes(buf, n), {model.block<0>(), NetF::param_count},
                                        back) == Status::ok);
    model.block<1>()[0] = back.log_z;
    const float x[3] = {0.1f, -0.2f, 0.3f};
    float lp = 0;
    REQUIRE(ember::log_density(model, x, lp) == Status::ok);
    CHECK(same_bits(lp, net.value(x) - meta.log_z));
    // Save it back from the model's view: the same file.
    static std::uint8_t again[buf_size];
    std::size_t m = 0;
    REQUIRE(io::save_model(model.view<0>(), back, {again, buf_size}, m) == Status::ok);
    CHECK(m == n);
    CHECK(std::memcmp(buf, again, n) == 0);
}

} // namespace ember_test_io_model_file
