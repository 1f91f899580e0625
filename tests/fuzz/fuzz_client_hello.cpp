// libFuzzer target: ClientHello decoding (RFC 8446 §4.1.2). Any input either fails with an
// Alert or decodes, re-encodes to the same bytes and decodes again to an equal value; when it
// offers a PSK, the binders prefix (§4.2.11.2) is a proper prefix of the whole message that
// ends where the binders list starts.
#include "fuzz_common.h"

using namespace tpmtls;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const ByteView body(data, size);
    fuzz::fuzz_round_trip<ClientHello>(data, size, decode_client_hello);
    auto hello = decode_client_hello(body);
    if (!hello || hello->extensions.back().type != ExtensionType::pre_shared_key) return 0;
    auto whole = encode_handshake(*hello);
    if (!whole) return 0;  // a body too large for its uint24 header cannot come from here
    auto prefix = client_hello_binders_prefix(view(*whole));
    const auto offered = decode_pre_shared_key_client_hello(view(hello->extensions.back().data));
    if (!prefix || !offered || prefix->size() + binders_list_length(*offered) != whole->size() ||
        !std::equal(prefix->begin(), prefix->end(), whole->begin()))
        fuzz::abort_on_problem("binders prefix is not the message minus its binders");
    return 0;
}
