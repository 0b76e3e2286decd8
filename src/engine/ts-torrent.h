/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ts-engine-types.h"

G_BEGIN_DECLS

#define TS_TYPE_TORRENT (ts_torrent_get_type ())
G_DECLARE_FINAL_TYPE (TsTorrent, ts_torrent, TS, TORRENT, GObject)

/* A byte range of a file that is verified and on disk. */
typedef struct {
  gint64 offset;
  gint64 length;
} TsByteRange;

/* Properties (all read-only, notified on change from the session's 1 s
 * status updates): info-hash, name, state (TsTorrentState), progress (0..1
 * of the wanted bytes), download-rate, upload-rate (bytes/s), peers, seeds,
 * eta (seconds, -1 when unknown), size-wanted, bytes-done, error-message,
 * has-metadata, save-path, paused.
 *
 * Signals:
 *   "pieces-changed" (guint first_piece, guint last_piece): pieces became
 *       available; the piece maps of the files that hold them changed.
 *   "metadata-received": the file list is known.
 *   "finished": every wanted file is complete.
 */
TsSession      *ts_torrent_get_session        (TsTorrent *self);
const char     *ts_torrent_get_info_hash      (TsTorrent *self);
const char     *ts_torrent_get_name           (TsTorrent *self);
TsTorrentState  ts_torrent_get_state          (TsTorrent *self);
double          ts_torrent_get_progress       (TsTorrent *self);
gint64          ts_torrent_get_download_rate  (TsTorrent *self);
gint64          ts_torrent_get_upload_rate    (TsTorrent *self);
guint           ts_torrent_get_peers          (TsTorrent *self);
guint           ts_torrent_get_seeds          (TsTorrent *self);
gint64          ts_torrent_get_eta            (TsTorrent *self);
gint64          ts_torrent_get_size_wanted    (TsTorrent *self);
gint64          ts_torrent_get_bytes_done     (TsTorrent *self);
const char     *ts_torrent_get_error_message  (TsTorrent *self);
gboolean        ts_torrent_has_metadata       (TsTorrent *self);
gboolean        ts_torrent_get_paused         (TsTorrent *self);
const char     *ts_torrent_get_save_path      (TsTorrent *self);
gboolean        ts_torrent_is_removed         (TsTorrent *self);

/* A GListModel of TsTorrentFile (empty until the metadata is known). */
GListModel     *ts_torrent_get_files          (TsTorrent *self);
TsTorrentFile  *ts_torrent_get_file           (TsTorrent *self,
                                               guint      index);
/* The largest video file, or NULL. */
TsTorrentFile  *ts_torrent_get_main_video     (TsTorrent *self);

void            ts_torrent_pause              (TsTorrent *self);
void            ts_torrent_resume             (TsTorrent *self);
void            ts_torrent_force_recheck      (TsTorrent *self);
gboolean        ts_torrent_add_peer           (TsTorrent   *self,
                                               const char  *ip_port,
                                               GError     **error);
/* Download only the files whose priority is non-zero (0..7, 4 = normal). */
void            ts_torrent_set_file_priority  (TsTorrent *self,
                                               guint      file_index,
                                               guint      priority);
/* Sets all priorities at once (n must equal the number of files). */
void            ts_torrent_set_file_priorities(TsTorrent    *self,
                                               const guint8 *priorities,
                                               guint         n);

/* Piece geometry (valid with metadata). */
guint           ts_torrent_get_num_pieces     (TsTorrent *self);
guint           ts_torrent_get_piece_length   (TsTorrent *self);
gboolean        ts_torrent_have_piece         (TsTorrent *self,
                                               guint      piece);
/* Pieces [first, last] holding bytes [offset, offset+length) of a file. */
gboolean        ts_torrent_map_file_range     (TsTorrent *self,
                                               guint      file_index,
                                               gint64     offset,
                                               gint64     length,
                                               guint     *first_piece,
                                               guint     *last_piece);
/* Which byte ranges of a file are verified (sorted, merged). Free with
 * g_array_unref. Elements are TsByteRange. */
GArray         *ts_torrent_get_file_ranges    (TsTorrent *self,
                                               guint      file_index);
/* Bytes of the file available contiguously from @offset. */
gint64          ts_torrent_get_file_contiguous(TsTorrent *self,
                                               guint      file_index,
                                               gint64     offset);

/* Streaming hooks. Deadlines in ms from now; the pieces covering the range
 * get increasing deadlines from @deadline_ms, @step_ms apart. The requests
 * in flight for pieces without deadlines stay, except for the first
 * deadlines after ts_torrent_clear_all_deadlines() or after streaming
 * began: then they go, so that these come first. */
void            ts_torrent_set_range_deadlines  (TsTorrent *self,
                                                 guint      file_index,
                                                 gint64     offset,
                                                 gint64     length,
                                                 int        deadline_ms,
                                                 int        step_ms);
void            ts_torrent_clear_range_deadlines(TsTorrent *self,
                                                 guint      file_index,
                                                 gint64     offset,
                                                 gint64     length);
void            ts_torrent_clear_all_deadlines  (TsTorrent *self);
/* While streaming: the pieces without deadlines come in file order (the
 * read-ahead in the order it is played) instead of rarest first, and the
 * deadlines lead from the very first request (libtorrent otherwise picks
 * its first pieces at random, whatever their priority). Not saved. */
void            ts_torrent_set_sequential       (TsTorrent *self,
                                                 gboolean   sequential);

/* Completes when bytes [offset, offset+length) of the file are verified and
 * on disk (readable from ts_torrent_file_dup_disk_path()). Fails with
 * G_IO_ERROR_CANCELLED on cancel, TS_ENGINE_ERROR_REMOVED if the torrent
 * goes away. Does not by itself set deadlines. */
void            ts_torrent_wait_range_async   (TsTorrent           *self,
                                               guint                file_index,
                                               gint64               offset,
                                               gint64               length,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean        ts_torrent_wait_range_finish  (TsTorrent     *self,
                                               GAsyncResult  *result,
                                               GError       **error);

G_END_DECLS
