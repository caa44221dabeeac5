// Writes the seed corpus of ember_fuzz_model_file (tests/fuzz/corpus/model_file/):
// valid files of the networks of fuzz_nets.hpp with different optional
// fields, one of a network the target does not know, and damaged ones, each
// checked to get the verdict it is named for. With --header-export, that of
// ember_fuzz_header_export (tests/fuzz/corpus/header_export/): valid files
// of several architectures (with and without standardisation, log Z,
// threshold and a Gaussian base; every activation, float and double, one to
// four hidden layers), extreme values, a file followed by more bytes, and
// refused ones. The values come from a fixed generator, so the output is
// the same on every run.
//   ember_fuzz_make_corpus [--header-export] DIR           write the files into DIR
//   ember_fuzz_make_corpus --check [--header-export] DIR   exit 1 unless DIR holds them
#include "ember/io/crc32.hpp"
#include "ember/io/model_file.hpp"
#include "fuzz_nets.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace {

using ember::Status;
using ember_fuzz::NetA;
using ember_fuzz::NetB;
using ember_fuzz::NetC;
using ember_fuzz::NetD;
using Bytes = std::vector<std::uint8_t>;
// A network none of the target's: read_architecture describes it, every
// load is architecture_mismatch.
using NetOther = ember::Mlp<float, ember::Softplus, 5, 2>;
// 17 hidden layers: more than read_architecture describes.
using NetDeep =
    ember::Mlp<float, ember::Relu, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>;

// Values in [-2, 2) in steps of 1/512 from a fixed LCG.
struct Lcg {
    std::uint32_t state;
    double operator()() {
        state = state * 1664525u + 1013904223u;
        return static_cast<int>(state >> 22) / 256.0 - 2.0;
    }
};

template <class N>
Bytes valid(std::uint16_t flags, std::uint32_t seed) {
    Lcg next{seed};
    return ember_fuzz::make_file<N>(
        flags, [&next] { return static_cast<typename N::value_type>(next()); });
}

void reseal(Bytes& b) {
    const std::uint32_t size = ember::io::detail::get_u32(b.data() + 8);
    ember::io::detail::put_u32(b.data() + size - 4, ember::io::crc32({b.data(), size - 4}));
}

template <class N>
Status load(const Bytes& b) {
    static N net;
    static ember::io::model_meta_t<N> meta;
    return ember::io::load_model({b.data(), b.size()}, net, meta);
}

struct Seed {
    std::string name;
    Bytes bytes;
};

bool expect(const std::string& name, Status got, Status want) {
    if (got == want) return true;
    std::fprintf(stderr, "make_corpus: %s: %s, expected %s\n", name.c_str(),
                 ember::status_name(got), ember::status_name(want));
    return false;
}

// The file of ember_fuzz::make_file<N>, plus the Gaussian base when `flags`
// has flag_base (make_file leaves the base out: ember_fuzz_model_file's
// reference reader does not know it).
template <class N, class Next>
Bytes make_file_with_base(std::uint16_t flags, Next&& next) {
    Bytes b =
        ember_fuzz::make_file<N>(static_cast<std::uint16_t>(flags & ~ember::io::flag_base), next);
    if ((flags & ember::io::flag_base) == 0 || b.empty()) return b;
    static N net;
    ember::io::model_meta_t<N> meta;
    if (ember::io::load_model({b.data(), b.size()}, net, meta) != Status::ok) return {};
    meta.has_base = true;
    for (auto& a : meta.base) a = next();
    b.assign(ember::io::max_file_size<N>, 0);
    std::size_t n = 0;
    if (ember::io::save_model(net, meta, {b.data(), b.size()}, n) != Status::ok) return {};
    b.resize(n);
    return b;
}

template <class N>
Bytes valid_base(std::uint16_t flags, std::uint32_t seed) {
    Lcg next{seed};
    return make_file_with_base<N>(flags,
                                  [&next] { return static_cast<typename N::value_type>(next()); });
}

bool build(std::vector<Seed>& seeds) {
    using namespace ember::io;
    bool ok = true;
    auto arch = [](const Bytes& b) {
        Architecture a;
        return read_architecture({b.data(), b.size()}, a);
    };
    auto add = [&](std::string name, Bytes b, Status want_arch) {
        ok &= expect(name + " (read_architecture)", arch(b), want_arch);
        seeds.push_back({std::move(name), std::move(b)});
    };

    const Bytes a_plain = valid<NetA>(0, 1);
    const Bytes a_all = valid<NetA>(known_flags, 2);
    const Bytes b_std = valid<NetB>(flag_standardization, 3);
    const Bytes b_logz_thr = valid<NetB>(flag_log_z | flag_threshold, 4);
    const Bytes c_plain = valid<NetC>(0, 5);
    const Bytes c_thr = valid<NetC>(flag_threshold, 6);
    const Bytes d_all = valid<NetD>(known_flags, 7);
    const Bytes other = valid<NetOther>(flag_log_z, 8);
    const Bytes deep = valid<NetDeep>(0, 9);
    ok &= expect("a_plain", load<NetA>(a_plain), Status::ok);
    ok &= expect("a_all", load<NetA>(a_all), Status::ok);
    ok &= expect("b_std", load<NetB>(b_std), Status::ok);
    ok &= expect("b_logz_thr", load<NetB>(b_logz_thr), Status::ok);
    ok &= expect("c_plain", load<NetC>(c_plain), Status::ok);
    ok &= expect("c_thr", load<NetC>(c_thr), Status::ok);
    ok &= expect("d_all", load<NetD>(d_all), Status::ok);
    ok &= expect("other", load<NetA>(other), Status::architecture_mismatch);
    ok &= expect("deep", load<NetC>(deep), Status::architecture_mismatch);
    add("valid_a_plain", a_plain, Status::ok);
    add("valid_a_all_fields", a_all, Status::ok);
    add("valid_b_standardization", b_std, Status::ok);
    add("valid_b_logz_threshold", b_logz_thr, Status::ok);
    add("valid_c_plain", c_plain, Status::ok);
    add("valid_c_threshold", c_thr, Status::ok);
    add("valid_d_all_fields", d_all, Status::ok);
    // With a Gaussian base (the recipes of the target never have one).
    const Bytes a_base = valid_base<NetA>(known_flags, 10);
    ok &= expect("a_base", load<NetA>(a_base), Status::ok);
    add("valid_a_base", a_base, Status::ok);
    // Its last parameter NaN: found by the target when its reference did not
    // count the base (and so never read the last values).
    Bytes nan_last = a_base;
    ember::io::detail::put_u32(nan_last.data() + nan_last.size() - 8, 0x7FC00000u);
    reseal(nan_last);
    ok &= expect("a_base nan", load<NetA>(nan_last), Status::non_finite_input);
    add("resealed_a_base_nan_last_parameter", nan_last, Status::ok);
    add("arch_other_network", other, Status::ok);
    add("arch_17_layers", deep, Status::architecture_mismatch);

    Bytes b = a_all;
    b.resize(b.size() - 5);
    ok &= expect("truncated", load<NetA>(b), Status::truncated);
    add("truncated_a", b, Status::truncated);

    b = b_std;
    b[ember::io::header_size<NetB> + 9] ^= 0x10;
    ok &= expect("bad_crc", load<NetB>(b), Status::checksum_mismatch);
    add("checksum_b_value_bit", b, Status::checksum_mismatch);

    b = a_plain; // the last parameter NaN, CRC resealed
    ember::io::detail::put_u32(b.data() + b.size() - 8, 0x7FC00000u);
    reseal(b);
    ok &= expect("nan", load<NetA>(b), Status::non_finite_input);
    add("resealed_a_nan_parameter", b, Status::ok);

    b = b_std; // scale[0] = 0
    std::memset(b.data() + ember::io::header_size<NetB> + 2 * 8, 0, 8);
    reseal(b);
    ok &= expect("zero scale", load<NetB>(b), Status::invalid_argument);
    add("resealed_b_zero_scale", b, Status::ok);

    b = c_plain; // an unknown flag bit
    b[6] |= 0x08;
    reseal(b);
    ok &= expect("unknown flag", load<NetC>(b), Status::bad_format);
    add("resealed_c_unknown_flag", b, Status::bad_format);

    b = c_plain; // P one too many
    ember::io::detail::put_u32(b.data() + 24, ember::io::detail::get_u32(b.data() + 24) + 1);
    reseal(b);
    ok &= expect("parameter count", load<NetC>(b), Status::bad_format);
    add("resealed_c_parameter_count", b, Status::bad_format);

    b = c_thr; // threshold flag cleared: the size no longer matches
    b[6] = 0;
    reseal(b);
    ok &= expect("size", load<NetC>(b), Status::bad_format);
    add("resealed_c_flags_size", b, Status::bad_format);
    return ok;
}

// A file with a descriptor of any shape (not necessarily consistent): the
// header fields, `values` bytes of zeros, then the CRC.
Bytes raw_file(std::uint16_t flags, std::uint8_t scalar, std::uint8_t activation,
               std::uint32_t input_dim, const std::vector<std::uint32_t>& hidden,
               std::uint32_t param_count, std::size_t value_bytes) {
    const std::size_t size = 24 + 4 * hidden.size() + value_bytes + 4;
    Bytes b(size);
    std::memcpy(b.data(), ember::io::model_file_magic, 4);
    ember::io::detail::put_u16(b.data() + 4, ember::io::model_file_version);
    ember::io::detail::put_u16(b.data() + 6, flags);
    ember::io::detail::put_u32(b.data() + 8, static_cast<std::uint32_t>(size));
    b[12] = scalar;
    b[13] = activation;
    ember::io::detail::put_u16(b.data() + 14, static_cast<std::uint16_t>(hidden.size()));
    ember::io::detail::put_u32(b.data() + 16, input_dim);
    for (std::size_t l = 0; l < hidden.size(); ++l)
        ember::io::detail::put_u32(b.data() + 20 + 4 * l, hidden[l]);
    ember::io::detail::put_u32(b.data() + 20 + 4 * hidden.size(), param_count);
    reseal(b);
    return b;
}

bool build_header_export(std::vector<Seed>& seeds) {
    using namespace ember::io;
    using NetE = ember::Mlp<float, ember::Tanh, 7, 3>;           // 7 inputs: rows of 4 and 3
    using NetF = ember::Mlp<double, ember::Relu, 2, 4, 3, 2, 2>; // four hidden layers
    using NetG = ember::Mlp<float, ember::Softplus, 5, 8>;       // base and threshold only
    bool ok = true;
    auto add = [&](std::string name, Bytes b, Status want_arch) {
        Architecture a;
        ok &= expect(name + " (read_architecture)", read_architecture({b.data(), b.size()}, a),
                     want_arch);
        seeds.push_back({std::move(name), std::move(b)});
    };
    add("valid_a_plain", valid_base<NetA>(0, 11), Status::ok);
    add("valid_a_all_fields", valid_base<NetA>(known_flags, 12), Status::ok);
    add("valid_b_standardization", valid_base<NetB>(flag_standardization, 13), Status::ok);
    add("valid_b_logz_threshold", valid_base<NetB>(flag_log_z | flag_threshold, 14), Status::ok);
    add("valid_c_threshold", valid_base<NetC>(flag_threshold, 15), Status::ok);
    add("valid_d_all_fields", valid_base<NetD>(known_flags, 16), Status::ok);
    add("valid_e_base_logz", valid_base<NetE>(flag_base | flag_log_z, 17), Status::ok);
    add("valid_f_four_layers_std_threshold",
        valid_base<NetF>(flag_standardization | flag_threshold, 18), Status::ok);
    add("valid_g_base_threshold", valid_base<NetG>(flag_base | flag_threshold, 19), Status::ok);

    // Extreme finite values: -0, subnormals, the smallest normal, the
    // largest, 1 - ulp, in a float and a double file with every field.
    {
        const float fv[] = {-0.0f,          1.4e-45f,        -1.17549421e-38f, 1.17549435e-38f,
                            3.40282347e38f, -3.40282347e38f, 0.99999994f,      0.0f};
        std::size_t k = 0;
        Bytes b = make_file_with_base<NetA>(known_flags, [&] { return fv[k++ % 8]; });
        ok &= expect("extreme float", load<NetA>(b), Status::ok);
        add("valid_a_extreme_values", b, Status::ok);
        const double dv[] = {-0.0,
                             4.9406564584124654e-324,
                             -2.2250738585072009e-308,
                             2.2250738585072014e-308,
                             1.7976931348623157e308,
                             -1.7976931348623157e308,
                             0.99999999999999989,
                             0.0};
        k = 0;
        b = make_file_with_base<NetD>(known_flags, [&] { return dv[k++ % 8]; });
        ok &= expect("extreme double", load<NetD>(b), Status::ok);
        add("valid_d_extreme_values", b, Status::ok);
    }

    // A valid file followed by more bytes (ignored: encode gives the file).
    Bytes b = valid_base<NetC>(flag_log_z, 20);
    b.insert(b.end(), {0x45, 0x4D, 0x42, 0x4D, 0x00, 0xFF});
    add("valid_c_trailing_bytes", b, Status::ok);

    // Refused: a NaN threshold, infinity in the base, a scale of -0.
    b = valid_base<NetC>(flag_threshold, 21);
    detail::put_u32(b.data() + header_size<NetC>, 0x7FC00000u);
    reseal(b);
    ok &= expect("nan threshold", load<NetC>(b), Status::non_finite_input);
    add("resealed_c_nan_threshold", b, Status::ok);
    b = valid_base<NetA>(known_flags, 22);
    detail::put_u32(b.data() + header_size<NetA> + 4 * (2 * 3 + 2), 0xFF800000u);
    reseal(b);
    ok &= expect("infinite base", load<NetA>(b), Status::non_finite_input);
    add("resealed_a_infinite_base", b, Status::ok);
    b = valid_base<NetB>(flag_standardization, 23);
    detail::put_u32(b.data() + header_size<NetB> + 8 * 2, 0u);
    detail::put_u32(b.data() + header_size<NetB> + 8 * 2 + 4, 0x80000000u);
    reseal(b);
    ok &= expect("scale -0", load<NetB>(b), Status::invalid_argument);
    add("resealed_b_negative_zero_scale", b, Status::ok);

    // A 48-byte file whose descriptor claims D = 2^31 - 2 with a Gaussian
    // base of D (D + 1) / 2 doubles: the byte count, computed in 64 bits,
    // wraps to the file's 48 bytes. read_architecture accepted it (and
    // decode_model_file read 2^61 values past the end of the input).
    add("bad_base_size_wraps",
        raw_file(flag_base, 2, 1, 2147483646u, {1, 2, 268435455u}, 3221225472u, 8),
        Status::bad_format);
    return ok;
}

bool read_file(const std::string& path, Bytes& out) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return false;
    out.clear();
    std::uint8_t chunk[4096];
    std::size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) out.insert(out.end(), chunk, chunk + n);
    std::fclose(f);
    return true;
}

} // namespace

int main(int argc, char** argv) {
    bool check = false, header_export = false;
    int i = 1;
    for (; i < argc - 1; ++i) {
        if (std::strcmp(argv[i], "--check") == 0)
            check = true;
        else if (std::strcmp(argv[i], "--header-export") == 0)
            header_export = true;
        else
            break;
    }
    if (i != argc - 1) {
        std::fprintf(stderr, "usage: %s [--check] [--header-export] DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[argc - 1];
    const char* const target = header_export ? "header_export" : "model_file";
    std::vector<Seed> seeds;
    if (!(header_export ? build_header_export(seeds) : build(seeds))) return 1;
    int status = 0;
    for (const Seed& s : seeds) {
        const std::string path = dir + "/" + s.name;
        if (check) {
            Bytes have;
            if (!read_file(path, have) || have != s.bytes) {
                std::fprintf(stderr,
                             "make_corpus: %s is missing or differs (regenerate: "
                             "ember_fuzz_make_corpus%s tests/fuzz/corpus/%s)\n",
                             path.c_str(), header_export ? " --header-export" : "", target);
                status = 1;
            }
            continue;
        }
        std::FILE* f = std::fopen(path.c_str(), "wb");
        if (f == nullptr || std::fwrite(s.bytes.data(), 1, s.bytes.size(), f) != s.bytes.size()) {
            std::fprintf(stderr, "make_corpus: cannot write %s\n", path.c_str());
            if (f != nullptr) std::fclose(f);
            return 1;
        }
        std::fclose(f);
        std::printf("%s (%zu bytes)\n", path.c_str(), s.bytes.size());
    }
    return status;
}
