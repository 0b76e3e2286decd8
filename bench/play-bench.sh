#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/play-bench.sh BUILD [--seconds 20] [--warmup 3] [--reps 1]
#                           [--renderers default,cairo,gl] [--size 1100x720] [--media FILE]
#
# CPU, RSS and dropped frames of the in-window player (BUILD/bench/play-bench)
# beside gst-play-1.0 with ximagesink on the same generated 720p file, each
# under a private Xvfb. Details in play-bench.py.
exec /usr/bin/python3 "$(dirname "$0")/play-bench.py" "$@"
