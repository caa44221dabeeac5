// A model file read without its compile-time type: io::read_architecture on
// the device side, ember::host::FileModel (decode, encode, resize_input) on
// the host, which the `ember` tool uses to pad a D-input model to the
// network it runs and back.
#include "ember/detect/anomaly_detector.hpp"
#include "ember/host/model_io.hpp"
#include "ember/io/crc32.hpp"
#include "ember/io/model_file.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/random.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace ember_test_io_runtime_host { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace host = ember::host;
namespace io = ember::io;
using ember::Status;

namespace {

using Net3 = ember::Mlp<float, ember::Swish, 3, 4, 4>;
using Net8 = ember::Mlp<float, ember::Swish, 8, 4, 4>;
using Net20 = ember::Mlp<float, ember::Swish, 20, 4, 4>; // the base's loop, not unrolled

std::vector<std::uint8_t> save_full(const Net3& net) {
    io::model_meta_t<Net3> meta;
    meta.has_standardization = meta.has_log_z = meta.has_threshold = meta.has_base = true;
    ember::Pcg32 rng(4, 1);
    for (std::size_t d = 0; d < 3; ++d) {
        meta.standardization.mean[d] = ember::normal<float>(rng);
        meta.standardization.scale[d] = 1.0f + ember::uniform01<float>(rng);
    }
    meta.log_z = 1.5f;
    meta.threshold = 4.0f;
    for (float& a : meta.base) a = 0.5f + ember::uniform01<float>(rng);
    std::vector<std::uint8_t> bytes(io::max_file_size<Net3>);
    std::size_t n = 0;
    REQUIRE(io::save_model(net, meta, {bytes.data(), bytes.size()}, n) == Status::ok);
    bytes.resize(n);
    return bytes;
}

} // namespace

TEST_CASE("io: read_architecture describes a file without its type, and refuses as load does") {
    static Net3 net;
    net.init(5);
    std::vector<std::uint8_t> bytes = save_full(net);
    io::Architecture a;
    REQUIRE(io::read_architecture({bytes.data(), bytes.size()}, a) == Status::ok);
    CHECK(a.input_dim == 3);
    CHECK(a.hidden_layers == 2);
    CHECK(a.hidden[0] == 4);
    CHECK(a.hidden[1] == 4);
    CHECK(a.param_count == Net3::param_count);
    CHECK(a.file_size == bytes.size());
    CHECK(a.flags == io::known_flags);
    CHECK(a.scalar == io::scalar_id<float>);
    CHECK(a.activation == io::activation_id<ember::Swish>);
    // Every proper prefix is truncated; a flipped bit is a checksum mismatch.
    for (std::size_t n = 4; n < bytes.size(); n += 7) {
        io::Architecture b;
        CHECK(io::read_architecture({bytes.data(), n}, b) == Status::truncated);
        CHECK(b.input_dim == 0); // untouched
    }
    bytes[40] ^= 1;
    CHECK(io::read_architecture({bytes.data(), bytes.size()}, a) == Status::checksum_mismatch);
}

TEST_CASE("host: a file padded to more inputs scores the same bits, and trims back") {
    static Net3 net;
    net.init(6);
    const std::vector<std::uint8_t> bytes = save_full(net);
    host::FileModel m;
    REQUIRE(host::decode_model_file({bytes.data(), bytes.size()}, m).ok());
    std::vector<std::uint8_t> again;
    REQUIRE(host::encode_model_file(m, again).ok());
    CHECK(again == bytes);

    host::FileModel padded = m;
    REQUIRE(host::resize_input(padded, 8).ok());
    std::vector<std::uint8_t> pbytes;
    REQUIRE(host::encode_model_file(padded, pbytes).ok());
    static Net8 net8;
    io::model_meta_t<Net8> meta8;
    REQUIRE(io::load_model({pbytes.data(), pbytes.size()}, net8, meta8) == Status::ok);
    io::model_meta_t<Net3> meta3;
    static Net3 back;
    REQUIRE(io::load_model({bytes.data(), bytes.size()}, back, meta3) == Status::ok);

    ember::detect::AnomalyDetector<Net3> d3(back);
    ember::detect::AnomalyDetector<Net8> d8(net8);
    REQUIRE(d3.set_standardizer(meta3.standardization.mean.data(),
                                meta3.standardization.scale.data()) == Status::ok);
    REQUIRE(d8.set_standardizer(meta8.standardization.mean.data(),
                                meta8.standardization.scale.data()) == Status::ok);
    d3.set_base(meta3.base.data());
    d8.set_base(meta8.base.data());
    host::FileModel padded20 = m;
    REQUIRE(host::resize_input(padded20, 20).ok());
    std::vector<std::uint8_t> bytes20;
    REQUIRE(host::encode_model_file(padded20, bytes20).ok());
    static Net20 net20;
    static io::model_meta_t<Net20> meta20;
    REQUIRE(io::load_model({bytes20.data(), bytes20.size()}, net20, meta20) == Status::ok);
    ember::detect::AnomalyDetector<Net20> d20(net20);
    REQUIRE(d20.set_standardizer(meta20.standardization.mean.data(),
                                 meta20.standardization.scale.data()) == Status::ok);
    d20.set_base(meta20.base.data());
    ember::Pcg32 rng(7, 1);
    for (int r = 0; r < 200; ++r) {
        float x3[3], x8[8] = {}, x20[20] = {};
        for (int d = 0; d < 3; ++d) x3[d] = x8[d] = x20[d] = 2.0f * ember::normal<float>(rng);
        float e3 = 0, e8 = 1, e20 = 2;
        REQUIRE(d3.score(x3, e3) == Status::ok);
        REQUIRE(d8.score(x8, e8) == Status::ok);
        REQUIRE(d20.score(x20, e20) == Status::ok);
        CHECK(std::memcmp(&e3, &e8, sizeof e3) == 0);
        CHECK(std::memcmp(&e3, &e20, sizeof e3) == 0);
    }

    // Back to 3 inputs: the same file. Dropping a used input is refused.
    host::FileModel trimmed = padded;
    REQUIRE(host::resize_input(trimmed, 3).ok());
    std::vector<std::uint8_t> tbytes;
    REQUIRE(host::encode_model_file(trimmed, tbytes).ok());
    CHECK(tbytes == bytes);
    host::FileModel used = m;
    const host::IoResult r = host::resize_input(used, 2);
    CHECK_FALSE(r.ok());
    CHECK(r.status == Status::invalid_argument);
    CHECK(used.arch.input_dim == 3);
    CHECK(host::net_type_name(m.arch) == "ember::Mlp<float, ember::Swish, 3, 4, 4>");
}

// decode_model_file (the `ember export` and `ember info` reader) read far
// past a 48-byte file whose descriptor's byte count wrapped in 64 bits
// (found with ember_fuzz_header_export; its seed bad_base_size_wraps).
TEST_CASE(
    "host: decode_model_file refuses a descriptor whose size wraps, reading nothing past it") {
    std::vector<std::uint8_t> b = {0x45, 0x4D, 0x42, 0x4D, 1,    0,    8,    0,    48, 0, 0, 0,
                                   2,    1,    3,    0,    0xFE, 0xFF, 0xFF, 0x7F, 1,  0, 0, 0,
                                   2,    0,    0,    0,    0xFF, 0xFF, 0xFF, 0x0F, 0,  0, 0, 0xC0};
    b.resize(44, 0);
    const std::uint32_t crc = ember::io::crc32({b.data(), b.size()});
    for (int k = 0; k < 4; ++k) b.push_back(static_cast<std::uint8_t>(crc >> (8 * k)));
    host::FileModel m;
    const host::IoResult r = host::decode_model_file({b.data(), b.size()}, m);
    CHECK_FALSE(r.ok());
    CHECK(r.status == Status::bad_format);
    CHECK(m.params.empty());
}

} // namespace ember_test_io_runtime_host
