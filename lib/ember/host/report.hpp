// Detection quality of anomaly scores: ROC-AUC, average precision, the ROC
// curve and a one-picture report (energy histograms | ROC curve).
//
//     std::vector<double> energy = ...; // higher = more anomalous
//     std::vector<int> label = ...;     // 1 = anomaly, 0 = normal
//     const double auc = ember::host::roc_auc(energy, label);
//     ember::host::write_score_report_png("report.png", energy, label, threshold,
//                                         "vibration test set");
//
// Conventions (those of scikit-learn's roc_auc_score, average_precision_score
// and roc_curve): a window is flagged when its score is >= the threshold;
// equal scores are one threshold step (ties count half in the AUC and are
// grouped in AP). The metrics are NaN (the curve empty) when the input is
// unusable: the sizes differ, it is empty, a label is not 0 or 1 or a score
// is NaN (+-inf are ranked as usual); and when they are undefined: AUC and
// the ROC curve need both classes, AP needs at least one anomaly.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ember::host {

/// Area under the ROC curve, exactly: the probability that a random anomaly
/// scores above a random normal point, ties counted half. NaN if undefined.
double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);

/// Average precision, sum over the distinct thresholds (descending) of
/// (R_n - R_{n-1}) P_n with R_0 = 0, as sklearn.metrics.average_precision_score.
/// NaN if undefined (no anomaly); 1 if every point is an anomaly.
double average_precision(const std::vector<double>& scores, const std::vector<int>& labels);

/// One point of the ROC curve: rates of the rule "score >= threshold".
struct RocPoint {
    double fpr = 0;
    double tpr = 0;
    double threshold = 0;
};

/// The ROC curve: (0, 0) at threshold +inf, then one point per distinct score
/// in descending order, ending at (1, 1). Empty if undefined.
std::vector<RocPoint> roc_curve(const std::vector<double>& scores, const std::vector<int>& labels);

/// Writes one PNG of two panels under `title` (upper case, ASCII): left,
/// histograms of the scores of normal (blue) and anomalous (orange) points,
/// each scaled to its own count, overlapping, from the lowest scores (0.5 %
/// quantile) to twice the span up to the top of the normal scores (99.5 %
/// quantile) or the threshold (points beyond fall in the end bins, noted
/// under the axis), the threshold as a vertical line; right, the ROC curve with
/// the diagonal, the operating point of the threshold, AUC and AP. False if
/// the sizes differ, there is no finite score, or the file cannot be written
/// (or the library was built without stb_image_write).
bool write_score_report_png(const std::string& path, const std::vector<double>& scores,
                            const std::vector<int>& labels, double threshold,
                            const std::string& title);

} // namespace ember::host
