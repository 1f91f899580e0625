#!/usr/bin/env bash
# The core_only test's PKI, made fresh with openssl for each run (no key lives in git):
#   make_pki.sh DIR   writes DIR/root.pem, DIR/leaf.der (SAN DNS:localhost, serverAuth) and
#                     DIR/leaf.key (PKCS#8 PEM), all P-256.
set -euo pipefail
dir=$1
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key 2>/dev/null
openssl req -x509 -new -key root.key -sha256 -days 2 -subj "/CN=core-only test root" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out root.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key 2>/dev/null
openssl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr
printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >leaf.ext
openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -sha256 -days 2 \
    -extfile leaf.ext -outform DER -out leaf.der 2>/dev/null
