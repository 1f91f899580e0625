// `tpmtls replay`, part 2: prints the run of replay_session.h as an annotated handshake - each
// message decoded field by field, each record, each key-schedule step - and compares every byte
// string RFC 8448 §3 lists with ours:
//   "= RFC 8448 §3  <item>"   ours is the RFC's byte for byte
//   "≠ RFC 8448 §3  <item>"   it differs; why, and a diff (secrets only with --show-secrets)
// Steps of §3 the run never reached are listed at the end with the reason.
#pragma once

#include <ostream>

#include "cli/replay_session.h"

namespace tpmtls::cli {

struct ReplayReportOptions {
    bool show_secrets = false;  // secret values (the RFC publishes them; ours are derived from them)
};

struct ReplaySummary {
    size_t matches = 0;
    size_t mismatches = 0;
    size_t not_reached = 0;  // §3 steps with values that the run did not get to
};

inline constexpr std::string_view match_marker = "= RFC 8448 §3";
inline constexpr std::string_view mismatch_marker = "≠ RFC 8448 §3";

ReplaySummary print_replay_report(const ReplayRun& run, const ReplayReportOptions& options, std::ostream& out);

}  // namespace tpmtls::cli
