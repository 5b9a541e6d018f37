#!/usr/bin/env bash
# Measures the app under Xvfb with software Vulkan, side by side with a reference in the same run: a bare Bevy +
# bevy_egui window of the same size built with the same features and profile (examples/bare_window.rs). For each:
# time to the first non-blank frame (median of RUNS starts); for Rapport also CPU over 10 idle seconds (percent of
# one core) and resident memory. Numbers, not assertions: run it and read them.
# Usage: tests/measure.sh [APP ARGS]; PROFILE=debug|release (release), RUNS=N (5), NO_BUILD=1 to reuse binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
profile="${PROFILE:-release}"
runs="${RUNS:-5}"
if [ -z "${NO_BUILD:-}" ]; then
  if [ "$profile" = release ]; then flags=(--release); else flags=(); fi
  cargo build "${flags[@]}" --bin rapport --example bare_window
fi
bin="$target/$profile/rapport"
bare="$target/$profile/examples/bare_window"
display=":${DISPLAY_NUM:-96}"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
app=""
trap 'kill $xvfb 2>/dev/null || true; [ -n "$app" ] && kill $app 2>/dev/null || true' EXIT
export DISPLAY="$display" RAPPORT_HOME WGPU_BACKEND=vulkan
RAPPORT_HOME="$(mktemp -d)"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
tmp=$(mktemp -d)

# Seconds from start to the first screen capture with more than a handful of colours.
first_frame() {
  rm -f "$tmp/f.png"
  local start; start=$(date +%s.%N)
  "$@" >"$tmp/app.log" 2>&1 &
  app=$!
  local first=""
  for _ in $(seq 600); do
    import -window root "$tmp/f.png" 2>/dev/null || true
    if [ -f "$tmp/f.png" ] && [ "$(identify -format '%k' "$tmp/f.png")" -gt 40 ]; then
      first=$(echo "$(date +%s.%N) - $start" | bc); break
    fi
    sleep 0.02
  done
  echo "${first:-999}"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

ref_times=(); app_times=()
for _ in $(seq "$runs"); do
  ref_times+=("$(first_frame "$bare")"); kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true
  app_times+=("$(first_frame "$bin" "$@")"); kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true
done
ref=$(printf '%s\n' "${ref_times[@]}" | median)
ours=$(printf '%s\n' "${app_times[@]}" | median)
echo "first non-blank frame ($profile, median of $runs, each includes a screen capture of ~50 ms):"
echo "  bare bevy + bevy_egui window: ${ref} s   (${ref_times[*]})"
echo "  rapport:                      ${ours} s   (${app_times[*]})"
echo "  ratio: $(echo "scale=2; $ours / $ref" | bc)"

"$bin" "$@" >"$tmp/app.log" 2>&1 &
app=$!
sleep 6
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$app/stat"; }
a=$(cpu); sleep 10; b=$(cpu)
echo "idle CPU over 10 s: $(echo "scale=2; ($b - $a) * 100 / $ticks / 10" | bc) % of one core"
echo "resident memory: $(( $(awk '/VmRSS/ {print $2}' /proc/$app/status) / 1024 )) MiB"
