#!/usr/bin/env bash
# Fetch the Arazzo 1.0 JSON Schema (OAI, 2024-08-01 iteration) into .cache/schemas/.
# Source: npm @stoplight/spectral-rulesets@1.23.1 (Apache-2.0); the file is sha256-checked.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.cache/schemas
TARGET="$DEST/arazzo-1.0.schema.json"
SHA256=6a6ca511448570c4347315896f719f4f556d940b2ac14604beaa8825a6f0aecb
PACKAGE=@stoplight/spectral-rulesets@1.23.1
MEMBER=package/dist/arazzo/schemas/arazzo/v1.0/index.json

if [ -f "$TARGET" ] && echo "$SHA256  $TARGET" | sha256sum -c --status -; then
    echo "arazzo schema: $TARGET is present and verified"
    exit 0
fi
command -v npm >/dev/null || { echo "fetch-arazzo-schema: npm is needed" >&2; exit 1; }
mkdir -p "$DEST"
WORK=$(mktemp -d "$DEST/fetch.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
npm pack --silent --pack-destination "$WORK" "$PACKAGE" >/dev/null
tar -xzf "$WORK"/stoplight-spectral-rulesets-1.23.1.tgz -C "$WORK" "$MEMBER"
if ! echo "$SHA256  $WORK/$MEMBER" | sha256sum -c --status -; then
    echo "fetch-arazzo-schema: checksum mismatch for $MEMBER of $PACKAGE" >&2
    exit 1
fi
mv "$WORK/$MEMBER" "$TARGET"
echo "arazzo schema: fetched $TARGET"
