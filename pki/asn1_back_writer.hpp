// Private to pki/: a thin owner of the buffer mbedTLS's ASN.1 writer (mbedtls/asn1write.h)
// fills from the back. Each call prepends, so a SEQUENCE is written last element first; wrap()
// then puts the tag and DER length in front of whatever its body wrote. A write that does not
// fit marks the writer failed; finish() reports it.
#pragma once

#include <mbedtls/asn1write.h>

#include <string>
#include <string_view>

#include "tls13/bytes.h"

namespace tpmtls::pki::detail {

inline constexpr uint8_t constructed_sequence = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
inline constexpr uint8_t constructed_set = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET;
// [n] EXPLICIT / constructed context tag.
inline constexpr uint8_t constructed_context(uint8_t n) {
    return static_cast<uint8_t>(MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_CONTEXT_SPECIFIC | n);
}

// An mbedTLS OID constant (a string literal of DER content bytes) as a view without its NUL.
template <size_t N>
constexpr std::string_view oid(const char (&der)[N]) {
    return {der, N - 1};
}

inline bool same_oid(ByteView der, std::string_view expected) {
    return std::string_view(reinterpret_cast<const char*>(der.data()), der.size()) == expected;
}

class AsnBackWriter {
public:
    explicit AsnBackWriter(size_t capacity) : buffer_(capacity), p_(buffer_.data() + buffer_.size()) {}

    unsigned char** cursor() { return &p_; }
    unsigned char* start() { return buffer_.data(); }
    // Records the result of an mbedtls_asn1_write_* (or x509_write_*) call on cursor()/start().
    void check(int rc) {
        if (rc < 0) ok_ = false;
    }
    size_t size() const { return static_cast<size_t>(buffer_.data() + buffer_.size() - p_); }

    void raw(ByteView v) { check(mbedtls_asn1_write_raw_buffer(&p_, start(), v.data(), v.size())); }
    void oid(std::string_view der_oid) { check(mbedtls_asn1_write_oid(&p_, start(), der_oid.data(), der_oid.size())); }
    void integer(int v) { check(mbedtls_asn1_write_int(&p_, start(), v)); }
    void null() { check(mbedtls_asn1_write_null(&p_, start())); }

    template <class F>
    void wrap(uint8_t tag, F&& body) {
        const size_t before = size();
        body();
        check(mbedtls_asn1_write_len(&p_, start(), size() - before));
        check(mbedtls_asn1_write_tag(&p_, start(), tag));
    }

    Result<Bytes> finish(std::string_view what) const {
        if (!ok_) return fail(AlertDescription::internal_error, std::string(what) + " does not fit its buffer");
        return Bytes(static_cast<const unsigned char*>(p_), buffer_.data() + buffer_.size());
    }

private:
    Bytes buffer_;
    unsigned char* p_;
    bool ok_ = true;
};

}  // namespace tpmtls::pki::detail
