// The saturated golden networks have teeth: computed in double precision
// (where nothing is subnormal), every pass of each case gives values in the
// float subnormal range, so a target that kept or flushed subnormals
// differently would not reproduce the golden table.
#include "golden_mlp_cases.hpp"

#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <cstring>

namespace ember_test_golden_saturated_host { // one namespace per test file (EMBER_TEST_UNITY
                                             // batches)

namespace {

// Values v with |v| in [FLT_TRUE_MIN / 2, FLT_MIN): subnormal (not zero) as floats.
std::size_t subnormal_as_float(const double* v, std::size_t n) {
    std::size_t c = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double a = std::fabs(v[i]);
        c += a >= 0.5 * double(FLT_TRUE_MIN) && a < double(FLT_MIN);
    }
    return c;
}

template <class NetF>
struct DoubleOf;
template <class Act, std::size_t... S>
struct DoubleOf<ember::Mlp<float, Act, S...>> {
    using type = ember::Mlp<double, Act, S...>;
};

struct Count {
    template <class NetF>
    void operator()(const char* tag, std::uint64_t seed, const golden::Saturation& sat) {
        using NetD = typename DoubleOf<NetF>::type;
        constexpr std::size_t D = NetF::input_dim, P = NetF::param_count, N = golden::kPoints;
        static NetF nf;
        nf.init(seed);
        golden::saturate(nf, sat);
        static NetD nd;
        for (std::size_t i = 0; i < P; ++i) nd.params[i] = double(nf.params[i]);
        using E = ember::Engine<typename NetD::spec_type, N, 0, 1>;
        static E e;
        ember::Pcg32 rng(seed, 99); // the golden case's points and directions
        for (std::size_t n = 0; n < N; ++n)
            for (std::size_t i = 0; i < D; ++i) {
                e.x[n * E::DP + i] = double(6.0f * ember::uniform01<float>(rng) - 3.0f);
                e.v2[n * E::DP + i] = double(1.0f - 0.25f * float(i));
            }
        e.forward(nd.data());
        e.grad_x({nd.data(), nullptr});
        e.tangents(nd.data());
        static double g1[P], g3[P], gx[D * N];
        std::memset(g1, 0, sizeof g1);
        std::memset(g3, 0, sizeof g3);
        for (std::size_t n = 0; n < N; ++n) {
            e.gamma[n] = 1;
            e.alpha2[n] = e.beta2[n] = 0;
            for (std::size_t i = 0; i < D; ++i) gx[n * D + i] = e.gx[n * E::DP + i];
        }
        e.backward({nd.data(), nullptr}, N, g1);
        e.tangents(nd.data()); // backward consumed u and q
        for (std::size_t n = 0; n < N; ++n) {
            e.gamma[n] = 0.5;
            e.alpha2[n] = e.fdot2[n];
            e.beta2[n] = 1;
        }
        e.backward({nd.data(), nullptr}, N, g3);
        const std::size_t c[6] = {subnormal_as_float(e.f, N),     subnormal_as_float(gx, D * N),
                                  subnormal_as_float(e.fdot2, N), subnormal_as_float(e.fddot2, N),
                                  subnormal_as_float(g1, P),      subnormal_as_float(g3, P)};
        MESSAGE(doctest::String(tag)
                << ": subnormal as float: f " << c[0] << "/" << N << ", grad_x " << c[1] << "/"
                << D * N << ", fdot " << c[2] << "/" << N << ", fddot " << c[3] << "/" << N
                << ", grad_theta pass 1 " << c[4] << "/" << P << ", pass 3 " << c[5] << "/" << P);
        CHECK(c[4] > 0);
        CHECK(c[5] > 0);
        if (std::strcmp(tag, "sat_tanh_f_3_17_9") == 0) {
            CHECK(c[0] == N);
        } else {
            CHECK(c[1] > 0);
            CHECK(c[2] > 0);
            CHECK(c[3] > 0);
        }
        total_f += c[0];
    }
    std::size_t total_f = 0;
};

} // namespace

TEST_CASE("golden: the saturated networks put every pass in the subnormal range") {
    Count count;
    golden::saturated_cases(count);
    CHECK(count.total_f > 0);
}

} // namespace ember_test_golden_saturated_host
