// The metering TCTI in front of the real one: what TpmContext::stats() reports is what was sent.
// Counts are exact: each step below sends a fixed set of commands, and a meter that misses one
// (or counts one twice) must fail here, not pass because a count was "at least one".
#include <doctest/doctest.h>

#include "support/swtpm.h"
#include "tls13/bytes.h"
#include "tpm/context.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"
#include "tpm/tpm_signer.h"

using namespace tpmtls;
using namespace tpmtls::test;
using namespace tpmtls::tpm;

namespace {
constexpr uint32_t tpm_cc_create_primary = 0x00000131;
constexpr uint32_t tpm_cc_create = 0x00000153;
constexpr uint32_t tpm_cc_sign = 0x0000015D;
constexpr uint32_t tpm_cc_flush_context = 0x00000165;
constexpr uint32_t tpm_cc_get_random = 0x0000017B;
}  // namespace

TEST_CASE("TpmContext counts each TPM command at the TCTI boundary, by command code") {
    Swtpm swtpm;
    ContextOptions options;
    options.tcti = swtpm.tcti();
    auto ctx = TpmContext::open(options);
    REQUIRE_MESSAGE(ctx, (ctx ? "" : ctx.error().to_string()));
    const TpmStats at_open = (*ctx)->stats();
    // open() makes one round trip so an unreachable TPM is reported at once.
    CHECK(at_open.commands == 1);
    CHECK(at_open.by_command == std::map<uint32_t, uint64_t>{{tpm_cc_get_random, 1}});
    CHECK(TpmStats::command_name(tpm_cc_sign) == "TPM2_CC_Sign");

    auto blob = create_p256_signing_key(**ctx);
    REQUIRE(blob);
    const TpmStats after_create = (*ctx)->stats() - at_open;
    CAPTURE(after_create.summary());
    // The owner primary is made, the key created under it, and the primary flushed.
    CHECK(after_create.commands == 3);
    CHECK(after_create.by_command ==
          std::map<uint32_t, uint64_t>{{tpm_cc_create_primary, 1}, {tpm_cc_create, 1}, {tpm_cc_flush_context, 1}});
    CHECK(after_create.wait.count() > 0);
    CHECK(after_create.summary().find("CreatePrimary x1") != std::string::npos);

    // One signature with a loaded key is one command: TPM2_Sign, counted once in the total and
    // once under its code.
    auto key = load_key(*ctx, *blob);
    REQUIRE_MESSAGE(key, (key ? "" : key.error().to_string()));
    auto signer = TpmSigner::create(std::move(*key));
    REQUIRE_MESSAGE(signer, (signer ? "" : signer.error().to_string()));
    const TpmStats before_sign = (*ctx)->stats();
    const Bytes content(64, 0x20);
    for (uint64_t signatures = 1; signatures <= 2; ++signatures) {
        CAPTURE(signatures);
        REQUIRE((*signer)->sign(SignatureScheme::ecdsa_secp256r1_sha256, view(content)));
        const TpmStats signing = (*ctx)->stats() - before_sign;
        CHECK(signing.commands == signatures);
        CHECK(signing.by_command == std::map<uint32_t, uint64_t>{{tpm_cc_sign, signatures}});
        CHECK(signing.summary().find("Sign x" + std::to_string(signatures)) != std::string::npos);
    }
}
