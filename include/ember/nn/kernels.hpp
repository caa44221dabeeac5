// ember — the dense kernels of every MLP pass (internal).
//
// Rows are points (or point-direction pairs); a row holds the units of a
// layer contiguously. The kernels run SIMD across units (the columns) and
// block several rows and packs in registers. Every output element is one
// fixed sequence of fused multiply-adds, so the bits do not depend on the
// SIMD width, the blocking or the number of rows (docs/floating-point.md):
//
//  - `gemm`        out = init + M^T in: one chain of fmas per element over the
//                  inner index s ascending, from init (the bias) or 0;
//  - `dot_out`     w . h of the scalar output in 16 interleaved chains (s mod
//                  16, ascending), added pairwise ((c0 + c1) + (c2 + c3)) ...:
//                  the output layer has one unit, so its sum would otherwise
//                  be one long dependency chain;
//  - `rank_update` C += sum_s a_s b_s^T: one fma per step s, s ascending (a
//                  parameter gradient, point by point).
#pragma once

#include "ember/config.hpp"
#include "ember/simd.hpp"

#include <cstddef>

namespace ember::detail {

/// Vector registers of the target (accumulator tiles are sized to fit).
#if defined(__AVX512F__) || defined(__aarch64__)
inline constexpr std::size_t vector_registers = 32;
#else
inline constexpr std::size_t vector_registers = 16;
#endif

/// n rounded up to a whole number of Pack<T> lanes.
template <class T>
constexpr std::size_t padded(std::size_t n) noexcept {
    constexpr std::size_t w = simd::Pack<T>::width;
    return (n + w - 1) / w * w;
}

// R rows x K packs of outputs, contiguous columns (M(s, c) = M[s * sm + c]):
// R x K accumulators; per s, K loads of M and R broadcasts of the inputs.
template <std::size_t R, std::size_t K, class T>
inline void gemm_tile(const T* M, std::size_t sm, const T* init, const T* in, std::size_t ldi,
                      T* out, std::size_t ldo, std::size_t nsum) noexcept {
    using V = simd::Pack<T>;
    using simd::fma;
    constexpr std::size_t w = V::width;
    V a[R][K];
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t k = 0; k < K; ++k) a[r][k] = init ? V::load(init + k * w) : V(T(0));
#pragma GCC unroll 2
    for (std::size_t s = 0; s < nsum; ++s) {
        const T* m = M + s * sm;
        V wk[K];
#pragma GCC unroll 16
        for (std::size_t k = 0; k < K; ++k) wk[k] = V::load(m + k * w);
#pragma GCC unroll 16
        for (std::size_t r = 0; r < R; ++r) {
            const V x(in[r * ldi + s]);
#pragma GCC unroll 16
            for (std::size_t k = 0; k < K; ++k) a[r][k] = fma(wk[k], x, a[r][k]);
        }
    }
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t k = 0; k < K; ++k) a[r][k].store(out + r * ldo + k * w);
}

// R rows x K outputs one lane each, column stride sc (the reverse sweep
// reading the input-major weights: no transposed copy).
template <std::size_t R, std::size_t K, std::size_t sm, std::size_t sc, class T>
inline void gemm_tile_strided(const T* M, const T* init, const T* in, std::size_t ldi, T* out,
                              std::size_t ldo, std::size_t nsum) noexcept {
    using simd::fma;
    T a[R][K];
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t k = 0; k < K; ++k) a[r][k] = init ? init[k] : T(0);
    for (std::size_t s = 0; s < nsum; ++s) {
        const T* m = M + s * sm;
#pragma GCC unroll 16
        for (std::size_t k = 0; k < K; ++k) {
            const T wk = m[k * sc];
#pragma GCC unroll 16
            for (std::size_t r = 0; r < R; ++r) a[r][k] = fma(wk, in[r * ldi + s], a[r][k]);
        }
    }
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t k = 0; k < K; ++k) out[r * ldo + k] = a[r][k];
}

// Columns c0 .. c0+nt-1 (fewer than a pack, or a strided remainder) of
// every row: scalar tiles of 4 rows x up to 4 columns, so a narrow layer
// (e.g. the gradient of a 2-D input) keeps several fma chains in flight.
template <std::size_t nt, std::size_t sm, std::size_t sc, class T>
inline void gemm_tail(const T* M, const T* init, const T* in, std::size_t ldi, T* out,
                      std::size_t ldo, std::size_t rows, std::size_t nsum) noexcept {
    if constexpr (nt > 0) {
        constexpr std::size_t K = nt < 4 ? nt : 4;
        const std::size_t blocks = rows / 4;
        for (std::size_t b = 0; b < blocks; ++b)
            gemm_tile_strided<4, K, sm, sc>(M, init, in + b * 4 * ldi, ldi, out + b * 4 * ldo, ldo,
                                            nsum);
        for (std::size_t k = 0; k < rows % 4; ++k) {
            const std::size_t r = blocks * 4 + k;
            gemm_tile_strided<1, K, sm, sc>(M, init, in + r * ldi, ldi, out + r * ldo, ldo, nsum);
        }
        gemm_tail<nt - K, sm, sc>(M + K * sc, init ? init + K : nullptr, in, ldi, out + K, ldo,
                                  rows, nsum);
    }
}

// Columns [c, nv) (whole packs) of rows r0 .. r0+R-1, K packs at a time,
// then K-1 ... 1 for what is left.
template <std::size_t R, std::size_t K, class T>
inline void gemm_columns(const T* M, std::size_t sm, const T* init, const T* in, std::size_t ldi,
                         T* out, std::size_t ldo, std::size_t nsum, std::size_t c,
                         std::size_t nv) noexcept {
    constexpr std::size_t w = simd::Pack<T>::width;
    for (; c + K * w <= nv; c += K * w)
        gemm_tile<R, K>(M + c, sm, init ? init + c : nullptr, in, ldi, out + c, ldo, nsum);
    if constexpr (K > 1) gemm_columns<R, K - 1>(M, sm, init, in, ldi, out, ldo, nsum, c, nv);
}

/// out[r * ldo + c] = init[c] + sum_s M(s, c) in[r * ldi + s] for r < rows
/// and c < ncols: one chain of fused multiply-adds per element, s ascending
/// from init (null: from 0). M(s, c) = M[s * sm + c * sc] (compile-time
/// strides). Columns ncols .. np-1 of each row are set to 0 (np: the row's
/// padded width). Contiguous columns (sc == 1) run SIMD across columns;
/// other strides one lane at a time.
template <std::size_t ncols, std::size_t nsum, std::size_t np, std::size_t sm, std::size_t sc,
          class T>
void gemm(const T* M, const T* init, const T* in, std::size_t ldi, T* out, std::size_t ldo,
          std::size_t rows) noexcept {
    constexpr std::size_t w = simd::Pack<T>::width;
    static_assert(np >= ncols, "padded width below the real width");
    // Register tiles: R rows x KR packs per block of rows (a broadcast serves
    // KR fmas, a load of M serves R); a lone row keeps K1 packs in flight,
    // enough independent chains to cover the fma latency.
    constexpr std::size_t R = 4;
    constexpr std::size_t KR = vector_registers >= 32 ? 4 : 3;
    constexpr std::size_t K1 = vector_registers >= 32 ? 12 : 8;
    constexpr std::size_t c_done = sc == 1 ? ncols / w * w : ncols / 8 * 8;
    if constexpr (sc == 1) {
        constexpr std::size_t nv = c_done;
        const std::size_t blocks = rows / R;
        for (std::size_t b = 0; b < blocks; ++b)
            gemm_columns<R, KR>(M, sm, init, in + b * R * ldi, ldi, out + b * R * ldo, ldo, nsum, 0,
                                nv);
        for (std::size_t k = 0; k < rows % R; ++k) {
            const std::size_t r = blocks * R + k;
            gemm_columns<1, K1>(M, sm, init, in + r * ldi, ldi, out + r * ldo, ldo, nsum, 0, nv);
        }
    } else {
        constexpr std::size_t KS = 8;
        constexpr std::size_t nb = c_done;
        std::size_t r = 0;
        for (; r + 2 <= rows; r += 2)
            for (std::size_t c = 0; c < nb; c += KS)
                gemm_tile_strided<2, KS, sm, sc>(M + c * sc, init ? init + c : nullptr,
                                                 in + r * ldi, ldi, out + r * ldo + c, ldo, nsum);
        for (; r < rows; ++r)
            for (std::size_t c = 0; c < nb; c += KS)
                gemm_tile_strided<1, KS, sm, sc>(M + c * sc, init ? init + c : nullptr,
                                                 in + r * ldi, ldi, out + r * ldo + c, ldo, nsum);
    }
    gemm_tail<ncols - c_done, sm, sc>(M + c_done * sc, init ? init + c_done : nullptr, in, ldi,
                                      out + c_done, ldo, rows, nsum);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = ncols; c < np; ++c) out[r * ldo + c] = T(0);
}

/// w . h over n values in 16 interleaved chains (value j in chain j mod 16,
/// ascending, fma from 0), the chains then added pairwise:
/// ((c0 + c1) + (c2 + c3)) + ... . 16 is a multiple of every pack width, so
/// the chains are the same at every width.
template <std::size_t n, class T>
T dot_out(const T* w, const T* h) noexcept {
    using V = simd::Pack<T>;
    using simd::fma;
    constexpr std::size_t S = 16;
    constexpr std::size_t lanes = V::width;
    static_assert(S % lanes == 0, "pack width must divide 16");
    constexpr std::size_t nfull = n / S * S;
    alignas(EMBER_ALIGN) T c[S];
    if constexpr (nfull > 0) {
        V acc[S / lanes];
#pragma GCC unroll 16
        for (std::size_t q = 0; q < S / lanes; ++q) acc[q] = V(T(0));
        for (std::size_t j = 0; j < nfull; j += S)
#pragma GCC unroll 16
            for (std::size_t q = 0; q < S / lanes; ++q)
                acc[q] = fma(V::load(w + j + q * lanes), V::load(h + j + q * lanes), acc[q]);
#pragma GCC unroll 16
        for (std::size_t q = 0; q < S / lanes; ++q) acc[q].store(c + q * lanes);
    } else {
        for (std::size_t k = 0; k < S; ++k) c[k] = T(0);
    }
    for (std::size_t k = 0; k < n - nfull; ++k) c[k] = fma(w[nfull + k], h[nfull + k], c[k]);
#pragma GCC unroll 16
    for (std::size_t m = S / 2; m >= 1; m /= 2)
#pragma GCC unroll 16
        for (std::size_t k = 0; k < m; ++k) c[k] = c[2 * k] + c[2 * k + 1];
    return c[0];
}

/// out[j] = a * w[j] for j < n, 0 for j in [n, np).
template <std::size_t n, std::size_t np, class T>
inline void scale_to(T a, const T* w, T* out) noexcept {
    using V = simd::Pack<T>;
    constexpr std::size_t lanes = V::width;
    constexpr std::size_t nv = n / lanes * lanes;
    for (std::size_t j = 0; j < nv; j += lanes) (V(a) * V::load(w + j)).store(out + j);
    for (std::size_t j = nv; j < n; ++j) out[j] = a * w[j];
    for (std::size_t j = n; j < np; ++j) out[j] = T(0);
}

/// One rank-1 step of `rank_update`: C[i][j] += a[i] * b[j].
template <class T>
struct RankStep {
    const T* a;
    const T* b;
};

/// C[i][j] += sum_s a_s[i] b_s[j] (C is nrows x ncols, row-major): per
/// element one fma per step, steps in the order given. Tiles of four rows by
/// two packs stay in registers across all steps; columns left over run SIMD
/// down the rows instead.
template <std::size_t nrows, std::size_t ncols, class T>
void rank_update(T* C, const RankStep<T>* steps, std::size_t nsteps) noexcept {
    using V = simd::Pack<T>;
    using simd::fma;
    constexpr std::size_t w = V::width;
    constexpr std::size_t nb = nrows / 4 * 4;
    std::size_t j = 0;
    for (; j + 2 * w <= ncols; j += 2 * w) {
        for (std::size_t i = 0; i < nb; i += 4) {
            T* c0 = C + i * ncols + j;
            T* c1 = c0 + ncols;
            T* c2 = c1 + ncols;
            T* c3 = c2 + ncols;
            V s00 = V::load(c0), s01 = V::load(c0 + w), s10 = V::load(c1), s11 = V::load(c1 + w),
              s20 = V::load(c2), s21 = V::load(c2 + w), s30 = V::load(c3), s31 = V::load(c3 + w);
            for (std::size_t s = 0; s < nsteps; ++s) {
                const T* a = steps[s].a + i;
                const T* b = steps[s].b + j;
                const V b0 = V::load(b), b1 = V::load(b + w);
                const V a0(a[0]), a1(a[1]), a2(a[2]), a3(a[3]);
                s00 = fma(a0, b0, s00);
                s01 = fma(a0, b1, s01);
                s10 = fma(a1, b0, s10);
                s11 = fma(a1, b1, s11);
                s20 = fma(a2, b0, s20);
                s21 = fma(a2, b1, s21);
                s30 = fma(a3, b0, s30);
                s31 = fma(a3, b1, s31);
            }
            s00.store(c0);
            s01.store(c0 + w);
            s10.store(c1);
            s11.store(c1 + w);
            s20.store(c2);
            s21.store(c2 + w);
            s30.store(c3);
            s31.store(c3 + w);
        }
        for (std::size_t i = nb; i < nrows; ++i) {
            T* c0 = C + i * ncols + j;
            V s0 = V::load(c0), s1 = V::load(c0 + w);
            for (std::size_t s = 0; s < nsteps; ++s) {
                const V a0(steps[s].a[i]);
                s0 = fma(a0, V::load(steps[s].b + j), s0);
                s1 = fma(a0, V::load(steps[s].b + j + w), s1);
            }
            s0.store(c0);
            s1.store(c0 + w);
        }
    }
    for (; j + w <= ncols; j += w) {
        for (std::size_t i = 0; i < nb; i += 4) {
            T* c0 = C + i * ncols + j;
            T* c1 = c0 + ncols;
            T* c2 = c1 + ncols;
            T* c3 = c2 + ncols;
            V s0 = V::load(c0), s1 = V::load(c1), s2 = V::load(c2), s3 = V::load(c3);
            for (std::size_t s = 0; s < nsteps; ++s) {
                const T* a = steps[s].a + i;
                const V b0 = V::load(steps[s].b + j);
                s0 = fma(V(a[0]), b0, s0);
                s1 = fma(V(a[1]), b0, s1);
                s2 = fma(V(a[2]), b0, s2);
                s3 = fma(V(a[3]), b0, s3);
            }
            s0.store(c0);
            s1.store(c1);
            s2.store(c2);
            s3.store(c3);
        }
        for (std::size_t i = nb; i < nrows; ++i) {
            T* c0 = C + i * ncols + j;
            V s0 = V::load(c0);
            for (std::size_t s = 0; s < nsteps; ++s)
                s0 = fma(V(steps[s].a[i]), V::load(steps[s].b + j), s0);
            s0.store(c0);
        }
    }
    // Columns left over: SIMD down the column (rows i..i+2w), the column
    // gathered into registers and scattered back once per call.
    for (; j < ncols; ++j) {
        std::size_t i = 0;
        for (; i + 2 * w <= nrows; i += 2 * w) {
            alignas(EMBER_ALIGN) T col[2 * w];
            for (std::size_t k = 0; k < 2 * w; ++k) col[k] = C[(i + k) * ncols + j];
            V s0 = V::load(col), s1 = V::load(col + w);
            for (std::size_t s = 0; s < nsteps; ++s) {
                const V bj(steps[s].b[j]);
                s0 = fma(V::load(steps[s].a + i), bj, s0);
                s1 = fma(V::load(steps[s].a + i + w), bj, s1);
            }
            s0.store(col);
            s1.store(col + w);
            for (std::size_t k = 0; k < 2 * w; ++k) C[(i + k) * ncols + j] = col[k];
        }
        for (; i < nrows; ++i) {
            T acc = C[i * ncols + j];
            for (std::size_t s = 0; s < nsteps; ++s) acc = fma(steps[s].a[i], steps[s].b[j], acc);
            C[i * ncols + j] = acc;
        }
    }
}

} // namespace ember::detail
