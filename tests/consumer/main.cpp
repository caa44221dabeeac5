// Builds against the installed ember package (see .ci/run) and uses it the way
// an application does: a model view over constant weights, a sampler over
// it, and a trainer. Exits non-zero if anything does not work.
#include <ember/ember.hpp>

#include <cstdio>

#if !defined(EMBER_USE_XSIMD)
#error "ember::ember should define EMBER_USE_XSIMD"
#endif

namespace {

using Net = ember::Mlp<float, ember::Swish, 2, 16, 16>;
using Loss = ember::train::DenoisingScoreMatching<Net>;
using Opt = ember::train::Adam<float, Net::param_count>;

Net net;
Loss loss(0.2f);
Opt opt;
ember::train::Trainer<Net, Loss, Opt, 32> trainer(net, loss, opt);

int fail(const char* what, ember::Status s) {
    std::printf("consumer: %s: %s\n", what, ember::status_name(s));
    return 1;
}

} // namespace

int main() {
    // Train a little on standard-normal data.
    static float data[2 * 256];
    ember::Pcg32 rng(1, 2);
    for (float& v : data) v = ember::normal<float>(rng);
    net.init(3);
    ember::train::TrainerConfig<float> cfg;
    cfg.lr = ember::train::LrSchedule<float>::constant(1e-2f);
    if (const auto s = trainer.configure(cfg); s != ember::Status::ok) return fail("configure", s);
    if (const auto s = trainer.set_dataset({data, 2 * 256}); s != ember::Status::ok)
        return fail("set_dataset", s);
    if (const auto s = trainer.run(50); s != ember::Status::ok) return fail("run", s);

    // A view over the weights, as if they were constant data in flash.
    static float weights[Net::param_count];
    for (std::size_t i = 0; i < Net::param_count; ++i) weights[i] = net.params[i];
    const Net::view_type model(weights);
    const float x[2] = {0.5f, -0.25f};
    float f = 0;
    if (const auto s = model.evaluate(x, f); s != ember::Status::ok) return fail("evaluate", s);
    if (f != net.value(x)) return fail("view and model disagree", ember::Status::invalid_argument);

    // Sample from the view with MALA.
    using Target = ember::sample::MlpTarget<Net::view_type>;
    static Target target(model);
    static ember::sample::ChainState<float, 2, 16> chains;
    ember::sample::MetropolisConfig<float> mcfg;
    mcfg.step_size = 0.05f;
    static ember::sample::Mala<Target> mala(target, mcfg);
    static float x0[16 * 2] = {};
    if (const auto s = mala.init(chains, x0, 7); s != ember::Status::ok) return fail("init", s);
    for (int t = 0; t < 20; ++t)
        if (const auto s = mala.step(chains); s != ember::Status::ok) return fail("step", s);
    std::printf("consumer: loss %g, f(x) %g, acceptance %g\n", double(trainer.last().loss),
                double(f), double(chains.acceptance_rate()));
    return 0;
}
