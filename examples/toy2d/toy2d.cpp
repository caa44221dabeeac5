// toy2d — trains an energy model on a 2-D target with one estimator and
// reports how close it got.
//
//   ember_toy2d --method {sm,ssm,ssm-vr,dsm,cd,pcd,nce}
//               --target {8gaussians,rings,gauss2}
//               [--steps 5000] [--seed 0 | --seeds 0,1,2] [--lr 1e-3]
//               [--schedule constant|cosine]
//               [--sigma 0.2 | --sigmas 0.1,0.2,0.4]            (dsm)
//               [--k 10] [--step-size E] [--reg A] [--reinit 0.05] (cd, pcd)
//               [--nu 1]                                         (nce)
//               [--png FILE | --no-png]
//
// Protocol: Mlp<float, Swish, 2, 64, 64>, Adam (lr 1e-3, constant unless
// --schedule cosine, which decays it to 0 over the run), a batch of 128
// points drawn fresh from the target every step. Estimators:
//   sm, ssm, ssm-vr, dsm  score matching (one projection; DSM sigma 0.2)
//   cd    CD-k: 128 ULA chains started at the batch, k = 10 steps of size
//         3e-3, regulariser alpha = 0.003 (f^2 at data and negatives)
//   pcd   persistent CD: 128 ULA chains drawn from a 10 000-point replay
//         buffer, 5 % restarted from uniform noise on [-4, 4]^2 per step,
//         k = 10 steps of size 2e-2, alpha = 0.1
// (the settings were chosen on seeds 10, 11, 12, not on the seeds 0, 1, 2
// the README quotes).
//   nce   NCE with a learned log Z, nu noise points per data point from a
//         full-covariance Gaussian fitted to 10 000 target samples; also
//         prints the learned c next to the grid's log Z
// CD and PCD refuse steps whose |f| exceeds 1e4 (Status::diverged), so a
// diverging run shows as skipped steps. Evaluation: f on the
// midpoints of a 500 x 500 grid over [-5, 5]^2 gives log Z = logsumexp(f) +
// log(cell area); KL(data || model) = mean(log p_true - (f - log Z)) over
// 20 000 fresh test points, in nats. Prints one line
//   method=... target=... steps=... kl_nats=... seconds=...
// and writes a PNG: a histogram of data (left) next to the learned density.
//
// --seeds S1,S2,.. runs the configuration once per seed, each exactly as
// --seed S would (same bits), prints the line above plus `seed=S` per seed,
// then `median method=... target=... steps=... seeds=N kl_nats=<median>
// min=<min> max=<max> seconds=<median>`; the PNG is the first seed's.
// `seconds` is the wall time of training only. At the constant learning
// rate the KL of one run is noisy from step to step (8gaussians, exact SM,
// seeds 0-2: standard deviation 0.04-0.08 nats over steps 2500-5000, e.g.
// 0.051 at step 4900, 0.165 at 5000, 0.085 at 5100 for seed 2), so compare
// estimators by medians over several seeds, not by one run.
//
// Numbers are parsed strictly (the whole field; integers as integers; --lr
// and noise scales finite and > 0); a bad value exits with status 2. A run
// that skipped more than half its steps (non-finite loss or gradient) is
// reported on stderr and the program exits with status 3 after all seeds.
#include "ember/host/numbers.hpp"
#include "ember/host/png.hpp"
#include "ember/host/toy2d.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/sample/langevin.hpp"
#include "ember/flow.hpp"
#include "ember/train.hpp"
#include "ember/train/flow_training.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
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
    std::vector<unsigned long long> seeds{0};
    bool seed_list = false;          // --seeds given: per-seed lines and a median line
    std::vector<float> sigmas{0.2f}; // DSM noise scale(s)
    float lr = 1e-3f;
    bool cosine = false;     // --schedule cosine
    unsigned k = 10;         // cd, pcd: sampler steps per parameter step
    float step_size = 0;     // cd, pcd: 0 = the method's default
    float reinit = 0.05f;    // pcd: chains restarted from noise per step
    float reg = -1;          // cd, pcd: < 0 = the method's default
    unsigned nu = 1;         // nce
    float ema = 0;           // > 0: evaluate the exponential moving average of the parameters
    unsigned warm = 500;     // fce, adv: maximum-likelihood steps of the flow first
    float flow_lr = 1e-4f;   // fce, adv: the flow's learning rate in the game
    float flow_above = 0.5f; // fce: the flow steps when the classifier's accuracy exceeds this
    std::string png;         // empty: default name
    bool write_png = true;
};

[[noreturn]] void usage(const std::string& msg) {
    std::fprintf(stderr,
                 "%s\nusage: ember_toy2d --method {sm,ssm,ssm-vr,dsm,cd,pcd,nce,fce,adv}\n"
                 "                   --target {8gaussians,rings,gauss2}\n"
                 "                   [--steps N] [--seed S | --seeds S1,S2,..] [--lr LR]\n"
                 "                   [--schedule constant|cosine]\n"
                 "                   [--sigma S | --sigmas S1,S2,..]   (dsm)\n"
                 "                   [--k K] [--step-size E] [--reg A] [--reinit F]  (cd, pcd)\n"
                 "                   [--nu NU]                          (nce, fce)\n"
                 "                   [--warm N] [--flow-lr LR]          (fce, adv: the flow)\n"
                 "                   [--flow-above A]                   (fce)\n"
                 "                   [--png FILE | --no-png]\n",
                 msg.c_str());
    std::exit(2);
}

// Strict numbers (ember/host/numbers.hpp); exit through usage() otherwise.
unsigned long long parse_uint(const std::string& flag, const std::string& text,
                              unsigned long long min, unsigned long long max) {
    unsigned long long v = 0;
    if (std::string e = ember::host::parse_uint(flag, text, min, max, v); !e.empty()) usage(e);
    return v;
}

// A finite number > 0.
float parse_positive(const std::string& flag, const std::string& text) {
    float v = 0.0f;
    if (std::string e = ember::host::parse_float(
            flag, text, 0.0f, std::numeric_limits<float>::max(), ember::host::Ends::open, v);
        !e.empty())
        usage(e);
    return v;
}

// Splits a comma-separated list; every field must be non-empty.
std::vector<std::string> split_list(const std::string& flag, const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    for (;;) {
        const std::size_t comma = text.find(',', pos);
        out.push_back(
            text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (out.back().empty()) usage(flag + ": empty field in '" + text + "'");
        if (comma == std::string::npos) return out;
        pos = comma + 1;
    }
}

using NceModel = ember::Model<Net, ember::Scalar<float>>; // f and c = log Z

// CD/PCD settings from the options (ULA chains, noise box [-4, 4]^2).
template <class Cd>
const char* setup_cd(Cd& cd, const Options& o, float step_size, float reg) {
    ember::sample::UlaConfig<float> ula;
    ula.step_size = o.step_size > 0 ? o.step_size : step_size;
    if (cd.sampler().configure(ula) != ember::Status::ok) return "--step-size: invalid";
    ember::train::CdConfig<float> cfg;
    cfg.k = o.k;
    cfg.regularization = o.reg >= 0 ? o.reg : reg;
    cfg.noise_low = -4.0f;
    cfg.noise_high = 4.0f;
    cfg.max_abs_f = 1e4f;
    cfg.reinit_fraction = o.reinit;
    if (cd.configure(cfg) != ember::Status::ok) return "--k or --reg: invalid";
    return nullptr;
}

// The one place that knows the methods: calls run(loss) with the loss of
// o.method, set up from o. Returns an error message (nothing run) or nullptr.
// A new method (a loss class with loss_and_grad) is one more branch here.
template <class F>
const char* with_loss(const Options& o, F&& run) {
    namespace tr = ember::train;
    if (o.method == "sm") {
        static tr::ExactScoreMatching<Net> loss;
        run(loss);
    } else if (o.method == "ssm") {
        static tr::SlicedScoreMatching<Net, 1> loss;
        run(loss);
    } else if (o.method == "ssm-vr") {
        static tr::SlicedScoreMatchingVR<Net, 1> loss;
        run(loss);
    } else if (o.method == "dsm") {
        static tr::DenoisingScoreMatching<Net> loss;
        if (loss.set_sigmas(ember::Span<const float>(o.sigmas.data(), o.sigmas.size())) !=
            ember::Status::ok)
            return "--sigmas: 1 to 8 finite values > 0";
        run(loss);
    } else if (o.method == "cd") {
        static tr::ContrastiveDivergence<Net, ember::sample::Ula, kBatch> loss;
        if (const char* err = setup_cd(loss, o, 3e-3f, 0.003f)) return err;
        run(loss);
    } else if (o.method == "pcd") {
        static tr::ContrastiveDivergence<Net, ember::sample::Ula, kBatch, 10000> loss;
        if (const char* err = setup_cd(loss, o, 2e-2f, 0.1f)) return err;
        run(loss);
    } else if (o.method == "nce") {
        static tr::NoiseContrastiveEstimation<NceModel> loss;
        if (loss.configure({o.nu}) != ember::Status::ok) return "--nu: 1 to 64";
        run(loss);
    } else {
        return "unknown method";
    }
    return nullptr;
}

Options parse(int argc, char** argv) {
    Options o;
    bool seed_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage("missing value after " + a);
            return argv[++i];
        };
        if (a == "--method") {
            o.method = value();
        } else if (a == "--target") {
            if (!toy::parse_target(value().c_str(), o.target)) usage("unknown target");
        } else if (a == "--steps") {
            o.steps = static_cast<unsigned>(parse_uint(a, value(), 1, 0xffffffffu));
        } else if (a == "--seed" || a == "--seeds") {
            if (seed_given) usage("give one --seed or --seeds");
            seed_given = true;
            o.seed_list = a == "--seeds";
            o.seeds.clear();
            for (const std::string& f : split_list(a, value()))
                o.seeds.push_back(parse_uint(a, f, 0, ~0ull - 1)); // the network uses seed + 1
            if (!o.seed_list && o.seeds.size() != 1) usage("--seed: one seed (or use --seeds)");
        } else if (a == "--sigma" || a == "--sigmas") {
            o.sigmas.clear();
            for (const std::string& f : split_list(a, value()))
                o.sigmas.push_back(parse_positive(a, f));
            if (a == "--sigma" && o.sigmas.size() != 1)
                usage("--sigma: one value (or use --sigmas)");
        } else if (a == "--lr") {
            o.lr = parse_positive(a, value());
        } else if (a == "--schedule") {
            const std::string v = value();
            if (v != "constant" && v != "cosine") usage("--schedule: constant or cosine");
            o.cosine = v == "cosine";
        } else if (a == "--k") {
            o.k = static_cast<unsigned>(parse_uint(a, value(), 1, 100000));
        } else if (a == "--step-size") {
            o.step_size = parse_positive(a, value());
        } else if (a == "--reg") {
            const std::string v = value();
            o.reg = v == "0" ? 0.0f : parse_positive(a, v);
        } else if (a == "--ema") {
            o.ema = parse_positive(a, value());
            if (!(o.ema < 1.0f)) usage("--ema: a decay in (0, 1), e.g. 0.999");
        } else if (a == "--reinit") {
            o.reinit = parse_positive(a, value());
            if (o.reinit > 1.0f) usage("--reinit: a fraction in (0, 1]");
        } else if (a == "--nu") {
            o.nu = static_cast<unsigned>(parse_uint(a, value(), 1, 64));
        } else if (a == "--warm") {
            o.warm = static_cast<unsigned>(parse_uint(a, value(), 0, 1000000));
        } else if (a == "--flow-lr") {
            o.flow_lr = parse_positive(a, value());
        } else if (a == "--flow-above") {
            o.flow_above = parse_positive(a, value());
            if (!(o.flow_above < 1.0f)) usage("--flow-above: an accuracy in (0, 1)");
        } else if (a == "--png") {
            o.png = value();
        } else if (a == "--no-png") {
            o.write_png = false;
        } else {
            usage("unknown option " + a);
        }
    }
    if (o.method != "fce" && o.method != "adv")
        if (const char* err = with_loss(o, [](auto&) {})) usage(err);
    return o;
}

// Trains `model` (the network, or the network and log Z for NCE) with
// `loss` for o.steps steps of fresh target samples; returns the number of
// skipped steps (non-finite or diverged).
template <class Model, class Loss>
unsigned train(Model& model, Loss& loss, const Options& o, unsigned long long seed) {
    using Adam = ember::train::Adam<float, Model::param_count>;
    static Adam opt;
    opt.reset(); // every run starts from fresh moments, as in its own process
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = seed;
    cfg.lr = o.cosine ? ember::train::LrSchedule<float>::cosine(o.lr, o.steps, 0.0f)
                      : ember::train::LrSchedule<float>::constant(o.lr);
    cfg.max_skipped = 0; // keep going: the count of skipped steps is reported
    // One trainer per call (a static one would stay bound to the first loss).
    ember::train::Trainer<Model, Loss, Adam, kBatch> trainer(model, loss, opt);
    if (trainer.configure(cfg) != ember::Status::ok) usage("--lr: invalid learning rate");
    ember::Pcg32 data_rng(seed, 1);
    static float batch[2 * kBatch];
    using Average = ember::train::ParameterAverage<float, Model::param_count>;
    static Average avg;
    if (o.ema > 0 && avg.configure(o.ema) != ember::Status::ok) usage("--ema: invalid decay");
    for (unsigned s = 0; s < o.steps; ++s) {
        toy::sample(o.target, data_rng, batch, kBatch);
        (void)trainer.step(ember::Span<const float>(batch));
        if (o.ema > 0) avg.update(model.data());
    }
    if (o.ema > 0) std::copy(avg.averaged(), avg.averaged() + Model::param_count, model.data());
    return trainer.skipped();
}

// A fresh model for one run: the network from init(seed + 1) (and c = 0).
void init_model(Net& net, unsigned long long seed) { net.init(seed + 1); }
void init_model(NceModel& m, unsigned long long seed) {
    Net::init_params(m.block<0>(), seed + 1);
    m.block<1>()[0] = 0.0f;
}
Net::view_type energy_view(const Net& net) { return net.view(); }
Net::view_type energy_view(const NceModel& m) { return m.view<0>(); }

// Per-run state of a loss: PCD forgets its buffer, NCE fits its noise to
// 10 000 target samples (stream 3 of the seed).
template <class Loss>
void prepare(Loss& loss, const Options& o, unsigned long long seed) {
    if constexpr (std::is_same_v<typename Loss::model_type, NceModel>) {
        std::vector<float> fit(2 * 10000);
        ember::Pcg32 rng(seed, 3);
        toy::sample(o.target, rng, fit.data(), 10000);
        if (loss.noise().fit(ember::Span<const float>(fit.data(), fit.size())) != ember::Status::ok)
            usage("the noise could not be fitted");
    } else if constexpr (Loss::name[0] == 'p' || Loss::name[0] == 'c') {
        loss.restart();
    } else {
        (void)o;
        (void)seed;
    }
}

struct RunResult {
    double kl = 0;
    double seconds = 0; // wall time of training
    unsigned skipped = 0;
    std::vector<float> f;     // the model on the grid
    double log_z = 0;         // of f on the grid
    std::vector<float> test;  // the test points
    double learned_log_z = 0; // NCE: the learned c
    bool has_learned_log_z = false;
    std::vector<float> flow_density; // fce, adv: the flow on the grid
    std::vector<float> flow_samples;
    unsigned flow_steps = 0;
    double final_accuracy = -1, final_value = 0; // fce: classifier accuracy, NCE objective
};

using Flow = ember::flow::RealNvp<float, 2, 4, 32>;
using FlowModel = ember::Model<Flow>;
using FlowAdam = ember::train::Adam<float, FlowModel::param_count>;

// KL, grid, test points of the energy (as run_one), and the flow's pictures.
template <class Model>
void evaluate(const Options& o, unsigned long long seed, const Model& model, const FlowModel& q,
              RunResult& r) {
    const auto net = energy_view(model);
    const toy::Grid grid;
    r.f = toy::eval_grid(net, grid);
    r.log_z = toy::log_partition(r.f, grid);
    r.test.resize(2 * kTest);
    ember::Pcg32 test_rng(seed, 2);
    toy::sample(o.target, test_rng, r.test.data(), kTest);
    r.kl = toy::kl_data_model(net, o.target, r.log_z, r.test);
    r.flow_density.assign(r.f.size(), 0.0f);
    for (int y = 0; y < grid.n; ++y)
        for (int x = 0; x < grid.n; ++x) {
            const float xy[2] = {static_cast<float>(grid.mid(x)), static_cast<float>(grid.mid(y))};
            float lp = 0;
            if (Flow::log_density(q.data(), xy, lp) == ember::Status::ok)
                r.flow_density[static_cast<std::size_t>(y) * static_cast<std::size_t>(grid.n) +
                               static_cast<std::size_t>(x)] = std::exp(lp);
        }
    r.flow_samples.resize(2 * kTest);
    ember::Pcg32 srng(seed, 4);
    for (std::size_t i = 0; i < kTest; ++i)
        (void)Flow::sample(q.data(), srng, r.flow_samples.data() + 2 * i);
}

// Flow contrastive estimation (--method fce) and adversarial training (adv):
// the flow is warm-started by maximum likelihood (--warm steps, Adam 1e-3),
// then every step the energy takes an Adam step (lr --lr) and the flow one
// (lr --flow-lr) — in fce only when the classifier's accuracy on that step
// exceeds --flow-above. The wall time includes the warm start.
RunResult run_flow_game(const Options& o, unsigned long long seed) {
    namespace tr = ember::train;
    RunResult r;
    static FlowModel q;
    static FlowAdam qopt;
    Flow::init_params(q.data(), seed + 2);
    qopt.reset();
    static ember::flow::MaximumLikelihood<Flow> ml;
    static float batch[2 * kBatch];
    ember::Pcg32 data_rng(seed, 1);
    const auto t0 = std::chrono::steady_clock::now();
    {
        tr::Trainer<FlowModel, decltype(ml), FlowAdam, kBatch> warm(q, ml, qopt);
        tr::TrainerConfig<float> cfg;
        cfg.seed = seed + 100;
        cfg.lr = tr::LrSchedule<float>::constant(1e-3f);
        if (warm.configure(cfg) != ember::Status::ok) usage("invalid warm-start settings");
        for (unsigned s = 0; s < o.warm; ++s) {
            toy::sample(o.target, data_rng, batch, kBatch);
            (void)warm.step(ember::Span<const float>(batch));
        }
    }
    qopt.reset();
    tr::TrainerConfig<float> ecfg, qcfg;
    ecfg.seed = seed;
    ecfg.lr = o.cosine ? tr::LrSchedule<float>::cosine(o.lr, o.steps, 0.0f)
                       : tr::LrSchedule<float>::constant(o.lr);
    ecfg.max_skipped = 0;
    qcfg.seed = seed + 200;
    qcfg.lr = tr::LrSchedule<float>::constant(o.flow_lr);
    qcfg.max_skipped = 0;
    if (o.method == "fce") {
        static NceModel m;
        static tr::NoiseContrastiveEstimation<NceModel, ember::flow::FlowNoise<Flow>> nce;
        static tr::FceFlowLoss<NceModel, Flow> side;
        static ember::train::Adam<float, NceModel::param_count> eopt;
        init_model(m, seed);
        eopt.reset();
        if (nce.configure({o.nu}) != ember::Status::ok ||
            side.configure({o.nu}) != ember::Status::ok)
            usage("--nu: 1 to 64");
        nce.noise().bind(q.data());
        side.bind_energy(m.data());
        tr::Trainer<NceModel, decltype(nce), decltype(eopt), kBatch> te(m, nce, eopt);
        tr::Trainer<FlowModel, decltype(side), FlowAdam, kBatch> tq(q, side, qopt);
        if (te.configure(ecfg) != ember::Status::ok || tq.configure(qcfg) != ember::Status::ok)
            usage("--lr / --flow-lr: invalid learning rate");
        for (unsigned s = 0; s < o.steps; ++s) {
            toy::sample(o.target, data_rng, batch, kBatch);
            (void)te.step(ember::Span<const float>(batch));
            if (nce.accuracy() > o.flow_above) {
                (void)tq.step(ember::Span<const float>(batch));
                ++r.flow_steps;
            }
        }
        r.skipped = te.skipped() + tq.skipped();
        r.final_accuracy = static_cast<double>(nce.accuracy());
        r.final_value = static_cast<double>(-te.last().loss);
        r.learned_log_z = static_cast<double>(m.block<1>()[0]);
        r.has_learned_log_z = true;
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        evaluate(o, seed, m, q, r);
    } else {
        static Net f;
        static tr::AdversarialEnergyLoss<Net, Flow, kBatch> energy;
        static tr::AdversarialFlowLoss<Net, Flow> side;
        static ember::train::Adam<float, Net::param_count> eopt;
        init_model(f, seed);
        eopt.reset();
        if (energy.configure(o.reg >= 0 ? o.reg : 0.1f, 1e4f) != ember::Status::ok)
            usage("--reg: invalid");
        energy.bind_flow(q.data());
        side.bind_energy(f.data());
        tr::Trainer<Net, decltype(energy), decltype(eopt), kBatch> te(f, energy, eopt);
        tr::Trainer<FlowModel, decltype(side), FlowAdam, kBatch> tq(q, side, qopt);
        if (te.configure(ecfg) != ember::Status::ok || tq.configure(qcfg) != ember::Status::ok)
            usage("--lr / --flow-lr: invalid learning rate");
        for (unsigned s = 0; s < o.steps; ++s) {
            toy::sample(o.target, data_rng, batch, kBatch);
            (void)te.step(ember::Span<const float>(batch));
            (void)tq.step(ember::Span<const float>(batch));
            ++r.flow_steps;
        }
        r.skipped = te.skipped() + tq.skipped();
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        evaluate(o, seed, f, q, r);
    }
    return r;
}

// One run of the protocol with one seed: a fresh network (init seed + 1),
// fresh optimizer state, the trainer's and data streams from `seed`.
RunResult run_one(const Options& o, unsigned long long seed) {
    if (o.method == "fce" || o.method == "adv") return run_flow_game(o, seed);
    RunResult r;
    (void)with_loss(o, [&](auto& loss) {
        using Model = typename std::decay_t<decltype(loss)>::model_type;
        static Model model;
        init_model(model, seed);
        prepare(loss, o, seed);
        const auto t0 = std::chrono::steady_clock::now();
        r.skipped = train(model, loss, o, seed);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if constexpr (std::is_same_v<Model, NceModel>) {
            r.learned_log_z = static_cast<double>(model.template block<1>()[0]);
            r.has_learned_log_z = true;
        }

        const auto net = energy_view(model);
        const toy::Grid grid; // 500 x 500 over [-5, 5]^2
        r.f = toy::eval_grid(net, grid);
        r.log_z = toy::log_partition(r.f, grid);
        r.test.resize(2 * kTest);
        ember::Pcg32 test_rng(seed, 2);
        toy::sample(o.target, test_rng, r.test.data(), kTest);
        r.kl = toy::kl_data_model(net, o.target, r.log_z, r.test);
    });
    return r;
}

bool write_png(const Options& o, const RunResult& r) {
    const toy::Grid grid;
    std::vector<float> density(r.f.size());
    for (std::size_t i = 0; i < r.f.size(); ++i)
        density[i] = static_cast<float>(std::exp(static_cast<double>(r.f[i]) - r.log_z));
    const std::string path =
        o.png.empty() ? "toy2d_" + o.method + "_" + toy::target_name(o.target) + ".png" : o.png;
    const ember::host::Extent ext{grid.lo, grid.hi, grid.lo, grid.hi};
    bool ok = false;
    if (r.flow_density.empty()) {
        ok = ember::host::write_density_png(path, density.data(), grid.n, grid.n, ext,
                                            r.test.data(), kTest);
    } else { // data | energy model | flow density | flow samples
        ok = ember::host::write_png(
            path,
            ember::host::hconcat(
                {ember::host::render_points(r.test.data(), kTest, grid.n, grid.n, ext),
                 ember::host::render_density(density.data(), grid.n, grid.n),
                 ember::host::render_density(r.flow_density.data(), grid.n, grid.n),
                 ember::host::render_points(r.flow_samples.data(), kTest, grid.n, grid.n, ext)}));
    }
    if (!ok) {
        std::fprintf(stderr, "could not write %s\n", path.c_str());
        return false;
    }
    return true;
}

struct Summary {
    double median, min, max;
};

// Median (mean of the middle two for an even count), min and max of v; NaN
// sorts last, so a diverged run shows as max=nan.
Summary summarize(std::vector<double> v) {
    std::sort(v.begin(), v.end(),
              [](double a, double b) { return (std::isnan(b) && !std::isnan(a)) || a < b; });
    const std::size_t n = v.size();
    return {n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]), v.front(), v.back()};
}

} // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    std::vector<double> kls, secs;
    bool too_many_skips = false;
    for (std::size_t k = 0; k < o.seeds.size(); ++k) {
        const unsigned long long seed = o.seeds[k];
        const RunResult r = run_one(o, seed);
        std::string tail;
        if (o.seed_list) tail += " seed=" + std::to_string(seed);
        if (r.skipped) tail += " skipped=" + std::to_string(r.skipped);
        if (r.final_accuracy >= 0) {
            char buf[96];
            std::snprintf(buf, sizeof buf, " flow_steps=%u accuracy=%.3f nce_objective=%.4f",
                          r.flow_steps, r.final_accuracy, r.final_value);
            tail += buf;
        }
        if (r.has_learned_log_z) {
            char buf[96];
            std::snprintf(buf, sizeof buf, " log_z_learned=%.4f log_z_grid=%.4f", r.learned_log_z,
                          r.log_z);
            tail += buf;
        }
        std::printf("method=%s target=%s steps=%u kl_nats=%.4f seconds=%.2f%s\n", o.method.c_str(),
                    toy::target_name(o.target), o.steps, r.kl, r.seconds, tail.c_str());
        std::fflush(stdout);
        if (2ull * r.skipped > o.steps) {
            std::fprintf(stderr, "warning: seed %llu skipped %u of %u steps (diverged)\n", seed,
                         r.skipped, o.steps);
            too_many_skips = true;
        }
        kls.push_back(r.kl);
        secs.push_back(r.seconds);
        if (k == 0 && o.write_png && !write_png(o, r)) return 1;
    }
    if (o.seed_list) {
        const Summary kl = summarize(kls);
        std::printf("median method=%s target=%s steps=%u seeds=%zu kl_nats=%.4f min=%.4f max=%.4f "
                    "seconds=%.2f\n",
                    o.method.c_str(), toy::target_name(o.target), o.steps, kls.size(), kl.median,
                    kl.min, kl.max, summarize(secs).median);
    }
    return too_many_skips ? 3 : 0;
}
