# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the benchmarks that run on the shared ttff harness
# (../shared/ttff-harness, or $TS_TTFF_HARNESS). Expects ROOT (the source
# tree) and WORK (a private temporary folder) to be set; sets H (the
# harness's writable copy), MEDIA (the generated films) and GST_REGISTRY.

HARNESS_SRC=${TS_TTFF_HARNESS:-$ROOT/../shared/ttff-harness}
MEDIA=${TS_TTFF_MEDIA:-/tmp/ts-ttff-media}

# Copies the read-only harness to $WORK/harness.
harness_copy() {
  local f
  for f in "$HARNESS_SRC/ttff.sh" "$HARNESS_SRC/swarm.sh" "$HARNESS_SRC/make-media.sh"; do
    [[ -f $f ]] || { echo "no ttff harness at $HARNESS_SRC (set TS_TTFF_HARNESS)" >&2; return 1; }
  done
  cp -r "$HARNESS_SRC" "$WORK/harness"
  chmod -R u+w "$WORK/harness"
  H=$WORK/harness
}

# Makes the harness's media once; they are kept in $MEDIA between runs.
harness_media() {
  if [[ ! -f $MEDIA/faststart.mp4 || ! -f $MEDIA/moovend.mp4 || ! -f $MEDIA/layout.json ]]; then
    echo "making the media in $MEDIA (a few minutes, once)" >&2
    mkdir -p "$MEDIA"
    # Without gst-discoverer-1.0 its check fails, but the files and their
    # layout are made: those are what counts.
    "$H/make-media.sh" "$MEDIA" >"$WORK/media.log" 2>&1 || true
    [[ -f $MEDIA/faststart.mp4 && -f $MEDIA/moovend.mp4 && -f $MEDIA/layout.json ]] \
      || { echo "make-media.sh failed:" >&2; tail -20 "$WORK/media.log" >&2; return 1; }
  fi
  # The player's plugin registry, kept between runs as a desktop's is.
  export GST_REGISTRY=${GST_REGISTRY:-/tmp/ts-ttff-gst-registry.bin}
  gst-inspect-1.0 >/dev/null 2>&1 || true
}
