// Host program: trains the firmware demo's model and writes it as an
// exported C header (ember::host::export_c_header) with one line on top that
// says how to regenerate it, and the energies that score.cpp must compute
// for its stream with that model (the expected bits every target checks).
//
//   ember_firmware_gen_demo_model examples/firmware/demo_model.hpp
//                                 examples/firmware/demo_expected.hpp
//
// (the host build's `ember_firmware_score_host --emit-expected` writes the
// same second file from the compiled-in header).
//
// Mlp<float, Swish, 16, 32, 32> trained by denoising score matching (sigma
// 0.1 in standardised units) on 8192 normal vectors of demo_data.hpp, 3000
// Adam steps of 64 points; the threshold is the exact 99 % quantile of the
// energies of 4000 held-out normal vectors (1 % false alarms). Every seed is
// fixed, so the same build writes the same header.
#include "demo_data.hpp"

#include "ember/detect/anomaly_detector.hpp"
#include "ember/host/model_io.hpp"
#include "ember/io/crc32.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/train.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr std::size_t D = 16;
using Net = ember::Mlp<float, ember::Swish, D, 32, 32>;
using Loss = ember::train::DenoisingScoreMatching<Net>;
using Opt = ember::train::Adam<float, Net::param_count>;
constexpr std::size_t kTrain = 8192;
constexpr std::size_t kHeldOut = 4000;
constexpr std::uint32_t kSteps = 3000;

Net model;
Loss loss(0.1f);
Opt opt;
ember::train::Trainer<Net, Loss, Opt, 64> trainer(model, loss, opt);

int fail(const char* what, ember::Status s) {
    std::fprintf(stderr, "gen_demo_model: %s: %s\n", what, ember::status_name(s));
    return 1;
}

// The energies score.cpp computes for its stream, as score --emit-expected
// writes them: a detector over the exported network (the same code path).
int write_expected(const Net& net, const ember::io::model_meta_t<Net>& meta, const char* path) {
    ember::detect::AnomalyDetector<Net> fw(net.data());
    if (const ember::Status s = fw.set_standardizer(meta.standardization.mean.data(),
                                                    meta.standardization.scale.data());
        s != ember::Status::ok)
        return fail("set_standardizer", s);
    const std::uint32_t crc = ember::io::crc32(
        {reinterpret_cast<const std::uint8_t*>(net.data()), sizeof(float) * Net::param_count});
    std::ostringstream text;
    char line[96];
    text << "// Expected energies of examples/firmware/score.cpp for demo_model.hpp, written by\n"
            "// the x86-64 host build; regenerate (host preset): cmake --build --preset host\n"
            "// --target ember_firmware_regenerate\n"
            "#pragma once\n\n#include <cstddef>\n#include <cstdint>\n\n"
            "// CRC-32 of the parameter bytes the energies were computed with.\n";
    std::snprintf(line, sizeof line,
                  "inline constexpr std::uint32_t firmware_expected_model_crc = 0x%08xu;\n", crc);
    text << line << "inline constexpr std::size_t firmware_expected_count = "
         << firmware_demo::stream_length << ";\n"
         << "inline constexpr std::uint32_t firmware_expected_energy_bits["
         << firmware_demo::stream_length << "] = {\n";
    ember::Pcg32 rng(firmware_demo::stream_seed, firmware_demo::stream_id);
    for (std::size_t i = 0; i < firmware_demo::stream_length; ++i) {
        float x[D];
        if (firmware_demo::stream_is_anomaly(i)) {
            firmware_demo::anomaly_vector<D>(rng, x, i);
        } else {
            firmware_demo::normal_vector<D>(rng, x);
        }
        float e = 0.0f;
        if (const ember::Status s = fw.score(x, e); s != ember::Status::ok) return fail("score", s);
        std::uint32_t bits;
        std::memcpy(&bits, &e, sizeof bits);
        std::snprintf(line, sizeof line, "    0x%08xu, // %zu\n", bits, i);
        text << line;
    }
    text << "};\n";
    std::ofstream out(path, std::ios::binary);
    out << text.str();
    if (!out.flush()) {
        std::fprintf(stderr, "gen_demo_model: cannot write %s\n", path);
        return 1;
    }
    std::fprintf(stderr, "gen_demo_model: wrote %s\n", path);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: ember_firmware_gen_demo_model <model header> "
                             "<expected-bits header>\n");
        return 2;
    }
    ember::fp::enable_flush();
    std::vector<float> raw(kTrain * D), z(kTrain * D), held(kHeldOut * D);
    ember::Pcg32 rng(/*seed=*/7, /*stream=*/1);
    for (std::size_t i = 0; i < kTrain; ++i) firmware_demo::normal_vector<D>(rng, &raw[i * D]);
    for (std::size_t i = 0; i < kHeldOut; ++i) firmware_demo::normal_vector<D>(rng, &held[i * D]);

    ember::detect::AnomalyDetector<Net> det(model);
    if (const ember::Status s = det.fit_standardizer({raw.data(), raw.size()});
        s != ember::Status::ok)
        return fail("fit_standardizer", s);
    for (std::size_t i = 0; i < kTrain; ++i) {
        const ember::fp::Scope scope;
        det.standardizer().apply(&raw[i * D], &z[i * D]);
    }

    model.init(/*seed=*/11);
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 5;
    cfg.lr = ember::train::LrSchedule<float>::cosine(1e-2f, kSteps);
    if (const ember::Status s = trainer.configure(cfg); s != ember::Status::ok)
        return fail("trainer.configure", s);
    if (const ember::Status s = trainer.set_dataset({z.data(), z.size()}); s != ember::Status::ok)
        return fail("set_dataset", s);
    const ember::Status trained = trainer.run(kSteps, [](const auto& r) {
        if ((r.step + 1) % 500 == 0)
            std::fprintf(stderr, "step %u loss %.4f\n", unsigned(r.step + 1), double(r.loss));
    });
    if (trained != ember::Status::ok) return fail("training", trained);

    std::vector<float> scratch(kHeldOut);
    if (const ember::Status s =
            det.calibrate({held.data(), held.size()}, 0.01f, {scratch.data(), scratch.size()});
        s != ember::Status::ok)
        return fail("calibrate", s);

    const Net& net = model;
    ember::io::model_meta_t<Net> meta;
    meta.has_standardization = meta.has_threshold = true;
    for (std::size_t d = 0; d < D; ++d) {
        meta.standardization.mean[d] = det.standardizer().mean()[d];
        meta.standardization.scale[d] = det.standardizer().scale()[d];
    }
    meta.threshold = det.threshold();

    std::ostringstream text;
    text << "// Regenerate (host preset): cmake --build --preset host --target "
            "ember_firmware_regenerate\n";
    if (const ember::host::IoResult r = ember::host::export_c_header(net, meta, "demo", text); !r) {
        std::fprintf(stderr, "gen_demo_model: %s\n", r.error.c_str());
        return 1;
    }
    std::ofstream out(argv[1], std::ios::binary);
    out << text.str();
    if (!out.flush()) {
        std::fprintf(stderr, "gen_demo_model: cannot write %s\n", argv[1]);
        return 1;
    }
    std::fprintf(stderr, "gen_demo_model: wrote %s (threshold %.4f)\n", argv[1],
                 double(meta.threshold));
    return write_expected(net, meta, argv[2]);
}
