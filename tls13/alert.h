// TLS alerts and the error type every fallible operation returns.
// RFC 8446 §6: every failure is one alert description; the connection sends exactly one
// fatal alert, from one place, carrying the description chosen where the failure was found.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tpmtls {

// RFC 8446 §6 AlertDescription, names as in the RFC. Open to unknown values.
enum class AlertDescription : uint8_t {
    close_notify = 0,
    unexpected_message = 10,
    bad_record_mac = 20,
    record_overflow = 22,
    handshake_failure = 40,
    bad_certificate = 42,
    unsupported_certificate = 43,
    certificate_revoked = 44,
    certificate_expired = 45,
    certificate_unknown = 46,
    illegal_parameter = 47,
    unknown_ca = 48,
    access_denied = 49,
    decode_error = 50,
    decrypt_error = 51,
    protocol_version = 70,
    insufficient_security = 71,
    internal_error = 80,
    inappropriate_fallback = 86,
    user_canceled = 90,
    missing_extension = 109,
    unsupported_extension = 110,
    unrecognized_name = 112,
    bad_certificate_status_response = 113,
    unknown_psk_identity = 115,
    certificate_required = 116,
    no_application_protocol = 120,
};

enum class AlertLevel : uint8_t { warning = 1, fatal = 2 };

// The RFC name of an alert ("decode_error"), or "alert(N)" for unknown values.
std::string alert_name(AlertDescription description);

// A failure: the alert the peer is told, and a reason for our logs (never sent, never secret).
struct Alert {
    AlertDescription description = AlertDescription::internal_error;
    std::string reason;

    std::string to_string() const;  // "decode_error: truncated vec16"
};

inline Alert make_alert(AlertDescription description, std::string_view reason) {
    return Alert{description, std::string(reason)};
}

}  // namespace tpmtls
