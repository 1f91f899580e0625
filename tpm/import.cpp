// TPM2_Import of a software key with an outer duplication wrapper made here (TPM 2.0 Part 1
// §23.3.2 and Annex C.6/C.7 for the ECC seed). For a parent P with nameAlg SHA-256 and an
// AES-128-CFB symmetric definition:
//   seed    = KDFe(SHA-256, Z, "DUPLICATE", ephemeral.x, P.x, 256), Z = x of d_ephemeral * P.Q
//   inSymSeed = TPMS_ECC_POINT of the ephemeral public key
//   symKey  = KDFa(SHA-256, seed, "STORAGE", name, "", 128)        (AES-128-CFB, IV zero)
//   hmacKey = KDFa(SHA-256, seed, "INTEGRITY", "", "", 256)
//   dupSensitive = AES-CFB(symKey, TPM2B_SENSITIVE)                 (no inner wrapper)
//   duplicate    = TPM2B_DIGEST(HMAC(hmacKey, dupSensitive || name)) || dupSensitive
// name = nameAlg || SHA-256(TPMT_PUBLIC) of the imported object (Part 1 §16).
#include "tpm/import.h"

#include <mbedtls/aes.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <sodium.h>
#include <tss2/tss2_mu.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tls13/crypto/c_struct.h"
#include "tls13/crypto/hkdf.h"
#include "tls13/crypto/sodium_init.h"
#include "tpm/esys_detail.hpp"
#include "tpm/inventory.h"

namespace tpmtls::tpm {
namespace {

using Mpi = CStruct<mbedtls_mpi, mbedtls_mpi_init, mbedtls_mpi_free>;
using EcpPoint = CStruct<mbedtls_ecp_point, mbedtls_ecp_point_init, mbedtls_ecp_point_free>;
using EcpGroup = CStruct<mbedtls_ecp_group, mbedtls_ecp_group_init, mbedtls_ecp_group_free>;
using PkContext = CStruct<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free>;
using AesContext = CStruct<mbedtls_aes_context, mbedtls_aes_init, mbedtls_aes_free>;

constexpr size_t p256_bytes = 32;
constexpr size_t rsa2048_bytes = 256;

// A struct holding key material (TPM2B_SENSITIVE, a marshalling buffer), wiped at scope end.
template <class T>
struct Wiped {
    T value{};
    Wiped() = default;
    Wiped(const Wiped&) = delete;
    Wiped& operator=(const Wiped&) = delete;
    ~Wiped() { secure_wipe(&value, sizeof value); }
};

// A byte buffer of key material, wiped at scope end.
struct WipedBytes {
    Bytes bytes;
    WipedBytes() = default;
    explicit WipedBytes(size_t n) : bytes(n, 0) {}
    WipedBytes(const WipedBytes&) = delete;
    WipedBytes& operator=(const WipedBytes&) = delete;
    ~WipedBytes() { secure_wipe(bytes.data(), bytes.size()); }
};

int system_rng(void*, unsigned char* out, size_t size) {
    ensure_sodium_initialized();
    randombytes_buf(out, size);
    return 0;
}

// Big-endian, left-padded to `size` bytes.
Result<Bytes> mpi_bytes(const mbedtls_mpi& x, size_t size) {
    Bytes out(size, 0);
    if (mbedtls_mpi_write_binary(&x, out.data(), out.size()) != 0)
        return fail(AlertDescription::internal_error, "key value does not fit its size");
    return out;
}

template <class Tpm2b>
void set_tpm2b(Tpm2b& target, ByteView value) {
    target.size = static_cast<UINT16>(value.size());
    std::memcpy(target.buffer, value.data(), value.size());
}

ByteView view_of(const TPM2B_ECC_PARAMETER& p) { return ByteView(p.buffer, p.size); }

std::string mbedtls_curve_name(mbedtls_ecp_group_id id) {
    const mbedtls_ecp_curve_info* info = mbedtls_ecp_curve_info_from_grp_id(id);
    return info != nullptr ? info->name : "an unknown curve";
}

Alert import_error(const TpmContext::Impl& ctx, std::string_view what, TSS2_RC rc) {
    Alert alert = tpm_error(ctx, what, rc);
    if ((rc & 0xfff) == TPM2_RC_LOCKOUT)
        alert.reason += ": TPM is in dictionary-attack lockout (see `tpmtls info`)";
    return alert;
}

// The object's public area: our signing key template without fixedTPM, fixedParent and
// sensitiveDataOrigin (Part 3 §13.3.1: TPM2_Import requires fixedTPM and fixedParent CLEAR).
TPM2B_PUBLIC base_public(TPMI_ALG_PUBLIC type) {
    TPM2B_PUBLIC pub{};
    pub.publicArea.type = type;
    pub.publicArea.nameAlg = TPM2_ALG_SHA256;
    pub.publicArea.objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
    return pub;
}

Result<Bytes> marshal_public(const TPM2B_PUBLIC& pub) {
    Bytes out(sizeof(TPM2B_PUBLIC));
    size_t len = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, out.data(), out.size(), &len) != TSS2_RC_SUCCESS)
        return fail(AlertDescription::internal_error, "cannot marshal TPM2B_PUBLIC");
    out.resize(len);
    return out;
}

// Part 1 §16: Name = nameAlg || H_nameAlg(TPMT_PUBLIC).
Result<Bytes> object_name(const TPMT_PUBLIC& area) {
    Bytes marshalled(sizeof(TPMT_PUBLIC));
    size_t len = 0;
    if (Tss2_MU_TPMT_PUBLIC_Marshal(&area, marshalled.data(), marshalled.size(), &len) != TSS2_RC_SUCCESS)
        return fail(AlertDescription::internal_error, "cannot marshal TPMT_PUBLIC");
    Bytes name = {static_cast<uint8_t>(TPM2_ALG_SHA256 >> 8), static_cast<uint8_t>(TPM2_ALG_SHA256 & 0xff)};
    name.resize(2 + p256_bytes);
    if (mbedtls_sha256_ret(marshalled.data(), len, name.data() + 2, 0) != 0)
        return fail(AlertDescription::internal_error, "SHA-256 failed");
    return name;
}

void put_u32(Bytes& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// A label as the KDFs take it: its bytes and the terminating zero octet (Part 1 §11.4.10.2).
void put_label(Bytes& out, std::string_view label) {
    out.insert(out.end(), label.begin(), label.end());
    out.push_back(0);
}

// A TPM parent: its handle for ESAPI and its public area (for the seed).
struct Parent {
    EsysHandle handle;
    TPM2B_PUBLIC public_area{};
};

Result<TPM2B_PUBLIC> read_public(TpmContext::Impl& ctx, ESYS_TR handle, std::string_view what) {
    TPM2B_PUBLIC* out = nullptr;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_ReadPublic(ctx.esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &out, nullptr, nullptr);
    });
    const EsysPtr<TPM2B_PUBLIC> owner(out);
    if (rc != TSS2_RC_SUCCESS) return import_error(ctx, "TPM2_ReadPublic (" + std::string(what) + ")", rc);
    return *out;
}

// The owner primary (created now, flushed when the Parent goes) or a persistent storage key.
// Call with the mutex held.
Result<Parent> open_parent(TpmContext::Impl& ctx, uint32_t parent) {
    Parent p;
    if (parent == owner_hierarchy) {
        p.handle = TRY(create_primary(ctx));
    } else {
        if ((parent >> 24) != 0x81)
            return fail(AlertDescription::internal_error,
                        "parent " + hex_handle(parent) + " is neither the owner hierarchy (0x40000001) nor persistent (0x81xxxxxx)");
        ESYS_TR tr = ESYS_TR_NONE;
        const TSS2_RC rc = with_retry(ctx, [&] {
            return Esys_TR_FromTPMPublic(ctx.esys, parent, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
        });
        if (rc != TSS2_RC_SUCCESS) {
            Alert alert = import_error(ctx, "parent " + hex_handle(parent), rc);
            alert.reason = "parent " + hex_handle(parent) + " is missing: no persistent object at that handle (" +
                           alert.reason + ")";
            return alert;
        }
        p.handle = EsysHandle(ctx.esys, tr, false);
    }
    p.public_area = TRY(read_public(ctx, p.handle.get(), "parent " + hex_handle(parent)));
    return p;
}

// Part 1 §23.3.2: only an ECC P-256 storage parent (restricted|decrypt, SHA-256, AES-128-CFB).
Status check_parent(const TPMT_PUBLIC& area, uint32_t parent) {
    const bool storage = (area.objectAttributes & TPMA_OBJECT_RESTRICTED) != 0 &&
                         (area.objectAttributes & TPMA_OBJECT_DECRYPT) != 0;
    if (!storage) return fail(AlertDescription::internal_error, "parent " + hex_handle(parent) + " is not a storage key (restricted|decrypt)");
    if (area.type != TPM2_ALG_ECC || area.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 ||
        area.nameAlg != TPM2_ALG_SHA256)
        return fail(AlertDescription::internal_error,
                    "parent " + hex_handle(parent) + ": only ECC P-256 parents with nameAlg SHA-256 are supported");
    const TPMT_SYM_DEF_OBJECT& sym = area.parameters.eccDetail.symmetric;
    if (sym.algorithm != TPM2_ALG_AES || sym.keyBits.aes != 128 || sym.mode.aes != TPM2_ALG_CFB)
        return fail(AlertDescription::internal_error, "parent " + hex_handle(parent) + ": symmetric scheme is not AES-128-CFB");
    return ok();
}

// Part 1 Annex C.6.4 (ECDH secret sharing): an ephemeral key on the parent's curve, the seed
// from KDFe over the shared x, and the ephemeral point as the encrypted seed.
struct Seed {
    Secret seed;
    TPM2B_ENCRYPTED_SECRET encrypted{};
};

Result<Seed> make_seed(const TPMT_PUBLIC& parent) {
    EcpGroup group;
    if (mbedtls_ecp_group_load(&group.value, MBEDTLS_ECP_DP_SECP256R1) != 0)
        return fail(AlertDescription::internal_error, "cannot load P-256");
    EcpPoint parent_q;
    const TPMS_ECC_POINT& pq = parent.unique.ecc;
    if (mbedtls_mpi_read_binary(&parent_q.value.X, pq.x.buffer, pq.x.size) != 0 ||
        mbedtls_mpi_read_binary(&parent_q.value.Y, pq.y.buffer, pq.y.size) != 0 ||
        mbedtls_mpi_lset(&parent_q.value.Z, 1) != 0 || mbedtls_ecp_check_pubkey(&group.value, &parent_q.value) != 0)
        return fail(AlertDescription::internal_error, "the parent's public key is not a P-256 point");
    Mpi ephemeral_d;
    EcpPoint ephemeral_q;
    Mpi z;
    if (mbedtls_ecp_gen_keypair(&group.value, &ephemeral_d.value, &ephemeral_q.value, system_rng, nullptr) != 0 ||
        mbedtls_ecdh_compute_shared(&group.value, &z.value, &parent_q.value, &ephemeral_d.value, system_rng, nullptr) != 0)
        return fail(AlertDescription::internal_error, "ECDH with the parent's public key failed");
    WipedBytes z_bytes(p256_bytes);
    if (mbedtls_mpi_write_binary(&z.value, z_bytes.bytes.data(), z_bytes.bytes.size()) != 0)
        return fail(AlertDescription::internal_error, "ECDH result does not fit");
    const Bytes ex = TRY(mpi_bytes(ephemeral_q.value.X, p256_bytes));
    const Bytes ey = TRY(mpi_bytes(ephemeral_q.value.Y, p256_bytes));
    Seed seed;
    seed.seed = kdfe_sha256(view(z_bytes.bytes), "DUPLICATE", view(ex), view_of(pq.x), 256);
    TPMS_ECC_POINT point{};
    set_tpm2b(point.x, view(ex));
    set_tpm2b(point.y, view(ey));
    size_t len = 0;
    if (Tss2_MU_TPMS_ECC_POINT_Marshal(&point, seed.encrypted.secret, sizeof seed.encrypted.secret, &len) != TSS2_RC_SUCCESS)
        return fail(AlertDescription::internal_error, "cannot marshal the ephemeral point");
    seed.encrypted.size = static_cast<UINT16>(len);
    return seed;
}

Result<Bytes> marshal_private(const TPM2B_PRIVATE& priv) {
    Bytes out(sizeof(TPM2B_PRIVATE));
    size_t len = 0;
    if (Tss2_MU_TPM2B_PRIVATE_Marshal(&priv, out.data(), out.size(), &len) != TSS2_RC_SUCCESS)
        return fail(AlertDescription::internal_error, "cannot marshal TPM2B_PRIVATE");
    out.resize(len);
    return out;
}

}  // namespace

struct SoftwareKey::Impl {
    ImportKeyType type = ImportKeyType::ecc_p256;
    Bytes spki;
    Bytes x, y;             // ECC public point, 32 bytes each
    Bytes modulus;          // RSA n, 256 bytes
    uint32_t exponent = 0;  // RSA e as the TPM wants it: 0 for the default 65537
    WipedBytes secret;      // ECC d (32 bytes) or RSA prime p (128 bytes): TPMU_SENSITIVE_COMPOSITE
};

SoftwareKey::SoftwareKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SoftwareKey::~SoftwareKey() = default;
SoftwareKey::SoftwareKey(SoftwareKey&&) noexcept = default;
SoftwareKey& SoftwareKey::operator=(SoftwareKey&&) noexcept = default;
ImportKeyType SoftwareKey::type() const { return impl_->type; }
const Bytes& SoftwareKey::public_key_der() const { return impl_->spki; }

std::string to_string(ImportKeyType type) {
    switch (type) {
        case ImportKeyType::ecc_p256: return "ecc-p256";
        case ImportKeyType::rsa_2048: return "rsa-2048";
        default: return "unknown";
    }
}

Secret kdfa_sha256(ByteView key, std::string_view label, ByteView context_u, ByteView context_v, size_t bits) {
    Secret out;
    const std::span<uint8_t> dst = out.resize_for_write(std::min(bits, Secret::max_size * 8) / 8);
    size_t filled = 0;
    for (uint32_t counter = 1; filled < dst.size(); ++counter) {
        // K(i) = HMAC(key, [i]32 || Label || 0x00 || Context || [L]32), Context = ContextU || ContextV.
        Bytes message;
        put_u32(message, counter);
        put_label(message, label);
        message.insert(message.end(), context_u.begin(), context_u.end());
        message.insert(message.end(), context_v.begin(), context_v.end());
        put_u32(message, static_cast<uint32_t>(bits));
        const Secret block = hmac(HashAlgorithm::sha256, key, view(message));
        const size_t n = std::min(block.size(), dst.size() - filled);
        std::memcpy(dst.data() + filled, block.view().data(), n);
        filled += n;
    }
    return out;
}

Secret kdfe_sha256(ByteView z, std::string_view label, ByteView party_u, ByteView party_v, size_t bits) {
    // H([1]32 || Z || Use || PartyUInfo || PartyVInfo); one block covers the 256 bits we need.
    WipedBytes message;
    message.bytes.reserve(4 + z.size() + label.size() + 1 + party_u.size() + party_v.size());  // no reallocated copies of Z
    put_u32(message.bytes, 1);
    message.bytes.insert(message.bytes.end(), z.begin(), z.end());
    put_label(message.bytes, label);
    message.bytes.insert(message.bytes.end(), party_u.begin(), party_u.end());
    message.bytes.insert(message.bytes.end(), party_v.begin(), party_v.end());
    Secret out;
    const std::span<uint8_t> dst = out.resize_for_write(p256_bytes);
    mbedtls_sha256_ret(message.bytes.data(), message.bytes.size(), dst.data(), 0);
    Secret truncated(out.view().first(std::min(bits / 8, p256_bytes)));
    return truncated;
}

Result<SoftwareKey> parse_private_key(ByteView pem_or_der) {
    auto impl = std::make_unique<SoftwareKey::Impl>();
    // PEM must be NUL-terminated for mbedTLS; the copy is wiped.
    WipedBytes buffer;
    buffer.bytes.reserve(pem_or_der.size() + 1);  // the NUL below must not reallocate (and leave a copy)
    buffer.bytes.assign(pem_or_der.begin(), pem_or_der.end());
    const std::string_view text(reinterpret_cast<const char*>(buffer.bytes.data()), buffer.bytes.size());
    if (text.find("-----BEGIN") != std::string_view::npos) buffer.bytes.push_back(0);
    PkContext pk;
    const int rc = mbedtls_pk_parse_key(&pk.value, buffer.bytes.data(), buffer.bytes.size(), nullptr, 0);
    if (rc == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG)
        return fail(AlertDescription::illegal_parameter,
                    "wrong key type: neither ECC nor RSA (e.g. Ed25519); only ECC P-256 and RSA-2048 keys can be imported");
    if (rc == MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE || rc == MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE)
        return fail(AlertDescription::illegal_parameter, "unsupported curve: only ECC NIST P-256 keys can be imported");
    if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED)
        return fail(AlertDescription::decode_error, "the private key is encrypted: decrypt it first (openssl pkey)");
    if (rc != 0)
        return fail(AlertDescription::decode_error,
                    "not a private key: expected PEM or DER (PKCS#8, SEC1 or PKCS#1), unencrypted, ECC P-256 or RSA-2048");

    const mbedtls_pk_type_t type = mbedtls_pk_get_type(&pk.value);
    if (type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA) {
        const mbedtls_ecp_keypair& ec = *mbedtls_pk_ec(pk.value);
        if (ec.grp.id != MBEDTLS_ECP_DP_SECP256R1)
            return fail(AlertDescription::illegal_parameter,
                        "unsupported curve " + mbedtls_curve_name(ec.grp.id) + ": only ECC NIST P-256 keys can be imported");
        impl->type = ImportKeyType::ecc_p256;
        impl->x = TRY(mpi_bytes(ec.Q.X, p256_bytes));
        impl->y = TRY(mpi_bytes(ec.Q.Y, p256_bytes));
        impl->secret.bytes.resize(p256_bytes);
        if (mbedtls_mpi_write_binary(&ec.d, impl->secret.bytes.data(), p256_bytes) != 0)
            return fail(AlertDescription::decode_error, "ECC private scalar too large");
    } else if (type == MBEDTLS_PK_RSA) {
        const size_t bits = mbedtls_pk_get_bitlen(&pk.value);
        if (bits != 2048)
            return fail(AlertDescription::illegal_parameter,
                        "wrong key type: RSA-" + std::to_string(bits) + "; only RSA-2048 and ECC P-256 keys can be imported");
        Mpi n, p, e;
        if (mbedtls_rsa_export(mbedtls_pk_rsa(pk.value), &n.value, &p.value, nullptr, nullptr, &e.value) != 0)
            return fail(AlertDescription::decode_error, "RSA key without its primes");
        impl->type = ImportKeyType::rsa_2048;
        impl->modulus = TRY(mpi_bytes(n.value, rsa2048_bytes));
        impl->secret.bytes.resize(rsa2048_bytes / 2);
        if (mbedtls_mpi_write_binary(&p.value, impl->secret.bytes.data(), impl->secret.bytes.size()) != 0)
            return fail(AlertDescription::illegal_parameter, "wrong key type: RSA primes of unequal size");
        // Part 2 §12.2.3.5: exponent 0 means the default 2^16 + 1; others must fit 32 bits.
        if (mbedtls_mpi_bitlen(&e.value) > 32)
            return fail(AlertDescription::illegal_parameter, "wrong key type: RSA public exponent above 2^32");
        const Bytes e_bytes = TRY(mpi_bytes(e.value, 4));
        const uint32_t exponent = (uint32_t{e_bytes[0]} << 24) | (uint32_t{e_bytes[1]} << 16) |
                                  (uint32_t{e_bytes[2]} << 8) | e_bytes[3];
        impl->exponent = exponent == 65537 ? 0 : exponent;
    } else {
        return fail(AlertDescription::illegal_parameter, "wrong key type: only ECC P-256 and RSA-2048 keys can be imported");
    }
    // mbedtls_pk_write_pubkey_der writes at the end of the buffer.
    Bytes spki(1024);
    const int len = mbedtls_pk_write_pubkey_der(&pk.value, spki.data(), spki.size());
    if (len <= 0) return fail(AlertDescription::internal_error, "cannot encode the public key");
    impl->spki.assign(spki.end() - len, spki.end());
    return SoftwareKey(std::move(impl));
}

Result<SoftwareKey> read_private_key_file(const std::string& path) {
    // read(2) into one buffer of the file's size: no stdio buffers or grown vectors holding copies
    // of the key. O_RDONLY: the input is never modified.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(AlertDescription::internal_error, "cannot read private key " + path + ": " + std::strerror(errno));
    struct stat st {};
    WipedBytes data;
    bool read_ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= 1 << 20;
    if (read_ok) {
        data.bytes.resize(static_cast<size_t>(st.st_size));
        size_t got = 0;
        while (read_ok && got < data.bytes.size()) {
            const ssize_t n = ::read(fd, data.bytes.data() + got, data.bytes.size() - got);
            if (n < 0 && errno == EINTR) continue;
            read_ok = n > 0;
            if (n > 0) got += static_cast<size_t>(n);
        }
    }
    ::close(fd);
    if (!read_ok) return fail(AlertDescription::internal_error, "cannot read private key " + path + " (not a regular file of at most 1 MiB?)");
    auto key = parse_private_key(view(data.bytes));
    if (!key) {
        Alert alert = std::move(key).error();
        alert.reason = path + ": " + alert.reason;
        return alert;
    }
    return key;
}

namespace {

TPM2B_PUBLIC public_area_of(const SoftwareKey::Impl& key) {
    if (key.type == ImportKeyType::ecc_p256) {
        TPM2B_PUBLIC pub = base_public(TPM2_ALG_ECC);
        TPMS_ECC_PARMS& ecc = pub.publicArea.parameters.eccDetail;
        ecc.symmetric.algorithm = TPM2_ALG_NULL;
        ecc.scheme.scheme = TPM2_ALG_NULL;
        ecc.curveID = TPM2_ECC_NIST_P256;
        ecc.kdf.scheme = TPM2_ALG_NULL;
        set_tpm2b(pub.publicArea.unique.ecc.x, view(key.x));
        set_tpm2b(pub.publicArea.unique.ecc.y, view(key.y));
        return pub;
    }
    TPM2B_PUBLIC pub = base_public(TPM2_ALG_RSA);
    TPMS_RSA_PARMS& rsa = pub.publicArea.parameters.rsaDetail;
    rsa.symmetric.algorithm = TPM2_ALG_NULL;
    rsa.scheme.scheme = TPM2_ALG_NULL;
    rsa.keyBits = 2048;
    rsa.exponent = key.exponent;
    set_tpm2b(pub.publicArea.unique.rsa, view(key.modulus));
    return pub;
}

// The TPM2B_SENSITIVE with the private value, marshalled, then AES-128-CFB under symKey and
// HMAC'd with the name (Part 1 §23.3.2.3 outer wrapper). Returns the TPM2B_PRIVATE `duplicate`.
Result<TPM2B_PRIVATE> wrap_sensitive(const SoftwareKey::Impl& key, ByteView name, const Secret& seed) {
    Wiped<TPM2B_SENSITIVE> sensitive;
    TPMT_SENSITIVE& area = sensitive.value.sensitiveArea;
    if (key.type == ImportKeyType::ecc_p256) {
        area.sensitiveType = TPM2_ALG_ECC;
        set_tpm2b(area.sensitive.ecc, view(key.secret.bytes));
    } else {
        area.sensitiveType = TPM2_ALG_RSA;
        set_tpm2b(area.sensitive.rsa, view(key.secret.bytes));
    }
    Wiped<std::array<uint8_t, sizeof(TPM2B_SENSITIVE)>> plain;
    size_t len = 0;
    if (Tss2_MU_TPM2B_SENSITIVE_Marshal(&sensitive.value, plain.value.data(), plain.value.size(), &len) != TSS2_RC_SUCCESS)
        return fail(AlertDescription::internal_error, "cannot marshal TPM2B_SENSITIVE");

    const Secret sym_key = kdfa_sha256(seed.view(), "STORAGE", name, {}, 128);
    const Secret hmac_key = kdfa_sha256(seed.view(), "INTEGRITY", {}, {}, 256);
    Bytes encrypted(len);
    {
        AesContext aes;
        std::array<uint8_t, 16> iv{};  // the outer wrapper's IV is zero (Part 1 §23.3.2.3)
        size_t iv_offset = 0;
        if (mbedtls_aes_setkey_enc(&aes.value, sym_key.view().data(), 128) != 0 ||
            mbedtls_aes_crypt_cfb128(&aes.value, MBEDTLS_AES_ENCRYPT, len, &iv_offset, iv.data(), plain.value.data(),
                                     encrypted.data()) != 0)
            return fail(AlertDescription::internal_error, "AES-128-CFB failed");
    }
    Bytes mac_input = encrypted;
    mac_input.insert(mac_input.end(), name.begin(), name.end());
    const Secret outer_hmac = hmac(HashAlgorithm::sha256, hmac_key.view(), view(mac_input));

    Bytes duplicate;
    Writer w(duplicate);
    w.vec16(outer_hmac.view());
    w.bytes(view(encrypted));
    TPM2B_PRIVATE out{};
    if (duplicate.size() > sizeof out.buffer) return fail(AlertDescription::internal_error, "duplication blob too large");
    set_tpm2b(out, view(duplicate));
    return out;
}

}  // namespace

Result<ImportedKey> import_key(TpmContext& context, const SoftwareKey& key, uint32_t parent) {
    TRY(refuse_if_in_lockout(context));
    TpmContext::Impl& ctx = context.impl();
    const std::lock_guard lock(ctx.mutex);
    const Parent p = TRY(open_parent(ctx, parent));
    TRY(check_parent(p.public_area.publicArea, parent));

    const TPM2B_PUBLIC object_public = public_area_of(key.impl());
    const Bytes name = TRY(object_name(object_public.publicArea));
    const Seed seed = TRY(make_seed(p.public_area.publicArea));
    const TPM2B_PRIVATE duplicate = TRY(wrap_sensitive(key.impl(), view(name), seed.seed));

    const TPM2B_DATA no_inner_key{};  // no inner wrapper: symmetricAlg NULL (Part 3 §13.3.1)
    TPMT_SYM_DEF_OBJECT no_inner{};
    no_inner.algorithm = TPM2_ALG_NULL;
    TPM2B_PRIVATE* out_private = nullptr;
    const TSS2_RC rc = with_retry(ctx, [&] {
        return Esys_Import(ctx.esys, p.handle.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &no_inner_key,
                           &object_public, &duplicate, &seed.encrypted, &no_inner, &out_private);
    });
    const EsysPtr<TPM2B_PRIVATE> imported(out_private);
    if (rc != TSS2_RC_SUCCESS)
        return import_error(ctx, "TPM2_Import (" + to_string(key.type()) + " under " + hex_handle(parent) + ")", rc);
    ImportedKey result;
    result.blob.public_area = TRY(marshal_public(object_public));
    result.blob.private_area = TRY(marshal_private(*imported));
    result.parent = parent;
    result.type = key.type();
    return result;
}

Tss2KeyFile key_file_for(const ImportedKey& key) {
    Tss2KeyFile file;
    file.empty_auth = true;
    file.parent = key.parent;
    file.public_area = key.blob.public_area;
    file.private_area = key.blob.private_area;
    return file;
}

// One way to load a key file: tpm/keys.h load_key (which load_key_reference uses too). A
// persistent parent that is gone is named as such, not as a bare TPM error code.
Result<TpmKey> load_key_file(const std::shared_ptr<TpmContext>& context, const Tss2KeyFile& file) {
    auto loaded = load_key(context, KeyBlob{file.public_area, file.private_area}, file.parent);
    if (loaded || file.parent == owner_hierarchy) return loaded;
    auto occupied = persistent_handle_occupied(context, file.parent);
    if (occupied && !*occupied)
        return fail(AlertDescription::internal_error, "parent " + hex_handle(file.parent) +
                                                          " is missing: no persistent object at that handle (" +
                                                          loaded.error().reason + ")");
    return loaded;
}

Status persist_imported_key(const std::shared_ptr<TpmContext>& context, const ImportedKey& key, uint32_t handle,
                            bool overwrite) {
    if (handle < persistent_first || handle > persistent_owner_last)
        return fail(AlertDescription::illegal_parameter,
                    "handle " + hex_handle(handle) + " is not an owner persistent handle (0x81000000-0x817fffff)");
    return make_persistent(context, key.blob, handle, overwrite, key.parent);
}

}  // namespace tpmtls::tpm
