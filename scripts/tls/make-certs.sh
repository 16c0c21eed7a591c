#!/usr/bin/env bash
# Generates throwaway TLS material for tests into DIR (default: a new temp dir, printed on stdout):
#   ca.pem ca.key              the test CA
#   server.pem server.key      server certificate for localhost, 127.0.0.1 and ::1 (SAN), signed by ca
#   client.pem client.key      client certificate, CN=polybus-client (mutual TLS, AMQP EXTERNAL), signed by ca
#   wrong-ca.pem wrong-ca.key  an unrelated CA: a client trusting only it must refuse the server
# Keys are unencrypted RSA 2048, valid 2 days. Idempotent: existing files are kept.
set -euo pipefail
dir="${1:-$(mktemp -d "${TMPDIR:-/tmp}/polybus-tls.XXXXXX")}"
mkdir -p "$dir"
cd "$dir"
days=2
subj() { printf '/O=polybus test/CN=%s' "$1"; }

make_ca() { # name cn
  [[ -f "$1.pem" ]] && return
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days "$days" \
    -subj "$(subj "$2")" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
}

make_leaf() { # name cn extfile-lines
  [[ -f "$1.pem" ]] && return
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$(subj "$2")" 2>/dev/null
  printf '%b' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days "$days" \
    -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

make_ca ca 'polybus test CA'
make_ca wrong-ca 'polybus wrong CA'
make_leaf server localhost \
  'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n'
make_leaf client polybus-client \
  'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n'
chmod 644 ./*.pem ./*.key
echo "$dir"
