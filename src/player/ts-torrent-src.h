/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/base/gstbasesrc.h>

#include "ts-session.h"
#include "ts-torrent-file.h"

G_BEGIN_DECLS

#define TS_TYPE_TORRENT_SRC (ts_torrent_src_get_type ())
G_DECLARE_FINAL_TYPE (TsTorrentSrc, ts_torrent_src, TS, TORRENT_SRC, GstBaseSrc)

/* "torrentsrc": plays a file of a torrent of the session while it
 * downloads, for URIs torrent://INFOHASH/FILEINDEX[/NAME] (hex v1 or v2
 * hash; NAME, the file's name, is optional and only a hint).
 * Random access (demuxers run in pull mode) through a TsStreamReader;
 * reads wait for pieces, and flushes and state changes interrupt them at
 * once. */

/* The session torrent:// URIs refer to, process-wide (NULL to forget it).
 * Call on the thread that runs the session's main loop. */
void        ts_torrent_src_set_session (TsSession     *session);
/* Registers the element (rank primary for the torrent:// protocol) so that
 * playbin finds it. Idempotent, thread-safe. */
gboolean    ts_torrent_src_register    (void);
/* "torrent://INFOHASH/INDEX/NAME" for @file (NAME escaped): the file's
 * extension lets typefinding start with the right typefinder. */
char       *ts_torrent_src_uri_for     (TsTorrentFile *file);

G_END_DECLS
