#!/usr/bin/env bash
# Screenshot tour: runs the real app under Xvfb with Mesa's software Vulkan and saves a PNG of each
# screen (library, briefing, session with a rupture, feedback by keyboard, debrief, settings).
# Fails when a screen comes out blank. Usage: tests/screenshots.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-shots}"
mkdir -p "$out"
target="${CARGO_TARGET_DIR:-target}"
profile="${PROFILE:-debug}"
# CI passes NO_BUILD=1 after `cargo test`, which has already built this binary: a plain `cargo build` would
# resolve the dependencies' features without the dev-dependencies and rebuild Bevy from scratch.
if [ -z "${NO_BUILD:-}" ]; then
  if [ "$profile" = release ]; then cargo build --release; else cargo build; fi
fi
bin="$target/$profile/rapport"

display=":${DISPLAY_NUM:-97}"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
export DISPLAY="$display"
export RAPPORT_HOME; RAPPORT_HOME="$(mktemp -d)"
export WGPU_BACKEND=vulkan
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

# The rupture-and-repair golden play of the tutorial, cut just after the rupture opens.
rupture_choices="${RUPTURE_CHOICES:-tut_welcome.reflect,tut_story.just_start}"
full_choices="${FULL_CHOICES:-}"

failed=0
shots=0
blank=0
shot() { # name, then app arguments; extra keys in KEYS
  local name="$1"; shift
  "$bin" "$@" >"$out/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 150); do xdotool search --name '^Rapport$' >/dev/null 2>&1 && break; sleep 0.2; done
  sleep "${SETTLE:-5}"
  if [ -n "${KEYS:-}" ]; then
    local win; win=$(xdotool search --name '^Rapport$' | head -1)
    xdotool windowfocus --sync "$win" 2>/dev/null || true
    for k in $KEYS; do xdotool key "$k"; sleep 1.5; done
    sleep 2
  fi
  import -window root "$out/$name.png"
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  # A blank screen has next to no colours.
  local colours; colours=$(identify -format '%k' "$out/$name.png")
  shots=$((shots + 1))
  if [ "$colours" -lt 40 ]; then
    echo "BLANK: $name ($colours colours)"; failed=1; blank=$((blank + 1))
  else
    echo "ok: $name ($colours colours)"
  fi
}

shot library
shot briefing --open tutorial --screen briefing
shot session_rupture --open tutorial --seed 1 --choices "$rupture_choices"
KEYS="1 Return" shot session_keyboard_feedback --open tutorial --seed 1
if [ -z "$full_choices" ]; then
  full_choices=$("$bin" play scenarios/tutorial.ron --auto best --seed 1 --format json | python3 -c 'import json,sys; print(",".join(json.load(sys.stdin)["choices"]))')
fi
shot debrief --open tutorial --seed 1 --choices "$full_choices" 
shot settings --screen settings
# The glossary over the briefing (F1), and Esc in a session with moves made: the app asks before leaving.
KEYS="F1" shot glossary --open tutorial --screen briefing
KEYS="Escape" shot session_leave_asks --open tutorial --seed 1 --choices "tut_welcome.reflect,tut_story.formulate"
# A repair that does not take (seed 6): the debrief calls it chance, with its odds, apart from a missed repair.
shot debrief_failed_repair --open acute_crisis --seed 6 --choices "ac_arrive.stabilise,ac_far.stabilise,ac_hint.reassure,ac_safety_check,ac_shutdown.meta"
# Her eyes fill: the drawing follows the markers of the moment, and the author's words are not contradicted.
shot session_tearful --open tutorial --seed 1 --choices "tut_welcome.reflect,tut_story.formulate,tut_goals.agree"
# A critical miss: Callum describes the tablets on the table and the move turns to the solicitor's letter. The
# feedback is classified in red, and the debrief of a path with a critical miss cannot read as good.
# "They'd be better off without me", and key 1 is an empathic reflection: warmth without the risk question.
KEYS="1 Return" shot session_critical_miss --open acute_crisis --seed 1 --choices "ac_arrive.stabilise,ac_far.stabilise"
critical_choices=$("$bin" play scenarios/acute_crisis.ron --seed 1 --choices ac_arrive.stabilise,ac_far.stabilise,ac_hint.reflect --auto best --format json | python3 -c 'import json,sys; print(",".join(json.load(sys.stdin)["choices"]))')
shot debrief_critical_miss --open acute_crisis --seed 1 --choices "$critical_choices"
# Several people in the room: the couple at the "You tell him" stage (two figures, the speaker lit, each
# person's bond and the split in the top bar), the same at projector size, the drifting play's debrief with each
# person's bond and the split, and the grief group (five figures).
couple_to_pull="cc_open.validate@amara,cc_alone_amara.screen,cc_alone_daniel.screen,cc_origins.culture,cc_cycle.map"
KEYS="${COUPLE_KEYS:-6 Right}" shot session_couple --open couple_conflict --seed 1 --choices "$couple_to_pull"
couple_drift=$(sed -n '/name: "drift_to_amara_split_dropout"/,/ending:/p' tests/golden/couple_conflict.plays.ron | tr -d ' \n' | sed 's/.*choices:\[\(.*\)\],ending.*/\1/; s/"//g; s/,$//')
shot debrief_couple_split --open couple_conflict --seed 1 --choices "$couple_drift"
shot session_group --open group_grief --seed 1 --choices "gg_safety_check,gg_checkin.block,gg_advice.link,gg_femi.process"

# A few weeks of practice, then the history screen: trends, the schools reached for, what was missed.
home="$RAPPORT_HOME"
RAPPORT_HOME="$(mktemp -d)"
n=0
for play in "tutorial worst" "anxiety_depression random" "tutorial random" "couple_conflict random" \
    "acute_crisis worst" "anxiety_depression best" "tutorial best" "culture_faith random" "couple_conflict best" \
    "acute_crisis best" "schema_patterns random" "anxiety_depression best"; do
  set -- $play
  n=$((n + 1))
  "$bin" play "scenarios/$1.ron" --auto "$2" --seed "$n" --save --format transcript >/dev/null 2>&1 || true
done
"$bin" play scenarios/family_adolescent.ron --choices fa_open.validate --save >/dev/null 2>&1 || true
# Spread the sessions over six weeks, oldest first, as a student's term would.
python3 - "$RAPPORT_HOME/records.sqlite" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM sessions ORDER BY rowid")]
now = int(time.time())
for i, sid in enumerate(ids):
    t = now - (len(ids) - i) * 3 * 86400 - 3600 * (i % 5)
    db.execute("UPDATE sessions SET started = ?, updated = ? + 1500 WHERE id = ?", (t, t, sid))
    db.execute("UPDATE moves SET at = ? WHERE session = ?", (t, sid))
db.commit()
PY
shot history --screen history
RAPPORT_HOME="$home"

# The class report an educator reads: eight students' exports in a folder.
class_dir="$(mktemp -d)"
for i in $(seq 1 8); do
  policy=best; [ $((i % 3)) = 0 ] && policy=worst; [ $((i % 4)) = 1 ] && policy=random
  "$bin" play scenarios/tutorial.ron --auto "$policy" --seed "$i" --save --data-dir "$class_dir/s$i" --format transcript >/dev/null 2>&1
  "$bin" export --format json --student "student$i" --data-dir "$class_dir/s$i" -o "$class_dir/student$i.json" 2>/dev/null
done
shot class_report --screen class --class "$class_dir"

# A folder of broken scenarios: each shows its diagnostics on its card; the rest of the library works.
shot library_with_broken_files --scenarios tests/fixtures/broken

# Projector size and high contrast.
home="$RAPPORT_HOME"
RAPPORT_HOME="$(mktemp -d)"
printf '{"feedback":"Immediate","text_scale":2.2,"theme":"HighContrast"}' >"$RAPPORT_HOME/settings.json"
shot library_projector_high_contrast
shot session_projector_high_contrast --open tutorial --seed 1 --choices "$rupture_choices"
shot session_couple_projector --open couple_conflict --seed 1 --choices "$couple_to_pull"
shot session_group_projector --open group_grief --seed 1 --choices "gg_safety_check,gg_checkin.block,gg_advice.link,gg_femi.process"
RAPPORT_HOME="$home"

# Hot reload: edit the scenario under the running app; a clean edit resumes at the same stage,
# a broken one keeps the last good version and shows its diagnostics.
reload_dir="$(mktemp -d)"
cp tests/fixtures/minimal.ron "$reload_dir/minimal.ron"
"$bin" --scenarios "$reload_dir" --open minimal --seed 1 --choices open.reflect >"$out/reload.log" 2>&1 &
pid=$!
for _ in $(seq 150); do xdotool search --name '^Rapport$' >/dev/null 2>&1 && break; sleep 0.2; done
sleep "${SETTLE:-5}"
sed -i "s/Maybe it's just how I am./Maybe this is just who I am, edited live./" "$reload_dir/minimal.ron"
sleep 3
import -window root "$out/reload_clean_edit.png"
sed -i 's/technique: "metacommunication"/technique: "metacomunication"/' "$reload_dir/minimal.ron"
sleep 3
import -window root "$out/reload_broken_edit.png"
kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
for name in reload_clean_edit reload_broken_edit; do
  colours=$(identify -format '%k' "$out/$name.png")
  shots=$((shots + 1))
  if [ "$colours" -lt 40 ]; then echo "BLANK: $name ($colours colours)"; failed=1; blank=$((blank + 1)); else echo "ok: $name ($colours colours)"; fi
done
# Classroom mode on a 1920x1080 projector and on a small 1024x768 one: phones join and vote over HTTP, the lecturer
# opens, locks, reveals, opens the road not taken and looks back (keys only).
for run in "1920x1080 class_hd" "1024x768 class_small"; do
  set -- $run
  if bash tests/classroom_shots.sh "$bin" "$out" "$1" "$2" | tee "$out/$2.txt"; then :; else failed=1; fi
  shots=$((shots + $(grep -c '^ok:' "$out/$2.txt")))
done
echo "screenshots: $((shots - blank)) passed, $blank failed"
exit $failed
