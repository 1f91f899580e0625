// A set of 16-bit wire codes for the "no two of the same type" rules (RFC 8446 §4.2 for
// extensions, §4.2.8 for key share groups): a bitset, so a hostile list of thousands of
// entries costs one pass, not a quadratic scan.
#pragma once

#include <bitset>
#include <cstdint>

namespace tpmtls {

class SeenSet {
public:
    // False if `code` was already inserted.
    bool insert(uint16_t code) {
        if (bits_.test(code)) return false;
        bits_.set(code);
        return true;
    }

private:
    std::bitset<0x10000> bits_;
};

}  // namespace tpmtls
