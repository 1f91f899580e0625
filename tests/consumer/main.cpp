// Uses the installed tpmtls through its public headers only: a Reader parse, SHA-256 and HKDF.
// check_install.sh compares the output with expected.txt, which holds the published values.
#include <tls13/bytes.h>
#include <tls13/crypto/hash.h>
#include <tls13/crypto/hkdf.h>

#include <cstdio>

using namespace tpmtls;

namespace {
Result<std::string> read_greeting(ByteView input) {
    Reader r(input);
    Reader greeting = TRY(r.vec16(1, 64));
    TRY(r.expect_end());
    const ByteView text = greeting.take_rest();
    return std::string(text.begin(), text.end());
}

void print_greeting(const char* label, const Bytes& input) {
    auto greeting = read_greeting(view(input));
    std::printf("%s %s\n", label, greeting ? greeting->c_str() : alert_name(greeting.error().description).c_str());
}
}  // namespace

int main() {
    print_greeting("vec16", {0x00, 0x05, 'h', 'e', 'l', 'l', 'o'});
    print_greeting("vec16-truncated", {0x00, 0x05, 'h', 'e'});

    // FIPS 180-2 Appendix B.1.
    std::printf("sha256(abc) %s\n", to_hex(view(hash(HashAlgorithm::sha256, view("abc")))).c_str());

    // RFC 5869 Appendix A.1 (test case 1).
    const Bytes ikm(22, 0x0b);
    const Bytes salt = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};
    const Bytes info = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9};
    const Secret prk = hkdf_extract(HashAlgorithm::sha256, view(salt), view(ikm));
    std::printf("hkdf-extract %s\n", to_hex(prk.view()).c_str());
    auto okm = hkdf_expand(HashAlgorithm::sha256, prk.view(), view(info), 42);
    std::printf("hkdf-expand %s\n", okm ? to_hex(okm->view()).c_str() : alert_name(okm.error().description).c_str());
    return 0;
}
