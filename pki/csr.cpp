#include "pki/csr.h"

#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#include "tls13/crypto/c_struct.h"
#include "tls13/der.h"
#include "pki/asn1_back_writer.hpp"
#include "pki/pem.h"
#include "pki/mbedtls_signature_algorithm.h"

namespace tpmtls::pki {

namespace {

using detail::AsnBackWriter;
using detail::constructed_context;
using detail::constructed_sequence;
using detail::constructed_set;

using Csr = CStruct<mbedtls_x509_csr, mbedtls_x509_csr_init, mbedtls_x509_csr_free>;

using detail::oid;
using detail::SignatureAlgorithm;

// The first scheme of the signer (in its order) that has an X.509 name.
const SignatureAlgorithm* algorithm_for(const Signer& signer) {
    for (SignatureScheme scheme : signer.schemes())
        if (const SignatureAlgorithm* algorithm = detail::find_signature_algorithm(scheme)) return algorithm;
    return nullptr;
}

// RFC 2986 §4.1 CertificationRequestInfo ::= SEQUENCE { version INTEGER { v1(0) }, subject Name,
// subjectPKInfo SubjectPublicKeyInfo, attributes [0] Attributes }. The SANs travel in an
// extensionRequest attribute (RFC 2985 §5.4.2) holding Extensions (RFC 5280 §4.1).
Result<Bytes> build_request_info(const CsrRequest& request) {
    const Bytes name = TRY(encode_name(request.subject));
    Bytes san;
    if (!request.subject_alt_names.empty()) san = TRY(encode_subject_alt_names(request.subject_alt_names));
    AsnBackWriter w(name.size() + request.subject_public_key_info.size() + san.size() + 256);
    w.wrap(constructed_sequence, [&] {
        w.wrap(constructed_context(0), [&] {
            if (san.empty()) return;
            w.wrap(constructed_sequence, [&] {      // Attribute
                w.wrap(constructed_set, [&] {        // values
                    w.wrap(constructed_sequence, [&] {  // Extensions
                        w.wrap(constructed_sequence, [&] {  // Extension (not critical: left out)
                            w.wrap(MBEDTLS_ASN1_OCTET_STRING, [&] { w.raw(view(san)); });
                            w.oid(oid(MBEDTLS_OID_SUBJECT_ALT_NAME));
                        });
                    });
                });
                w.oid(oid(MBEDTLS_OID_PKCS9_CSR_EXT_REQ));
            });
        });
        w.raw(view(request.subject_public_key_info));
        w.raw(view(name));
        w.integer(0);
    });
    return w.finish("CertificationRequestInfo");
}

// The subjectAltName of an extensionRequest's Extensions, if any (RFC 5280 §4.1: Extension ::=
// SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }).
Status read_extension_request(Reader values, std::vector<SubjectAltName>& names) {
    Reader extensions = TRY(der::read_expected(values, der::tag_sequence));
    TRY(values.expect_end("more than one value in extensionRequest"));
    while (!extensions.empty()) {
        Reader extension = TRY(der::read_expected(extensions, der::tag_sequence));
        const ByteView id = TRY(der::read_expected(extension, der::tag_oid)).take_rest();
        der::Element next = TRY(der::read(extension));
        if (next.tag == der::tag_boolean) next = TRY(der::read(extension));
        if (next.tag != der::tag_octet_string) return fail(AlertDescription::decode_error, "CSR extension without a value");
        TRY(extension.expect_end("trailing bytes in a CSR extension"));
        if (detail::same_oid(id, oid(MBEDTLS_OID_SUBJECT_ALT_NAME)))
            names = TRY(decode_subject_alt_names(next.body.take_rest()));
    }
    return ok();
}

// The SPKI and the SANs from the CertificationRequestInfo, which mbedTLS 2.28 does not expose.
Status read_request_info(ByteView info, CertificateRequest& out) {
    Reader outer(info);
    Reader body = TRY(der::read_expected(outer, der::tag_sequence));
    TRY(der::read_expected(body, der::tag_integer));
    out.subject_der = to_bytes(TRY(der::read_tlv(body, der::tag_sequence)));
    out.subject_public_key_info = to_bytes(TRY(der::read_tlv(body, der::tag_sequence)));
    Reader attributes = TRY(der::read_expected(body, constructed_context(0)));
    TRY(body.expect_end("trailing bytes in CertificationRequestInfo"));
    while (!attributes.empty()) {
        Reader attribute = TRY(der::read_expected(attributes, der::tag_sequence));
        const ByteView type = TRY(der::read_expected(attribute, der::tag_oid)).take_rest();
        Reader values = TRY(der::read_expected(attribute, constructed_set));
        TRY(attribute.expect_end("trailing bytes in a CSR attribute"));
        if (detail::same_oid(type, oid(MBEDTLS_OID_PKCS9_CSR_EXT_REQ)))
            TRY(read_extension_request(values, out.subject_alt_names));
    }
    return ok();
}

std::string_view signature_name(const mbedtls_x509_csr& csr) {
    if (csr.sig_pk == MBEDTLS_PK_RSASSA_PSS) return "RSASSA-PSS";
    for (const auto& algorithm : detail::signature_algorithms())
        if (detail::same_oid(ByteView(csr.sig_oid.p, csr.sig_oid.len), algorithm.oid)) return algorithm.name;
    return "unknown";
}

}  // namespace

Result<Bytes> build_certificate_request(const CsrRequest& request, Signer& signer) {
    const auto algorithm = algorithm_for(signer);
    if (!algorithm)
        return fail(AlertDescription::internal_error,
                    signer.description() + " offers no signature scheme usable for a CSR (ECDSA or RSA-PSS)");
    const Bytes info = TRY(build_request_info(request));
    const Bytes signature = TRY(signer.sign(algorithm->scheme, view(info)));

    // RFC 2986 §4.2 CertificationRequest ::= SEQUENCE { certificationRequestInfo,
    // signatureAlgorithm AlgorithmIdentifier, signature BIT STRING }.
    AsnBackWriter w(info.size() + signature.size() + 128);
    w.wrap(constructed_sequence, [&] {
        w.check(mbedtls_asn1_write_bitstring(w.cursor(), w.start(), signature.data(), signature.size() * 8));
        detail::write_algorithm_identifier(w, *algorithm);
        w.raw(view(info));
    });
    Bytes der = TRY(w.finish("CertificationRequest"));
    auto check = parse_certificate_request(view(der));
    if (!check)
        return fail(check.error().description,
                    "the CSR signed by " + signer.description() + " does not check out (is the public key the signer's?): " +
                        check.error().reason);
    return der;
}

Result<std::string> certificate_request_pem(ByteView der) { return pem_encode("CERTIFICATE REQUEST", der); }

Result<CertificateRequest> parse_certificate_request(ByteView pem_or_der) {
    const Bytes input = mbedtls_parse_input(pem_or_der);
    Csr csr;
    if (const int rc = mbedtls_x509_csr_parse(&csr.value, input.data(), input.size()); rc != 0) {
        char text[160];
        mbedtls_strerror(rc, text, sizeof text);
        return fail(AlertDescription::decode_error, std::string("not a valid PKCS#10 CSR: ") + text);
    }
    const mbedtls_x509_csr& parsed = csr.value;
    if (parsed.sig_md != MBEDTLS_MD_SHA256 && parsed.sig_md != MBEDTLS_MD_SHA384 && parsed.sig_md != MBEDTLS_MD_SHA512)
        return fail(AlertDescription::insufficient_security, "CSR signed with a hash weaker than SHA-256");

    // RFC 2986 §3: the signature over CertificationRequestInfo proves possession of the key.
    if (!detail::signature_verifies(parsed.sig_pk, parsed.sig_opts, parsed.sig_md, ByteView(parsed.cri.p, parsed.cri.len),
                                    ByteView(parsed.sig.p, parsed.sig.len), csr.value.pk))
        return fail(AlertDescription::decrypt_error,
                    "CSR signature does not verify (the request was altered or not signed by its own key)");

    CertificateRequest out;
    out.der.assign(parsed.raw.p, parsed.raw.p + parsed.raw.len);
    char subject[1024];
    if (mbedtls_x509_dn_gets(subject, sizeof subject, &parsed.subject) < 0)
        return fail(AlertDescription::decode_error, "CSR subject too long");
    out.subject = subject;
    out.signature_algorithm = std::string(signature_name(parsed));
    TRY(read_request_info(ByteView(parsed.cri.p, parsed.cri.len), out));
    return out;
}

}  // namespace tpmtls::pki
