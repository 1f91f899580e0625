#include "support/tpm_pcap.h"

#include <charconv>
#include <ctime>
#include <filesystem>
#include <optional>
#include <sstream>

#include <doctest/doctest.h>

#include "support/peer_process.h"

namespace tpmtls::test {
namespace {

// "1795432323.123456000" -> microseconds, exactly (a double would round).
int64_t epoch_to_us(std::string_view text) {
    const size_t dot = text.find('.');
    int64_t seconds = 0;
    std::from_chars(text.data(), text.data() + std::min(dot, text.size()), seconds);
    int64_t micros = 0;
    if (dot != std::string_view::npos) {
        std::string fraction(text.substr(dot + 1, 6));
        fraction.resize(6, '0');
        std::from_chars(fraction.data(), fraction.data() + fraction.size(), micros);
    }
    return seconds * 1'000'000 + micros;
}

// The Info column reads "50000 → 2321,  [TPM Request], Command TPM2_CC_Sign, len(...)".
std::string name_from_info(std::string_view info, uint32_t code) {
    constexpr std::string_view marker = "Command ";
    const size_t at = info.find(marker);
    if (at != std::string_view::npos) {
        std::string_view rest = info.substr(at + marker.size());
        rest = rest.substr(0, rest.find(','));
        if (!rest.empty()) return std::string(rest);
    }
    std::ostringstream hex;
    hex << "0x" << std::hex << code;
    return hex.str();
}

std::vector<std::string_view> split(std::string_view line, char separator) {
    std::vector<std::string_view> fields;
    for (;;) {
        const size_t at = line.find(separator);
        fields.push_back(line.substr(0, at));
        if (at == std::string_view::npos) return fields;
        line.remove_prefix(at + 1);
    }
}

// One TPM packet: a request (command filled in) or a response (time and response code).
struct CapturedPacket {
    bool request = false;
    TpmCommand command;
    uint32_t response_code = 0;
};

uint32_t parse_hex(std::string_view text, const std::string& line) {
    if (text.substr(0, 2) == "0x") text.remove_prefix(2);
    uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    REQUIRE_MESSAGE((ec == std::errc() && end == text.data() + text.size()), "unexpected hex field in: " << line);
    return value;
}

std::vector<CapturedPacket> tpm_packets(const std::string& pcap_file) {
    REQUIRE_MESSAGE(!find_program("tshark").empty(), "tshark is not installed (apt install tshark)");
    REQUIRE_MESSAGE(std::filesystem::exists(pcap_file), "no TPM capture at " << pcap_file);
    const CommandResult r = run_command({"tshark", "-r", pcap_file, "-Y", "tpm", "-T", "fields", "-E", "separator=/t",
                                         "-e", "frame.time_epoch", "-e", "tpm.req.cc", "-e", "tpm.resp.rc", "-e",
                                         "_ws.col.Info"});
    REQUIRE_MESSAGE(r.exit_status == 0, r.transcript);
    std::vector<CapturedPacket> packets;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        const auto fields = split(line, '\t');
        REQUIRE_MESSAGE(fields.size() == 4, "unexpected tshark line: " << line);
        CapturedPacket packet;
        packet.command.time_us = epoch_to_us(fields[0]);
        packet.request = !fields[1].empty();
        if (packet.request) {
            packet.command.code = parse_hex(fields[1], line);
            packet.command.name = name_from_info(fields[3], packet.command.code);
        } else {
            packet.response_code = parse_hex(fields[2], line);
        }
        packets.push_back(std::move(packet));
    }
    return packets;
}

}  // namespace

std::vector<TpmCommand> tpm_commands_in_capture(const std::string& pcap_file) {
    std::vector<TpmCommand> commands;
    for (const CapturedPacket& p : tpm_packets(pcap_file))
        if (p.request) commands.push_back(p.command);
    return commands;
}

std::vector<TpmRoundTrip> tpm_round_trips_in_capture(const std::string& pcap_file) {
    std::vector<TpmRoundTrip> trips;
    std::optional<TpmCommand> pending;
    for (const CapturedPacket& p : tpm_packets(pcap_file)) {
        if (p.request) {
            pending = p.command;
        } else if (pending) {
            trips.push_back(TpmRoundTrip{*pending, p.command.time_us, p.response_code});
            pending.reset();
        }
    }
    return trips;
}

std::vector<std::string> command_names(const std::vector<TpmCommand>& commands) {
    std::vector<std::string> names;
    names.reserve(commands.size());
    for (const TpmCommand& c : commands) names.push_back(c.name);
    return names;
}

int64_t realtime_us() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

}  // namespace tpmtls::test
