// ember — samplers: umbrella header.
//
// Kernel-style MCMC over a fixed number of chains, SIMD across chains:
//  - sample/target.hpp       the target concept; MlpTarget, GaussianTarget, FunctionTarget
//  - sample/sampler_config.hpp SamplerConfig, MetropolisConfig, Path
//  - sample/state.hpp        ChainState (x, f, grad f, streams, counts), StepReport
//  - sample/mh.hpp           RandomWalkMh   (Gaussian random walk + Metropolis)
//  - sample/langevin.hpp     Ula, UlaConfig (unadjusted Langevin; tempered variant)
//  - sample/mala.hpp         Mala           (Metropolis-adjusted Langevin; full example)
//  - sample/adapt.hpp        DualAveraging  (step-size warm-up)
//  - sample/diagnostics.hpp  Diagnostics, split_rhat, effective_sample_size
#pragma once

#include "ember/sample/adapt.hpp"
#include "ember/sample/diagnostics.hpp"
#include "ember/sample/kernel.hpp"
#include "ember/sample/langevin.hpp"
#include "ember/sample/mala.hpp"
#include "ember/sample/mh.hpp"
#include "ember/sample/sampler_config.hpp"
#include "ember/sample/state.hpp"
#include "ember/sample/target.hpp"
