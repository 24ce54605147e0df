#!/usr/bin/env bash
# Fetches the emoji image sets (Unicode category → subcategory → emoji, one 64 px PNG per style) used by Arbor's
# "emoji" datasets: `npm pack emoji-datasource-<style>@16.0.0`, unpacked into <cache>/emoji-datasource-<style>/.
# Cache folder: $1, else $ARBOR_DATA/emoji, else ~/.cache/arbor/emoji. Styles: $STYLES (default "google twitter facebook").
set -euo pipefail
VERSION="${EMOJI_VERSION:-16.0.0}"
STYLES="${STYLES:-google twitter facebook}"
if [[ $# -ge 1 ]]; then CACHE="$1"
elif [[ -n "${ARBOR_DATA:-}" ]]; then CACHE="$ARBOR_DATA/emoji"
else CACHE="${HOME}/.cache/arbor/emoji"; fi
command -v npm >/dev/null || { echo "error: npm not found; install Node.js/npm or unpack the packages by hand into $CACHE" >&2; exit 2; }
mkdir -p "$CACHE"
for style in $STYLES; do
  name="emoji-datasource-$style"
  dest="$CACHE/$name"
  if [[ -f "$dest/emoji.json" && -d "$dest/img/$style/64" ]]; then echo "$name: already in $dest"; continue; fi
  work="$(mktemp -d "$CACHE/.fetch-$style.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$name@$VERSION" >/dev/null)
  tarball="$(ls "$work"/*.tgz)"
  mkdir -p "$work/unpacked"
  # Only what Arbor reads: the catalogue and the 64 px images.
  tar -xzf "$tarball" -C "$work/unpacked" package/emoji.json "package/img/$style/64"
  rm -rf "$dest"
  mv "$work/unpacked/package" "$dest"          # rename: a reader never sees a half-unpacked folder
  rm -rf "$work"; trap - EXIT
  echo "$name@$VERSION: $(ls "$dest/img/$style/64" | wc -l) images in $dest"
done
