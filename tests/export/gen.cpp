// Writes the header that use.cpp compiles: ember_export_header_gen <path>.
#include "model.hpp"

#include "ember/host/model_io.hpp"

#include <cstdio>
#include <limits>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: ember_export_header_gen <header path>\n");
        return 2;
    }
    using export_test::Net;
    static Net net;
    net.init(export_test::seed);
    net.params[0] = std::numeric_limits<float>::denorm_min(); // every kind of literal
    net.params[1] = -0.0f;
    ember::io::model_meta_t<Net> meta;
    meta.has_standardization = meta.has_log_z = meta.has_threshold = true;
    for (std::size_t d = 0; d < Net::input_dim; ++d) {
        meta.standardization.mean[d] = export_test::mean[d];
        meta.standardization.scale[d] = export_test::scale[d];
    }
    meta.log_z = export_test::log_z;
    meta.threshold = export_test::threshold;
    const ember::host::IoResult r = ember::host::export_c_header(net, meta, "exported", argv[1]);
    if (!r) {
        std::fprintf(stderr, "%s\n", r.error.c_str());
        return 1;
    }
    return 0;
}
