// TSS2 PRIVATE KEY parse and write with mbedTLS's ASN.1 and PEM code. The layout is
// draft-bottomley-tpm2-keys §3.1:
//   TPMKey ::= SEQUENCE {
//     type        OBJECT IDENTIFIER,
//     emptyAuth   [0] EXPLICIT BOOLEAN OPTIONAL,
//     policy      [1] EXPLICIT SEQUENCE OF TPMPolicy OPTIONAL,
//     secret      [2] EXPLICIT OCTET STRING OPTIONAL,
//     authPolicy  [3] EXPLICIT SEQUENCE OF TPMAuthPolicy OPTIONAL,
//     description [4] EXPLICIT UTF8String OPTIONAL,
//     rsaParent   [5] EXPLICIT BOOLEAN OPTIONAL,
//     parent      INTEGER,
//     pubkey      OCTET STRING,
//     privkey     OCTET STRING }
#include "tpm/key_file.h"

#include <fcntl.h>
#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string_view>

namespace tpmtls {
namespace {

constexpr std::string_view pem_begin = "-----BEGIN TSS2 PRIVATE KEY-----";
constexpr std::string_view pem_end = "-----END TSS2 PRIVATE KEY-----";
// 2.23.133.10.1.3 id-loadablekey (draft-bottomley-tpm2-keys §3.1).
constexpr std::array<uint8_t, 6> oid_loadable_key = {0x67, 0x81, 0x05, 0x0a, 0x01, 0x03};
// A TPM2B of either kind is at most a 2-byte size and 65535 bytes.
constexpr size_t max_tpm2b = 2 + 0xffff;

Alert corrupt(std::string_view why) {
    return fail(AlertDescription::decode_error, std::string("corrupt TSS2 key file: ") + std::string(why));
}

// A cursor over DER with mbedTLS's (p, end) convention.
struct Der {
    unsigned char* p;
    const unsigned char* end;

    Result<size_t> tag(int tag, std::string_view what) {
        size_t len = 0;
        if (mbedtls_asn1_get_tag(&p, end, &len, tag) != 0) return corrupt(what);
        return len;
    }
    bool at_end() const { return p == end; }
    int next_tag() const { return *p; }
};

std::string oid_text(const unsigned char* oid, size_t len) {
    mbedtls_asn1_buf buf{};
    buf.tag = MBEDTLS_ASN1_OID;
    buf.p = const_cast<unsigned char*>(oid);
    buf.len = len;
    std::array<char, 128> text{};
    if (mbedtls_oid_get_numeric_string(text.data(), text.size(), &buf) < 0) return "(unprintable)";
    return text.data();
}

// parent INTEGER: a TPM handle, so non-negative and at most 32 bits; DER, so minimal. 0x81xxxxxx
// has its top bit set and needs a leading zero byte to stay positive.
Result<uint32_t> parse_handle(Der& der) {
    const size_t len = TRY(der.tag(MBEDTLS_ASN1_INTEGER, "parent is not an INTEGER"));
    const ByteView v(der.p, len);
    der.p += len;
    if (v.empty()) return corrupt("empty parent INTEGER");
    if (v[0] & 0x80) return corrupt("negative parent handle");
    if (v.size() > 1 && v[0] == 0 && !(v[1] & 0x80)) return corrupt("parent INTEGER not minimally encoded");
    const ByteView magnitude = v[0] == 0 && v.size() > 1 ? v.subspan(1) : v;
    if (magnitude.size() > 4) return corrupt("parent handle wider than 32 bits");
    uint32_t handle = 0;
    for (uint8_t b : magnitude) handle = (handle << 8) | b;
    return handle;
}

// A TPM2B in an OCTET STRING: its size prefix must cover the rest exactly.
Result<Bytes> parse_tpm2b(Der& der, std::string_view what) {
    const size_t len = TRY(der.tag(MBEDTLS_ASN1_OCTET_STRING, std::string(what) + " is not an OCTET STRING"));
    Reader r(ByteView(der.p, len));
    der.p += len;
    auto body = r.vec16(1, 0xffff);
    if (!body || !r.empty()) return corrupt(std::string(what) + " is not a non-empty TPM2B");
    return to_bytes(r.consumed());
}

Result<Tss2KeyFile> parse_der(ByteView der_bytes) {
    // mbedTLS's getters take non-const pointers but only read.
    auto* start = const_cast<unsigned char*>(der_bytes.data());
    Der outer{start, start + der_bytes.size()};
    const size_t seq_len = TRY(outer.tag(MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, "no outer SEQUENCE"));
    if (static_cast<size_t>(outer.end - outer.p) != seq_len) return corrupt("trailing bytes after the SEQUENCE");
    Der der{outer.p, outer.p + seq_len};

    const size_t oid_len = TRY(der.tag(MBEDTLS_ASN1_OID, "no type OID"));
    if (oid_len != oid_loadable_key.size() || std::memcmp(der.p, oid_loadable_key.data(), oid_len) != 0)
        return fail(AlertDescription::decode_error,
                    "unsupported key type OID " + oid_text(der.p, oid_len) + " (want 2.23.133.10.1.3, loadable key)");
    der.p += oid_len;

    Tss2KeyFile key;
    // The optional [n] EXPLICIT fields, in ascending order; only emptyAuth matters to us.
    int last_tag = -1;
    while (!der.at_end() && (der.next_tag() & MBEDTLS_ASN1_CONTEXT_SPECIFIC)) {
        const int number = der.next_tag() & 0x1f;
        if (der.next_tag() != (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | number) || number == 0x1f)
            return corrupt("malformed optional field tag");
        if (number <= last_tag) return corrupt("optional fields out of order");
        last_tag = number;
        const size_t len = TRY(der.tag(MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | number,
                                       "truncated optional field"));
        if (number == 0) {
            Der inner{der.p, der.p + len};
            int value = 0;
            if (mbedtls_asn1_get_bool(&inner.p, inner.end, &value) != 0 || !inner.at_end())
                return corrupt("emptyAuth is not a BOOLEAN");
            key.empty_auth = value != 0;
            key.empty_auth_false_written = value == 0;
        }
        der.p += len;
    }
    key.parent = TRY(parse_handle(der));
    key.public_area = TRY(parse_tpm2b(der, "pubkey"));
    key.private_area = TRY(parse_tpm2b(der, "privkey"));
    if (!der.at_end()) return corrupt("unexpected field after privkey");
    return key;
}

// Writes `body` (which writes backwards, as mbedTLS does) and prefixes its length and tag.
template <class F>
int write_tlv(unsigned char** p, unsigned char* start, unsigned char tag, F&& body) {
    const int body_len = body();
    if (body_len < 0) return body_len;
    const int len_len = mbedtls_asn1_write_len(p, start, static_cast<size_t>(body_len));
    if (len_len < 0) return len_len;
    const int tag_len = mbedtls_asn1_write_tag(p, start, tag);
    if (tag_len < 0) return tag_len;
    return body_len + len_len + tag_len;
}

}  // namespace

Result<Tss2KeyFile> parse_tss2_key_file(ByteView pem_or_der) {
    const std::string_view text(reinterpret_cast<const char*>(pem_or_der.data()), pem_or_der.size());
    if (!text.empty() && static_cast<uint8_t>(text[0]) == 0x30) return parse_der(pem_or_der);
    if (text.find("-----BEGIN ") == std::string_view::npos || text.find(pem_begin) == std::string_view::npos)
        return fail(AlertDescription::decode_error, "not a TSS2 PRIVATE KEY (no PEM block with that label, not DER)");
    const std::string terminated(text);  // mbedtls_pem_read_buffer needs a NUL-terminated string
    mbedtls_pem_context pem;
    mbedtls_pem_init(&pem);
    const std::unique_ptr<mbedtls_pem_context, void (*)(mbedtls_pem_context*)> guard(&pem, mbedtls_pem_free);
    size_t used = 0;
    const std::string begin(pem_begin), end(pem_end);
    const int rc = mbedtls_pem_read_buffer(&pem, begin.c_str(), end.c_str(),
                                           reinterpret_cast<const unsigned char*>(terminated.c_str()), nullptr, 0, &used);
    if (rc == MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT) return fail(AlertDescription::decode_error, "not a TSS2 PRIVATE KEY");
    if (rc != 0) return corrupt("bad PEM (base64 or encryption headers)");
    return parse_der(ByteView(pem.buf, pem.buflen));
}

Result<Bytes> encode_tss2_key_file_der(const Tss2KeyFile& key) {
    for (const Bytes* b : {&key.public_area, &key.private_area}) {
        Reader r(view(*b));
        auto body = r.vec16(1, 0xffff);
        if (!body || !r.empty()) return fail(AlertDescription::internal_error, "TSS2 key: public or private area is not a non-empty TPM2B");
    }
    Bytes buf(64 + 2 * max_tpm2b);
    unsigned char* start = buf.data();
    unsigned char* p = start + buf.size();
    const int total = write_tlv(&p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, [&] {
        int len = 0, r = 0;
        // Backwards: privkey, pubkey, parent, emptyAuth, type.
        if ((r = mbedtls_asn1_write_octet_string(&p, start, key.private_area.data(), key.private_area.size())) < 0) return r;
        len += r;
        if ((r = mbedtls_asn1_write_octet_string(&p, start, key.public_area.data(), key.public_area.size())) < 0) return r;
        len += r;
        r = write_tlv(&p, start, MBEDTLS_ASN1_INTEGER, [&] {
            std::array<uint8_t, 5> v = {0, static_cast<uint8_t>(key.parent >> 24), static_cast<uint8_t>(key.parent >> 16),
                                        static_cast<uint8_t>(key.parent >> 8), static_cast<uint8_t>(key.parent)};
            size_t skip = 0;  // minimal: drop leading zeros unless the next byte needs one
            while (skip < 4 && v[skip] == 0 && !(v[skip + 1] & 0x80)) ++skip;
            return mbedtls_asn1_write_raw_buffer(&p, start, v.data() + skip, v.size() - skip);
        });
        if (r < 0) return r;
        len += r;
        if (key.empty_auth || key.empty_auth_false_written) {
            r = write_tlv(&p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0,
                          [&] {
                              // TRUE as 0x01, not DER's 0xff: tpm2-openssl (OpenSSL's ASN1_BOOLEAN
                              // holding 1) writes 01, and we re-encode its files byte for byte.
                              const std::array<uint8_t, 3> boolean = {MBEDTLS_ASN1_BOOLEAN, 1,
                                                                      static_cast<uint8_t>(key.empty_auth ? 1 : 0)};
                              return mbedtls_asn1_write_raw_buffer(&p, start, boolean.data(), boolean.size());
                          });
            if (r < 0) return r;
            len += r;
        }
        if ((r = mbedtls_asn1_write_oid(&p, start, reinterpret_cast<const char*>(oid_loadable_key.data()),
                                        oid_loadable_key.size())) < 0)
            return r;
        return len + r;
    });
    if (total < 0) return fail(AlertDescription::internal_error, "TSS2 key: DER encoding failed");
    return Bytes(p, p + total);
}

Result<std::string> write_tss2_key_file(const Tss2KeyFile& key) {
    const Bytes der = TRY(encode_tss2_key_file_der(key));
    std::string out(der.size() * 2 + 128, '\0');
    size_t olen = 0;
    const std::string begin = std::string(pem_begin) + "\n", end = std::string(pem_end) + "\n";
    if (mbedtls_pem_write_buffer(begin.c_str(), end.c_str(), der.data(), der.size(),
                                 reinterpret_cast<unsigned char*>(out.data()), out.size(), &olen) != 0)
        return fail(AlertDescription::internal_error, "TSS2 key: PEM encoding failed");
    out.resize(olen - 1);  // olen counts the terminating NUL
    return out;
}

Result<Tss2KeyFile> load_tss2_key_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(AlertDescription::internal_error, "cannot open TSS2 key file " + path);
    const Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return fail(AlertDescription::internal_error, "cannot read TSS2 key file " + path);
    return parse_tss2_key_file(view(data));
}

Status save_tss2_key_file(const std::string& path, const Tss2KeyFile& key) {
    const std::string pem = TRY(write_tss2_key_file(key));
    std::string temp = path + ".XXXXXX";
    const int fd = ::mkstemp(temp.data());  // mkstemp creates the file with mode 0600
    if (fd < 0) return fail(AlertDescription::internal_error, "cannot create a temporary file beside " + path);
    struct Closer {
        int fd;
        std::string* temp;
        bool keep = false;
        ~Closer() {
            if (fd >= 0) ::close(fd);
            if (!keep) ::unlink(temp->c_str());
        }
    } closer{fd, &temp};
    size_t done = 0;
    while (done < pem.size()) {
        const ssize_t n = ::write(fd, pem.data() + done, pem.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(AlertDescription::internal_error, "cannot write " + temp);
        done += static_cast<size_t>(n);
    }
    if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0) return fail(AlertDescription::internal_error, "cannot sync " + temp);
    closer.fd = -1;
    if (::close(fd) != 0) return fail(AlertDescription::internal_error, "cannot close " + temp);
    if (::rename(temp.c_str(), path.c_str()) != 0) return fail(AlertDescription::internal_error, "cannot rename onto " + path);
    closer.keep = true;
    return ok();
}

}  // namespace tpmtls
