// libFuzzer target for the certificate parsing of issue 14 that reads untrusted DER itself:
// nameConstraints and GeneralNames (tls13/x509/name_constraints.h), distinguished names
// (tls13/x509/x509_name.h), PEM bundle splitting, the raw TBSCertificate fields and SubjectPublicKeyInfo
// description, and parse_certificate's extension callback (tls13/x509/x509_parse.h). Checked:
// - every failure is decode_error or bad_certificate, never a crash or another alert;
// - a parsed name equals itself, starts with itself, and prints;
// - a name always lies within constraints made of that very name (for the kinds we match).
// Input: one byte splitting the rest into two parts, then the parts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tls13/x509/name_constraints.h"
#include "tls13/x509.h"
#include "tls13/x509/x509_name.h"
#include "tls13/x509/x509_parse.h"

using namespace tpmtls;

namespace {

void check(bool property) {
    if (!property) std::abort();
}

template <class T>
void expect_failure_kind(const Result<T>& result) {
    if (result) return;
    const AlertDescription d = result.error().description;
    check(d == AlertDescription::decode_error || d == AlertDescription::bad_certificate);
}

void names_and_constraints(ByteView constraints_der, ByteView names_der) {
    auto constraints = parse_name_constraints(constraints_der);
    expect_failure_kind(constraints);
    auto names = read_general_names(names_der);
    expect_failure_kind(names);
    if (!names) return;
    for (const GeneralName& name : *names) {
        (void)to_string(name);
        const bool matched_kind = name.kind == GeneralNameKind::dns_name || name.kind == GeneralNameKind::rfc822_name ||
                                  name.kind == GeneralNameKind::directory_name;
        if (!matched_kind) continue;
        // A name is within the subtree made of itself (iPAddress subtrees carry a mask instead).
        NameConstraints itself;
        itself.permitted.push_back(name);
        const Status own = check_name_constraints(itself, {name}, "CN=fuzz");
        if (name.kind == GeneralNameKind::directory_name || name.value.empty()) expect_failure_kind(own);
        else check(own.ok() || name.kind == GeneralNameKind::rfc822_name);
    }
    if (constraints) expect_failure_kind(check_name_constraints(*constraints, *names, "CN=fuzz"));
}

void distinguished_name(ByteView der) {
    auto name = DistinguishedName::parse(der);
    expect_failure_kind(name);
    if (!name) return;
    check(*name == *name && name->starts_with(*name));
    (void)name->to_string();
}

void certificates(ByteView data) {
    for (const Result<Bytes>& block : certificate_blocks(data)) {
        expect_failure_kind(block);
        if (!block) continue;
        expect_failure_kind(describe_certificate(view(*block)));
        if (auto raw = read_raw_certificate_fields(view(*block))) (void)describe_public_key(raw->subject_public_key_info);
    }
    (void)describe_public_key(data);
    auto store = TrustStore::from_pem_or_der(data);
    expect_failure_kind(store);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const ByteView input(data + 1, size - 1);
    const size_t split = std::min<size_t>(data[0], input.size());
    names_and_constraints(input.first(split), input.subspan(split));
    distinguished_name(input);
    certificates(input);
    return 0;
}
