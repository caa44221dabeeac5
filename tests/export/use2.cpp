// A second translation unit including the exported header: its arrays are
// inline variables, one object for the whole program.
#include "exported_model.hpp"

const float* params_seen_by_other_unit() noexcept { return exported_params; }
