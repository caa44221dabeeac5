// Sampler runs whose bits must be identical on every target (and whatever
// the SIMD width): positions, f, acceptance probabilities, adapted step
// sizes and diagnostics after a few steps of MALA, ULA and MH, on an MLP and
// a Gaussian, with chain counts that leave pad lanes. Shared by the golden
// test (compares) and ember_make_golden (prints the table).
#pragma once

#include "ember/nn/mlp.hpp"
#include "ember/random.hpp"
#include "ember/sample.hpp"

#include <cstddef>
#include <cstdint>

namespace golden {

namespace sample_detail {

// Start rows from a fixed stream, independent of the SIMD width.
template <std::size_t N>
void start_rows(float (&rows)[N], std::uint64_t seed) {
    ember::Pcg32 rng(seed, 3);
    for (auto& v : rows) v = ember::normal<float>(rng);
}

// Reports the state of C chains in dimension D after a run.
template <std::size_t D, std::size_t C, class Emit>
void emit_state(const char* tag, const ember::sample::ChainState<float, D, C>& s, Emit& emit) {
    static float rows[D * C];
    static float counts[3 * C];
    s.copy_rows(rows);
    emit(tag, "x", rows, D * C);
    emit(tag, "f", s.f, C);
    emit(tag, "accept_prob", s.report.accept_prob, C);
    for (std::size_t c = 0; c < C; ++c) {
        counts[c] = static_cast<float>(s.n_accepted[c]);
        counts[C + c] = static_cast<float>(s.n_non_finite[c]);
        counts[2 * C + c] = static_cast<float>(s.n_divergent[c]);
    }
    emit(tag, "counts", counts, 3 * C);
    const float summary[2] = {s.step_size, s.report.mean_accept_prob};
    emit(tag, "step_size_mean_accept", summary, 2);
}

} // namespace sample_detail

template <class Emit>
void sample_cases(Emit& emit) {
    namespace es = ember::sample;
    using Net = ember::Mlp<float, ember::Swish, 3, 10, 8>;
    using Mlp = es::MlpTarget<Net>;
    static Net net;
    net.init(5);
    static Mlp mlp(net);

    { // MALA, 13 chains (pad lanes on every width > 1). A random MLP's
        // density is not normalisable, so no step-size adaptation here.
        es::MetropolisConfig<float> cfg;
        cfg.step_size = 0.05f;
        static es::Mala<Mlp> mala(mlp, cfg);
        static es::ChainState<float, 3, 13> s;
        static float rows[13 * 3];
        sample_detail::start_rows(rows, 1);
        if (mala.init(s, rows, 42) != ember::Status::ok) return;
        static es::Diagnostics<float, 13, 8> diag;
        diag.reset();
        for (int t = 0; t < 20; ++t) {
            if (mala.step(s) != ember::Status::ok) return;
            diag.record(s);
        }
        sample_detail::emit_state("mala_mlp_13", s, emit);
        const float d[3] = {diag.split_rhat(), diag.ess(), diag.mean_energy()};
        emit("mala_mlp_13", "rhat_ess_energy", d, 3);
    }
    { // MALA, 2 chains one at a time (the one-point MLP kernels).
        es::MetropolisConfig<float> cfg;
        cfg.step_size = 0.2f;
        cfg.path = es::Path::points;
        static es::Mala<Mlp> mala(mlp, cfg);
        static es::ChainState<float, 3, 2> s;
        static float rows[2 * 3];
        sample_detail::start_rows(rows, 2);
        if (mala.init(s, rows, 7) != ember::Status::ok) return;
        for (int t = 0; t < 20; ++t)
            if (mala.step(s) != ember::Status::ok) return;
        sample_detail::emit_state("mala_mlp_points_2", s, emit);
    }
    { // ULA with gradient clipping and tempered noise.
        es::UlaConfig<float> cfg;
        cfg.step_size = 0.05f;
        cfg.grad_clip = 0.2f;
        cfg.tempered = true;
        cfg.noise_std = 0.1f;
        static es::Ula<Mlp> ula(mlp, cfg);
        static es::ChainState<float, 3, 13> s;
        static float rows[13 * 3];
        sample_detail::start_rows(rows, 3);
        if (ula.init(s, rows, 9) != ember::Status::ok) return;
        for (int t = 0; t < 15; ++t)
            if (ula.step(s) != ember::Status::ok) return;
        sample_detail::emit_state("ula_mlp_13", s, emit);
    }
    { // Random-walk MH with warm-up on a correlated Gaussian, 7 chains.
        using G = es::GaussianTarget<float, 2>;
        static G gauss;
        const float mu[2] = {0.5f, -0.25f};
        const float prec[4] = {2.0f, -0.9f, -0.9f, 1.0f};
        gauss.set(mu, prec);
        es::MetropolisConfig<float> cfg;
        cfg.step_size = 0.7f;
        cfg.warmup_steps = 10;
        static es::RandomWalkMh<G> mh(gauss, cfg);
        static es::ChainState<float, 2, 7> s;
        static float rows[7 * 2];
        sample_detail::start_rows(rows, 4);
        if (mh.init(s, rows, 11) != ember::Status::ok) return;
        for (int t = 0; t < 25; ++t)
            if (mh.step(s) != ember::Status::ok) return;
        sample_detail::emit_state("mh_gauss_7", s, emit);

        // MALA with warm-up on the same Gaussian, 5 chains.
        es::MetropolisConfig<float> mcfg;
        mcfg.step_size = 2.0f;
        mcfg.warmup_steps = 12;
        static es::Mala<G> mala(gauss, mcfg);
        static es::ChainState<float, 2, 5> m;
        static float mrows[5 * 2];
        sample_detail::start_rows(mrows, 5);
        if (mala.init(m, mrows, 13) != ember::Status::ok) return;
        for (int t = 0; t < 25; ++t)
            if (mala.step(m) != ember::Status::ok) return;
        sample_detail::emit_state("mala_gauss_5", m, emit);
    }
}

} // namespace golden
