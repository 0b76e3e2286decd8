/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ts-lt.h: the plain C face of the libtorrent-rasterbar shim (ts-lt.cpp).
 *
 * Nothing outside src/engine/ts-lt.cpp includes a libtorrent or Boost header.
 * Every function here must be called from one thread (the GLib main thread),
 * except ts_lt_session_free(), ts_lt_session_save_state() and
 * ts_lt_torrent_have_range(), which block and belong on a worker thread, and
 * the notify callback, which libtorrent calls from its own threads.
 *
 * No function here blocks on libtorrent's network thread unless its comment
 * says so: requests are posted, results come back as events.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _TsLtSession   TsLtSession;
typedef struct _TsLtTorrent   TsLtTorrent;
typedef struct _TsLtAddParams TsLtAddParams;

typedef enum {
  TS_LT_ENCRYPTION_PREFERRED = 0,   /* accept both, prefer encrypted */
  TS_LT_ENCRYPTION_REQUIRED  = 1,
  TS_LT_ENCRYPTION_DISABLED  = 2,
} TsLtEncryption;

typedef struct {
  const char     *listen_interfaces;   /* libtorrent syntax, e.g. "0.0.0.0:6881,[::]:6881" */
  const char     *outgoing_interfaces; /* NULL or "" for any */
  int             download_rate_limit; /* bytes/s, 0 = unlimited */
  int             upload_rate_limit;   /* bytes/s, 0 = unlimited */
  int             connections_limit;   /* 0 = libtorrent's default */
  bool            enable_dht;
  bool            enable_lsd;
  bool            enable_upnp;
  bool            enable_natpmp;
  bool            rate_limit_local;    /* apply rate limits to loopback/LAN peers too */
  TsLtEncryption  encryption;
  int             tick_interval_ms;    /* 0 = libtorrent's default, 1 s when idle */
  /* Nothing is transferring (the caller stopped polling for status): fewer
   * libtorrent wake-ups and disk threads until it is cleared again. */
  bool            idle;
} TsLtSettings;

/* Mirrors lt::torrent_status::state_t, plus the flags we derive. */
typedef enum {
  TS_LT_STATE_CHECKING_FILES       = 1,
  TS_LT_STATE_DOWNLOADING_METADATA = 2,
  TS_LT_STATE_DOWNLOADING          = 3,
  TS_LT_STATE_FINISHED             = 4,
  TS_LT_STATE_SEEDING              = 5,
  TS_LT_STATE_CHECKING_RESUME_DATA = 7,
} TsLtState;

typedef struct {
  TsLtTorrent *torrent;
  int          state;               /* TsLtState */
  bool         paused;
  bool         has_metadata;
  bool         has_error;
  const char  *error;               /* valid during the callback only */
  const char  *name;                /* valid during the callback only */
  double       progress;            /* 0..1 of the wanted bytes */
  int64_t      total_wanted;
  int64_t      total_wanted_done;
  int64_t      total_done;
  int64_t      total_size;
  int          download_rate;       /* payload bytes/s */
  int          upload_rate;
  int          num_peers;
  int          num_seeds;
  int          list_peers;          /* peers known (tracker etc.) */
  const uint8_t *pieces;            /* have-bitfield, MSB first, or NULL */
  int          num_pieces;
} TsLtStatus;

typedef enum {
  TS_LT_EVENT_ADD_FINISHED,      /* torrent (NULL on error), cookie, error */
  TS_LT_EVENT_METADATA,          /* torrent: metadata is now known (files, pieces) */
  TS_LT_EVENT_STATUS,            /* statuses[n_statuses] */
  TS_LT_EVENT_PIECE_FINISHED,    /* torrent, piece: hash passed */
  TS_LT_EVENT_FINISHED,          /* torrent: every wanted piece is there */
  TS_LT_EVENT_ERROR,             /* torrent (may be NULL), error */
  TS_LT_EVENT_RESUME_DATA,       /* torrent, data/len: serialized resume data */
  TS_LT_EVENT_RESUME_DATA_FAILED,/* torrent, error (also "not modified": error NULL) */
  TS_LT_EVENT_REMOVED,           /* torrent: gone from the session (free it now) */
  TS_LT_EVENT_FILES_DELETED,     /* info_hash, error (NULL on success) */
  TS_LT_EVENT_LISTEN,            /* port (>0 success), error on failure */
  TS_LT_EVENT_FILE_PROGRESS,     /* torrent, file_progress[n_files] bytes */
  TS_LT_EVENT_PAUSED,            /* torrent */
  TS_LT_EVENT_RESUMED,           /* torrent */
  TS_LT_EVENT_CHECKED,           /* torrent: a (re)check is done */
} TsLtEventType;

typedef struct {
  TsLtEventType     type;
  TsLtTorrent      *torrent;
  uint64_t          cookie;
  const char       *error;          /* human-readable, or NULL */
  const char       *info_hash;      /* hex, for events that may outlive the torrent */
  int               piece;
  int               port;
  const void       *data;
  size_t            len;
  const TsLtStatus *statuses;
  int               n_statuses;
  const int64_t    *file_progress;
  int               n_files;
} TsLtEvent;

typedef void (*TsLtNotifyFunc) (void *user_data);
typedef void (*TsLtEventFunc)  (const TsLtEvent *event, void *user_data);

/* Session ------------------------------------------------------------------ */

/* @state/@state_len: bytes from ts_lt_session_save_state(), or NULL.
 * @notify is called from libtorrent's threads whenever alerts are waiting;
 * it must only wake the main loop. */
TsLtSession *ts_lt_session_new             (const TsLtSettings *settings,
                                            const void         *state,
                                            size_t              state_len,
                                            TsLtNotifyFunc      notify,
                                            void               *notify_data);
void         ts_lt_session_apply_settings  (TsLtSession        *session,
                                            const TsLtSettings *settings);
/* Posts a request for state updates of torrents that changed since the last
 * call (answer: TS_LT_EVENT_STATUS). */
void         ts_lt_session_post_updates    (TsLtSession        *session);
/* Pops the pending alerts and calls @func once per event, on this thread. */
void         ts_lt_session_pop_events      (TsLtSession        *session,
                                            TsLtEventFunc       func,
                                            void               *user_data);
/* Adds a torrent; consumes @params. Answer: TS_LT_EVENT_ADD_FINISHED with @cookie. */
void         ts_lt_session_add             (TsLtSession        *session,
                                            TsLtAddParams      *params,
                                            uint64_t            cookie);
/* Blocking (waits for libtorrent's thread): worker thread only.
 * Returns a newly allocated buffer (free with free()). */
void        *ts_lt_session_save_state      (TsLtSession        *session,
                                            size_t             *len);
/* Stop accepting work: detaches the notify callback. */
void         ts_lt_session_pause_all       (TsLtSession        *session);
void         ts_lt_session_resume_all      (TsLtSession        *session);
/* Blocking (tears the session down): worker thread only, after the main
 * thread stopped calling into it. */
void         ts_lt_session_free            (TsLtSession        *session);
const char  *ts_lt_version                 (void);

/* Add parameters ------------------------------------------------------------ */

/* On failure these return NULL and set *error to a malloc()ed message. */
TsLtAddParams *ts_lt_add_params_from_magnet       (const char *uri,
                                                   char      **error);
TsLtAddParams *ts_lt_add_params_from_torrent_data (const void *data,
                                                   size_t      len,
                                                   char      **error);
TsLtAddParams *ts_lt_add_params_from_resume_data  (const void *data,
                                                   size_t      len,
                                                   char      **error);
void           ts_lt_add_params_free              (TsLtAddParams *params);
/* Hex info-hash (v1, or v2 for v2-only torrents): malloc()ed. */
char          *ts_lt_add_params_get_info_hash     (TsLtAddParams *params);
char          *ts_lt_add_params_get_name          (TsLtAddParams *params);
void           ts_lt_add_params_set_save_path     (TsLtAddParams *params,
                                                   const char    *path);
const char    *ts_lt_add_params_get_save_path     (TsLtAddParams *params);
void           ts_lt_add_params_set_paused        (TsLtAddParams *params,
                                                   bool           paused);
/* Peers to connect to right away ("127.0.0.1:6881"); FALSE if unparsable. */
bool           ts_lt_add_params_add_peer          (TsLtAddParams *params,
                                                   const char    *ip_port);

/* Torrent ------------------------------------------------------------------ */

void        ts_lt_torrent_free                (TsLtTorrent *torrent);
void        ts_lt_torrent_set_user_data       (TsLtTorrent *torrent,
                                               void        *user_data);
void       *ts_lt_torrent_get_user_data       (TsLtTorrent *torrent);
const char *ts_lt_torrent_get_info_hash       (TsLtTorrent *torrent);

/* Metadata, cached in the shim: valid once has_metadata is true. */
bool        ts_lt_torrent_has_metadata        (TsLtTorrent *torrent);
const char *ts_lt_torrent_get_name            (TsLtTorrent *torrent);
int         ts_lt_torrent_get_n_files         (TsLtTorrent *torrent);
const char *ts_lt_torrent_get_file_path       (TsLtTorrent *torrent,
                                               int          file);
int64_t     ts_lt_torrent_get_file_size       (TsLtTorrent *torrent,
                                               int          file);
int64_t     ts_lt_torrent_get_file_offset     (TsLtTorrent *torrent,
                                               int          file);
bool        ts_lt_torrent_get_file_is_pad     (TsLtTorrent *torrent,
                                               int          file);
int         ts_lt_torrent_get_num_pieces      (TsLtTorrent *torrent);
int         ts_lt_torrent_get_piece_length    (TsLtTorrent *torrent);
int         ts_lt_torrent_get_piece_size      (TsLtTorrent *torrent,
                                               int          piece);
const char *ts_lt_torrent_get_save_path       (TsLtTorrent *torrent);
/* Pieces [*first, *last] that hold bytes [offset, offset + len) of @file;
 * len > 0. Returns false when out of range. */
bool        ts_lt_torrent_map_file_range      (TsLtTorrent *torrent,
                                               int          file,
                                               int64_t      offset,
                                               int64_t      len,
                                               int         *first,
                                               int         *last);
/* Initial file priorities from the add parameters (resume data), or NULL;
 * n is set to their count. */
const uint8_t *ts_lt_torrent_get_initial_file_priorities (TsLtTorrent *torrent,
                                                          int         *n);

void        ts_lt_torrent_pause               (TsLtTorrent *torrent);
void        ts_lt_torrent_resume              (TsLtTorrent *torrent);
void        ts_lt_torrent_remove              (TsLtTorrent *torrent,
                                               bool         delete_files);
void        ts_lt_torrent_force_recheck       (TsLtTorrent *torrent);
bool        ts_lt_torrent_connect_peer        (TsLtTorrent *torrent,
                                               const char  *ip_port);
/* priorities: 0 = skip, 1..7 (4 = default). */
void        ts_lt_torrent_set_file_priorities (TsLtTorrent   *torrent,
                                               const uint8_t *priorities,
                                               int            n);
/* Deadlines for @n pieces at once: @pieces[i] is due in @deadlines_ms[i].
 * When a deadline goes into libtorrent's empty set of them, it cancels every
 * request in flight for a piece without one. @pending lists the pieces given
 * deadlines before: if none of them is still missing, the pieces in flight
 * from @keep_from on (-1: none) get a deadline after these, so what is on
 * its way there stays on its way. */
void        ts_lt_torrent_set_piece_deadlines (TsLtTorrent *torrent,
                                               const int   *pieces,
                                               const int   *deadlines_ms,
                                               int          n,
                                               const int   *pending,
                                               int          n_pending,
                                               int          keep_from);
void        ts_lt_torrent_reset_piece_deadline(TsLtTorrent *torrent,
                                               int          piece);
void        ts_lt_torrent_clear_piece_deadlines (TsLtTorrent *torrent);
/* Piece priorities for a range of pieces (0..7). */
void        ts_lt_torrent_set_piece_priority  (TsLtTorrent *torrent,
                                               int          piece,
                                               int          priority);
/* Pieces without a deadline in file order instead of rarest first (not kept
 * in resume data). */
void        ts_lt_torrent_set_sequential      (TsLtTorrent *torrent,
                                               bool         sequential);
void        ts_lt_torrent_post_status         (TsLtTorrent *torrent);
void        ts_lt_torrent_post_file_progress  (TsLtTorrent *torrent);
/* flags: only save when something changed since the last save. */
void        ts_lt_torrent_save_resume_data    (TsLtTorrent *torrent,
                                               bool         only_if_modified);
void        ts_lt_torrent_set_upload_limit    (TsLtTorrent *torrent,
                                               int          bytes_per_second);
void        ts_lt_torrent_set_download_limit  (TsLtTorrent *torrent,
                                               int          bytes_per_second);
/* Blocking (asks libtorrent's thread): worker thread only. True when every
 * piece in [first, last] has been hashed and written to disk. */
bool        ts_lt_torrent_have_range          (TsLtTorrent *torrent,
                                               int          first,
                                               int          last);

#ifdef __cplusplus
}
#endif
