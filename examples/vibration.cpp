// ember_vibration: writes the synthetic vibration data of the anomaly-detection
// demo (lib/ember/host/vibration.hpp) as CSV.
//
//   ember_vibration --out-dir DIR [--seed S] [--train N] [--test N] [--fault-fraction F]
//
//   DIR/train.csv  N healthy windows (default 2000): a header of the 16
//                  feature names, one row per window
//   DIR/test.csv   N windows (default 1000), a fraction F faulty (default
//                  0.3), with a `label` column (0 healthy, 1 faulty) last
//
// DIR is created if it does not exist. The data is made up (a signal model of
// a rotating machine), not measured; the same options give the same bytes.
// Exit status: 0 written, 1 I/O error, 2 bad arguments.
#include "ember/host/numbers.hpp"
#include "ember/host/vibration.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

namespace {

constexpr const char* kUsage = "usage: ember_vibration --out-dir DIR [--seed S] [--train N] "
                               "[--test N] [--fault-fraction F]\n";

} // namespace

int main(int argc, char** argv) {
    ember::host::VibrationConfig cfg;
    std::string out_dir;
    for (int i = 1; i < argc; ++i) {
        const char* opt = argv[i];
        if (std::strcmp(opt, "--help") == 0 || std::strcmp(opt, "-h") == 0) {
            std::printf("%s", kUsage);
            return 0;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "ember_vibration: unknown option or missing value: %s\n%s", opt,
                         kUsage);
            return 2;
        }
        const char* value = argv[++i];
        unsigned long long n = 0;
        if (std::strcmp(opt, "--out-dir") == 0) {
            if (*value == 0) {
                std::fprintf(stderr, "ember_vibration: --out-dir: an empty directory name\n");
                return 2;
            }
            out_dir = value;
        } else if (std::strcmp(opt, "--seed") == 0) {
            if (std::string e = ember::host::parse_uint(opt, value, 0, ~0ull, n); !e.empty()) {
                std::fprintf(stderr, "ember_vibration: %s\n", e.c_str());
                return 2;
            }
            cfg.seed = n;
        } else if (std::strcmp(opt, "--train") == 0 || std::strcmp(opt, "--test") == 0) {
            if (std::string e = ember::host::parse_uint(opt, value, 1, 10000000, n); !e.empty()) {
                std::fprintf(stderr, "ember_vibration: %s\n", e.c_str());
                return 2;
            }
            (opt[3] == 'r' ? cfg.train_windows : cfg.test_windows) = static_cast<std::size_t>(n);
        } else if (std::strcmp(opt, "--fault-fraction") == 0) {
            if (std::string e = ember::host::parse_double(
                    opt, value, 0.0, 1.0, ember::host::Ends::closed, cfg.fault_fraction);
                !e.empty()) {
                std::fprintf(stderr, "ember_vibration: %s\n", e.c_str());
                return 2;
            }
        } else {
            std::fprintf(stderr, "ember_vibration: unknown option: %s\n%s", opt, kUsage);
            return 2;
        }
    }
    if (out_dir.empty()) {
        std::fprintf(stderr, "ember_vibration: --out-dir is required\n%s", kUsage);
        return 2;
    }

    const auto t0 = std::chrono::steady_clock::now();
    ember::host::VibrationSet train, test;
    std::string error;
    if (!ember::host::generate_vibration(cfg, train, test, error)) {
        std::fprintf(stderr, "ember_vibration: %s\n", error.c_str());
        return 2;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) {
        std::fprintf(stderr, "ember_vibration: cannot create %s: %s\n", out_dir.c_str(),
                     ec.message().c_str());
        return 1;
    }
    const std::string train_path = out_dir + "/train.csv", test_path = out_dir + "/test.csv";
    if (!ember::host::write_vibration_csv(train_path, train, false)) {
        std::fprintf(stderr, "ember_vibration: cannot write %s\n", train_path.c_str());
        return 1;
    }
    if (!ember::host::write_vibration_csv(test_path, test, true)) {
        std::fprintf(stderr, "ember_vibration: cannot write %s\n", test_path.c_str());
        return 1;
    }

    std::size_t counts[4] = {0, 0, 0, 0};
    for (const auto f : test.faults) ++counts[static_cast<int>(f)];
    std::printf("ember_vibration: synthetic data (seed %llu, %zu windows of 4 channels x %zu "
                "samples at %.0f Hz, generated in %.2f s)\n"
                "  %s: %zu healthy windows\n"
                "  %s: %zu windows: %zu healthy, %zu bearing, %zu looseness, %zu imbalance\n",
                static_cast<unsigned long long>(cfg.seed), train.rows + test.rows,
                ember::host::vibration_samples, ember::host::vibration_sample_rate, seconds,
                train_path.c_str(), train.rows, test_path.c_str(), test.rows, counts[0], counts[1],
                counts[2], counts[3]);
    return 0;
}
