/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal API of TsTorrent, for TsSession. */
#pragma once

#include "ts-lt.h"
#include "ts-session-private.h"
#include "ts-torrent.h"

G_BEGIN_DECLS

struct _TsTorrent
{
  GObject          parent_instance;

  TsSession       *session;         /* weak */
  TsEngineShared  *shared;
  TsLtTorrent     *lt;              /* freed in finalize only */

  char            *info_hash;
  char            *name;
  char            *save_path;
  char            *error_message;
  TsTorrentState   state;
  double           progress;
  gint64           download_rate;
  gint64           upload_rate;
  guint            peers;
  guint            seeds;
  gint64           eta;
  gint64           size_wanted;
  gint64           bytes_done;
  gboolean         has_metadata;
  gboolean         paused;
  /* The last pause or resume asked for, and when (0: confirmed). */
  gboolean         paused_requested;
  gint64           paused_request_at;
  gboolean         removed;
  gint64           added_time;      /* seconds since the epoch */

  /* Files. The model holds the files that are not padding; a file's
   * TsTorrentFile:index is its index in the torrent, and every file_index
   * argument of the API means that index. */
  GListStore      *files;
  GPtrArray       *file_by_index;   /* TsTorrentFile (borrowed) or NULL for padding */
  guint8          *priorities;      /* one per file of the torrent */
  guint            n_files;
  gint64          *file_offsets;    /* per file: offset in the torrent's byte stream */
  gint64          *file_sizes;

  /* Verified pieces, MSB first like libtorrent's bitfields. */
  guint8          *have;
  guint8          *confirmed;       /* pieces a worker saw on disk (have_piece()) */
  guint8          *deadlines;       /* pieces given a deadline, not reset since */
  /* The next deadlines may cancel the requests in flight (see
   * ts_torrent_set_range_deadlines()). */
  gboolean         cancel_in_flight;
  guint            num_pieces;
  guint            piece_length;
  guint            n_have;
  gboolean         pieces_pending;  /* coalesced "pieces-changed" */
  guint            pending_first;
  guint            pending_last;

  GQueue           waiters;         /* RangeWaiter */

  /* Session bookkeeping. */
  gboolean         lt_active;       /* from the last status: wants updates */
  int              resume_pending;  /* resume data requests not answered yet */
  gint64           last_piece_save; /* monotonic µs of the last piece-driven save */
  GSource         *piece_save_source; /* delayed piece-driven save */
  gboolean         restored;        /* came from the state directory */
};

TsTorrent   *_ts_torrent_new                 (TsSession       *session,
                                              TsEngineShared  *shared,
                                              TsLtTorrent     *lt,
                                              gint64           added_time);
/* Reads files and piece geometry once the shim has the metadata. Returns
 * TRUE the first time it succeeds (after emitting "metadata-received"). */
gboolean     _ts_torrent_load_metadata       (TsTorrent       *self);
void         _ts_torrent_update_status       (TsTorrent       *self,
                                              const TsLtStatus *status);
void         _ts_torrent_piece_finished      (TsTorrent       *self,
                                              int              piece);
void         _ts_torrent_update_file_progress(TsTorrent       *self,
                                              const gint64    *progress,
                                              int              n);
void         _ts_torrent_set_error           (TsTorrent       *self,
                                              const char      *message);
void         _ts_torrent_emit_finished       (TsTorrent       *self);
void         _ts_torrent_checked             (TsTorrent       *self);
/* Emits the coalesced "pieces-changed" and re-checks range waiters. */
void         _ts_torrent_flush               (TsTorrent       *self);
/* Stops all work: fails waiters with TS_ENGINE_ERROR_REMOVED. */
void         _ts_torrent_mark_removed        (TsTorrent       *self,
                                              const char      *reason);
/* Destroys a source attached to some context and drops the reference. */
void         _ts_source_destroy              (GSource         *source);
/* Whether the shim may be called for this torrent now. */
gboolean     _ts_torrent_is_live             (TsTorrent       *self);

G_END_DECLS
