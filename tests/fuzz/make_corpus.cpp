// Writes the seed corpus of ember_fuzz_model_file (tests/fuzz/corpus/model_file/):
// valid files of the networks of fuzz_nets.hpp with different optional
// fields, one of a network the target does not know, and damaged ones, each
// checked to get the verdict it is named for. The values come from a fixed
// generator, so the output is the same on every run.
//   ember_fuzz_make_corpus DIR           write the files into DIR
//   ember_fuzz_make_corpus --check DIR   exit 1 unless DIR holds them, byte for byte
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
    const bool check = argc == 3 && std::strcmp(argv[1], "--check") == 0;
    if (argc != 2 && !check) {
        std::fprintf(stderr, "usage: %s [--check] DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[argc - 1];
    std::vector<Seed> seeds;
    if (!build(seeds)) return 1;
    int status = 0;
    for (const Seed& s : seeds) {
        const std::string path = dir + "/" + s.name;
        if (check) {
            Bytes have;
            if (!read_file(path, have) || have != s.bytes) {
                std::fprintf(stderr,
                             "make_corpus: %s is missing or differs (regenerate: "
                             "ember_fuzz_make_corpus tests/fuzz/corpus/model_file)\n",
                             path.c_str());
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
