// A minimal JSON reader for test data (RFC 8259 subset: objects, arrays, strings without
// \u escapes beyond ASCII, integers, true/false/null). Test-only; throws on malformed input.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tpmtls::test {

struct Json {
    using Object = std::map<std::string, Json>;
    using Array = std::vector<Json>;
    std::variant<std::nullptr_t, bool, long long, std::string, Array, Object> value;

    bool is_object() const { return std::holds_alternative<Object>(value); }
    bool is_string() const { return std::holds_alternative<std::string>(value); }
    const Object& object() const { return std::get<Object>(value); }
    const Array& array() const { return std::get<Array>(value); }
    const std::string& string() const { return std::get<std::string>(value); }
    long long integer() const { return std::get<long long>(value); }
    const Json& operator[](const std::string& key) const;  // throws if missing
    bool has(const std::string& key) const;
};

Json parse_json(std::string_view text);
Json load_json_file(const std::string& path);

}  // namespace tpmtls::test
