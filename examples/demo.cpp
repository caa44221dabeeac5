// ember demo (`make demo`): learn a 2-D density, then sample it.
//
//  1. Train `Mlp<float, Swish, 2, 64, 64>` plus a learned log Z by
//     noise-contrastive estimation on the 8gaussians toy target (fresh
//     batches of 128 points, Adam 1e-3, the parameters' moving average),
//     once per seed 0, 1, 2, printing progress.
//  2. For each seed: normalise the learned density on a 500 x 500 grid,
//     report KL(data || model) in nats on 20 000 fresh points and the
//     learned log Z next to the grid's; then the median over the seeds (one
//     seed is not a result).
//  3. Draw samples from the median seed's model with MALA (1024 chains, SIMD
//     across chains, step size adapted during warm-up) and report the
//     acceptance rate, split R-hat and effective sample size.
//  4. Write ember_demo.png: data | learned density | MALA samples (the
//     chains' states over their last 200 steps, every 10th).
//
//   ember_demo [--steps N] [--seeds S1,S2,...] [--out FILE]
#include "ember/host/png.hpp"
#include "ember/host/toy2d.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/sample.hpp"
#include "ember/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Net = ember::Mlp<float, ember::Swish, 2, 64, 64>;
using Model = ember::Model<Net, ember::Scalar<float>>; // f and c = log Z
using Loss = ember::train::NoiseContrastiveEstimation<Model>;
using Opt = ember::train::Adam<float, Model::param_count>;
using Average = ember::train::ParameterAverage<float, Model::param_count>;
using Target = ember::sample::MlpTarget<Net>;
namespace toy = ember::host::toy2d;

constexpr std::size_t kBatch = 128;
constexpr std::size_t kChains = 1024;
constexpr std::size_t kTest = 20000;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Run {
    unsigned long long seed = 0;
    double kl = 0, log_z_grid = 0, log_z_learned = 0, seconds = 0;
    std::vector<float> params; // the averaged model
    std::vector<float> f;      // f on the grid
    std::vector<float> test;   // the test points
};

// Steps 1 and 2 for one seed.
bool train_one(unsigned long long seed, unsigned steps, toy::Target target, Run& run) {
    static Model model;
    static Loss loss;
    static Opt opt;
    static Average avg;
    Net::init_params(model.block<0>(), seed + 1);
    model.block<1>()[0] = 0.0f;
    opt.reset();
    if (avg.configure(0.999f) != ember::Status::ok) return false;
    // The noise: a Gaussian fitted to 10 000 samples of the target.
    std::vector<float> fit(2 * 10000);
    ember::Pcg32 fit_rng(seed, 3);
    toy::sample(target, fit_rng, fit.data(), 10000);
    if (loss.noise().fit({fit.data(), fit.size()}) != ember::Status::ok) return false;
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = seed;
    cfg.lr = ember::train::LrSchedule<float>::constant(1e-3f);
    ember::train::Trainer<Model, Loss, Opt, kBatch> trainer(model, loss, opt);
    if (trainer.configure(cfg) != ember::Status::ok) return false;
    ember::Pcg32 data_rng(seed, 1);
    static float batch[2 * kBatch];
    const auto t0 = std::chrono::steady_clock::now();
    double loss_sum = 0.0, acc_sum = 0.0;
    unsigned n = 0;
    for (unsigned s = 0; s < steps; ++s) {
        toy::sample(target, data_rng, batch, kBatch);
        const ember::Status st = trainer.step(ember::Span<const float>(batch));
        if (st != ember::Status::ok) {
            std::printf("  step %u skipped: %s\n", s, ember::status_name(st));
            continue;
        }
        avg.update(model.data());
        loss_sum += static_cast<double>(trainer.last().loss);
        acc_sum += static_cast<double>(loss.accuracy());
        ++n;
        if ((s + 1) % 1000 == 0 || s + 1 == steps) {
            std::printf("  seed %llu  step %5u/%u  NCE loss %.4f  classifier accuracy %.3f  "
                        "log Z %.3f  (%.1f s)\n",
                        seed, s + 1, steps, loss_sum / n, acc_sum / n,
                        static_cast<double>(model.block<1>()[0]), seconds_since(t0));
            loss_sum = acc_sum = 0.0;
            n = 0;
        }
    }
    run.seconds = seconds_since(t0);
    run.seed = seed;
    run.params.assign(avg.averaged(), avg.averaged() + Model::param_count);
    std::copy(run.params.begin(), run.params.end(), model.data());

    const toy::Grid grid;
    const auto net = model.view<0>();
    run.f = toy::eval_grid(net, grid);
    run.log_z_grid = toy::log_partition(run.f, grid);
    run.log_z_learned = static_cast<double>(model.block<1>()[0]);
    run.test.resize(2 * kTest);
    ember::Pcg32 test_rng(seed, 2);
    toy::sample(target, test_rng, run.test.data(), kTest);
    run.kl = toy::kl_data_model(net, target, run.log_z_grid, run.test);
    std::printf("  seed %llu: KL(data || model) = %.4f nats, learned log Z %.3f (grid %.3f), "
                "%.1f s\n\n",
                seed, run.kl, run.log_z_learned, run.log_z_grid, run.seconds);
    return true;
}

} // namespace

int main(int argc, char** argv) {
    unsigned steps = 5000;
    std::vector<unsigned long long> seeds{0, 1, 2};
    std::string out = "ember_demo.png";
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
            char* end = nullptr;
            const unsigned long v = std::strtoul(argv[++i], &end, 10);
            if (*end != 0 || v == 0 || v > 10000000ul || argv[i][0] == '-') {
                std::fprintf(stderr, "--steps: an integer in [1, 10000000]\n");
                return 2;
            }
            steps = static_cast<unsigned>(v);
        } else if (std::strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
            seeds.clear();
            for (const char* p = argv[++i];;) {
                char* end = nullptr;
                if (*p < '0' || *p > '9') {
                    std::fprintf(stderr, "--seeds: comma-separated integers\n");
                    return 2;
                }
                seeds.push_back(std::strtoull(p, &end, 10));
                if (*end == 0) break;
                if (*end != ',') {
                    std::fprintf(stderr, "--seeds: comma-separated integers\n");
                    return 2;
                }
                p = end + 1;
            }
        } else if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else {
            std::fprintf(stderr,
                         "usage: ember_demo [--steps N] [--seeds S1,S2,...] [--out FILE]\n");
            return 2;
        }
    }
    const toy::Target target = toy::Target::eight_gaussians;
    std::printf("ember demo: learn the 8gaussians density and its log Z by noise-contrastive\n"
                "estimation, then sample it with MALA. Model Mlp<float, Swish, 2, 64, 64> + log Z: "
                "%zu parameters, %zu bytes.\n\n",
                Model::param_count, sizeof(Model));

    // 1-2. Training and quality, per seed.
    std::vector<Run> runs(seeds.size());
    for (std::size_t k = 0; k < seeds.size(); ++k)
        if (!train_one(seeds[k], steps, target, runs[k])) {
            std::printf("training setup failed\n");
            return 1;
        }
    std::vector<std::size_t> order(runs.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return runs[a].kl < runs[b].kl; });
    const Run& med = runs[order[(order.size() - 1) / 2]];
    std::printf("KL(data || model) over %zu seeds: median %.4f nats (min %.4f, max %.4f); "
                "the median seed (%llu) is sampled and drawn below\n",
                runs.size(), med.kl, runs[order.front()].kl, runs[order.back()].kl, med.seed);
    const toy::Grid grid;
    const std::vector<float>& f = med.f;
    const double log_z = med.log_z_grid;
    const std::vector<float>& test = med.test;
    static Net net;
    std::copy(med.params.begin(), med.params.begin() + Net::param_count, net.data());
    const unsigned long long seed = med.seed;

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
                    img.pixels.data() +
                    (static_cast<std::size_t>(y / k) * static_cast<std::size_t>(img.width) +
                     static_cast<std::size_t>(x / k)) *
                        3u;
                std::uint8_t* dst = big.at(x, y);
                dst[0] = src[0];
                dst[1] = src[1];
                dst[2] = src[2];
            }
        return big;
    };
    double dmax = 0.0;
    for (float d : density) dmax = static_cast<double>(d) > dmax ? static_cast<double>(d) : dmax;
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
