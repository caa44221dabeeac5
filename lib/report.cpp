#include "ember/host/report.hpp"

#include "ember/host/png.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numeric>

namespace ember::host {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Ranked scores: tie groups in descending score order, each with its counts.
struct Group {
    double score;
    std::size_t pos, neg;
};

// False if the input is unusable (see report.hpp).
bool rank(const std::vector<double>& scores, const std::vector<int>& labels,
          std::vector<Group>& groups, std::size_t& pos, std::size_t& neg) {
    if (scores.size() != labels.size() || scores.empty()) return false;
    std::vector<std::size_t> order(scores.size());
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (std::isnan(scores[i]) || (labels[i] != 0 && labels[i] != 1)) return false;
        order[i] = i;
    }
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    groups.clear();
    pos = neg = 0;
    for (const std::size_t i : order) {
        if (groups.empty() || groups.back().score != scores[i]) groups.push_back({scores[i], 0, 0});
        (labels[i] != 0 ? groups.back().pos : groups.back().neg) += 1;
        (labels[i] != 0 ? pos : neg) += 1;
    }
    return true;
}

// ---------------------------------------------------------------------------
// Drawing: a 3 x 5 pixel font (upper case, digits, some punctuation), lines,
// boxes and blended fills on an RgbImage.

struct Glyph {
    char c;
    const char* rows; // 5 rows, each an octal digit: 4 = left, 2 = middle, 1 = right pixel
};

constexpr Glyph kFont[] = {
    {'0', "75557"}, {'1', "26227"}, {'2', "71747"}, {'3', "71317"}, {'4', "55711"}, {'5', "74717"},
    {'6', "74757"}, {'7', "71222"}, {'8', "75757"}, {'9', "75717"}, {'A', "25755"}, {'B', "65656"},
    {'C', "34443"}, {'D', "65556"}, {'E', "74647"}, {'F', "74644"}, {'G', "34553"}, {'H', "55755"},
    {'I', "72227"}, {'J', "11152"}, {'K', "55655"}, {'L', "44447"}, {'M', "57755"}, {'N', "65555"},
    {'O', "25552"}, {'P', "65644"}, {'Q', "25563"}, {'R', "65655"}, {'S', "34216"}, {'T', "72222"},
    {'U', "55557"}, {'V', "55552"}, {'W', "55775"}, {'X', "55255"}, {'Y', "55222"}, {'Z', "71247"},
    {' ', "00000"}, {'.', "00002"}, {',', "00024"}, {':', "02020"}, {'-', "00700"}, {'+', "02720"},
    {'=', "07070"}, {'/', "11244"}, {'(', "24442"}, {')', "21112"}, {'%', "51245"}, {'_', "00007"},
    {'<', "12421"}, {'>', "42124"}, {'?', "71302"}};

struct Rgb {
    std::uint8_t r, g, b;
};

constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kGrey{150, 150, 150};
constexpr Rgb kLight{225, 225, 225};
constexpr Rgb kNormal{50, 100, 200};
constexpr Rgb kAnomaly{235, 120, 20};
constexpr Rgb kCurve{120, 30, 120};
constexpr int kScale = 2;            // font pixels per glyph pixel
constexpr int kAdvance = 4 * kScale; // glyph width plus one column
constexpr int kTextHeight = 5 * kScale;

void put(RgbImage& img, int x, int y, Rgb c, double alpha = 1.0) {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    std::uint8_t* p = img.at(x, y);
    const std::uint8_t v[3] = {c.r, c.g, c.b};
    for (int k = 0; k < 3; ++k)
        p[k] = static_cast<std::uint8_t>(std::lround((1.0 - alpha) * p[k] + alpha * v[k]));
}

void fill(RgbImage& img, int x0, int y0, int x1, int y1, Rgb c, double alpha = 1.0) {
    for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y)
        for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x) put(img, x, y, c, alpha);
}

// A line of width w (a square brush); every `dash` pixels on, `dash` off if dash > 0.
void line(RgbImage& img, double x0, double y0, double x1, double y1, Rgb c, int w = 1,
          int dash = 0) {
    const int steps =
        std::max(1, static_cast<int>(std::ceil(std::max(std::abs(x1 - x0), std::abs(y1 - y0)))));
    for (int i = 0; i <= steps; ++i) {
        if (dash > 0 && (i / dash) % 2 == 1) continue;
        const double t = static_cast<double>(i) / steps;
        const int x = static_cast<int>(std::lround(x0 + t * (x1 - x0)));
        const int y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
        fill(img, x - (w - 1) / 2, y - (w - 1) / 2, x + w / 2, y + w / 2, c);
    }
}

int text_width(const std::string& s) { return static_cast<int>(s.size()) * kAdvance - kScale; }

// Text with its top-left corner at (x, y); lower case is drawn as upper case.
void text(RgbImage& img, int x, int y, const std::string& s, Rgb c = kBlack) {
    for (char ch : s) {
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
        const char* rows = "71302"; // '?'
        for (const Glyph& g : kFont)
            if (g.c == ch) rows = g.rows;
        for (int r = 0; r < 5; ++r)
            for (int col = 0; col < 3; ++col)
                if ((rows[r] - '0') & (4 >> col))
                    fill(img, x + col * kScale, y + r * kScale, x + col * kScale + kScale - 1,
                         y + r * kScale + kScale - 1, c);
        x += kAdvance;
    }
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

// A plot area inside a panel: data (u, v) in [u0, u1] x [v0, v1] to pixels.
struct Frame {
    int left, top, width, height;
    double u0, u1, v0, v1;
    double x(double u) const { return left + (u - u0) / (u1 - u0) * width; }
    double y(double v) const { return top + height - (v - v0) / (v1 - v0) * height; }
    void draw(RgbImage& img) const {
        line(img, left, top, left + width, top, kBlack);
        line(img, left, top + height, left + width, top + height, kBlack);
        line(img, left, top, left, top + height, kBlack);
        line(img, left + width, top, left + width, top + height, kBlack);
    }
};

constexpr int kPanelW = 540, kPanelH = 440;

RgbImage histogram_panel(const std::vector<double>& scores, const std::vector<int>& labels,
                         double threshold) {
    RgbImage img(kPanelW, kPanelH);
    // The range: from the lowest scores to the normal class's top, the
    // threshold, and as far again beyond (anomaly scores can be heavy-tailed
    // and would squash the overlap, where the picture matters, to a few bins).
    std::vector<double> all, normal;
    for (std::size_t i = 0; i < scores.size(); ++i)
        if (std::isfinite(scores[i])) {
            all.push_back(scores[i]);
            if (labels[i] == 0) normal.push_back(scores[i]);
        }
    const auto quantile = [](std::vector<double>& v, double q) {
        std::sort(v.begin(), v.end());
        return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
    };
    double lo = quantile(all, 0.005);
    double hi = quantile(normal.empty() ? all : normal, 0.995);
    if (std::isfinite(threshold)) {
        lo = std::min(lo, threshold);
        hi = std::max(hi, threshold);
    }
    hi = std::min(all.back(), hi + (hi - lo));
    if (!(hi > lo)) {
        lo -= 0.5;
        hi += 0.5;
    }
    const double pad = 0.03 * (hi - lo);
    lo -= pad;
    hi += pad;
    constexpr int kBins = 60;
    double count[2][kBins] = {};
    std::size_t n[2] = {0, 0};
    bool clipped = false;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (std::isnan(scores[i])) continue;
        const int cls = labels[i] != 0 ? 1 : 0;
        const double f = (scores[i] - lo) / (hi - lo) * kBins;
        const int b = f < 0 ? 0 : f >= kBins ? kBins - 1 : static_cast<int>(f);
        clipped = clipped || f >= kBins;
        count[cls][b] += 1.0;
        ++n[cls];
    }
    // The vertical scale leaves out the end bin that holds the points beyond
    // the range (its bars are cut at the top).
    double top = 0.0;
    for (int cls = 0; cls < 2; ++cls)
        for (int b = 0; b < kBins; ++b) {
            double& c = count[cls][b];
            c = n[cls] > 0 ? c / static_cast<double>(n[cls]) : 0.0;
            if (!(clipped && b == kBins - 1)) top = std::max(top, c);
        }
    const Frame fr{60, 40, kPanelW - 80, kPanelH - 100, lo, hi, 0.0, top > 0 ? 1.08 * top : 1.0};
    for (int cls = 0; cls < 2; ++cls)
        for (int b = 0; b < kBins; ++b) {
            if (count[cls][b] <= 0.0) continue;
            const double u0 = lo + (hi - lo) * b / kBins, u1 = lo + (hi - lo) * (b + 1) / kBins;
            const int x0 = static_cast<int>(std::lround(fr.x(u0))) + 1;
            const int x1 = static_cast<int>(std::lround(fr.x(u1)));
            const int y0 = std::max(fr.top, static_cast<int>(std::lround(fr.y(count[cls][b]))));
            fill(img, x0, y0, x1, fr.top + fr.height - 1, cls == 0 ? kNormal : kAnomaly, 0.55);
        }
    fr.draw(img);
    if (std::isfinite(threshold)) {
        const double x = fr.x(threshold);
        line(img, x, fr.top, x, fr.top + fr.height, kBlack, 2);
        const std::string t = "THRESHOLD " + fmt("%.4g", threshold);
        const int tx = std::min(static_cast<int>(x) + 6, fr.left + fr.width - text_width(t) - 4);
        text(img, std::max(fr.left + 4, tx), fr.top + 6, t);
    }
    // Axis: the ends and the middle of the range.
    for (int k = 0; k <= 2; ++k) {
        const double u = lo + (hi - lo) * k / 2;
        const std::string s = fmt("%.3g", u);
        const int x = static_cast<int>(fr.x(u));
        line(img, x, fr.top + fr.height, x, fr.top + fr.height + 4, kBlack);
        text(img, std::clamp(x - text_width(s) / 2, 0, kPanelW - text_width(s)),
             fr.top + fr.height + 8, s);
    }
    const std::string axis = "SCORE (ENERGY)";
    text(img, fr.left + (fr.width - text_width(axis)) / 2, fr.top + fr.height + 24, axis);
    // Legend, top right under the threshold label.
    const std::string names[2] = {"NORMAL  N=" + std::to_string(n[0]),
                                  "ANOMALOUS  N=" + std::to_string(n[1])};
    for (int cls = 0; cls < 2; ++cls) {
        const int y = fr.top + 24 + cls * (kTextHeight + 8);
        const int x = fr.left + fr.width - 14 - text_width(names[1]) - 18;
        fill(img, x, y, x + 12, y + kTextHeight - 1, cls == 0 ? kNormal : kAnomaly, 0.55);
        text(img, x + 18, y, names[cls]);
    }
    text(img, fr.left, 14, "HISTOGRAMS, EACH SCALED TO ITS CLASS");
    if (clipped) {
        const std::string note = "LAST BIN: ALL ABOVE";
        text(img, fr.left + fr.width - text_width(note), fr.top + fr.height + 24, note, kGrey);
    }
    return img;
}

RgbImage roc_panel(const std::vector<double>& scores, const std::vector<int>& labels,
                   double threshold) {
    RgbImage img(kPanelW, kPanelH);
    const int side = kPanelH - 100;
    const Frame fr{(kPanelW - side) / 2 + 20, 40, side, side, 0.0, 1.0, 0.0, 1.0};
    for (int k = 1; k < 4; ++k) {
        const double t = k / 4.0;
        line(img, fr.x(t), fr.top, fr.x(t), fr.top + fr.height, kLight);
        line(img, fr.left, fr.y(t), fr.left + fr.width, fr.y(t), kLight);
    }
    line(img, fr.x(0), fr.y(0), fr.x(1), fr.y(1), kGrey, 1, 4);
    const std::vector<RocPoint> roc = roc_curve(scores, labels);
    for (std::size_t i = 1; i < roc.size(); ++i)
        line(img, fr.x(roc[i - 1].fpr), fr.y(roc[i - 1].tpr), fr.x(roc[i].fpr), fr.y(roc[i].tpr),
             kCurve, 2);
    fr.draw(img);
    for (int k = 0; k <= 2; ++k) {
        const double t = k / 2.0;
        const std::string s = fmt("%.1f", t);
        text(img, static_cast<int>(fr.x(t)) - text_width(s) / 2, fr.top + fr.height + 8, s);
        text(img, fr.left - text_width(s) - 6, static_cast<int>(fr.y(t)) - kTextHeight / 2, s);
    }
    const std::string xa = "FALSE POSITIVE RATE";
    text(img, fr.left + (fr.width - text_width(xa)) / 2, fr.top + fr.height + 24, xa);
    text(img, fr.left, 14, "ROC: TRUE POSITIVE RATE (UP)");
    if (roc.empty()) {
        text(img, fr.left + 10, fr.top + 10, "UNDEFINED: NEEDS BOTH CLASSES");
        return img;
    }
    // The operating point of the threshold: the rates of "score >= threshold".
    if (std::isfinite(threshold)) {
        double fpr = 0.0, tpr = 0.0;
        for (const RocPoint& p : roc)
            if (p.threshold >= threshold) {
                fpr = p.fpr;
                tpr = p.tpr;
            }
        const int x = static_cast<int>(std::lround(fr.x(fpr)));
        const int y = static_cast<int>(std::lround(fr.y(tpr)));
        fill(img, x - 4, y - 4, x + 4, y + 4, kBlack);
        text(img, fr.left + fr.width / 2, fr.top + fr.height - 3 * (kTextHeight + 6),
             "AT THRESHOLD:");
        text(img, fr.left + fr.width / 2, fr.top + fr.height - 2 * (kTextHeight + 6),
             "FPR " + fmt("%.3f", fpr) + "  TPR " + fmt("%.3f", tpr));
    }
    text(img, fr.left + fr.width / 2, fr.top + fr.height - (kTextHeight + 6),
         "AUC " + fmt("%.3f", roc_auc(scores, labels)) + "  AP " +
             fmt("%.3f", average_precision(scores, labels)));
    return img;
}

} // namespace

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels) {
    std::vector<Group> groups;
    std::size_t pos = 0, neg = 0;
    if (!rank(scores, labels, groups, pos, neg) || pos == 0 || neg == 0) return kNaN;
    // Pairs (anomaly, normal) ordered correctly, ties counted half; walking
    // up from the lowest score, count the normal points below each group.
    double correct = 0.0;
    std::size_t neg_below = 0;
    for (auto g = groups.rbegin(); g != groups.rend(); ++g) {
        correct += static_cast<double>(g->pos) *
                   (static_cast<double>(neg_below) + 0.5 * static_cast<double>(g->neg));
        neg_below += g->neg;
    }
    return correct / (static_cast<double>(pos) * static_cast<double>(neg));
}

double average_precision(const std::vector<double>& scores, const std::vector<int>& labels) {
    std::vector<Group> groups;
    std::size_t pos = 0, neg = 0;
    if (!rank(scores, labels, groups, pos, neg) || pos == 0) return kNaN;
    double ap = 0.0;
    std::size_t tp = 0, fp = 0;
    for (const Group& g : groups) {
        tp += g.pos;
        fp += g.neg;
        if (g.pos == 0) continue; // recall unchanged: no term
        const double recall_step = static_cast<double>(g.pos) / static_cast<double>(pos);
        ap += recall_step * static_cast<double>(tp) / static_cast<double>(tp + fp);
    }
    return ap;
}

std::vector<RocPoint> roc_curve(const std::vector<double>& scores, const std::vector<int>& labels) {
    std::vector<Group> groups;
    std::size_t pos = 0, neg = 0;
    if (!rank(scores, labels, groups, pos, neg) || pos == 0 || neg == 0) return {};
    std::vector<RocPoint> out;
    out.reserve(groups.size() + 1);
    out.push_back({0.0, 0.0, std::numeric_limits<double>::infinity()});
    std::size_t tp = 0, fp = 0;
    for (const Group& g : groups) {
        tp += g.pos;
        fp += g.neg;
        out.push_back({static_cast<double>(fp) / static_cast<double>(neg),
                       static_cast<double>(tp) / static_cast<double>(pos), g.score});
    }
    return out;
}

bool write_score_report_png(const std::string& path, const std::vector<double>& scores,
                            const std::vector<int>& labels, double threshold,
                            const std::string& title) {
    if (scores.size() != labels.size()) return false;
    if (std::none_of(scores.begin(), scores.end(), [](double s) { return std::isfinite(s); }))
        return false;
    const RgbImage panels = hconcat(
        {histogram_panel(scores, labels, threshold), roc_panel(scores, labels, threshold)}, 0);
    constexpr int kTitleH = 36;
    RgbImage img(panels.width, panels.height + kTitleH);
    std::copy(panels.pixels.begin(), panels.pixels.end(), img.at(0, kTitleH));
    text(img, (img.width - text_width(title)) / 2, (kTitleH - kTextHeight) / 2 + 4, title);
    return write_png(path, img);
}

} // namespace ember::host
