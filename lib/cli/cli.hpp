// The `ember` tool: what its subcommands share. The networks are compile-time
// types, so the tool carries a fixed menu of them (cli_nets.hpp): inputs
// padded to 8, 16, 32 or 64 features, two hidden layers of 16, 32 or 64
// Swish units, float. A file with D features is trained and scored by the
// network of the next padded size, whose extra inputs are always 0 and whose
// weights from them are 0 (so the energies are those of the D-input network
// the file describes; ember::host::resize_input).
#pragma once

#include "ember/host/model_io.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ember::cli {

/// Largest number of features the tool handles.
inline constexpr std::size_t max_features = 64;
/// The padded input sizes of the menu, ascending.
inline constexpr std::uint32_t padded_sizes[] = {8, 16, 32, 64};
/// The hidden widths of the menu (two layers of the same width).
inline constexpr std::uint32_t hidden_widths[] = {16, 32, 64};

/// The padded size for `dim` features (0 if dim > max_features).
std::uint32_t padded_size(std::size_t dim) noexcept;

/// Settings of `ember train` (the defaults are the tool's defaults).
struct TrainSettings {
    std::uint32_t hidden = 64;      ///< units per hidden layer (hidden_widths)
    std::uint32_t max_steps = 4000; ///< parameter steps at most
    std::uint64_t seed = 0;         ///< split, initialisation, noise draws
    std::uint32_t nu = 4;           ///< noise samples per data row (NCE)
    float noise_scale = 1.0f;       ///< noise covariance = noise_scale^2 x data covariance
    float lr = 3e-3f;               ///< Adam learning rate
    float validation = 0.2f;        ///< fraction of the rows held out
    std::uint32_t eval_every = 100; ///< steps between validation losses
    std::uint32_t patience = 20;    ///< evaluations without improvement before stopping
    float false_alarm_rate = 0.01f; ///< threshold: this fraction of held-out rows above it
};

/// What the trainer reports while it runs (after each validation).
struct Progress {
    std::uint32_t step = 0, max_steps = 0;
    double loss = 0;     ///< training loss, mean over the last evaluation interval
    double val_loss = 0; ///< loss on the held-out rows
    double best_val = 0;
    bool improved = false;
};

/// Outcome of training.
struct TrainResult {
    host::FileModel model;   ///< at the data's input size, with standardisation, log Z, threshold
    std::uint32_t steps = 0; ///< steps taken
    std::uint32_t best_step = 0;
    double best_val = 0;
    std::uint32_t skipped = 0; ///< steps refused (non-finite loss)
    std::size_t train_rows = 0, val_rows = 0;
    double val_accuracy = 0; ///< NCE classifier accuracy on the held-out rows at the best step
};

/// Trains a detector on `rows` (n x dim floats, row-major, dim <= 64).
/// Returns an empty string on success, else the error.
std::string train(const std::vector<float>& rows, std::size_t dim, const TrainSettings& s,
                  const std::function<void(const Progress&)>& on_progress, TrainResult& out);

/// Energies of `rows` (n x model's input size) under the model in `m`: one
/// per row, as ember::detect::AnomalyDetector::score computes them (the same
/// bits as a device running the exported header). `anomalous` gets energy >
/// threshold (all false without a threshold). Empty string on success.
std::string score(const host::FileModel& m, const std::vector<float>& rows,
                  std::vector<float>& energies, std::vector<char>& anomalous);

/// Whether the tool can run `m` (float, Swish, two equal hidden layers of the
/// menu, D <= 64); the reason if not.
std::string supported(const host::FileModel& m);

namespace detail {

// Per padded size (cli_nets_d<N>.cpp): train and score with that input size.
template <std::uint32_t Dpad>
std::string train_padded(const std::vector<float>& rows, std::size_t dim, const TrainSettings& s,
                         const std::function<void(const Progress&)>& on_progress, TrainResult& out);
template <std::uint32_t Dpad>
std::string score_padded(const host::FileModel& padded, const std::vector<float>& rows,
                         std::size_t dim, std::vector<float>& energies,
                         std::vector<char>& anomalous);

} // namespace detail

} // namespace ember::cli
