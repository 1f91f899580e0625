#include "support/tpm_tools.h"

#include <doctest/doctest.h>

#include <cstdio>

namespace tpmtls::test {
namespace {

std::string hex_handle(uint32_t handle) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", handle);
    return text;
}

Bytes read_bytes(const std::string& path) {
    const std::string text = read_text_file(path);
    return Bytes(text.begin(), text.end());
}

}  // namespace

CommandResult run_tpm2_tool(const Swtpm& swtpm, const std::string& tool, std::vector<std::string> args,
                            bool must_succeed) {
    const std::string program = "tpm2_" + tool;
    REQUIRE_MESSAGE(!find_program(program).empty(), program << " is not installed (apt install tpm2-tools)");
    args.insert(args.begin(), {program, "--tcti", swtpm.tcti()});
    CommandResult result = run_command(std::move(args));
    if (must_succeed) REQUIRE_MESSAGE(result.exit_status == 0, result.transcript);
    return result;
}

void make_storage_parent(const Swtpm& swtpm, uint32_t handle) {
    const TempDir dir;
    run_tpm2_tool(swtpm, "createprimary", {"-C", "o", "-g", "sha256", "-G", "ecc256", "-c", dir.file("primary.ctx")});
    run_tpm2_tool(swtpm, "evictcontrol", {"-C", "o", "-c", dir.file("primary.ctx"), hex_handle(handle)});
    run_tpm2_tool(swtpm, "flushcontext", {"-t"});
}

Tss2KeyFile create_key_with_tpm2_tools(const Swtpm& swtpm, uint32_t parent, const std::string& algorithm,
                                       const std::string& attributes) {
    const TempDir dir;
    std::vector<std::string> args = {"-C", hex_handle(parent), "-G", algorithm, "-u", dir.file("key.pub"),
                                     "-r", dir.file("key.priv")};
    if (!attributes.empty()) args.insert(args.end(), {"-a", attributes});
    run_tpm2_tool(swtpm, "create", args);
    run_tpm2_tool(swtpm, "flushcontext", {"-t"});
    Tss2KeyFile key;
    key.empty_auth = true;
    key.parent = parent;
    key.public_area = read_bytes(dir.file("key.pub"));
    key.private_area = read_bytes(dir.file("key.priv"));
    return key;
}

}  // namespace tpmtls::test
