// ember — energy networks sized at compile time: the read-only view over a
// parameter vector (`MlpView`) and the model that owns its parameters (`Mlp`).
#pragma once

#include "ember/config.hpp"
#include "ember/fp.hpp"
#include "ember/nn/activation.hpp"
#include "ember/nn/engine.hpp"
#include "ember/nn/layout.hpp"
#include "ember/nn/spec.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace ember {

namespace detail {

// The calls of a network on its parameters, shared by MlpView and Mlp
// (Derived::data() gives the parameter vector). Every call runs the Engine.
template <class Derived, class Spec>
class MlpCalls : public Spec {
public:
    using T = typename Spec::value_type;
    using layout = typename Spec::layout;
    static constexpr std::size_t input_dim = Spec::input_dim;
    static constexpr std::size_t param_count = Spec::param_count;

    /// Points per chunk of the batch calls (stack workspace: batch_rows rows).
    static constexpr std::size_t batch_rows = simd::Pack<T>::width > 1 ? 8 : 2;
    using one_engine = Engine<Spec, 1>;
    /// Stack bytes of value() (unit rows of one point).
    static constexpr std::size_t value_stack_bytes = sizeof(T) * one_engine::S;
    /// Stack bytes of value_and_grad() (a one-point engine).
    static constexpr std::size_t grad_stack_bytes = sizeof(one_engine);

    /// f(x) of one point (unchecked: x holds input_dim values).
    T value(const T* x) const noexcept {
        const fp::Scope fp_scope;
        alignas(EMBER_ALIGN) T h[one_engine::S];
        T f;
        one_engine::template forward_rows<0>(p(), x, input_dim, 1, h, nullptr, nullptr, nullptr,
                                             &f);
        fp::pin(f); // computed before the scope ends
        return f;
    }

    /// Energy (anomaly score) -f(x) of one point (unchecked).
    T energy(const T* x) const noexcept { return -value(x); }

    /// f(x) and grad_x[input_dim] = grad_x f of one point (unchecked). The
    /// reverse sweep reads the stored weights one lane at a time (no copy of
    /// the weights; MlpTarget keeps a transposed copy for SIMD gradients).
    T value_and_grad(const T* x, T* grad_x) const noexcept { return grad_impl(x, grad_x, nullptr); }

    /// As value_and_grad(x, grad_x), with the reverse sweep reading `rev`, a
    /// transposed copy of these parameters (rev.prepare(data()) after every
    /// change of them): SIMD across inputs, several times faster on builds
    /// with SIMD lanes. Same bits either way.
    T value_and_grad(const T* x, T* grad_x, const ReverseWeights<Spec>& rev) const noexcept {
        return grad_impl(x, grad_x, rev.data());
    }

    /// Checked f(x): invalid_argument for a view bound to nothing,
    /// dimension_mismatch if `x.size() != input_dim`, non_finite_input for a
    /// NaN/inf input, non_finite_output if f is not finite. On error `f` is
    /// left untouched.
    Status evaluate(Span<const T> x, T& f) const noexcept {
        if (const Status s = check_input(x, 1); s != Status::ok) return s;
        const T out = value(x.data());
        if (!simd::is_finite(out)) return Status::non_finite_output;
        f = out;
        return Status::ok;
    }

    /// Checked f(x) and grad_x f; on error the outputs are left untouched.
    Status evaluate_grad(Span<const T> x, T& f, Span<T> grad_x) const noexcept {
        if (grad_x.size() != input_dim) return Status::dimension_mismatch;
        if (const Status s = check_input(x, 1); s != Status::ok) return s;
        T g[input_dim];
        const T out = value_and_grad(x.data(), g);
        bool finite = simd::is_finite(out);
        for (std::size_t i = 0; i < input_dim; ++i) finite = finite && simd::is_finite(g[i]);
        if (!finite) return Status::non_finite_output;
        f = out;
        for (std::size_t i = 0; i < input_dim; ++i) grad_x[i] = g[i];
        return Status::ok;
    }

    /// Checked f of many points: `rows` holds n points of input_dim values
    /// (row-major), `f` gets n values. dimension_mismatch unless both sizes
    /// agree, non_finite_input (f untouched) if an input is NaN/inf;
    /// non_finite_output if some f is not finite (every f is written, so the
    /// caller sees which).
    Status evaluate(Span<const T> rows, Span<T> f) const noexcept {
        if (rows.size() % input_dim != 0 || rows.size() / input_dim != f.size())
            return Status::dimension_mismatch;
        if (const Status s = check_input(rows, f.size()); s != Status::ok) return s;
        const fp::Scope fp_scope;
        alignas(EMBER_ALIGN) T h[batch_rows * one_engine::S];
        bool finite = true;
        for (std::size_t r = 0; r < f.size(); r += batch_rows) {
            const std::size_t n = f.size() - r < batch_rows ? f.size() - r : batch_rows;
            one_engine::template forward_rows<0>(p(), rows.data() + r * input_dim, input_dim, n, h,
                                                 nullptr, nullptr, nullptr, f.data() + r);
            for (std::size_t k = 0; k < n; ++k) finite = finite && simd::is_finite(f[r + k]);
        }
        return finite ? Status::ok : Status::non_finite_output;
    }

    /// Checks a parameter vector before it is used (e.g. after loading):
    /// dimension_mismatch for a wrong size, non_finite_input for NaN/inf.
    static Status check_params(Span<const T> params) noexcept {
        if (params.size() != param_count) return Status::dimension_mismatch;
        for (std::size_t i = 0; i < param_count; ++i)
            if (!simd::is_finite(params[i])) return Status::non_finite_input;
        return Status::ok;
    }

private:
    const T* p() const noexcept { return static_cast<const Derived*>(this)->data(); }

    T grad_impl(const T* x, T* grad_x, const T* rev) const noexcept {
        const fp::Scope fp_scope;
        one_engine e;
        for (std::size_t i = 0; i < input_dim; ++i) e.x[i] = x[i];
        e.template forward<1>(p());
        e.grad_x({p(), rev});
        for (std::size_t i = 0; i < input_dim; ++i) grad_x[i] = e.gx[i];
        T f = e.f[0];
        fp::pin(f);
        return f;
    }

    Status check_input(Span<const T> x, std::size_t points) const noexcept {
        if (p() == nullptr) return Status::invalid_argument;
        if (x.size() != points * input_dim) return Status::dimension_mismatch;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!simd::is_finite(x[i])) return Status::non_finite_input;
        return Status::ok;
    }
};

} // namespace detail

/// A network over a parameter vector it does not own: weights in flash, in
/// a C header, in a file buffer, or another model's. Copying a view copies a
/// pointer. It scores, gives gradients and serves as a sampler target
/// (sample::MlpTarget); `rebind` points it at other parameters.
///
///     using Net = ember::Mlp<float, ember::Swish, 16, 64, 64>;
///     extern const float weights[Net::param_count];   // e.g. an exported header
///     const Net::view_type model(weights);
///     float score = model.energy(x);                  // anomaly score = -f(x)
///
/// The parameters are layer by layer with input-major weights (MlpLayout).
/// Calls are const and thread-safe: each works on its own stack workspace
/// (value_stack_bytes, grad_stack_bytes).
template <class T, class Act, std::size_t In, std::size_t... Hidden>
class MlpView
    : public detail::MlpCalls<MlpView<T, Act, In, Hidden...>, MlpSpec<T, Act, In, Hidden...>> {
public:
    using view_type = MlpView;

    constexpr MlpView() noexcept = default;
    /// Views `params` (param_count values; they must outlive the view).
    constexpr explicit MlpView(const T* params) noexcept : p_(params) {}

    /// The parameter vector (null for a default-constructed view).
    constexpr const T* data() const noexcept { return p_; }
    /// Points the view at other parameters.
    constexpr void rebind(const T* params) noexcept { p_ = params; }

private:
    const T* p_ = nullptr;
};

/// A multilayer perceptron with a scalar linear output that owns its
/// parameters: the unnormalised log-density `f(x)` of an energy-based model
/// (`energy(x) = -f(x)`).
///
///     using Net = ember::Mlp<float, ember::Swish, 16, 64, 64>;
///     static Net net;                    // 21 KB of parameters: static on small targets
///     net.init(/*seed=*/1);
///     float x[Net::input_dim] = {};
///     float score = net.energy(x);       // anomaly score
///
/// Layers `l = 1..L`: `z_l = W_l h_{l-1} + b_l`, `h_l = act(z_l)`, `h_0 = x`;
/// output `f = w . h_L + b`. All parameters sit in one flat aligned array
/// (`param_count` values in MlpLayout's order), so an optimizer sees one
/// vector; `view()` gives the read-only MlpView over it. Every call runs the
/// one Engine (nn/engine.hpp), so a point gets the same bits alone, in a
/// batch, in a sampler or in a loss, on every target.
template <class T, class Act, std::size_t In, std::size_t... Hidden>
class Mlp : public detail::MlpCalls<Mlp<T, Act, In, Hidden...>, MlpSpec<T, Act, In, Hidden...>> {
    using Base = detail::MlpCalls<Mlp, MlpSpec<T, Act, In, Hidden...>>;

public:
    using view_type = MlpView<T, Act, In, Hidden...>;
    using layout = typename Base::layout;

    /// Parameters (flat, aligned).
    alignas(EMBER_ALIGN) std::array<T, Base::param_count> params{};

    T* data() noexcept { return params.data(); }
    const T* data() const noexcept { return params.data(); }
    /// A read-only view of this model's parameters.
    view_type view() const noexcept { return view_type(params.data()); }

    /// Deterministic initialisation: every weight and bias of a layer with
    /// fan-in n is drawn uniformly from [-1/sqrt(n), 1/sqrt(n)) with the
    /// project's PCG32, in parameter order (same seed, same bits on every
    /// target).
    void init(std::uint64_t seed) noexcept { init_params(params.data(), seed); }

    /// init() on any parameter vector of this network (e.g. a block of a
    /// larger model).
    static void init_params(T* p, std::uint64_t seed) noexcept {
        Pcg32 rng(seed, 0x656d626572ULL); // "ember"
        constexpr std::size_t L = layout::hidden_layers;
        for (std::size_t l = 1; l <= L + 1; ++l) {
            const std::size_t fan_in = layout::widths[l - 1];
            const std::size_t nout = l <= L ? layout::widths[l] : 1;
            const T k = simd::div(T(1), simd::sqrt(static_cast<T>(fan_in)));
            T* w = p + (l <= L ? layout::weight_offset(l) : layout::output_weight_offset);
            const std::size_t n = nout * fan_in + nout; // weights then biases, contiguous
            for (std::size_t i = 0; i < n; ++i) {
                const T u = uniform01<T>(rng);
                w[i] = (u * T(2) - T(1)) * k;
            }
        }
    }
};

} // namespace ember
