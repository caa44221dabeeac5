// ember — maximum likelihood by contrastive divergence: CD-k and persistent
// CD with a replay buffer, negatives drawn by any ember sampler.
#pragma once

#include "ember/fp.hpp"
#include "ember/nn/engine.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"
#include "ember/sample/langevin.hpp"
#include "ember/sample/state.hpp"
#include "ember/sample/target.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"
#include "ember/train/points.hpp"
#include "ember/train/replay_buffer.hpp"
#include "ember/train/score_matching.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace ember::train {

namespace detail {

template <class S, class = void>
struct has_move : std::false_type {};
template <class S>
struct has_move<S, std::void_t<decltype(std::declval<S&>().move(
                       std::declval<typename S::template State<1>&>()))>> : std::true_type {};

} // namespace detail

/// Where the chains of CD-k start each step.
enum class ChainStart : std::uint8_t {
    data,  ///< at the minibatch (point c mod B for chain c): classic CD-k
    noise, ///< uniform noise in [noise_low, noise_high]^D
};

/// Settings of ContrastiveDivergence.
template <class T>
struct CdConfig {
    std::uint32_t k = 10;                ///< sampler steps per parameter step (>= 1)
    ChainStart start = ChainStart::data; ///< CD-k only (persistent chains start in the buffer)
    T noise_low = T(-1);                 ///< noise box (chain starts, buffer re-initialisation)
    T noise_high = T(1);
    T reinit_fraction = T(0.05); ///< persistent: chains restarted from noise per step, in [0, 1]
    /// alpha >= 0: adds alpha (mean f(x+)^2 + mean f(x-)^2) to the loss, which
    /// keeps f near 0 (the regulariser of the published image-EBM recipes).
    T regularization = T(0);
    /// > 0: a step whose |f| at a data point or a negative exceeds this is
    /// refused with Status::diverged (0: no limit).
    T max_abs_f = T(0);
};

/// What the last loss_and_grad() saw.
template <class T>
struct CdReport {
    T f_data = T(0);  ///< mean f over the minibatch
    T f_model = T(0); ///< mean f over the negatives (chains after k steps)
    T max_abs_f = T(0);
    T accept = T(0);                        ///< mean acceptance probability over the k steps
    std::uint32_t non_finite_proposals = 0; ///< rejected NaN/inf proposals, over chains and steps
    std::uint32_t reinitialised = 0;        ///< chains started from noise (persistent)
    Status status = Status::ok;
};

/// Maximum-likelihood training by contrastive divergence. The gradient of
/// the negative log-likelihood is E_model[grad f] - E_data[grad f]; the
/// model expectation is taken over `Chains` chains of the sampler
/// `Sampler` (sample::Ula, sample::Mala or sample::RandomWalkMh over the
/// network f) after `k` steps. The loss minimised is the surrogate
///
///     L = mean_neg f(x-) - mean_data f(x+) + alpha (mean f(x+)^2 + mean f(x-)^2)
///
/// with the negatives held fixed, so its gradient is pass 1 of every row
/// with gamma = (-1 + 2 alpha f) / B for data and (1 + 2 alpha f) / Chains
/// for negatives (docs/passes.md). L is not a likelihood: it goes up and
/// down; watch report().f_data - report().f_model and the samples.
///
/// With an unadjusted sampler (Ula) the last of the k steps is a move()
/// without a target evaluation (the surrogate evaluates the negatives), the
/// same positions for one evaluation less.
///
/// Capacity = 0 is CD-k: every step the chains start at the data (or at
/// noise) on fresh random streams. Capacity > 0 is persistent CD with a
/// ReplayBuffer of that many points: chains start at uniformly drawn buffer
/// points, a fixed fraction at fresh noise, and are written back after the
/// k steps (Du & Mordatch 2019).
///
/// Divergence is reported, never patched: NaN/inf proposals are rejected by
/// the sampler and counted in the report; a non-finite f at a data point or
/// negative gives non_finite_output, |f| above max_abs_f gives diverged (the
/// Trainer then skips the step). Sampler settings (step size, gradient
/// clipping) through sampler().configure().
///
///     using Net = ember::Mlp<float, ember::Swish, 2, 64, 64>;
///     using Cd = ember::train::ContrastiveDivergence<Net, ember::sample::Ula, 128>;
///     static Cd cd;                                   // large: static
///     ember::sample::UlaConfig<float> ula;
///     ula.step_size = 3e-3f;
///     if (cd.sampler().configure(ula) != ember::Status::ok) ...
///     ember::train::CdConfig<float> cfg;
///     cfg.k = 10;
///     if (cd.configure(cfg) != ember::Status::ok) ...
///     // ... then a Trainer<Net, Cd, Adam<float, Net::param_count>, 128> as usual
///
/// Randomness from the loss's rng, in this order per step: the buffer slots
/// and noise (persistent) or the noise starts (ChainStart::noise), then two
/// outputs seeding the chains' streams. Memory: the chain state, the start
/// rows, the negatives, the Engine chunk and the transposed weights (twice:
/// the sampler's target keeps its own), plus the buffer.
template <class Model, template <class> class Sampler = sample::Ula, std::size_t Chains = 128,
          std::size_t Capacity = 0>
class ContrastiveDivergence {
    static_assert(Chains >= 1, "ContrastiveDivergence needs at least one chain");

public:
    using model_type = Model;
    using Net = energy_net_t<Model>;
    static_assert(is_mlp_v<Net>, "ContrastiveDivergence<Model>: Model is an ember::Mlp or an "
                                 "ember::Model whose block 0 is one");
    using Spec = typename Net::spec_type;
    using T = typename Spec::value_type;
    using target_type = sample::MlpTarget<Net>;
    using sampler_type = Sampler<target_type>;
    using state_type = sample::ChainState<T, Spec::input_dim, Chains>;
    using Config = CdConfig<T>;
    using Report = CdReport<T>;
    static constexpr std::size_t D = Spec::input_dim;
    static constexpr std::size_t input_dim = D;
    static constexpr std::size_t chains = Chains;
    static constexpr std::size_t capacity = Capacity;
    static constexpr bool persistent = Capacity > 0;
    using Engine = ember::Engine<Spec, detail::chunk_points<T>(0)>;
    static constexpr const char* name = persistent ? "pcd" : "cd";
    /// True when the sampler has no accept step (Ula): its last step per
    /// parameter step is a move() without evaluation.
    static constexpr bool unadjusted = detail::has_move<sampler_type>::value;

    ContrastiveDivergence() noexcept : sampler_(target_) { (void)configure(Config{}); }
    ContrastiveDivergence(const ContrastiveDivergence&) = delete; // the sampler points at target_
    ContrastiveDivergence& operator=(const ContrastiveDivergence&) = delete;

    /// invalid_argument (and no change) unless k >= 1, the noise box is
    /// finite with low < high, 0 <= reinit_fraction <= 1, and regularization
    /// and max_abs_f are finite and >= 0. Persistent: a changed box or fraction
    /// applies from the next re-initialisation; the buffer is kept.
    Status configure(const Config& cfg) noexcept {
        if (cfg.k < 1) return Status::invalid_argument;
        if (cfg.start != ChainStart::data && cfg.start != ChainStart::noise)
            return Status::invalid_argument;
        if (!simd::is_finite(cfg.regularization) || !(cfg.regularization >= T(0)) ||
            !simd::is_finite(cfg.max_abs_f) || !(cfg.max_abs_f >= T(0)))
            return Status::invalid_argument;
        if (!simd::is_finite(cfg.noise_low) || !simd::is_finite(cfg.noise_high) ||
            !(cfg.noise_low < cfg.noise_high) || !(cfg.reinit_fraction >= T(0)) ||
            !(cfg.reinit_fraction <= T(1)))
            return Status::invalid_argument;
        if constexpr (persistent) {
            if (const Status s =
                    buffer_.configure(cfg.noise_low, cfg.noise_high, cfg.reinit_fraction);
                s != Status::ok)
                return s;
        }
        cfg_ = cfg;
        return Status::ok;
    }
    const Config& config() const noexcept { return cfg_; }

    /// The sampler drawing the negatives (configure its step size here).
    sampler_type& sampler() noexcept { return sampler_; }
    /// The chains after the last step's k sampler steps.
    const state_type& chains_state() const noexcept { return state_; }
    /// What the last loss_and_grad() saw.
    const Report& report() const noexcept { return report_; }
    /// Steps refused as non_finite_output or diverged since construction.
    std::uint64_t diverged_steps() const noexcept { return diverged_steps_; }

    /// The replay buffer (persistent CD only); filled with noise from the
    /// loss's rng at the first step, or now with reset_buffer().
    template <std::size_t C = Capacity, std::enable_if_t<(C > 0), int> = 0>
    const ReplayBuffer<T, D, C>& buffer() const noexcept {
        return buffer_;
    }
    /// Forgets the buffer (persistent CD) and the divergence count: the next
    /// step starts as the first one after construction did, refilling the
    /// buffer with noise from the loss's rng.
    void restart() noexcept {
        if constexpr (persistent) buffer_.clear();
        diverged_steps_ = 0;
        report_ = Report{};
    }
    /// Refills the buffer with noise from rng.
    template <std::size_t C = Capacity, std::enable_if_t<(C > 0), int> = 0>
    void reset_buffer(Pcg32& rng) noexcept {
        buffer_.reset(rng);
    }

    /// Draws the negatives (k sampler steps over the network with
    /// parameters `params`), then surrogate_and_grad(); sets report().
    Status loss_and_grad(const T* params, const Points<T>& batch, Pcg32& rng, T* grad,
                         T& loss) noexcept {
        if (const Status st = detail::check_batch(batch, D); st != Status::ok) return st;
        const fp::Scope fp_scope;
        report_ = Report{};
        std::size_t reinit = 0;
        if constexpr (persistent) {
            if (!buffer_.ready()) buffer_.reset(rng);
            reinit = buffer_.template draw<Chains>(rng, start_, slot_);
        } else {
            for (std::size_t c = 0; c < Chains; ++c) {
                const T* src = batch[c % batch.count];
                for (std::size_t d = 0; d < D; ++d)
                    start_[c * D + d] = cfg_.start == ChainStart::data ? src[d] : noise(rng);
            }
        }
        report_.reinitialised = static_cast<std::uint32_t>(reinit);
        const std::uint64_t hi = rng(), lo = rng();
        target_.rebind(params);
        Status st = sampler_.init(state_, Span<const T>(start_, Chains * D), (hi << 32) | lo);
        if (st != Status::ok) return refuse(st);
        T accept(0);
        std::uint32_t bad = 0;
        for (std::uint32_t i = 0; i < cfg_.k; ++i) {
            // An unadjusted sampler's last step needs no target evaluation at
            // its proposal: the surrogate evaluates the negatives anyway.
            if constexpr (unadjusted) {
                st = i + 1 == cfg_.k ? sampler_.move(state_) : sampler_.step(state_);
            } else {
                st = sampler_.step(state_);
            }
            if (st != Status::ok && st != Status::non_finite_output) return refuse(st);
            accept += state_.report.mean_accept_prob;
            bad += static_cast<std::uint32_t>(state_.report.n_non_finite);
        }
        report_.accept = simd::div(accept, static_cast<T>(cfg_.k));
        report_.non_finite_proposals = bad;
        if constexpr (persistent)
            buffer_.template store_columns<Chains>(state_.x, state_type::ld, slot_);
        state_.copy_rows(neg_);
        return surrogate_and_grad(params, batch, Points<T>{neg_, D, Chains, nullptr}, grad, loss);
    }

    /// The surrogate L of the class comment at given negatives and its
    /// gradient (added to grad; the negatives are constants). Sets the f
    /// fields of report(). non_finite_output if an f is not finite, diverged
    /// if |f| exceeds max_abs_f (grad may then hold part of the gradient).
    Status surrogate_and_grad(const T* params, const Points<T>& data, const Points<T>& negatives,
                              T* grad, T& loss) noexcept {
        if (const Status st = detail::check_batch(data, D); st != Status::ok) return st;
        if (const Status st = detail::check_batch(negatives, D); st != Status::ok) return st;
        const fp::Scope fp_scope;
        constexpr std::size_t G = Engine::points;
        const std::size_t B = data.count, C = negatives.count, rows = B + C;
        const T sb = simd::div(T(1), static_cast<T>(B));
        const T sc = simd::div(T(1), static_cast<T>(C));
        const T alpha = cfg_.regularization;
        rev_.prepare(params);
        const PassWeights<T> w{params, rev_.data()};
        T sum_pos(0), sum_neg(0), sq_pos(0), sq_neg(0), max_abs(0);
        for (std::size_t start = 0; start < rows; start += G) {
            const std::size_t valid = rows - start < G ? rows - start : G;
            for (std::size_t n = 0; n < G; ++n) {
                const std::size_t i = start + (n < valid ? n : 0);
                const T* src = i < B ? data[i] : negatives[i - B];
                T* x = e_.x + n * Engine::DP;
                for (std::size_t d = 0; d < D; ++d) x[d] = src[d];
            }
            e_.forward(params);
            for (std::size_t n = 0; n < G; ++n) {
                if (n >= valid) {
                    e_.gamma[n] = T(0);
                    continue;
                }
                const T fn = e_.f[n];
                if (!simd::is_finite(fn)) return refuse(Status::non_finite_output);
                const T a = simd::abs(fn);
                max_abs = a > max_abs ? a : max_abs;
                const T reg = T(2) * alpha * fn;
                if (start + n < B) {
                    sum_pos += fn;
                    sq_pos = simd::fma(fn, fn, sq_pos);
                    e_.gamma[n] = (reg - T(1)) * sb;
                } else {
                    sum_neg += fn;
                    sq_neg = simd::fma(fn, fn, sq_neg);
                    e_.gamma[n] = (reg + T(1)) * sc;
                }
            }
            report_.max_abs_f = max_abs;
            if (cfg_.max_abs_f > T(0) && max_abs > cfg_.max_abs_f) return refuse(Status::diverged);
            e_.backward(w, valid, grad);
        }
        report_.f_data = sum_pos * sb;
        report_.f_model = sum_neg * sc;
        T value = report_.f_model - report_.f_data;
        value = simd::fma(alpha, simd::fma(sq_pos, sb, sq_neg * sc), value);
        report_.status = simd::is_finite(value) ? Status::ok : Status::non_finite_output;
        if (report_.status != Status::ok) return refuse(report_.status);
        loss = value;
        return Status::ok;
    }

    static constexpr std::size_t workspace_bytes =
        sizeof(Engine) + sizeof(ReverseWeights<Spec>) + sizeof(state_type) + sizeof(target_type);

private:
    Status refuse(Status s) noexcept {
        report_.status = s;
        if (s == Status::non_finite_output || s == Status::diverged) ++diverged_steps_;
        return s;
    }
    T noise(Pcg32& rng) const noexcept {
        return simd::fma(uniform01<T>(rng), cfg_.noise_high - cfg_.noise_low, cfg_.noise_low);
    }

    target_type target_{};
    sampler_type sampler_;
    state_type state_{};
    Engine e_;
    ReverseWeights<Spec> rev_;
    Config cfg_{};
    Report report_{};
    std::uint64_t diverged_steps_ = 0;
    alignas(EMBER_ALIGN) T start_[Chains * D] = {};
    alignas(EMBER_ALIGN) T neg_[Chains * D] = {};
    std::uint32_t slot_[persistent ? Chains : 1] = {};
    struct NoBuffer {};
    std::conditional_t<persistent, ReplayBuffer<T, D, (Capacity > 0 ? Capacity : 1)>, NoBuffer>
        buffer_{};
};

} // namespace ember::train
