// The `ember` tool's networks and their training and scoring, for one padded
// input size Dpad (instantiated in cli_nets_d<Dpad>.cpp, so the four sizes
// compile in parallel). See cli.hpp for the menu and the padding.
//
// Training (`ember train`): noise-contrastive estimation with the noise as
// the base measure. The noise q is a Gaussian with the covariance of the
// standardised training rows, inflated by noise_scale^2 and a ridge (it
// covers the data and its tails); the model is p(z) = q(z) exp(f(z) - c),
// so the classifier's logit is f(z) - c - log nu (the noise's log_density
// is 0 to ember::train::NoiseContrastiveEstimation) and f learns only the
// log-ratio of data to noise. The energy is -f(z) + |A z|^2 / 2 with A the
// whitening matrix of q (the model file's Gaussian base), so an untrained f
// is the Mahalanobis detector. Adam; the rows are
// split into a training part and a held-out part (seeded); the NCE loss on
// the held-out rows (with noise drawn from a fixed stream, the same at every
// evaluation) is evaluated every eval_every steps and the best parameters
// are kept; training stops after `patience` evaluations without
// improvement. The threshold is the (1 - false_alarm_rate)-quantile of the
// held-out energies (AnomalyDetector::calibrate).
#pragma once

#include "cli.hpp"

#include "ember/detect/anomaly_detector.hpp"
#include "ember/io/model_file.hpp"
#include "ember/nn/activation.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"
#include "ember/train/gaussian_noise.hpp"
#include "ember/train/nce.hpp"
#include "ember/train/optim.hpp"
#include "ember/train/points.hpp"
#include "ember/train/trainer.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace ember::cli::detail {

inline constexpr std::size_t batch_rows = 128;

/// The noise of base-measure NCE: draws from a Gaussian over the first
/// `dim` of Dpad inputs (the others are always 0), log_density 0 (the model
/// is q exp(f - c), so q cancels from the classifier's logit). The noise
/// concept of NoiseContrastiveEstimation (log_density, sample).
template <std::size_t Dpad>
class BaseGaussian {
public:
    /// N(0, cov) over the first dim inputs (cov: dim x dim, row-major, double).
    Status set(std::size_t dim, const std::vector<double>& cov) {
        std::vector<float> mean(Dpad, 0.0f), c(Dpad * Dpad, 0.0f);
        for (std::size_t i = 0; i < Dpad; ++i)
            for (std::size_t j = 0; j < Dpad; ++j)
                c[i * Dpad + j] = i < dim && j < dim ? static_cast<float>(cov[i * dim + j])
                                                     : (i == j ? 1.0f : 0.0f);
        if (const Status s = g_.set(mean.data(), c.data()); s != Status::ok) return s;
        dim_ = dim;
        return Status::ok;
    }
    float log_density(const float*) const noexcept { return 0.0f; }
    void sample(Pcg32& rng, float* x) const noexcept {
        g_.sample(rng, x);
        for (std::size_t d = dim_; d < Dpad; ++d) x[d] = 0.0f;
    }

private:
    train::GaussianNoise<float, Dpad> g_{};
    std::size_t dim_ = Dpad;
};

/// The whitening matrix A = L^-1 of cov = L L^T (dim x dim, double), as the
/// lower triangle of a Dpad-input base (identity rows for the padded
/// inputs), and log det A. False if cov is not positive definite.
template <std::size_t Dpad>
bool whitening(const std::vector<double>& cov, std::size_t dim, std::vector<float>& base,
               double& log_det) {
    std::vector<double> l(dim * dim, 0.0), a(dim * dim, 0.0);
    for (std::size_t i = 0; i < dim; ++i)
        for (std::size_t j = 0; j <= i; ++j) {
            double v = cov[i * dim + j];
            for (std::size_t k = 0; k < j; ++k) v -= l[i * dim + k] * l[j * dim + k];
            if (i == j) {
                if (!(v > 0)) return false;
                l[i * dim + i] = std::sqrt(v);
            } else {
                l[i * dim + j] = v / l[j * dim + j];
            }
        }
    log_det = 0;
    for (std::size_t i = 0; i < dim; ++i) { // A = L^-1, forward substitution per column
        log_det -= std::log(l[i * dim + i]);
        for (std::size_t j = 0; j <= i; ++j) {
            double v = i == j ? 1.0 : 0.0;
            for (std::size_t k = j; k < i; ++k) v -= l[i * dim + k] * a[k * dim + j];
            a[i * dim + j] = v / l[i * dim + i];
        }
    }
    base.clear();
    for (std::size_t i = 0; i < Dpad; ++i)
        for (std::size_t j = 0; j <= i; ++j)
            base.push_back(i < dim ? static_cast<float>(a[i * dim + j]) : (i == j ? 1.0f : 0.0f));
    return true;
}

template <std::size_t Dpad, std::size_t H>
struct Nets {
    using Net = Mlp<float, Swish, Dpad, H, H>;
    using M = Model<Net, Scalar<float>>; // f and c = log Z
    using Loss = train::NoiseContrastiveEstimation<M, BaseGaussian<Dpad>>;
    using Opt = train::Adam<float, M::param_count>;
    using TrainerT = train::Trainer<M, Loss, Opt, batch_rows>;
    using Detector = detect::AnomalyDetector<Net>;
};

// Everything training needs, on the heap of the host (some are large).
template <std::size_t Dpad, std::size_t H>
struct TrainState {
    using N = Nets<Dpad, H>;
    typename N::M model{};
    typename N::Loss loss{};
    typename N::Opt opt{};
    typename N::TrainerT trainer{model, loss, opt};
    typename N::Detector detector{};
    typename N::M best{};
    std::vector<float> grad = std::vector<float>(N::M::param_count);
};

// Rows of dim floats -> rows of Dpad floats (zeros appended).
template <std::size_t Dpad>
std::vector<float> pad_rows(const float* rows, std::size_t n, std::size_t dim) {
    std::vector<float> out(n * Dpad, 0.0f);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t d = 0; d < dim; ++d) out[r * Dpad + d] = rows[r * dim + d];
    return out;
}

template <std::size_t Dpad, std::size_t H>
std::string train_net(const std::vector<float>& rows, std::size_t dim, const TrainSettings& s,
                      const std::function<void(const Progress&)>& on_progress, TrainResult& out) {
    using N = Nets<Dpad, H>;
    using Net = typename N::Net;
    const std::size_t n = rows.size() / dim;
    if (n < 10) return "at least 10 training rows are needed (got " + std::to_string(n) + ")";

    // Split: a seeded permutation; the last `n_val` rows are held out.
    std::vector<std::uint32_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
    Pcg32 split_rng(s.seed, 11);
    for (std::size_t i = n; i > 1; --i) {
        const std::uint32_t j = uniform_index(split_rng, static_cast<std::uint32_t>(i));
        std::swap(order[i - 1], order[j]);
    }
    std::size_t n_val =
        static_cast<std::size_t>(std::lround(static_cast<double>(s.validation) * double(n)));
    if (n_val < 5) n_val = 5;
    if (n - n_val < 5) return "too few rows to hold out a validation part";
    const std::size_t n_train = n - n_val;
    std::vector<float> train_raw(n_train * dim), val_raw(n_val * dim);
    for (std::size_t i = 0; i < n; ++i) {
        float* dst = i < n_train ? &train_raw[i * dim] : &val_raw[(i - n_train) * dim];
        for (std::size_t d = 0; d < dim; ++d) dst[d] = rows[order[i] * dim + d];
    }

    auto st = std::make_unique<TrainState<Dpad, H>>();
    auto& det = st->detector;
    // Standardisation on the training part; the padded inputs keep mean 0, scale 1.
    {
        detect::Standardizer<float, Dpad> fit;
        const std::vector<float> padded = pad_rows<Dpad>(train_raw.data(), n_train, dim);
        if (const Status e = fit.fit({padded.data(), padded.size()}); e != Status::ok)
            return std::string("cannot standardise the data: ") + status_name(e);
        float mean[Dpad], scale[Dpad];
        for (std::size_t d = 0; d < Dpad; ++d) {
            mean[d] = d < dim ? fit.mean()[d] : 0.0f;
            scale[d] = d < dim ? fit.scale()[d] : 1.0f;
        }
        if (const Status e = det.set_standardizer(mean, scale); e != Status::ok)
            return std::string("cannot standardise the data: ") + status_name(e);
    }
    auto standardise = [&](const std::vector<float>& raw, std::size_t count) {
        std::vector<float> padded = pad_rows<Dpad>(raw.data(), count, dim);
        std::vector<float> z(padded.size());
        for (std::size_t r = 0; r < count; ++r)
            det.standardizer().apply(&padded[r * Dpad], &z[r * Dpad]);
        return z;
    };
    const std::vector<float> z_train = standardise(train_raw, n_train);
    const std::vector<float> z_val = standardise(val_raw, n_val);

    // Noise: N(0, noise_scale^2 (C + ridge I)), C the covariance of z_train.
    std::vector<float> base;
    double log_det_a = 0;
    {
        std::vector<double> cov(dim * dim, 0.0), mu(dim, 0.0);
        for (std::size_t r = 0; r < n_train; ++r)
            for (std::size_t d = 0; d < dim; ++d)
                mu[d] += static_cast<double>(z_train[r * Dpad + d]);
        for (double& m : mu) m /= double(n_train);
        for (std::size_t r = 0; r < n_train; ++r)
            for (std::size_t i = 0; i < dim; ++i)
                for (std::size_t j = 0; j < dim; ++j)
                    cov[i * dim + j] += (static_cast<double>(z_train[r * Dpad + i]) - mu[i]) *
                                        (static_cast<double>(z_train[r * Dpad + j]) - mu[j]);
        const double k = double(s.noise_scale) * double(s.noise_scale);
        for (std::size_t i = 0; i < dim; ++i)
            for (std::size_t j = 0; j < dim; ++j)
                cov[i * dim + j] = k * (cov[i * dim + j] / double(n_train) + (i == j ? 1e-2 : 0.0));
        if (const Status e = st->loss.noise().set(dim, cov); e != Status::ok)
            return std::string("cannot fit the noise distribution: ") + status_name(e);
        if (!whitening<Dpad>(cov, dim, base, log_det_a))
            return "cannot fit the noise distribution: the covariance is not positive definite";
    }
    if (st->loss.configure({s.nu}) != Status::ok) return "--nu: 1 to 64";

    // Model: f's initialisation with the padded inputs' weights zeroed; c = 0.
    auto& model = st->model;
    Net::init_params(model.template block<0>(), s.seed + 1);
    for (std::size_t i = dim * H; i < Dpad * H; ++i) model.template block<0>()[i] = 0.0f;
    model.template block<1>()[0] = 0.0f; // f = c = 0: the model is the noise

    train::TrainerConfig<float> cfg;
    cfg.seed = s.seed;
    cfg.lr = train::LrSchedule<float>::constant(s.lr);
    cfg.max_skipped = 16;
    auto& trainer = st->trainer;
    if (trainer.configure(cfg) != Status::ok) return "--lr: invalid learning rate";
    if (const Status e = trainer.set_dataset({z_train.data(), z_train.size()}); e != Status::ok)
        return std::string("cannot use the training rows: ") + status_name(e);

    const auto val_points = train::Points<float>::contiguous({z_val.data(), z_val.size()}, Dpad);
    double val_accuracy = 0;
    auto validate = [&](double& loss) -> Status {
        Pcg32 rng(s.seed, 12); // the same noise at every evaluation
        float l = 0;
        const Status e = st->loss.loss_and_grad(model.data(), val_points, rng, st->grad.data(), l);
        loss = static_cast<double>(l);
        val_accuracy = static_cast<double>(st->loss.accuracy());
        return e;
    };

    Progress p;
    p.max_steps = s.max_steps;
    double best = 0;
    if (const Status e = validate(best); e != Status::ok)
        return std::string("the initial model cannot be evaluated: ") + status_name(e);
    double best_accuracy = val_accuracy;
    st->best = model;
    std::uint32_t best_step = 0, since_best = 0, step = 0, run_skipped = 0;
    double loss_sum = 0;
    std::uint32_t loss_count = 0;
    while (step < s.max_steps) {
        const Status e = trainer.step();
        ++step;
        if (e == Status::ok) {
            loss_sum += double(trainer.last().loss);
            ++loss_count;
            run_skipped = 0;
        } else if (++run_skipped > cfg.max_skipped) {
            return std::string("training diverged: ") + std::to_string(run_skipped) +
                   " steps in a row refused (" + status_name(e) + ")";
        }
        if (step % s.eval_every != 0 && step != s.max_steps) continue;
        double v = 0;
        const Status ve = validate(v);
        p.step = step;
        p.loss = loss_count ? loss_sum / loss_count : 0.0;
        p.val_loss = ve == Status::ok ? v : std::numeric_limits<double>::infinity();
        p.improved = ve == Status::ok && v < best - 1e-4 * std::fabs(best);
        if (p.improved) {
            best = v;
            best_accuracy = val_accuracy;
            st->best = model;
            best_step = step;
            since_best = 0;
        } else {
            ++since_best;
        }
        p.best_val = best;
        loss_sum = 0;
        loss_count = 0;
        if (on_progress) on_progress(p);
        if (since_best >= s.patience) break;
    }

    // The best parameters; threshold from the held-out energies.
    det.rebind(st->best.data());
    det.set_base(base.data());
    std::vector<float> scratch(n_val);
    const std::vector<float> val_padded = pad_rows<Dpad>(val_raw.data(), n_val, dim);
    if (const Status e = det.calibrate({val_padded.data(), val_padded.size()}, s.false_alarm_rate,
                                       {scratch.data(), scratch.size()});
        e != Status::ok)
        return std::string("cannot calibrate the threshold: ") + status_name(e);

    host::FileModel& m = out.model;
    m = host::FileModel{};
    m.arch.scalar = io::scalar_id<float>;
    m.arch.activation = io::activation_id<Swish>;
    m.arch.input_dim = Dpad;
    m.arch.hidden_layers = 2;
    m.arch.hidden[0] = m.arch.hidden[1] = H;
    m.arch.param_count = Net::param_count;
    for (std::size_t i = 0; i < Net::param_count; ++i)
        m.params.push_back(static_cast<double>(st->best.template block<0>()[i]));
    for (std::size_t d = 0; d < Dpad; ++d) {
        m.mean.push_back(static_cast<double>(det.standardizer().mean()[d]));
        m.scale.push_back(static_cast<double>(det.standardizer().scale()[d]));
    }
    // log p(z) = f - c + log q(z) = -energy - (c - log det A + dim/2 log 2 pi).
    m.has_log_z = true;
    m.log_z = static_cast<double>(
        static_cast<float>(double(st->best.template block<1>()[0]) - log_det_a +
                           0.5 * double(dim) * std::log(2.0 * 3.14159265358979323846)));
    for (float a : base) m.base.push_back(static_cast<double>(a));
    m.has_threshold = true;
    m.threshold = static_cast<double>(det.threshold());
    if (host::IoResult r = host::resize_input(m, static_cast<std::uint32_t>(dim)); !r)
        return r.error;
    out.steps = step;
    out.best_step = best_step;
    out.best_val = best;
    out.skipped = trainer.skipped();
    out.train_rows = n_train;
    out.val_rows = n_val;
    out.val_accuracy = best_accuracy;
    return {};
}

template <std::size_t Dpad, std::size_t H>
std::string score_net(const host::FileModel& padded, const std::vector<float>& rows,
                      std::size_t dim, std::vector<float>& energies, std::vector<char>& anomalous) {
    using N = Nets<Dpad, H>;
    using Net = typename N::Net;
    // Through the bytes on purpose: the device's loader (io::load_model) and
    // detector score here, so `ember score` gives the firmware's numbers.
    std::vector<std::uint8_t> bytes;
    if (host::IoResult r = host::encode_model_file(padded, bytes); !r) return r.error;
    auto net = std::make_unique<Net>();
    io::model_meta_t<Net> meta;
    if (const Status e = io::load_model({bytes.data(), bytes.size()}, *net, meta); e != Status::ok)
        return std::string("the model does not load: ") + status_name(e);
    typename N::Detector det(*net);
    if (meta.has_base) det.set_base(meta.base.data());
    if (meta.has_standardization) {
        if (const Status e = det.set_standardizer(meta.standardization.mean.data(),
                                                  meta.standardization.scale.data());
            e != Status::ok)
            return std::string("the model's standardisation is invalid: ") + status_name(e);
    }
    const std::size_t n = rows.size() / dim;
    energies.assign(n, 0.0f);
    anomalous.assign(n, 0);
    float x[Dpad] = {};
    for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t d = 0; d < dim; ++d) x[d] = rows[r * dim + d];
        const Status e = det.score(x, energies[r]);
        if (e != Status::ok)
            return "data row " + std::to_string(r + 1) + ": " + status_name(e) +
                   (e == Status::out_of_range_input
                        ? " (a feature is more than 1e6 training standard deviations away)"
                        : "");
        anomalous[r] = meta.has_threshold && energies[r] > meta.threshold;
    }
    return {};
}

template <std::uint32_t Dpad>
std::string train_padded(const std::vector<float>& rows, std::size_t dim, const TrainSettings& s,
                         const std::function<void(const Progress&)>& on_progress,
                         TrainResult& out) {
    switch (s.hidden) {
    case 16: return train_net<Dpad, 16>(rows, dim, s, on_progress, out);
    case 32: return train_net<Dpad, 32>(rows, dim, s, on_progress, out);
    case 64: return train_net<Dpad, 64>(rows, dim, s, on_progress, out);
    default: return "--hidden: 16,16 or 32,32 or 64,64";
    }
}

template <std::uint32_t Dpad>
std::string score_padded(const host::FileModel& padded, const std::vector<float>& rows,
                         std::size_t dim, std::vector<float>& energies,
                         std::vector<char>& anomalous) {
    switch (padded.arch.hidden[0]) {
    case 16: return score_net<Dpad, 16>(padded, rows, dim, energies, anomalous);
    case 32: return score_net<Dpad, 32>(padded, rows, dim, energies, anomalous);
    case 64: return score_net<Dpad, 64>(padded, rows, dim, energies, anomalous);
    default: return "hidden layers of 16, 32 or 64 units";
    }
}

} // namespace ember::cli::detail

// Explicit instantiation of the tool's functions for one padded size.
#define EMBER_CLI_INSTANTIATE(DPAD)                                                                \
    template std::string ember::cli::detail::train_padded<DPAD>(                                   \
        const std::vector<float>&, std::size_t, const ember::cli::TrainSettings&,                  \
        const std::function<void(const ember::cli::Progress&)>&, ember::cli::TrainResult&);        \
    template std::string ember::cli::detail::score_padded<DPAD>(                                   \
        const ember::host::FileModel&, const std::vector<float>&, std::size_t,                     \
        std::vector<float>&, std::vector<char>&);
