#include "tls13/tickets/ticket_keys.h"

#include <algorithm>

#include "tls13/crypto/aead.h"

namespace tpmtls {

namespace {

constexpr uint8_t ticket_format = 1;
constexpr uint8_t contents_version = 1;

void write_strings(Writer& w, const std::vector<std::string>& list) {
    w.vec16([&] {
        for (const auto& item : list) w.vec16(view(item));
    });
}

Result<std::vector<std::string>> read_strings(Reader& r) {
    Reader list = TRY(r.vec16());
    std::vector<std::string> out;
    while (!list.empty()) {
        const ByteView item = TRY(list.vec16()).take_rest();
        out.emplace_back(item.begin(), item.end());
    }
    return out;
}

Result<std::string> read_string16(Reader& r) {
    const ByteView text = TRY(r.vec16()).take_rest();
    return std::string(text.begin(), text.end());
}

// The additional data: the ticket's header, so a key id cannot be swapped.
Bytes header(const std::array<uint8_t, TicketKeys::id_size>& id) {
    Bytes out;
    out.reserve(1 + id.size());  // reserved first: see certificate_verify_content (GCC 12 -Warray-bounds)
    out.push_back(ticket_format);
    out.insert(out.end(), id.begin(), id.end());
    return out;
}

}  // namespace

Result<Bytes> encode_ticket_contents(const TicketContents& contents) {
    Bytes out;
    Writer w(out);
    w.u8(contents_version);
    w.u16(static_cast<uint16_t>(contents.suite));
    w.vec8(contents.resumption_psk.view());
    const auto created = static_cast<uint64_t>(contents.created_unix_seconds);
    w.u32(static_cast<uint32_t>(created >> 32));
    w.u32(static_cast<uint32_t>(created));
    w.u32(contents.age_add);
    w.u32(contents.lifetime_seconds);
    w.vec8(view(contents.alpn));
    w.vec16(view(contents.server_name));
    w.u8(contents.client_identity ? 1 : 0);
    if (const auto& identity = contents.client_identity) {
        w.vec8(view(identity->sha256_fingerprint));
        w.vec16(view(identity->subject));
        write_strings(w, identity->dns_names);
        write_strings(w, identity->ip_addresses);
    }
    if (!w.ok()) {
        secure_wipe(out.data(), out.size());
        return w.status().error();
    }
    return out;
}

Result<TicketContents> decode_ticket_contents(ByteView encoded) {
    Reader r(encoded);
    if (TRY(r.u8()) != contents_version) return fail(AlertDescription::decode_error, "unknown ticket contents version");
    TicketContents contents;
    contents.suite = static_cast<CipherSuite>(TRY(r.u16()));
    contents.resumption_psk = Secret(TRY(r.vec8(32, Secret::max_size)).take_rest());
    const uint64_t high = TRY(r.u32());
    const uint64_t low = TRY(r.u32());
    contents.created_unix_seconds = static_cast<int64_t>((high << 32) | low);
    contents.age_add = TRY(r.u32());
    contents.lifetime_seconds = TRY(r.u32());
    const ByteView alpn = TRY(r.vec8()).take_rest();
    contents.alpn.assign(alpn.begin(), alpn.end());
    contents.server_name = TRY(read_string16(r));
    const uint8_t has_identity = TRY(r.u8());
    if (has_identity > 1) return fail(AlertDescription::decode_error, "bad client identity flag in ticket");
    if (has_identity == 1) {
        PeerIdentity identity;
        identity.sha256_fingerprint = to_bytes(TRY(r.vec8(32, 32)).take_rest());
        identity.subject = TRY(read_string16(r));
        identity.dns_names = TRY(read_strings(r));
        identity.ip_addresses = TRY(read_strings(r));
        contents.client_identity = std::move(identity);
    }
    TRY(r.expect_end("trailing bytes in ticket contents"));
    return contents;
}

TicketKeys::TicketKeys(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

std::shared_ptr<TicketKeys> TicketKeys::generate(Random& random, int64_t now_unix_seconds, size_t capacity) {
    auto keys = std::make_shared<TicketKeys>(capacity);
    keys->rotate(random, now_unix_seconds);
    return keys;
}

void TicketKeys::rotate(Random& random, int64_t now_unix_seconds) {
    Entry entry;
    std::array<uint8_t, key_size> key_bytes{};
    random.fill(key_bytes);
    entry.key = Key(key_bytes);
    secure_wipe(key_bytes.data(), key_bytes.size());
    entry.created_unix_seconds = now_unix_seconds;
    const std::lock_guard lock(mutex_);
    // A fresh id that no key in the ring has (8 random bytes: a clash is practically impossible,
    // but a clash would make open() try the wrong key, so rule it out).
    for (;;) {
        random.fill(entry.id);
        if (std::none_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.id == entry.id; })) break;
    }
    entries_.insert(entries_.begin(), std::move(entry));
    if (entries_.size() > capacity_) entries_.resize(capacity_);
}

Status TicketKeys::install(std::vector<Entry> entries) {
    if (entries.empty()) return fail(AlertDescription::internal_error, "ticket key ring is empty");
    if (entries.size() > capacity_)
        return fail(AlertDescription::internal_error, "more ticket keys than the ring holds");
    for (size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].key.size() != key_size)
            return fail(AlertDescription::internal_error, "ticket key of the wrong size");
        for (size_t j = 0; j < i; ++j)
            if (entries[j].id == entries[i].id)
                return fail(AlertDescription::internal_error, "duplicate ticket key id");
    }
    const std::lock_guard lock(mutex_);
    entries_ = std::move(entries);
    return ok();
}

std::vector<TicketKeys::Entry> TicketKeys::entries() const {
    const std::lock_guard lock(mutex_);
    std::vector<Entry> out;
    for (const Entry& e : entries_) out.push_back(Entry{e.id, e.key.clone(), e.created_unix_seconds});
    return out;
}

size_t TicketKeys::size() const {
    const std::lock_guard lock(mutex_);
    return entries_.size();
}

Result<Bytes> TicketKeys::seal(const TicketContents& contents, Random& random) const {
    Bytes plaintext = TRY(encode_ticket_contents(contents));
    std::array<uint8_t, aead_nonce_size> nonce{};
    random.fill(nonce);
    Bytes ticket;
    {
        const std::lock_guard lock(mutex_);
        if (entries_.empty()) {
            secure_wipe(plaintext.data(), plaintext.size());
            return fail(AlertDescription::internal_error, "no ticket key to seal with");
        }
        const Entry& current = entries_.front();
        auto aead = make_aead(AeadAlgorithm::chacha20_poly1305, current.key);
        if (!aead) {
            secure_wipe(plaintext.data(), plaintext.size());
            return std::move(aead).error();
        }
        ticket = header(current.id);
        const Bytes aad = ticket;
        ticket.insert(ticket.end(), nonce.begin(), nonce.end());
        const size_t body_at = ticket.size();
        ticket.insert(ticket.end(), plaintext.begin(), plaintext.end());
        ticket.resize(ticket.size() + aead_tag_size);
        const auto body = std::span<uint8_t>(ticket).subspan(body_at, plaintext.size());
        const auto tag = std::span<uint8_t>(ticket).last(aead_tag_size);
        secure_wipe(plaintext.data(), plaintext.size());
        TRY((*aead)->seal(nonce, view(aad), body, tag));
    }
    return ticket;
}

std::optional<TicketContents> TicketKeys::open(ByteView ticket) const {
    if (ticket.size() < overhead || ticket[0] != ticket_format) return std::nullopt;
    std::array<uint8_t, id_size> id{};
    std::copy_n(ticket.begin() + 1, id_size, id.begin());
    const ByteView nonce = ticket.subspan(1 + id_size, aead_nonce_size);
    const ByteView ciphertext = ticket.subspan(1 + id_size + aead_nonce_size, ticket.size() - overhead);
    const ByteView tag = ticket.last(aead_tag_size);
    Bytes plaintext(ciphertext.begin(), ciphertext.end());
    {
        const std::lock_guard lock(mutex_);
        auto entry = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.id == id; });
        if (entry == entries_.end()) return std::nullopt;  // unknown or rotated away
        auto aead = make_aead(AeadAlgorithm::chacha20_poly1305, entry->key);
        if (!aead) return std::nullopt;
        const Bytes aad = header(id);
        if (!(*aead)->open(nonce, view(aad), plaintext, tag)) return std::nullopt;  // tampered
    }
    auto contents = decode_ticket_contents(view(plaintext));
    secure_wipe(plaintext.data(), plaintext.size());
    if (!contents) return std::nullopt;
    return std::move(*contents);
}

}  // namespace tpmtls
