#!/usr/bin/env bash
# Writes the OCR example's test images, examples/images/*.png, with ImageMagick and the DejaVu
# fonts (Debian: apt-get install -y imagemagick fonts-dejavu-core). The expected text of each is
# in examples/images/expected.json; keep the two in step when changing a line here.
# -strip and the excluded chunks keep the files free of timestamps, so reruns give the same bytes.
set -euo pipefail
cd "$(dirname "$0")/../images"

FONTS=${FONTS:-/usr/share/fonts/truetype/dejavu}
SANS="$FONTS/DejaVuSans.ttf"
BOLD="$FONTS/DejaVuSans-Bold.ttf"
SERIF="$FONTS/DejaVuSerif.ttf"
MONO="$FONTS/DejaVuSansMono.ttf"
for f in "$SANS" "$BOLD" "$SERIF" "$MONO"; do
  [ -f "$f" ] || { echo "missing font $f (apt-get install -y fonts-dejavu-core, or set FONTS)" >&2; exit 1; }
done
command -v convert >/dev/null || { echo "ImageMagick's convert is needed (apt-get install -y imagemagick)" >&2; exit 1; }

png() { convert "$@" -strip -define png:exclude-chunks=date,time,tIME "PNG24:$OUT"; }

# White bold text on a dark blue sign.
OUT=sign.png png -size 480x110 xc:'#1f3a5f' -font "$BOLD" -pointsize 40 -fill white -annotate +34+70 'Welcome to Braid'

# A receipt: monospaced lines, dark grey on white.
OUT=receipt.png png -size 360x210 xc:white -font "$MONO" -pointsize 22 -fill '#222222' \
  -annotate +30+45 'CORNER CAFE' \
  -annotate +30+95 'Espresso 2.50' \
  -annotate +30+135 'Croissant 3.25' \
  -annotate +30+175 'Total 5.75'

# Longer serif lines on off-white: wider than the recognizer's base width of 320.
OUT=paragraph.png png -size 460x170 xc:'#fbf8f0' -font "$SERIF" -pointsize 24 -fill black \
  -annotate +24+45 'Inference servers batch requests' \
  -annotate +24+90 'to keep accelerators busy while' \
  -annotate +24+135 'clients wait a few milliseconds.'

# Upside down: the orientation classifier must turn it before recognition.
OUT=upside-down.png png -size 420x100 xc:white -font "$SANS" -pointsize 34 -fill '#102030' \
  -annotate +30+62 'Turn me around' -rotate 180

echo "wrote $(ls ./*.png | wc -l) images to $(pwd)"
