// ember: train an anomaly detector on a CSV of normal data, score CSV rows,
// export the model as a C++ header for firmware, describe a model file.
//
//     ember train  --data train.csv --out model.ember [--header model.h] [options]
//     ember score  --model model.ember --data test.csv [--out FILE]
//     ember export --model model.ember --header model.h [--name NAME]
//     ember info   --model model.ember
//
// Exit status: 0 success, 1 a file or its contents were refused (the message
// says which and where; nothing is written), 2 a wrong command line.
#include "cli.hpp"

#include "ember/host/csv.hpp"
#include "ember/host/model_io.hpp"
#include "ember/host/numbers.hpp"
#include "ember/host/report.hpp"
#include "ember/io/model_file.hpp"
#include "ember/status.hpp"

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace cli = ember::cli;
namespace host = ember::host;

const char* const usage_text =
    "usage:\n"
    "  ember train  --data FILE.csv --out MODEL [--header FILE.h] [--name NAME]\n"
    "               [--method nce] [--hidden 16,16|32,32|64,64] [--steps N] [--seed S]\n"
    "               [--nu K] [--noise-scale S] [--lr LR] [--validation F]\n"
    "               [--false-alarm-rate R] [--patience N] [--quiet]\n"
    "  ember score  --model MODEL --data FILE.csv [--out FILE] [--decisions] [--bits]\n"
    "               [--plot FILE.png]\n"
    "  ember export --model MODEL --header FILE.h [--name NAME]\n"
    "               [--samples FILE.csv [--max-samples N]]\n"
    "  ember info   --model MODEL\n"
    "\n"
    "CSV: a header row, then comma-separated numbers; a column named `label`\n"
    "(0 normal, 1 anomaly) is not a feature. At most 64 features.\n"
    "train: learns the energy of normal rows (noise-contrastive estimation\n"
    "  against a Gaussian fitted to the standardised data), holds out a part of\n"
    "  the rows to stop early and to set the threshold for the false-alarm rate.\n"
    "score: one energy per data row on standard output (higher = more\n"
    "  anomalous); with a label column, ROC-AUC and average precision on\n"
    "  standard error, and with --plot a picture of the energy histograms and\n"
    "  the ROC curve. --decisions adds ',1' to rows above the threshold (',0' else);\n"
    "  --bits prints each energy as its float bits (0x...), as firmware does.\n";

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "ember: %s\n\n%s", msg.c_str(), usage_text);
    std::exit(2);
}

[[noreturn]] void fail(const std::string& msg) {
    std::fprintf(stderr, "ember: %s\n", msg.c_str());
    std::exit(1);
}

// --flag value pairs and bare flags; every flag must be known to the command.
struct Args {
    std::map<std::string, std::string> values;
    std::map<std::string, bool> switches;

    bool has(const std::string& k) const { return values.count(k) != 0; }
    std::string get(const std::string& k, const std::string& def = "") const {
        const auto it = values.find(k);
        return it == values.end() ? def : it->second;
    }
    std::string need(const std::string& k) const {
        if (!has(k)) usage_error("missing " + k);
        return get(k);
    }
    bool flag(const std::string& k) const { return switches.count(k) != 0; }
};

Args parse_args(int argc, char** argv, const std::vector<std::string>& with_value,
                const std::vector<std::string>& bare) {
    Args a;
    for (int i = 2; i < argc; ++i) {
        const std::string k = argv[i];
        bool known = false;
        for (const auto& w : with_value)
            if (k == w) {
                if (i + 1 >= argc) usage_error("missing value after " + k);
                if (a.has(k)) usage_error(k + " given twice");
                a.values[k] = argv[++i];
                known = true;
            }
        for (const auto& b : bare)
            if (k == b) {
                a.switches[k] = true;
                known = true;
            }
        if (!known) usage_error(std::string("unknown option for '") + argv[1] + "': " + k);
    }
    return a;
}

unsigned long long parse_uint(const std::string& flag, const std::string& text,
                              unsigned long long min, unsigned long long max) {
    unsigned long long v = 0;
    if (std::string e = host::parse_uint(flag, text, min, max, v); !e.empty()) usage_error(e);
    return v;
}

// A number in the open interval (lo, hi).
float parse_float(const std::string& flag, const std::string& text, float lo, float hi) {
    float v = 0.0f;
    if (std::string e = host::parse_float(flag, text, lo, hi, host::Ends::open, v); !e.empty())
        usage_error(e);
    return v;
}

host::CsvTable read_table(const std::string& path) {
    host::CsvTable t;
    host::CsvError e;
    if (!host::read_csv(path, t, e, cli::max_features)) fail(host::describe(e, path));
    return t;
}

host::FileModel read_model(const std::string& path) {
    std::vector<std::uint8_t> bytes;
    if (host::IoResult r = host::read_file(path, bytes); !r) fail(r.error);
    host::FileModel m;
    if (host::IoResult r = host::decode_model_file({bytes.data(), bytes.size()}, m); !r)
        fail("'" + path + "' is not a valid ember model file: " + r.error);
    return m;
}

std::string default_name(const std::string& path) {
    std::size_t slash = path.find_last_of('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    const std::size_t dot = base.find('.');
    if (dot != std::string::npos) base = base.substr(0, dot);
    std::string name;
    for (char c : base)
        name +=
            ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '_';
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) name = "model_" + name;
    return name;
}

void write_text(const std::string& path, const std::string& text) {
    if (host::IoResult r = host::write_file(
            path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
        !r)
        fail(r.error);
}

// Progress on standard error: a bar redrawn in place on a terminal, a line
// per report otherwise.
class ProgressPrinter {
public:
    explicit ProgressPrinter(bool quiet) : quiet_(quiet), tty_(isatty(2) != 0) {}

    void operator()(const cli::Progress& p) {
        if (quiet_) return;
        const double t = seconds();
        const double rate = t > 0 ? p.step / t : 0;
        const double eta = rate > 0 ? (p.max_steps - p.step) / rate : 0;
        const double frac = p.max_steps ? double(p.step) / p.max_steps : 1;
        if (tty_) {
            constexpr int width = 24;
            const int full = static_cast<int>(std::lround(frac * width));
            std::string bar(static_cast<std::size_t>(full), '#');
            bar.resize(width, '.');
            std::fprintf(stderr,
                         "\rtrain [%s] %3.0f%% step %u/%u  loss %.4f  held-out %.4f (best %.4f)  "
                         "%.0f steps/s  ETA %.0fs ",
                         bar.c_str(), 100 * frac, p.step, p.max_steps, p.loss, p.val_loss,
                         p.best_val, rate, eta);
            std::fflush(stderr);
            drawn_ = true;
        } else if (p.step % (10 * 100) == 0 || p.step == p.max_steps) {
            std::fprintf(stderr, "step %u/%u  loss %.4f  held-out %.4f (best %.4f)  %.0f steps/s\n",
                         p.step, p.max_steps, p.loss, p.val_loss, p.best_val, rate);
        }
    }
    void finish() {
        if (drawn_) std::fprintf(stderr, "\n");
    }
    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    bool quiet_, tty_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void print_info(const host::FileModel& m, std::size_t bytes, FILE* out) {
    const auto& a = m.arch;
    const std::size_t value_bytes = a.scalar == 1 ? 4 : 8;
    std::fprintf(out, "network     %s\n", host::net_type_name(a).c_str());
    std::fprintf(out, "inputs      %" PRIu32 "\n", a.input_dim);
    std::string hidden;
    for (std::size_t l = 0; l < a.hidden_layers; ++l)
        hidden += (l ? "x" : "") + std::to_string(a.hidden[l]);
    std::fprintf(out, "hidden      %s\n", hidden.c_str());
    std::fprintf(out, "parameters  %" PRIu32 " (%zu bytes)\n", a.param_count,
                 std::size_t(a.param_count) * value_bytes);
    std::fprintf(out, "file        %zu bytes, format version %u\n", bytes,
                 unsigned(ember::io::model_file_version));
    std::fprintf(out, "standardise %s\n", m.mean.empty() ? "no" : "yes (mean, scale per input)");
    if (m.has_log_z)
        std::fprintf(out, "log Z       %.9g\n", m.log_z);
    else
        std::fprintf(out, "log Z       unknown\n");
    if (m.has_threshold)
        std::fprintf(out, "threshold   %.9g (energy above it: anomaly)\n", m.threshold);
    else
        std::fprintf(out, "threshold   none\n");
    const std::string why = cli::supported(m);
    std::fprintf(out, "this tool   %s\n",
                 why.empty() ? "can score it" : ("cannot score it: " + why).c_str());
}

int cmd_train(int argc, char** argv) {
    const Args a = parse_args(argc, argv,
                              {"--data", "--out", "--header", "--name", "--method", "--hidden",
                               "--steps", "--seed", "--nu", "--noise-scale", "--lr", "--validation",
                               "--false-alarm-rate", "--patience"},
                              {"--quiet"});
    const std::string data = a.need("--data"), out = a.need("--out");
    cli::TrainSettings s;
    const std::string method = a.get("--method", "nce");
    if (method != "nce")
        usage_error("--method: nce (noise-contrastive estimation) is the one method");
    if (a.has("--hidden")) {
        const std::string h = a.get("--hidden");
        if (h == "16,16")
            s.hidden = 16;
        else if (h == "32,32")
            s.hidden = 32;
        else if (h == "64,64")
            s.hidden = 64;
        else
            usage_error("--hidden: 16,16 or 32,32 or 64,64 (the sizes this tool is built with)");
    }
    if (a.has("--steps"))
        s.max_steps =
            static_cast<std::uint32_t>(parse_uint("--steps", a.get("--steps"), 1, 10000000));
    if (a.has("--seed")) s.seed = parse_uint("--seed", a.get("--seed"), 0, ~0ull - 1);
    if (a.has("--nu")) s.nu = static_cast<std::uint32_t>(parse_uint("--nu", a.get("--nu"), 1, 64));
    if (a.has("--noise-scale"))
        s.noise_scale = parse_float("--noise-scale", a.get("--noise-scale"), 0.0f, 100.0f);
    if (a.has("--lr")) s.lr = parse_float("--lr", a.get("--lr"), 0.0f, 1.0f);
    if (a.has("--validation"))
        s.validation = parse_float("--validation", a.get("--validation"), 0.0f, 0.9f);
    if (a.has("--false-alarm-rate"))
        s.false_alarm_rate =
            parse_float("--false-alarm-rate", a.get("--false-alarm-rate"), 0.0f, 1.0f);
    if (a.has("--patience"))
        s.patience =
            static_cast<std::uint32_t>(parse_uint("--patience", a.get("--patience"), 1, 1000000));
    const std::string name = a.get("--name", default_name(a.get("--header", out)));
    if (a.has("--header") && !host::is_c_identifier(name))
        usage_error("--name: '" + name + "' is not a C identifier");

    const host::CsvTable t = read_table(data);
    const std::size_t dim = t.features.size();
    if (!t.labels.empty()) {
        std::size_t anomalies = 0;
        for (int l : t.labels) anomalies += l == 1;
        if (anomalies)
            std::fprintf(stderr,
                         "ember: note: %zu of the %zu training rows are labelled 1 (anomaly); "
                         "they are used as normal data\n",
                         anomalies, t.rows);
    }
    const bool quiet = a.flag("--quiet");
    if (!quiet)
        std::fprintf(stderr, "ember: %zu rows x %zu features from '%s'; network %zu -> %u x %u\n",
                     t.rows, dim, data.c_str(), dim, s.hidden, s.hidden);
    ProgressPrinter progress(quiet);
    cli::TrainResult r;
    const std::string err = cli::train(
        t.values, dim, s, [&](const cli::Progress& p) { progress(p); }, r);
    progress.finish();
    if (!err.empty()) fail("training failed: " + err);
    if (2 * r.skipped > r.steps)
        fail("training failed: " + std::to_string(r.skipped) + " of " + std::to_string(r.steps) +
             " steps were skipped (non-finite loss); try a smaller --lr. Nothing was written.");

    std::vector<std::uint8_t> bytes;
    if (host::IoResult e = host::encode_model_file(r.model, bytes); !e) fail(e.error);
    if (a.has("--header"))
        if (host::IoResult e = host::export_c_header(r.model, name, a.get("--header")); !e)
            fail(e.error);
    if (host::IoResult e = host::write_file(out, {bytes.data(), bytes.size()}); !e) fail(e.error);
    if (!quiet) {
        std::fprintf(stderr,
                     "ember: %u steps in %.1f s (best held-out loss %.4f at step %u; classifier "
                     "accuracy %.3f)\n",
                     r.steps, progress.seconds(), r.best_val, r.best_step, r.val_accuracy);
        std::fprintf(stderr,
                     "ember: %zu training rows, %zu held out; threshold %.6g (%.3g %% of held-out "
                     "rows above it); log Z %.6g\n",
                     r.train_rows, r.val_rows, r.model.threshold,
                     100.0 * static_cast<double>(s.false_alarm_rate), r.model.log_z);
        std::fprintf(stderr, "ember: wrote %s (%zu bytes)%s%s\n", out.c_str(), bytes.size(),
                     a.has("--header") ? " and " : "", a.get("--header").c_str());
    }
    if (r.skipped)
        std::fprintf(stderr, "ember: warning: %u of %u steps were skipped (non-finite loss)\n",
                     r.skipped, r.steps);
    return 0;
}

int cmd_score(int argc, char** argv) {
    const Args a =
        parse_args(argc, argv, {"--model", "--data", "--out", "--plot"}, {"--decisions", "--bits"});
    const std::string model_path = a.need("--model"), data = a.need("--data");
    const host::FileModel m = read_model(model_path);
    if (const std::string why = cli::supported(m); !why.empty())
        fail("'" + model_path + "': this tool cannot score it: " + why);
    const host::CsvTable t = read_table(data);
    if (t.features.size() != m.arch.input_dim)
        fail("'" + data + "' has " + std::to_string(t.features.size()) +
             " feature columns, the model " + std::to_string(m.arch.input_dim));
    std::vector<float> energies;
    std::vector<char> anomalous;
    if (const std::string err = cli::score(m, t.values, energies, anomalous); !err.empty())
        fail("'" + data + "': " + err);
    std::string text;
    char line[64];
    for (std::size_t r = 0; r < energies.size(); ++r) {
        if (a.flag("--bits")) {
            std::uint32_t b;
            std::memcpy(&b, &energies[r], sizeof b);
            std::snprintf(line, sizeof line, "0x%08" PRIx32 "%s\n", b,
                          a.flag("--decisions") ? (anomalous[r] ? ",1" : ",0") : "");
        } else if (a.flag("--decisions"))
            std::snprintf(line, sizeof line, "%.9g,%d\n", double(energies[r]), int(anomalous[r]));
        else
            std::snprintf(line, sizeof line, "%.9g\n", double(energies[r]));
        text += line;
    }
    if (a.has("--out"))
        write_text(a.get("--out"), text);
    else
        std::fwrite(text.data(), 1, text.size(), stdout);
    if (!t.labels.empty()) {
        std::vector<double> sc(energies.begin(), energies.end());
        std::size_t pos = 0, flagged = 0, flagged_pos = 0;
        for (std::size_t r = 0; r < t.labels.size(); ++r) {
            pos += t.labels[r] == 1;
            flagged += anomalous[r] != 0;
            flagged_pos += anomalous[r] != 0 && t.labels[r] == 1;
        }
        if (pos == 0 || pos == t.labels.size()) {
            std::fprintf(stderr, "ember: the labels hold one class only: no ROC-AUC\n");
        } else {
            std::fprintf(stderr,
                         "ROC-AUC %.4f  average precision %.4f  (%zu rows, %zu anomalies)\n",
                         host::roc_auc(sc, t.labels), host::average_precision(sc, t.labels),
                         t.labels.size(), pos);
            if (m.has_threshold)
                std::fprintf(stderr,
                             "at the threshold %.6g: %zu of %zu anomalies flagged, %zu of %zu "
                             "normal rows flagged\n",
                             m.threshold, flagged_pos, pos, flagged - flagged_pos,
                             t.labels.size() - pos);
            if (a.has("--plot")) {
                if (!host::write_score_report_png(
                        a.get("--plot"), sc, t.labels,
                        m.has_threshold ? m.threshold : std::numeric_limits<double>::quiet_NaN(),
                        "ember score " + data))
                    fail("cannot write the picture '" + a.get("--plot") + "'");
                std::fprintf(stderr, "ember: wrote %s\n", a.get("--plot").c_str());
            }
        }
    }
    if (a.has("--plot") && t.labels.empty())
        std::fprintf(stderr, "ember: --plot needs a label column; no picture written\n");
    return 0;
}

// `<name>_sample_count`, `<name>_samples` (rows x D, float bits exactly as
// read) and `<name>_sample_labels` when the CSV has labels: test vectors for
// firmware, inserted before the header's closing #endif.
std::string samples_text(const host::CsvTable& t, std::size_t count, const std::string& name) {
    std::string s = "\n// Test vectors (ember export --samples): " + std::to_string(count) +
                    " rows of the CSV, in order.\n";
    s += "inline constexpr unsigned " + name + "_sample_count = " + std::to_string(count) + ";\n";
    s += "inline constexpr float " + name + "_samples[" + std::to_string(count) + " * " +
         std::to_string(t.features.size()) + "] = {\n";
    for (std::size_t r = 0; r < count; ++r) {
        s += "   ";
        for (std::size_t d = 0; d < t.features.size(); ++d)
            s += " " + host::hex_literal(t.values[r * t.features.size() + d]) + ",";
        s += "\n";
    }
    s += "};\n";
    if (!t.labels.empty()) {
        s += "inline constexpr unsigned char " + name + "_sample_labels[" + std::to_string(count) +
             "] = {";
        for (std::size_t r = 0; r < count; ++r)
            s += (r % 32 == 0 ? "\n    " : " ") + std::to_string(t.labels[r]) + ",";
        s += "\n};\n";
    }
    return s;
}

int cmd_export(int argc, char** argv) {
    const Args a =
        parse_args(argc, argv, {"--model", "--header", "--name", "--samples", "--max-samples"}, {});
    const std::string model_path = a.need("--model"), header = a.need("--header");
    const std::string name = a.get("--name", default_name(header));
    if (!host::is_c_identifier(name)) usage_error("--name: '" + name + "' is not a C identifier");
    std::size_t max_samples = 256;
    if (a.has("--max-samples"))
        max_samples = parse_uint("--max-samples", a.get("--max-samples"), 1, 1000000);
    const host::FileModel m = read_model(model_path);
    std::ostringstream text;
    if (host::IoResult r = host::export_c_header(m, name, text); !r) fail(r.error);
    std::string h = text.str();
    if (a.has("--samples")) {
        const host::CsvTable t = read_table(a.get("--samples"));
        if (t.features.size() != m.arch.input_dim)
            fail("'" + a.get("--samples") + "' has " + std::to_string(t.features.size()) +
                 " feature columns, the model " + std::to_string(m.arch.input_dim));
        const std::size_t at = h.rfind("\n#endif");
        h.insert(at == std::string::npos ? h.size() : at,
                 samples_text(t, std::min(t.rows, max_samples), name));
    }
    write_text(header, h);
    std::fprintf(stderr, "ember: wrote %s (%s, %s_view())\n", header.c_str(),
                 host::net_type_name(m.arch).c_str(), name.c_str());
    return 0;
}

int cmd_info(int argc, char** argv) {
    const Args a = parse_args(argc, argv, {"--model"}, {});
    const std::string model_path = a.need("--model");
    std::vector<std::uint8_t> bytes;
    if (host::IoResult r = host::read_file(model_path, bytes); !r) fail(r.error);
    const host::FileModel m = read_model(model_path);
    print_info(m, bytes.size(), stdout);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage_error("a command is needed: train, score, export or info");
    const std::string cmd = argv[1];
    if (cmd == "train") return cmd_train(argc, argv);
    if (cmd == "score") return cmd_score(argc, argv);
    if (cmd == "export") return cmd_export(argc, argv);
    if (cmd == "info") return cmd_info(argc, argv);
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        std::fputs(usage_text, stdout);
        return 0;
    }
    usage_error("unknown command '" + cmd + "'");
}
