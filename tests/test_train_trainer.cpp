// The trainer loop: a Gaussian model trained by exact score matching reaches
// the closed-form optimum; non-finite steps are skipped without touching the
// parameters; callbacks stop early; runs are reproducible.
#include "ember/nn/mlp.hpp"
#include "gaussian_model.hpp"
#include "ember/nn/model.hpp"
#include "ember/train.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace ember_test_train_trainer { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

using ember_test::dbl;
using ember_test::Quad;

double d(float x) { return dbl(x); }

void gaussian_of(const Quad& net, double P[2][2], double mu[2]) {
    ember_test::gaussian_of(net.data(), P, mu);
}

constexpr std::size_t kN = 128;

} // namespace

TEST_CASE("train: exact SM on a Gaussian model recovers the sample mean and precision") {
    // Data from N(m, S); exact SM's optimum for a Gaussian model is the
    // sample mean and the inverse of the (1/N) sample covariance.
    static float data[kN * 2];
    ember::Pcg32 rng(3, 9);
    for (std::size_t n = 0; n < kN; ++n) {
        float a, b;
        ember::normal_pair(rng, a, b);
        data[2 * n] = 0.5f + 1.2f * a;
        data[2 * n + 1] = -1.0f + 0.6f * a + 0.5f * b;
    }
    double mean[2] = {0, 0}, S[2][2] = {{0, 0}, {0, 0}};
    for (std::size_t n = 0; n < kN; ++n)
        for (std::size_t r = 0; r < 2; ++r) mean[r] += d(data[2 * n + r]) / double(kN);
    for (std::size_t n = 0; n < kN; ++n)
        for (std::size_t r = 0; r < 2; ++r)
            for (std::size_t c = 0; c < 2; ++c)
                S[r][c] +=
                    (d(data[2 * n + r]) - mean[r]) * (d(data[2 * n + c]) - mean[c]) / double(kN);
    const double det = S[0][0] * S[1][1] - S[0][1] * S[1][0];
    const double Pw[2][2] = {{S[1][1] / det, -S[0][1] / det}, {-S[1][0] / det, S[0][0] / det}};

    using Loss = ember::train::ExactScoreMatching<Quad>;
    using Opt = ember::train::Adam<float, Quad::param_count>;
    static Quad net;
    static Loss loss;
    static Opt opt;
    net.init(5);
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 1;
    cfg.lr = ember::train::LrSchedule<float>::cosine(0.05f, 600, 0.0f);
    // Full batch: every step sees each point once.
    static ember::train::Trainer<Quad, Loss, Opt, kN> trainer(net, loss, opt);
    REQUIRE(trainer.configure(cfg) == ember::Status::ok);
    REQUIRE(trainer.set_dataset(ember::Span<const float>(data)) == ember::Status::ok);
    REQUIRE(trainer.run(600) == ember::Status::ok);
    CHECK(trainer.skipped() == 0);

    double P[2][2], mu[2];
    gaussian_of(net, P, mu);
    for (int r = 0; r < 2; ++r) {
        CHECK(mu[r] == doctest::Approx(mean[r]).epsilon(1e-3));
        for (int c = 0; c < 2; ++c) CHECK(P[r][c] == doctest::Approx(Pw[r][c]).epsilon(1e-2));
    }
    // The loss at the optimum is -tr(P)/2 = E[0.5 |P (x - mu)|^2] - tr P.
    CHECK(trainer.last().loss == doctest::Approx(-0.5 * (Pw[0][0] + Pw[1][1])).epsilon(1e-3));
}

TEST_CASE("train: non-finite steps are skipped and leave the parameters alone") {
    using Net = ember::Mlp<float, ember::Swish, 2, 8, 8>;
    using Loss = ember::train::DenoisingScoreMatching<Net>;
    using Opt = ember::train::Adam<float, Net::param_count>;
    static Net net;
    static Loss loss(0.1f);
    static Opt opt;
    static ember::train::Trainer<Net, Loss, Opt, 4> trainer(net, loss, opt);
    net.init(2);

    float bad[8] = {0, 1, 2, 3, 4, NAN, 6, 7};
    CHECK(trainer.set_dataset(ember::Span<const float>(bad)) == ember::Status::non_finite_input);
    CHECK(trainer.set_dataset(ember::Span<const float>(bad, 7)) ==
          ember::Status::dimension_mismatch);
    CHECK(trainer.step() == ember::Status::invalid_argument); // no dataset yet

    static Net before;
    before = net;
    const float inf_batch[4] = {0.0f, 1.0f, INFINITY, 0.0f};
    CHECK(trainer.step(ember::Span<const float>(inf_batch)) == ember::Status::non_finite_output);
    CHECK(std::memcmp(before.data(), net.data(), sizeof(float) * Net::param_count) == 0);
    CHECK(opt.steps() == 0);
    CHECK(trainer.skipped() == 1);
    CHECK(trainer.last().status == ember::Status::non_finite_output);

    // A diverged model (f overflows): every step is skipped and run() gives
    // up after max_skipped of them in a row.
    float good[16];
    for (int i = 0; i < 16; ++i) good[i] = 0.1f * float(i);
    REQUIRE(trainer.set_dataset(ember::Span<const float>(good)) == ember::Status::ok);
    net.params[Net::layout::output_weight_offset] = 3e38f;
    net.params[Net::layout::output_weight_offset + 1] = 3e38f;
    before = net;
    ember::train::TrainerConfig<float> cfg;
    cfg.max_skipped = 5;
    REQUIRE(trainer.configure(cfg) == ember::Status::ok);
    CHECK(trainer.run(100) == ember::Status::non_finite_output);
    CHECK(trainer.steps_done() == 5);
    CHECK(std::memcmp(before.data(), net.data(), sizeof(float) * Net::param_count) == 0);
}

TEST_CASE("train: callbacks see every step and can stop early, and runs are reproducible") {
    using Net = ember::Mlp<float, ember::Tanh, 2, 8, 8>;
    using Loss = ember::train::SlicedScoreMatchingVR<Net>;
    using Opt = ember::train::Sgd<float, Net::param_count>;
    static Net net;
    static Loss loss;
    static Opt opt;
    static float data[2 * 50];
    for (int i = 0; i < 100; ++i) data[i] = std::sin(0.37f * float(i));
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 7;
    cfg.clip_norm = 1.0f;
    cfg.lr = ember::train::LrSchedule<float>::constant(0.01f);
    static ember::train::Trainer<Net, Loss, Opt, 16> trainer(net, loss, opt);
    REQUIRE(trainer.configure(cfg) == ember::Status::ok);
    REQUIRE(trainer.set_dataset(ember::Span<const float>(data)) == ember::Status::ok);

    net.init(1);
    opt.reset();
    std::uint32_t calls = 0;
    const ember::Status s = trainer.run(50, [&](const ember::train::TrainReport<float>& info) {
        CHECK(info.step == calls);
        CHECK(info.status == ember::Status::ok);
        CHECK(std::isfinite(info.loss));
        CHECK(info.lr == 0.01f);
        ++calls;
        return calls < 20;
    });
    CHECK(s == ember::Status::ok);
    CHECK(calls == 20);
    CHECK(trainer.steps_done() == 20);
    CHECK(ember::train::grad_norm(trainer.gradient(), Net::param_count) <= 1.0f + 1e-5f);
    static Net first;
    first = net;

    // Same seed, same start: the same bits.
    net.init(1);
    opt.reset();
    REQUIRE(trainer.configure(cfg) == ember::Status::ok);
    REQUIRE(trainer.set_dataset(ember::Span<const float>(data)) == ember::Status::ok);
    REQUIRE(trainer.run(20) == ember::Status::ok);
    CHECK(std::memcmp(first.data(), net.data(), sizeof(float) * Net::param_count) == 0);

    // Another seed: another shuffle and other projections.
    net.init(1);
    opt.reset();
    cfg.seed = 8;
    REQUIRE(trainer.configure(cfg) == ember::Status::ok);
    REQUIRE(trainer.set_dataset(ember::Span<const float>(data)) == ember::Status::ok);
    REQUIRE(trainer.run(20) == ember::Status::ok);
    CHECK(std::memcmp(first.data(), net.data(), sizeof(float) * Net::param_count) != 0);
}

TEST_CASE("train: trainer settings are validated when set") {
    using Net = ember::Mlp<float, ember::Swish, 2, 4>;
    using Loss = ember::train::DenoisingScoreMatching<Net>;
    using Opt = ember::train::Sgd<float, Net::param_count>;
    static Net net;
    static Loss loss(0.1f);
    static Opt opt;
    static ember::train::Trainer<Net, Loss, Opt, 4> trainer(net, loss, opt);
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 99;
    cfg.clip_norm = -1.0f;
    CHECK(trainer.configure(cfg) == ember::Status::invalid_argument);
    cfg.clip_norm = 0.0f;
    cfg.lr = ember::train::LrSchedule<float>::constant(NAN);
    CHECK(trainer.configure(cfg) == ember::Status::invalid_argument);
    CHECK(trainer.config().seed == 0); // unchanged
    cfg.lr = ember::train::LrSchedule<float>::constant(0.1f);
    CHECK(trainer.configure(cfg) == ember::Status::ok);
    CHECK(trainer.config().seed == 99);
}

namespace {
// A loss over a model of two blocks: DSM trains the network (block 0) and a
// quadratic (c - 2)^2 pulls the scalar (block 1) to 2. The loss receives the
// whole parameter vector and adds to the whole gradient.
using TwoNet = ember::Mlp<float, ember::Swish, 2, 8>;
using TwoModel = ember::Model<TwoNet, ember::Scalar<float>>;
struct TwoBlockLoss {
    using model_type = TwoModel;
    static constexpr std::size_t input_dim = 2;
    ember::train::DenoisingScoreMatching<TwoModel> dsm{0.2f};
    ember::Status loss_and_grad(const float* p, const ember::train::Points<float>& batch,
                                ember::Pcg32& rng, float* grad, float& loss) noexcept {
        const ember::Status s = dsm.loss_and_grad(p, batch, rng, grad, loss);
        const float c = p[TwoModel::offset<1>];
        grad[TwoModel::offset<1>] += 2.0f * (c - 2.0f);
        loss += (c - 2.0f) * (c - 2.0f);
        return s;
    }
};
} // namespace

TEST_CASE("train: a model of several parameter blocks trains as one vector") {
    static_assert(TwoModel::param_count == TwoNet::param_count + 1);
    static_assert(TwoModel::offset<1> == TwoNet::param_count);
    using Opt = ember::train::Adam<float, TwoModel::param_count>;
    static TwoModel model;
    static TwoBlockLoss loss;
    static Opt opt;
    static ember::train::Trainer<TwoModel, TwoBlockLoss, Opt, 16> trainer(model, loss, opt);
    TwoNet::init_params(model.block<0>(), 3);
    static TwoNet alone; // the same network trained alone, for comparison
    alone.init(3);
    static float data[2 * 64];
    ember::Pcg32 rng(5, 5);
    for (float& v : data) v = ember::normal<float>(rng);
    ember::train::TrainerConfig<float> cfg;
    cfg.lr = ember::train::LrSchedule<float>::constant(0.05f);
    REQUIRE(trainer.configure(cfg) == ember::Status::ok);
    REQUIRE(trainer.set_dataset(ember::Span<const float>(data)) == ember::Status::ok);
    REQUIRE(trainer.run(200) == ember::Status::ok);
    CHECK(model.block<1>()[0] == doctest::Approx(2.0).epsilon(0.02));

    // Block 0 follows exactly the path of the network trained alone by DSM
    // (Adam is element-wise, and DSM leaves block 1's gradient at zero).
    using Dsm = ember::train::DenoisingScoreMatching<TwoNet>;
    using OptA = ember::train::Adam<float, TwoNet::param_count>;
    static Dsm dsm(0.2f);
    static OptA opt_alone;
    static ember::train::Trainer<TwoNet, Dsm, OptA, 16> t_alone(alone, dsm, opt_alone);
    REQUIRE(t_alone.configure(cfg) == ember::Status::ok);
    REQUIRE(t_alone.set_dataset(ember::Span<const float>(data)) == ember::Status::ok);
    REQUIRE(t_alone.run(200) == ember::Status::ok);
    CHECK(std::memcmp(alone.data(), model.block<0>(), sizeof(float) * TwoNet::param_count) == 0);
    // The view of block 0 scores like the network trained alone.
    const float x[2] = {0.3f, -0.1f};
    CHECK(model.view<0>().value(x) == alone.value(x));
}

TEST_CASE("train: footprints are compile-time numbers") {
    using Net = ember::Mlp<float, ember::Swish, 2, 64, 64>;
    using Sm = ember::train::ExactScoreMatching<Net>;
    using Dsm = ember::train::DenoisingScoreMatching<Net>;
    using Opt = ember::train::Adam<float, Net::param_count>;
    using Tr = ember::train::Trainer<Net, Dsm, Opt, 128>;
    static_assert(Sm::workspace_bytes <= sizeof(Sm), "the workspace is part of the loss object");
    static_assert(Dsm::workspace_bytes <= sizeof(Dsm), "the workspace is part of the loss object");
    static_assert(sizeof(Opt) >= 2 * Net::param_count * sizeof(float), "two moments per parameter");
    static_assert(sizeof(ember::train::Sgd<float, Net::param_count>) >=
                      Net::param_count * sizeof(float),
                  "one velocity per parameter");
    static_assert(Tr::footprint_bytes <= sizeof(Tr), "gradient and index buffers are members");
    static_assert(Sm::macs_per_point > Dsm::macs_per_point, "exact SM does D tangents per point");
    MESSAGE("bytes at this SIMD width: ExactScoreMatching "
            << sizeof(Sm) << ", DenoisingScoreMatching " << sizeof(Dsm) << ", Adam " << sizeof(Opt)
            << ", Trainer<128> " << sizeof(Tr));
    CHECK(sizeof(Tr) < 32 * 1024);
}

} // namespace ember_test_train_trainer
