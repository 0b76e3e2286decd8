/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ts-session.h"
#include "ts-torrent-file.h"

G_BEGIN_DECLS

/* The LAN listener's first choice. */
#define TS_STREAM_SERVER_LAN_PORT 8791

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
 * LAN sharing (off by default, an explicit opt-in): a second listener on
 * every address of the host (0.0.0.0, and :: where IPv6 works) with the same
 * handler and the same token, so another device at home can play
 *
 *   http://LANADDR:LAN-PORT/TOKEN/INFOHASH/INDEX/NAME
 *
 * The port is TS_STREAM_SERVER_LAN_PORT, so that a TV's bookmark keeps
 * working; when that is taken, the one used last by this server, then any
 * free one. Turning it off closes the LAN listener and every connection made
 * through it at once (keep-alive ones too); the loopback listener and its
 * clients carry on. While TS_LOOPBACK_ONLY is set (as in the tests) turning
 * it on fails with G_IO_ERROR_PERMISSION_DENIED.
 *
 * Main thread only. Properties: session (construct-only), port (0 until
 * started), n-clients (responses being sent, both listeners), lan-sharing
 * (the LAN listener is open), lan-port (0 while it is not). */
TsStreamServer *ts_stream_server_new           (TsSession      *session);
gboolean        ts_stream_server_start         (TsStreamServer *self,
                                                GError        **error);
/* The same on a given port of 127.0.0.1 (0: any free one). */
gboolean        ts_stream_server_start_on_port (TsStreamServer *self,
                                                guint           port,
                                                GError        **error);
/* Closes the listeners (LAN one included) and every connection. */
void            ts_stream_server_stop          (TsStreamServer *self);
guint           ts_stream_server_get_port      (TsStreamServer *self);
guint           ts_stream_server_get_n_clients (TsStreamServer *self);
/* The URL of @file, or NULL when the server is not running. */
char           *ts_stream_server_dup_url       (TsStreamServer *self,
                                                TsTorrentFile  *file);

/* Opens (starting the loopback server first if needed, for its token) or
 * closes the LAN listener. FALSE with @error when it cannot listen or
 * TS_LOOPBACK_ONLY is set; sharing stays off then. */
gboolean        ts_stream_server_set_lan_sharing (TsStreamServer *self,
                                                  gboolean        enabled,
                                                  GError        **error);
gboolean        ts_stream_server_get_lan_sharing (TsStreamServer *self);
guint           ts_stream_server_get_lan_port    (TsStreamServer *self);
/* @file's URL on the host's first up, non-loopback interface address
 * (IPv4 preferred, private ranges first; IPv6 only when listening there,
 * never link-local), or NULL when sharing is off or there is no such
 * address. */
char           *ts_stream_server_dup_lan_url     (TsStreamServer *self,
                                                  TsTorrentFile  *file);
/* The LAN URL when there is one, else the loopback URL (NULL when the
 * server is not running): what "Copy stream URL" hands out. */
char           *ts_stream_server_dup_shared_url  (TsStreamServer *self,
                                                  TsTorrentFile  *file);

G_END_DECLS
