#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Browse benchmark (see browse-bench.py): the app on a private Xvfb and D-Bus
# session, in a private network namespace when root (loopback only), with
# private HOME/XDG dirs.
#   bench/browse-bench.sh BUILD_DIR [--films 5000] [--reps 3] [--no-scroll]
#                                   [--renderer NAME] [--keep]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: browse-bench.sh BUILD_DIR [options]}" && pwd)
shift
exec "$here/../tests/lib/netns.sh" "$here/../tests/lib/isolate.sh" \
  /usr/bin/python3 "$here/browse-bench.py" --build-dir "$build" "$@"
