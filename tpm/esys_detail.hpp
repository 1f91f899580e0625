// Private to the library (named .hpp so the install, which takes tpm/*.h, leaves it out): the
// ESAPI state behind TpmContext and small RAII helpers for tpm2-tss handles and outputs.
#pragma once

#include <tss2/tss2_esys.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "tls13/result.h"
#include "tpm/context.h"
#include "tpm/keys.h"
#include "tpm/tcti_meter.hpp"

namespace tpmtls::tpm {

struct TpmContext::Impl {
    TSS2_TCTI_CONTEXT* tcti = nullptr;
    std::unique_ptr<TctiMeter> meter;  // in front of `tcti`: ESAPI talks to the TPM through it
    ESYS_CONTEXT* esys = nullptr;
    std::string tcti_config;  // as given to tctildr, "(default)" when empty
    int max_retries = 5;
    // ESAPI contexts are not thread-safe: every command on `esys` holds this mutex.
    std::mutex mutex;
    ~Impl();
};

// An Alert (internal_error) carrying `what`, the decoded TSS2 return code (Tss2_RC_Decode), the
// TCTI, and a hint for the codes users meet (tpm/tpm_error.cpp): TPM unreachable, wrong
// authorization value, dictionary-attack lockout, empty handle, key from another TPM, ...
Alert tpm_error(const TpmContext::Impl& ctx, std::string_view what, TSS2_RC rc);

// What to do about `rc`, or empty when there is nothing to add to the decoded text.
std::string tpm_error_hint(TSS2_RC rc);

bool is_retryable(TSS2_RC rc);

// Waits before the attempt-th resend (a few ms, doubling): a TPM that says TESTING or YIELDED
// needs a moment, not an immediate resend.
void retry_backoff(int attempt);

// Runs `command` (returning TSS2_RC) again while the TPM answers RETRY / YIELDED / TESTING,
// at most ctx.max_retries more times. (ESAPI's synchronous calls already resubmit a few times
// themselves; this bounds what is left, with a pause between attempts.)
template <class F>
TSS2_RC with_retry(const TpmContext::Impl& ctx, F&& command) {
    TSS2_RC rc = command();
    for (int i = 0; i < ctx.max_retries && is_retryable(rc); ++i) {
        retry_backoff(i);
        rc = command();
    }
    return rc;
}

// "0x81000001"
std::string hex_handle(uint32_t handle);

// Outputs ESAPI allocates are released with Esys_Free.
struct EsysFree {
    void operator()(void* p) const { Esys_Free(p); }
};
template <class T>
using EsysPtr = std::unique_ptr<T, EsysFree>;

// An ESYS_TR: a transient object is flushed from the TPM (no resource manager does it for us
// on swtpm or /dev/tpm0), a persistent one only has its ESAPI metadata closed.
class EsysHandle {
public:
    EsysHandle() = default;
    EsysHandle(ESYS_CONTEXT* esys, ESYS_TR tr, bool transient) : esys_(esys), tr_(tr), transient_(transient) {}
    ~EsysHandle() { reset(); }
    EsysHandle(EsysHandle&& o) noexcept : esys_(o.esys_), tr_(o.tr_), transient_(o.transient_) { o.tr_ = ESYS_TR_NONE; }
    EsysHandle& operator=(EsysHandle&& o) noexcept {
        if (this != &o) {
            reset();
            esys_ = o.esys_;
            tr_ = o.tr_;
            transient_ = o.transient_;
            o.tr_ = ESYS_TR_NONE;
        }
        return *this;
    }
    ESYS_TR get() const { return tr_; }
    // Forgets the handle without flushing or closing (ESAPI already dropped it, e.g. after an
    // evicting TPM2_EvictControl).
    void release() { tr_ = ESYS_TR_NONE; }
    bool transient() const { return transient_; }
    void reset() {
        if (tr_ == ESYS_TR_NONE || esys_ == nullptr) return;
        if (transient_) {
            Esys_FlushContext(esys_, tr_);
        } else {
            Esys_TR_Close(esys_, &tr_);
        }
        tr_ = ESYS_TR_NONE;
    }

private:
    ESYS_CONTEXT* esys_ = nullptr;
    ESYS_TR tr_ = ESYS_TR_NONE;
    bool transient_ = true;
};

// The owner primary from tpm2-openssl's template (tpm/keys.cpp), the parent of our key files
// (parent 0x40000001), created for one operation and flushed when the handle goes. Call with
// ctx.mutex held.
Result<EsysHandle> create_primary(TpmContext::Impl& ctx);

struct TpmKey::Impl {
    std::shared_ptr<TpmContext> ctx;  // declared first: outlives `handle`
    EsysHandle handle;
    uint32_t persistent_handle = 0;  // 0: transient
    bool has_auth = false;           // ESAPI holds a copy of the auth value (set_auth)
    std::string source;              // set_description: where the key came from
    ~Impl() {
        const std::lock_guard lock(ctx->impl().mutex);
        if (has_auth && handle.get() != ESYS_TR_NONE) {
            // ESAPI frees its handle metadata without wiping it: overwrite the copy first.
            const TPM2B_AUTH empty{};
            Esys_TR_SetAuth(ctx->impl().esys, handle.get(), &empty);
        }
        handle.reset();
    }
};

}  // namespace tpmtls::tpm
