// minitest: a small stand-in for the part of doctest's API that ember's portable
// tests use, for images too small for doctest itself. doctest's reporters are
// built on libstdc++'s iostreams and locales (about 240 KB of flash on
// Cortex-M), which leaves nothing for the tests in the lm3s6965evb's 256 KiB.
// This header prints with printf and keeps its state in static storage.
//
// Used instead of <doctest/doctest.h> when EMBER_TEST_MINITEST is ON (the
// cortex-m3 preset). What it provides:
//   TEST_CASE, TEST_CASE_TEMPLATE, TEST_SUITE, SUBCASE,
//   CHECK, CHECK_FALSE, CHECK_EQ/NE/LT/GT/LE/GE, CHECK_UNARY, CHECK_MESSAGE
//   and the REQUIRE_ forms of all of these, CAPTURE, INFO, MESSAGE, FAIL,
//   doctest::Approx, doctest::Context(argc, argv).run(),
//   and the options --test-case=, --test-suite=, --list-test-cases (so that
//   doctest_discover_tests works), with doctest's comma lists and wildcards.
// Differences: a failed REQUIRE ends the whole run (there are no exceptions to
// unwind the test case with); values are printed for arithmetic types,
// enums, pointers and strings only. Test names match doctest's, including
// "name<type>" for template test cases.
#ifndef EMBER_MINITEST_DOCTEST_H
#define EMBER_MINITEST_DOCTEST_H

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <type_traits>

namespace doctest {

/// Floating-point comparison with doctest's tolerance rule.
class Approx {
public:
    explicit Approx(double value) : value_(value) {}
    Approx operator()(double value) const {
        Approx copy(*this);
        copy.value_ = value;
        return copy;
    }
    Approx& epsilon(double epsilon) {
        epsilon_ = epsilon;
        return *this;
    }
    Approx& scale(double scale) {
        scale_ = scale;
        return *this;
    }
    double value() const { return value_; }

    friend bool operator==(double lhs, const Approx& rhs) {
        const double magnitude =
            std::fabs(lhs) > std::fabs(rhs.value_) ? std::fabs(lhs) : std::fabs(rhs.value_);
        return std::fabs(lhs - rhs.value_) < rhs.epsilon_ * (rhs.scale_ + magnitude);
    }
    friend bool operator==(const Approx& lhs, double rhs) { return rhs == lhs; }
    friend bool operator!=(double lhs, const Approx& rhs) { return !(lhs == rhs); }
    friend bool operator!=(const Approx& lhs, double rhs) { return !(rhs == lhs); }
    friend bool operator<=(double lhs, const Approx& rhs) { return lhs < rhs.value_ || lhs == rhs; }
    friend bool operator<=(const Approx& lhs, double rhs) { return lhs.value_ < rhs || lhs == rhs; }
    friend bool operator>=(double lhs, const Approx& rhs) { return lhs > rhs.value_ || lhs == rhs; }
    friend bool operator>=(const Approx& lhs, double rhs) { return lhs.value_ > rhs || lhs == rhs; }
    friend bool operator<(double lhs, const Approx& rhs) { return lhs < rhs.value_ && lhs != rhs; }
    friend bool operator<(const Approx& lhs, double rhs) { return lhs.value_ < rhs && lhs != rhs; }
    friend bool operator>(double lhs, const Approx& rhs) { return lhs > rhs.value_ && lhs != rhs; }
    friend bool operator>(const Approx& lhs, double rhs) { return lhs.value_ > rhs && lhs != rhs; }

private:
    double epsilon_ = 1.1920928955078125e-05; // 100 * FLT_EPSILON, as doctest
    double scale_ = 1.0;
    double value_;
};

namespace detail {

// ---------------------------------------------------------------------------
// Text: a fixed buffer filled with <<, printed with printf.
class Stream {
public:
    Stream& operator<<(const char* text) {
        append(text != nullptr ? text : "(null)");
        return *this;
    }
    Stream& operator<<(char* text) { return *this << static_cast<const char*>(text); }
    Stream& operator<<(char c) {
        const char text[2] = {c, '\0'};
        append(text);
        return *this;
    }
    Stream& operator<<(bool value) {
        append(value ? "true" : "false");
        return *this;
    }
    Stream& operator<<(const Stream& other) {
        append(other.c_str());
        return *this;
    }
    Stream& operator<<(const Approx& approx) {
        append("Approx( ");
        *this << approx.value();
        append(" )");
        return *this;
    }
    template <class T>
    Stream& operator<<(const T& value) {
        if constexpr (std::is_array_v<T>) {
            if constexpr (std::is_same_v<std::remove_cv_t<std::remove_extent_t<T>>, char>) {
                append(value); // a string literal
            } else {
                append("{?}");
            }
        } else if constexpr (std::is_enum_v<T>) {
            *this << static_cast<std::underlying_type_t<T>>(value);
        } else if constexpr (std::is_floating_point_v<T>) {
            char text[32];
            std::snprintf(text, sizeof text, "%.9g", static_cast<double>(value));
            append(text);
        } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
            const long long v = value;
            if (v < 0) {
                append("-");
                put_unsigned(0ull - static_cast<unsigned long long>(v));
            } else {
                put_unsigned(static_cast<unsigned long long>(v));
            }
        } else if constexpr (std::is_integral_v<T>) {
            put_unsigned(static_cast<unsigned long long>(value));
        } else if constexpr (std::is_pointer_v<T>) {
            append("0x");
            put_unsigned(reinterpret_cast<std::uintptr_t>(value), 16);
        } else {
            append("{?}");
        }
        return *this;
    }

    const char* c_str() const { return text_; }
    void clear() {
        size_ = 0;
        text_[0] = '\0';
    }

private:
    // nano printf has no %llu: format 64-bit integers here.
    void put_unsigned(unsigned long long value, unsigned base = 10) {
        char digits[24];
        int n = 0;
        do {
            const unsigned digit = static_cast<unsigned>(value % base);
            digits[n++] = static_cast<char>(digit < 10 ? '0' + digit : 'a' + digit - 10);
            value /= base;
        } while (value != 0);
        char text[24];
        for (int i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
        text[n] = '\0';
        append(text);
    }
    void append(const char* text) {
        while (*text != '\0' && size_ + 1 < sizeof text_) text_[size_++] = *text++;
        text_[size_] = '\0';
    }

    char text_[200] = {};
    std::size_t size_ = 0;
};

// ---------------------------------------------------------------------------
// Registry: a linked list of test cases in static storage.
using TestFunction = void (*)();

struct TestCase {
    const char* name;
    const char* suite;
    const char* file;
    int line;
    TestFunction function;
    TestCase* next;
};

struct Registry {
    TestCase* head;
    TestCase* tail;
};
inline Registry g_registry{nullptr, nullptr};

inline bool add_test(TestCase* test) {
    test->next = nullptr;
    if (g_registry.tail != nullptr) {
        g_registry.tail->next = test;
    } else {
        g_registry.head = test;
    }
    g_registry.tail = test;
    return true;
}

// "name<type>" as doctest spells it: the type as GCC prints it.
template <class T>
struct TypeName {
    char text[96];
    TypeName() {
        const char* pretty = __PRETTY_FUNCTION__; // "...TypeName() [with T = float]"
        const char* begin = std::strstr(pretty, "T = ");
        std::size_t n = 0;
        if (begin != nullptr) {
            begin += 4;
            const std::size_t length = std::strlen(begin);
            n = length > 0 ? length - 1 : 0; // drop the closing ']'
        }
        if (n >= sizeof text) n = sizeof text - 1;
        if (n > 0) std::memcpy(text, begin, n);
        text[n] = '\0';
    }
};

template <class Tag, class T>
TestCase* template_test(const char* name) {
    static char full_name[160];
    static TestCase test;
    std::snprintf(full_name, sizeof full_name, "%s<%s>", name, TypeName<T>().text);
    test.name = full_name;
    return &test;
}

template <class Tag, class... Types>
bool add_template_test(const char* name, const char* suite, const char* file, int line) {
    (
        [&] {
            TestCase* test = template_test<Tag, Types>(name);
            test->suite = suite;
            test->file = file;
            test->line = line;
            test->function = &Tag::template run<Types>;
            add_test(test);
        }(),
        ...);
    return true;
}

// ---------------------------------------------------------------------------
// State of the run.
struct Capture {
    const char* name;
    const void* value;
    void (*print)(Stream&, const void*);
};

struct State {
    static constexpr int max_depth = 8;
    static constexpr int max_done = 128;
    static constexpr int max_captures = 8;

    const TestCase* test;
    bool test_failed;
    long assertions;
    long assertions_failed;
    // Subcases: each run of a test case enters at most one not-yet-finished
    // subcase per level; the test case runs again while any is left.
    int depth;
    std::uint32_t path[max_depth + 1];
    bool entered[max_depth + 1]; // a subcase was entered at this level in this run
    bool pending[max_depth + 1]; // a subcase at this level still has to run
    std::uint32_t done[max_done];
    int done_count;
    Capture captures[max_captures];
    int capture_count;
};
inline State g_state{};

inline std::uint32_t hash(std::uint32_t seed, const char* text, int line) {
    std::uint32_t h = seed ^ 2166136261u;
    for (; *text != '\0'; ++text) h = (h ^ static_cast<unsigned char>(*text)) * 16777619u;
    return (h ^ static_cast<std::uint32_t>(line)) * 16777619u;
}

inline bool is_done(std::uint32_t h) {
    for (int i = 0; i < g_state.done_count; ++i)
        if (g_state.done[i] == h) return true;
    return false;
}

class Subcase {
public:
    Subcase(const char* name, int line) {
        State& s = g_state;
        if (s.depth >= State::max_depth) return;
        const std::uint32_t h = hash(s.path[s.depth], name, line);
        if (is_done(h)) return;
        if (s.entered[s.depth]) {
            s.pending[s.depth] = true; // a sibling ran: this one waits for another run
            return;
        }
        s.entered[s.depth] = true;
        ++s.depth;
        s.path[s.depth] = h;
        s.entered[s.depth] = false;
        s.pending[s.depth] = false;
        entered_ = true;
    }
    ~Subcase() {
        if (!entered_) return;
        State& s = g_state;
        if (s.pending[s.depth]) {
            s.pending[s.depth - 1] = true; // children left: run this subcase again
        } else if (s.done_count < State::max_done) {
            s.done[s.done_count++] = s.path[s.depth];
        }
        --s.depth;
    }
    Subcase(const Subcase&) = delete;
    Subcase& operator=(const Subcase&) = delete;
    explicit operator bool() const { return entered_; }

private:
    bool entered_ = false;
};

class CaptureScope {
public:
    template <class T>
    CaptureScope(const char* name, const T& value) {
        State& s = g_state;
        if (s.capture_count < State::max_captures) {
            s.captures[s.capture_count++] = {
                name, &value, [](Stream& out, const void* p) { out << *static_cast<const T*>(p); }};
            active_ = true;
        }
    }
    ~CaptureScope() {
        if (active_) --g_state.capture_count;
    }
    CaptureScope(const CaptureScope&) = delete;
    CaptureScope& operator=(const CaptureScope&) = delete;

private:
    bool active_ = false;
};

// INFO: the message is formatted at once and kept while in scope.
class InfoScope {
public:
    explicit InfoScope(const Stream& message) : message_(message), capture_(nullptr, message_) {}

private:
    Stream message_;
    CaptureScope capture_;
};

// ---------------------------------------------------------------------------
// Assertions: `Decomposer() << a == b` keeps both sides to print on failure.
struct Result {
    bool passed;
    Stream text; // filled only on failure
};

template <class L>
struct Lhs {
    const L& lhs;

    template <class R>
    Result compare(bool passed, const char* op, const R& rhs) const {
        Result result{passed, {}};
        if (!passed) result.text << lhs << op << rhs;
        return result;
    }
    template <class R>
    Result operator==(const R& rhs) const {
        return compare(lhs == rhs, " == ", rhs);
    }
    template <class R>
    Result operator!=(const R& rhs) const {
        return compare(lhs != rhs, " != ", rhs);
    }
    template <class R>
    Result operator<(const R& rhs) const {
        return compare(lhs < rhs, " < ", rhs);
    }
    template <class R>
    Result operator<=(const R& rhs) const {
        return compare(lhs <= rhs, " <= ", rhs);
    }
    template <class R>
    Result operator>(const R& rhs) const {
        return compare(lhs > rhs, " > ", rhs);
    }
    template <class R>
    Result operator>=(const R& rhs) const {
        return compare(lhs >= rhs, " >= ", rhs);
    }
    Result result() const {
        const bool passed = static_cast<bool>(lhs);
        Result r{passed, {}};
        if (!passed) r.text << lhs;
        return r;
    }
};

struct Decomposer {
    template <class L>
    Lhs<L> operator<<(const L& lhs) const {
        return Lhs<L>{lhs};
    }
};

inline Result to_result(Result result) { return result; }
template <class L>
Result to_result(const Lhs<L>& lhs) {
    return lhs.result();
}

inline void print_captures() {
    const State& s = g_state;
    for (int i = 0; i < s.capture_count; ++i) {
        Stream value;
        s.captures[i].print(value, s.captures[i].value);
        if (s.captures[i].name != nullptr) {
            std::printf("  logged: %s := %s\n", s.captures[i].name, value.c_str());
        } else {
            std::printf("  logged: %s\n", value.c_str());
        }
    }
}

inline void finish_after_require();

// expect_false: CHECK_FALSE and REQUIRE_FALSE.
inline void assertion(const Result& result, bool expect_false, bool require, const char* macro,
                      const char* expression, const char* file, int line) {
    State& s = g_state;
    ++s.assertions;
    if (result.passed != expect_false) return;
    ++s.assertions_failed;
    s.test_failed = true;
    std::printf("%s:%d: ERROR: %s( %s ) is NOT correct!\n", file, line, macro, expression);
    if (!expect_false && result.text.c_str()[0] != '\0')
        std::printf("  values: %s( %s )\n", macro, result.text.c_str());
    print_captures();
    if (require) finish_after_require();
}

inline void message(const Stream& text, const char* kind, const char* file, int line) {
    std::printf("%s:%d: %s: %s\n", file, line, kind, text.c_str());
    print_captures();
}

// ---------------------------------------------------------------------------
// Runner.
inline char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive match with * and ?, as doctest's filters.
inline bool wildcard_match(const char* text, const char* pattern, const char* pattern_end) {
    if (pattern == pattern_end) return *text == '\0';
    if (*pattern == '*') {
        for (;; ++text) {
            if (wildcard_match(text, pattern + 1, pattern_end)) return true;
            if (*text == '\0') return false;
        }
    }
    if (*text == '\0') return false;
    if (*pattern != '?' && lower(*pattern) != lower(*text)) return false;
    return wildcard_match(text + 1, pattern + 1, pattern_end);
}

// A filter is a comma-separated list of patterns; "\," is a literal comma.
inline bool matches_filter(const char* text, const char* filter) {
    char pattern[200];
    while (true) {
        std::size_t n = 0;
        for (; *filter != '\0' && *filter != ','; ++filter) {
            if (*filter == '\\' && filter[1] == ',') ++filter;
            if (n + 1 < sizeof pattern) pattern[n++] = *filter;
        }
        pattern[n] = '\0';
        if (wildcard_match(text, pattern, pattern + n)) return true;
        if (*filter == '\0') return false;
        ++filter;
    }
}

struct Options {
    const char* test_case = nullptr;
    const char* test_suite = nullptr;
    bool list = false;
};

inline const char* option_value(const char* arg, const char* long_name, const char* short_name) {
    while (*arg == '-') ++arg;
    for (const char* name : {long_name, short_name}) {
        const std::size_t n = std::strlen(name);
        if (std::strncmp(arg, name, n) == 0 && arg[n] == '=') return arg + n + 1;
    }
    return nullptr;
}

inline bool selected(const TestCase& test, const Options& options) {
    if (options.test_case != nullptr && !matches_filter(test.name, options.test_case)) return false;
    if (options.test_suite != nullptr && !matches_filter(test.suite, options.test_suite))
        return false;
    return true;
}

inline const char* const rule =
    "===============================================================================";

inline void print_summary(long cases, long passed, long failed, long skipped) {
    const State& s = g_state;
    std::printf("%s\n[doctest] test cases: %ld | %ld passed | %ld failed | %ld skipped\n", rule,
                cases, passed, failed, skipped);
    std::printf("[doctest] assertions: %ld | %ld passed | %ld failed |\n", s.assertions,
                s.assertions - s.assertions_failed, s.assertions_failed);
    std::printf("[doctest] Status: %s!\n", failed == 0 ? "SUCCESS" : "FAILURE");
}

struct Counts {
    long cases, passed, failed, skipped;
};
inline Counts g_counts{};

inline void finish_after_require() {
    std::printf("  (REQUIRE failed: the run stops here)\n");
    print_summary(g_counts.cases + 1, g_counts.passed, g_counts.failed + 1, g_counts.skipped);
    std::fflush(stdout);
    std::exit(1);
}

inline void run_test(const TestCase& test) {
    State& s = g_state;
    s.test = &test;
    s.test_failed = false;
    s.done_count = 0;
    int runs = 0;
    do {
        if (++runs > 1000) { // the table of finished subcases overflowed
            std::printf("%s:%d: ERROR: too many subcases in \"%s\"\n", test.file, test.line,
                        test.name);
            s.test_failed = true;
            break;
        }
        s.depth = 0;
        s.path[0] = hash(0u, test.name, test.line);
        s.entered[0] = false;
        s.pending[0] = false;
        s.capture_count = 0;
        test.function();
    } while (s.pending[0]);
}

} // namespace detail

/// doctest::Context subset: the command line, then run().
class Context {
public:
    Context(int argc, const char* const* argv) {
        for (int i = 1; i < argc; ++i) {
            const char* arg = argv[i];
            if (const char* v = detail::option_value(arg, "test-case", "tc")) {
                options_.test_case = v;
            } else if (const char* w = detail::option_value(arg, "test-suite", "ts")) {
                options_.test_suite = w;
            } else if (std::strcmp(arg, "--list-test-cases") == 0 ||
                       std::strcmp(arg, "-ltc") == 0) {
                options_.list = true;
            }
        }
    }

    int run() {
        using namespace detail;
        std::printf("[doctest] ember minitest (a doctest subset)\n");
        Counts& counts = g_counts;
        counts = Counts{};
        if (options_.list) {
            std::printf("%s\n[doctest] listing all test case names\n%s\n", rule, rule);
            long n = 0;
            for (const TestCase* t = g_registry.head; t != nullptr; t = t->next) {
                if (!selected(*t, options_)) continue;
                std::printf("%s\n", t->name);
                ++n;
            }
            std::printf("%s\n[doctest] unskipped test cases passing the current filters: %ld\n",
                        rule, n);
            return 0;
        }
        for (const TestCase* t = g_registry.head; t != nullptr; t = t->next) {
            if (!selected(*t, options_)) {
                ++counts.skipped;
                continue;
            }
            run_test(*t);
            ++counts.cases;
            if (g_state.test_failed) {
                ++counts.failed;
                std::printf("%s:%d: test case \"%s\" FAILED\n", t->file, t->line, t->name);
            } else {
                ++counts.passed;
            }
        }
        print_summary(counts.cases, counts.passed, counts.failed, counts.skipped);
        return counts.failed == 0 ? 0 : 1;
    }

private:
    detail::Options options_;
};

} // namespace doctest

// Suite of the test cases that follow: TEST_SUITE(name) { ... } redefines it.
inline const char* doctest_minitest_suite() { return ""; }

#define DOCTEST_MINITEST_CAT2(a, b) a##b
#define DOCTEST_MINITEST_CAT(a, b) DOCTEST_MINITEST_CAT2(a, b)
#define DOCTEST_MINITEST_ID(prefix) DOCTEST_MINITEST_CAT(prefix, __COUNTER__)

#define DOCTEST_MINITEST_TEST_CASE(f, name)                                                        \
    static void f();                                                                               \
    static ::doctest::detail::TestCase DOCTEST_MINITEST_CAT(f, _test){                             \
        name, doctest_minitest_suite(), __FILE__, __LINE__, &f, nullptr};                          \
    static const bool DOCTEST_MINITEST_CAT(f, _registered) [[maybe_unused]] =                      \
        ::doctest::detail::add_test(&DOCTEST_MINITEST_CAT(f, _test));                              \
    static void f()
#define TEST_CASE(name) DOCTEST_MINITEST_TEST_CASE(DOCTEST_MINITEST_ID(doctest_minitest_f), name)

#define DOCTEST_MINITEST_TEST_CASE_TEMPLATE(f, name, T, ...)                                       \
    template <class T>                                                                             \
    static void f();                                                                               \
    namespace {                                                                                    \
    struct DOCTEST_MINITEST_CAT(f, _tag) {                                                         \
        template <class U>                                                                         \
        static void run() {                                                                        \
            f<U>();                                                                                \
        }                                                                                          \
    };                                                                                             \
    }                                                                                              \
    static const bool DOCTEST_MINITEST_CAT(f, _registered) [[maybe_unused]] =                      \
        ::doctest::detail::add_template_test<DOCTEST_MINITEST_CAT(f, _tag), __VA_ARGS__>(          \
            name, doctest_minitest_suite(), __FILE__, __LINE__);                                   \
    template <class T>                                                                             \
    static void f()
#define TEST_CASE_TEMPLATE(name, T, ...)                                                           \
    DOCTEST_MINITEST_TEST_CASE_TEMPLATE(DOCTEST_MINITEST_ID(doctest_minitest_t), name, T,          \
                                        __VA_ARGS__)

#define DOCTEST_MINITEST_TEST_SUITE(ns, name)                                                      \
    namespace ns {                                                                                 \
    inline const char* doctest_minitest_suite() { return name; }                                   \
    }                                                                                              \
    namespace ns
#define TEST_SUITE(name) DOCTEST_MINITEST_TEST_SUITE(DOCTEST_MINITEST_ID(doctest_minitest_s), name)

#define SUBCASE(name)                                                                              \
    if (const ::doctest::detail::Subcase & DOCTEST_MINITEST_ID(doctest_minitest_sc) =              \
            ::doctest::detail::Subcase(name, __LINE__))

#define DOCTEST_MINITEST_ASSERT(macro, expect_false, require, ...)                                 \
    ::doctest::detail::assertion(                                                                  \
        ::doctest::detail::to_result(::doctest::detail::Decomposer() << __VA_ARGS__),              \
        expect_false, require, macro, #__VA_ARGS__, __FILE__, __LINE__)

#define CHECK(...) DOCTEST_MINITEST_ASSERT("CHECK", false, false, __VA_ARGS__)
#define CHECK_FALSE(...) DOCTEST_MINITEST_ASSERT("CHECK_FALSE", true, false, __VA_ARGS__)
#define CHECK_UNARY(...) DOCTEST_MINITEST_ASSERT("CHECK_UNARY", false, false, __VA_ARGS__)
#define CHECK_UNARY_FALSE(...)                                                                     \
    DOCTEST_MINITEST_ASSERT("CHECK_UNARY_FALSE", true, false, __VA_ARGS__)
#define REQUIRE(...) DOCTEST_MINITEST_ASSERT("REQUIRE", false, true, __VA_ARGS__)
#define REQUIRE_FALSE(...) DOCTEST_MINITEST_ASSERT("REQUIRE_FALSE", true, true, __VA_ARGS__)
#define REQUIRE_UNARY(...) DOCTEST_MINITEST_ASSERT("REQUIRE_UNARY", false, true, __VA_ARGS__)
#define REQUIRE_UNARY_FALSE(...)                                                                   \
    DOCTEST_MINITEST_ASSERT("REQUIRE_UNARY_FALSE", true, true, __VA_ARGS__)

#define DOCTEST_MINITEST_BINARY(macro, require, op, a, b)                                          \
    ::doctest::detail::assertion(::doctest::detail::Decomposer() << (a)op(b), false, require,      \
                                 macro, #a ", " #b, __FILE__, __LINE__)
#define CHECK_EQ(a, b) DOCTEST_MINITEST_BINARY("CHECK_EQ", false, ==, a, b)
#define CHECK_NE(a, b) DOCTEST_MINITEST_BINARY("CHECK_NE", false, !=, a, b)
#define CHECK_LT(a, b) DOCTEST_MINITEST_BINARY("CHECK_LT", false, <, a, b)
#define CHECK_GT(a, b) DOCTEST_MINITEST_BINARY("CHECK_GT", false, >, a, b)
#define CHECK_LE(a, b) DOCTEST_MINITEST_BINARY("CHECK_LE", false, <=, a, b)
#define CHECK_GE(a, b) DOCTEST_MINITEST_BINARY("CHECK_GE", false, >=, a, b)
#define REQUIRE_EQ(a, b) DOCTEST_MINITEST_BINARY("REQUIRE_EQ", true, ==, a, b)
#define REQUIRE_NE(a, b) DOCTEST_MINITEST_BINARY("REQUIRE_NE", true, !=, a, b)
#define REQUIRE_LT(a, b) DOCTEST_MINITEST_BINARY("REQUIRE_LT", true, <, a, b)
#define REQUIRE_GT(a, b) DOCTEST_MINITEST_BINARY("REQUIRE_GT", true, >, a, b)
#define REQUIRE_LE(a, b) DOCTEST_MINITEST_BINARY("REQUIRE_LE", true, <=, a, b)
#define REQUIRE_GE(a, b) DOCTEST_MINITEST_BINARY("REQUIRE_GE", true, >=, a, b)

#define DOCTEST_MINITEST_WITH_MESSAGE(require, cond, msg)                                          \
    do {                                                                                           \
        ::doctest::detail::Stream doctest_minitest_text;                                           \
        doctest_minitest_text << msg;                                                              \
        ::doctest::detail::InfoScope doctest_minitest_info(doctest_minitest_text);                 \
        ::doctest::detail::assertion(                                                              \
            ::doctest::detail::to_result(::doctest::detail::Decomposer() << cond), false, require, \
            require ? "REQUIRE_MESSAGE" : "CHECK_MESSAGE", #cond, __FILE__, __LINE__);             \
    } while (false)
#define CHECK_MESSAGE(cond, msg) DOCTEST_MINITEST_WITH_MESSAGE(false, cond, msg)
#define REQUIRE_MESSAGE(cond, msg) DOCTEST_MINITEST_WITH_MESSAGE(true, cond, msg)

#define CAPTURE(x)                                                                                 \
    const ::doctest::detail::CaptureScope DOCTEST_MINITEST_ID(doctest_minitest_capture)(#x, x)

#define DOCTEST_MINITEST_INFO(id, ...)                                                             \
    ::doctest::detail::Stream DOCTEST_MINITEST_CAT(id, _text);                                     \
    DOCTEST_MINITEST_CAT(id, _text) << __VA_ARGS__;                                                \
    const ::doctest::detail::InfoScope id(DOCTEST_MINITEST_CAT(id, _text))
#define INFO(...) DOCTEST_MINITEST_INFO(DOCTEST_MINITEST_ID(doctest_minitest_info), __VA_ARGS__)

#define DOCTEST_MINITEST_MESSAGE(kind, fail, ...)                                                  \
    do {                                                                                           \
        ::doctest::detail::Stream doctest_minitest_text;                                           \
        doctest_minitest_text << __VA_ARGS__;                                                      \
        ::doctest::detail::message(doctest_minitest_text, kind, __FILE__, __LINE__);               \
        if (fail) ::doctest::detail::g_state.test_failed = true;                                   \
    } while (false)
#define MESSAGE(...) DOCTEST_MINITEST_MESSAGE("MESSAGE", false, __VA_ARGS__)
#define FAIL_CHECK(...) DOCTEST_MINITEST_MESSAGE("ERROR", true, __VA_ARGS__)
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        DOCTEST_MINITEST_MESSAGE("FATAL ERROR", true, __VA_ARGS__);                                \
        ::doctest::detail::finish_after_require();                                                 \
    } while (false)

#endif // EMBER_MINITEST_DOCTEST_H
