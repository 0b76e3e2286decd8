#!/bin/sh
# Runs a command with a private HOME and XDG_* dirs, removed afterwards, so
# tests never touch the user's data.
set -eu
dir=$(mktemp -d "${TMPDIR:-/tmp}/ts-test.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
mkdir -p "$dir/home" "$dir/config" "$dir/data" "$dir/cache" "$dir/state" "$dir/runtime"
chmod 700 "$dir/runtime"
export HOME="$dir/home" XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data" \
       XDG_CACHE_HOME="$dir/cache" XDG_STATE_HOME="$dir/state" XDG_RUNTIME_DIR="$dir/runtime" \
       TS_TEST_TMPDIR="$dir"
"$@"
