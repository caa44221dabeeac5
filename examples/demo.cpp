// ember demo (`make demo`): learn a 2-D density, then sample it.
//
//  1. Train `Mlp<float, Swish, 2, 64, 64>` by denoising score matching on the
//     8gaussians toy target (fresh batches of 128 points, Adam), printing
//     progress.
//  2. Normalise the learned density on a 500 x 500 grid and report
//     KL(data || model) in nats on 20 000 fresh points.
//  3. Draw samples from the learned model with MALA (1024 chains, SIMD across
//     chains, step size adapted during warm-up) and report the acceptance
//     rate, split R-hat and effective sample size.
//  4. Write ember_demo.png: data | learned density | MALA samples (the
//     chains' states over their last 200 steps, every 10th).
//
//   ember_demo [--steps N] [--seed S] [--out FILE]
#include "ember/host/png.hpp"
#include "ember/host/toy2d.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/sample.hpp"
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
using Loss = ember::train::DenoisingScoreMatching<Net>;
using Opt = ember::train::Adam<float, Net::param_count>;
using Target = ember::sample::MlpTarget<Net>;
namespace toy = ember::host::toy2d;

constexpr std::size_t kBatch = 128;
constexpr std::size_t kChains = 1024;
constexpr std::size_t kTest = 20000;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

int main(int argc, char** argv) {
    unsigned steps = 4000;
    unsigned long long seed = 0;
    std::string out = "ember_demo.png";
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
            steps = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        } else if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = std::strtoull(argv[++i], nullptr, 10);
        } else if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else {
            std::fprintf(stderr, "usage: ember_demo [--steps N] [--seed S] [--out FILE]\n");
            return 2;
        }
    }
    const toy::Target target = toy::Target::eight_gaussians;
    std::printf("ember demo: learn the 8gaussians density by denoising score matching,\n"
                "then sample it with MALA. Model Mlp<float, Swish, 2, 64, 64>: %zu parameters, "
                "%zu bytes.\n\n",
                Net::param_count, sizeof(Net));

    // 1. Training.
    static Net net;
    net.init(seed + 1);
    static Loss loss(0.15f);
    static Opt opt;
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = seed;
    cfg.lr = ember::train::LrSchedule<float>::constant(1e-3f);
    static ember::train::Trainer<Net, Loss, Opt, kBatch> trainer(net, loss, opt);
    if (trainer.configure(cfg) != ember::Status::ok) return 1;
    ember::Pcg32 data_rng(seed, 1);
    static float batch[2 * kBatch];
    const auto t0 = std::chrono::steady_clock::now();
    double loss_avg = 0.0;
    for (unsigned s = 0; s < steps; ++s) {
        toy::sample(target, data_rng, batch, kBatch);
        const ember::Status st = trainer.step(ember::Span<const float>(batch));
        if (st != ember::Status::ok) {
            std::printf("  step %u skipped: %s\n", s, ember::status_name(st));
            continue;
        }
        loss_avg += static_cast<double>(trainer.last().loss);
        if ((s + 1) % 500 == 0 || s + 1 == steps) {
            std::printf("  train step %5u/%u  DSM loss %.4f  |grad| %.3f  (%.1f s)\n", s + 1, steps,
                        loss_avg / 500.0, static_cast<double>(trainer.last().grad_norm),
                        seconds_since(t0));
            loss_avg = 0.0;
        }
    }
    const double train_seconds = seconds_since(t0);

    // 2. Quality: normalise on the grid, KL on fresh data.
    const toy::Grid grid;
    const std::vector<float> f = toy::eval_grid(net, grid);
    const double log_z = toy::log_partition(f, grid);
    std::vector<float> test(2 * kTest);
    ember::Pcg32 test_rng(seed, 2);
    toy::sample(target, test_rng, test.data(), kTest);
    const double kl = toy::kl_data_model(net, target, log_z, test);
    std::printf("\nlearned density: log Z = %.3f, KL(data || model) = %.3f nats "
                "(%u steps, %.1f s)\n",
                log_z, kl, steps, train_seconds);

    // 3. Sampling the learned model with MALA from uniform noise.
    static Target tgt(net);
    static ember::sample::ChainState<float, 2, kChains> chains;
    static ember::sample::Diagnostics<float, kChains> diag;
    ember::sample::MetropolisConfig<float> mcfg;
    mcfg.step_size = 0.05f;
    mcfg.warmup_steps = 300;
    static ember::sample::Mala<Target> mala(tgt, mcfg);
    static float x0[kChains * 2];
    ember::Pcg32 init_rng(seed, 3);
    for (float& v : x0) v = 8.0f * ember::uniform01<float>(init_rng) - 4.0f;
    const auto t1 = std::chrono::steady_clock::now();
    if (const ember::Status st = mala.init(chains, x0, seed); st != ember::Status::ok) {
        std::printf("MALA init failed: %s\n", ember::status_name(st));
        return 1;
    }
    // Keep every 10th state of the last 200 steps: 20 x 1024 points.
    const int sample_steps = 1000;
    std::vector<float> samples;
    samples.reserve(2 * kChains * 20);
    for (int t = 0; t < sample_steps; ++t) {
        // non_finite_output: some chains rejected a NaN/inf proposal and
        // stayed put (counted in chains.n_non_finite); the others moved.
        const ember::Status st = mala.step(chains);
        if (st != ember::Status::ok && st != ember::Status::non_finite_output) {
            std::printf("MALA step failed: %s\n", ember::status_name(st));
            return 1;
        }
        if (!chains.warming_up()) diag.record(chains);
        if (t >= sample_steps - 200 && t % 10 == 9)
            for (std::size_t c = 0; c < kChains; ++c) {
                samples.push_back(chains.position(c, 0));
                samples.push_back(chains.position(c, 1));
            }
    }
    const double sample_seconds = seconds_since(t1);
    std::printf("MALA: %zu chains x %d steps in %.2f s (%.2f M chain-steps/s), step size %.4f, "
                "acceptance %.3f, split R-hat %.3f, ESS %.0f\n",
                kChains, sample_steps, sample_seconds,
                kChains * sample_steps / sample_seconds / 1e6,
                static_cast<double>(chains.step_size), static_cast<double>(diag.acceptance_rate()),
                static_cast<double>(diag.split_rhat()), static_cast<double>(diag.ess()));
    if (chains.total_non_finite() > 0)
        std::printf("MALA: %llu non-finite proposals rejected\n",
                    static_cast<unsigned long long>(chains.total_non_finite()));

    // 4. Picture: data | learned density | samples.
    const ember::host::Extent ext;
    std::vector<float> density(f.size());
    for (std::size_t i = 0; i < f.size(); ++i)
        density[i] = static_cast<float>(std::exp(static_cast<double>(f[i]) - log_z));
    const int bins = 100;
    const std::vector<float> hd = ember::host::histogram2d(test.data(), kTest, bins, bins, ext);
    const std::vector<float> hs =
        ember::host::histogram2d(samples.data(), samples.size() / 2, bins, bins, ext);
    auto maxof = [](const std::vector<float>& v) {
        float m = 0.0f;
        for (float e : v) m = e > m ? e : m;
        return m > 0.0f ? static_cast<double>(m) : 1.0;
    };
    // Nearest-neighbour enlargement, so a 100 x 100 histogram matches the grid.
    auto upscale = [](const ember::host::RgbImage& img, int k) {
        ember::host::RgbImage big(img.width * k, img.height * k);
        for (int y = 0; y < big.height; ++y)
            for (int x = 0; x < big.width; ++x) {
                const std::uint8_t* src =
                    img.pixels.data() + (static_cast<std::size_t>(y / k) * img.width + x / k) * 3u;
                std::uint8_t* dst = big.at(x, y);
                dst[0] = src[0];
                dst[1] = src[1];
                dst[2] = src[2];
            }
        return big;
    };
    double dmax = 0.0;
    for (float d : density) dmax = d > dmax ? d : dmax;
    const ember::host::RgbImage picture = ember::host::hconcat({
        upscale(ember::host::render_grid(hd.data(), bins, bins, 0.0, maxof(hd)), 5),
        ember::host::render_grid(density.data(), grid.n, grid.n, 0.0, dmax),
        upscale(ember::host::render_grid(hs.data(), bins, bins, 0.0, maxof(hs)), 5),
    });
    if (!ember::host::write_png(out, picture)) {
        std::printf("could not write %s\n", out.c_str());
        return 1;
    }
    std::printf("\nwrote %s: data (left) | learned density (middle) | MALA samples (right)\n",
                out.c_str());
    return 0;
}
