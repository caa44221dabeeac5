// The samplers written naively: one chain at a time, scalar, straight from
// the formulas (ember::normal_pair for the noise). The tests require the
// vectorized samplers to reproduce these chains bit for bit; the benchmarks
// use them as the no-SIMD baseline.
#pragma once

#include "ember/math.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"

#include <cstddef>
#include <cstdint>

namespace ember_ref {

enum class Kind { mh, ula, mala };

/// One chain in dimension D: position, f, grad f and its stream.
template <class T, std::size_t D>
struct Chain {
    T x[D];
    T f;
    T g[D];
    ember::Pcg32 rng;
};

/// Draws the step's noise exactly as the samplers do: ceil(D/2) normal
/// pairs (the last z dropped for odd D), then the accept uniform.
template <class T, std::size_t D>
void draw(ember::Pcg32& rng, T* z, T& u) {
    for (std::size_t k = 0; 2 * k < D; ++k) {
        T z0, z1;
        ember::normal_pair(rng, z0, z1);
        z[2 * k] = z0;
        if (2 * k + 1 < D) z[2 * k + 1] = z1;
    }
    u = ember::uniform01<T>(rng);
}

/// One step of one chain. `eval(x, g)` returns f(x) and writes grad f(x)
/// when g is not null. Returns true when the chain moved.
template <Kind K, class T, std::size_t D, class Eval>
bool step(Chain<T, D>& c, T eps, Eval&& eval) {
    using ember::simd::fma;
    T z[D] = {}, u = 0;
    draw<T, D>(c.rng, z, u);
    T xp[D] = {}, gp[D] = {};
    const T sq = ember::simd::sqrt(T(2) * eps);
    for (std::size_t d = 0; d < D; ++d) {
        if (K == Kind::mh) {
            xp[d] = fma(eps, z[d], c.x[d]);
        } else {
            xp[d] = fma(sq, z[d], fma(eps, c.g[d], c.x[d]));
        }
    }
    const T fp = K == Kind::mh ? eval(xp, static_cast<T*>(nullptr)) : eval(xp, gp);
    bool finite = ember::simd::is_finite(fp);
    for (std::size_t d = 0; d < D; ++d) {
        finite = finite && ember::simd::is_finite(xp[d]);
        if (K != Kind::mh) finite = finite && ember::simd::is_finite(gp[d]);
    }
    T lr = fp - c.f;
    if (K == Kind::mala) {
        T sf = 0, sb = 0;
        for (std::size_t d = 0; d < D; ++d) {
            const T a = xp[d] - fma(eps, c.g[d], c.x[d]);
            const T b = c.x[d] - fma(eps, gp[d], xp[d]);
            sf = fma(a, a, sf);
            sb = fma(b, b, sb);
        }
        lr = lr + (sf - sb) * ember::simd::div(T(1), T(4) * eps);
    }
    finite = finite && ember::simd::is_finite(lr);
    bool accept = finite;
    if (K != Kind::ula) {
        const T p = finite ? ember::math::exp(lr < T(0) ? lr : T(0)) : T(0);
        accept = u < p;
    }
    if (accept) {
        for (std::size_t d = 0; d < D; ++d) {
            c.x[d] = xp[d];
            if (K != Kind::mh) c.g[d] = gp[d];
        }
        c.f = fp;
    }
    return accept;
}

} // namespace ember_ref
