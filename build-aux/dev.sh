#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The developer's two commands (see README.md):
#   build-aux/dev.sh run [ARGS...]   install what is missing, build, run the app from the build tree
#   build-aux/dev.sh test            install what is missing, build, run every test suite
#
# Debian packages come from build-aux/packages.txt ("build:" lines for run, "build:" and
# "test:" lines for test). As root the missing ones are installed with apt-get; as another
# user the script prints the apt-get line to run and stops. Safe to repeat: installed
# packages, an existing build directory and up-to-date targets are left alone.

set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
builddir=_build
suites=(data unit integration ui)

say ()
{
  printf '==> %s\n' "$*"
}

die ()
{
  printf 'dev.sh: %s\n' "$*" >&2
  exit 1
}

usage ()
{
  cat <<USAGE
usage: build-aux/dev.sh run [ARGS...]   build and run TorrentStream (ARGS go to the app)
       build-aux/dev.sh test            build and run every test suite
USAGE
  exit "${1:-2}"
}

# Prints the packages of the given groups ("build", "test") listed in packages.txt.
list_packages ()
{
  local group line key rest
  local -a names
  local -A wanted=()

  for group in "$@"; do
    wanted[$group]=1
  done
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    case $line in
      *:*) ;;
      *) continue ;;
    esac
    key=${line%%:*}
    key=${key//[[:space:]]/}
    rest=${line#*:}
    read -ra names <<< "$rest"
    if [ -n "${wanted[$key]:-}" ] && [ ${#names[@]} -gt 0 ]; then
      printf '%s\n' "${names[@]}"
    fi
  done < "$root/build-aux/packages.txt"
}

is_installed ()
{
  local status

  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ $status == *"install ok installed"* ]]
}

install_packages ()
{
  local pkg
  local -a wanted missing=()

  [ -r "$root/build-aux/packages.txt" ] || die "cannot read $root/build-aux/packages.txt"
  mapfile -t wanted < <(list_packages "$@")
  for pkg in ${wanted[@]+"${wanted[@]}"}; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi

  if [ "$(id -u)" -ne 0 ]; then
    printf 'dev.sh: these Debian packages are missing: %s\n' "${missing[*]}" >&2
    printf 'Install them first, then run this command again:\n' >&2
    printf 'sudo apt-get install -y --no-install-recommends %s\n' "${missing[*]}"
    exit 1
  fi

  say "Installing ${missing[*]}"
  # A fresh machine has no package lists yet; refresh them only when installing.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y \
    --no-install-recommends "${missing[@]}"
}

configure ()
{
  if [ -f "$builddir/build.ninja" ]; then
    # ninja re-runs meson by itself when a meson.build changed.
    return 0
  fi
  if [ -f "$builddir/meson-private/coredata.dat" ]; then
    say "Reconfiguring $builddir"
    meson setup --reconfigure "$builddir"
  else
    say "Configuring $builddir"
    meson setup "$builddir"
  fi
}

build ()
{
  say "Building"
  ninja -C "$builddir"
}

cmd_run ()
{
  install_packages build
  configure
  build

  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] \
     && [[ " $* " != *" --headless "* ]]; then
    printf 'dev.sh: no DISPLAY or WAYLAND_DISPLAY: the window needs a graphical session\n' >&2
  fi
  say "Running $builddir/src/torrentstream $*"
  # Schemas compiled in the build tree; icons straight from the source tree.
  GSETTINGS_SCHEMA_DIR="$root/$builddir/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}" \
  XDG_DATA_DIRS="$root/data:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" \
    exec "$root/$builddir/src/torrentstream" "$@"
}

cmd_test ()
{
  local suite logdir rc procs errors=0
  local -a logs=() no_suites=()

  install_packages build test
  configure
  build

  logdir=$builddir/meson-logs
  rm -f "$logdir"/testlog-*.json
  for suite in "${suites[@]}"; do
    no_suites+=(--no-suite "$suite")
  done

  # One suite at a time: a swarm test and a GUI test never fight over the two cores.
  # Swarm and GUI tests run one by one too: their waits are bounded in time, and
  # two X servers started at once by xvfb-run -a may pick the same display.
  for suite in "${suites[@]}" other; do
    say "Suite $suite"
    rc=0
    procs=2
    case $suite in
      integration|ui) procs=1 ;;
    esac
    if [ "$suite" = other ]; then
      meson test -C "$builddir" --print-errorlogs --num-processes "$procs" \
        --logbase "testlog-$suite" "${no_suites[@]}" || rc=$?
    else
      meson test -C "$builddir" --print-errorlogs --num-processes "$procs" \
        --logbase "testlog-$suite" --suite "$suite" || rc=$?
    fi
    if [ -f "$logdir/testlog-$suite.json" ]; then
      logs+=("$logdir/testlog-$suite.json")
    elif [ "$rc" -ne 0 ]; then
      # meson test failed before running anything (e.g. a target did not build).
      printf 'dev.sh: meson test for suite %s failed (exit %d) before running tests\n' \
        "$suite" "$rc" >&2
      errors=$((errors + 1))
    fi
  done

  /usr/bin/python3 "$root/build-aux/meson-test-summary.py" --errors "$errors" \
    ${logs[@]+"${logs[@]}"}
}

[ $# -ge 1 ] || usage >&2
cd "$root"
command=$1
shift
case $command in
  run) cmd_run "$@" ;;
  test) [ $# -eq 0 ] || usage >&2; cmd_test ;;
  -h|--help|help) usage 0 ;;
  *) usage >&2 ;;
esac
