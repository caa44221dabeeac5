// ember — training without sampling: umbrella header.
//
// Minibatch training of a model's unnormalised log-density f (an Mlp, or
// block 0 of a Model of several parameter blocks) by score matching, with
// fixed-size state and no allocation:
//  - train/score_matching.hpp  ExactScoreMatching, SlicedScoreMatching (+VR),
//                              DenoisingScoreMatching: loss and gradient
//  - train/optim.hpp           Sgd, Adam, AdamW, LrSchedule, grad_norm, clipping
//  - train/trainer.hpp         Trainer: the loop (full example in its comment)
//  - train/points.hpp          Points: a view of training points
//  - train/shuffle.hpp         Permutation: seeded shuffling without an index array
// The passes themselves are the network's Engine (nn/engine.hpp).
#pragma once

#include "ember/train/optim.hpp"
#include "ember/train/points.hpp"
#include "ember/train/score_matching.hpp"
#include "ember/train/shuffle.hpp"
#include "ember/train/trainer.hpp"
