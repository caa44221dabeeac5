// Synthetic vibration data of a rotating machine, the demo data of the
// anomaly-detection pipeline (examples/vibration.cpp writes it as CSV). It is
// made up: a simple signal model, not measurements of a real machine.
//
//     ember::host::VibrationConfig cfg; // seed 1, 2000 train, 1000 test, 30 % faulty
//     ember::host::VibrationSet train, test;
//     std::string err;
//     if (!ember::host::generate_vibration(cfg, train, test, err)) { ... }
//     ember::host::write_vibration_csv("train.csv", train, false);
//     ember::host::write_vibration_csv("test.csv", test, true); // + label column
//
// One window = 4 accelerometer channels x 1024 samples at 10240 Hz (0.1 s;
// ch1/ch2 horizontal/vertical at the drive-end bearing, ch3/ch4 at the
// non-drive end). Each window draws its own conditions:
//   healthy    running speed f_r uniform in [24, 26] Hz with a small drift
//              inside the window; the 1x, 2x, 3x shaft harmonics with
//              per-channel amplitudes varied by a common load factor and a
//              per-harmonic factor (log-normal) and random phases; white
//              broadband noise; a structural resonance per channel (a
//              second-order resonator near 2.4-3.3 kHz, damping 4 %) driven
//              by white noise.
//   bearing    inner-race-like defect: impulses at 5.42 f_r (with 1 % timing
//              jitter) that ring the resonance, amplitude-modulated by the
//              shaft rotation; strong at the drive end, weaker at the other.
//   looseness  the resonances move down (up to 25 % at severity 1) and ring
//              longer, the 2x and 3x harmonics grow, a 0.5x subharmonic
//              appears.
//   imbalance  the 1x harmonic grows (up to 2.2x at severity 1).
// Severity is drawn in (0, 1] with mild faults more likely than severe ones,
// so that mild faults overlap the healthy spread: a good detector ranks most
// faulty windows above the healthy ones, but not all of them.
//
// Features, 4 per channel (16, named ch<c>_<feature>): rms; kurtosis (m4 /
// m2^2 about the mean, 3 for Gaussian noise); crest factor (max |x| / rms);
// hf_centroid, the centroid in Hz of the Hann-windowed power spectrum from
// 1 kHz to the Nyquist frequency (the project's own radix-2 FFT).
//
// Determinism: window i of the training set comes from Pcg32(seed, i), window
// i of the test set from Pcg32(seed, 2^40 + i), so the test set does not
// depend on the number of training windows; which test windows are faulty and
// how comes from Pcg32(seed, 2^41). All arithmetic is double with + - * / and
// sqrt (correctly rounded everywhere) and ember::math's exp, log and
// sincos_2pi (bit-identical on every target, never libm), built with
// -ffp-contract=off: the same configuration gives the same CSV bytes on every
// machine whose printf rounds correctly (glibc, musl).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ember::host {

inline constexpr std::size_t vibration_channels = 4;
inline constexpr std::size_t vibration_samples = 1024;   ///< per channel and window
inline constexpr double vibration_sample_rate = 10240.0; ///< Hz
inline constexpr std::size_t vibration_features_per_channel = 4;
inline constexpr std::size_t vibration_features =
    vibration_channels * vibration_features_per_channel; ///< 16

/// What a window shows.
enum class VibrationFault { none, bearing, looseness, imbalance };

/// "none", "bearing", "looseness", "imbalance".
const char* vibration_fault_name(VibrationFault f) noexcept;

/// What to generate.
struct VibrationConfig {
    std::uint64_t seed = 1;
    std::size_t train_windows = 2000; ///< healthy only
    std::size_t test_windows = 1000;  ///< healthy and faulty
    double fault_fraction = 0.3;      ///< of the test windows, in [0, 1]
};

/// Feature rows of a set of windows.
struct VibrationSet {
    std::vector<std::string> feature_names; ///< vibration_features names
    std::size_t rows = 0;
    std::vector<double> features;       ///< rows x vibration_features, row-major
    std::vector<int> labels;            ///< 0 healthy, 1 faulty, per row
    std::vector<VibrationFault> faults; ///< the kind, per row
    std::vector<double> severity;       ///< 0 for healthy rows, else in (0, 1]
};

/// The 16 feature names in column order: ch1_rms, ch1_kurtosis, ch1_crest,
/// ch1_hf_centroid, ch2_rms, ...
std::vector<std::string> vibration_feature_names();

/// The signals of one window drawn from Pcg32(seed, stream) with the given
/// fault and severity (ignored for none; clamped to [0, 1]):
/// signals[c * vibration_samples + n], channel c, sample n.
void vibration_window(std::uint64_t seed, std::uint64_t stream, VibrationFault fault,
                      double severity, double* signals);

/// The 16 features of one window's signals (layout as vibration_window).
void vibration_window_features(const double* signals, double* features) noexcept;

/// Generates the training set (healthy) and the test set (a fraction
/// round(fault_fraction * test_windows) faulty, the kinds in equal shares,
/// at random positions). False with a message in `error` (and the sets
/// untouched) if the configuration is invalid: no windows, more than 10^7 in
/// a set, or a fault fraction outside [0, 1].
bool generate_vibration(const VibrationConfig& cfg, VibrationSet& train, VibrationSet& test,
                        std::string& error);

/// The set as CSV text: a header of the feature names (plus `label` as the
/// last column if with_label), one row per window, numbers as "%.9g", LF
/// line ends.
std::string vibration_csv(const VibrationSet& set, bool with_label);

/// Writes vibration_csv(set, with_label) to `path`; false on an I/O error.
bool write_vibration_csv(const std::string& path, const VibrationSet& set, bool with_label);

} // namespace ember::host
