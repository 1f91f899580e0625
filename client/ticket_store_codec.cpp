#include "client/ticket_store_codec.h"

#include <algorithm>
#include <string_view>

#include "tls13/cipher_suite.h"
#include "tls13/crypto/hash.h"

namespace tpmtls {

namespace {

constexpr std::string_view magic = "tpmtlsTK";
constexpr size_t checksum_size = 32;  // SHA-256
// Per entry: the length prefixes and fixed-size fields, with room to spare.
constexpr size_t entry_overhead = 64;

Alert corrupt(std::string_view why) { return make_alert(AlertDescription::decode_error, why); }

void write_u64(Writer& w, uint64_t v) {
    w.u32(static_cast<uint32_t>(v >> 32));
    w.u32(static_cast<uint32_t>(v));
}

Result<uint64_t> read_u64(Reader& r) {
    const uint64_t high = TRY(r.u32());
    const uint64_t low = TRY(r.u32());
    return (high << 32) | low;
}

std::string as_string(Reader r) {
    const ByteView bytes = r.take_rest();
    return std::string(bytes.begin(), bytes.end());
}

void encode_strings(Writer& w, const std::vector<std::string>& strings) {
    w.vec16([&] {
        for (const std::string& s : strings) w.vec8(view(s));
    });
}

Result<std::vector<std::string>> decode_strings(Reader& r) {
    Reader list = TRY(r.vec16());
    std::vector<std::string> strings;
    while (!list.empty()) strings.push_back(as_string(TRY(list.vec8())));
    return strings;
}

void encode_identity(Writer& w, const std::optional<PeerIdentity>& identity) {
    w.u8(identity ? 1 : 0);
    if (!identity) return;
    w.vec16(view(identity->subject));
    encode_strings(w, identity->dns_names);
    encode_strings(w, identity->ip_addresses);
    w.vec8(view(identity->sha256_fingerprint));
}

Result<std::optional<PeerIdentity>> decode_identity(Reader& r) {
    const uint8_t present = TRY(r.u8());
    if (present == 0) return std::optional<PeerIdentity>();
    if (present != 1) return corrupt("server identity flag is neither 0 nor 1");
    PeerIdentity identity;
    identity.subject = as_string(TRY(r.vec16()));
    identity.dns_names = TRY(decode_strings(r));
    identity.ip_addresses = TRY(decode_strings(r));
    identity.sha256_fingerprint = to_bytes(TRY(r.vec8()).take_rest());
    return std::optional<PeerIdentity>(std::move(identity));
}

size_t identity_size(const std::optional<PeerIdentity>& identity) {
    if (!identity) return 1;
    size_t size = 1 + 2 + identity->subject.size() + 2 + 2 + 1 + identity->sha256_fingerprint.size();
    for (const std::string& s : identity->dns_names) size += 1 + s.size();
    for (const std::string& s : identity->ip_addresses) size += 1 + s.size();
    return size;
}

void encode_entry(Writer& w, const StoredTicket& stored) {
    const SessionTicket& t = stored.ticket;
    w.vec24([&] {
        w.vec8(view(stored.key.server_name));
        w.u16(stored.key.port);
        w.vec16(view(stored.key.alpn));
        w.u16(static_cast<uint16_t>(t.suite));
        w.vec16(view(t.ticket));
        w.u32(t.lifetime_seconds);
        w.u32(t.age_add);
        write_u64(w, static_cast<uint64_t>(t.received_unix_seconds));
        w.u32(t.max_early_data);
        w.vec8(t.psk.view());
        w.vec8(view(t.server_name));
        w.vec8(view(t.alpn));
        encode_identity(w, t.server_identity);
    });
}

Result<StoredTicket> decode_entry(Reader& r) {
    Reader e = TRY(r.vec24());
    StoredTicket stored;
    stored.key.server_name = as_string(TRY(e.vec8(1, 0xff)));
    stored.key.port = TRY(e.u16());
    stored.key.alpn = as_string(TRY(e.vec16()));
    SessionTicket& t = stored.ticket;
    t.suite = static_cast<CipherSuite>(TRY(e.u16()));
    const std::optional<CipherSuiteInfo> suite = cipher_suite_info(t.suite);
    if (!suite) return corrupt("ticket for an unknown cipher suite " + to_string(t.suite));
    t.ticket = to_bytes(TRY(e.vec16(1, 0xffff)).take_rest());
    t.lifetime_seconds = TRY(e.u32());
    t.age_add = TRY(e.u32());
    const uint64_t received = TRY(read_u64(e));
    if (received > static_cast<uint64_t>(INT64_MAX)) return corrupt("ticket received time out of range");
    t.received_unix_seconds = static_cast<int64_t>(received);
    t.max_early_data = TRY(e.u32());
    // RFC 8446 §4.6.1: the resumption PSK is Hash.length bytes of the suite's hash.
    Reader psk = TRY(e.vec8(1, Secret::max_size));
    if (psk.remaining() != hash_size(suite->hash)) return corrupt("resumption PSK length does not fit the suite's hash");
    t.psk = Secret(psk.take_rest());
    t.server_name = as_string(TRY(e.vec8()));
    t.alpn = as_string(TRY(e.vec8()));
    t.server_identity = TRY(decode_identity(e));
    TRY(e.expect_end("trailing bytes in a ticket entry"));
    return stored;
}

}  // namespace

size_t encoded_ticket_store_size(const std::vector<StoredTicket>& tickets) {
    size_t size = magic.size() + 2 + 4 + checksum_size;
    for (const StoredTicket& s : tickets)
        size += entry_overhead + s.key.server_name.size() + s.key.alpn.size() + s.ticket.ticket.size() +
                s.ticket.psk.size() + s.ticket.server_name.size() + s.ticket.alpn.size() + identity_size(s.ticket.server_identity);
    return size;
}

Status encode_ticket_store(const std::vector<StoredTicket>& tickets, Bytes& out) {
    if (tickets.size() > UINT32_MAX) return fail(AlertDescription::internal_error, "too many tickets to store");
    const size_t start = out.size();
    Writer w(out);
    w.bytes(view(magic));
    w.u16(ticket_store_version);
    w.u32(static_cast<uint32_t>(tickets.size()));
    for (const StoredTicket& s : tickets) encode_entry(w, s);
    TRY(w.status());
    const Bytes checksum = hash(HashAlgorithm::sha256, ByteView(out).subspan(start));
    w.bytes(view(checksum));
    return ok();
}

Result<std::vector<StoredTicket>> decode_ticket_store(ByteView file) {
    if (file.size() < magic.size() + checksum_size) return corrupt("ticket store file too short");
    const ByteView content = file.first(file.size() - checksum_size);
    const Bytes checksum = hash(HashAlgorithm::sha256, content);
    Reader r(content);
    if (!std::ranges::equal(TRY(r.bytes(magic.size())), view(magic))) return corrupt("not a ticket store file (bad magic)");
    const uint16_t version = TRY(r.u16());
    if (version != ticket_store_version)
        return corrupt("ticket store version " + std::to_string(version) + " (this build reads version " +
                       std::to_string(ticket_store_version) + ")");
    // Checked before the entries are parsed, so a damaged PSK is never taken for a real one.
    if (!std::ranges::equal(file.last(checksum_size), view(checksum)))
        return corrupt("ticket store checksum mismatch (truncated or damaged file)");
    const uint32_t count = TRY(r.u32());
    std::vector<StoredTicket> tickets;
    // Each entry takes at least a few dozen bytes: a huge count in a short file fails below
    // without reserving memory for it first.
    tickets.reserve(std::min<size_t>(count, r.remaining() / 16));
    for (uint32_t i = 0; i < count; ++i) tickets.push_back(TRY(decode_entry(r)));
    TRY(r.expect_end("trailing bytes after the last ticket"));
    return tickets;
}

TicketKey TicketKey::for_connection(std::string_view server_name, uint16_t port, const std::vector<std::string>& alpn) {
    TicketKey key{std::string(server_name), port, {}};
    for (const std::string& protocol : alpn) key.alpn += (key.alpn.empty() ? "" : ",") + protocol;
    return key;
}

std::string TicketKey::to_string() const {
    std::string text = server_name + ":" + std::to_string(port);
    if (!alpn.empty()) text += " (ALPN " + alpn + ")";
    return text;
}

}  // namespace tpmtls
