#include "cli/tls_setup.h"

#include <fcntl.h>
#include <mbedtls/x509_crt.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <sstream>

#include "net/socket.h"
#include "tls13/crypto/c_struct.h"
#include "tls13/x509/x509_parse.h"
#include "tls13/crypto/software_signer.h"
#include "tpm/key_file.h"
#include "tpm/key_reference.h"
#include "tpm/lazy_tpm_signer.h"
#include "tpm/auth_value.h"

namespace tpmtls::cli {

uint64_t steady_microseconds() {
    using namespace std::chrono;
    return static_cast<uint64_t>(duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

std::optional<Bytes> read_file(const std::string& path, std::string_view option, Problem& problem) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int saved = errno;
        problem = {Exit::file, "cannot read " + std::string(option) + " " + path + ": " + std::strerror(saved), {}};
        return std::nullopt;
    }
    Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        problem = {Exit::file, "cannot read " + std::string(option) + " " + path, {}};
        return std::nullopt;
    }
    return data;
}

bool parse_host_port(const std::string& text, bool allow_port_only, std::string& host, uint16_t& port,
                     Problem& problem) {
    std::string port_text;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            problem = {Exit::usage, "'" + text + "' is not [IPv6]:port", {}};
            return false;
        }
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else if (const size_t colon = text.rfind(':'); colon != std::string::npos) {
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (host.find(':') != std::string::npos) {
            problem = {Exit::usage, "'" + text + "': write an IPv6 address in brackets, [::1]:4433", {}};
            return false;
        }
    } else if (allow_port_only) {
        host.clear();
        port_text = text;
    } else {
        problem = {Exit::usage, "'" + text + "' is not host:port", {}};
        return false;
    }
    char* end = nullptr;
    const unsigned long value = std::strtoul(port_text.c_str(), &end, 10);
    // Port 0 only where we listen: the kernel then picks a free port (printed at start).
    if (port_text.empty() || *end != '\0' || (value == 0 && !allow_port_only) || value > 65535) {
        problem = {Exit::usage, "'" + port_text + "' is not a port number (1-65535)", {}};
        return false;
    }
    port = static_cast<uint16_t>(value);
    return true;
}

void add_sha1_certificate_schemes(std::vector<SignatureScheme>& schemes) {
    for (SignatureScheme legacy : {SignatureScheme::rsa_pkcs1_sha1, SignatureScheme::ecdsa_sha1})
        if (std::find(schemes.begin(), schemes.end(), legacy) == schemes.end()) schemes.push_back(legacy);
}

std::shared_ptr<const TrustStore> load_trust_store(std::string_view command, const std::string& path,
                                                   Problem& problem) {
    auto data = read_file(path, "--cafile", problem);
    if (!data) return nullptr;
    auto store = TrustStore::from_pem_or_der(view(*data));
    if (!store) {
        std::string why = store.error().reason;
        constexpr std::string_view said = "no usable certificate: ";  // said once is enough
        if (why.rfind(said, 0) == 0) why.erase(0, said.size());
        problem = {Exit::key, "--cafile " + path + " holds no usable certificate: " + why, {}};
        return nullptr;
    }
    // A bundle as users have it may hold roots we cannot use; the others still count.
    for (const std::string& skipped : store->skipped())
        std::cerr << "tpmtls " << command << ": warning: --cafile " << path << ": skipped " << skipped << "\n";
    return std::make_shared<const TrustStore>(std::move(*store));
}

namespace {

bool contains(const Bytes& data, std::string_view text) {
    return std::search(data.begin(), data.end(), text.begin(), text.end()) != data.end();
}

}  // namespace

std::optional<std::vector<Bytes>> load_certificate_chain(const std::string& path, Problem& problem) {
    auto data = read_file(path, "--cert", problem);
    if (!data) return std::nullopt;
    std::vector<Bytes> out;
    size_t number = 0;
    for (Result<Bytes>& block : certificate_blocks(view(*data))) {
        ++number;
        // Parsed as the peer will parse it, so a chain we would refuse is not sent.
        CStruct<mbedtls_x509_crt, mbedtls_x509_crt_init, mbedtls_x509_crt_free> parsed;
        Status usable = block ? parse_certificate(parsed.value, view(*block), false) : Status(block.error());
        if (!usable) {
            problem = {Exit::key,
                       "--cert " + path + ": certificate " + std::to_string(number) + " is not usable: " +
                           usable.error().reason,
                       {}};
            return std::nullopt;
        }
        out.push_back(std::move(*block));
    }
    if (out.empty() || out.front().empty()) {
        problem = {Exit::key, "--cert " + path + " holds no usable certificate", {}};
        return std::nullopt;
    }
    return out;
}

std::shared_ptr<Signer> load_signer(const std::string& ref, const SignerOptions& signer_options, Problem& problem) {
    // handle:0x81000001 (tpm2-openssl) or 0x81000001 (tpm2-tools) is a persistent TPM key.
    const std::string_view text = ref;
    const auto named = tpm::parse_key_reference(text);
    bool tpm_key = text.substr(0, 7) == "handle:" || (named && named->kind == tpm::KeyReference::Kind::handle);
    if (!tpm_key) {
        auto data = read_file(ref, "--key", problem);
        if (!data) {
            if (problem.exit == Exit::file) problem.hint = tpm::handle_spelling_hint(ref);
            return nullptr;
        }
        if (contains(*data, "-----BEGIN TSS2 PRIVATE KEY-----")) {
            // A file that does not parse is the file's fault, not the TPM's.
            if (auto parsed = parse_tss2_key_file(view(*data)); !parsed) {
                problem = {Exit::key, "--key " + ref + " is not a usable TSS2 key file: " + parsed.error().reason, {}};
                return nullptr;
            }
            tpm_key = true;
        } else if (contains(*data, "PRIVATE KEY-----") || (!data->empty() && (*data)[0] == 0x30)) {
            auto signer = SoftwareSigner::from_key(view(*data));
            secure_wipe(data->data(), data->size());
            if (!signer) {
                problem = {Exit::key, "--key " + ref + " is not a usable private key: " + signer.error().reason, {}};
                return nullptr;
            }
            return std::shared_ptr<Signer>(std::move(*signer));
        } else {
            problem = {Exit::key, "--key " + ref + " is not a key file",
                       "expected a TSS2 PRIVATE KEY, a PEM PRIVATE KEY / EC PRIVATE KEY, or handle:0x81..."};
            return nullptr;
        }
    }
    auto reference = tpm::parse_key_reference(ref);
    if (!reference) {
        problem = {Exit::usage, "--key " + ref + ": " + reference.error().reason, {}};
        return nullptr;
    }
    tpm::ContextOptions options;
    options.tcti = signer_options.tcti;
    Secret auth;
    if (signer_options.auth_file) {
        auto read = tpm::read_auth_file(*signer_options.auth_file);
        if (!read) {
            problem = {Exit::file, "--auth-file " + *signer_options.auth_file + ": " + read.error().reason, {}};
            return nullptr;
        }
        auth = std::move(*read);
    }
    if (signer_options.lazy) {
        auto lazy = tpm::make_lazy_tpm_signer(*reference, options, auth.view(), view(signer_options.leaf_certificate));
        if (!lazy) {
            problem = {Exit::key, "TPM key " + ref + ": " + lazy.error().reason, {}};
            return nullptr;
        }
        return *lazy;
    }
    auto signer = tpm::open_tpm_signer(*reference, options, auth.view());
    if (!signer) {
        problem = {Exit::tpm, "TPM key " + ref + ": " + signer.error().reason, {}};
        return nullptr;
    }
    return *signer;
}

std::vector<std::string> split_list(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream in(list);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

std::optional<std::vector<NamedGroup>> parse_groups(const std::string& list, Problem& problem) {
    std::vector<NamedGroup> groups;
    for (const auto& name : split_list(list)) {
        const NamedGroup known[] = {NamedGroup::x25519, NamedGroup::secp256r1};
        bool found = false;
        for (NamedGroup g : known) {
            if (to_string(g) == name || (name == "P-256" && g == NamedGroup::secp256r1)) {
                groups.push_back(g);
                found = true;
            }
        }
        if (!found) {
            problem = {Exit::usage, "unknown group '" + name + "'", "supported: x25519, secp256r1"};
            return std::nullopt;
        }
    }
    if (groups.empty()) {
        problem = {Exit::usage, "--groups needs at least one group", {}};
        return std::nullopt;
    }
    return groups;
}

std::optional<std::vector<CipherSuite>> parse_cipher_suites(const std::string& list, Problem& problem) {
    std::vector<CipherSuite> suites;
    const auto known = default_cipher_suites();
    for (const auto& name : split_list(list)) {
        bool found = false;
        for (CipherSuite s : known) {
            if (to_string(s) == name) {
                suites.push_back(s);
                found = true;
            }
        }
        if (!found) {
            std::string names;
            for (CipherSuite s : known) names += (names.empty() ? "" : ", ") + to_string(s);
            problem = {Exit::usage, "unknown cipher suite '" + name + "'", "supported: " + names};
            return std::nullopt;
        }
    }
    if (suites.empty()) {
        problem = {Exit::usage, "--ciphers needs at least one suite", {}};
        return std::nullopt;
    }
    return suites;
}

void HandshakeWatch::alert(TraceDirection d, AlertLevel, AlertDescription description, std::string_view reason) {
    if (description == AlertDescription::close_notify || alert_) return;
    std::string text = alert_name(description);
    if (d == TraceDirection::received) text += " (alert received from the peer)";
    else text += " (alert sent by us" + (reason.empty() ? std::string() : ": " + std::string(reason)) + ")";
    alert_ = text;
}

Result<Bytes> WatchedSigner::sign(SignatureScheme scheme, ByteView content) {
    const uint64_t start = steady_microseconds();
    auto signature = inner_->sign(scheme, content);
    if (trace_) trace_->signer_time(steady_microseconds() - start, inner_->description());
    if (!signature && watch_) watch_->signer_failed(inner_->description() + ": " + signature.error().reason);
    return signature;
}

namespace {

class FileLineSink {
public:
    explicit FileLineSink(int fd) : fd_(fd) {}
    void write(std::string_view line) {
        const std::lock_guard<std::mutex> lock(mutex_);
        size_t done = 0;
        while (done < line.size()) {
            const ssize_t n = ::write(fd_.get(), line.data() + done, line.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            done += static_cast<size_t>(n);
        }
    }

private:
    net::UniqueFd fd_;
    std::mutex mutex_;
};

}  // namespace

std::shared_ptr<TraceObserver> open_keylog(const std::optional<std::string>& option, Problem& problem) {
    std::string path;
    if (option) path = *option;
    else if (const char* env = std::getenv("SSLKEYLOGFILE"); env != nullptr && *env != '\0') path = env;
    if (path.empty()) return nullptr;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int saved = errno;
        problem = {Exit::file, "cannot open key log " + path + ": " + std::strerror(saved), {}};
        return nullptr;
    }
    auto sink = std::make_shared<FileLineSink>(fd);
    return std::make_shared<KeyLog>([sink](std::string_view line) { sink->write(line); });
}

std::shared_ptr<TraceObserver> make_text_trace(const std::string& role, bool show_secrets, std::FILE* out,
                                               std::string prefix) {
    TextTraceOptions options{role, show_secrets, steady_microseconds};
    return std::make_shared<TextTrace>(std::move(options), [out, prefix = std::move(prefix)](std::string_view line) {
        std::fprintf(out, "%s%.*s\n", prefix.c_str(), static_cast<int>(line.size()), line.data());
        std::fflush(out);
    });
}

}  // namespace tpmtls::cli
