#!/bin/sh
# Regenerates the test-only TLS certificates of this folder (used by
# air_tests::git::tls for the HTTPS Git server on 127.0.0.1). The keys are
# public test material: never trust these CAs anywhere else.
set -eu
cd "$(dirname "$0")"
days=36500
ca() { # name
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days $days \
    -subj "/CN=air test $1" -keyout "$1.key" -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() { # name ca san
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.csr"
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days $days \
    -extfile "$1.ext" -out "$1.pem"
  rm -f "$1.csr" "$1.ext"
}
ca ca-a
ca ca-b
leaf server-a ca-a "IP:127.0.0.1,DNS:localhost"
leaf server-b ca-b "IP:127.0.0.1,DNS:localhost"
leaf wrong-host ca-a "DNS:git.example.com"
rm -f ca-a.srl ca-b.srl ca-a.key ca-b.key
