// Device enrollment (issue 5 point 5): PKCS#10 requests built with mbedTLS's ASN.1 writer and
// signed through the Signer interface (software keys and a TpmSigner on swtpm), judged by
// `openssl req -verify`; the small CA refuses a tampered request and issues certificates that
// `openssl verify -purpose sslclient|sslserver` accepts, with the EKU, serial and validity asked for.
#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "support/peer_process.h"
#include "support/result_testing.h"
#include "support/swtpm.h"
#include "support/test_pki.h"
#include "pki/ca.h"
#include "pki/csr.h"
#include "tls13/crypto/software_signer.h"
#include "tls13/x509.h"
#include "tpm/context.h"
#include "tpm/keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::pki;
using namespace tpmtls::test;

namespace {

std::unique_ptr<SoftwareSigner> software_signer(KeyType type) {
    return must(SoftwareSigner::from_key(view(generate_key(type).private_pem)));
}

CsrRequest device_request(Bytes spki) {
    CsrRequest request;
    request.subject_public_key_info = std::move(spki);
    request.subject = "/CN=dev1/O=Acme";
    request.subject_alt_names = {must(parse_subject_alt_name("DNS:dev1.example")),
                                 must(parse_subject_alt_name("IP:192.0.2.7")),
                                 must(parse_subject_alt_name("IP:2001:db8::7")),
                                 must(parse_subject_alt_name("URI:urn:acme:device:dev1"))};
    return request;
}

// `openssl req -verify` on the PEM: accepted or not, with its output for the failure message.
bool openssl_accepts_request(const TempDir& dir, const std::string& pem, std::string& text) {
    const std::string path = dir.write("request.pem", pem);
    auto verify = run_command({"openssl", "req", "-verify", "-in", path, "-noout", "-text"});
    text = verify.transcript;
    return verify.exit_status == 0 && verify.err.find("verify OK") != std::string::npos;
}

std::string openssl_text(const TempDir& dir, const std::string& certificate_pem) {
    auto text = run_command({"openssl", "x509", "-noout", "-text", "-in", dir.write("text.pem", certificate_pem)});
    REQUIRE_MESSAGE(text.exit_status == 0, text.transcript);
    return text.out;
}

int openssl_verify(const TempDir& dir, const std::string& ca_pem, const std::string& certificate_pem,
                   const std::string& purpose, std::string& transcript) {
    auto verify = run_command({"openssl", "verify", "-purpose", purpose, "-CAfile", dir.write("ca.pem", ca_pem),
                               dir.write("leaf.pem", certificate_pem)});
    transcript = verify.transcript;
    return verify.exit_status;
}

// "Nov 23 12:38:07 2026 GMT", as `openssl x509 -text` prints validity.
std::string openssl_time(int64_t unix_seconds) {
    const auto t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%b %e %H:%M:%S %Y GMT", &tm);
    return text;
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("subjects in openssl and RFC 4514 form encode alike; SAN text forms are checked") {
    CHECK(must(encode_name("/CN=dev1/O=Acme")) == must(encode_name("CN=dev1, O=Acme")));
    CHECK(must(normalize_subject("/CN=a,b/O=x\\/y")) == "CN=a\\,b,O=x/y");
    for (const char* bad : {"", "/", "CN", "/CN=", "=x", "CN=a,,O=b"}) {
        CAPTURE(bad);
        CHECK(alert_of(normalize_subject(bad)) == AlertDescription::illegal_parameter);
    }
    CHECK_FALSE(encode_name("/XX=unknown"));
    CHECK(must(parse_subject_alt_name("dns:x.example")).to_string() == "DNS:x.example");
    for (const char* bad : {"DNS:", "IP:300.1.1.1", "IP:host", "URI:nocolon", "email:a@b", "x.example"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_subject_alt_name(bad));
    }
    const std::vector<SubjectAltName> names = device_request({}).subject_alt_names;
    CHECK(must(decode_subject_alt_names(view(must(encode_subject_alt_names(names))))) == names);
}

TEST_CASE("a CSR signed by a software key passes openssl req -verify and parses back") {
    TempDir dir;
    SUBCASE("ECDSA P-256: ecdsa-with-SHA256") {
        auto signer = software_signer(KeyType::ecdsa_p256);
        const Bytes der = must(build_certificate_request(device_request(must(signer->public_key_der())), *signer));
        std::string text;
        CHECK_MESSAGE(openssl_accepts_request(dir, must(certificate_request_pem(view(der))), text), text);
        CHECK(contains(text, "ecdsa-with-SHA256"));
        CHECK(contains(text, "CN = dev1, O = Acme"));
        CHECK(contains(text, "DNS:dev1.example, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:7, "
                             "URI:urn:acme:device:dev1"));
        const CertificateRequest parsed = must(parse_certificate_request(view(der)));
        CHECK(parsed.subject == "CN=dev1, O=Acme");
        CHECK(parsed.subject_public_key_info == must(signer->public_key_der()));
        CHECK(parsed.subject_alt_names == device_request({}).subject_alt_names);
        CHECK(parsed.signature_algorithm == "ecdsa-with-SHA256");
    }
    SUBCASE("RSA-2048: RSASSA-PSS, SHA-256, MGF1 SHA-256, salt 32 (RFC 4055)") {
        auto signer = software_signer(KeyType::rsa_2048);
        const Bytes der = must(build_certificate_request(device_request(must(signer->public_key_der())), *signer));
        std::string text;
        CHECK_MESSAGE(openssl_accepts_request(dir, must(certificate_request_pem(view(der))), text), text);
        CHECK(contains(text, "rsassaPss"));
        CHECK(contains(text, "Hash Algorithm: sha256"));
        CHECK(contains(text, "Mask Algorithm: mgf1 with sha256"));
        CHECK(contains(text, "Salt Length: 0x20"));
        CHECK(must(parse_certificate_request(view(der))).signature_algorithm == "RSASSA-PSS");
    }
    SUBCASE("no SANs: an empty attributes set") {
        auto signer = software_signer(KeyType::ecdsa_p256);
        CsrRequest request;
        request.subject_public_key_info = must(signer->public_key_der());
        request.subject = "CN=plain";
        const Bytes der = must(build_certificate_request(request, *signer));
        std::string text;
        CHECK_MESSAGE(openssl_accepts_request(dir, must(certificate_request_pem(view(der))), text), text);
        CHECK(must(parse_certificate_request(view(der))).subject_alt_names.empty());
    }
    SUBCASE("a signer whose key is not the SPKI's is caught before the CSR leaves") {
        auto signer = software_signer(KeyType::ecdsa_p256);
        auto other = software_signer(KeyType::ecdsa_p256);
        auto result = build_certificate_request(device_request(must(other->public_key_der())), *signer);
        REQUIRE_FALSE(result);
        CHECK(contains(result.error().reason, "does not verify"));
    }
}

TEST_CASE("a CSR signed by a TPM key (swtpm) passes openssl req -verify") {
    Swtpm swtpm;
    tpm::ContextOptions options;
    options.tcti = swtpm.tcti();
    auto context = must(tpm::TpmContext::open(options));
    const tpm::KeyBlob blob = must(tpm::create_p256_signing_key(*context));
    auto signer = must(tpm::TpmSigner::create(must(tpm::load_key(context, blob))));
    const Bytes der = must(build_certificate_request(device_request(signer->public_key_der()), *signer));
    TempDir dir;
    std::string text;
    CHECK_MESSAGE(openssl_accepts_request(dir, must(certificate_request_pem(view(der))), text), text);
    CHECK(must(parse_certificate_request(view(der))).subject_public_key_info == signer->public_key_der());
}

TEST_CASE("the CA issues client and server certificates that openssl verify accepts for their purpose") {
    TempDir dir;
    const int64_t now = system_clock().unix_seconds() - 3600;  // a fixed instant an hour ago
    FixedClock clock(now);
    const NewCertificateAuthority created = must(create_certificate_authority({"/CN=Acme device CA/O=Acme", 30}, clock));
    CHECK(contains(created.key_pem, "-----BEGIN EC PRIVATE KEY-----"));
    const std::string ca_text = openssl_text(dir, created.certificate_pem);
    CHECK(contains(ca_text, "CA:TRUE"));
    CHECK(contains(ca_text, "Certificate Sign, CRL Sign"));
    CHECK(contains(ca_text, "X509v3 Subject Key Identifier"));
    const CertificateAuthority ca = must(CertificateAuthority::load(view(created.certificate_pem), view(created.key_pem)));
    CHECK(ca.subject() == "CN=Acme device CA, O=Acme");

    auto signer = software_signer(KeyType::ecdsa_p256);
    const Bytes csr = must(build_certificate_request(device_request(must(signer->public_key_der())), *signer));

    const pki::IssuedCertificate client = must(ca.issue(view(csr), {CertificateProfile::client, 90}, clock));
    CHECK(client.subject == "CN=dev1, O=Acme");
    CHECK(client.serial.size() == 16);
    CHECK((client.serial[0] & 0x80) == 0);
    CHECK(client.not_before == now);
    CHECK(client.not_after == now + 90 * 86400);
    std::string transcript;
    CHECK_MESSAGE(openssl_verify(dir, created.certificate_pem, client.pem, "sslclient", transcript) == 0, transcript);
    CHECK_MESSAGE(openssl_verify(dir, created.certificate_pem, client.pem, "sslserver", transcript) != 0, transcript);
    const std::string text = openssl_text(dir, client.pem);
    CHECK(contains(text, "TLS Web Client Authentication"));
    CHECK_FALSE(contains(text, "TLS Web Server Authentication"));
    CHECK(contains(text, "Digital Signature"));
    CHECK(contains(text, "CA:FALSE"));
    CHECK(contains(text, "X509v3 Authority Key Identifier"));
    CHECK(contains(text, "DNS:dev1.example, IP Address:192.0.2.7"));
    CHECK(contains(text, "Subject: CN = dev1, O = Acme"));
    CHECK(contains(text, "Issuer: CN = Acme device CA, O = Acme"));
    CHECK(contains(text, "Not Before: " + openssl_time(now)));
    CHECK(contains(text, "Not After : " + openssl_time(now + 90 * 86400)));
    std::string serial_hex;
    for (size_t i = 0; i < client.serial.size(); ++i)
        serial_hex.append(i ? ":" : "").append(to_hex(ByteView(&client.serial[i], 1)));  // GCC bug 105329
    CHECK_MESSAGE(contains(text, serial_hex), serial_hex);

    const pki::IssuedCertificate again = must(ca.issue(view(csr), {}, clock));
    CHECK(again.serial != client.serial);
    CHECK(again.not_after == now + 365 * 86400);

    const pki::IssuedCertificate server = must(ca.issue(view(csr), {CertificateProfile::server, 30}, clock));
    CHECK_MESSAGE(openssl_verify(dir, created.certificate_pem, server.pem, "sslserver", transcript) == 0, transcript);
    CHECK(contains(openssl_text(dir, server.pem), "TLS Web Server Authentication"));

    // Hex strings, not Bytes: GCC 12 warns -Wstringop-overread inside vector's <=> (a false
    // positive about libstdc++'s inlined memcmp).
    std::set<std::string> serials;
    for (int i = 0; i < 20; ++i) serials.insert(to_hex(must(ca.issue(view(csr), {}, clock)).serial));
    CHECK(serials.size() == 20);
}

// What `openssl x509 -text` prints for each way a CA signs: the algorithm, and for RSASSA-PSS
// its RFC 4055 parameters.
std::vector<std::string> openssl_signature_lines(SignatureScheme scheme) {
    switch (scheme) {
        case SignatureScheme::ecdsa_secp384r1_sha384: return {"Signature Algorithm: ecdsa-with-SHA384"};
        case SignatureScheme::rsa_pkcs1_sha256: return {"Signature Algorithm: sha256WithRSAEncryption"};
        case SignatureScheme::rsa_pss_rsae_sha256:
            return {"Signature Algorithm: rsassaPss", "Hash Algorithm: sha256", "Mask Algorithm: mgf1 with sha256",
                    "Salt Length: 0x20"};
        case SignatureScheme::ecdsa_secp256r1_sha256:
        default: return {"Signature Algorithm: ecdsa-with-SHA256"};
    }
}

// Issues a client certificate for a fresh P-256 CSR and checks it as a relying party would:
// openssl shows the signature `ca` should make, and `openssl verify` accepts it under `ca_pem`.
// Returns it.
pki::IssuedCertificate check_issues_verifiable_certificate(const CertificateAuthority& ca, const std::string& ca_pem,
                                                           SignatureScheme expected) {
    TempDir dir;
    CHECK(ca.signature_scheme() == expected);
    auto signer = software_signer(KeyType::ecdsa_p256);
    const Bytes csr = must(build_certificate_request(device_request(must(signer->public_key_der())), *signer));
    const pki::IssuedCertificate issued = must(ca.issue(view(csr), {}, system_clock()));
    const std::string text = openssl_text(dir, issued.pem);
    for (const std::string& line : openssl_signature_lines(expected)) CHECK_MESSAGE(contains(text, line), line, text);
    std::string transcript;
    CHECK_MESSAGE(openssl_verify(dir, ca_pem, issued.pem, "sslclient", transcript) == 0, transcript);
    return issued;
}

TEST_CASE("ca-init's CAs: ECDSA P-256 and P-384, RSA-4096; each signs as its key fits, RSA also RSASSA-PSS") {
    struct Row {
        KeySpec key;
        RsaPadding padding;
        SignatureScheme scheme;
        std::string key_text;  // in `openssl x509 -text` of the CA certificate
    };
    const Row rows[] = {
        {{KeyAlgorithm::ecdsa_p256}, RsaPadding::pkcs1_v15, SignatureScheme::ecdsa_secp256r1_sha256, "NIST CURVE: P-256"},
        {{KeyAlgorithm::ecdsa_p384}, RsaPadding::pkcs1_v15, SignatureScheme::ecdsa_secp384r1_sha384, "NIST CURVE: P-384"},
        {{KeyAlgorithm::rsa, 4096}, RsaPadding::pkcs1_v15, SignatureScheme::rsa_pkcs1_sha256, "Public-Key: (4096 bit)"},
        {{KeyAlgorithm::rsa, 2048}, RsaPadding::pss, SignatureScheme::rsa_pss_rsae_sha256, "Public-Key: (2048 bit)"},
    };
    TempDir dir;
    FixedClock clock(system_clock().unix_seconds() - 60);
    for (const Row& row : rows) {
        CAPTURE(to_string(row.key));
        CAPTURE(static_cast<int>(row.padding));
        const NewCertificateAuthority created = must(create_certificate_authority({"/CN=Acme CA", 30}, row.key, clock));
        CHECK(contains(created.key_pem, row.key.algorithm == KeyAlgorithm::rsa ? "-----BEGIN RSA PRIVATE KEY-----"
                                                                              : "-----BEGIN EC PRIVATE KEY-----"));
        // The self-signature is PKCS#1 v1.5 for RSA whatever the CA later signs with.
        const SignatureScheme self_signed =
            row.scheme == SignatureScheme::rsa_pss_rsae_sha256 ? SignatureScheme::rsa_pkcs1_sha256 : row.scheme;
        const std::string ca_text = openssl_text(dir, created.certificate_pem);
        CHECK(contains(ca_text, openssl_signature_lines(self_signed)[0]));
        CHECK(contains(ca_text, row.key_text));
        CHECK(contains(ca_text, "CA:TRUE"));
        auto self_verify = run_command({"openssl", "verify", "-CAfile", dir.write("self.pem", created.certificate_pem),
                                        dir.file("self.pem")});
        CHECK_MESSAGE(self_verify.exit_status == 0, self_verify.transcript);
        const CertificateAuthority ca =
            must(CertificateAuthority::load(view(created.certificate_pem), view(created.key_pem), row.padding));
        const pki::IssuedCertificate issued = check_issues_verifiable_certificate(ca, created.certificate_pem, row.scheme);
        // Our own server takes it as a client certificate too (tls13/x509.h).
        ChainPolicy policy;
        policy.purpose = CertificatePurpose::client_auth;
        policy.now_unix_seconds = system_clock().unix_seconds();
        const TrustStore anchors = must(TrustStore::from_pem_or_der(view(created.certificate_pem)));
        CHECK(verify_certificate_chain(anchors, {view(issued.der)}, policy));
        // DER loads as PEM does.
        CHECK(CertificateAuthority::load(view(created.certificate_der), view(created.key_pem), row.padding));
    }
    SUBCASE("RSASSA-PSS needs an RSA key; RSA sizes other than 2048, 3072, 4096 are not made") {
        const NewCertificateAuthority ec = must(create_certificate_authority({"CN=EC CA", 30}, clock));
        auto pss = CertificateAuthority::load(view(ec.certificate_pem), view(ec.key_pem), RsaPadding::pss);
        REQUIRE_FALSE(pss);
        CHECK(pss.error().description == AlertDescription::illegal_parameter);
        CHECK(contains(pss.error().reason, "RSASSA-PSS needs an RSA CA key"));
        CHECK(alert_of(create_certificate_authority({"CN=CA", 30}, {KeyAlgorithm::rsa, 1024}, clock)) ==
              AlertDescription::illegal_parameter);
    }
}

TEST_CASE("a company CA made with the tutorial's openssl commands loads and issues what openssl verifies") {
    TempDir dir;
    auto openssl = [](std::vector<std::string> argv) {
        argv.insert(argv.begin(), "openssl");
        auto made = run_command(argv);
        REQUIRE_MESSAGE(made.exit_status == 0, made.transcript);
    };
    // `openssl genrsa -out ca.key 4096` (PKCS#8 "PRIVATE KEY" in OpenSSL 3), the same key as
    // PKCS#1 "RSA PRIVATE KEY", and one from `openssl genpkey`.
    openssl({"genrsa", "-out", dir.file("genrsa.key"), "4096"});
    openssl({"rsa", "-in", dir.file("genrsa.key"), "-traditional", "-out", dir.file("pkcs1.key")});
    openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", dir.file("genpkey.key")});
    // `openssl req -x509 -new -key ca.key -sha256 ...`, plain and with the critical path
    // constraints a company CA may carry (which mbedTLS 2.28 does not implement); the devices'
    // DNS:dev1.example is inside the permitted subtree.
    const std::vector<std::string> constrained = {"-addext", "nameConstraints=critical,permitted;DNS:example",
                                                  "-addext", "certificatePolicies=critical,1.3.6.1.4.1.99999.1"};
    // Key file x extensions x padding, every pair of values once (3 x 2 x 2 in six rows).
    struct Row {
        std::string key_file;
        std::string pem_label;
        bool constrained;
        RsaPadding padding;
    };
    const Row rows[] = {
        {"genrsa.key", "-----BEGIN PRIVATE KEY-----", false, RsaPadding::pkcs1_v15},
        {"genrsa.key", "-----BEGIN PRIVATE KEY-----", true, RsaPadding::pss},
        {"pkcs1.key", "-----BEGIN RSA PRIVATE KEY-----", false, RsaPadding::pss},
        {"pkcs1.key", "-----BEGIN RSA PRIVATE KEY-----", true, RsaPadding::pkcs1_v15},
        {"genpkey.key", "-----BEGIN PRIVATE KEY-----", false, RsaPadding::pkcs1_v15},
        {"genpkey.key", "-----BEGIN PRIVATE KEY-----", true, RsaPadding::pss},
    };
    for (const Row& row : rows) {
        CAPTURE(row.key_file);
        CAPTURE(row.constrained);
        CAPTURE(static_cast<int>(row.padding));
        std::vector<std::string> req = {"req", "-x509", "-new", "-key", dir.file(row.key_file), "-sha256", "-days",
                                        "3650", "-subj", "/C=DE/O=Company/CN=Company Root CA", "-out",
                                        dir.file("company-ca.pem")};
        if (row.constrained) req.insert(req.end(), constrained.begin(), constrained.end());
        openssl(req);
        const std::string ca_pem = read_text_file(dir.file("company-ca.pem"));
        const std::string key_pem = read_text_file(dir.file(row.key_file));
        CHECK(contains(key_pem, row.pem_label));
        if (row.constrained) CHECK(contains(openssl_text(dir, ca_pem), "X509v3 Name Constraints: critical"));
        const CertificateAuthority ca = must(CertificateAuthority::load(view(ca_pem), view(key_pem), row.padding));
        CHECK(ca.subject() == "C=DE, O=Company, CN=Company Root CA");
        check_issues_verifiable_certificate(ca, ca_pem,
                                            row.padding == RsaPadding::pss ? SignatureScheme::rsa_pss_rsae_sha256
                                                                           : SignatureScheme::rsa_pkcs1_sha256);
    }
    SUBCASE("a critical extension that is not a path constraint is still refused") {
        openssl({"req", "-x509", "-new", "-key", dir.file("genrsa.key"), "-sha256", "-days", "30", "-subj", "/CN=Odd CA",
                 "-addext", "1.3.6.1.4.1.99999.7=critical,DER:05:00", "-out", dir.file("odd.pem")});
        auto loaded = CertificateAuthority::load(view(read_text_file(dir.file("odd.pem"))),
                                                 view(read_text_file(dir.file("genrsa.key"))));
        REQUIRE_FALSE(loaded);
        CHECK(loaded.error().description == AlertDescription::bad_certificate);
        CHECK(contains(loaded.error().reason, "not a valid X.509 certificate"));
    }
}

TEST_CASE("the CA refuses a request whose signature does not verify, and bad CA material") {
    FixedClock clock(system_clock().unix_seconds());
    const NewCertificateAuthority created = must(create_certificate_authority({"CN=CA", 30}, clock));
    const CertificateAuthority ca = must(CertificateAuthority::load(view(created.certificate_pem), view(created.key_pem)));
    auto signer = software_signer(KeyType::ecdsa_p256);
    const Bytes csr = must(build_certificate_request(device_request(must(signer->public_key_der())), *signer));

    SUBCASE("a flipped bit in the signature") {
        Bytes tampered = csr;
        tampered[tampered.size() - 5] ^= 0x01;
        auto issued = ca.issue(view(tampered), {}, clock);
        REQUIRE_FALSE(issued);
        CHECK(issued.error().description == AlertDescription::decrypt_error);
        CHECK(contains(issued.error().reason, "CSR signature does not verify"));
    }
    SUBCASE("a changed subject (CN=dev1 -> CN=dev2) under the original signature") {
        Bytes tampered = csr;
        const std::string needle = "dev1";
        auto at = std::search(tampered.begin(), tampered.end(), needle.begin(), needle.end());
        REQUIRE(at != tampered.end());
        at[3] = '2';
        auto issued = ca.issue(view(tampered), {}, clock);
        REQUIRE_FALSE(issued);
        CHECK(issued.error().description == AlertDescription::decrypt_error);
        TempDir dir;
        std::string text;
        CHECK_FALSE(openssl_accepts_request(dir, must(certificate_request_pem(view(tampered))), text));
    }
    SUBCASE("garbage and truncation are decode errors") {
        CHECK(alert_of(ca.issue(view(std::string("not a CSR")), {}, clock)) == AlertDescription::decode_error);
        CHECK(alert_of(ca.issue(ByteView(csr).first(csr.size() / 2), {}, clock)) == AlertDescription::decode_error);
    }
    SUBCASE("validity outside 1..36500 days") {
        CHECK(alert_of(ca.issue(view(csr), {CertificateProfile::client, 0}, clock)) == AlertDescription::illegal_parameter);
        CHECK_FALSE(create_certificate_authority({"CN=CA", 40000}, clock));
    }
    SUBCASE("a key that is not the CA's, and a certificate that is not a CA") {
        const NewCertificateAuthority other = must(create_certificate_authority({"CN=Other", 30}, clock));
        auto mismatched = CertificateAuthority::load(view(created.certificate_pem), view(other.key_pem));
        REQUIRE_FALSE(mismatched);
        CHECK(contains(mismatched.error().reason, "does not belong"));
        const pki::IssuedCertificate leaf = must(ca.issue(view(csr), {}, clock));
        auto not_ca = CertificateAuthority::load(view(leaf.pem), view(created.key_pem));
        REQUIRE_FALSE(not_ca);
        CHECK(contains(not_ca.error().reason, "not a CA"));
    }
}

TEST_CASE("the CA copies openssl-made subjects faithfully and refuses what it cannot copy") {
    TempDir dir;
    FixedClock clock(system_clock().unix_seconds());
    const NewCertificateAuthority created = must(create_certificate_authority({"CN=CA", 30}, clock));
    const CertificateAuthority ca = must(CertificateAuthority::load(view(created.certificate_pem), view(created.key_pem)));
    auto openssl_request = [&](std::vector<std::string> extra) {
        std::vector<std::string> argv = {"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                         "-nodes", "-keyout", dir.file("k.pem"), "-out", dir.file("r.pem"), "-utf8"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto made = run_command(argv);
        REQUIRE_MESSAGE(made.exit_status == 0, made.transcript);
        return read_text_file(dir.file("r.pem"));
    };

    SUBCASE("a comma and UTF-8 in values, C as PrintableString: the subject DER comes out identical") {
        const std::string pem = openssl_request({"-subj", "/C=DE/O=M\xc3\xbcller\\, Inc./CN=dev,1"});
        const CertificateRequest request = must(parse_certificate_request(view(pem)));
        const pki::IssuedCertificate cert = must(ca.issue(view(pem), {}, clock));
        auto text = run_command({"openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in",
                                 dir.write("c.pem", cert.pem)});
        CHECK_MESSAGE(text.out.find("CN=dev\\,1,O=M\\C3\\BCller\\, Inc.,C=DE") != std::string::npos, text.out);
        const auto at = std::search(cert.der.begin(), cert.der.end(), request.subject_der.begin(), request.subject_der.end());
        CHECK(at != cert.der.end());
    }
    SUBCASE("an email subjectAltName is not one this CA issues") {
        const std::string pem = openssl_request({"-subj", "/CN=x", "-addext", "subjectAltName=email:x@example.com"});
        auto issued = ca.issue(view(pem), {}, clock);
        REQUIRE_FALSE(issued);
        CHECK(issued.error().description == AlertDescription::unsupported_extension);
        CHECK(contains(issued.error().reason, "only DNS, IP and URI"));
    }
    SUBCASE("a CSR signed with SHA-1") {
        const std::string pem = openssl_request({"-subj", "/CN=x", "-sha1"});
        CHECK(alert_of(ca.issue(view(pem), {}, clock)) == AlertDescription::insufficient_security);
    }
}

TEST_CASE("every truncation and every single-byte change of a CSR is refused without a crash") {
    auto signer = software_signer(KeyType::ecdsa_p256);
    const Bytes der = must(build_certificate_request(device_request(must(signer->public_key_der())), *signer));
    for (size_t n = 0; n < der.size(); ++n) {
        CAPTURE(n);
        CHECK_FALSE(parse_certificate_request(ByteView(der).first(n)));
    }
    // Each changed byte makes the request malformed or its signature fail; none may be accepted.
    size_t accepted = 0;
    for (size_t i = 0; i < der.size(); ++i) {
        Bytes changed = der;
        changed[i] ^= 0x20;
        if (parse_certificate_request(view(changed))) ++accepted;
    }
    CHECK(accepted == 0);
}
