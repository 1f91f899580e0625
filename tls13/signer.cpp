#include "tls13/signer.h"

#include <algorithm>

namespace tpmtls {

std::optional<SignatureScheme> Signer::choose(std::span<const SignatureScheme> offered) const {
    for (SignatureScheme ours : schemes())
        if (std::find(offered.begin(), offered.end(), ours) != offered.end()) return ours;
    return std::nullopt;
}

}  // namespace tpmtls
