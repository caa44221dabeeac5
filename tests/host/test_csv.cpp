// The strict CSV reader (lib/ember/host/csv.hpp): a good table with its label
// column anywhere, line ends, and every error with its exact line and column,
// the destination untouched.
#include "ember/host/csv.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace ember_test_csv_host { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace host = ember::host;
using host::CsvError;
using host::CsvTable;

namespace {

std::string temp_path(const char* leaf) { return std::string(EMBER_TEST_BINARY_DIR) + "/" + leaf; }

// A table that no successful parse in this file produces.
CsvTable sentinel() {
    CsvTable t;
    t.features = {"sentinel"};
    t.values = {42.0f, 43.0f};
    t.rows = 2;
    t.labels = {1, 0};
    return t;
}

bool same(const CsvTable& a, const CsvTable& b) {
    return a.features == b.features && a.values == b.values && a.rows == b.rows &&
           a.labels == b.labels;
}

// Parses `text`, which must be refused, and checks that the destination is
// untouched; returns the error.
CsvError refused(const std::string& text, std::size_t max_features = 64) {
    CsvTable t = sentinel();
    CsvError e;
    CHECK_FALSE(host::parse_csv(text, t, e, max_features));
    CHECK(same(t, sentinel()));
    return e;
}

#define CHECK_CSV_ERROR(text, line_, column_, message_)                                            \
    do {                                                                                           \
        const CsvError e_ = refused(text);                                                         \
        CHECK(e_.line == (line_));                                                                 \
        CHECK(e_.column == (column_));                                                             \
        CHECK(e_.message == (message_));                                                           \
    } while (false)

} // namespace

TEST_CASE("csv: a good file with the label column in the middle") {
    CsvTable t = sentinel();
    CsvError e;
    REQUIRE(host::parse_csv("x,label,y\n1,0,-2.5\n3e-1,1,+.5\n-0,1.0,7\n", t, e));
    CHECK(e.message.empty());
    CHECK(t.features == std::vector<std::string>{"x", "y"});
    CHECK(t.rows == 3);
    CHECK(t.values == std::vector<float>{1.0f, -2.5f, 0.3f, 0.5f, -0.0f, 7.0f});
    CHECK(t.labels == std::vector<int>{0, 1, 1});
}

TEST_CASE("csv: no label column gives no labels; label first or last") {
    CsvTable t = sentinel();
    CsvError e;
    REQUIRE(host::parse_csv("a,b\n1,2\n", t, e));
    CHECK(t.features == std::vector<std::string>{"a", "b"});
    CHECK(t.values == std::vector<float>{1.0f, 2.0f});
    CHECK(t.rows == 1);
    CHECK(t.labels.empty());

    REQUIRE(host::parse_csv("label,a\n1,5\n0,6", t, e));
    CHECK(t.features == std::vector<std::string>{"a"});
    CHECK(t.values == std::vector<float>{5.0f, 6.0f});
    CHECK(t.labels == std::vector<int>{1, 0});

    REQUIRE(host::parse_csv("a,label\n5,0\n", t, e));
    CHECK(t.labels == std::vector<int>{0});
    // Only the exact name is the label column.
    REQUIRE(host::parse_csv("Label,labels,a\n5,3,4\n", t, e));
    CHECK(t.features == std::vector<std::string>{"Label", "labels", "a"});
    CHECK(t.labels.empty());
}

TEST_CASE("csv: line ends: LF, CRLF, mixed, with or without the last one; a BOM") {
    const std::vector<float> want = {1.0f, 2.0f, 3.0f, 4.0f};
    for (const char* text : {"a,b\n1,2\n3,4", "a,b\n1,2\n3,4\n", "a,b\r\n1,2\r\n3,4",
                             "a,b\r\n1,2\r\n3,4\r\n", "a,b\r\n1,2\n3,4\r\n",
                             "\xEF\xBB\xBF"
                             "a,b\n1,2\n3,4\n"}) {
        CAPTURE(text);
        CsvTable t;
        CsvError e;
        REQUIRE(host::parse_csv(text, t, e));
        CHECK(t.features == std::vector<std::string>{"a", "b"});
        CHECK(t.values == want);
        CHECK(t.rows == 2);
    }
    // A CR elsewhere is part of a field.
    CHECK_CSV_ERROR("a,b\n1\r,2\n", 2, 1, "non-numeric field '1\\x0d' (column 'a')");
}

TEST_CASE("csv: header errors") {
    CHECK_CSV_ERROR("", 1, 1, "empty file");
    CHECK_CSV_ERROR("\xEF\xBB\xBF", 1, 1, "empty file");
    CHECK_CSV_ERROR("\n1,2\n", 1, 1, "no header: line 1 is empty");
    CHECK_CSV_ERROR("\r\n1,2\n", 1, 1, "no header: line 1 is empty");
    CHECK_CSV_ERROR("a,,b\n1,2,3\n", 1, 3, "empty column name (field 2)");
    CHECK_CSV_ERROR("a,b,\n1,2,3\n", 1, 5, "empty column name (field 3)");
    CHECK_CSV_ERROR("ab,cd,ab\n1,2,3\n", 1, 7, "duplicate column name 'ab' (first at column 1)");
    CHECK_CSV_ERROR("label,x,label\n1,2,3\n", 1, 9,
                    "duplicate column name 'label' (first at column 1)");
    CHECK_CSV_ERROR("a,b\tc\n1,2\n", 1, 3, "control character in column name 'b\\x09c'");
    CHECK_CSV_ERROR("label\n1\n", 1, 1, "no feature column (only 'label')");
    CHECK_CSV_ERROR("a,\"b\"\n1,2\n", 1, 3, "quote character \" (quoting is not supported)");
    CHECK_CSV_ERROR("a,b's\n1,2\n", 1, 4, "quote character ' (quoting is not supported)");
}

TEST_CASE("csv: the limit of feature columns") {
    auto header = [](std::size_t n, bool label) {
        std::string h, row;
        for (std::size_t i = 0; i < n; ++i) {
            if (i == 1 && label) {
                h += "label,";
                row += "1,";
            }
            h += "f" + std::to_string(i) + (i + 1 < n ? "," : "\n");
            row += std::string("0") + (i + 1 < n ? "," : "\n");
        }
        return h + row;
    };
    CsvTable t;
    CsvError e;
    // 64 features and a label: accepted.
    REQUIRE(host::parse_csv(header(64, true), t, e));
    CHECK(t.features.size() == 64);
    CHECK(t.labels == std::vector<int>{1});
    // 65: refused at the 65th feature (column of "f64"; "label," shifts it).
    e = refused(header(65, false));
    CHECK(e.line == 1);
    CHECK(e.column == header(65, false).find("f64") + 1);
    CHECK(e.message == "65 feature columns, more than the limit of 64");
    e = refused(header(70, true));
    CHECK(e.column == header(70, true).find("f64") + 1);
    CHECK(e.message == "70 feature columns, more than the limit of 64");
    // A smaller limit.
    e = refused("a,label,b,c\n1,0,2,3\n", 2);
    CHECK(e.line == 1);
    CHECK(e.column == 11);
    CHECK(e.message == "3 feature columns, more than the limit of 2");
    REQUIRE(host::parse_csv("a,label,b\n1,0,2\n", t, e, 2));
}

TEST_CASE("csv: row errors") {
    // Ragged rows: too few is reported past the end of the line, too many
    // at the first extra field.
    CHECK_CSV_ERROR("a,b,c\n1,2,3\n4,5\n", 3, 4, "too few fields: 2, the header has 3");
    CHECK_CSV_ERROR("a,b,c\n1,2,3,4\n", 2, 7, "too many fields: 4, the header has 3");
    CHECK_CSV_ERROR("a,b,c\r\n1,2,3\r\n4,5\r\n", 3, 4, "too few fields: 2, the header has 3");
    // Empty fields and lines.
    CHECK_CSV_ERROR("a,b,c\n1,,3\n", 2, 3, "empty field (column 'b')");
    CHECK_CSV_ERROR("a,b,c\n1,2,\n", 2, 5, "empty field (column 'c')");
    CHECK_CSV_ERROR("a,label\n1,\n", 2, 3, "empty field (column 'label')");
    CHECK_CSV_ERROR("a,b\n1,2\n\n3,4\n", 3, 1, "empty line");
    CHECK_CSV_ERROR("a,b\n1,2\n\n", 3, 1, "empty line");
    CHECK_CSV_ERROR("a,b\n1,2\r\n\r\n", 3, 1, "empty line");
    // Non-numeric: the whole field, nothing trimmed, no hexadecimal.
    CHECK_CSV_ERROR("a,b\n1,x\n", 2, 3, "non-numeric field 'x' (column 'b')");
    CHECK_CSV_ERROR("a,b\n1,2x\n", 2, 3, "non-numeric field '2x' (column 'b')");
    CHECK_CSV_ERROR("a,b\n 1,2\n", 2, 1, "non-numeric field ' 1' (column 'a')");
    CHECK_CSV_ERROR("a,b\n1,2 \n", 2, 3, "non-numeric field '2 ' (column 'b')");
    CHECK_CSV_ERROR("a,b\n1,0x10\n", 2, 3, "non-numeric field '0x10' (column 'b')");
    CHECK_CSV_ERROR("a,b\n1,1.5.2\n", 2, 3, "non-numeric field '1.5.2' (column 'b')");
    CHECK_CSV_ERROR("a,b\n1,-\n", 2, 3, "non-numeric field '-' (column 'b')");
    CHECK_CSV_ERROR("a,b\n1,1e\n", 2, 3, "non-numeric field '1e' (column 'b')");
    // Non-finite, spelled or from overflow.
    CHECK_CSV_ERROR("a,b\n1,nan\n", 2, 3, "non-finite value 'nan' (column 'b')");
    CHECK_CSV_ERROR("a,b\n1,2\n-inf,2\n", 3, 1, "non-finite value '-inf' (column 'a')");
    CHECK_CSV_ERROR("a,b\n1,Infinity\n", 2, 3, "non-finite value 'Infinity' (column 'b')");
    CHECK_CSV_ERROR("a,b\n1,1e39\n", 2, 3, "non-finite value '1e39' (column 'b')");
    // Labels: numbers equal to 0 or 1.
    CHECK_CSV_ERROR("a,label\n1,0\n2,2\n", 3, 3, "label must be 0 or 1, found '2'");
    CHECK_CSV_ERROR("a,label\n1,0.5\n", 2, 3, "label must be 0 or 1, found '0.5'");
    CHECK_CSV_ERROR("a,label\n1,-1\n", 2, 3, "label must be 0 or 1, found '-1'");
    CHECK_CSV_ERROR("a,label\n1,yes\n", 2, 3, "non-numeric field 'yes' (column 'label')");
    // Quotes in a row.
    CHECK_CSV_ERROR("a,b\n1,2\n3,\"4\"\n", 3, 3, "quote character \" (quoting is not supported)");
    // No data.
    CHECK_CSV_ERROR("a,b", 2, 1, "no data rows (only the header)");
    CHECK_CSV_ERROR("a,b\n", 2, 1, "no data rows (only the header)");
    CHECK_CSV_ERROR("a,b\r\n", 2, 1, "no data rows (only the header)");
}

TEST_CASE("csv: small numbers and long fields in messages") {
    CsvTable t;
    CsvError e;
    REQUIRE(host::parse_csv("a\n1e-50\n1e-40\n", t, e));
    CHECK(t.values[0] == 0.0f);
    CHECK(t.values[1] > 0.0f);
    const std::string long_field(100, 'z');
    CHECK_CSV_ERROR("a\n" + long_field + "\n", 2, 1,
                    "non-numeric field '" + std::string(40, 'z') + "...' (column 'a')");
}

TEST_CASE("csv: read_csv reads a file; a missing file has no position") {
    const std::string path = temp_path("test_csv_good.csv");
    {
        std::FILE* f = std::fopen(path.c_str(), "wb");
        REQUIRE(f != nullptr);
        const std::string text = "x,label\r\n0.25,1\r\n";
        REQUIRE(std::fwrite(text.data(), 1, text.size(), f) == text.size());
        REQUIRE(std::fclose(f) == 0);
    }
    CsvTable t;
    CsvError e;
    REQUIRE(host::read_csv(path, t, e));
    CHECK(t.values == std::vector<float>{0.25f});
    CHECK(t.labels == std::vector<int>{1});
    std::remove(path.c_str());

    t = sentinel();
    const std::string missing = temp_path("test_csv_missing.csv");
    CHECK_FALSE(host::read_csv(missing, t, e));
    CHECK(same(t, sentinel()));
    CHECK(e.line == 0);
    CHECK(e.column == 0);
    CHECK(e.message.find("cannot open '" + missing + "' for reading: ") == 0);
    CHECK(host::describe(e, missing) == e.message);

    e = refused("a\n1,2\n");
    CHECK(host::describe(e, "d.csv") == "d.csv:2:3: too many fields: 2, the header has 1");
}

} // namespace ember_test_csv_host
