#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ttff.sh BUILD [--reps N] [--no-peers] [--magnet] [--rows "RATE:FILE ..."] [--keep]
#
# Time to first frame of TorrentStream, on the shared ttff harness
# (../shared/ttff-harness, or $TS_TTFF_HARNESS): a local tracker and one
# rate-limited libtorrent seeder on 127.0.0.1, GStreamer's playbin as the
# player. For each row (seeder rate × file) it runs, REPS times, interleaved:
#
#   torrentstream        `torrentstream --serve` through the harness's cmd: contract
#                        (URL on stdout, the harness's warm player plays it)
#   torrentstream-inapp  BUILD/bench/ttff-inapp: TsPlayer playing torrent://… (the
#                        in-window path, own video sink; clock from "player ready")
#   local                the player's floor: file:// of the source, no torrent
#   peerflix webtorrent  (unless --no-peers) the reference streamers
#
# with a seek to 70 % after each start, then prints every figure beside its
# ideal bound (whole pieces needed ÷ seeder rate), bound + player floor, and
# the targets 1.15 × (bound + floor) for the first frame and 1.1 × for the
# seek. Medians of REPS (default 3).
#
# The harness is copied to a temporary folder (it is read-only), peerflix@0.39.0
# and webtorrent-cli@6.0.1 are installed there with `npm --ignore-scripts`,
# and the media are made once and kept in $TS_TTFF_MEDIA (/tmp/ts-ttff-media).
# Env: REPS, TTFF_TIMEOUT (60 s a run), TS_TTFF_HARNESS, TS_TTFF_MEDIA.
set -euo pipefail

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 1 ]] || usage
BUILD=$(cd "$1" && pwd) || usage
shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
REPS=${REPS:-3}
PEERS=1
INPUT=torrent
KEEP=0
ROWS="2000:faststart.mp4 2000:moovend.mp4 500:faststart.mp4 500:moovend.mp4"
while [[ $# -gt 0 ]]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --no-peers) PEERS=0; shift ;;
    --magnet) INPUT=magnet; shift ;;
    --rows) ROWS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage ;;
    *) echo "ttff.sh: unknown option $1" >&2; usage ;;
  esac
done
[[ $REPS =~ ^[1-9][0-9]*$ ]] || { echo "ttff.sh: --reps takes a positive number" >&2; exit 2; }

export TTFF_TIMEOUT=${TTFF_TIMEOUT:-60}
PY=/usr/bin/python3
APP=$BUILD/src/torrentstream
INAPP=$BUILD/bench/ttff-inapp
SCHEMAS=$BUILD/data

for f in "$APP" "$INAPP" "$SCHEMAS/gschemas.compiled"; do
  [[ -e $f ]] || { echo "ttff.sh: $f is missing: ninja -C $BUILD src/torrentstream bench/ttff-inapp data/gschemas.compiled" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ts-ttff.XXXXXX")
SWARMS=()
cleanup() {
  local sw
  for sw in "${SWARMS[@]}"; do "$WORK/harness/swarm.sh" stop "$sw" >/dev/null 2>&1 || true; done
  if [[ $KEEP == 1 ]]; then echo "ttff.sh: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "[ttff $(date +%T)] $*" >&2; }

# shellcheck source=bench/harness-lib.sh
source "$HERE/harness-lib.sh"
harness_copy

CLIENTS="torrentstream torrentstream-inapp local"
if [[ $PEERS == 1 ]]; then
  log "installing peerflix and webtorrent-cli (npm --ignore-scripts)"
  if (cd "$H" && timeout 900 npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
        peerflix@0.39.0 webtorrent-cli@6.0.1 >"$WORK/npm.log" 2>&1); then
    CLIENTS="$CLIENTS peerflix webtorrent"
  else
    log "npm install failed (see below): peerflix and webtorrent left out"
    tail -5 "$WORK/npm.log" >&2
  fi
fi

harness_media

RESULTS=$WORK/results.jsonl
: >"$RESULTS"
export BENCH_RESULTS=$RESULTS BENCH_RUN_ROOT=$WORK/runs
mkdir -p "$BENCH_RUN_ROOT"
TS_CMD="TS_LOOPBACK_ONLY=1 GSETTINGS_SCHEMA_DIR='$SCHEMAS' GSETTINGS_BACKEND=memory exec '$APP' --serve \"\$BENCH_TORRENT\" --http-port \$BENCH_HTTP_PORT"

# The in-window path has no URL for the harness's player: it measures itself,
# with the same fresh folders and loopback-only engine.
run_inapp() {  # run_inapp SWARM TARGET RATE FILE
  local run out t0
  run=$(mktemp -d "$BENCH_RUN_ROOT/$(date +%Y%m%d-%H%M%S)-inapp-XXXX")
  mkdir -p "$run/home"
  t0=$($PY -c 'import time; print(time.monotonic())')
  out=$(cd "$run" && env HOME="$run/home" XDG_DATA_HOME="$run/home/.local/share" \
          XDG_CONFIG_HOME="$run/home/.config" XDG_CACHE_HOME="$run/home/.cache" TMPDIR="$run" \
          TS_LOOPBACK_ONLY=1 GSETTINGS_SCHEMA_DIR="$SCHEMAS" GSETTINGS_BACKEND=memory TTFF_T0="$t0" \
          timeout -k 5 $((TTFF_TIMEOUT + 30)) "$INAPP" "$2" 0.7 2>"$run/inapp.log") || true
  rm -rf "$run/home"
  [[ -n $out ]] || out='{"client": "torrentstream-inapp", "status": "crashed"}'
  $PY - "$RESULTS" "$3" "$4" "$run" "$out" <<'PYEOF'
import json, sys
path, rate, fname, run, line = sys.argv[1:]
r = json.loads(line)
r.update({"rate_kbps": rate, "file": fname, "run_dir": run, "url_s": None})
with open(path, "a") as f:
    f.write(json.dumps(r) + "\n")
print("ttff_s=%s seek_s=%s client=torrentstream-inapp file=%s rate_kbps=%s status=%s" % (
    r.get("ttff_s"), r.get("seek_s"), fname, rate, r.get("status")))
PYEOF
}

for row in $ROWS; do
  rate=${row%%:*} file=${row#*:}
  sw=$WORK/swarm-${file%.*}-$rate
  log "swarm: $file at $rate KiB/s"
  SWARMS+=("$sw")
  "$H/swarm.sh" start "$sw" "$MEDIA/$file" "$rate" >/dev/null 2>>"$WORK/swarm.log" \
    || { echo "ttff.sh: the swarm did not start:" >&2; tail -20 "$WORK/swarm.log" >&2; exit 1; }
  # shellcheck disable=SC1091
  source "$sw/swarm.env"
  if [[ $INPUT == magnet ]]; then target=$MAGNET; else target=$TORRENT; fi
  for rep in $(seq 1 "$REPS"); do
    for c in $CLIENTS; do
      log "rep $rep/$REPS $c $file $rate"
      "$H/swarm.sh" reset "$sw" >/dev/null 2>>"$WORK/swarm.log" || log "swarm reset failed"
      case $c in
        torrentstream)
          SWARM_DIR=$sw CLIENT_NAME=torrentstream "$H/ttff.sh" "cmd:$TS_CMD" "$target" 0.7 \
            2>>"$WORK/ttff.log" || true ;;
        torrentstream-inapp)
          run_inapp "$sw" "$target" "$rate" "$file" ;;
        *)
          SWARM_DIR=$sw "$H/ttff.sh" "$c" "$target" 0.7 2>>"$WORK/ttff.log" || true ;;
      esac
    done
  done
  "$H/swarm.sh" stop "$sw" >/dev/null 2>&1 || true
done

$PY "$HERE/ttff-report.py" "$RESULTS" "$MEDIA/layout.json" "$CLIENTS"
