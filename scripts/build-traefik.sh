#!/usr/bin/env bash
# Builds Traefik for tests/traefik-gateway.test.ts, which runs the Traefik configuration docs/INTEGRATION.md
# shows. Debian does not package Traefik, so it comes from the Go module proxy like FerretDB. `go install
# …@version` refuses a module whose go.mod has replace directives, so its source is built as the main
# module, in a temporary copy. Prints the binary's path; a second run finds it built.
set -euo pipefail
cd "$(dirname "$0")/.."

# v3.7.x replaces a dependency by a version of github.com/containous/go-http-auth the proxy refuses (403).
VERSION=v3.6.9
OUT=".gateways/traefik-$VERSION"
if [ -x "$OUT" ]; then
  echo "$OUT"
  exit 0
fi
echo "building Traefik $VERSION from the Go module proxy (several minutes the first time)" >&2
source_dir=$(go mod download -json "github.com/traefik/traefik/v3@$VERSION" | node -e 'let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => console.log(JSON.parse(s).Dir))')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$source_dir/." "$work"
chmod -R u+w "$work"
mkdir -p .gateways
(cd "$work" && go build -trimpath -o "$work/traefik" ./cmd/traefik)
mv "$work/traefik" "$OUT"
echo "$OUT"
