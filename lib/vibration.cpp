#include "ember/host/vibration.hpp"

#include "ember/math.hpp"
#include "ember/random.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace ember::host {

namespace {

constexpr std::size_t kC = vibration_channels;
constexpr std::size_t kN = vibration_samples;
constexpr double kFs = vibration_sample_rate;
// Samples run through the resonators before the window starts, so the window
// begins in their steady state (the response decays in about 100 samples).
constexpr std::size_t kWarm = 256;
constexpr std::size_t kTotal = kWarm + kN;
constexpr std::uint64_t kTestStreamBase = std::uint64_t(1) << 40;
constexpr std::uint64_t kAssignStream = std::uint64_t(1) << 41;
constexpr std::size_t kMaxWindows = 10000000;

// The machine: per channel (drive end horizontal, vertical; non-drive end
// horizontal, vertical), amplitudes in g.
constexpr double kHarmonic[kC][3] = {
    {0.50, 0.20, 0.10}, {0.40, 0.25, 0.12}, {0.35, 0.15, 0.08}, {0.30, 0.20, 0.10}};
constexpr double kNoise = 0.04;          // white, standard deviation
constexpr double kResonanceLevel = 0.10; // standard deviation
constexpr double kResonanceHz[kC] = {2400.0, 2650.0, 3000.0, 3300.0};
constexpr double kDamping = 0.04;
constexpr double kBearingOrder = 5.42; // defect frequency / running speed
constexpr double kBearingPeak = 3.0;   // g at severity 1, drive end
constexpr double kBearingCoupling[kC] = {1.0, 0.8, 0.3, 0.25};
constexpr double kLoosenessCoupling[kC] = {0.6, 0.6, 1.0, 1.0};

constexpr double kTwoPi = 6.283185307179586476925286766559;

double wrap01(double p) noexcept { return p - std::floor(p); }

double cos_cycles(double p) noexcept {
    double s, c;
    math::sincos_2pi(wrap01(p), s, c);
    return c;
}

// Second-order resonator y[n] = a1 y[n-1] + a2 y[n-2] + u[n]: poles r e^(+-i
// theta) for a natural frequency f0 and damping zeta.
struct Resonator {
    double a1 = 0, a2 = 0;
    double noise_gain = 1;   // unit white input -> unit output variance
    double impulse_gain = 1; // unit impulse -> peak response about 1
};

Resonator make_resonator(double f0, double zeta) noexcept {
    Resonator res;
    const double r = math::exp(-zeta * kTwoPi * f0 / kFs);
    double s, c;
    math::sincos_2pi(f0 * std::sqrt(1.0 - zeta * zeta) / kFs, s, c);
    res.a1 = 2.0 * r * c;
    res.a2 = -r * r;
    // Stationary variance of the AR(2) process per unit input variance.
    const double var =
        (1.0 - res.a2) / ((1.0 + res.a2) * ((1.0 - res.a2) * (1.0 - res.a2) - res.a1 * res.a1));
    res.noise_gain = 1.0 / std::sqrt(var);
    // The impulse response is r^n sin((n+1) theta) / sin(theta).
    res.impulse_gain = s;
    return res;
}

// In-place radix-2 FFT of kN points (the twiddles come from sincos_2pi of
// exact dyadic fractions).
void fft(double* re, double* im) noexcept {
    struct Twiddles {
        std::array<double, kN / 2> c{}, s{};
        Twiddles() noexcept {
            for (std::size_t k = 0; k < kN / 2; ++k)
                math::sincos_2pi(static_cast<double>(k) / static_cast<double>(kN), s[k], c[k]);
        }
    };
    static const Twiddles tw;
    for (std::size_t i = 1, j = 0; i < kN; ++i) {
        std::size_t bit = kN >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            std::swap(re[i], re[j]);
            std::swap(im[i], im[j]);
        }
    }
    for (std::size_t len = 2; len <= kN; len <<= 1) {
        const std::size_t half = len / 2, step = kN / len;
        for (std::size_t i = 0; i < kN; i += len)
            for (std::size_t k = 0; k < half; ++k) {
                // e^(-2 pi i k / len)
                const double wr = tw.c[k * step], wi = -tw.s[k * step];
                const double xr = re[i + k + half] * wr - im[i + k + half] * wi;
                const double xi = re[i + k + half] * wi + im[i + k + half] * wr;
                re[i + k + half] = re[i + k] - xr;
                im[i + k + half] = im[i + k] - xi;
                re[i + k] += xr;
                im[i + k] += xi;
            }
    }
}

double lognormal(Pcg32& rng, double sigma) noexcept {
    return math::exp(sigma * normal<double>(rng));
}

void append_window(VibrationSet& set, std::uint64_t seed, std::uint64_t stream,
                   VibrationFault fault, double severity, std::vector<double>& signals) {
    vibration_window(seed, stream, fault, severity, signals.data());
    const std::size_t at = set.features.size();
    set.features.resize(at + vibration_features);
    vibration_window_features(signals.data(), set.features.data() + at);
    set.labels.push_back(fault == VibrationFault::none ? 0 : 1);
    set.faults.push_back(fault);
    set.severity.push_back(fault == VibrationFault::none ? 0.0 : severity);
    ++set.rows;
}

} // namespace

const char* vibration_fault_name(VibrationFault f) noexcept {
    switch (f) {
    case VibrationFault::none: return "none";
    case VibrationFault::bearing: return "bearing";
    case VibrationFault::looseness: return "looseness";
    case VibrationFault::imbalance: return "imbalance";
    }
    return "?";
}

std::vector<std::string> vibration_feature_names() {
    static const char* const kinds[vibration_features_per_channel] = {"rms", "kurtosis", "hf_rms",
                                                                      "hf_centroid"};
    std::vector<std::string> names;
    for (std::size_t c = 0; c < kC; ++c)
        for (const char* kind : kinds) names.push_back("ch" + std::to_string(c + 1) + "_" + kind);
    return names;
}

void vibration_window(std::uint64_t seed, std::uint64_t stream, VibrationFault fault,
                      double severity, double* signals) {
    Pcg32 rng(seed, stream);
    const double sev = fault == VibrationFault::none ? 0.0 : std::clamp(severity, 0.0, 1.0);
    const double bearing = fault == VibrationFault::bearing ? sev : 0.0;
    const double loose = fault == VibrationFault::looseness ? sev : 0.0;
    const double imbalance = fault == VibrationFault::imbalance ? sev : 0.0;

    // Operating point of the window (the draws are made in this order
    // whatever the fault, so a window's healthy part does not depend on it).
    const double speed = 24.0 + 2.0 * uniform01<double>(rng);   // Hz
    const double drift = 0.02 * (uniform01<double>(rng) - 0.5); // relative, over the window
    const double load = lognormal(rng, 0.08);
    double harmonic_factor[3];
    for (double& f : harmonic_factor) f = lognormal(rng, 0.12);
    const double temperature = 1.0 + 0.01 * normal<double>(rng); // resonance frequencies
    const double phase0 = uniform01<double>(rng);
    double amp[kC][4], phase[kC][4], noise[kC], level[kC];
    Resonator res[kC];
    for (std::size_t c = 0; c < kC; ++c) {
        for (std::size_t k = 0; k < 3; ++k) {
            amp[c][k] = kHarmonic[c][k] * load * harmonic_factor[k] * lognormal(rng, 0.05);
            phase[c][k] = uniform01<double>(rng);
        }
        phase[c][3] = uniform01<double>(rng);
        noise[c] = kNoise * lognormal(rng, 0.10);
        level[c] = kResonanceLevel * lognormal(rng, 0.10);
        const double shift = 1.0 - 0.25 * loose * kLoosenessCoupling[c];
        const double zeta = kDamping * (1.0 - 0.4 * loose * kLoosenessCoupling[c]);
        res[c] = make_resonator(kResonanceHz[c] * temperature * shift, zeta);
        // Faults on top of the healthy amplitudes.
        amp[c][0] *= 1.0 + 2.5 * imbalance;
        amp[c][1] *= 1.0 + 1.5 * loose * kLoosenessCoupling[c];
        amp[c][2] *= 1.0 + 2.0 * loose * kLoosenessCoupling[c];
        amp[c][3] = 0.15 * loose * kLoosenessCoupling[c] * kHarmonic[c][0] * load;
    }
    const double bearing_phase = uniform01<double>(rng);
    const double bearing_start = uniform01<double>(rng);

    // White noise: kTotal samples of broadband and resonator drive per channel.
    static thread_local std::vector<double> z;
    z.resize(2 * kC * kTotal);
    fill_normal(rng, z.data(), z.size());

    // Bearing impulses (their draws come last, so healthy windows share all
    // the above with faulty ones of the same stream).
    static thread_local std::vector<double> impulses;
    impulses.assign(kTotal, 0.0);
    if (bearing > 0.0) {
        const double period = kFs / (kBearingOrder * speed); // samples
        // pos is a position in samples moved by random periods, not a count;
        // IEEE double without contraction takes the same steps on every target.
        // NOLINTNEXTLINE(clang-analyzer-security.FloatLoopCounter)
        for (double pos = bearing_start * period; pos < static_cast<double>(kTotal);
             pos += period * (1.0 + 0.01 * normal<double>(rng))) {
            const double t = (pos - static_cast<double>(kWarm)) / kFs;
            const double am = (1.0 + 0.8 * cos_cycles(speed * t + bearing_phase)) / 1.8;
            impulses[static_cast<std::size_t>(pos)] +=
                kBearingPeak * bearing * am * lognormal(rng, 0.25);
        }
    }

    for (std::size_t c = 0; c < kC; ++c) {
        double* out = signals + c * kN;
        const double* broadband = z.data() + 2 * c * kTotal;
        const double* drive = broadband + kTotal;
        double y1 = 0.0, y2 = 0.0;
        for (std::size_t m = 0; m < kTotal; ++m) {
            const double u = res[c].noise_gain * level[c] * drive[m] +
                             res[c].impulse_gain * kBearingCoupling[c] * impulses[m];
            const double y = res[c].a1 * y1 + res[c].a2 * y2 + u;
            y2 = y1;
            y1 = y;
            if (m < kWarm) continue;
            const double t = static_cast<double>(m - kWarm) / kFs;
            // Shaft rotations so far: speed drifts linearly by `drift` over the window.
            const double turns =
                phase0 + speed * (t + drift * t * t * kFs / (2.0 * static_cast<double>(kN)));
            double x = y + noise[c] * broadband[m];
            for (std::size_t k = 0; k < 3; ++k)
                x += amp[c][k] * cos_cycles(static_cast<double>(k + 1) * turns + phase[c][k]);
            if (amp[c][3] != 0.0) x += amp[c][3] * cos_cycles(0.5 * turns + phase[c][3]);
            out[m - kWarm] = x;
        }
    }
}

void vibration_window_features(const double* signals, double* features) noexcept {
    double re[kN], im[kN];
    // Spectrum bins from 1 kHz up to (not including) the Nyquist frequency.
    const double bin_hz = kFs / static_cast<double>(kN);
    const auto lo = static_cast<std::size_t>(1000.0 / bin_hz);
    for (std::size_t c = 0; c < kC; ++c) {
        const double* x = signals + c * kN;
        double mean = 0.0;
        for (std::size_t n = 0; n < kN; ++n) mean += x[n];
        mean /= static_cast<double>(kN);
        double m2 = 0.0, m4 = 0.0;
        for (std::size_t n = 0; n < kN; ++n) {
            const double d = x[n] - mean;
            m2 += d * d;
            m4 += d * d * d * d;
        }
        m2 /= static_cast<double>(kN);
        m4 /= static_cast<double>(kN);
        double window_power = 0.0;
        for (std::size_t n = 0; n < kN; ++n) {
            double s, w;
            math::sincos_2pi(static_cast<double>(n) / static_cast<double>(kN), s, w);
            const double hann = 0.5 - 0.5 * w;
            window_power += hann * hann;
            re[n] = (x[n] - mean) * hann;
            im[n] = 0.0;
        }
        fft(re, im);
        double power = 0.0, moment = 0.0;
        for (std::size_t k = lo; k < kN / 2; ++k) {
            const double p = re[k] * re[k] + im[k] * im[k];
            power += p;
            moment += p * static_cast<double>(k) * bin_hz;
        }
        double* f = features + c * vibration_features_per_channel;
        f[0] = std::sqrt(m2);
        f[1] = m2 > 0.0 ? m4 / (m2 * m2) : 0.0;
        // Parseval, one-sided: the band's share of the mean square.
        f[2] = std::sqrt(2.0 * power / (static_cast<double>(kN) * window_power));
        f[3] = power > 0.0 ? moment / power : 0.0;
    }
}

bool generate_vibration(const VibrationConfig& cfg, VibrationSet& train, VibrationSet& test,
                        std::string& error) {
    if (cfg.train_windows == 0 || cfg.test_windows == 0) {
        error = "the training and the test set need at least one window each";
        return false;
    }
    if (cfg.train_windows > kMaxWindows || cfg.test_windows > kMaxWindows) {
        error = "at most " + std::to_string(kMaxWindows) + " windows per set";
        return false;
    }
    if (!(cfg.fault_fraction >= 0.0 && cfg.fault_fraction <= 1.0)) {
        error = "the fault fraction must be in [0, 1]";
        return false;
    }

    // Which test windows are faulty, and how: the kinds in equal shares
    // (cycled), shuffled over the positions; severities skewed towards mild.
    const auto faulty = static_cast<std::size_t>(
        std::floor(cfg.fault_fraction * static_cast<double>(cfg.test_windows) + 0.5));
    std::vector<VibrationFault> kind(cfg.test_windows, VibrationFault::none);
    std::vector<double> severity(cfg.test_windows, 0.0);
    Pcg32 assign(cfg.seed, kAssignStream);
    static const VibrationFault kinds[3] = {VibrationFault::bearing, VibrationFault::looseness,
                                            VibrationFault::imbalance};
    for (std::size_t i = 0; i < faulty; ++i) {
        kind[i] = kinds[i % 3];
        const double u = uniform_pos<double>(assign);
        severity[i] = 0.05 + 0.95 * u;
    }
    for (std::size_t i = cfg.test_windows - 1; i > 0; --i) {
        const std::size_t j = uniform_index(assign, static_cast<std::uint32_t>(i + 1));
        std::swap(kind[i], kind[j]);
        std::swap(severity[i], severity[j]);
    }

    VibrationSet tr, te;
    tr.feature_names = te.feature_names = vibration_feature_names();
    tr.features.reserve(cfg.train_windows * vibration_features);
    te.features.reserve(cfg.test_windows * vibration_features);
    std::vector<double> signals(kC * kN);
    for (std::size_t i = 0; i < cfg.train_windows; ++i)
        append_window(tr, cfg.seed, i, VibrationFault::none, 0.0, signals);
    for (std::size_t i = 0; i < cfg.test_windows; ++i)
        append_window(te, cfg.seed, kTestStreamBase + i, kind[i], severity[i], signals);
    train = std::move(tr);
    test = std::move(te);
    return true;
}

std::string vibration_csv(const VibrationSet& set, bool with_label) {
    std::string out;
    for (std::size_t j = 0; j < set.feature_names.size(); ++j) {
        if (j > 0) out += ',';
        out += set.feature_names[j];
    }
    if (with_label) out += ",label";
    out += '\n';
    char buf[32];
    const std::size_t cols = set.feature_names.size();
    for (std::size_t i = 0; i < set.rows; ++i) {
        for (std::size_t j = 0; j < cols; ++j) {
            std::snprintf(buf, sizeof buf, j == 0 ? "%.9g" : ",%.9g", set.features[i * cols + j]);
            out += buf;
        }
        if (with_label) out += set.labels[i] != 0 ? ",1" : ",0";
        out += '\n';
    }
    return out;
}

bool write_vibration_csv(const std::string& path, const VibrationSet& set, bool with_label) {
    const std::string text = vibration_csv(set, with_label);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    return std::fclose(f) == 0 && wrote;
}

} // namespace ember::host
