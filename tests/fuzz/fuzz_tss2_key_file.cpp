// libFuzzer target for TSS2 PRIVATE KEY files (tpm/key_file.h). Input is PEM or DER. Checked:
// - a rejected file is decode_error (never a crash or another alert);
// - an accepted file encodes again (DER and PEM), and both encodings parse back to the same key;
// - re-encoding is stable: the DER of the re-parsed key is the DER we wrote.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tpm/key_file.h"

using namespace tpmtls;

namespace {

void check(bool property) {
    if (!property) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const Result<Tss2KeyFile> key = parse_tss2_key_file(ByteView(data, size));
    if (!key) {
        check(key.error().description == AlertDescription::decode_error);
        return 0;
    }
    const Result<Bytes> der = encode_tss2_key_file_der(*key);
    check(der.ok());
    const Result<Tss2KeyFile> again = parse_tss2_key_file(view(*der));
    check(again.ok() && *again == *key);
    const Result<Bytes> der_again = encode_tss2_key_file_der(*again);
    check(der_again.ok() && *der_again == *der);
    const Result<std::string> pem = write_tss2_key_file(*key);
    check(pem.ok());
    const Result<Tss2KeyFile> from_pem = parse_tss2_key_file(view(*pem));
    check(from_pem.ok() && *from_pem == *key);
    return 0;
}
