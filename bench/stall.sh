#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# stall.sh BUILD [--reps N] [--factor F] [--file moovend.mp4|faststart.mp4]
#
# Does playback stall once it has started, when the only seeder sends at F
# times the film's bitrate (default 1.5, the issue's "no stall" condition)?
# On the shared ttff harness (one rate-limited python3-libtorrent seeder and
# opentracker on 127.0.0.1), REPS times (default 2) each:
#
#   inapp   BUILD/bench/stall-play TORRENT: the in-window path (torrentsrc)
#   http    `torrentstream --serve TORRENT`, its URL played by stall-play
#
# Each plays the whole 60 s film in real time and reports the stalls after
# the first frame (count of those of 0.1 s or more, total and longest
# seconds, and where in the film they began), the shorter dips, and how much
# later than the media time the end came. Target: 0 stalls.
# Env: STALL_TIMEOUT (300 s a run), TS_TTFF_HARNESS, TS_TTFF_MEDIA.
set -euo pipefail

usage() { sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 1 ]] || usage
BUILD=$(cd "$1" && pwd) || usage
shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
REPS=2
FACTOR=1.5
MEDIA_FILE=moovend.mp4
while [[ $# -gt 0 ]]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --factor) FACTOR=$2; shift 2 ;;
    --file) MEDIA_FILE=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "stall.sh: unknown option $1" >&2; usage ;;
  esac
done
[[ $REPS =~ ^[1-9][0-9]*$ ]] || { echo "stall.sh: --reps takes a positive number" >&2; exit 2; }
[[ $FACTOR =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "stall.sh: --factor takes a number" >&2; exit 2; }

export STALL_TIMEOUT=${STALL_TIMEOUT:-300}
PY=/usr/bin/python3
APP=$BUILD/src/torrentstream
PLAY=$BUILD/bench/stall-play
SCHEMAS=$BUILD/data
for f in "$APP" "$PLAY" "$SCHEMAS/gschemas.compiled"; do
  [[ -e $f ]] || { echo "stall.sh: $f is missing: ninja -C $BUILD stall-bench" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ts-stall.XXXXXX")
SWARM=$WORK/swarm
SERVE_PID=
cleanup() {
  [[ -z $SERVE_PID ]] || kill "$SERVE_PID" 2>/dev/null || true
  [[ ! -d $SWARM ]] || "$H/swarm.sh" stop "$SWARM" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "[stall $(date +%T)] $*" >&2; }

# shellcheck source=bench/harness-lib.sh
source "$HERE/harness-lib.sh"
harness_copy
harness_media
[[ -f $MEDIA/$MEDIA_FILE ]] || { echo "stall.sh: no $MEDIA_FILE in $MEDIA" >&2; exit 1; }

# The film's average bitrate, from its size and duration; the seeder sends F times that.
read -r BITRATE_KIB RATE < <($PY - "$MEDIA/layout.json" "$MEDIA_FILE" "$FACTOR" <<'PYEOF'
import json, math, sys
layout = json.load(open(sys.argv[1]))[sys.argv[2]]
kib = layout["size"] / layout["duration_s"] / 1024
print("%.0f %d" % (kib, math.ceil(kib * float(sys.argv[3]))))
PYEOF
)
log "swarm: $MEDIA_FILE (${BITRATE_KIB} KiB/s on average) seeded at $RATE KiB/s (${FACTOR}×)"
"$H/swarm.sh" start "$SWARM" "$MEDIA/$MEDIA_FILE" "$RATE" >/dev/null 2>>"$WORK/swarm.log" \
  || { echo "stall.sh: the swarm did not start:" >&2; tail -20 "$WORK/swarm.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$SWARM/swarm.env"

RESULTS=$WORK/results.jsonl
: >"$RESULTS"

private_env() {  # private_env DIR: fresh folders, loopback-only engine
  mkdir -p "$1/home"
  echo HOME="$1/home" XDG_DATA_HOME="$1/home/.local/share" XDG_CONFIG_HOME="$1/home/.config" \
       XDG_CACHE_HOME="$1/home/.cache" TMPDIR="$1" TS_LOOPBACK_ONLY=1 \
       GSETTINGS_SCHEMA_DIR="$SCHEMAS" GSETTINGS_BACKEND=memory
}

record() {  # record JSON-LINE-OR-EMPTY PATH
  local line=$1
  [[ -n $line ]] || line="{\"path\": \"$2\", \"status\": \"crashed\"}"
  echo "$line" >>"$RESULTS"
  log "$line"
}

run_inapp() {
  local run out
  run=$(mktemp -d "$WORK/inapp-XXXX")
  # shellcheck disable=SC2046
  out=$(cd "$run" && env $(private_env "$run") timeout -k 5 $((STALL_TIMEOUT + 30)) \
          "$PLAY" "$TORRENT" 2>"$run/play.log") || true
  record "$out" inapp
  rm -rf "$run"
}

run_http() {
  local run out url="" deadline
  run=$(mktemp -d "$WORK/http-XXXX")
  # shellcheck disable=SC2046
  (cd "$run" && exec env $(private_env "$run") "$APP" --serve "$TORRENT" \
     >"$run/serve.out" 2>"$run/serve.log") &
  SERVE_PID=$!
  deadline=$((SECONDS + 60))
  while [[ -z $url && $SECONDS -lt $deadline ]] && kill -0 "$SERVE_PID" 2>/dev/null; do
    url=$(head -n 1 "$run/serve.out" 2>/dev/null | grep -o 'http://[^ ]*' || true)
    [[ -n $url ]] || sleep 0.1
  done
  if [[ -n $url ]]; then
    out=$(env $(private_env "$run") timeout -k 5 $((STALL_TIMEOUT + 30)) "$PLAY" "$url" \
            2>"$run/play.log") || true
  else
    out='{"path": "http", "status": "no_url"}'
  fi
  kill "$SERVE_PID" 2>/dev/null || true
  timeout 30 tail --pid="$SERVE_PID" -f /dev/null || kill -9 "$SERVE_PID" 2>/dev/null || true
  SERVE_PID=
  record "$out" http
  rm -rf "$run"
}

for rep in $(seq 1 "$REPS"); do
  for path in inapp http; do
    log "rep $rep/$REPS: $path"
    "$H/swarm.sh" reset "$SWARM" >/dev/null 2>>"$WORK/swarm.log" || log "swarm reset failed"
    "run_$path"
  done
done

$PY - "$RESULTS" "$MEDIA_FILE" "$BITRATE_KIB" "$RATE" "$FACTOR" <<'PYEOF'
import json, sys
path, fname, bitrate, rate, factor = sys.argv[1:]
rows = [json.loads(l) for l in open(path) if l.strip()]
print(f"\nStalls once playing: {fname} ({bitrate} KiB/s on average), one seeder at {rate} KiB/s "
      f"= {factor}× the bitrate; target 0 stalls")
print("| path | run | status | first frame s | playing s | stalls ≥ 0.1 s | stalled s | longest s | at film s | dips < 0.1 s | end late by s |")
print("|---|---:|---|---:|---:|---:|---:|---:|---|---:|---:|")
runs = {}
for r in rows:
    n = runs[r["path"]] = runs.get(r["path"], 0) + 1
    f = lambda k: "–" if r.get(k) is None else (f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]))
    at = " ".join("%.0f" % p for p in r.get("stalls_at_s", [])) or "–"
    print(f"| {r['path']} | {n} | {r.get('status')} | {f('ttff_s')} | {f('start_s')} | {f('stalls')} | {f('stall_s')} "
          f"| {f('longest_stall_s')} | {at} | {f('dips')} | {f('late_s')} |")
PYEOF
