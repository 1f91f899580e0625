// libFuzzer target: CertificateVerify decoding (RFC 8446). Any input either fails with an Alert or decodes,
// re-encodes to the same bytes and decodes again to an equal value (fuzz_common.h).
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return tpmtls::fuzz::fuzz_round_trip<tpmtls::CertificateVerify>(data, size, tpmtls::decode_certificate_verify);
}
