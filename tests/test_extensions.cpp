// The RFC 8446 §4.2 table, the block rules, "response only for what was offered", and each
// typed codec: its encoding of known values and its alerts for bad bodies.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>

#include "fuzz/fuzz_common.h"
#include "tls13/extensions/extensions.h"

using namespace tpmtls;

namespace {

using enum AlertDescription;
using C = ExtensionContext;

Bytes hex(std::string_view s) { return from_hex(s).value(); }
Extension ext(ExtensionType type, std::string_view data_hex = "") { return Extension{type, hex(data_hex)}; }

// A table row: extension body (hex) read in a context -> decodes (nullopt) or the alert.
struct BodyCase {
    ExtensionType type;
    ExtensionContext context;
    std::string data_hex;
    std::optional<AlertDescription> alert;
};

}  // namespace

TEST_CASE("the §4.2 table, row by row") {
    struct Row {
        ExtensionType type;
        std::vector<C> contexts;
    };
    using T = ExtensionType;
    // RFC 8446 §4.2, transcribed again here independently of extensions.cpp.
    const std::vector<Row> rows = {
        {T::server_name, {C::client_hello, C::encrypted_extensions}},
        {T::max_fragment_length, {C::client_hello, C::encrypted_extensions}},
        {T::status_request, {C::client_hello, C::certificate_request, C::certificate}},
        {T::supported_groups, {C::client_hello, C::encrypted_extensions}},
        {T::signature_algorithms, {C::client_hello, C::certificate_request}},
        {T::use_srtp, {C::client_hello, C::encrypted_extensions}},
        {T::heartbeat, {C::client_hello, C::encrypted_extensions}},
        {T::application_layer_protocol_negotiation, {C::client_hello, C::encrypted_extensions}},
        {T::signed_certificate_timestamp, {C::client_hello, C::certificate_request, C::certificate}},
        {T::client_certificate_type, {C::client_hello, C::encrypted_extensions}},
        {T::server_certificate_type, {C::client_hello, C::encrypted_extensions}},
        {T::padding, {C::client_hello}},
        {T::key_share, {C::client_hello, C::server_hello, C::hello_retry_request}},
        {T::pre_shared_key, {C::client_hello, C::server_hello}},
        {T::psk_key_exchange_modes, {C::client_hello}},
        {T::early_data, {C::client_hello, C::encrypted_extensions, C::new_session_ticket}},
        {T::cookie, {C::client_hello, C::hello_retry_request}},
        {T::supported_versions, {C::client_hello, C::server_hello, C::hello_retry_request}},
        {T::certificate_authorities, {C::client_hello, C::certificate_request}},
        {T::oid_filters, {C::certificate_request}},
        {T::post_handshake_auth, {C::client_hello}},
        {T::signature_algorithms_cert, {C::client_hello, C::certificate_request}},
    };
    const std::vector<C> all = {C::client_hello,         C::server_hello, C::hello_retry_request,
                                C::encrypted_extensions, C::certificate,  C::certificate_request,
                                C::new_session_ticket};
    for (const auto& row : rows) {
        CAPTURE(to_string(row.type));
        CHECK(extension_recognised(row.type));
        for (C c : all) {
            CAPTURE(to_string(c));
            const bool listed = std::find(row.contexts.begin(), row.contexts.end(), c) != row.contexts.end();
            CHECK(extension_allowed(row.type, c) == listed);
        }
    }
    CHECK_FALSE(extension_recognised(static_cast<ExtensionType>(0xfafa)));
    CHECK_FALSE(extension_recognised(static_cast<ExtensionType>(28)));  // record_size_limit: not ours
    CHECK_FALSE(extension_allowed(static_cast<ExtensionType>(0xfafa), C::client_hello));
}

TEST_CASE("check_extensions: duplicates, forbidden types, pre_shared_key last, unknown kept") {
    using T = ExtensionType;
    const Extension psk = ext(T::pre_shared_key, "0007" "0001aa00000000" "0021" "20" + std::string(64, '0'));
    struct Case {
        std::string name;
        Extensions block;
        C context;
        std::optional<AlertDescription> alert;
    };
    const std::vector<Case> cases = {
        {"empty block", {}, C::encrypted_extensions, std::nullopt},
        {"unknown types are kept", {ext(static_cast<T>(0xfafa), "00"), ext(static_cast<T>(28), "4001")},
         C::encrypted_extensions, std::nullopt},
        {"duplicate unknown type", {ext(static_cast<T>(0xfafa)), ext(static_cast<T>(0xfafa))},
         C::new_session_ticket, illegal_parameter},
        {"duplicate known type", {ext(T::post_handshake_auth), ext(T::post_handshake_auth)}, C::client_hello,
         illegal_parameter},
        {"padding in EE", {ext(T::padding, "0000")}, C::encrypted_extensions, illegal_parameter},
        {"opaque-bodied extension allowed in CT", {ext(T::signed_certificate_timestamp, "ff")}, C::certificate,
         std::nullopt},
        {"pre_shared_key last", {ext(T::post_handshake_auth), psk}, C::client_hello, std::nullopt},
        {"pre_shared_key first", {psk, ext(T::post_handshake_auth)}, C::client_hello, illegal_parameter},
        {"pre_shared_key anywhere in a ServerHello", {ext(T::pre_shared_key, "0000"), ext(T::supported_versions, "0304")},
         C::server_hello, std::nullopt},
        {"a bad body answers after the table", {ext(T::cookie, "0000")}, C::hello_retry_request, decode_error},
        {"the table answers before a bad body", {ext(T::cookie, "0000")}, C::server_hello, illegal_parameter},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        const Status st = check_extensions(c.block, c.context);
        if (!c.alert) {
            CHECK_MESSAGE(st, (st ? "" : st.error().to_string()));
        } else {
            REQUIRE_FALSE(st);
            CHECK_MESSAGE(st.error().description == *c.alert, st.error().to_string());
        }
    }
}

TEST_CASE("check_offered: a response only for what was offered, cookie excepted in a HelloRetryRequest") {
    using T = ExtensionType;
    const Extensions offered = {ext(T::server_name, "0003000000"), ext(T::key_share, "0000"),
                                ext(T::supported_versions, "020304")};
    CHECK(check_offered({ext(T::server_name)}, offered, false));
    CHECK(check_offered({}, offered, false));
    CHECK(check_offered({ext(T::cookie, "000100")}, offered, true));
    CHECK(check_offered({ext(T::cookie, "000100")}, offered, false).error().description == unsupported_extension);
    CHECK(check_offered({ext(T::early_data)}, offered, false).error().description == unsupported_extension);
    CHECK(check_offered({ext(static_cast<T>(0xfafa))}, offered, true).error().description == unsupported_extension);
}

TEST_CASE("typed codecs encode the RFC's structures") {
    using T = ExtensionType;
    const std::vector<uint16_t> versions = {tls13_version, tls12_version};
    CHECK(encode_supported_versions_client_hello(versions).value() == ext(T::supported_versions, "0403040303"));
    CHECK(encode_supported_versions_server_hello(tls13_version).value() == ext(T::supported_versions, "0304"));
    const std::vector<NamedGroup> groups = {NamedGroup::x25519, NamedGroup::secp256r1};
    CHECK(encode_supported_groups(groups).value() == ext(T::supported_groups, "0004001d0017"));
    const std::vector<SignatureScheme> schemes = {SignatureScheme::rsa_pss_rsae_sha256};
    CHECK(encode_signature_algorithms(schemes).value() == ext(T::signature_algorithms, "00020804"));
    CHECK(encode_signature_algorithms_cert(schemes).value() == ext(T::signature_algorithms_cert, "00020804"));
    const std::vector<PskKeyExchangeMode> modes = {PskKeyExchangeMode::psk_dhe_ke};
    CHECK(encode_psk_key_exchange_modes(modes).value() == ext(T::psk_key_exchange_modes, "0101"));
    CHECK(encode_cookie(view(hex("abcd"))).value() == ext(T::cookie, "0002abcd"));
    CHECK(encode_early_data_empty() == ext(T::early_data));
    CHECK(encode_early_data_new_session_ticket(0x400).value() == ext(T::early_data, "00000400"));
    CHECK(encode_post_handshake_auth() == ext(T::post_handshake_auth));
    CHECK(encode_server_name_client_hello("server").value() == ext(T::server_name, "0009000006736572766572"));
    CHECK(encode_server_name_encrypted_extensions() == ext(T::server_name));
    const std::vector<Bytes> protocols = {hex("6832"), to_bytes(view(std::string_view("http/1.1")))};
    CHECK(encode_alpn_client_hello(protocols).value() ==
          ext(T::application_layer_protocol_negotiation, "000c02683208687474702f312e31"));
    CHECK(encode_alpn_encrypted_extensions(view(hex("6832"))).value() ==
          ext(T::application_layer_protocol_negotiation, "0003026832"));
    const std::vector<KeyShareEntry> shares = {{NamedGroup::x25519, hex("0102")}};
    CHECK(encode_key_share_client_hello(shares).value() == ext(T::key_share, "0006001d00020102"));
    CHECK(encode_key_share_server_hello(shares[0]).value() == ext(T::key_share, "001d00020102"));
    CHECK(encode_key_share_hello_retry_request(NamedGroup::secp256r1).value() == ext(T::key_share, "0017"));
    CHECK(find_key_share(shares, NamedGroup::x25519) == &shares[0]);
    CHECK(find_key_share(shares, NamedGroup::secp256r1) == nullptr);
    const OfferedPsks offered{{{hex("aa"), 7}}, {Bytes(32, 0x11)}};
    CHECK(encode_pre_shared_key_client_hello(offered).value() ==
          ext(T::pre_shared_key, "0007" "0001aa00000007" "0021" "20" + std::string(64, '1')));
    CHECK(binders_list_length(offered) == 2 + 1 + 32);
    CHECK(encode_pre_shared_key_server_hello(0).value() == ext(T::pre_shared_key, "0000"));
    const std::vector<Bytes> names = {hex("3000")};
    CHECK(encode_certificate_authorities(names).value() == ext(T::certificate_authorities, "000400023000"));
    const std::vector<OidFilter> filters = {{hex("551d25"), hex("3000")}};
    CHECK(encode_oid_filters(filters).value() == ext(T::oid_filters, "000803551d2500023000"));
}

TEST_CASE("typed codecs: bodies -> alert, and every decodable body re-encodes to itself") {
    using T = ExtensionType;
    const std::string binder = "20" + std::string(64, '0');
    const std::vector<BodyCase> cases = {
        // supported_versions
        {T::supported_versions, C::client_hello, "020304", std::nullopt},
        {T::supported_versions, C::client_hello, "040304fafa", std::nullopt},  // GREASE kept
        {T::supported_versions, C::client_hello, "00", decode_error},
        {T::supported_versions, C::client_hello, "0303", decode_error},
        {T::supported_versions, C::client_hello, "02030400", decode_error},
        {T::supported_versions, C::server_hello, "0304", std::nullopt},
        {T::supported_versions, C::hello_retry_request, "03", decode_error},
        {T::supported_versions, C::server_hello, "030400", decode_error},
        // supported_groups, signature_algorithms
        {T::supported_groups, C::client_hello, "0002001d", std::nullopt},
        {T::supported_groups, C::client_hello, "0000", decode_error},
        {T::supported_groups, C::encrypted_extensions, "0003001d00", decode_error},
        {T::signature_algorithms, C::certificate_request, "00020804", std::nullopt},
        {T::signature_algorithms, C::client_hello, "0000", decode_error},
        {T::signature_algorithms_cert, C::client_hello, "000208", decode_error},
        // psk_key_exchange_modes: unknown modes kept
        {T::psk_key_exchange_modes, C::client_hello, "020107", std::nullopt},
        {T::psk_key_exchange_modes, C::client_hello, "00", decode_error},
        // cookie
        {T::cookie, C::hello_retry_request, "000101", std::nullopt},
        {T::cookie, C::client_hello, "0000", decode_error},
        {T::cookie, C::client_hello, "000201", decode_error},
        // early_data
        {T::early_data, C::client_hello, "", std::nullopt},
        {T::early_data, C::new_session_ticket, "ffffffff", std::nullopt},
        {T::early_data, C::new_session_ticket, "000004", decode_error},
        {T::early_data, C::encrypted_extensions, "00", decode_error},
        // key_share
        {T::key_share, C::client_hello, "0000", std::nullopt},  // empty list: ask for HRR (§4.2.8)
        {T::key_share, C::client_hello, "0006001d00020102", std::nullopt},
        {T::key_share, C::client_hello, "000b001d00020102001d0001ff", illegal_parameter},
        {T::key_share, C::client_hello, "0004001d0000", decode_error},
        {T::key_share, C::server_hello, "001d00020102", std::nullopt},
        {T::key_share, C::server_hello, "001d0002010203", decode_error},
        {T::key_share, C::hello_retry_request, "0017", std::nullopt},
        {T::key_share, C::hello_retry_request, "00", decode_error},
        // pre_shared_key
        {T::pre_shared_key, C::client_hello, "0007" "0001aa00000007" "0021" + binder, std::nullopt},
        {T::pre_shared_key, C::client_hello, "0006" "000000000000" "0021" + binder, decode_error},
        {T::pre_shared_key, C::client_hello, "0007" "0001aa00000007" "0000", decode_error},
        {T::pre_shared_key, C::client_hello, "0007" "0001aa00000007" "0042" + binder + binder, illegal_parameter},
        {T::pre_shared_key, C::server_hello, "0001", std::nullopt},
        {T::pre_shared_key, C::server_hello, "01", decode_error},
        // server_name: unknown name types read by their 16-bit length and kept
        {T::server_name, C::client_hello, "0009000006736572766572", std::nullopt},
        {T::server_name, C::client_hello, "000e000006736572766572070002abcd", std::nullopt},
        {T::server_name, C::client_hello, "0000", decode_error},
        {T::server_name, C::client_hello, "000a000006736572766572", decode_error},
        {T::server_name, C::client_hello, "0008000001610000016262", decode_error},
        {T::server_name, C::client_hello, "00080000016100000162", illegal_parameter},
        {T::server_name, C::encrypted_extensions, "", std::nullopt},
        // ALPN
        {T::application_layer_protocol_negotiation, C::client_hello, "0003026832", std::nullopt},
        {T::application_layer_protocol_negotiation, C::client_hello, "0000", decode_error},
        {T::application_layer_protocol_negotiation, C::client_hello, "000100", decode_error},
        {T::application_layer_protocol_negotiation, C::encrypted_extensions, "0003026832", std::nullopt},
        {T::application_layer_protocol_negotiation, C::encrypted_extensions, "0006026832026833", decode_error},
        // certificate_authorities, oid_filters, post_handshake_auth
        {T::certificate_authorities, C::certificate_request, "000400023000", std::nullopt},
        {T::certificate_authorities, C::client_hello, "00020000", decode_error},
        {T::certificate_authorities, C::client_hello, "000300013000", decode_error},
        {T::oid_filters, C::certificate_request, "0000", std::nullopt},
        {T::oid_filters, C::certificate_request, "000803551d2500023000", std::nullopt},
        {T::oid_filters, C::certificate_request, "0003000000", decode_error},
        {T::post_handshake_auth, C::client_hello, "", std::nullopt},
        {T::post_handshake_auth, C::client_hello, "00", decode_error},
    };
    for (const auto& c : cases) {
        CAPTURE(to_string(c.type));
        CAPTURE(to_string(c.context));
        CAPTURE(c.data_hex);
        const Extension e = ext(c.type, c.data_hex);
        const Status st = check_extensions({e}, c.context);
        auto typed = fuzz::reencode_typed(e, c.context);
        if (!c.alert) {
            CHECK_MESSAGE(st, (st ? "" : st.error().to_string()));
            REQUIRE(typed);
            REQUIRE(typed->has_value());
            CHECK(**typed == e);
        } else {
            REQUIRE_FALSE(st);
            CHECK_MESSAGE(st.error().description == *c.alert, st.error().to_string());
            REQUIRE_FALSE(typed);
            CHECK(typed.error().description == *c.alert);
        }
    }
}

TEST_CASE("find_host_name and find_extension") {
    const auto names = decode_server_name_client_hello(view(hex("000e070002abcd000006736572766572"))).value();
    CHECK(find_host_name(names) == "server");
    CHECK_FALSE(find_host_name(std::vector<ServerName>{}).has_value());
    const Extensions block = {ext(ExtensionType::cookie, "000101")};
    CHECK(to_hex(*find_extension(block, ExtensionType::cookie)) == "000101");
    CHECK_FALSE(find_extension(block, ExtensionType::key_share));
}

TEST_CASE("encoders report a body that overflows its length prefix") {
    const Bytes huge(0x10000, 0x61);
    CHECK(encode_cookie(view(huge)).error().description == internal_error);
    const std::vector<Bytes> protocols = {Bytes(256, 0x61)};
    CHECK(encode_alpn_client_hello(protocols).error().description == internal_error);
}
