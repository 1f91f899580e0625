// libFuzzer target: the typed extension codecs (RFC 8446 §4.2.x, RFC 6066, RFC 7301). Input:
// one byte choosing the message context, two bytes of extension type, the rest extension_data.
// For an extension the §4.2 table allows there, check_extensions() and the typed decode must
// agree, and a decodable body must re-encode to itself.
#include "fuzz_common.h"

using namespace tpmtls;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 3) return 0;
    const auto context = static_cast<ExtensionContext>(data[0] % 7);
    const Extension e{static_cast<ExtensionType>((data[1] << 8) | data[2]), Bytes(data + 3, data + size)};
    if (!extension_allowed(e.type, context)) return 0;
    const Status checked = check_extensions({e}, context);
    const auto typed = fuzz::reencode_typed(e, context);
    if (static_cast<bool>(checked) != static_cast<bool>(typed))
        fuzz::abort_on_problem("check_extensions and the typed codec disagree");
    if (typed && typed->has_value() && !(**typed == e)) fuzz::abort_on_problem("typed re-encoding differs");
    return 0;
}
