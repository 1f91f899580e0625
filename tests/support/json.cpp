#include "support/json.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tpmtls::test {

namespace {

class Parser {
public:
    explicit Parser(std::string_view text) : s_(text) {}

    Json parse_document() {
        Json v = parse_value();
        skip_ws();
        if (pos_ != s_.size()) error("trailing characters");
        return v;
    }

private:
    [[noreturn]] void error(const char* what) const {
        throw std::runtime_error(std::string("JSON: ") + what + " at offset " + std::to_string(pos_));
    }
    void skip_ws() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
            ++pos_;
    }
    char peek() {
        skip_ws();
        if (pos_ >= s_.size()) error("unexpected end");
        return s_[pos_];
    }
    void expect(char c) {
        if (peek() != c) error("unexpected character");
        ++pos_;
    }
    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) == word) {
            pos_ += word.size();
            return true;
        }
        return false;
    }

    Json parse_value() {
        const char c = peek();
        if (c == '{') return parse_object();
        if (c == '[') return parse_array();
        if (c == '"') return Json{parse_string()};
        if (literal("true")) return Json{true};
        if (literal("false")) return Json{false};
        if (literal("null")) return Json{nullptr};
        return parse_integer();
    }

    Json parse_object() {
        expect('{');
        Json::Object obj;
        if (peek() == '}') {
            ++pos_;
            return Json{std::move(obj)};
        }
        for (;;) {
            std::string key = parse_string();
            expect(':');
            obj.emplace(std::move(key), parse_value());
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect('}');
            return Json{std::move(obj)};
        }
    }

    Json parse_array() {
        expect('[');
        Json::Array arr;
        if (peek() == ']') {
            ++pos_;
            return Json{std::move(arr)};
        }
        for (;;) {
            arr.push_back(parse_value());
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect(']');
            return Json{std::move(arr)};
        }
    }

    std::string parse_string() {
        expect('"');
        std::string out;
        while (pos_ < s_.size() && s_[pos_] != '"') {
            char c = s_[pos_++];
            if (c == '\\') {
                if (pos_ >= s_.size()) error("bad escape");
                const char e = s_[pos_++];
                switch (e) {
                    case 'n': c = '\n'; break;
                    case 't': c = '\t'; break;
                    case 'r': c = '\r'; break;
                    case '"': case '\\': case '/': c = e; break;
                    default: error("unsupported escape");
                }
            }
            out.push_back(c);
        }
        expect('"');
        return out;
    }

    Json parse_integer() {
        const size_t start = pos_;
        if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
        if (pos_ == start) error("unexpected character");
        return Json{std::stoll(std::string(s_.substr(start, pos_ - start)))};
    }

    std::string_view s_;
    size_t pos_ = 0;
};

}  // namespace

const Json& Json::operator[](const std::string& key) const {
    auto it = object().find(key);
    if (it == object().end()) throw std::runtime_error("JSON: missing key " + key);
    return it->second;
}

bool Json::has(const std::string& key) const { return is_object() && object().count(key) != 0; }

Json parse_json(std::string_view text) { return Parser(text).parse_document(); }

Json load_json_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_json(ss.str());
}

}  // namespace tpmtls::test
