#include "net/files.h"

#include <fstream>
#include <iterator>

#include "tls13/crypto/software_signer.h"
#include "tls13/secret.h"
#include "tls13/x509.h"

namespace tpmtls {

namespace net {

Result<Bytes> read_file(const std::string& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(AlertDescription::internal_error, "cannot read " + std::string(what) + " " + path);
    Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        secure_wipe(data.data(), data.size());
        return fail(AlertDescription::internal_error, "cannot read " + std::string(what) + " " + path);
    }
    return data;
}

}  // namespace net

Result<TrustStore> TrustStore::from_file(const std::string& path) {
    const Bytes data = TRY(net::read_file(path, "trust anchors from"));
    auto store = from_pem_or_der(view(data));
    if (!store) return fail(AlertDescription::internal_error, path + ": " + store.error().reason);
    return store;
}

Result<std::unique_ptr<SoftwareSigner>> SoftwareSigner::from_file(const std::string& path, Random& random) {
    Bytes data = TRY(net::read_file(path, "private key"));
    auto signer = from_key(view(data), random);
    secure_wipe(data.data(), data.size());
    if (!signer) return fail(AlertDescription::internal_error, path + ": " + signer.error().reason);
    return signer;
}

}  // namespace tpmtls
