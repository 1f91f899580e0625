#include "tpm/context.h"

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <cstdlib>

#include "tpm/esys_detail.hpp"

namespace tpmtls::tpm {

std::string resolve_tcti(const ContextOptions& options) {
    if (options.tcti) return *options.tcti;
    for (const char* name : {"TPM2TOOLS_TCTI", "TCTI"}) {
        if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return v;
    }
    return {};
}

TpmContext::Impl::~Impl() {
    if (esys) Esys_Finalize(&esys);
    if (tcti) Tss2_TctiLdr_Finalize(&tcti);
}

TpmContext::TpmContext(Tag, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TpmContext::~TpmContext() = default;

const std::string& TpmContext::tcti() const { return impl_->tcti_config; }

TpmStats TpmContext::stats() const { return impl_->meter ? impl_->meter->snapshot() : TpmStats{}; }

Result<std::shared_ptr<TpmContext>> TpmContext::open(const ContextOptions& options) {
    auto impl = std::make_unique<Impl>();
    const std::string conf = resolve_tcti(options);
    impl->tcti_config = conf.empty() ? "(default)" : conf;
    impl->max_retries = options.max_retries;
    TSS2_RC rc = Tss2_TctiLdr_Initialize(conf.empty() ? nullptr : conf.c_str(), &impl->tcti);
    if (rc != TSS2_RC_SUCCESS) {
        std::string hint = tpm_error_hint(rc);
        if (hint.empty()) hint = tpm_error_hint(TSS2_TCTI_RC_LAYER | TSS2_BASE_RC_IO_ERROR);  // "TPM unreachable: ..."
        return make_alert(AlertDescription::internal_error,
                          "cannot open TCTI '" + impl->tcti_config + "': " + Tss2_RC_Decode(rc) + ": " + hint);
    }
    impl->meter = std::make_unique<TctiMeter>(impl->tcti);
    rc = Esys_Initialize(&impl->esys, impl->meter->tcti(), nullptr);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(*impl, "Esys_Initialize", rc);
    // A first round trip, so an unreachable TPM is reported here and not at the first key use.
    TPM2B_DIGEST* random = nullptr;
    rc = with_retry(*impl, [&] { return Esys_GetRandom(impl->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, 1, &random); });
    EsysPtr<TPM2B_DIGEST> random_owner(random);
    if (rc != TSS2_RC_SUCCESS) return tpm_error(*impl, "TPM2_GetRandom", rc);
    return std::make_shared<TpmContext>(Tag{}, std::move(impl));
}

}  // namespace tpmtls::tpm
