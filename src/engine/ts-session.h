/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ts-engine-types.h"

G_BEGIN_DECLS

#define TS_TYPE_SESSION (ts_session_get_type ())
G_DECLARE_FINAL_TYPE (TsSession, ts_session, TS, SESSION, GObject)

/* @settings: a GSettings of schema org.example.TorrentStream (keys
 * download-folder, listen-port, download-limit, upload-limit, enable-dht,
 * enable-lsd, enable-upnp, enable-natpmp, encryption, connections-limit).
 * @state_dir: where the session keeps its state (normally
 * $XDG_DATA_HOME/torrentstream); created if missing.
 *
 * Properties: settings, state-dir, download-rate, upload-rate (totals,
 * bytes/s), listen-port (the bound port, 0 until known), torrents
 * (GListModel of TsTorrent), n-active.
 *
 * Signals:
 *   "torrent-added" (TsTorrent*), "torrent-removed" (TsTorrent*),
 *   "torrent-finished" (TsTorrent*), "torrent-error" (TsTorrent*, const char*)
 *   "restored": the saved torrents have all been added back.
 */
TsSession  *ts_session_new                 (GSettings   *settings,
                                            const char  *state_dir);
/* Starts libtorrent and restores saved torrents. */
gboolean    ts_session_start               (TsSession   *self,
                                            GError     **error);
GSettings  *ts_session_get_settings        (TsSession   *self);
const char *ts_session_get_state_dir       (TsSession   *self);
GListModel *ts_session_get_torrents        (TsSession   *self);
TsTorrent  *ts_session_lookup              (TsSession   *self,
                                            const char  *info_hash);
guint       ts_session_get_listen_port     (TsSession   *self);
gint64      ts_session_get_download_rate   (TsSession   *self);
gint64      ts_session_get_upload_rate     (TsSession   *self);
char       *ts_session_dup_download_folder (TsSession   *self);

/* @source: a magnet URI, a bare info-hash (40 or 64 hex, or 32 base32), a
 * path or file:// URI of a .torrent file, or an http(s) URL of a .torrent.
 * Adding a torrent already in the session returns the existing one. */
void        ts_session_add_async           (TsSession           *self,
                                            const char          *source,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
TsTorrent  *ts_session_add_finish          (TsSession     *self,
                                            GAsyncResult  *result,
                                            GError       **error);
/* Same, for .torrent bytes already in memory. */
void        ts_session_add_bytes_async     (TsSession           *self,
                                            GBytes              *torrent_data,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);

void        ts_session_remove              (TsSession   *self,
                                            TsTorrent   *torrent,
                                            gboolean     delete_files);
void        ts_session_pause_all           (TsSession   *self);
void        ts_session_resume_all          (TsSession   *self);

/* Saves resume data of every torrent that changed, and the torrent list. */
void        ts_session_save_async          (TsSession           *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean    ts_session_save_finish         (TsSession     *self,
                                            GAsyncResult  *result,
                                            GError       **error);
/* Saves everything and tears libtorrent down (on a worker thread). After
 * this the session accepts no more work. */
void        ts_session_shutdown_async      (TsSession           *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean    ts_session_shutdown_finish     (TsSession     *self,
                                            GAsyncResult  *result,
                                            GError       **error);
/* Runs the thread-default main context until shutdown is done (for
 * GApplication::shutdown and tests). */
void        ts_session_shutdown_sync       (TsSession   *self);

/* Test hook: listen on 127.0.0.1 with DHT/LSD/UPnP/NAT-PMP off regardless of
 * settings. Set from the TS_LOOPBACK_ONLY environment variable too. */
void        ts_session_set_loopback_only   (TsSession   *self,
                                            gboolean     loopback_only);

G_END_DECLS
