// Host side of the model file (include/ember/io/model_file.hpp): files on
// disk, and the export of a model as one self-contained C++ header whose
// parameters are `constexpr` arrays (flash on a microcontroller) read in
// place by an ember::MlpView.
//
//     using Net = ember::Mlp<float, ember::Swish, 16, 32, 32>;
//     if (auto r = ember::host::save_model_file("det.ebm", net, meta); !r)
//         std::fprintf(stderr, "%s\n", r.error.c_str());
//     auto r = ember::host::export_c_header(net, meta, "det", "det_model.hpp");
//
// and on the device:
//
//     #include "det_model.hpp"       // static_assert(det_net::param_count == ...)
//     const auto model = det_view(); // det_net::view_type over det_params
#pragma once

#include "ember/io/model_file.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace ember::host {

/// Outcome of a host I/O call: `error` is empty on success, otherwise one
/// line saying what failed, e.g. "cannot open 'm.ebm' for reading: No such
/// file or directory" or "'m.ebm': checksum_mismatch".
struct [[nodiscard]] IoResult {
    std::string error;
    /// The Status of the model-file call that failed (ok for other errors).
    Status status = Status::ok;

    bool ok() const noexcept { return error.empty(); }
    explicit operator bool() const noexcept { return ok(); }
};

/// Writes `bytes` to `path` (created or replaced).
IoResult write_file(const std::string& path, Span<const std::uint8_t> bytes);

/// Reads the whole of `path` into `out`, which is left as it was on failure.
IoResult read_file(const std::string& path, std::vector<std::uint8_t>& out);

/// C++ spelling of a hexadecimal floating literal with exactly the bits of
/// `v` ("-0x1.8p+1f", "0x0.000002p-126f"; the double one has no suffix),
/// the same whatever the locale. `v` must be finite.
std::string hex_literal(float v);
std::string hex_literal(double v);

/// True for a C identifier: [A-Za-z_][A-Za-z0-9_]*.
bool is_c_identifier(const std::string& name) noexcept;

namespace detail {

// Everything export_c_header writes, spelled out (non-template core).
struct HeaderModel {
    std::string name;
    std::string net_type; // "ember::Mlp<float, ember::Swish, 16, 32, 32>"
    std::string scalar;   // "float" or "double"
    std::size_t input_dim = 0;
    std::vector<std::string> params; // hex literals
    std::vector<std::string> mean, scale;
    std::string log_z, threshold;  // empty when absent
    std::vector<std::string> base; // empty when absent
};

IoResult write_c_header(const HeaderModel& m, std::ostream& out);
IoResult write_c_header(const HeaderModel& m, const std::string& path);

template <class Act>
const char* activation_type_name() noexcept {
    switch (io::activation_id<Act>) {
    case 1: return "ember::Swish";
    case 2: return "ember::Softplus";
    case 3: return "ember::Tanh";
    case 4: return "ember::Relu";
    default: return nullptr;
    }
}

template <class Net>
IoResult header_model(const Net& net, const io::model_meta_t<Net>& meta, const std::string& name,
                      HeaderModel& m) {
    using Spec = typename Net::spec_type;
    using T = typename Spec::value_type;
    static_assert(io::activation_id<typename Spec::activation> != 0,
                  "ember::host::export_c_header: the activation has no model-file id");
    if (!is_c_identifier(name))
        return {"export_c_header: '" + name + "' is not a C identifier", Status::invalid_argument};
    // The same checks as a model file (finite values, scale > 0).
    std::vector<std::uint8_t> scratch(io::file_size<Net>(meta.flags()));
    std::size_t written = 0;
    if (const Status s = io::save_model(net, meta, {scratch.data(), scratch.size()}, written);
        s != Status::ok)
        return {std::string("export_c_header: ") + status_name(s), s};
    m.name = name;
    m.scalar = sizeof(T) == 4 ? "float" : "double";
    m.net_type =
        "ember::Mlp<" + m.scalar + ", " + activation_type_name<typename Spec::activation>();
    for (std::size_t w : Spec::widths) m.net_type += ", " + std::to_string(w);
    m.net_type += ">";
    m.input_dim = Spec::input_dim;
    const T* p = net.data();
    m.params.clear();
    for (std::size_t i = 0; i < Spec::param_count; ++i) m.params.push_back(hex_literal(p[i]));
    m.mean.clear();
    m.scale.clear();
    if (meta.has_standardization)
        for (std::size_t d = 0; d < Spec::input_dim; ++d) {
            m.mean.push_back(hex_literal(meta.standardization.mean[d]));
            m.scale.push_back(hex_literal(meta.standardization.scale[d]));
        }
    m.log_z = meta.has_log_z ? hex_literal(meta.log_z) : std::string();
    m.threshold = meta.has_threshold ? hex_literal(meta.threshold) : std::string();
    m.base.clear();
    if (meta.has_base)
        for (T a : meta.base) m.base.push_back(hex_literal(a));
    return {};
}

} // namespace detail

/// Writes the model file of `net` and `meta` (io::save_model) to `path`.
template <class Net>
IoResult save_model_file(const std::string& path, const Net& net,
                         const io::model_meta_t<Net>& meta) {
    std::vector<std::uint8_t> bytes(io::file_size<Net>(meta.flags()));
    std::size_t written = 0;
    if (const Status s = io::save_model(net, meta, {bytes.data(), bytes.size()}, written);
        s != Status::ok)
        return {"'" + path + "': cannot save the model: " + status_name(s), s};
    return write_file(path, {bytes.data(), written});
}

/// Reads the model file at `path` into `net` (an Mlp) and `meta`
/// (io::load_model); both are left as they were on failure.
template <class Net>
IoResult load_model_file(const std::string& path, Net& net, io::model_meta_t<Net>& meta) {
    std::vector<std::uint8_t> bytes;
    if (IoResult r = read_file(path, bytes); !r) return r;
    if (const Status s = io::load_model({bytes.data(), bytes.size()}, net, meta); s != Status::ok)
        return {"'" + path + "': " + status_name(s), s};
    return {};
}

/// Writes `net` and `meta` as one self-contained C++17 header for a program
/// that has ember's include directory: an include guard, `#include
/// "ember/nn/mlp.hpp"`, `using <name>_net = ember::Mlp<...>;`, the
/// parameters as `alignas(EMBER_ALIGN) inline constexpr T <name>_params[P]`
/// in hexadecimal literals (the bits round-trip exactly), static_asserts that
/// <name>_net has P parameters and the file's input size, `<name>_mean`,
/// `<name>_scale`, `<name>_log_z`, `<name>_threshold`, `<name>_base` when
/// present, `<name>_base_data()` (the base or nullptr), and
/// `constexpr <name>_net::view_type <name>_view()` over the array. `name`
/// is a C identifier; the values pass the model file's checks (finite,
/// scale > 0), else the error carries that Status.
template <class Net>
IoResult export_c_header(const Net& net, const io::model_meta_t<Net>& meta, const std::string& name,
                         std::ostream& out) {
    detail::HeaderModel m;
    if (IoResult r = detail::header_model(net, meta, name, m); !r) return r;
    return detail::write_c_header(m, out);
}

/// As above, into the file `path` (created or replaced).
template <class Net>
IoResult export_c_header(const Net& net, const io::model_meta_t<Net>& meta, const std::string& name,
                         const std::string& path) {
    detail::HeaderModel m;
    if (IoResult r = detail::header_model(net, meta, name, m); !r) return r;
    return detail::write_c_header(m, path);
}

/// A model file decoded at run time, whatever its architecture: what the
/// `ember` tool reads, prints, pads and exports without a compile-time
/// network type. Values are held as double (a float file's values widen
/// exactly and narrow back to the same bits).
struct FileModel {
    io::Architecture arch;
    std::vector<double> mean, scale; ///< D each, or empty without standardisation
    bool has_log_z = false;
    double log_z = 0;
    bool has_threshold = false;
    double threshold = 0;
    std::vector<double> base;   ///< D (D + 1) / 2 (the Gaussian base), or empty
    std::vector<double> params; ///< arch.param_count, in MlpLayout order
};

/// Decodes a model file with every check of io::load_model except the match
/// with a compile-time type (io::read_architecture, then every value finite
/// and every scale > 0). `out` is left as it was on failure.
IoResult decode_model_file(Span<const std::uint8_t> bytes, FileModel& out);

/// Encodes `m` as a model file (the scalar type of m.arch; values of a float
/// file must be floats exactly). The flags and parameter count follow from
/// the fields; invalid_argument when they disagree with the architecture.
IoResult encode_model_file(const FileModel& m, std::vector<std::uint8_t>& out);

/// Changes the input size of `m` to `dim`: a larger one appends inputs that
/// the network ignores (zero rows of W_1, mean 0, scale 1), a smaller one
/// drops the last inputs, which must be ignored (their rows of W_1 all
/// zero; else invalid_argument and `m` unchanged). The energies of the kept
/// inputs are the same numbers.
IoResult resize_input(FileModel& m, std::uint32_t dim);

/// "ember::Mlp<float, ember::Swish, 16, 32, 32>" for the architecture.
std::string net_type_name(const io::Architecture& a);

/// export_c_header for a model known only at run time.
IoResult export_c_header(const FileModel& m, const std::string& name, const std::string& path);
IoResult export_c_header(const FileModel& m, const std::string& name, std::ostream& out);

} // namespace ember::host
