// ember — normalizing flows: umbrella header (docs/flow.md).
//  - flow/real_nvp.hpp            RealNvp: affine couplings + elementwise affine
//                                 over N(0, I); log-density, sampling, gradients
//  - flow/maximum_likelihood.hpp  MaximumLikelihood: the Trainer's loss
//  - flow/flow_noise.hpp          FlowNoise: a flow as NCE's noise distribution
#pragma once

#include "ember/flow/flow_noise.hpp"
#include "ember/flow/maximum_likelihood.hpp"
#include "ember/flow/real_nvp.hpp"
