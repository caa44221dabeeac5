// ember — umbrella header: everything on-device.
#pragma once

#include "ember/config.hpp"
#include "ember/detect.hpp"
#include "ember/flow.hpp"
#include "ember/fp.hpp"
#include "ember/io/crc32.hpp"
#include "ember/io/model_file.hpp"
#include "ember/math.hpp"
#include "ember/nn/activation.hpp"
#include "ember/nn/dense.hpp"
#include "ember/nn/mlp.hpp"
#include "ember/nn/model.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"
#include "ember/sample.hpp"
#include "ember/train.hpp"
#include "ember/train/flow_training.hpp" // FCE and adversarial training (needs flow.hpp)
