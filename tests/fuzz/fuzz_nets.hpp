// The networks of the model-file fuzz target (fuzz_model_file.cpp) and of
// its seed-corpus generator (make_corpus.cpp): both scalar types, all four
// activations, one to three hidden layers, files of 48 bytes to about 1 KiB.
#pragma once

#include "ember/io/model_file.hpp"
#include "ember/nn/mlp.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace ember_fuzz {

using NetA = ember::Mlp<float, ember::Swish, 3, 5, 4>;
using NetB = ember::Mlp<double, ember::Tanh, 2, 3>;
using NetC = ember::Mlp<float, ember::Relu, 1, 1>; // the smallest file: 48 bytes
using NetD = ember::Mlp<double, ember::Softplus, 4, 6, 6, 6>;

template <class... N>
struct NetList {
    static constexpr std::size_t size = sizeof...(N);
};
using Nets = NetList<NetA, NetB, NetC, NetD>;

/// Calls f(static_cast<N*>(nullptr)) for every network N of the list.
template <class F, class... N>
void for_each_net(NetList<N...>, F&& f) {
    (f(static_cast<N*>(nullptr)), ...);
}

/// The network type behind a for_each_net tag.
template <class Tag>
using net_of = std::remove_pointer_t<Tag>;

/// The valid file of network N with the optional fields of `flags`, every
/// value from next() (a scale gets |next()| + 1/64, so it is > 0); `next`
/// must give finite numbers. Empty if save_model refuses.
template <class N, class Next>
std::vector<std::uint8_t> make_file(std::uint16_t flags, Next&& next) {
    using T = typename N::value_type;
    static N net;
    ember::io::model_meta_t<N> meta;
    meta.has_standardization = (flags & ember::io::flag_standardization) != 0;
    meta.has_log_z = (flags & ember::io::flag_log_z) != 0;
    meta.has_threshold = (flags & ember::io::flag_threshold) != 0;
    if (meta.has_standardization) {
        for (T& m : meta.standardization.mean) m = next();
        for (T& s : meta.standardization.scale) {
            const T x = next();
            s = (x < T(0) ? -x : x) + T(1) / T(64);
        }
    }
    if (meta.has_log_z) meta.log_z = next();
    if (meta.has_threshold) meta.threshold = next();
    for (T& p : net.params) p = next();
    std::vector<std::uint8_t> out(ember::io::max_file_size<N>);
    std::size_t n = 0;
    if (ember::io::save_model(net, meta, {out.data(), out.size()}, n) != ember::Status::ok)
        return {};
    out.resize(n);
    return out;
}

} // namespace ember_fuzz
