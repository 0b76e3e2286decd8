/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ts-session.h"
#include "ts-torrent-file.h"

G_BEGIN_DECLS

#define TS_TYPE_STREAM_SERVER (ts_stream_server_get_type ())
G_DECLARE_FINAL_TYPE (TsStreamServer, ts_stream_server, TS, STREAM_SERVER, GObject)

/* Serves the files of the session's torrents over HTTP on 127.0.0.1 while
 * they download, for players that take a URL:
 *
 *   http://127.0.0.1:PORT/TOKEN/INFOHASH/INDEX/NAME
 *
 * TOKEN is 128 random bits made per server: other local users cannot guess
 * the URLs (403 without it). The URL only selects a torrent of the session
 * and a file number; nothing of it reaches the file system. GET and HEAD,
 * single byte ranges (206, Content-Range, suffix ranges, 416), an explicit
 * Content-Length and Accept-Ranges (players seek only with those). Bodies
 * stream as verified pieces arrive, through a TsStreamReader cursor per
 * request whose deadlines go when the client does; at most about 1.5 MiB is
 * buffered per client.
 *
 * Main thread only. Properties: session (construct-only), port (0 until
 * started), n-clients (responses being sent). */
TsStreamServer *ts_stream_server_new           (TsSession      *session);
gboolean        ts_stream_server_start         (TsStreamServer *self,
                                                GError        **error);
/* The same on a given port of 127.0.0.1 (0: any free one). */
gboolean        ts_stream_server_start_on_port (TsStreamServer *self,
                                                guint           port,
                                                GError        **error);
/* Closes the listener and every connection. */
void            ts_stream_server_stop          (TsStreamServer *self);
guint           ts_stream_server_get_port      (TsStreamServer *self);
guint           ts_stream_server_get_n_clients (TsStreamServer *self);
/* The URL of @file, or NULL when the server is not running. */
char           *ts_stream_server_dup_url       (TsStreamServer *self,
                                                TsTorrentFile  *file);

G_END_DECLS
