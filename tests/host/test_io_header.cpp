// Host side of the model file (lib/ember/host/model_io.hpp): hexadecimal
// literals that round-trip bit for bit, the text of an exported C header,
// files on disk with clear errors, and no allocation in save/load. That the
// exported header compiles and gives the same network is checked by
// tests/export (ctest: ember.export_header).
#include "alloc_guard.hpp"

#include "ember/host/model_io.hpp"
#include "ember/io/model_file.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/random.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace ember_test_io_header_host { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace host = ember::host;
namespace io = ember::io;
using ember::Status;

namespace {

using Net = ember::Mlp<float, ember::Softplus, 3, 4, 2>;

std::string temp_path(const char* leaf) { return std::string(EMBER_TEST_BINARY_DIR) + "/" + leaf; }

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Parses `lit` back; true if it is one literal with exactly the bits of `v`.
bool parses_to(const std::string& lit, float v) {
    char* end = nullptr;
    const float back = std::strtof(lit.c_str(), &end);
    return std::string(end) == "f" && same_bits(back, v);
}
bool parses_to(const std::string& lit, double v) {
    char* end = nullptr;
    const double back = std::strtod(lit.c_str(), &end);
    return *end == '\0' && same_bits(back, v);
}

// The literals between "<array> = {" and "};" in the header text.
std::vector<std::string> array_literals(const std::string& text, const std::string& array) {
    std::vector<std::string> out;
    std::size_t at = 0; // the declaration "<array>[<digits>]", not a mention "<array>[d]"
    while ((at = text.find(array + "[", at)) != std::string::npos) {
        at += array.size() + 1;
        if (at < text.size() && text[at] >= '0' && text[at] <= '9') break;
    }
    if (at == std::string::npos) return out;
    const std::size_t open = text.find('{', at), close = text.find("};", at);
    std::istringstream body(text.substr(open + 1, close - open - 1));
    std::string tok;
    while (body >> tok) out.push_back(tok.substr(0, tok.size() - 1)); // drop the comma
    return out;
}

bool contains(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

} // namespace

TEST_CASE_TEMPLATE("io: hexadecimal literals round-trip exactly", T, float, double) {
    using L = std::numeric_limits<T>;
    const T special[] = {T(0),
                         -T(0),
                         T(1),
                         T(-1.5),
                         L::min(),
                         -L::min(),
                         L::max(),
                         L::lowest(),
                         L::denorm_min(),
                         -L::denorm_min(),
                         L::min() / T(3),
                         L::epsilon(),
                         T(0.1)};
    for (T v : special) {
        CAPTURE(host::hex_literal(v));
        CHECK(parses_to(host::hex_literal(v), v));
    }
    CHECK(host::hex_literal(T(1)) == (sizeof(T) == 4 ? "0x1p+0f" : "0x1p+0"));
    CHECK(host::hex_literal(T(-3)) == (sizeof(T) == 4 ? "-0x1.8p+1f" : "-0x1.8p+1"));
    CHECK(host::hex_literal(-T(0)) == (sizeof(T) == 4 ? "-0x0p+0f" : "-0x0p+0"));
    ember::Pcg32 rng(1, 2);
    for (int i = 0; i < 20000; ++i) {
        // Random bit patterns: every exponent, subnormals included.
        std::uint64_t bits = (std::uint64_t(rng()) << 32) | rng();
        T v;
        if constexpr (sizeof(T) == 4) {
            const auto b = static_cast<std::uint32_t>(bits);
            std::memcpy(&v, &b, 4);
        } else {
            std::memcpy(&v, &bits, 8);
        }
        if (!(v - v == T(0))) continue; // not finite
        if (!parses_to(host::hex_literal(v), v)) {
            CHECK(parses_to(host::hex_literal(v), v));
            break;
        }
    }
}

TEST_CASE("io: the exported header names the type, the sizes and every bit") {
    static Net net;
    net.init(21);
    net.params[0] = std::numeric_limits<float>::denorm_min();
    net.params[1] = -0.0f;
    io::model_meta_t<Net> meta;
    meta.has_standardization = meta.has_log_z = meta.has_threshold = true;
    meta.standardization.mean = {0.5f, -1.0f, 1e-3f};
    meta.standardization.scale = {2.0f, 0.25f, 3.0f};
    meta.log_z = 1.25f;
    meta.threshold = 7.75f;
    std::ostringstream out;
    const host::IoResult r = host::export_c_header(net, meta, "tiny", out);
    REQUIRE(r.ok());
    const std::string text = out.str();
    CHECK(contains(text, "#ifndef EMBER_MODEL_tiny_HPP_\n#define EMBER_MODEL_tiny_HPP_\n"));
    CHECK(contains(text, "#include \"ember/nn/mlp.hpp\"\n"));
    CHECK(contains(text, "using tiny_net = ember::Mlp<float, ember::Softplus, 3, 4, 2>;\n"));
    CHECK(contains(
        text, "static_assert(tiny_net::param_count == " + std::to_string(Net::param_count) + ","));
    CHECK(contains(text, "static_assert(tiny_net::input_dim == 3,"));
    CHECK(contains(text, "alignas(EMBER_ALIGN) inline constexpr float tiny_params[" +
                             std::to_string(Net::param_count) + "] = {\n"));
    CHECK(contains(text, "inline constexpr float tiny_log_z = 0x1.4p+0f;\n"));
    CHECK(contains(text, "inline constexpr float tiny_threshold = 0x1.fp+2f;\n"));
    CHECK(contains(text, "constexpr tiny_net::view_type tiny_view() noexcept {"));
    CHECK(contains(text, "#endif // EMBER_MODEL_tiny_HPP_\n"));
    CHECK(!contains(text, "malloc"));

    const auto params = array_literals(text, "tiny_params");
    REQUIRE(params.size() == Net::param_count);
    for (std::size_t i = 0; i < Net::param_count; ++i) {
        CAPTURE(i);
        CHECK(parses_to(params[i], net.params[i]));
    }
    const auto mean = array_literals(text, "tiny_mean");
    const auto scale = array_literals(text, "tiny_scale");
    REQUIRE(mean.size() == 3);
    REQUIRE(scale.size() == 3);
    for (std::size_t d = 0; d < 3; ++d) {
        CHECK(parses_to(mean[d], meta.standardization.mean[d]));
        CHECK(parses_to(scale[d], meta.standardization.scale[d]));
    }

    // Without the optional fields, none of their names appear.
    std::ostringstream bare;
    REQUIRE(host::export_c_header(net.view(), io::model_meta_t<Net>{}, "bare", bare).ok());
    CHECK(!contains(bare.str(), "bare_mean"));
    CHECK(!contains(bare.str(), "bare_log_z"));
    CHECK(!contains(bare.str(), "bare_threshold"));

    // Double: no suffix.
    using NetD = ember::Mlp<double, ember::Relu, 2, 3>;
    NetD d;
    d.init(3);
    std::ostringstream dout;
    REQUIRE(host::export_c_header(d, io::model_meta_t<NetD>{}, "dbl", dout).ok());
    CHECK(contains(dout.str(), "using dbl_net = ember::Mlp<double, ember::Relu, 2, 3>;\n"));
    const auto dp = array_literals(dout.str(), "dbl_params");
    REQUIRE(dp.size() == NetD::param_count);
    for (std::size_t i = 0; i < NetD::param_count; ++i) CHECK(parses_to(dp[i], d.params[i]));
}

TEST_CASE("io: export refuses a bad name and values a model file refuses") {
    static Net net;
    net.init(2);
    io::model_meta_t<Net> meta;
    std::ostringstream out;
    for (const char* bad : {"", "2x", "a-b", "a b", "model.h"}) {
        const host::IoResult r = host::export_c_header(net, meta, bad, out);
        CHECK(!r.ok());
        CHECK(r.status == Status::invalid_argument);
    }
    CHECK(host::is_c_identifier("_a9"));
    net.params[3] = std::numeric_limits<float>::infinity();
    host::IoResult r = host::export_c_header(net, meta, "m", out);
    CHECK(r.status == Status::non_finite_input);
    CHECK(contains(r.error, "non_finite_input"));
    net.init(2);
    meta.has_standardization = true; // scales of 0
    r = host::export_c_header(net, meta, "m", out);
    CHECK(r.status == Status::invalid_argument);
    CHECK(out.str().empty()); // nothing written on refusal
}

TEST_CASE("io: files on disk, with errors that say what failed") {
    static Net net, back;
    net.init(8);
    io::model_meta_t<Net> meta, meta_back;
    meta.has_threshold = true;
    meta.threshold = 3.5f;
    const std::string path = temp_path("io_model_test.ebm");
    REQUIRE(host::save_model_file(path, net, meta).ok());
    REQUIRE(host::load_model_file(path, back, meta_back).ok());
    CHECK(std::memcmp(net.params.data(), back.params.data(), sizeof(float) * Net::param_count) ==
          0);
    CHECK(meta_back.has_threshold);
    CHECK(meta_back.threshold == 3.5f);

    std::vector<std::uint8_t> bytes;
    REQUIRE(host::read_file(path, bytes).ok());
    CHECK(bytes.size() == io::file_size<Net>(io::flag_threshold));
    bytes[bytes.size() / 2] ^= 1;
    REQUIRE(host::write_file(path, {bytes.data(), bytes.size()}).ok());
    host::IoResult r = host::load_model_file(path, back, meta_back);
    CHECK(r.status == Status::checksum_mismatch);
    CHECK(contains(r.error, path));
    CHECK(contains(r.error, "checksum_mismatch"));

    // Another architecture.
    ember::Mlp<float, ember::Softplus, 3, 4, 3> other;
    io::model_meta_t<decltype(other)> other_meta;
    bytes[bytes.size() / 2] ^= 1;
    REQUIRE(host::write_file(path, {bytes.data(), bytes.size()}).ok());
    CHECK(host::load_model_file(path, other, other_meta).status == Status::architecture_mismatch);
    std::remove(path.c_str());

    // A missing file: the error names it and the reason; `out` is kept.
    std::vector<std::uint8_t> kept = {1, 2, 3};
    const std::string missing = temp_path("no_such_dir/none.ebm");
    r = host::read_file(missing, kept);
    CHECK(!r.ok());
    CHECK(r.status == Status::ok); // not a model-file failure
    CHECK(contains(r.error, missing));
    CHECK(contains(r.error, "No such file"));
    CHECK(kept == std::vector<std::uint8_t>{1, 2, 3});
    r = host::write_file(missing, {kept.data(), kept.size()});
    CHECK(!r.ok());
    CHECK(contains(r.error, "for writing"));
    CHECK(!host::load_model_file(missing, back, meta_back).ok());
}

TEST_CASE("io: save_model and load_model allocate nothing") {
    static Net net, back;
    static std::uint8_t buf[io::max_file_size<Net>];
    net.init(4);
    io::model_meta_t<Net> meta, meta_back;
    meta.has_log_z = true;
    std::size_t n = 0;
    ember_test::AllocationGuard g;
    CHECK(io::save_model(net, meta, buf, n) == Status::ok);
    CHECK(io::load_model({buf, n}, back, meta_back) == Status::ok);
    CHECK(io::load_model({buf, n - 1}, back, meta_back) == Status::truncated);
    CHECK(g.count() == 0);
}

} // namespace ember_test_io_header_host
