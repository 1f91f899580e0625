// libFuzzer target for PKCS#10 requests as the CA reads them from devices
// (pki/csr.h parse_certificate_request). Input is PEM or DER. Two passes per input:
// 1. the input as it is: mostly exercises mbedTLS's CSR parser and the signature check;
// 2. the input's CertificationRequestInfo (RFC 2986 §4.1) with its subjectPKInfo replaced by a
//    P-256 key made at start-up and signed with that key (ecdsa-with-SHA256), so the parsing
//    behind the signature check (subject, attributes, extensionRequest, subjectAltName) sees
//    mutated input too.
// Checked on both: a refused request is one of the documented alerts (decode_error,
// decrypt_error, insufficient_security, or the names' unsupported_certificate /
// unsupported_extension), never internal_error or a crash; an accepted one parses again from its
// own DER to the same fields, and its subjectAltNames survive encode + decode.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "tls13/der.h"
#include "pki/csr.h"
#include "pki/key_generation.h"
#include "pki/names.h"
#include "tls13/crypto/software_signer.h"

using namespace tpmtls;

namespace {

void check(bool property) {
    if (!property) std::abort();
}

struct FuzzKey {
    std::unique_ptr<SoftwareSigner> signer;
    Bytes spki;
};

const FuzzKey& fuzz_key() {
    static const FuzzKey key = [] {
        FuzzKey k;
        auto pem = pki::generate_p256_key();
        check(pem.ok());
        auto signer = SoftwareSigner::from_key(view(pem->text));
        check(signer.ok());
        k.signer = std::move(*signer);
        auto spki = k.signer->public_key_der();
        check(spki.ok());
        k.spki = std::move(*spki);
        return k;
    }();
    return key;
}

// The TLV at the front of `r`, whole.
Result<ByteView> take_tlv(Reader& r) {
    const ByteView before = r.rest();
    TRY(der::read(r));
    return before.first(before.size() - r.remaining());
}

// CertificationRequest ::= SEQUENCE { certificationRequestInfo SEQUENCE { version, subject,
// subjectPKInfo, [0] attributes }, ... }: the info rebuilt with the fuzz key's SPKI, signed.
Result<Bytes> resign_with_fuzz_key(ByteView input) {
    Reader outer(input);
    Reader request = TRY(der::read_expected(outer, der::tag_sequence));
    Reader info = TRY(der::read_expected(request, der::tag_sequence));
    const ByteView version = TRY(take_tlv(info));
    const ByteView subject = TRY(take_tlv(info));
    TRY(take_tlv(info));  // the original subjectPKInfo
    const ByteView attributes = info.take_rest();

    Bytes info_body;
    Writer ib(info_body);
    ib.bytes(version);
    ib.bytes(subject);
    ib.bytes(view(fuzz_key().spki));
    ib.bytes(attributes);
    Bytes info_der;
    Writer iw(info_der);
    der::write(iw, der::tag_sequence, view(info_body));
    TRY(iw.status());

    const Bytes signature = TRY(fuzz_key().signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(info_der)));
    // AlgorithmIdentifier { ecdsa-with-SHA256 (1.2.840.10045.4.3.2) } (RFC 5758 §3.2), then the
    // signature as a BIT STRING with no unused bits.
    static const Bytes ecdsa_with_sha256 = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
    Bytes bit_string{0x00};
    bit_string.insert(bit_string.end(), signature.begin(), signature.end());
    Bytes body;
    Writer bw(body);
    bw.bytes(view(info_der));
    bw.bytes(view(ecdsa_with_sha256));
    der::write(bw, 0x03, view(bit_string));
    Bytes out;
    Writer ow(out);
    der::write(ow, der::tag_sequence, view(body));
    TRY(ow.status());
    return out;
}

void check_request(ByteView input) {
    const Result<pki::CertificateRequest> request = pki::parse_certificate_request(input);
    if (!request) {
        const AlertDescription d = request.error().description;
        check(d == AlertDescription::decode_error || d == AlertDescription::decrypt_error ||
              d == AlertDescription::insufficient_security || d == AlertDescription::unsupported_certificate ||
              d == AlertDescription::unsupported_extension);
        return;
    }
    check(!request->der.empty() && !request->subject_public_key_info.empty());
    const Result<pki::CertificateRequest> again = pki::parse_certificate_request(view(request->der));
    check(again.ok());
    check(again->der == request->der && again->subject == request->subject &&
          again->subject_der == request->subject_der &&
          again->subject_public_key_info == request->subject_public_key_info &&
          again->subject_alt_names == request->subject_alt_names &&
          again->signature_algorithm == request->signature_algorithm);
    if (request->subject_alt_names.empty()) return;
    // A name the parser accepted is one the CA can write again (it copies them into certificates).
    const Result<Bytes> names = pki::encode_subject_alt_names(request->subject_alt_names);
    check(names.ok());
    const auto decoded = pki::decode_subject_alt_names(view(*names));
    check(decoded.ok() && *decoded == request->subject_alt_names);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const ByteView input(data, size);
    check_request(input);
    if (auto resigned = resign_with_fuzz_key(input)) check_request(view(*resigned));
    return 0;
}
