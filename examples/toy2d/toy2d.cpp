// toy2d — trains an energy model on a 2-D target with one score-matching
// estimator and reports how close it got.
//
//   ember_toy2d --method {sm,ssm,ssm-vr,dsm} --target {8gaussians,rings,gauss2}
//               [--steps 5000] [--seed 0] [--sigma 0.15 | --sigmas 0.05,0.1,0.2]
//               [--lr 1e-3]
//               [--png FILE | --no-png]
//
// Protocol: Mlp<float, Swish, 2, 64, 64>, Adam (lr 1e-3), a batch of 128
// points drawn fresh from the target every step. Evaluation: f on the
// midpoints of a 500 x 500 grid over [-5, 5]^2 gives log Z = logsumexp(f) +
// log(cell area); KL(data || model) = mean(log p_true - (f - log Z)) over
// 20 000 fresh test points, in nats. Prints one line
//   method=... target=... steps=... kl_nats=... seconds=...
// and writes a PNG: a histogram of data (left) next to the learned density.
#include "ember/host/png.hpp"
#include "ember/host/toy2d.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/train.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Net = ember::Mlp<float, ember::Swish, 2, 64, 64>;
using Opt = ember::train::Adam<float, Net::param_count>;
namespace toy = ember::host::toy2d;
constexpr std::size_t kBatch = 128;
constexpr std::size_t kTest = 20000;

struct Options {
    std::string method = "dsm";
    toy::Target target = toy::Target::eight_gaussians;
    unsigned steps = 5000;
    unsigned long long seed = 0;
    std::vector<float> sigmas{0.15f}; // DSM noise scale(s)
    float lr = 1e-3f;
    std::string png; // empty: default name
    bool write_png = true;
};

[[noreturn]] void usage(const char* msg) {
    std::fprintf(
        stderr,
        "%s\nusage: ember_toy2d --method {sm,ssm,ssm-vr,dsm} --target {8gaussians,rings,gauss2}\n"
        "                   [--steps N] [--seed S] [--sigma S | --sigmas S1,S2,..] [--lr LR]\n"
        "                   [--png FILE | --no-png]\n",
        msg);
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage(("missing value after " + a).c_str());
            return argv[++i];
        };
        if (a == "--method") {
            o.method = value();
        } else if (a == "--target") {
            if (!toy::parse_target(value(), o.target)) usage("unknown target");
        } else if (a == "--steps") {
            o.steps = static_cast<unsigned>(std::strtoul(value(), nullptr, 10));
        } else if (a == "--seed") {
            o.seed = std::strtoull(value(), nullptr, 10);
        } else if (a == "--sigma") {
            o.sigmas = {std::strtof(value(), nullptr)};
        } else if (a == "--sigmas") {
            o.sigmas.clear();
            for (const char* p = value(); *p != 0;) {
                char* end = nullptr;
                o.sigmas.push_back(std::strtof(p, &end));
                if (end == p) usage("bad --sigmas list");
                p = *end == ',' ? end + 1 : end;
            }
        } else if (a == "--lr") {
            o.lr = std::strtof(value(), nullptr);
        } else if (a == "--png") {
            o.png = value();
        } else if (a == "--no-png") {
            o.write_png = false;
        } else {
            usage(("unknown option " + a).c_str());
        }
    }
    if (o.method != "sm" && o.method != "ssm" && o.method != "ssm-vr" && o.method != "dsm")
        usage("unknown method");
    return o;
}

// Trains `net` with `loss` for o.steps steps of fresh target samples; returns
// the number of skipped (non-finite) steps.
template <class Loss>
unsigned train(Net& net, Loss& loss, const Options& o) {
    static Opt opt;
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = o.seed;
    cfg.lr = ember::train::LrSchedule<float>::constant(o.lr);
    // One trainer per call (a static one would stay bound to the first loss).
    ember::train::Trainer<Net, Loss, Opt, kBatch> trainer(net, loss, opt);
    if (trainer.configure(cfg) != ember::Status::ok) usage("invalid --lr");
    ember::Pcg32 data_rng(o.seed, 1);
    static float batch[2 * kBatch];
    for (unsigned s = 0; s < o.steps; ++s) {
        toy::sample(o.target, data_rng, batch, kBatch);
        (void)trainer.step(ember::Span<const float>(batch));
    }
    return trainer.skipped();
}

} // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    static Net net;
    net.init(o.seed + 1);

    const auto t0 = std::chrono::steady_clock::now();
    unsigned skipped = 0;
    if (o.method == "sm") {
        static ember::train::ExactScoreMatching<Net> loss;
        skipped = train(net, loss, o);
    } else if (o.method == "ssm") {
        static ember::train::SlicedScoreMatching<Net, 1> loss;
        skipped = train(net, loss, o);
    } else if (o.method == "ssm-vr") {
        static ember::train::SlicedScoreMatchingVR<Net, 1> loss;
        skipped = train(net, loss, o);
    } else {
        static ember::train::DenoisingScoreMatching<Net> loss;
        if (loss.set_sigmas(ember::Span<const float>(o.sigmas.data(), o.sigmas.size())) !=
            ember::Status::ok)
            usage("invalid noise scales (1 to 8 positive values)");
        skipped = train(net, loss, o);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const toy::Grid grid; // 500 x 500 over [-5, 5]^2
    const std::vector<float> f = toy::eval_grid(net, grid);
    const double log_z = toy::log_partition(f, grid);
    std::vector<float> test(2 * kTest);
    ember::Pcg32 test_rng(o.seed, 2);
    toy::sample(o.target, test_rng, test.data(), kTest);
    const double kl = toy::kl_data_model(net, o.target, log_z, test);

    std::printf("method=%s target=%s steps=%u kl_nats=%.4f seconds=%.2f%s\n", o.method.c_str(),
                toy::target_name(o.target), o.steps, kl, seconds,
                skipped ? (" skipped=" + std::to_string(skipped)).c_str() : "");

    if (o.write_png) {
        std::vector<float> density(f.size());
        for (std::size_t i = 0; i < f.size(); ++i)
            density[i] = static_cast<float>(std::exp(static_cast<double>(f[i]) - log_z));
        const std::string path =
            o.png.empty() ? "toy2d_" + o.method + "_" + toy::target_name(o.target) + ".png" : o.png;
        if (!ember::host::write_density_png(path, density.data(), grid.n, grid.n,
                                            {grid.lo, grid.hi, grid.lo, grid.hi}, test.data(),
                                            kTest)) {
            std::fprintf(stderr, "could not write %s\n", path.c_str());
            return 1;
        }
    }
    return 0;
}
