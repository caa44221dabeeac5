// Must NOT compile: score matching needs second derivatives of f, and relu's
// are zero almost everywhere, so ExactScoreMatching rejects a relu network
// with a static_assert (detail::RequireSmooth in train/score_matching.hpp).
// CTest test ember.compile_fail.sm_relu builds this file and passes only if
// the build fails with that static_assert's message.
//
// With -DEMBER_COMPILE_FAIL_CONTROL the same code uses ember::Swish and must
// compile (test ember.compile_fail.sm_relu_control): the failure above then
// cannot come from anything but the activation.
#include <ember/ember.hpp>

#include <cstddef>

#if defined(EMBER_COMPILE_FAIL_CONTROL)
using Activation = ember::Swish;
#else
using Activation = ember::Relu;
#endif

using Net = ember::Mlp<float, Activation, 2, 8>;
using Loss = ember::train::ExactScoreMatching<Net>;

static Net net;
static Loss loss;
static float grad[Net::param_count];

int main() {
    net.init(1);
    const float data[2 * 4] = {0.0f, 1.0f, -1.0f, 0.5f, 2.0f, -0.5f, 0.25f, 0.75f};
    const auto batch = ember::train::Points<float>::contiguous({data, 2 * 4}, 2);
    ember::Pcg32 rng(1, 0);
    float value = 0.0f;
    if (loss.loss_and_grad(net.data(), batch, rng, grad, value) != ember::Status::ok) return 1;
    return value == value ? 0 : 1;
}
