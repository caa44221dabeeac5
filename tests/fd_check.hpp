// Central finite differences in double precision, for the gradient checks.
#pragma once

#include <cmath>
#include <cstddef>

namespace ember_test {

/// max |a - b| / max |b|: a norm-wise relative error that does not blow up on
/// components that happen to be near zero.
inline double rel_err(const double* a, const double* b, std::size_t n) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < n; ++i) {
        num = std::fmax(num, std::fabs(a[i] - b[i]));
        den = std::fmax(den, std::fabs(b[i]));
    }
    return num / std::fmax(den, 1e-12);
}

/// out[k] = (f() with v[k] + h  -  f() with v[k] - h) / (2 h) for k < n;
/// every v[k] is restored.
template <class F>
void central_diff(double* v, std::size_t n, F&& f, double* out, double h = 1e-5) {
    for (std::size_t k = 0; k < n; ++k) {
        const double keep = v[k];
        v[k] = keep + h;
        const double fp = f();
        v[k] = keep - h;
        const double fm = f();
        v[k] = keep;
        out[k] = (fp - fm) / (2 * h);
    }
}

} // namespace ember_test
