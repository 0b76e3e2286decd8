/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Without a window, GLib/GIO only, so it runs without a display:
 *   torrentstream --headless [--exit-when-done] [TORRENT…]   downloads;
 *   torrentstream --serve TORRENT [--file N] [--http-port P]  streams one file
 *     over HTTP on 127.0.0.1: its URL is the first line on stdout, progress
 *     goes to stderr, SIGINT/SIGTERM save the state and exit.
 * Returns the exit status. */
int ts_headless_main (int    argc,
                      char **argv);

G_END_DECLS
