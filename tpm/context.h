// TpmContext: one connection to a TPM 2.0 through tpm2-tss (a TCTI from tctildr, and an ESAPI
// context over it). Public header without tss2 includes: the ESAPI state lives in Impl
// (tpm/esys_detail.hpp, private to the library).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "tls13/result.h"
#include "tpm/tcti_meter.h"

namespace tpmtls::tpm {

struct ContextOptions {
    // TCTI configuration ("swtpm:host=127.0.0.1,port=2321", "device:/dev/tpmrm0"). Unset: the
    // environment's TPM2TOOLS_TCTI, else TCTI, else tctildr's default search.
    std::optional<std::string> tcti;
    // TPM_RC_RETRY / YIELDED / TESTING: how many times a command is sent again before giving up.
    int max_retries = 5;
};

// The TCTI string `options` resolves to; empty means tctildr's default.
std::string resolve_tcti(const ContextOptions& options);

class TpmContext {
public:
    // Connects and starts ESAPI. Errors name the TCTI and say what to check.
    static Result<std::shared_ptr<TpmContext>> open(const ContextOptions& options = {});
    ~TpmContext();
    TpmContext(const TpmContext&) = delete;
    TpmContext& operator=(const TpmContext&) = delete;

    // The TCTI in use, for messages ("(default)" for tctildr's search).
    const std::string& tcti() const;

    // Every TPM command this context has sent so far, counted at the TCTI boundary, and the time
    // spent waiting for responses. Take two snapshots and subtract to measure a handshake.
    TpmStats stats() const;

    struct Impl;
    Impl& impl() const { return *impl_; }

    // Only open() can make the tag, so only open() constructs (via make_shared).
    class Tag {
        friend class TpmContext;
        Tag() = default;
    };
    TpmContext(Tag, std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace tpmtls::tpm
