/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ts-engine-types.h"

G_BEGIN_DECLS

#define TS_TYPE_TORRENT_FILE (ts_torrent_file_get_type ())
G_DECLARE_FINAL_TYPE (TsTorrentFile, ts_torrent_file, TS, TORRENT_FILE, GObject)

/* One file of a torrent. Properties: index, path (inside the torrent),
 * name (basename), size, bytes-done, progress (0..1), priority (0..7),
 * kind (TsFileKind), and the read-only "torrent" (weak). */
TsTorrent  *ts_torrent_file_get_torrent    (TsTorrentFile *self);
guint       ts_torrent_file_get_index      (TsTorrentFile *self);
const char *ts_torrent_file_get_path       (TsTorrentFile *self);
const char *ts_torrent_file_get_name       (TsTorrentFile *self);
gint64      ts_torrent_file_get_size       (TsTorrentFile *self);
gint64      ts_torrent_file_get_bytes_done (TsTorrentFile *self);
double      ts_torrent_file_get_progress   (TsTorrentFile *self);
guint       ts_torrent_file_get_priority   (TsTorrentFile *self);
void        ts_torrent_file_set_priority   (TsTorrentFile *self,
                                            guint          priority);
TsFileKind  ts_torrent_file_get_kind       (TsTorrentFile *self);
gboolean    ts_torrent_file_is_video       (TsTorrentFile *self);
gboolean    ts_torrent_file_is_subtitle    (TsTorrentFile *self);
/* Absolute path on disk (save path + path), whether or not it exists yet. */
char       *ts_torrent_file_dup_disk_path  (TsTorrentFile *self);

G_END_DECLS
