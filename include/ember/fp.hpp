// ember — floating-point contract (placeholder until the fp-contract branch lands).
#pragma once

namespace ember::fp {

/// Scoped flush-to-zero guard (placeholder: no-op).
class Scope {
public:
    Scope() noexcept {}
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
};

} // namespace ember::fp
