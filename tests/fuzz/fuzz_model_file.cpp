// libFuzzer target for the model-file loader (io/model_file.hpp): any input
// must give a Status without reading outside it, leave the destination
// untouched unless ok, and an accepted file must save back to its own bytes.
// Built with -DEMBER_FUZZ=ON and clang (tests/fuzz/CMakeLists.txt).
#include "ember/io/crc32.hpp"
#include "ember/io/model_file.hpp"
#include "ember/nn/mlp.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using Net = ember::Mlp<float, ember::Swish, 3, 5, 4>;
using NetD = ember::Mlp<double, ember::Tanh, 2, 3>;

template <class N>
void load_one(const std::uint8_t* data, std::size_t size) {
    // A heap copy of exactly `size` bytes: ASan catches any read past it.
    std::vector<std::uint8_t> in(data, data + size);
    static N net;
    static ember::io::model_meta_t<N> meta;
    static unsigned char before[sizeof(N) + sizeof(meta)];
    std::memcpy(before, static_cast<const void*>(&net), sizeof net);
    std::memcpy(before + sizeof net, static_cast<const void*>(&meta), sizeof meta);
    const ember::Status s = ember::io::load_model({in.data(), in.size()}, net, meta);
    if (s != ember::Status::ok) {
        if (std::memcmp(before, static_cast<const void*>(&net), sizeof net) != 0 ||
            std::memcmp(before + sizeof net, static_cast<const void*>(&meta), sizeof meta) != 0)
            std::abort(); // a refused load wrote to the destination
        return;
    }
    static std::uint8_t out[ember::io::max_file_size<N>];
    std::size_t n = 0;
    if (ember::io::save_model(net, meta, out, n) != ember::Status::ok || n > in.size() ||
        std::memcmp(out, in.data(), n) != 0)
        std::abort(); // accepted, but not what it saves to
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    load_one<Net>(data, size);
    load_one<NetD>(data, size);
    // Also with a valid CRC over the fuzzed bytes, so the checks behind the
    // checksum are reached: the input's own size field decides the span.
    if (size >= 12) {
        std::vector<std::uint8_t> sealed(data, data + size);
        const std::uint32_t declared = ember::io::detail::get_u32(sealed.data() + 8);
        if (declared >= 32 && declared <= size) {
            ember::io::detail::put_u32(sealed.data() + declared - 4,
                                       ember::io::crc32({sealed.data(), declared - 4}));
            load_one<Net>(sealed.data(), sealed.size());
            load_one<NetD>(sealed.data(), sealed.size());
        }
    }
    return 0;
}
