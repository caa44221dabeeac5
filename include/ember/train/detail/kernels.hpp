// ember — dense kernels of the batched training passes (internal).
//
// Rows are points (or point-direction pairs); each row holds the units of a
// layer contiguously, padded to whole SIMD packs, so the kernels run SIMD
// across units and block several rows in registers. Every output element is
// one chain of fused multiply-adds in a fixed index order, so the bits do not
// depend on the SIMD width or on the blocking chosen here:
//
//  - `mm`          out = W in + b, summed over the input index i ascending
//                  from b (the same chain as Mlp's forward matvec), reading
//                  W transposed (WT[i][j], rows padded to whole packs);
//  - `mm_t`        out = W^T d, summed over the output index j ascending
//                  from 0 (the same chain as Mlp's reverse matvec), reading W
//                  as stored;
//  - `rank_update` C += sum_s a_s b_s^T: one fma per step s, s ascending
//                  (the parameter gradient, point by point).
#pragma once

#include "ember/simd.hpp"

#include <cstddef>

namespace ember::train::detail {

/// out[r][j] = b[j] + sum_{i < nin} WT[i][j] in[r][i] for r < rows and j <
/// np (np = nout rounded up to whole packs; WT has row stride np and zero pad
/// columns, b has np entries or is null for 0). Blocks of 4 rows x 2 packs.
template <std::size_t np, std::size_t nin, class T>
void mm(const T* WT, const T* b, const T* in, std::size_t ldi, T* out, std::size_t ldo,
        std::size_t rows) noexcept {
    using V = simd::Pack<T>;
    using simd::fma;
    constexpr std::size_t w = V::width;
    static_assert(np % w == 0, "padded width");
    const std::size_t rb = rows / 4 * 4;
    std::size_t j = 0;
    for (; j + 2 * w <= np; j += 2 * w) {
        const V b0 = b ? V::load(b + j) : V(T(0));
        const V b1 = b ? V::load(b + j + w) : V(T(0));
        for (std::size_t r = 0; r < rb; r += 4) {
            const T* x0 = in + r * ldi;
            const T* x1 = x0 + ldi;
            const T* x2 = x1 + ldi;
            const T* x3 = x2 + ldi;
            V s00 = b0, s01 = b1, s10 = b0, s11 = b1, s20 = b0, s21 = b1, s30 = b0, s31 = b1;
            const T* wr = WT + j;
            for (std::size_t i = 0; i < nin; ++i, wr += np) {
                const V w0 = V::load(wr), w1 = V::load(wr + w);
                const V a0(x0[i]), a1(x1[i]), a2(x2[i]), a3(x3[i]);
                s00 = fma(w0, a0, s00);
                s01 = fma(w1, a0, s01);
                s10 = fma(w0, a1, s10);
                s11 = fma(w1, a1, s11);
                s20 = fma(w0, a2, s20);
                s21 = fma(w1, a2, s21);
                s30 = fma(w0, a3, s30);
                s31 = fma(w1, a3, s31);
            }
            T* o = out + r * ldo + j;
            s00.store(o);
            s01.store(o + w);
            s10.store(o + ldo);
            s11.store(o + ldo + w);
            s20.store(o + 2 * ldo);
            s21.store(o + 2 * ldo + w);
            s30.store(o + 3 * ldo);
            s31.store(o + 3 * ldo + w);
        }
        for (std::size_t r = rb; r < rows; ++r) {
            const T* x0 = in + r * ldi;
            V s0 = b0, s1 = b1;
            const T* wr = WT + j;
            for (std::size_t i = 0; i < nin; ++i, wr += np) {
                const V a0(x0[i]);
                s0 = fma(V::load(wr), a0, s0);
                s1 = fma(V::load(wr + w), a0, s1);
            }
            s0.store(out + r * ldo + j);
            s1.store(out + r * ldo + j + w);
        }
    }
    if constexpr (np % (2 * w) != 0) {
        const V b0 = b ? V::load(b + j) : V(T(0));
        for (std::size_t r = 0; r < rb; r += 4) {
            const T* x0 = in + r * ldi;
            const T* x1 = x0 + ldi;
            const T* x2 = x1 + ldi;
            const T* x3 = x2 + ldi;
            V s0 = b0, s1 = b0, s2 = b0, s3 = b0;
            const T* wr = WT + j;
            for (std::size_t i = 0; i < nin; ++i, wr += np) {
                const V w0 = V::load(wr);
                s0 = fma(w0, V(x0[i]), s0);
                s1 = fma(w0, V(x1[i]), s1);
                s2 = fma(w0, V(x2[i]), s2);
                s3 = fma(w0, V(x3[i]), s3);
            }
            T* o = out + r * ldo + j;
            s0.store(o);
            s1.store(o + ldo);
            s2.store(o + 2 * ldo);
            s3.store(o + 3 * ldo);
        }
        for (std::size_t r = rb; r < rows; ++r) {
            const T* x0 = in + r * ldi;
            V s0 = b0;
            const T* wr = WT + j;
            for (std::size_t i = 0; i < nin; ++i, wr += np) s0 = fma(V::load(wr), V(x0[i]), s0);
            s0.store(out + r * ldo + j);
        }
    }
}

/// out[r][i] = sum_{j < nout} W[j][i] d[r][j] for r < rows and i < nin (W
/// row-major nout x nin as stored). Only the nin real columns are written.
template <std::size_t nout, std::size_t nin, class T>
void mm_t(const T* W, const T* d, std::size_t ldd, T* out, std::size_t ldo,
          std::size_t rows) noexcept {
    using V = simd::Pack<T>;
    using simd::fma;
    constexpr std::size_t w = V::width;
    const std::size_t rb = rows / 4 * 4;
    const V zero(T(0));
    std::size_t i = 0;
    for (; i + 2 * w <= nin; i += 2 * w) {
        for (std::size_t r = 0; r < rb; r += 4) {
            const T* d0 = d + r * ldd;
            const T* d1 = d0 + ldd;
            const T* d2 = d1 + ldd;
            const T* d3 = d2 + ldd;
            V s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero, s30 = zero,
              s31 = zero;
            const T* wr = W + i;
            for (std::size_t j = 0; j < nout; ++j, wr += nin) {
                const V w0 = V::load(wr), w1 = V::load(wr + w);
                const V a0(d0[j]), a1(d1[j]), a2(d2[j]), a3(d3[j]);
                s00 = fma(w0, a0, s00);
                s01 = fma(w1, a0, s01);
                s10 = fma(w0, a1, s10);
                s11 = fma(w1, a1, s11);
                s20 = fma(w0, a2, s20);
                s21 = fma(w1, a2, s21);
                s30 = fma(w0, a3, s30);
                s31 = fma(w1, a3, s31);
            }
            T* o = out + r * ldo + i;
            s00.store(o);
            s01.store(o + w);
            s10.store(o + ldo);
            s11.store(o + ldo + w);
            s20.store(o + 2 * ldo);
            s21.store(o + 2 * ldo + w);
            s30.store(o + 3 * ldo);
            s31.store(o + 3 * ldo + w);
        }
        for (std::size_t r = rb; r < rows; ++r) {
            const T* d0 = d + r * ldd;
            V s0 = zero, s1 = zero;
            const T* wr = W + i;
            for (std::size_t j = 0; j < nout; ++j, wr += nin) {
                const V a0(d0[j]);
                s0 = fma(V::load(wr), a0, s0);
                s1 = fma(V::load(wr + w), a0, s1);
            }
            s0.store(out + r * ldo + i);
            s1.store(out + r * ldo + i + w);
        }
    }
    for (; i + w <= nin; i += w) {
        for (std::size_t r = 0; r < rows; ++r) {
            const T* d0 = d + r * ldd;
            V s0 = zero;
            const T* wr = W + i;
            for (std::size_t j = 0; j < nout; ++j, wr += nin) s0 = fma(V::load(wr), V(d0[j]), s0);
            s0.store(out + r * ldo + i);
        }
    }
    // Columns left over: scalar chains, four rows at a time.
    for (; i < nin; ++i) {
        for (std::size_t r = 0; r < rb; r += 4) {
            const T* d0 = d + r * ldd;
            T s0(0), s1(0), s2(0), s3(0);
            for (std::size_t j = 0; j < nout; ++j) {
                const T wj = W[j * nin + i];
                s0 = fma(wj, d0[j], s0);
                s1 = fma(wj, d0[ldd + j], s1);
                s2 = fma(wj, d0[2 * ldd + j], s2);
                s3 = fma(wj, d0[3 * ldd + j], s3);
            }
            out[r * ldo + i] = s0;
            out[(r + 1) * ldo + i] = s1;
            out[(r + 2) * ldo + i] = s2;
            out[(r + 3) * ldo + i] = s3;
        }
        for (std::size_t r = rb; r < rows; ++r) {
            T s0(0);
            for (std::size_t j = 0; j < nout; ++j) s0 = fma(W[j * nin + i], d[r * ldd + j], s0);
            out[r * ldo + i] = s0;
        }
    }
}

/// One rank-1 step of `rank_update`: C[j][i] += a[j] * b[i].
template <class T>
struct RankStep {
    const T* a;
    const T* b;
};

/// C[j][i] += sum_s a_s[j] b_s[i] (C is nout x nin, row-major): per element
/// one fma per step, steps in the order given. Tiles of four rows by two
/// packs stay in registers across all steps; narrow matrices (nin below the
/// pack width) run SIMD down the columns instead.
template <std::size_t nout, std::size_t nin, class T>
void rank_update(T* C, const RankStep<T>* steps, std::size_t nsteps) noexcept {
    using V = simd::Pack<T>;
    using simd::fma;
    constexpr std::size_t w = V::width;
    constexpr std::size_t nb = nout / 4 * 4;
    std::size_t i = 0;
    for (; i + 2 * w <= nin; i += 2 * w) {
        for (std::size_t j = 0; j < nb; j += 4) {
            T* c0 = C + j * nin + i;
            T* c1 = c0 + nin;
            T* c2 = c1 + nin;
            T* c3 = c2 + nin;
            V s00 = V::load(c0), s01 = V::load(c0 + w), s10 = V::load(c1), s11 = V::load(c1 + w),
              s20 = V::load(c2), s21 = V::load(c2 + w), s30 = V::load(c3), s31 = V::load(c3 + w);
            for (std::size_t s = 0; s < nsteps; ++s) {
                const T* a = steps[s].a + j;
                const T* b = steps[s].b + i;
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
        for (std::size_t j = nb; j < nout; ++j) {
            T* c0 = C + j * nin + i;
            V s0 = V::load(c0), s1 = V::load(c0 + w);
            for (std::size_t s = 0; s < nsteps; ++s) {
                const V a0(steps[s].a[j]);
                s0 = fma(a0, V::load(steps[s].b + i), s0);
                s1 = fma(a0, V::load(steps[s].b + i + w), s1);
            }
            s0.store(c0);
            s1.store(c0 + w);
        }
    }
    for (; i + w <= nin; i += w) {
        for (std::size_t j = 0; j < nb; j += 4) {
            T* c0 = C + j * nin + i;
            T* c1 = c0 + nin;
            T* c2 = c1 + nin;
            T* c3 = c2 + nin;
            V s0 = V::load(c0), s1 = V::load(c1), s2 = V::load(c2), s3 = V::load(c3);
            for (std::size_t s = 0; s < nsteps; ++s) {
                const T* a = steps[s].a + j;
                const V b0 = V::load(steps[s].b + i);
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
        for (std::size_t j = nb; j < nout; ++j) {
            T* c0 = C + j * nin + i;
            V s0 = V::load(c0);
            for (std::size_t s = 0; s < nsteps; ++s)
                s0 = fma(V(steps[s].a[j]), V::load(steps[s].b + i), s0);
            s0.store(c0);
        }
    }
    // Columns left over: SIMD down the column (rows j..j+2w), the column
    // gathered into registers and scattered back once per call.
    for (; i < nin; ++i) {
        std::size_t j = 0;
        for (; j + 2 * w <= nout; j += 2 * w) {
            alignas(EMBER_ALIGN) T col[2 * w];
            for (std::size_t k = 0; k < 2 * w; ++k) col[k] = C[(j + k) * nin + i];
            V s0 = V::load(col), s1 = V::load(col + w);
            for (std::size_t s = 0; s < nsteps; ++s) {
                const V bi(steps[s].b[i]);
                s0 = fma(V::load(steps[s].a + j), bi, s0);
                s1 = fma(V::load(steps[s].a + j + w), bi, s1);
            }
            s0.store(col);
            s1.store(col + w);
            for (std::size_t k = 0; k < 2 * w; ++k) C[(j + k) * nin + i] = col[k];
        }
        for (; j < nout; ++j) {
            T acc = C[j * nin + i];
            for (std::size_t s = 0; s < nsteps; ++s) acc = fma(steps[s].a[j], steps[s].b[i], acc);
            C[j * nin + i] = acc;
        }
    }
}

} // namespace ember::train::detail
