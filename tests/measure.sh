#!/usr/bin/env bash
# Measures the app under Xvfb with software Vulkan: time to first non-blank frame, CPU over 10 idle
# seconds (percent of one core), and resident memory. Numbers, not assertions: run it and read them.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
profile="${PROFILE:-release}"
if [ "$profile" = release ]; then cargo build --release; else cargo build; fi
bin="$target/$profile/rapport"
display=":${DISPLAY_NUM:-96}"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; kill $app 2>/dev/null || true' EXIT
export DISPLAY="$display" RAPPORT_HOME; RAPPORT_HOME="$(mktemp -d)"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
tmp=$(mktemp -d)
start=$(date +%s.%N)
"$bin" "$@" >"$tmp/app.log" 2>&1 &
app=$!
first=""
for _ in $(seq 300); do
  import -window root "$tmp/f.png" 2>/dev/null || true
  if [ -f "$tmp/f.png" ] && [ "$(identify -format '%k' "$tmp/f.png")" -gt 40 ]; then
    first=$(echo "$(date +%s.%N) - $start" | bc); break
  fi
  sleep 0.05
done
echo "first non-blank frame: ${first:-never} s (includes one screen capture, ~50 ms)"
sleep 3
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$app/stat"; }
a=$(cpu); sleep 10; b=$(cpu)
echo "idle CPU over 10 s: $(echo "scale=2; ($b - $a) * 100 / $ticks / 10" | bc) % of one core"
echo "resident memory: $(( $(awk '/VmRSS/ {print $2}' /proc/$app/status) / 1024 )) MiB"
