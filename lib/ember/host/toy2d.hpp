// 2-D toy targets with closed-form densities and the quality protocol of the
// score-matching trainers (examples/toy2d, tests/host/test_train_quality.cpp):
// normalise a model on a grid, then KL(data || model) on fresh samples.
//
//   8gaussians  8 equal-weight isotropic Gaussians, centres at angles k pi/4
//               on a circle of radius 4/1.414, standard deviation 0.5/1.414
//   rings       4 equal-weight rings of radii 0.75, 1.5, 2.25, 3.0 (uniform
//               angle) plus isotropic N(0, 0.08^2 I) noise
//   gauss2      one correlated Gaussian: mean (0.5, -0.5), standard
//               deviations 1 and 0.6, correlation 0.8
#pragma once

#include "ember/random.hpp"
#include "ember/span.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace ember::host::toy2d {

enum class Target { eight_gaussians, rings, gauss2 };

/// "8gaussians", "rings", "gauss2".
const char* target_name(Target t) noexcept;
/// Parses a target name; false if unknown.
bool parse_target(const char* name, Target& t) noexcept;

/// Draws n points (x, y interleaved into xy[2n]) from the target.
void sample(Target t, Pcg32& rng, float* xy, std::size_t n) noexcept;

/// log p(x, y) of the target (exact).
double log_density(Target t, double x, double y) noexcept;

/// Exponentially scaled modified Bessel function of order 0,
/// i0e(x) = exp(-|x|) I0(x), accurate to ~1e-15 relative for all x.
double bessel_i0e(double x) noexcept;

/// The evaluation grid: midpoints of an n x n grid over [lo, hi]^2.
struct Grid {
    int n = 500;
    double lo = -5.0;
    double hi = 5.0;
    double cell() const noexcept { return (hi - lo) / n; }
    double mid(int i) const noexcept { return lo + (i + 0.5) * cell(); }
};

/// f of a model on the grid (row-major, row 0 = lowest y), through the
/// model's checked batch call. Non-finite values stay in the result (they
/// make the KL infinite, which is what a caller should see).
template <class Net>
std::vector<float> eval_grid(const Net& net, const Grid& g) {
    using T = typename Net::value_type;
    const std::size_t count = static_cast<std::size_t>(g.n) * static_cast<std::size_t>(g.n);
    std::vector<T> x(2 * count, T(0));
    for (int r = 0; r < g.n; ++r)
        for (int c = 0; c < g.n; ++c) {
            const std::size_t k = static_cast<std::size_t>(r) * static_cast<std::size_t>(g.n) +
                                  static_cast<std::size_t>(c);
            x[2 * k] = static_cast<T>(g.mid(c));
            x[2 * k + 1] = static_cast<T>(g.mid(r));
        }
    std::vector<T> f(count);
    (void)net.evaluate(Span<const T>(x.data(), x.size()), Span<T>(f.data(), f.size()));
    return std::vector<float>(f.begin(), f.end());
}

/// log Z = logsumexp(f over the grid) + log(cell area).
inline double log_partition(const std::vector<float>& fgrid, const Grid& g) {
    double m = -std::numeric_limits<double>::infinity();
    for (float v : fgrid) m = std::fmax(m, static_cast<double>(v));
    double s = 0.0;
    for (float v : fgrid) s += std::exp(static_cast<double>(v) - m);
    return m + std::log(s) + 2.0 * std::log(g.cell());
}

/// KL(data || model) in nats: the mean over `test` points of
/// log p_true - (f - log Z).
template <class Net>
double kl_data_model(const Net& net, Target t, double log_z, const std::vector<float>& test) {
    using T = typename Net::value_type;
    const std::size_t n = test.size() / 2;
    std::vector<T> x(test.begin(), test.end()), f(n);
    (void)net.evaluate(Span<const T>(x.data(), x.size()), Span<T>(f.data(), f.size()));
    double kl = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        kl +=
            log_density(t, static_cast<double>(test[2 * i]), static_cast<double>(test[2 * i + 1])) -
            (static_cast<double>(f[i]) - log_z);
    return kl / static_cast<double>(n);
}

} // namespace ember::host::toy2d
