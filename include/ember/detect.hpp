// ember — on-device anomaly detection (detect/*.hpp): standardisation,
// calibrated thresholds, streaming quantiles and alarm logic.
#pragma once

#include "ember/detect/alarm.hpp"
#include "ember/detect/anomaly_detector.hpp"
#include "ember/detect/quantile.hpp"
#include "ember/detect/standardizer.hpp"
