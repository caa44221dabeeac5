// ember — training: umbrella header.
//
// Minibatch training of a model's unnormalised log-density f (an Mlp, or
// block 0 of a Model of several parameter blocks), with fixed-size state and
// no allocation:
//  - train/score_matching.hpp  ExactScoreMatching, SlicedScoreMatching (+VR),
//                              DenoisingScoreMatching: loss and gradient
//  - train/contrastive_divergence.hpp  ContrastiveDivergence: CD-k and
//                              persistent CD (replay_buffer.hpp) with any sampler
//  - train/nce.hpp             NoiseContrastiveEstimation with a learned log Z
//                              (gaussian_noise.hpp: the fitted noise)
//  - train/optim.hpp           Sgd, Adam, AdamW, LrSchedule, grad_norm, clipping
//  - train/trainer.hpp         Trainer: the loop (full example in its comment)
//  - train/points.hpp          Points: a view of training points
//  - train/shuffle.hpp         Permutation: seeded shuffling without an index array
// The passes themselves are the network's Engine (nn/engine.hpp).
#pragma once

#include "ember/train/contrastive_divergence.hpp"
#include "ember/train/gaussian_noise.hpp"
#include "ember/train/nce.hpp"
#include "ember/train/optim.hpp"
#include "ember/train/points.hpp"
#include "ember/train/replay_buffer.hpp"
#include "ember/train/score_matching.hpp"
#include "ember/train/shuffle.hpp"
#include "ember/train/trainer.hpp"
