#!/usr/bin/env bash
# The demo itself (scripts/demo.sh installs and builds first, then runs this):
#   scripts/demo_run.sh PATH/TO/tpmtls [KEEP_DIR]
# Every command it runs is printed as it would be typed, so the output doubles as a tutorial.
# The client processes reach the TPM through the pcap TCTI (pcap:<swtpm TCTI>), which writes
# every TPM command to the file named by TCTI_PCAP_FILE: client1-tpm.pcap for the first process,
# client2-tpm.pcap for the second (not written at all if that process never opens the TPM), so
# the counts the clients print can be checked from outside (tshark -r FILE -Y tpm).
set -euo pipefail

tpmtls=${1:?usage: demo_run.sh PATH/TO/tpmtls [KEEP_DIR]}
keep=${2:-}
command -v swtpm >/dev/null || { echo "demo: swtpm is not installed (bash scripts/deps.sh run)" >&2; exit 1; }
[[ -x $tpmtls ]] || { echo "demo: $tpmtls is not an executable" >&2; exit 1; }
tpmtls=$(cd "$(dirname "$tpmtls")" && pwd)/$(basename "$tpmtls")

if [[ -n $keep ]]; then
    mkdir -p "$keep"
    work=$(cd "$keep" && pwd)
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/tpmtls-demo.XXXXXX")
fi
pids=()
names=()
cleanup() {
    local status=$? i
    for i in "${!pids[@]}"; do kill "${pids[$i]}" 2>/dev/null || true; done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" 2>/dev/null || true
        echo "demo: stopped ${names[$i]} (pid ${pids[$i]})"
    done
    if [[ -z $keep ]]; then rm -rf "$work"; else echo "demo: files kept in $work"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
step() { printf '\n== %s\n' "$*"; }
show() {  # prints a command as typed: paths relative to the work directory, `tpmtls` for the binary
    local shown="" arg
    for arg in "$@"; do
        [[ $arg == *" "* ]] && arg="'$arg'"
        shown+="${shown:+ }$arg"
    done
    shown=${shown//$work\//}
    printf '$ %s\n' "${shown//$tpmtls/tpmtls}"
}
run() { show "$@"; "$@" >/dev/null; }  # the commands' own messages are in the files they write
# A loopback port (and the next one) that nothing listens on, below the ephemeral range.
free_port_pair() {
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 10000))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/$((p + 1))) 2>/dev/null; then
            echo "$p"; return 0
        fi
    done
    echo "demo: no free loopback port pair" >&2; return 1
}
wait_port() {  # $1 port, $2 pid of the process that should listen there
    for _ in $(seq 1 200); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}

cd "$work"
export TSS2_LOG=${TSS2_LOG:-all+NONE}
demo_started=$(date +%s%N)

step "1. A software TPM (swtpm) on loopback, its state in $([[ -n $keep ]] && echo "$work/tpm-state" || echo "a temporary directory")"
mkdir -p tpm-state
for attempt in 1 2 3 4 5; do
    tpm_port=$(free_port_pair)
    swtpm socket --tpm2 --tpmstate dir="$work/tpm-state" \
        --server type=tcp,port="$tpm_port",bindaddr=127.0.0.1 \
        --ctrl type=tcp,port=$((tpm_port + 1)),bindaddr=127.0.0.1 \
        --flags not-need-init,startup-clear >swtpm.log 2>&1 &
    swtpm_pid=$!
    pids+=("$swtpm_pid"); names+=(swtpm)
    wait_port "$tpm_port" "$swtpm_pid" && break
    [[ $attempt -lt 5 ]] || { echo "demo: swtpm did not start:" >&2; cat swtpm.log >&2; exit 1; }
done
tcti="swtpm:host=127.0.0.1,port=$tpm_port"
echo "swtpm pid $swtpm_pid, TCTI $tcti"

step "2. A CA and the server's certificate (software keys: the server is not the device)"
run "$tpmtls" ca-init --out-key ca.key --out-cert ca.pem --subject "/CN=tpmtls demo CA"
run "$tpmtls" ca-sign --ca-cert ca.pem --ca-key ca.key --profile server --new-key server.key \
    --subject /CN=localhost --san DNS:localhost --san IP:127.0.0.1 --out server.pem

step "3. The device: a key generated inside the TPM, a CSR signed by the TPM, its certificate"
run "$tpmtls" keygen --tcti "$tcti" --out device.tss2
run "$tpmtls" csr --tcti "$tcti" --key device.tss2 --subject "/CN=device-0001/O=tpmtls demo" --out device.csr
run "$tpmtls" ca-sign --ca-cert ca.pem --ca-key ca.key --csr device.csr --profile client --out device.pem
echo "device.tss2 holds the key wrapped by the TPM; the private key never left it"
printf 'THIS_IS_THE_SECRET\n' >secret.txt

step "4. The server (mutual TLS required, session tickets on)"
server_port=$(free_port_pair)
server=("$tpmtls" server --accept 127.0.0.1:"$server_port" --cert server.pem --key server.key --cafile ca.pem
    --secret-file secret.txt --ticket-keys tickets.key)
show "${server[@]}" "&"
"${server[@]}" >server.log 2>&1 &
server_pid=$!
pids+=("$server_pid"); names+=(server)
# Ready once it says it listens (a probe connection would show up in its log as a failed handshake).
for _ in $(seq 1 250); do
    grep -q ' listening on ' server.log && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.02
done
grep -q ' listening on ' server.log || { echo "demo: the server did not start:" >&2; cat server.log >&2; exit 1; }
echo "server pid $server_pid"

client() {  # $1: the client's number; writes client$1.out, client$1.err, client$1-tpm.pcap
    local started status=0
    show TCTI_PCAP_FILE="client$1-tpm.pcap" "$tpmtls" client --connect 127.0.0.1:"$server_port" --servername localhost --cafile ca.pem \
        --cert device.pem --key device.tss2 --tcti "pcap:$tcti" --session-store tickets.store --summary
    started=$(date +%s%N)
    TCTI_PCAP_FILE="$work/client$1-tpm.pcap" "$tpmtls" client --connect 127.0.0.1:"$server_port" \
        --servername localhost --cafile ca.pem --cert device.pem --key device.tss2 --tcti "pcap:$tcti" \
        --session-store tickets.store --summary >"client$1.out" 2>"client$1.err" || status=$?
    echo "$(ms_since "$started")" >"client$1.ms"
    cat "client$1.out" "client$1.err"
    [[ $status -eq 0 ]] || { echo "demo: client $1 failed (exit $status)" >&2; exit 1; }
}

step "5. First client process: a full handshake, the TPM signs the CertificateVerify"
client 1

step "6. A second client process: resumes with the ticket from step 5, the TPM is never opened"
client 2

step "What happened"
for n in 1 2; do
    summary=$(sed -n 's/^summary: //p' "client$n.err")
    secret=$(grep -q THIS_IS_THE_SECRET "client$n.out" && echo "got the secret" || echo "NO SECRET")
    capture=$([[ -f client$n-tpm.pcap ]] && echo "client$n-tpm.pcap written" || echo "no TPM capture (TPM not opened)")
    printf 'client %s: %s; process %s ms; %s; %s\n' "$n" "$summary" "$(cat "client$n.ms")" "$secret" "$capture"
done
echo "server log:"
sed 's/^/  /' server.log
echo "demo: $(ms_since "$demo_started") ms in all"
grep -q THIS_IS_THE_SECRET client1.out && grep -q THIS_IS_THE_SECRET client2.out &&
    grep -q '^summary: full handshake' client1.err && grep -q '^summary: resumed' client2.err
