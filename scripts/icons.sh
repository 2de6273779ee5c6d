#!/usr/bin/env bash
# Renders the app's PNG icons and the host catalogues' registration images from their SVG
# sources. Run after changing an SVG, then commit the PNGs:
#   scripts/icons.sh
# The PNGs are committed rather than made at build time so that the bundle is
# byte-identical on every machine (rsvg-convert's output differs between librsvg versions).
# Needs rsvg-convert (Debian package librsvg2-bin).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/scripts/icons"
OUT="$ROOT/www/icons"
command -v rsvg-convert >/dev/null || { echo "rsvg-convert not found (apt-get install librsvg2-bin)" >&2; exit 1; }
png() { rsvg-convert --width "$2" --height "$3" "$1" -o "$4"; echo "$4: $(wc -c <"$4") bytes"; }
png "$OUT/icon.svg" 192 192 "$OUT/icon-192.png"
png "$OUT/icon.svg" 512 512 "$OUT/icon-512.png"
png "$SRC/icon-maskable.svg" 512 512 "$OUT/icon-maskable-512.png"
# Registration images the catalogues ask for: Telegram's app photo, VK's app icon.
png "$SRC/telegram-640x360.svg" 640 360 "$OUT/telegram-640x360.png"
png "$SRC/vk-576x576.svg" 576 576 "$OUT/vk-576x576.png"
