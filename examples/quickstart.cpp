// The README's complete example, compiled with the examples so it cannot rot.
#include <ember/ember.hpp> // networks, samplers, training, Status, Pcg32, ...

#include <cstdio>

using Net = ember::Mlp<float, ember::Swish, 2, 64, 64>; // f: R^2 -> R
using Loss = ember::train::DenoisingScoreMatching<Net>;
using Opt = ember::train::Adam<float, Net::param_count>;

static Net net;          // 17.7 KB of parameters
static Loss loss(0.15f); // noise scale sigma
static Opt opt;
static ember::train::Trainer<Net, Loss, Opt, 128> trainer(net, loss, opt);

int main() {
    // Data: n points, row-major (x0, y0, x1, y1, ...), caller-owned.
    static float data[2 * 4096];
    ember::Pcg32 rng(/*seed=*/1, /*stream=*/0);
    for (float& v : data) v = ember::normal<float>(rng);

    // Train: every setting is checked when set, every step reports a Status.
    net.init(/*seed=*/1);
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 42;
    cfg.lr = ember::train::LrSchedule<float>::cosine(1e-3f, 2000);
    if (trainer.configure(cfg) != ember::Status::ok) return 1;
    if (trainer.set_dataset({data, 2 * 4096}) != ember::Status::ok) return 1;
    const ember::Status trained = trainer.run(2000, [](const auto& report) {
        if (report.step % 500 == 0)
            std::printf("step %u loss %g\n", unsigned(report.step), double(report.loss));
        return true; // false stops early
    });
    if (trained != ember::Status::ok) return 1; // e.g. non_finite_output: training diverged

    // Deploy: a read-only view over the weights, wherever they live (here the
    // trained array; on a device, a const array in flash). Anomaly score of
    // one point: high energy = unlikely.
    const Net::view_type model(net.data());
    const float x[2] = {0.5f, -3.0f};
    float f = 0;
    if (model.evaluate(x, f) != ember::Status::ok) return 1; // NaN/inf input is reported
    std::printf("energy = %g\n", double(-f));

    // Samples from the model: MALA over 256 chains, SIMD across chains.
    using Target = ember::sample::MlpTarget<Net::view_type>;
    static Target target(model);
    static ember::sample::ChainState<float, 2, 256> chains;
    ember::sample::MetropolisConfig<float> mcfg;
    mcfg.step_size = 0.05f;
    mcfg.warmup_steps = 300; // dual averaging toward 0.574
    static ember::sample::Mala<Target> mala(target, mcfg);
    static float x0[256 * 2] = {}; // start: data or noise
    if (mala.init(chains, x0, /*seed=*/7) != ember::Status::ok) return 1;
    for (int t = 0; t < 1000; ++t) {
        // ok, or non_finite_output: chains whose proposal was NaN/inf were
        // rejected and stayed put (chains.report says which).
        if (mala.step(chains) == ember::Status::invalid_argument) return 1; // not initialised
    }
    std::printf("chain 0 at (%g, %g)\n", double(chains.position(0, 0)),
                double(chains.position(0, 1)));
}
