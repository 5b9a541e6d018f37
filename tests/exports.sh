#!/usr/bin/env bash
# Exports as a student and an educator meet them: a class of 30 students each plays and exports, the class
# report merges their files; one student's HTML debrief and the class report are rendered to PNG by headless
# Chromium (skipped where it is not installed). Fails when a command fails or a page comes out blank.
# Usage: tests/exports.sh [OUTDIR]   (uses the binary built by `cargo test`, or BIN=...)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-exports}"
mkdir -p "$out/class"
bin="${BIN:-${CARGO_TARGET_DIR:-target}/debug/rapport}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Thirty students: most play the tutorial well, some play it hastily, a few stop early; a third also meet Callum.
for i in $(seq 1 30); do
  home="$work/s$i"
  case $((i % 5)) in
    0) policy=random ;;
    1) policy=worst ;;
    *) policy=best ;;
  esac
  "$bin" play scenarios/tutorial.ron --auto "$policy" --seed "$i" --save --data-dir "$home" --format transcript >/dev/null
  if [ $((i % 3)) = 0 ]; then
    "$bin" play scenarios/acute_crisis.ron --auto "$policy" --seed "$i" --save --data-dir "$home" --format transcript >/dev/null
  fi
  if [ $((i % 10)) = 7 ]; then
    "$bin" play scenarios/tutorial.ron --choices tut_welcome.reflect --save --data-dir "$home" >/dev/null 2>&1 || true
  fi
  "$bin" export --format json --student "student$(printf %02d "$i")@example.edu" --data-dir "$home" -o "$out/class/student$i.json" 2>/dev/null
done
"$bin" report "$out/class" --format html -o "$out/class_report.html"
"$bin" report "$out/class" --format csv -o "$out/class_report.csv"
"$bin" export --format html --data-dir "$work/s3" -o "$out/debrief_student3.html"
"$bin" export --format markdown --data-dir "$work/s3" -o "$out/debrief_student3.md"
"$bin" export --format csv --data-dir "$work/s3" -o "$out/student3.csv"
echo "class report: $(wc -l <"$out/class_report.csv") CSV lines; debrief: $(wc -c <"$out/debrief_student3.html") bytes of HTML"

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "chromium not installed: pages not rendered"
  exit 0
fi
failed=0
for page in debrief_student3 class_report; do
  # No network: the pages must stand on their own.
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,2400 \
    --proxy-server=127.0.0.1:9 --screenshot="$out/$page.png" "file://$(realpath "$out/$page.html")" >/dev/null 2>&1
  colours=$(identify -format '%k' "$out/$page.png")
  if [ "$colours" -lt 40 ]; then echo "BLANK: $page ($colours colours)"; failed=1; else echo "ok: $page ($colours colours)"; fi
done
exit $failed
