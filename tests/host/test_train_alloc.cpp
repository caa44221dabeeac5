// Training allocates nothing: every loss, both optimizers and the trainer
// loop run under the allocation guard.
#include "alloc_guard.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/sample/mala.hpp"
#include "ember/train.hpp"

#include <doctest/doctest.h>

namespace ember_test_train_alloc_host { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

template <class Net, class Loss, class Opt>
std::size_t allocations_of_training(const float* data, std::size_t n) {
    static Net net;
    static Loss loss;
    static Opt opt;
    static ember::train::Trainer<Net, Loss, Opt, 32> trainer(net, loss, opt);
    ember_test::AllocationGuard guard;
    net.init(1);
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 3;
    cfg.clip_norm = 10.0f;
    cfg.lr = ember::train::LrSchedule<float>::cosine(1e-3f, 10);
    if (trainer.configure(cfg) != ember::Status::ok) return 1000;
    if (trainer.set_dataset(ember::Span<const float>(data, n * Net::input_dim)) !=
        ember::Status::ok)
        return 1000;
    float last = 0.0f;
    if (trainer.run(10, [&](const ember::train::TrainReport<float>& s) { last = s.loss; }) !=
        ember::Status::ok)
        return 1000;
    (void)trainer.step(ember::Span<const float>(data, 7 * Net::input_dim));
    CHECK(last == last);
    return guard.count();
}

template <class Net, class Loss>
std::size_t allocations_of_nce(const float* data, std::size_t n) {
    using M = typename Loss::model_type;
    using Opt = ember::train::Adam<float, M::param_count>;
    static M model;
    static Loss loss;
    static Opt opt;
    static ember::train::Trainer<M, Loss, Opt, 32> trainer(model, loss, opt);
    ember_test::AllocationGuard guard;
    Net::init_params(model.template block<0>(), 1);
    if (loss.configure({3}) != ember::Status::ok) return 1000;
    if (loss.noise().fit(ember::Span<const float>(data, n * Net::input_dim)) != ember::Status::ok)
        return 1000;
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 3;
    if (trainer.configure(cfg) != ember::Status::ok) return 1000;
    if (trainer.set_dataset(ember::Span<const float>(data, n * Net::input_dim)) !=
        ember::Status::ok)
        return 1000;
    if (trainer.run(10) != ember::Status::ok) return 1000;
    float lp = 0;
    if (ember::log_density(model, data, lp) != ember::Status::ok) return 1000;
    return guard.count();
}

} // namespace

TEST_CASE("training by CD, persistent CD and NCE allocates nothing") {
    using Net = ember::Mlp<float, ember::Swish, 3, 16, 16>;
    using Adam = ember::train::Adam<float, Net::param_count>;
    static float data[3 * 100];
    for (int i = 0; i < 300; ++i) data[i] = 0.01f * float(i % 37) - 0.2f;
    using Cd = ember::train::ContrastiveDivergence<Net, ember::sample::Ula, 24>;
    using Pcd = ember::train::ContrastiveDivergence<Net, ember::sample::Mala, 24, 500>;
    CHECK(allocations_of_training<Net, Cd, Adam>(data, 100) == 0);
    CHECK(allocations_of_training<Net, Pcd, Adam>(data, 100) == 0);
    using M = ember::Model<Net, ember::Scalar<float>>;
    CHECK(allocations_of_nce<Net, ember::train::NoiseContrastiveEstimation<M>>(data, 100) == 0);
    using MDiag = ember::train::GaussianNoise<float, 3, ember::train::Covariance::diagonal>;
    CHECK(allocations_of_nce<Net, ember::train::NoiseContrastiveEstimation<M, MDiag>>(data, 100) ==
          0);
}

TEST_CASE("training allocates nothing") {
    using Net = ember::Mlp<float, ember::Swish, 3, 16, 16>;
    using Adam = ember::train::Adam<float, Net::param_count>;
    using Sgd = ember::train::Sgd<float, Net::param_count>;
    static float data[3 * 100];
    for (int i = 0; i < 300; ++i) data[i] = 0.01f * float(i % 37) - 0.2f;
    CHECK(allocations_of_training<Net, ember::train::ExactScoreMatching<Net>, Adam>(data, 100) ==
          0);
    CHECK(allocations_of_training<Net, ember::train::SlicedScoreMatching<Net, 2>, Sgd>(data, 100) ==
          0);
    CHECK(allocations_of_training<Net, ember::train::SlicedScoreMatchingVR<Net>, Adam>(data, 100) ==
          0);
    CHECK(allocations_of_training<Net, ember::train::DenoisingScoreMatching<Net>, Sgd>(data, 100) ==
          0);
}

} // namespace ember_test_train_alloc_host
