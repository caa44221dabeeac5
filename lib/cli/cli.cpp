// The `ember` tool: dispatch to the network of the padded input size.
#include "cli.hpp"

#include "ember/io/model_file.hpp"

namespace ember::cli {

std::uint32_t padded_size(std::size_t dim) noexcept {
    for (std::uint32_t p : padded_sizes)
        if (dim <= p) return p;
    return 0;
}

std::string supported(const host::FileModel& m) {
    const io::Architecture& a = m.arch;
    if (a.scalar != io::scalar_id<float>) return "its values are double (the tool runs float)";
    if (a.activation != io::activation_id<Swish>) return "its activation is not Swish";
    if (a.input_dim > max_features)
        return std::to_string(a.input_dim) + " inputs (at most " + std::to_string(max_features) +
               ")";
    bool width_ok = false;
    for (std::uint32_t w : hidden_widths) width_ok = width_ok || a.hidden[0] == w;
    if (a.hidden_layers != 2 || a.hidden[1] != a.hidden[0] || !width_ok)
        return "its hidden layers are not 16x16, 32x32 or 64x64";
    return {};
}

std::string train(const std::vector<float>& rows, std::size_t dim, const TrainSettings& s,
                  const std::function<void(const Progress&)>& on_progress, TrainResult& out) {
    if (dim == 0 || rows.size() % dim != 0) return "the rows do not have the same size";
    switch (padded_size(dim)) {
    case 8: return detail::train_padded<8>(rows, dim, s, on_progress, out);
    case 16: return detail::train_padded<16>(rows, dim, s, on_progress, out);
    case 32: return detail::train_padded<32>(rows, dim, s, on_progress, out);
    case 64: return detail::train_padded<64>(rows, dim, s, on_progress, out);
    default:
        return std::to_string(dim) + " features: the tool handles at most " +
               std::to_string(max_features);
    }
}

std::string score(const host::FileModel& m, const std::vector<float>& rows,
                  std::vector<float>& energies, std::vector<char>& anomalous) {
    if (std::string why = supported(m); !why.empty()) return why;
    const std::size_t dim = m.arch.input_dim;
    if (rows.size() % dim != 0) return "the rows do not have the model's input size";
    const std::uint32_t pad = padded_size(dim);
    host::FileModel padded = m;
    if (host::IoResult r = host::resize_input(padded, pad); !r) return r.error;
    switch (pad) {
    case 8: return detail::score_padded<8>(padded, rows, dim, energies, anomalous);
    case 16: return detail::score_padded<16>(padded, rows, dim, energies, anomalous);
    case 32: return detail::score_padded<32>(padded, rows, dim, energies, anomalous);
    default: return detail::score_padded<64>(padded, rows, dim, energies, anomalous);
    }
}

} // namespace ember::cli
