// ember — the training loop.
#pragma once

#include "ember/fp.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"
#include "ember/train/optim.hpp"
#include "ember/train/points.hpp"
#include "ember/train/shuffle.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace ember::train {

/// What one training step did (passed to the per-step callback).
template <class T>
struct TrainReport {
    std::uint32_t step = 0; ///< 0-based index of this step
    T loss = T(0);          ///< mean loss of the minibatch
    T grad_norm = T(0);     ///< gradient norm before clipping
    T lr = T(0);            ///< learning rate used
    /// ok; non_finite_output when the loss or gradient was not finite, or
    /// the optimizer's update would have been (the step was skipped:
    /// parameters and optimizer state untouched); or the loss's or the
    /// optimizer's own refusal (e.g. dimension_mismatch), also with no update.
    Status status = Status::ok;
};

/// Settings of a Trainer.
template <class T>
struct TrainerConfig {
    std::uint64_t seed = 0;                              ///< shuffling and loss noise
    LrSchedule<T> lr = LrSchedule<T>::constant(T(1e-3)); ///< learning rate per step
    T clip_norm = T(0);             ///< clip the gradient norm to this (0: off)
    std::uint32_t max_skipped = 16; ///< run() stops after this many skips in a row
};

/// Minibatch training of a model (an ember::Mlp, or an ember::Model of
/// several parameter blocks) with a loss over that model (e.g.
/// DenoisingScoreMatching<Model>) and an optimizer over its whole parameter
/// vector (Adam<T, Model::param_count>, Sgd), on a caller-owned dataset or on
/// batches the caller supplies. Nothing allocates: the gradient buffer and
/// the minibatch index list are members, sized at compile time.
///
/// Each step zeroes the gradient, lets the loss add its gradient, computes
/// the gradient norm (fixed order), and if the loss or the norm is not
/// finite skips the update (Status::non_finite_output, parameters and
/// optimizer state untouched); otherwise it clips (if configured) and calls
/// the optimizer with the scheduled learning rate (an update that would
/// overflow is refused by the optimizer and skipped the same way). Dataset
/// minibatches walk a seeded permutation of the points, a fresh one per
/// epoch; a batch that runs past the end of an epoch continues in the next,
/// so every batch is full.
///
///     #include "ember/train.hpp"
///
///     using Net = ember::Mlp<float, ember::Swish, 2, 64, 64>;
///     using Loss = ember::train::DenoisingScoreMatching<Net>;
///     using Opt = ember::train::Adam<float, Net::param_count>;
///     static Net net;                // large objects: static, not on the stack
///     static Loss loss(0.1f);        // noise scale sigma
///     static Opt opt;
///     static ember::train::Trainer<Net, Loss, Opt, 128> trainer(net, loss, opt);
///
///     bool train(const float* xy, std::size_t n) {       // n points (x, y)
///         net.init(1);
///         ember::train::TrainerConfig<float> cfg;
///         cfg.seed = 42;
///         cfg.lr = ember::train::LrSchedule<float>::cosine(1e-3f, 5000);
///         if (trainer.configure(cfg) != ember::Status::ok) return false;
///         if (trainer.set_dataset({xy, 2 * n}) != ember::Status::ok) return false;
///         const ember::Status s = trainer.run(5000, [](const auto& info) {
///             if (info.step % 500 == 0)
///                 std::printf("step %u loss %g |g| %g\n", unsigned(info.step),
///                             double(info.loss), double(info.grad_norm));
///             return info.loss > 1e-4f; // false stops early
///         });
///         return s == ember::Status::ok;
///     }
template <class Model, class Loss, class Optimizer, std::size_t Batch>
class Trainer {
    static_assert(Batch >= 1, "ember::train::Trainer: the minibatch needs at least one point");
    static_assert(std::is_same_v<typename Loss::model_type, Model>,
                  "ember::train::Trainer<Model, Loss, ...>: the loss must be over the same model "
                  "type (Loss::model_type)");
    static_assert(Optimizer::size == Model::param_count,
                  "ember::train::Trainer: the optimizer's size must be Model::param_count");

public:
    using T = typename Model::value_type;
    using Report = TrainReport<T>;
    using Config = TrainerConfig<T>;
    static constexpr std::size_t batch_size = Batch;
    static constexpr std::size_t input_dim = Loss::input_dim;

    /// Binds the model, the loss and the optimizer (all caller-owned), with
    /// the default settings (configure() changes them).
    // (Parameter names unlike the README's globals `net`, `loss`, `opt`:
    // GCC's -Wshadow would flag them in the user's translation unit.)
    Trainer(Model& model, Loss& loss_fn, Optimizer& optimizer) noexcept
        : model_(&model), loss_(&loss_fn), opt_(&optimizer) {
        restart();
    }

    /// New settings; restarts the step count, the random streams and the
    /// shuffling (the model and the optimizer state are left as they are).
    /// A run is determined by the seed, the dataset and the starting model.
    /// invalid_argument (and no change) for an invalid learning-rate
    /// schedule (LrSchedule::valid) or a clip_norm that is not finite and
    /// >= 0.
    Status configure(const Config& cfg) noexcept {
        if (!cfg.lr.valid() || !detail::finite_nonneg(cfg.clip_norm))
            return Status::invalid_argument;
        cfg_ = cfg;
        restart();
        return Status::ok;
    }
    const Config& config() const noexcept { return cfg_; }

    /// Uses `points` (count * input_dim values, row-major, caller-owned and
    /// alive while training) as the dataset. dimension_mismatch if the size is
    /// not a positive multiple of input_dim (or above 2^32 - 1 points),
    /// non_finite_input if a value is NaN or infinite.
    Status set_dataset(Span<const T> points) noexcept {
        if (points.size() == 0 || points.size() % input_dim != 0) return Status::dimension_mismatch;
        const std::size_t n = points.size() / input_dim;
        if (n > 0xffffffffu) return Status::dimension_mismatch;
        for (std::size_t i = 0; i < points.size(); ++i)
            if (!simd::is_finite(points[i])) return Status::non_finite_input;
        data_ = points.data();
        n_ = static_cast<std::uint32_t>(n);
        restart_shuffle();
        return Status::ok;
    }

    /// One step on the next minibatch of the dataset: ok, non_finite_output
    /// (step skipped), or invalid_argument if no dataset is set.
    Status step() noexcept {
        if (n_ == 0) return Status::invalid_argument;
        for (std::size_t b = 0; b < Batch; ++b) {
            index_[b] = perm_(static_cast<std::uint32_t>(pos_));
            if (++pos_ == n_) {
                pos_ = 0;
                perm_ = Permutation(n_, shuffle_rng_); // next epoch
            }
        }
        return step_on(Points<T>{data_, input_dim, Batch, index_.data()});
    }

    /// One step on caller-supplied points (any count >= 1, row-major);
    /// dimension_mismatch if the size is not a positive multiple of
    /// input_dim, else as step().
    Status step(Span<const T> batch) noexcept {
        if (batch.size() == 0 || batch.size() % input_dim != 0) return Status::dimension_mismatch;
        return step_on(Points<T>::contiguous(batch, input_dim));
    }

    /// `steps` dataset steps, calling `on_step(const TrainReport<T>&)` after
    /// each; a callback returning false stops early (a void callback never
    /// does). Returns ok, invalid_argument (no dataset), or, after
    /// `max_skipped` skipped steps in a row, the status of the last of them
    /// (non_finite_output, or the loss's refusal such as diverged).
    template <class F>
    Status run(std::uint32_t steps, F&& on_step) noexcept {
        if (n_ == 0) return Status::invalid_argument;
        for (std::uint32_t i = 0; i < steps; ++i) {
            (void)step();
            if constexpr (std::is_same_v<decltype(on_step(last_)), void>) {
                on_step(last_);
            } else {
                if (!on_step(last_)) return Status::ok;
            }
            if (cfg_.max_skipped != 0 && skipped_in_a_row_ >= cfg_.max_skipped) return last_.status;
        }
        return Status::ok;
    }
    /// `steps` dataset steps without a callback.
    Status run(std::uint32_t steps) noexcept {
        return run(steps, [](const Report&) {});
    }

    /// The last step's report.
    const Report& last() const noexcept { return last_; }
    /// Steps taken (applied or skipped) since configure().
    std::uint32_t steps_done() const noexcept { return step_; }
    /// Steps skipped: a non-finite loss, gradient or update, or a refusal of
    /// the loss or the optimizer.
    std::uint32_t skipped() const noexcept { return skipped_; }
    /// The gradient of the last step (after clipping).
    const T* gradient() const noexcept { return grad_.data(); }

    /// Bytes of the trainer itself (the loss, model and optimizer are
    /// separate objects).
    static constexpr std::size_t footprint_bytes =
        sizeof(std::array<T, Model::param_count>) + sizeof(std::array<std::uint32_t, Batch>);

private:
    void restart() noexcept {
        rng_ = Pcg32(cfg_.seed, 0x7472616e); // "tran"
        step_ = 0;
        skipped_ = 0;
        skipped_in_a_row_ = 0;
        restart_shuffle();
        last_ = Report{};
    }

    // The shuffle depends only on the seed and the dataset size.
    void restart_shuffle() noexcept {
        shuffle_rng_ = Pcg32(cfg_.seed, 0x73687566); // "shuf"
        pos_ = 0;
        if (n_ != 0) perm_ = Permutation(n_, shuffle_rng_);
    }

    Status step_on(const Points<T>& batch) noexcept {
        const fp::Scope fp_scope;
        grad_.fill(T(0));
        Report info;
        info.step = step_;
        info.lr = cfg_.lr.at(step_);
        info.status = loss_->loss_and_grad(model_->data(), batch, rng_, grad_.data(), info.loss);
        const T sq = squared_norm(grad_.data(), Model::param_count);
        info.grad_norm = simd::sqrt(sq);
        ++step_;
        // A finite sum of squares means every component and its square are
        // finite (the optimizer's moments stay finite); the parameters the
        // optimizer guards itself (it refuses an update that would overflow).
        if (info.status == Status::ok && !simd::is_finite(sq))
            info.status = Status::non_finite_output;
        if (info.status == Status::ok) {
            if (cfg_.clip_norm > T(0))
                (void)clip_grad_norm(grad_.data(), Model::param_count, info.grad_norm,
                                     cfg_.clip_norm);
            // The optimizer refuses an update that would overflow (nothing changed).
            info.status = opt_->step(model_->data(), grad_.data(), info.lr);
        }
        last_ = info;
        if (info.status != Status::ok) {
            ++skipped_;
            ++skipped_in_a_row_;
            return info.status;
        }
        skipped_in_a_row_ = 0;
        return Status::ok;
    }

    Model* model_;
    Loss* loss_;
    Optimizer* opt_;
    Config cfg_{};
    Pcg32 rng_;
    Pcg32 shuffle_rng_;
    Permutation perm_;
    const T* data_ = nullptr;
    std::uint32_t n_ = 0;
    std::uint32_t pos_ = 0;
    std::uint32_t step_ = 0;
    std::uint32_t skipped_ = 0;
    std::uint32_t skipped_in_a_row_ = 0;
    Report last_{};
    alignas(EMBER_ALIGN) std::array<T, Model::param_count> grad_{};
    std::array<std::uint32_t, Batch> index_{};
};

} // namespace ember::train
