// Training runs whose bits must be identical on every target: each
// estimator trains a small model for a few steps (Adam or SGD, schedules,
// clipping), and the losses, the first gradient and the final parameters are
// compared. Shared by the golden test and ember_make_golden.
#pragma once

#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/sample/mala.hpp"
#include "ember/sample/mh.hpp"
#include "ember/random.hpp"
#include "ember/train.hpp"

#include <cstddef>
#include <cstdint>

namespace golden {

constexpr std::size_t kTrainPoints = 40; // not a multiple of the batch
constexpr std::size_t kTrainBatch = 12;  // nor of any chunk size
constexpr std::uint32_t kTrainSteps = 12;

// An MLP's init(seed); for a Model, block 0's and c = 0.25 in block 1.
template <class Net>
void init_model(Net& net, std::uint64_t seed) {
    net.init(seed);
}
template <class Net, class... Rest>
void init_model(ember::Model<Net, Rest...>& m, std::uint64_t seed) {
    Net::init_params(m.template block<0>(), seed);
    m.template block<1>()[0] = 0.25f;
}

template <class Net, class Loss, class Opt, class Emit>
void train_case(const char* tag, std::uint64_t seed, Loss& loss, Opt& opt,
                const ember::train::TrainerConfig<float>& cfg, Emit& emit) {
    constexpr std::size_t D = Loss::input_dim;
    static Net net;
    init_model(net, seed);
    static float data[kTrainPoints * D];
    ember::Pcg32 rng(seed, 77);
    for (std::size_t i = 0; i < kTrainPoints * D; ++i) data[i] = ember::normal<float>(rng);

    ember::train::Trainer<Net, Loss, Opt, kTrainBatch> trainer(net, loss, opt);
    (void)trainer.configure(cfg);
    (void)trainer.set_dataset(ember::Span<const float>(data, kTrainPoints * D));
    static float losses[kTrainSteps], norms[kTrainSteps];
    static float first_grad[Net::param_count];
    std::uint32_t k = 0;
    (void)trainer.run(kTrainSteps, [&](const ember::train::TrainReport<float>& s) {
        losses[k] = s.loss;
        norms[k] = s.grad_norm;
        if (k == 0)
            for (std::size_t i = 0; i < Net::param_count; ++i)
                first_grad[i] = trainer.gradient()[i];
        ++k;
    });
    emit(tag, "loss", losses, kTrainSteps);
    emit(tag, "grad_norm", norms, kTrainSteps);
    emit(tag, "first_grad", first_grad, Net::param_count);
    emit(tag, "params", net.data(), Net::param_count);
}

template <class Emit>
void train_cases(Emit& emit) {
    using ember::train::LrSchedule;
    using ember::train::TrainerConfig;
    using Net2 = ember::Mlp<float, ember::Swish, 2, 16, 12>;
    using Net3 = ember::Mlp<float, ember::Softplus, 3, 10, 9>;
    using Net4 = ember::Mlp<float, ember::Tanh, 4, 9>;
    {
        static ember::train::ExactScoreMatching<Net2> loss;
        static ember::train::Adam<float, Net2::param_count> opt;
        TrainerConfig<float> cfg;
        cfg.seed = 1;
        cfg.lr = LrSchedule<float>::cosine(1e-2f, kTrainSteps, 1e-3f, 2);
        train_case<Net2>("sm_swish_2_16_12", 1, loss, opt, cfg, emit);
    }
    {
        static ember::train::SlicedScoreMatching<Net3, 2> loss(ember::train::Projection::gaussian);
        static ember::train::Sgd<float, Net3::param_count> opt;
        (void)opt.configure({0.9f, 1e-4f, true});
        TrainerConfig<float> cfg;
        cfg.seed = 2;
        cfg.clip_norm = 0.5f;
        cfg.lr = LrSchedule<float>::step_decay(5e-2f, 5, 0.5f);
        train_case<Net3>("ssm2_softplus_3_10_9", 2, loss, opt, cfg, emit);
    }
    {
        static ember::train::SlicedScoreMatchingVR<Net4, 1> loss(
            ember::train::Projection::rademacher);
        static ember::train::AdamW<float, Net4::param_count> opt;
        TrainerConfig<float> cfg;
        cfg.seed = 3;
        cfg.lr = LrSchedule<float>::constant(1e-2f);
        train_case<Net4>("ssmvr_tanh_4_9", 3, loss, opt, cfg, emit);
    }
    {
        static ember::train::DenoisingScoreMatching<Net2> loss;
        const float sigmas[3] = {0.1f, 0.3f, 0.7f};
        (void)loss.set_sigmas(ember::Span<const float>(sigmas));
        static ember::train::Adam<float, Net2::param_count> opt;
        TrainerConfig<float> cfg;
        cfg.seed = 4;
        cfg.lr = LrSchedule<float>::constant(1e-2f);
        train_case<Net2>("dsm3_swish_2_16_12", 4, loss, opt, cfg, emit);
    }
    {
        // Exact SM through a 16-dimensional input: the basis-direction path
        // with whole packs at every width.
        using Net16 = ember::Mlp<float, ember::Swish, 16, 8>;
        static ember::train::ExactScoreMatching<Net16> loss;
        static ember::train::Adam<float, Net16::param_count> opt;
        TrainerConfig<float> cfg;
        cfg.seed = 5;
        cfg.lr = LrSchedule<float>::constant(1e-2f);
        train_case<Net16>("sm_swish_16_8", 5, loss, opt, cfg, emit);
    }
    {
        // CD-3 with ULA (clipped gradients) from the data, f^2 regulariser.
        static ember::train::ContrastiveDivergence<Net2, ember::sample::Ula, 10> loss;
        ember::sample::UlaConfig<float> ula;
        ula.step_size = 0.05f;
        ula.grad_clip = 2.0f;
        (void)loss.sampler().configure(ula);
        ember::train::CdConfig<float> cd;
        cd.k = 3;
        cd.regularization = 0.1f;
        (void)loss.configure(cd);
        static ember::train::Adam<float, Net2::param_count> opt;
        TrainerConfig<float> cfg;
        cfg.seed = 6;
        cfg.lr = LrSchedule<float>::constant(1e-2f);
        train_case<Net2>("cd3_ula_swish_2_16_12", 6, loss, opt, cfg, emit);
    }
    {
        // Persistent CD-2 with MALA from noise starts and a 50-point buffer.
        static ember::train::ContrastiveDivergence<Net3, ember::sample::Mala, 9, 50> loss;
        ember::sample::MetropolisConfig<float> mala;
        mala.step_size = 0.2f;
        (void)loss.sampler().configure(mala);
        ember::train::CdConfig<float> cd;
        cd.k = 2;
        cd.reinit_fraction = 0.2f;
        cd.noise_low = -2.0f;
        cd.noise_high = 2.5f;
        (void)loss.configure(cd);
        static ember::train::Adam<float, Net3::param_count> opt;
        TrainerConfig<float> cfg;
        cfg.seed = 7;
        cfg.lr = LrSchedule<float>::constant(1e-2f);
        train_case<Net3>("pcd2_mala_softplus_3_10_9", 7, loss, opt, cfg, emit);
        emit("pcd2_mala_softplus_3_10_9", "buffer", loss.buffer().points().data(), 50 * 3);
    }
    {
        // CD-2 with random-walk Metropolis from noise.
        static ember::train::ContrastiveDivergence<Net4, ember::sample::RandomWalkMh, 7> loss;
        ember::train::CdConfig<float> cd;
        cd.k = 2;
        cd.start = ember::train::ChainStart::noise;
        (void)loss.configure(cd);
        static ember::train::Sgd<float, Net4::param_count> opt;
        TrainerConfig<float> cfg;
        cfg.seed = 8;
        cfg.lr = LrSchedule<float>::constant(1e-2f);
        train_case<Net4>("cd2_mh_tanh_4_9", 8, loss, opt, cfg, emit);
    }
    {
        // NCE, nu = 2, full-covariance noise fitted to a fixed sample.
        using M = ember::Model<Net2, ember::Scalar<float>>;
        static ember::train::NoiseContrastiveEstimation<M> loss;
        (void)loss.configure({2});
        static float fit[2 * 30];
        ember::Pcg32 rng(9, 3);
        for (float& v : fit) v = 1.5f * ember::normal<float>(rng) + 0.25f;
        (void)loss.noise().fit(ember::Span<const float>(fit));
        static ember::train::Adam<float, M::param_count> opt;
        TrainerConfig<float> cfg;
        cfg.seed = 9;
        cfg.lr = LrSchedule<float>::constant(1e-2f);
        train_case<M>("nce2_swish_2_16_12", 9, loss, opt, cfg, emit);
    }
    {
        // NCE, nu = 1, diagonal noise in 16 dimensions.
        using Net16 = ember::Mlp<float, ember::Softplus, 16, 8>;
        using M = ember::Model<Net16, ember::Scalar<float>>;
        using Noise = ember::train::GaussianNoise<float, 16, ember::train::Covariance::diagonal>;
        static ember::train::NoiseContrastiveEstimation<M, Noise> loss;
        static float fit[16 * 20];
        ember::Pcg32 rng(10, 3);
        for (float& v : fit) v = ember::normal<float>(rng);
        (void)loss.noise().fit(ember::Span<const float>(fit));
        static ember::train::Adam<float, M::param_count> opt;
        TrainerConfig<float> cfg;
        cfg.seed = 10;
        cfg.lr = LrSchedule<float>::constant(1e-2f);
        train_case<M>("nce1_diag_softplus_16_8", 10, loss, opt, cfg, emit);
    }
}

} // namespace golden
