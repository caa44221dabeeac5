#include "ember/host/toy2d.hpp"

#include <cstring>
#include <limits>

namespace ember::host::toy2d {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kLog2Pi = 1.8378770664093454836;

// 8gaussians (the FFJORD toy set): centres scaled by 4 then divided by 1.414,
// noise 0.5 standard normal divided by 1.414.
constexpr double kEightRadius = 4.0 / 1.414;
constexpr double kEightStd = 0.5 / 1.414;

constexpr double kRingRadii[4] = {0.75, 1.5, 2.25, 3.0};
constexpr double kRingStd = 0.08;

constexpr double kGaussMean[2] = {0.5, -0.5};
constexpr double kGaussStd[2] = {1.0, 0.6};
constexpr double kGaussRho = 0.8;

double logsumexp(const double* v, int n) {
    double m = v[0];
    for (int i = 1; i < n; ++i) m = std::fmax(m, v[i]);
    double s = 0.0;
    for (int i = 0; i < n; ++i) s += std::exp(v[i] - m);
    return m + std::log(s);
}

} // namespace

const char* target_name(Target t) noexcept {
    switch (t) {
    case Target::eight_gaussians: return "8gaussians";
    case Target::rings: return "rings";
    case Target::gauss2: return "gauss2";
    }
    return "?";
}

bool parse_target(const char* name, Target& t) noexcept {
    for (Target c : {Target::eight_gaussians, Target::rings, Target::gauss2})
        if (std::strcmp(name, target_name(c)) == 0) {
            t = c;
            return true;
        }
    return false;
}

void sample(Target t, Pcg32& rng, float* xy, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        float z0, z1;
        normal_pair(rng, z0, z1);
        double x = 0, y = 0;
        switch (t) {
        case Target::eight_gaussians: {
            const double k = static_cast<double>(rng() & 7u);
            x = kEightRadius * std::cos(k * kPi / 4) + kEightStd * static_cast<double>(z0);
            y = kEightRadius * std::sin(k * kPi / 4) + kEightStd * static_cast<double>(z1);
            break;
        }
        case Target::rings: {
            const double r = kRingRadii[rng() & 3u];
            const double u = static_cast<double>(uniform01<float>(rng));
            x = r * std::cos(2 * kPi * u) + kRingStd * static_cast<double>(z0);
            y = r * std::sin(2 * kPi * u) + kRingStd * static_cast<double>(z1);
            break;
        }
        case Target::gauss2:
            x = kGaussMean[0] + kGaussStd[0] * static_cast<double>(z0);
            y = kGaussMean[1] +
                kGaussStd[1] * (kGaussRho * static_cast<double>(z0) +
                                std::sqrt(1 - kGaussRho * kGaussRho) * static_cast<double>(z1));
            break;
        }
        xy[2 * i] = static_cast<float>(x);
        xy[2 * i + 1] = static_cast<float>(y);
    }
}

double bessel_i0e(double x) noexcept {
    const double a = std::fabs(x);
    if (a <= 20.0) {
        // Power series of I0: sum_k (x^2/4)^k / (k!)^2, then exp(-|x|).
        const double q = a * a / 4.0;
        double term = 1.0, sum = 1.0;
        for (int k = 1; k < 200; ++k) {
            term *= q / (static_cast<double>(k) * static_cast<double>(k));
            sum += term;
            if (term < 1e-17 * sum) break;
        }
        return sum * std::exp(-a);
    }
    // Asymptotic series: I0(x) e^-x ~ (2 pi x)^-1/2 sum_k ((2k-1)!!)^2 / (k! (8x)^k).
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < 30; ++k) {
        const double c = 2.0 * k - 1.0;
        const double next = term * c * c / (k * 8.0 * a);
        if (next > term) break; // the series starts diverging
        term = next;
        sum += term;
        if (term < 1e-17 * sum) break;
    }
    return sum / std::sqrt(2.0 * kPi * a);
}

double log_density(Target t, double x, double y) noexcept {
    switch (t) {
    case Target::eight_gaussians: {
        double v[8];
        const double s2 = kEightStd * kEightStd;
        for (int k = 0; k < 8; ++k) {
            const double dx = x - kEightRadius * std::cos(k * kPi / 4);
            const double dy = y - kEightRadius * std::sin(k * kPi / 4);
            v[k] = -(dx * dx + dy * dy) / (2 * s2);
        }
        return logsumexp(v, 8) - std::log(8.0) - kLog2Pi - std::log(s2);
    }
    case Target::rings: {
        // A ring of radius R blurred by N(0, s^2 I), averaged over the angle:
        // exp(-(r - R)^2 / 2s^2) i0e(r R / s^2) / (2 pi s^2).
        const double s2 = kRingStd * kRingStd;
        const double r = std::sqrt(x * x + y * y);
        double v[4];
        for (int k = 0; k < 4; ++k) {
            const double R = kRingRadii[k];
            v[k] = -(r - R) * (r - R) / (2 * s2) + std::log(bessel_i0e(r * R / s2));
        }
        return logsumexp(v, 4) - std::log(4.0) - kLog2Pi - std::log(s2);
    }
    case Target::gauss2: {
        const double u = (x - kGaussMean[0]) / kGaussStd[0];
        const double w = (y - kGaussMean[1]) / kGaussStd[1];
        const double om = 1 - kGaussRho * kGaussRho;
        return -(u * u - 2 * kGaussRho * u * w + w * w) / (2 * om) - kLog2Pi -
               std::log(kGaussStd[0] * kGaussStd[1]) - 0.5 * std::log(om);
    }
    }
    return -std::numeric_limits<double>::infinity();
}

} // namespace ember::host::toy2d
