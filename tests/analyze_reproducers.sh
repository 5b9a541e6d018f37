#!/usr/bin/env bash
# `rapport analyze` (text and --format json) on every robustness reproducer (tests/fixtures/robustness/) and on the
# large ones the robustness review built, generated here into a temporary folder: 300 and 1,000 options at one stage,
# 5,000 unused variables, a 3,334-stage chain, a 1 MiB option id and client name. Prints seconds and peak memory per
# run (wall clock and CPU: on a busy machine the wall clock is longer); exits 1 if any run takes 2 s or more of
# wall clock, panics (exit 101) or is stopped at 60 s. A measurement, not a test: build the binary with
# `cargo build --release --no-default-features` and pass it.
# Usage: tests/analyze_reproducers.sh BIN
set -euo pipefail
bin="${1:?usage: tests/analyze_reproducers.sh BIN (a rapport binary)}"
bin="$(realpath "$bin")"
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time, Debian package time)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# insert_after SRC LINE OUT: SRC with the lines read from stdin inserted after the first line equal to LINE.
insert_after() {
  local block="$tmp/block"
  cat > "$block"
  awk -v line="$2" -v block="$block" '
    { print }
    !done && $0 == line { while ((getline l < block) > 0) print l; done = 1 }
    END { if (!done) exit 3 }' "$1" > "$3" || { echo "$1: no line '$2'" >&2; exit 2; }
}
# replace_once SRC OLD NEW OUT: SRC with the one occurrence of the text OLD replaced by NEW, where `@MIB@` in NEW
# stands for 1 MiB of `x` (too long for an argument).
replace_once() {
  OLD="$2" NEW="$3" awk -v mibfile="$tmp/mib" '
    BEGIN { old = ENVIRON["OLD"]; new = ENVIRON["NEW"]; getline mib < mibfile
            i = index(new, "@MIB@"); if (i) new = substr(new, 1, i - 1) mib substr(new, i + 5) }
    { i = index($0, old); if (i && !done) { $0 = substr($0, 1, i - 1) new substr($0, i + length(old)); done = 1 } print }
    END { if (!done) exit 3 }' "$1" > "$4" || { echo "$1: no '$2'" >&2; exit 2; }
}
{ head -c 1048576 /dev/zero | tr '\0' x; echo; } > "$tmp/mib"

for n in 300 1000; do
  for i in $(seq 0 $((n - 1))); do
    echo "(id: \"gen_opt$i\", technique: \"empathic_reflection\", say: \"s$i\", feedback: \"f\"),"
  done | insert_after scenarios/tutorial.ron "            options: [" "$tmp/tutorial_options_$n.ron"
done
for s in acute_crisis tutorial; do
  for i in $(seq 0 4999); do echo "(id: \"gen_v$i\", initial: Number($i.0)),"; done |
    insert_after "scenarios/$s.ron" "    variables: [" "$tmp/${s}_variables_5000.ron"
done
replace_once scenarios/tutorial.ron 'start: "tut_welcome",' 'start: "gen0",' "$tmp/start.ron"
chain=3334
for i in $(seq 0 $((chain - 1))); do
  to="gen$((i + 1))"
  [ "$i" -eq $((chain - 1)) ] && to=tut_welcome
  echo "(id: \"gen$i\", phase: Intervention, client: [(id: \"gen$i.a\", text: \"t\")], options: [(id: \"gen$i.o0\", technique: \"empathic_reflection\", say: \"s\", feedback: \"f\"), (id: \"gen$i.o1\", technique: \"open_question\", say: \"s\", feedback: \"f\")], transitions: [(to: \"$to\")]),"
done | insert_after "$tmp/start.ron" "    stages: [" "$tmp/tutorial_chain_$chain.ron"
rm "$tmp/start.ron" "$tmp/block"
replace_once scenarios/remote_intake.ron 'id: "ri_connect.consent",' "id: \"ri_connect.consent@MIB@\"," "$tmp/long_option_id_1m.ron"
replace_once scenarios/remote_intake.ron 'name: "Jo",' "name: \"@MIB@\"," "$tmp/long_client_name_1m.ron"

rm "$tmp/mib"
printf '%-42s %-6s %8s %9s %12s %5s\n' file format seconds "CPU user" "max RSS KB" exit
failed=0
for f in tests/fixtures/robustness/*.ron "$tmp"/*.ron; do
  for format in text json; do
    args=(analyze "$f")
    [ "$format" = json ] && args+=(--format json)
    # GNU time's line is the last in its file (after "Command exited with non-zero status N" when it did).
    /usr/bin/time -f '%e %U %M %x' -o "$tmp/time" timeout 60 "$bin" "${args[@]}" > /dev/null 2> "$tmp/err" || true
    read -r secs user rss code < <(tail -1 "$tmp/time")
    flag=""
    if awk -v s="$secs" 'BEGIN { exit !(s >= 2) }' || [ "$code" = 101 ] || [ "$code" = 124 ]; then
      flag="  <- FAIL"
      failed=1
    fi
    printf '%-42s %-6s %8s %9s %12s %5s%s\n' "$(basename "$f")" "$format" "$secs" "$user" "$rss" "$code" "$flag"
  done
done
exit $failed
