// LazySigner (tls13/lazy_signer.h): schemes known from the certificate before the key is opened;
// the factory runs at the first CertificateVerify only, so a resumed handshake (RFC 8446 §2.2,
// no CertificateRequest) never opens the key: a full handshake then a resumed one count 1 then 0
// factory calls. A factory that fails or makes an unfit key is a clear error on our side and
// internal_error to the peer.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "support/connection_pair.h"
#include "support/result_testing.h"
#include "support/test_pki.h"
#include "tls13/lazy_signer.h"
#include "tls13/crypto/software_signer.h"
#include "tls13/tickets/ticket_keys.h"

using namespace tpmtls;
using namespace tpmtls::test;

namespace {

std::shared_ptr<Signer> software_signer(const IssuedCertificate& cert) {
    return std::shared_ptr<Signer>(must(SoftwareSigner::from_key(view(cert.key.private_pem))));
}

// A LazySigner for `cert` whose factory opens `key_of` (by default the certificate's own key)
// and counts its calls.
struct CountingFactory {
    size_t calls = 0;
    std::optional<std::string> fail_with;
    std::shared_ptr<LazySigner> make(const IssuedCertificate& cert, const IssuedCertificate* key_of = nullptr) {
        const IssuedCertificate& source = key_of ? *key_of : cert;
        return must(LazySigner::for_certificate(
            view(cert.der),
            [this, &source]() -> Result<std::shared_ptr<Signer>> {
                ++calls;
                if (fail_with) return fail(AlertDescription::internal_error, *fail_with);
                return software_signer(source);
            },
            "test key"));
    }
};

ServerConfig resuming_server(const TestPki& pki) {
    ServerConfig server = server_config_for(pki, ClientAuthMode::required);
    server.ticket_keys = TicketKeys::generate(system_random(), system_clock().unix_seconds());
    return server;
}

}  // namespace

TEST_CASE("schemes come from the certificate's public key") {
    for (const auto& [type, expected] : std::vector<std::pair<KeyType, std::vector<SignatureScheme>>>{
             {KeyType::ecdsa_p256, {SignatureScheme::ecdsa_secp256r1_sha256}},
             {KeyType::ecdsa_p384, {SignatureScheme::ecdsa_secp384r1_sha384}},
             {KeyType::rsa_2048,
              {SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384,
               SignatureScheme::rsa_pss_rsae_sha512}},
         }) {
        CertificateSpec spec;
        spec.key_type = type;
        const IssuedCertificate cert = issue_certificate(spec, nullptr);
        size_t calls = 0;
        auto signer = must(LazySigner::for_certificate(
            view(cert.der), [&]() -> Result<std::shared_ptr<Signer>> { return ++calls, software_signer(cert); }, "k"));
        CHECK(signer->schemes() == expected);
        CHECK(signer->description() == "k (not opened yet)");
        CHECK_FALSE(signer->opened());
        // The certificate's SPKI, exactly: what a software key of the same pair reports.
        auto software = must(SoftwareSigner::from_key(view(cert.key.private_pem)));
        CHECK(must(certificate_spki_der(view(cert.der))) == must(software->public_key_der()));
        CHECK(calls == 0);
    }
    auto bad = LazySigner::for_certificate(view(std::string("not a certificate")), nullptr, "broken key");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().reason.find("broken key") != std::string::npos);
    CHECK(alert_of(certificate_spki_der(view(std::string("\x30\x03\x02\x01\x01", 5)))) == AlertDescription::decode_error);
}

TEST_CASE("the factory runs once, at the first signature, and the signer then delegates") {
    const TestPki& pki = shared_test_pki();
    CountingFactory factory;
    auto signer = factory.make(pki.client);
    const Bytes content(100, 0x20);
    auto key = must(PublicKey::from_certificate(view(pki.client.der)));
    for (int i = 0; i < 3; ++i) {
        const Bytes signature = must(signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)));
        must(verify_signature(SignatureScheme::ecdsa_secp256r1_sha256, key, view(content), view(signature)));
    }
    CHECK(factory.calls == 1);
    CHECK(signer->factory_calls() == 1);
    CHECK(signer->opened());
    CHECK(signer->description().find("not opened") == std::string::npos);
    // A scheme the certificate does not announce is refused without opening anything new.
    CHECK(alert_of(signer->sign(SignatureScheme::rsa_pss_rsae_sha256, view(content))) ==
          AlertDescription::internal_error);
    CHECK(factory.calls == 1);
}

TEST_CASE("a full handshake opens the key once; a resumed one does not open it at all") {
    const TestPki& pki = shared_test_pki();
    CountingFactory factory;
    const std::shared_ptr<LazySigner> signer = factory.make(pki.client);
    const ServerConfig server = resuming_server(pki);

    std::vector<SessionTicket> tickets;
    ClientConfig client = client_config_for(pki, false);
    client.credentials = Credentials{{pki.client.der}, signer};
    client.on_session_ticket = [&](SessionTicket t) { tickets.push_back(std::move(t)); };

    ConnectionPair full = make_pair(client, server);
    REQUIRE(full.handshake());
    CHECK_FALSE(full.client->session().resumed);
    REQUIRE(full.server->session().peer_identity.has_value());
    const PeerIdentity client_identity = *full.server->session().peer_identity;
    CHECK(factory.calls == 1);
    REQUIRE_FALSE(tickets.empty());

    const size_t before = factory.calls;
    ClientConfig resuming = client;
    resuming.resume = tickets.back();
    ConnectionPair resumed = make_pair(std::move(resuming), server);
    REQUIRE(resumed.handshake());
    CHECK(resumed.client->session().resumed);
    CHECK(resumed.server->session().resumed);
    CHECK(factory.calls - before == 0);
    // The server still knows who the client is (from the ticket: no Certificate was sent).
    REQUIRE(resumed.server->session().peer_identity.has_value());
    CHECK(resumed.server->session().peer_identity->subject == client_identity.subject);
    CHECK(resumed.server->session().peer_identity->sha256_fingerprint == client_identity.sha256_fingerprint);

    SUBCASE("a fresh lazy signer (a new process) that only resumes never calls its factory") {
        CountingFactory fresh;
        ClientConfig again = client;
        again.credentials = Credentials{{pki.client.der}, fresh.make(pki.client)};
        again.resume = tickets.front();
        ConnectionPair pair = make_pair(std::move(again), server);
        REQUIRE(pair.handshake());
        CHECK(pair.client->session().resumed);
        CHECK(fresh.calls == 0);
    }
    SUBCASE("a server that asks for no certificate never makes the client open its key") {
        CountingFactory unused;
        ClientConfig plain = client_config_for(pki, false);
        plain.credentials = Credentials{{pki.client.der}, unused.make(pki.client)};
        ConnectionPair pair = make_pair(std::move(plain), server_config_for(pki, ClientAuthMode::off));
        REQUIRE(pair.handshake());
        CHECK(unused.calls == 0);
    }
}

TEST_CASE("a factory that fails: a clear error here, internal_error to the peer, retried next time") {
    const TestPki& pki = shared_test_pki();
    CountingFactory factory;
    factory.fail_with = "TPM unreachable at swtpm:host=127.0.0.1,port=1";
    ClientConfig client = client_config_for(pki, false);
    client.credentials = Credentials{{pki.client.der}, factory.make(pki.client)};
    ConnectionPair pair = make_pair(client, server_config_for(pki, ClientAuthMode::required));
    CHECK_FALSE(pair.handshake());
    REQUIRE(pair.client->error().has_value());
    CHECK(pair.client->error()->description == AlertDescription::internal_error);
    const std::string reason = pair.client->error()->reason;
    CAPTURE(reason);
    CHECK(reason.find("could not open the key") != std::string::npos);
    CHECK(reason.find("TPM unreachable at swtpm:host=127.0.0.1,port=1") != std::string::npos);
    CHECK(reason.find("test key") != std::string::npos);
    REQUIRE(pair.server->error().has_value());
    CHECK(pair.server->alert_was_received());
    CHECK(pair.server->error()->description == AlertDescription::internal_error);

    // The next handshake tries again, and succeeds once the key can be opened.
    factory.fail_with.reset();
    ConnectionPair retry = make_pair(client, server_config_for(pki, ClientAuthMode::required));
    CHECK(retry.handshake());
    CHECK(factory.calls == 2);
}

TEST_CASE("a factory that opens a key unfit for the certificate is refused") {
    const TestPki& pki = shared_test_pki();
    CertificateSpec spec;
    spec.key_type = KeyType::ecdsa_p384;
    const IssuedCertificate p384 = issue_certificate(spec, nullptr);
    CountingFactory factory;
    auto signer = factory.make(pki.client, &p384);  // the P-256 certificate, a P-384 key
    auto result = signer->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(Bytes(50, 1)));
    CHECK(alert_of(result) == AlertDescription::internal_error);
    CHECK(result.error().reason.find("ecdsa_secp384r1_sha384") != std::string::npos);
    CHECK(result.error().reason.find("ecdsa_secp256r1_sha256") != std::string::npos);
    CHECK_FALSE(signer->opened());
}
