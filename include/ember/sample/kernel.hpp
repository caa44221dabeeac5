// ember — the step machinery shared by the samplers (MH, ULA, MALA).
//
// A step processes one group of chains at a time end to end — draw the
// noise, propose, evaluate the target, accept or reject, store — so the
// group's data stays in L1. A group is `width` chains in SIMD lanes
// (V = simd::Pack<T>), or one chain with V = T when there are few chains and
// the target has a faster one-point path (Path::points). Both give the same
// bits: every operation is lane-wise and every per-chain sum (over d) runs
// in index order.
//
// Random numbers of chain c come from its own stream, in a fixed order per
// step: for k = 0 .. ceil(D/2)-1 one Box-Muller pair (uniform_pos, then
// uniform01: exactly ember::normal_pair) giving z[2k] and z[2k+1] (the last
// one dropped when D is odd), then one uniform01 u for the accept test. So a
// chain's path depends only on its seed, stream and starting point — not on
// the number of chains, the SIMD width or the target machine.
//
// Accept test (Metropolis samplers): with log ratio r (f(x') - f(x) plus the
// proposal correction), p = exp(min(r, 0)) (0 when anything is non-finite)
// and the chain moves iff u < p. A proposal whose x', f(x'), grad f(x') or r
// is NaN/inf is rejected and counted for that chain.
#pragma once

#include "ember/config.hpp"
#include "ember/fp.hpp"
#include "ember/math.hpp"
#include "ember/random.hpp"
#include "ember/sample/adapt.hpp"
#include "ember/sample/sampler_config.hpp"
#include "ember/sample/state.hpp"
#include "ember/sample/target.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ember::sample {

namespace detail {

template <class V>
struct lanes_of_t {
    static constexpr std::size_t value = V::width;
};
template <>
struct lanes_of_t<float> {
    static constexpr std::size_t value = 1;
};
template <>
struct lanes_of_t<double> {
    static constexpr std::size_t value = 1;
};
template <class V>
inline constexpr std::size_t lanes_of = lanes_of_t<V>::value;

/// The machinery of a sampler with proposal/acceptance rule `Policy` (see
/// mh.hpp, langevin.hpp, mala.hpp) over a target (target.hpp). Public
/// members are documented on the samplers.
template <class Target, class Policy>
class Core {
public:
    using target_type = Target;
    using value_type = typename Target::value_type;
    using config_type = typename Policy::config_type;
    using pack_type = simd::Pack<value_type>;
    static constexpr std::size_t dim = Target::dim;
    static constexpr std::size_t width = pack_type::width;
    /// State of `Chains` chains for this sampler.
    template <std::size_t Chains>
    using State = ChainState<value_type, dim, Chains>;

    /// Samples from `target` (kept by pointer: it must outlive the sampler).
    /// A constructor cannot report a bad `config`: init() and step() then
    /// return invalid_argument until configure() installs a valid one.
    explicit Core(Target& target, const config_type& config = {}) noexcept
        : target_(&target), policy_(config), config_ok_(Policy::check(config) == Status::ok) {
        for (std::size_t i = 0; i < width; ++i) lane_index_[i] = static_cast<value_type>(i);
    }

    /// The configuration.
    const config_type& config() const noexcept { return policy_.config; }
    /// Checks and installs another configuration: invalid_argument (and the
    /// previous one kept) if a field is out of its documented range. The
    /// step size, warm-up length and target acceptance reach a state at its
    /// next init() (target and dual-averaging constants also at
    /// start_warmup()); the rest applies from the next step.
    Status configure(const config_type& c) noexcept {
        if (Policy::check(c) != Status::ok) return Status::invalid_argument;
        policy_.config = c;
        config_ok_ = true;
        return Status::ok;
    }
    /// The target being sampled.
    Target& target() noexcept { return *target_; }
    /// Metropolis samplers: the acceptance rate warm-up adapts toward,
    /// config().target_accept or, when that is 0, the sampler's optimal rate.
    template <class P = Policy, std::enable_if_t<P::adapts, int> = 0>
    value_type target_accept() const noexcept {
        return policy_.target_accept();
    }

    /// True when states of `Chains` chains are stepped one chain at a time.
    template <std::size_t Chains>
    static constexpr bool uses_points(Path p) noexcept {
        return p == Path::points ||
               (p == Path::automatic && Target::prefers_points && Chains * 4 <= width);
    }

    /// Starts C chains at `rows[c * D + d]` on streams `stream_base + c` of
    /// `seed`, evaluates f (and grad f) there, resets counts and step size.
    template <std::size_t C>
    Status init(State<C>& s, Span<const value_type> rows, std::uint64_t seed,
                std::uint64_t stream_base = 0) noexcept {
        if (rows.size() != C * dim) return Status::dimension_mismatch;
        if (!config_ok_) return Status::invalid_argument;
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (!simd::is_finite(rows[i])) return Status::non_finite_input;
        const fp::Scope fp_scope;
        s.ready = false;
        for (std::size_t c = 0; c < State<C>::ld; ++c) {
            // Pad lanes start as copies of the last chain: finite, harmless.
            const std::size_t src = c < C ? c : C - 1;
            for (std::size_t d = 0; d < dim; ++d) s.x[d * State<C>::ld + c] = rows[src * dim + d];
        }
        return finish_init(s, seed, stream_base);
    }

    /// As init(), from `x[d * ldx + c]` (ldx >= C).
    template <std::size_t C>
    Status init_columns(State<C>& s, const value_type* x, std::size_t ldx, std::uint64_t seed,
                        std::uint64_t stream_base = 0) noexcept {
        if (ldx < C) return Status::invalid_argument;
        if (!config_ok_) return Status::invalid_argument;
        for (std::size_t d = 0; d < dim; ++d)
            for (std::size_t c = 0; c < C; ++c)
                if (!simd::is_finite(x[d * ldx + c])) return Status::non_finite_input;
        const fp::Scope fp_scope;
        s.ready = false;
        for (std::size_t c = 0; c < State<C>::ld; ++c) {
            const std::size_t src = c < C ? c : C - 1;
            for (std::size_t d = 0; d < dim; ++d) s.x[d * State<C>::ld + c] = x[d * ldx + src];
        }
        return finish_init(s, seed, stream_base);
    }

    /// Moves chain c to `row` (its stream and counts continue).
    template <std::size_t C>
    Status set_chain(State<C>& s, std::size_t c, Span<const value_type> row) noexcept {
        using T = value_type;
        if (!s.ready) return Status::invalid_argument;
        if (c >= C) return Status::invalid_argument;
        if (row.size() != dim) return Status::dimension_mismatch;
        for (std::size_t d = 0; d < dim; ++d)
            if (!simd::is_finite(row[d])) return Status::non_finite_input;
        const fp::Scope fp_scope;
        T x[dim] = {}, g[dim] = {};
        for (std::size_t d = 0; d < dim; ++d) x[d] = row[d];
        const T f =
            Policy::uses_grad || s.grad_valid ? target_->value_and_grad(x, g) : target_->value(x);
        bool fin = simd::is_finite(f);
        if (Policy::uses_grad || s.grad_valid)
            for (std::size_t d = 0; d < dim; ++d) fin = fin && simd::is_finite(g[d]);
        if (!fin) return Status::non_finite_output;
        constexpr std::size_t ld = State<C>::ld;
        for (std::size_t d = 0; d < dim; ++d) s.x[d * ld + c] = x[d];
        if (Policy::uses_grad || s.grad_valid)
            for (std::size_t d = 0; d < dim; ++d) s.g[d * ld + c] = g[d];
        s.f[c] = f;
        return Status::ok;
    }

    /// Target prepare() and the cached f (and grad f) at every chain again.
    template <std::size_t C>
    Status refresh(State<C>& s) noexcept {
        if (!s.ready) return Status::invalid_argument;
        const fp::Scope fp_scope;
        target_->prepare();
        const std::size_t bad = evaluate_all(s, Policy::uses_grad || s.grad_valid, true);
        return bad == 0 ? Status::ok : Status::non_finite_output;
    }

    /// Adapts the step size again during the next `steps` steps, from the
    /// state's current step size. invalid_argument if the state was not
    /// initialised or the config is invalid. Samplers without adaptation
    /// (Ula) do nothing.
    template <std::size_t C>
    Status start_warmup(State<C>& s, std::uint32_t steps) noexcept {
        if (!s.ready || !config_ok_) return Status::invalid_argument;
        if constexpr (Policy::adapts) {
            const Status st =
                s.adapt.start(s.step_size, policy_.target_accept(), policy_.config.adaptation);
            if (st != Status::ok) return st;
            s.warmup_left = steps;
        } else {
            (void)steps;
        }
        return Status::ok;
    }

    /// One step of every chain; what it did is in `s.report`. ok;
    /// non_finite_output if at least one chain's proposal (x', f or grad f)
    /// was NaN/inf: those chains were rejected, kept their last finite
    /// state and are flagged in the report; invalid_argument if the state
    /// was not initialised or the config is invalid (nothing done).
    template <std::size_t C>
    Status step(State<C>& s) noexcept {
        using T = value_type;
        if (!s.ready || !config_ok_) return Status::invalid_argument;
        const fp::Scope fp_scope;
        StepReport<T, C>& rep = s.report;
        if (Policy::uses_grad && !s.grad_valid) {
            // After an MH step g is stale: recompute f and g at x (same bits).
            (void)evaluate_all(s, true, false);
        }
        rep.n_accepted = rep.n_non_finite = rep.n_divergent = 0;
        rep.step_size = s.step_size;
        const typename Policy::Consts k = policy_.consts(s.step_size);
        const T thr = policy_.config.divergence_threshold;
        if (uses_points<C>(policy_.config.path)) {
            for (std::size_t c = 0; c < C; ++c) step_group<T>(s, k, thr, c, 1);
        } else {
            for (std::size_t c0 = 0; c0 < C; c0 += width)
                step_group<pack_type>(s, k, thr, c0, C - c0 < width ? C - c0 : width);
        }
        T sum(0);
        for (std::size_t c = 0; c < C; ++c) sum += rep.accept_prob[c];
        rep.mean_accept_prob = simd::div(sum, static_cast<T>(C));
        ++s.steps;
        if (!Policy::uses_grad) s.grad_valid = false;
        if constexpr (Policy::adapts) {
            if (s.warmup_left > 0) {
                s.step_size = s.adapt.update(rep.mean_accept_prob);
                if (--s.warmup_left == 0) s.step_size = s.adapt.final_step_size();
            }
        }
        rep.status = rep.n_non_finite == 0 ? Status::ok : Status::non_finite_output;
        return rep.status;
    }

    /// Unadjusted samplers (Ula) only: moves every chain to its proposal
    /// without evaluating the target there: the same draws and the same
    /// positions as step() for every proposal that step() would accept, for
    /// one target evaluation less (e.g. the last step before the positions
    /// are used elsewhere, as contrastive divergence does). A non-finite
    /// proposal leaves its chain in place and is flagged and counted as in
    /// step(); f and grad f are stale afterwards (the next step() or
    /// refresh() recomputes them). ok, non_finite_output (some proposals
    /// were not finite), or invalid_argument (state not initialised, config
    /// invalid).
    template <std::size_t C, class P = Policy, std::enable_if_t<!P::metropolis, int> = 0>
    Status move(State<C>& s) noexcept {
        using T = value_type;
        if (!s.ready || !config_ok_) return Status::invalid_argument;
        const fp::Scope fp_scope;
        StepReport<T, C>& rep = s.report;
        if (!s.grad_valid) (void)evaluate_all(s, true, false);
        rep.n_accepted = rep.n_non_finite = rep.n_divergent = 0;
        rep.step_size = s.step_size;
        const typename Policy::Consts k = policy_.consts(s.step_size);
        if (uses_points<C>(policy_.config.path)) {
            for (std::size_t c = 0; c < C; ++c) move_group<T>(s, k, c, 1);
        } else {
            for (std::size_t c0 = 0; c0 < C; c0 += width)
                move_group<pack_type>(s, k, c0, C - c0 < width ? C - c0 : width);
        }
        T sum(0);
        for (std::size_t c = 0; c < C; ++c) sum += rep.accept_prob[c];
        rep.mean_accept_prob = simd::div(sum, static_cast<T>(C));
        ++s.steps;
        s.grad_valid = false;
        rep.status = rep.n_non_finite == 0 ? Status::ok : Status::non_finite_output;
        return rep.status;
    }

private:
    using T_ = value_type;
    static constexpr std::size_t pairs = (dim + 1) / 2;
    // Uniform/normal buffers: pairs x width for a lane group, pairs (padded
    // to whole packs) for one chain.
    static constexpr std::size_t noise_len = pairs * width;

    template <std::size_t C>
    Status finish_init(State<C>& s, std::uint64_t seed, std::uint64_t stream_base) noexcept {
        target_->prepare();
        for (std::size_t c = 0; c < State<C>::ld; ++c) {
            const Pcg32 r(seed, stream_base + c);
            s.rng_state[c] = r.state();
            s.rng_inc[c] = r.increment();
        }
        for (std::size_t c = 0; c < C; ++c) {
            s.n_accepted[c] = s.n_non_finite[c] = s.n_divergent[c] = 0;
            s.report.flags[c] = 0;
            s.report.accept_prob[c] = T_(0);
        }
        s.report.n_accepted = s.report.n_non_finite = s.report.n_divergent = 0;
        s.report.mean_accept_prob = T_(0);
        s.report.status = Status::ok;
        s.steps = 0;
        s.step_size = policy_.config.step_size;
        s.report.step_size = s.step_size;
        s.warmup_left = 0;
        if constexpr (Policy::adapts) {
            if (s.adapt.start(s.step_size, policy_.target_accept(), policy_.config.adaptation) !=
                Status::ok)
                return Status::invalid_argument;
            s.warmup_left = policy_.config.warmup_steps;
        }
        const std::size_t bad = evaluate_all(s, Policy::uses_grad, false);
        if (bad != 0) return Status::non_finite_output;
        s.grad_valid = Policy::uses_grad;
        s.ready = true;
        return Status::ok;
    }

    // f (and g) at every chain's x, pad lanes included. Returns the number of
    // real chains with a non-finite result; with `count` they are flagged
    // and counted in the state.
    template <std::size_t C>
    std::size_t evaluate_all(State<C>& s, bool grad, bool count) noexcept {
        std::size_t bad = 0;
        if (uses_points<C>(policy_.config.path)) {
            for (std::size_t c = 0; c < C; ++c) bad += evaluate_group<T_>(s, grad, count, c, 1);
        } else {
            for (std::size_t c0 = 0; c0 < C; c0 += width)
                bad +=
                    evaluate_group<pack_type>(s, grad, count, c0, C - c0 < width ? C - c0 : width);
        }
        if (grad) s.grad_valid = true;
        return bad;
    }

    template <class V, std::size_t C>
    std::size_t evaluate_group(State<C>& s, bool grad, bool count, std::size_t c0,
                               std::size_t live) noexcept {
        constexpr std::size_t ld = State<C>::ld;
        V* x = work<V>().xp;
        V* g = work<V>().gp;
        for (std::size_t d = 0; d < dim; ++d) x[d] = load<V>(s.x + d * ld + c0);
        const V f = grad ? target_->value_and_grad(x, g) : target_->value(x);
        auto fin = simd::is_finite(f);
        if (grad)
            for (std::size_t d = 0; d < dim; ++d) fin = fin & simd::is_finite(g[d]);
        store(f, s.f + c0);
        if (grad)
            for (std::size_t d = 0; d < dim; ++d) store(g[d], s.g + d * ld + c0);
        using simd::select;
        store(select(fin, V(T_(1)), V(T_(0))), out_fin_);
        std::size_t bad = 0;
        for (std::size_t c = 0; c < live; ++c) {
            const bool ok = out_fin_[c] != T_(0);
            bad += !ok;
            if (count) {
                s.report.flags[c0 + c] = ok ? std::uint8_t(0) : std::uint8_t(step_non_finite);
                if (!ok) ++s.n_non_finite[c0 + c];
            }
        }
        return bad;
    }

    // 1. Noise: Box-Muller pairs per chain into z0_, z1_, then the accept
    // uniform into ua_ (all G streams step together; pad lanes get u1 = 1,
    // u2 = 0, ua = 1).
    template <class V, std::size_t C>
    void draw_noise(State<C>& s, std::size_t c0, std::size_t live) noexcept {
        using T = T_;
        constexpr std::size_t G = lanes_of<V>;
        constexpr std::size_t n = (pairs * G + width - 1) / width * width;
        static_assert(n <= noise_len, "noise buffers too small");
        std::uint64_t* st = s.rng_state + c0;
        const std::uint64_t* inc = s.rng_inc + c0;
        for (std::size_t p = 0; p < pairs; ++p) {
            detail::pcg_uniforms<T, G, true>(st, inc, u1_ + p * G);
            detail::pcg_uniforms<T, G, false>(st, inc, u2_ + p * G);
        }
        detail::pcg_uniforms<T, G, false>(st, inc, ua_);
        if (live < G) {
            for (std::size_t p = 0; p < pairs; ++p) {
                for (std::size_t c = live; c < G; ++c) {
                    u1_[p * G + c] = T(1);
                    u2_[p * G + c] = T(0);
                }
            }
            for (std::size_t c = live; c < G; ++c) ua_[c] = T(1);
        }
        for (std::size_t i = pairs * G; i < n; ++i) {
            u1_[i] = T(1);
            u2_[i] = T(0);
        }
        for (std::size_t i = 0; i < n; i += width) {
            pack_type z0, z1;
            ember::detail::box_muller(pack_type::load_aligned(u1_ + i),
                                      pack_type::load_aligned(u2_ + i), z0, z1);
            z0.store_aligned(z0_ + i);
            z1.store_aligned(z1_ + i);
        }
    }

    // ULA's proposal without the target: x' for every finite proposal.
    template <class V, std::size_t C>
    void move_group(State<C>& s, const typename Policy::Consts& k, std::size_t c0,
                    std::size_t live) noexcept {
        using T = T_;
        using simd::select;
        constexpr std::size_t G = lanes_of<V>;
        constexpr std::size_t ld = State<C>::ld;
        draw_noise<V>(s, c0, live);
        V* xp = work<V>().xp;
        auto fin = simd::is_finite(V(T(0)));
        for (std::size_t d = 0; d < dim; ++d) {
            const V x = load<V>(s.x + d * ld + c0);
            const V g = load<V>(s.g + d * ld + c0);
            const V z = load<V>((d % 2 == 0 ? z0_ : z1_) + d / 2 * G);
            xp[d] = policy_.propose(x, g, z, k);
            fin = fin & simd::is_finite(xp[d]);
        }
        auto acc = fin;
        if constexpr (G > 1) acc = acc & (load<V>(lane_index_) < V(static_cast<T>(live)));
        for (std::size_t d = 0; d < dim; ++d) {
            T* px = s.x + d * ld + c0;
            store(select(acc, xp[d], load<V>(px)), px);
        }
        store(select(fin, V(T(1)), V(T(0))), out_fin_);
        StepReport<T, C>& rep = s.report;
        for (std::size_t c = 0; c < live; ++c) {
            const bool ok = out_fin_[c] != T(0);
            rep.flags[c0 + c] = ok ? std::uint8_t(step_accepted) : std::uint8_t(step_non_finite);
            rep.accept_prob[c0 + c] = ok ? T(1) : T(0);
            if (ok) {
                ++rep.n_accepted;
                ++s.n_accepted[c0 + c];
            } else {
                ++rep.n_non_finite;
                ++s.n_non_finite[c0 + c];
            }
        }
    }

    template <class V, std::size_t C>
    void step_group(State<C>& s, const typename Policy::Consts& k, T_ thr, std::size_t c0,
                    std::size_t live) noexcept {
        using T = T_;
        using simd::min;
        using simd::select;
        constexpr std::size_t G = lanes_of<V>;
        constexpr std::size_t ld = State<C>::ld;

        draw_noise<V>(s, c0, live);

        // 2. Proposal.
        V* xp = work<V>().xp;
        V* gp = work<V>().gp;
        for (std::size_t d = 0; d < dim; ++d) {
            const V x = load<V>(s.x + d * ld + c0);
            V g(T(0));
            if constexpr (Policy::uses_grad) g = load<V>(s.g + d * ld + c0);
            const V z = load<V>((d % 2 == 0 ? z0_ : z1_) + d / 2 * G);
            xp[d] = policy_.propose(x, g, z, k);
        }

        // 3. Target at the proposal.
        V fp;
        if constexpr (Policy::uses_grad) {
            fp = target_->value_and_grad(xp, gp);
        } else {
            fp = target_->value(xp);
        }

        // 4. Log ratio, finiteness, acceptance.
        const V f = load<V>(s.f + c0);
        V lr = fp - f;
        auto fin = simd::is_finite(fp);
        for (std::size_t d = 0; d < dim; ++d) {
            fin = fin & simd::is_finite(xp[d]);
            if constexpr (Policy::uses_grad) fin = fin & simd::is_finite(gp[d]);
        }
        if constexpr (Policy::corrected) {
            V sf(T(0)), sb(T(0));
            for (std::size_t d = 0; d < dim; ++d) {
                const V x = load<V>(s.x + d * ld + c0);
                const V g = load<V>(s.g + d * ld + c0);
                policy_.accumulate(x, g, xp[d], gp[d], k, sf, sb);
            }
            lr = lr + policy_.correction(sf, sb, k);
        }
        fin = fin & simd::is_finite(lr);
        V prob;
        auto acc = fin;
        if constexpr (Policy::metropolis) {
            prob = select(fin, math::exp(min(lr, V(T(0)))), V(T(0)));
            acc = load<V>(ua_) < prob;
        } else {
            prob = select(fin, V(T(1)), V(T(0)));
        }
        if constexpr (G > 1) acc = acc & (load<V>(lane_index_) < V(static_cast<T>(live)));
        const auto div = fin & (lr < V(-thr));

        // 5. Store the updated state.
        for (std::size_t d = 0; d < dim; ++d) {
            T* px = s.x + d * ld + c0;
            store(select(acc, xp[d], load<V>(px)), px);
        }
        if constexpr (Policy::uses_grad) {
            for (std::size_t d = 0; d < dim; ++d) {
                T* pg = s.g + d * ld + c0;
                store(select(acc, gp[d], load<V>(pg)), pg);
            }
        }
        store(select(acc, fp, f), s.f + c0);

        // 6. Per-chain report (real lanes only).
        store(select(acc, V(T(1)), V(T(0))), out_acc_);
        store(select(fin, V(T(1)), V(T(0))), out_fin_);
        store(select(div, V(T(1)), V(T(0))), out_div_);
        store(prob, out_prob_);
        StepReport<T, C>& rep = s.report;
        for (std::size_t c = 0; c < live; ++c) {
            std::uint8_t fl = 0;
            if (out_acc_[c] != T(0)) {
                fl |= step_accepted;
                ++rep.n_accepted;
                ++s.n_accepted[c0 + c];
            }
            if (out_fin_[c] == T(0)) {
                fl |= step_non_finite;
                ++rep.n_non_finite;
                ++s.n_non_finite[c0 + c];
            }
            if (out_div_[c] != T(0)) {
                fl |= step_divergent;
                ++rep.n_divergent;
                ++s.n_divergent[c0 + c];
            }
            rep.flags[c0 + c] = fl;
            rep.accept_prob[c0 + c] = out_prob_[c];
        }
    }

    template <class V>
    struct Work {
        V xp[dim];
        V gp[dim];
    };
    template <class V>
    Work<V>& work() noexcept {
        if constexpr (std::is_floating_point_v<V>) {
            return work1_;
        } else {
            return workp_;
        }
    }

    Target* target_;
    Policy policy_;
    bool config_ok_; // policy_.config passed Policy::check
    alignas(EMBER_ALIGN) T_ u1_[noise_len];
    alignas(EMBER_ALIGN) T_ u2_[noise_len];
    alignas(EMBER_ALIGN) T_ z0_[noise_len];
    alignas(EMBER_ALIGN) T_ z1_[noise_len];
    alignas(EMBER_ALIGN) T_ ua_[width];
    alignas(EMBER_ALIGN) T_ lane_index_[width];
    alignas(EMBER_ALIGN) T_ out_acc_[width];
    alignas(EMBER_ALIGN) T_ out_fin_[width];
    alignas(EMBER_ALIGN) T_ out_div_[width];
    alignas(EMBER_ALIGN) T_ out_prob_[width];
    Work<pack_type> workp_;
    Work<T_> work1_;
};

} // namespace detail
} // namespace ember::sample
