// The metering TCTI in front of the real one: what TpmContext::stats() reports is what was sent.
#include <doctest/doctest.h>

#include "support/swtpm.h"
#include "tpm/context.h"
#include "tpm/key_reference.h"
#include "tpm/keys.h"

using namespace tpmtls;
using namespace tpmtls::test;
using namespace tpmtls::tpm;

TEST_CASE("TpmContext counts each TPM command at the TCTI boundary, by command code") {
    Swtpm swtpm;
    ContextOptions options;
    options.tcti = swtpm.tcti();
    auto ctx = TpmContext::open(options);
    REQUIRE_MESSAGE(ctx, (ctx ? "" : ctx.error().to_string()));
    const TpmStats at_open = (*ctx)->stats();
    // open() makes one round trip so an unreachable TPM is reported at once.
    CHECK(at_open.commands >= 1);
    CHECK(at_open.by_command.at(0x0000017B) >= 1);  // TPM2_CC_GetRandom
    CHECK(TpmStats::command_name(0x0000015D) == "TPM2_CC_Sign");

    auto blob = create_p256_signing_key(**ctx);
    REQUIRE(blob);
    const TpmStats after_create = (*ctx)->stats() - at_open;
    CHECK(after_create.by_command.count(0x00000131) == 1);  // TPM2_CC_CreatePrimary
    CHECK(after_create.by_command.count(0x00000153) == 1);  // TPM2_CC_Create
    CHECK(after_create.wait.count() > 0);
    CHECK(after_create.summary().find("CreatePrimary x1") != std::string::npos);
}
