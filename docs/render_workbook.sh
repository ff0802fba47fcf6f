#!/bin/sh
# Render the first pages of a workbook the way an official prints it:
# LibreOffice → PDF → PNG (needs libreoffice-calc and poppler-utils).
#   docs/render_workbook.sh data/home/exports/msoko_2022-2023.xlsx /tmp/render 1 3
set -eu
book="$1"; out="${2:-/tmp/render}"; first="${3:-1}"; last="${4:-$first}"
mkdir -p "$out"
soffice --headless --convert-to pdf --outdir "$out" "$book" >/dev/null
pdf="$out/$(basename "${book%.*}").pdf"
pdftoppm -png -r 80 -f "$first" -l "$last" "$pdf" "$out/page"
ls "$out"/page*.png
