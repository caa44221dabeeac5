// Detection metrics (lib/ember/host/report.hpp) on hand-computed cases, and
// the synthetic vibration data (lib/ember/host/vibration.hpp): deterministic
// to the byte, finite, and the faults move the features they should.
#include "ember/host/report.hpp"
#include "ember/host/vibration.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace ember_test_report_host { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace host = ember::host;

namespace {

std::string temp_path(const char* leaf) { return std::string(EMBER_TEST_BINARY_DIR) + "/" + leaf; }

std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 0xcbf29ce484222325u;
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3u;
    }
    return h;
}

// Mean of feature `j` over the rows of `set` with fault `f`.
double mean_feature(const host::VibrationSet& set, host::VibrationFault f, std::size_t j) {
    double sum = 0.0;
    std::size_t n = 0;
    for (std::size_t i = 0; i < set.rows; ++i)
        if (set.faults[i] == f) {
            sum += set.features[i * host::vibration_features + j];
            ++n;
        }
    REQUIRE(n > 0);
    return sum / static_cast<double>(n);
}

} // namespace

TEST_CASE("report: roc_auc and average_precision on hand-computed cases") {
    // 3 of the 4 (anomaly, normal) pairs are ordered; AP = 0.5 * 1 + 0.5 * 2/3.
    const std::vector<double> s{0.1, 0.4, 0.35, 0.8};
    const std::vector<int> y{0, 0, 1, 1};
    CHECK(host::roc_auc(s, y) == doctest::Approx(0.75).epsilon(1e-15));
    CHECK(host::average_precision(s, y) == doctest::Approx(5.0 / 6.0).epsilon(1e-15));

    // A tie between an anomaly and a normal point counts half in the AUC and
    // is one threshold step in AP: (0.5 + 1 + 1 + 1) / 4; 0.5 * 1 + 0.5 * 2/3.
    const std::vector<double> t{0.5, 0.5, 0.2, 0.9};
    const std::vector<int> ty{1, 0, 0, 1};
    CHECK(host::roc_auc(t, ty) == doctest::Approx(0.875).epsilon(1e-15));
    CHECK(host::average_precision(t, ty) == doctest::Approx(5.0 / 6.0).epsilon(1e-15));

    // All scores equal: chance, and AP is the anomaly rate.
    CHECK(host::roc_auc({1, 1, 1, 1}, {0, 1, 0, 1}) == 0.5);
    CHECK(host::average_precision({1, 1, 1, 1}, {0, 1, 0, 0}) == 0.25);
    // Perfect and reversed rankings; infinities rank as numbers.
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(host::roc_auc({-inf, 0, 2, inf}, {0, 0, 1, 1}) == 1.0);
    CHECK(host::average_precision({-inf, 0, 2, inf}, {0, 0, 1, 1}) == 1.0);
    CHECK(host::roc_auc({3, 2, 1}, {0, 1, 1}) == 0.0);
    // Only anomalies: AP is 1, the AUC is undefined.
    CHECK(host::average_precision({1, 2}, {1, 1}) == 1.0);
    CHECK(std::isnan(host::roc_auc({1, 2}, {1, 1})));
}

TEST_CASE("report: unusable or one-class input gives NaN and an empty curve") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(std::isnan(host::roc_auc({}, {})));
    CHECK(std::isnan(host::average_precision({}, {})));
    CHECK(std::isnan(host::roc_auc({1, 2}, {0, 1, 1})));         // sizes differ
    CHECK(std::isnan(host::roc_auc({1, 2}, {0, 2})));            // not a 0/1 label
    CHECK(std::isnan(host::average_precision({1, 2}, {0, -1}))); // not a 0/1 label
    CHECK(std::isnan(host::roc_auc({1, nan}, {0, 1})));          // NaN score
    CHECK(std::isnan(host::average_precision({1, nan}, {0, 1})));
    CHECK(std::isnan(host::roc_auc({1, 2}, {0, 0})));           // no anomaly
    CHECK(std::isnan(host::average_precision({1, 2}, {0, 0}))); // no anomaly
    CHECK(host::roc_curve({1, 2}, {0, 0}).empty());
    CHECK(host::roc_curve({1, 2}, {0, 1, 1}).empty());
    CHECK_FALSE(host::write_score_report_png(temp_path("report_bad.png"), {1, 2}, {0}, 1.5, "x"));
    CHECK_FALSE(
        host::write_score_report_png(temp_path("report_bad.png"), {nan, nan}, {0, 1}, 1.5, "x"));
}

TEST_CASE("report: roc_curve steps through the distinct scores in descending order") {
    const std::vector<host::RocPoint> roc = host::roc_curve({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1});
    REQUIRE(roc.size() == 5);
    const double want[5][3] = {{0, 0, std::numeric_limits<double>::infinity()},
                               {0, 0.5, 0.8},
                               {0.5, 0.5, 0.4},
                               {0.5, 1, 0.35},
                               {1, 1, 0.1}};
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(roc[i].fpr == want[i][0]);
        CHECK(roc[i].tpr == want[i][1]);
        CHECK(roc[i].threshold == want[i][2]);
    }
    // Ties are one point.
    CHECK(host::roc_curve({1, 1, 1}, {0, 1, 0}).size() == 2);
}

TEST_CASE("report: the score report is a PNG file (when built with stb_image_write)") {
    const std::string path = temp_path("report_ok.png");
    std::remove(path.c_str());
    const std::vector<double> s{0.1, 0.4, 0.35, 0.8, 2.0, -1.0};
    const std::vector<int> y{0, 0, 1, 1, 1, 0};
    if (!host::write_score_report_png(path, s, y, 0.5, "test report")) return; // no stb
    std::FILE* f = std::fopen(path.c_str(), "rb");
    REQUIRE(f != nullptr);
    unsigned char sig[8] = {};
    CHECK(std::fread(sig, 1, 8, f) == 8);
    std::fclose(f);
    CHECK(sig[0] == 0x89);
    CHECK(sig[1] == 'P');
    CHECK(sig[2] == 'N');
    CHECK(sig[3] == 'G');
}

TEST_CASE("vibration: the same configuration gives the same CSV bytes, on every target") {
    host::VibrationConfig cfg;
    cfg.seed = 7;
    cfg.train_windows = 6;
    cfg.test_windows = 9;
    host::VibrationSet tr1, te1, tr2, te2;
    std::string err;
    REQUIRE(host::generate_vibration(cfg, tr1, te1, err));
    REQUIRE(host::generate_vibration(cfg, tr2, te2, err));
    const std::string train = host::vibration_csv(tr1, false),
                      test = host::vibration_csv(te1, true);
    CHECK(train == host::vibration_csv(tr2, false));
    CHECK(test == host::vibration_csv(te2, true));
    CHECK(te1.rows == 9);
    int faulty = 0;
    for (const int l : te1.labels) faulty += l;
    CHECK(faulty == 3); // round(0.3 * 9)
    // The bytes themselves (the same from x86-64, aarch64 and armv7 builds;
    // the host tests run on the ARM targets under qemu too).
    CHECK(fnv1a(train) == 6748769058661962445u);
    CHECK(fnv1a(test) == 63194423293169548u);
    // The test windows do not depend on the number of training windows.
    cfg.train_windows = 1;
    REQUIRE(host::generate_vibration(cfg, tr2, te2, err));
    CHECK(host::vibration_csv(te2, true) == test);
    // Header: 16 feature names, then the label column.
    CHECK(test.substr(0, test.find('\n'))
              .find("ch1_rms,ch1_kurtosis,ch1_hf_rms,ch1_hf_centroid,"
                    "ch2_rms") == 0);
    CHECK(test.find(",ch4_hf_centroid,label\n") != std::string::npos);
}

TEST_CASE("vibration: invalid configurations are refused and leave the sets alone") {
    host::VibrationSet tr, te;
    tr.rows = 42;
    std::string err;
    host::VibrationConfig cfg;
    cfg.train_windows = 0;
    CHECK_FALSE(host::generate_vibration(cfg, tr, te, err));
    CHECK(!err.empty());
    cfg = host::VibrationConfig{};
    cfg.fault_fraction = 1.5;
    CHECK_FALSE(host::generate_vibration(cfg, tr, te, err));
    cfg.fault_fraction = std::numeric_limits<double>::quiet_NaN();
    CHECK_FALSE(host::generate_vibration(cfg, tr, te, err));
    cfg = host::VibrationConfig{};
    cfg.test_windows = 10000001;
    CHECK_FALSE(host::generate_vibration(cfg, tr, te, err));
    CHECK(tr.rows == 42);
}

TEST_CASE("vibration: finite features, and each fault moves the features it should") {
    host::VibrationConfig cfg;
    cfg.seed = 3;
    cfg.train_windows = 40;
    cfg.test_windows = 72;
    cfg.fault_fraction = 0.5; // 12 windows of each kind
    host::VibrationSet tr, te;
    std::string err;
    REQUIRE(host::generate_vibration(cfg, tr, te, err));
    REQUIRE(tr.features.size() == 40 * host::vibration_features);
    REQUIRE(te.features.size() == 72 * host::vibration_features);
    for (const double v : tr.features) REQUIRE(std::isfinite(v));
    for (const double v : te.features) REQUIRE(std::isfinite(v));
    for (const int l : tr.labels) CHECK(l == 0);
    for (std::size_t i = 0; i < te.rows; ++i) {
        CHECK(te.labels[i] == (te.faults[i] == host::VibrationFault::none ? 0 : 1));
        CHECK(te.severity[i] >= 0.0);
        CHECK(te.severity[i] <= 1.0);
    }
    using F = host::VibrationFault;
    // Columns of channel 1 (drive end): 0 rms, 1 kurtosis, 2 hf_rms, 3 hf_centroid.
    CHECK(mean_feature(te, F::bearing, 1) > mean_feature(tr, F::none, 1));
    CHECK(mean_feature(te, F::bearing, 2) > 1.2 * mean_feature(tr, F::none, 2));
    CHECK(mean_feature(te, F::imbalance, 0) > 1.2 * mean_feature(tr, F::none, 0));
    // Looseness lowers the resonance: the centroid of channel 3 moves down.
    CHECK(mean_feature(te, F::looseness, 11) < mean_feature(tr, F::none, 11) - 50.0);
    // Healthy windows of the test set look like the training set.
    CHECK(std::abs(mean_feature(te, F::none, 0) / mean_feature(tr, F::none, 0) - 1.0) < 0.1);
}

} // namespace ember_test_report_host
