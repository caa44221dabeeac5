// Contrastive divergence and noise-contrastive estimation: gradients against
// central finite differences in double, the Gaussian model's closed-form
// optimum (mean, precision, log Z), the replay buffer's bookkeeping, the
// fitted Gaussian noise, and the statuses of bad settings and diverging runs.
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/sample/mala.hpp"
#include "ember/train.hpp"
#include "fd_check.hpp"
#include "gaussian_model.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace ember_test_train_cd_nce { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

using ember::Status;
using ember_test::dbl;
using ember_test::Quad;

constexpr double kPi = 3.14159265358979323846;

// Data from N(m, S) with m = (0.5, -1), S = A A^T, A = [[1.2, 0], [0.6, 0.5]].
void gaussian_data(float* out, std::size_t n, std::uint64_t seed) {
    ember::Pcg32 rng(seed, 9);
    for (std::size_t i = 0; i < n; ++i) {
        float a, b;
        ember::normal_pair(rng, a, b);
        out[2 * i] = 0.5f + 1.2f * a;
        out[2 * i + 1] = -1.0f + 0.6f * a + 0.5f * b;
    }
}

struct Moments {
    double mean[2];
    double prec[2][2];
};

Moments moments_of(const float* x, std::size_t n) {
    Moments m{};
    double S[2][2] = {{0, 0}, {0, 0}};
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t r = 0; r < 2; ++r) m.mean[r] += dbl(x[2 * i + r]) / double(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t r = 0; r < 2; ++r)
            for (std::size_t c = 0; c < 2; ++c)
                S[r][c] +=
                    (dbl(x[2 * i + r]) - m.mean[r]) * (dbl(x[2 * i + c]) - m.mean[c]) / double(n);
    const double det = S[0][0] * S[1][1] - S[0][1] * S[1][0];
    m.prec[0][0] = S[1][1] / det;
    m.prec[1][1] = S[0][0] / det;
    m.prec[0][1] = m.prec[1][0] = -S[0][1] / det;
    return m;
}

template <class Net>
void init_double(double* p, std::uint64_t seed) {
    Net::init_params(p, seed);
}

} // namespace

// ---- gradients against finite differences ---------------------------------

TEST_CASE("train: NCE gradient (network and log Z) matches finite differences") {
    // Small sizes: double is software on Cortex-M4F.
    using Net = ember::Mlp<double, ember::Swish, 3, 5, 4>;
    using M = ember::Model<Net, ember::Scalar<double>>;
    static M model;
    Net::init_params(model.block<0>(), 4);
    model.block<1>()[0] = 0.3;
    static ember::train::NoiseContrastiveEstimation<M> nce;
    REQUIRE(nce.configure({2}) == Status::ok);
    static double data[3 * 7];
    ember::Pcg32 r(1, 2);
    for (double& v : data) v = ember::normal<double>(r);
    REQUIRE(nce.noise().fit({data, 3 * 7}) == Status::ok);
    const auto batch = ember::train::Points<double>::contiguous({data, 3 * 7}, 3);

    static double grad[M::param_count], fd[M::param_count], g_d[M::param_count];
    double loss = 0;
    ember::Pcg32 rng(7, 1);
    REQUIRE(nce.loss_and_grad(model.data(), batch, rng, grad, loss) == Status::ok);
    // The noise draws do not depend on the parameters: the same rng state
    // gives the same noise points at every perturbation.
    ember_test::central_diff(
        model.data(), M::param_count,
        [&] {
            static double scratch[M::param_count];
            double l = 0;
            ember::Pcg32 rr(7, 1);
            REQUIRE(nce.loss_and_grad(model.data(), batch, rr, scratch, l) == Status::ok);
            return l;
        },
        fd);
    for (std::size_t i = 0; i < M::param_count; ++i) g_d[i] = grad[i];
    CHECK(ember_test::rel_err(g_d, fd, M::param_count) < 1e-7);
    CHECK(std::fabs(grad[M::offset<1>] - fd[M::offset<1>]) < 1e-8);
}

TEST_CASE("train: CD surrogate gradient matches finite differences (negatives fixed)") {
    using Net = ember::Mlp<double, ember::Tanh, 2, 6, 5>;
    static Net net;
    net.init(3);
    static ember::train::ContrastiveDivergence<Net, ember::sample::Ula, 7> cd;
    ember::train::CdConfig<double> cfg;
    cfg.regularization = 0.3;
    REQUIRE(cd.configure(cfg) == Status::ok);
    static double pos[2 * 6], neg[2 * 7];
    ember::Pcg32 r(5, 5);
    for (double& v : pos) v = ember::normal<double>(r);
    for (double& v : neg) v = 2.0 * ember::normal<double>(r);
    const auto P = ember::train::Points<double>::contiguous({pos, 12}, 2);
    const auto N = ember::train::Points<double>::contiguous({neg, 14}, 2);
    static double grad[Net::param_count], fd[Net::param_count];
    double loss = 0;
    REQUIRE(cd.surrogate_and_grad(net.data(), P, N, grad, loss) == Status::ok);
    ember_test::central_diff(
        net.data(), Net::param_count,
        [&] {
            static double scratch[Net::param_count];
            double l = 0;
            REQUIRE(cd.surrogate_and_grad(net.data(), P, N, scratch, l) == Status::ok);
            return l;
        },
        fd);
    CHECK(ember_test::rel_err(grad, fd, Net::param_count) < 1e-7);
    // The value is mean f(x-) - mean f(x+) + alpha (mean f+^2 + mean f-^2).
    double sp = 0, sn = 0, qp = 0, qn = 0;
    for (int i = 0; i < 6; ++i) {
        const double f = net.value(pos + 2 * i);
        sp += f / 6;
        qp += f * f / 6;
    }
    for (int i = 0; i < 7; ++i) {
        const double f = net.value(neg + 2 * i);
        sn += f / 7;
        qn += f * f / 7;
    }
    CHECK(loss == doctest::Approx(sn - sp + 0.3 * (qp + qn)).epsilon(1e-12));
    REQUIRE(cd.surrogate_and_grad(net.data(), P, N, grad, loss) == Status::ok); // report again
    CHECK(cd.report().f_data == doctest::Approx(sp).epsilon(1e-12));
    CHECK(cd.report().f_model == doctest::Approx(sn).epsilon(1e-12));
}

// ---- the Gaussian model's optimum ------------------------------------------

TEST_CASE("train: NCE on a Gaussian model recovers mean, precision and log Z") {
    constexpr std::size_t kN = 4096;
    static float data[2 * kN];
    gaussian_data(data, kN, 3);
    const Moments m = moments_of(data, kN);

    using M = ember::Model<Quad, ember::Scalar<float>>;
    using Loss = ember::train::NoiseContrastiveEstimation<M>;
    using Opt = ember::train::Adam<float, M::param_count>;
    static M model;
    static Loss nce;
    static Opt opt;
    Quad::init_params(model.block<0>(), 5);
    REQUIRE(nce.configure({4}) == Status::ok);
    // A broad noise (not fitted): the model has to find the data itself.
    const float mu_n[2] = {0.0f, 0.0f}, cov_n[4] = {4.0f, 0.0f, 0.0f, 4.0f};
    REQUIRE(nce.noise().set(mu_n, cov_n) == Status::ok);
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 2;
    cfg.lr = ember::train::LrSchedule<float>::cosine(0.03f, 1500, 0.0f);
    static ember::train::Trainer<M, Loss, Opt, 256> trainer(model, nce, opt);
    REQUIRE(trainer.configure(cfg) == Status::ok);
    REQUIRE(trainer.set_dataset({data, 2 * kN}) == Status::ok);
    REQUIRE(trainer.run(1500) == Status::ok);
    CHECK(trainer.skipped() == 0);

    double P[2][2], mu[2];
    ember_test::gaussian_of(model.block<0>(), P, mu);
    MESSAGE("NCE: mu " << mu[0] << " " << mu[1] << " (data " << m.mean[0] << " " << m.mean[1]
                       << "), P " << P[0][0] << " " << P[0][1] << " " << P[1][1] << " (data "
                       << m.prec[0][0] << " " << m.prec[0][1] << " " << m.prec[1][1] << ")");
    for (int r = 0; r < 2; ++r) {
        CHECK(std::fabs(mu[r] - m.mean[r]) < 0.05);
        for (int c = 0; c < 2; ++c) CHECK(std::fabs(P[r][c] - m.prec[r][c]) < 0.1 * m.prec[r][r]);
    }
    // c against the log-partition of exp(f): f(mu) + log 2 pi - 0.5 log det P.
    const float mu_f[2] = {float(mu[0]), float(mu[1])};
    const double f_mu = dbl(model.view<0>().value(mu_f));
    const double det = P[0][0] * P[1][1] - P[0][1] * P[1][0];
    const double log_z = f_mu + std::log(2 * kPi) - 0.5 * std::log(det);
    const double c = dbl(model.block<1>()[0]);
    MESSAGE("NCE: c " << c << ", log Z of exp(f) " << log_z);
    CHECK(std::fabs(c - log_z) < 0.05);
    // log p(x) = f(x) - c.
    float lp = 0;
    REQUIRE(ember::log_density(model, mu_f, lp) == Status::ok);
    CHECK(dbl(lp) == doctest::Approx(f_mu - c).epsilon(1e-5));
    const float bad[2] = {NAN, 0.0f};
    float keep = 42.0f;
    CHECK(ember::log_density(model, bad, keep) == Status::non_finite_input);
    CHECK(keep == 42.0f);
}

TEST_CASE("train: CD-k with MALA on a Gaussian model recovers mean and precision") {
    constexpr std::size_t kN = 2048;
    static float data[2 * kN];
    gaussian_data(data, kN, 4);
    const Moments m = moments_of(data, kN);

    using Loss = ember::train::ContrastiveDivergence<Quad, ember::sample::Mala, 256>;
    using Opt = ember::train::Adam<float, Quad::param_count>;
    static Quad net;
    static Loss cd;
    static Opt opt;
    net.init(5);
    ember::sample::MetropolisConfig<float> mala;
    mala.step_size = 0.1f;
    REQUIRE(cd.sampler().configure(mala) == Status::ok);
    ember::train::CdConfig<float> cc;
    cc.k = 5;
    REQUIRE(cd.configure(cc) == Status::ok);
    ember::train::TrainerConfig<float> cfg;
    cfg.seed = 6;
    cfg.lr = ember::train::LrSchedule<float>::cosine(0.03f, 1500, 0.0f);
    static ember::train::Trainer<Quad, Loss, Opt, 256> trainer(net, cd, opt);
    REQUIRE(trainer.configure(cfg) == Status::ok);
    REQUIRE(trainer.set_dataset({data, 2 * kN}) == Status::ok);
    REQUIRE(trainer.run(1500) == Status::ok);
    CHECK(trainer.skipped() == 0);
    CHECK(cd.report().accept > 0.5f);

    double P[2][2], mu[2];
    ember_test::gaussian_of(net.data(), P, mu);
    MESSAGE("CD-5 MALA: mu " << mu[0] << " " << mu[1] << " (data " << m.mean[0] << " " << m.mean[1]
                             << "), P " << P[0][0] << " " << P[0][1] << " " << P[1][1] << " (data "
                             << m.prec[0][0] << " " << m.prec[0][1] << " " << m.prec[1][1] << ")");
    for (int r = 0; r < 2; ++r) {
        CHECK(std::fabs(mu[r] - m.mean[r]) < 0.05);
        for (int c = 0; c < 2; ++c) CHECK(std::fabs(P[r][c] - m.prec[r][c]) < 0.1 * m.prec[r][r]);
    }
}

// ---- replay buffer ----------------------------------------------------------

TEST_CASE("train: replay buffer keeps its capacity and re-initialises an exact fraction") {
    constexpr std::size_t kCap = 300, kChains = 100;
    static ember::train::ReplayBuffer<float, 3, kCap> buf;
    CHECK(buf.configure(-2.0f, 2.0f, 1.5f) == Status::invalid_argument);
    CHECK(buf.configure(2.0f, -2.0f, 0.05f) == Status::invalid_argument);
    CHECK(buf.configure(-2.0f, NAN, 0.05f) == Status::invalid_argument);
    REQUIRE(buf.configure(-2.0f, 2.0f, 0.05f) == Status::ok);
    CHECK_FALSE(buf.ready());
    ember::Pcg32 rng(11, 0);
    buf.reset(rng);
    REQUIRE(buf.ready());
    bool in_box = true;
    for (std::size_t i = 0; i < kCap * 3; ++i)
        in_box = in_box && buf.points()[i] >= -2.0f && buf.points()[i] < 2.0f;
    CHECK(in_box);
    static float rows[kChains * 3];
    static std::uint32_t slot[kChains];
    static float cols[3 * kChains]; // column layout, ld = kChains
    std::uint64_t total = 0;
    std::size_t hits[kCap] = {};
    constexpr std::uint64_t kSteps = 2000;
    bool copied = true, written = true, small = true, in_range = true;
    for (std::uint64_t s = 0; s < kSteps; ++s) {
        const std::size_t k = buf.draw<kChains>(rng, rows, slot);
        total += k;
        small = small && k <= 6;
        for (std::size_t c = 0; c < kChains; ++c) {
            in_range = in_range && slot[c] < kCap;
            if (slot[c] >= kCap) break;
            ++hits[slot[c]];
            for (std::size_t d = 0; d < 3; ++d) {
                if (c >= k) copied = copied && rows[c * 3 + d] == buf[slot[c]][d];
                cols[d * kChains + c] = rows[c * 3 + d] + 1.0f; // "after k sampler steps"
            }
        }
        buf.store_columns<kChains>(cols, kChains, slot);
        // The last chain drawn for a slot wins.
        for (std::size_t c = 0; c < kChains; ++c) {
            bool later = false;
            for (std::size_t e = c + 1; e < kChains; ++e) later = later || slot[e] == slot[c];
            if (!later)
                for (std::size_t d = 0; d < 3; ++d)
                    written = written && buf[slot[c]][d] == cols[d * kChains + c];
        }
    }
    CHECK(small);
    REQUIRE(in_range);
    CHECK(copied);
    CHECK(written);
    // floor(steps * chains * round(0.05 * 2^16) / 2^16) chains: 0.05 to 2^-16.
    CHECK(total == kSteps * kChains * 3277u / 65536u);
    CHECK(buf.reinitialised() == total);
    CHECK(buf.draws() == kSteps);
    // Slots are drawn uniformly: every one was used, none far off its share.
    const double share = double(kSteps * kChains) / double(kCap);
    double worst = 0;
    for (std::size_t i = 0; i < kCap; ++i)
        worst = std::fmax(worst, std::fabs(double(hits[i]) - share));
    CHECK(worst < 6 * std::sqrt(share));
}

TEST_CASE("train: persistent CD draws from its buffer and writes the chains back") {
    using Net = ember::Mlp<float, ember::Swish, 2, 8, 8>;
    static ember::train::ContrastiveDivergence<Net, ember::sample::Ula, 16, 64> pcd;
    static Net net;
    net.init(2);
    ember::train::CdConfig<float> cfg;
    cfg.k = 3;
    cfg.reinit_fraction = 0.25f;
    cfg.noise_low = -3.0f;
    cfg.noise_high = 3.0f;
    REQUIRE(pcd.configure(cfg) == Status::ok);
    static float data[2 * 16];
    for (int i = 0; i < 32; ++i) data[i] = 0.1f * float(i % 7);
    const auto batch = ember::train::Points<float>::contiguous({data, 32}, 2);
    static float grad[Net::param_count];
    ember::Pcg32 rng(1, 1);
    float loss = 0;
    for (int s = 0; s < 8; ++s) {
        REQUIRE(pcd.loss_and_grad(net.data(), batch, rng, grad, loss) == Status::ok);
        CHECK(pcd.report().reinitialised == 4);
        // Every chain's final position is in the buffer, except where a later
        // chain drew the same slot (the later one wins): the last chain always.
        const auto& st = pcd.chains_state();
        std::size_t found = 0;
        bool last = false;
        for (std::size_t c = 0; c < 16; ++c) {
            bool here = false;
            for (std::size_t i = 0; i < 64 && !here; ++i)
                here = pcd.buffer()[i][0] == st.position(c, 0) &&
                       pcd.buffer()[i][1] == st.position(c, 1);
            found += here ? 1u : 0u;
            last = here;
        }
        CHECK(last);
        CHECK(found >= 12);
    }
    CHECK(pcd.buffer().reinitialised() == 32);
    CHECK(pcd.diverged_steps() == 0);
}

// ---- Gaussian noise ---------------------------------------------------------

TEST_CASE("train: the fitted Gaussian noise has the data's moments and an exact density") {
    constexpr std::size_t kN = 8000;
    static float data[2 * kN];
    gaussian_data(data, kN, 8);
    const Moments m = moments_of(data, kN);
    ember::train::GaussianNoise<float, 2> full;
    REQUIRE(full.fit({data, 2 * kN}, 0.0f) == Status::ok);
    CHECK(dbl(full.mean()[0]) == doctest::Approx(m.mean[0]).epsilon(1e-5));
    CHECK(dbl(full.mean()[1]) == doctest::Approx(m.mean[1]).epsilon(1e-5));
    // Sigma = L L^T against the sample covariance (inverse of m.prec).
    const double l00 = dbl(full.cholesky(0, 0)), l10 = dbl(full.cholesky(1, 0)),
                 l11 = dbl(full.cholesky(1, 1));
    CHECK(full.cholesky(0, 1) == 0.0f);
    const double det_p = m.prec[0][0] * m.prec[1][1] - m.prec[0][1] * m.prec[1][0];
    CHECK(l00 * l00 == doctest::Approx(m.prec[1][1] / det_p).epsilon(1e-4));
    CHECK(l10 * l00 == doctest::Approx(-m.prec[0][1] / det_p).epsilon(1e-4));
    CHECK(l10 * l10 + l11 * l11 == doctest::Approx(m.prec[0][0] / det_p).epsilon(1e-4));

    // log density in closed form (double).
    const float x[2] = {1.3f, -0.2f};
    const double dx0 = 1.3 - dbl(full.mean()[0]), dx1 = dbl(-0.2f) - dbl(full.mean()[1]);
    const double s00 = l00 * l00, s01 = l10 * l00, s11 = l10 * l10 + l11 * l11;
    const double det = s00 * s11 - s01 * s01;
    const double q = (s11 * dx0 * dx0 - 2 * s01 * dx0 * dx1 + s00 * dx1 * dx1) / det;
    const double want = -0.5 * q - 0.5 * std::log(det) - std::log(2 * kPi);
    CHECK(dbl(full.log_density(x)) == doctest::Approx(want).epsilon(2e-6));
    CHECK(dbl(full.log_det()) == doctest::Approx(std::log(det)).epsilon(1e-5));

    // Samples have the fitted moments (within 4 standard errors).
    static float draws[2 * kN];
    ember::Pcg32 rng(4, 4);
    for (std::size_t i = 0; i < kN; ++i) full.sample(rng, draws + 2 * i);
    const Moments md = moments_of(draws, kN);
    for (int r = 0; r < 2; ++r) {
        const double se = std::sqrt((r == 0 ? s00 : s11) / double(kN));
        CHECK(std::fabs(md.mean[r] - m.mean[r]) < 4 * se);
        CHECK(md.prec[r][r] == doctest::Approx(m.prec[r][r]).epsilon(0.05));
    }

    // Diagonal: the variances only.
    ember::train::GaussianNoise<float, 2, ember::train::Covariance::diagonal> diag;
    REQUIRE(diag.fit({data, 2 * kN}, 0.0f) == Status::ok);
    CHECK(dbl(diag.cholesky(0, 0)) * dbl(diag.cholesky(0, 0)) ==
          doctest::Approx(s00).epsilon(1e-4));
    CHECK(dbl(diag.cholesky(1, 1)) * dbl(diag.cholesky(1, 1)) ==
          doctest::Approx(s11).epsilon(1e-4));
    CHECK(diag.cholesky(1, 0) == 0.0f);
}

TEST_CASE("train: Gaussian noise refuses data it cannot fit and keeps its distribution") {
    ember::train::GaussianNoise<float, 2> g;
    const float constant[6] = {1.0f, 2.0f, 1.0f, 3.0f, 1.0f, 4.0f}; // x0 constant
    CHECK(g.fit({constant, 6}, 0.0f) == Status::invalid_argument);
    CHECK(g.mean()[0] == 0.0f); // still N(0, I)
    CHECK(g.cholesky(0, 0) == 1.0f);
    CHECK(g.fit({constant, 6}) == Status::ok); // the default ridge makes it definite
    const float nan_data[4] = {1.0f, NAN, 0.0f, 0.0f};
    CHECK(g.fit({nan_data, 4}) == Status::non_finite_input);
    CHECK(g.fit({constant, 5}) == Status::dimension_mismatch);
    CHECK(g.fit({constant, 6}, -1.0f) == Status::invalid_argument);
    const float mu[2] = {0, 0}, not_pd[4] = {1, 2, 2, 1};
    CHECK(g.set(mu, not_pd) == Status::invalid_argument);
    CHECK(g.mean()[0] == 1.0f);
}

// ---- settings and divergence ------------------------------------------------

TEST_CASE("train: CD and NCE refuse bad settings and report diverging runs") {
    using Net = ember::Mlp<float, ember::Swish, 2, 8, 8>;
    static ember::train::ContrastiveDivergence<Net, ember::sample::Ula, 8> cd;
    ember::train::CdConfig<float> bad;
    bad.k = 0;
    CHECK(cd.configure(bad) == Status::invalid_argument);
    bad = {};
    bad.regularization = -1.0f;
    CHECK(cd.configure(bad) == Status::invalid_argument);
    bad = {};
    bad.noise_low = 1.0f;
    bad.noise_high = 1.0f;
    CHECK(cd.configure(bad) == Status::invalid_argument);
    bad = {};
    bad.max_abs_f = NAN;
    CHECK(cd.configure(bad) == Status::invalid_argument);
    CHECK(cd.config().k == 10); // unchanged default

    using M = ember::Model<Net, ember::Scalar<float>>;
    static ember::train::NoiseContrastiveEstimation<M> nce;
    CHECK(nce.configure({0}) == Status::invalid_argument);
    CHECK(nce.configure({65}) == Status::invalid_argument);
    CHECK(nce.config().nu == 1);

    // |f| above max_abs_f: diverged, and the trainer leaves the parameters.
    static Net net;
    net.init(1);
    float* out_bias = net.data() + Net::layout::output_bias_offset;
    *out_bias = 50.0f;
    ember::train::CdConfig<float> cfg;
    cfg.k = 2;
    cfg.max_abs_f = 20.0f;
    REQUIRE(cd.configure(cfg) == Status::ok);
    using Opt = ember::train::Adam<float, Net::param_count>;
    static Opt opt;
    static ember::train::Trainer<Net, decltype(cd), Opt, 8> trainer(net, cd, opt);
    static float data[16];
    for (int i = 0; i < 16; ++i) data[i] = 0.25f * float(i % 5);
    static Net before;
    before = net;
    CHECK(trainer.step(ember::Span<const float>(data)) == Status::diverged);
    CHECK(cd.report().status == Status::diverged);
    CHECK(cd.report().max_abs_f > 20.0f);
    CHECK(cd.diverged_steps() == 1);
    CHECK(std::memcmp(before.data(), net.data(), sizeof(float) * Net::param_count) == 0);
    CHECK(trainer.skipped() == 1);
    CHECK(std::strcmp(ember::status_name(Status::diverged), "diverged") == 0);
}

TEST_CASE("sample: Ula::move lands where step() does, without evaluating the target") {
    using Net = ember::Mlp<float, ember::Swish, 3, 8, 8>;
    static Net net;
    net.init(4);
    using Target = ember::sample::MlpTarget<Net>;
    static Target target(net);
    ember::sample::UlaConfig<float> cfg;
    cfg.step_size = 0.05f;
    static ember::sample::Ula<Target> ula(target, cfg);
    static ember::sample::ChainState<float, 3, 13> a, b;
    static float x0[13 * 3];
    for (int i = 0; i < 39; ++i) x0[i] = 0.1f * float(i % 11) - 0.5f;
    REQUIRE(ula.init(a, {x0, 39}, 5) == Status::ok);
    REQUIRE(ula.init(b, {x0, 39}, 5) == Status::ok);
    for (int t = 0; t < 3; ++t) {
        REQUIRE(ula.step(a) == Status::ok);
        REQUIRE(ula.move(b) == Status::ok); // then step() recomputes f and grad f
    }
    REQUIRE(ula.step(a) == Status::ok);
    REQUIRE(ula.step(b) == Status::ok);
    CHECK(std::memcmp(a.x, b.x, sizeof a.x) == 0);
    CHECK(std::memcmp(a.f, b.f, sizeof a.f) == 0);
    CHECK(b.report.n_accepted == 13);
    REQUIRE(ula.move(b) == Status::ok);
    CHECK_FALSE(b.grad_valid);
    CHECK(b.steps == 5);
    static ember::sample::ChainState<float, 3, 13> fresh;
    CHECK(ula.move(fresh) == Status::invalid_argument);
}

} // namespace ember_test_train_cd_nce
