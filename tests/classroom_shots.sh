#!/usr/bin/env bash
# Classroom mode on a projector-sized screen: the app presents the tutorial, phones (curl, over real HTTP) join
# and vote, and the lecturer's keys open the vote, lock it, reveal, open the road not taken and look back.
# Usage: tests/classroom_shots.sh BIN OUTDIR WIDTHxHEIGHT PREFIX
set -euo pipefail
bin="$1"; out="$2"; size="$3"; prefix="$4"
w="${size%x*}"; h="${size#*x}"
mkdir -p "$out"
display=":${CLASS_DISPLAY_NUM:-93}"
Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
export DISPLAY="$display"
export RAPPORT_HOME; RAPPORT_HOME="$(mktemp -d)"
export WGPU_BACKEND=vulkan
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
# Projector-sized text, as a lecturer sets it for the back of the room.
printf '{"feedback":"Immediate","text_scale":%s,"theme":"Dark"}' "${TEXT_SCALE:-1.0}" >"$RAPPORT_HOME/settings.json"
port="${CLASS_PORT:-18377}"
"$bin" --open tutorial --screen classroom --seed 1 --class-port "$port" >"$out/$prefix.log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true; kill $xvfb 2>/dev/null || true; wait $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 150); do xdotool search --name '^Rapport$' >/dev/null 2>&1 && break; sleep 0.2; done
win=$(xdotool search --name '^Rapport$' | head -1)
xdotool windowsize "$win" "$w" "$h"; xdotool windowmove "$win" 0 0
sleep "${SETTLE:-5}"
code=$(sed -n 's/.*with code \([A-Z0-9]*\).*/\1/p' "$out/$prefix.log" | head -1)
[ -n "$code" ] || { echo "the class did not open:"; cat "$out/$prefix.log"; exit 1; }
base="http://127.0.0.1:$port/c/$code"
xdotool windowfocus --sync "$win" 2>/dev/null || true

failed=0
snap() {
  sleep 2.5
  import -window root "$out/$prefix$1.png"
  local colours; colours=$(identify -format '%k' "$out/$prefix$1.png")
  if [ "$colours" -lt 40 ]; then echo "BLANK: $prefix$1 ($colours colours)"; failed=1; else echo "ok: $prefix$1 ($colours colours)"; fi
}
key() { xdotool key "$1"; sleep 1.2; }

# 24 phones join, each from its own address (the server limits joins per address, as it would per phone).
devices=()
for i in $(seq 0 23); do
  devices+=("$(curl -s --interface "127.0.1.$((i + 2))" -X POST "$base/join" | python3 -c 'import json,sys; print(json.load(sys.stdin)["device"])')")
done
stage=$(curl -s -H "X-Rapport-Device: ${devices[0]}" "$base/state" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ballot"]["stage"])')
keys=($(curl -s -H "X-Rapport-Device: ${devices[0]}" "$base/state" | python3 -c 'import json,sys; print(" ".join(e["key"] for e in json.load(sys.stdin)["ballot"]["entries"]))'))
snap _join_card
key v
# The split: 13 for the second option, 6 for the first, 3 for the third; two phones have not voted.
for i in $(seq 0 21); do
  k=${keys[1]}; [ "$i" -ge 13 ] && k=${keys[0]}; [ "$i" -ge 19 ] && k=${keys[2]}
  curl -s -o /dev/null --interface "127.0.1.$((i + 2))" -X POST -H "X-Rapport-Device: ${devices[$i]}" -H 'Content-Type: application/json' \
    -d "{\"stage\":\"$stage\",\"option\":\"$k\"}" "$base/vote"
done
snap _vote_open
# The presenter's notes and the devices list (for the lecturer's eyes), then closed again.
key n; snap _notes; key n
key d; snap _devices; key d
key l; snap _locked
key Return; snap _revealed
key w; snap _what_if
key Escape
key Left; snap _look_back
key Escape
# On to the ending without votes (the lecturer picks the first move each time), then the class debrief.
key Return
for _ in $(seq 12); do
  key 1; key Return; key Return
done
snap _debrief
kill $app 2>/dev/null || true; wait $app 2>/dev/null || true
exit $failed
