/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal API of TsSession, for TsTorrent. */
#pragma once

#include "ts-lt.h"
#include "ts-session.h"

G_BEGIN_DECLS

/* What the session shares with its torrents and with worker threads. It
 * outlives the session while anything still holds it, so a worker that
 * blocks in ts_lt_torrent_have_range() never finds the shim freed beneath it:
 * workers call into @lt holding @lock for reading, the teardown takes it for
 * writing before it frees the shim session. */
typedef struct
{
  gatomicrefcount  ref_count;
  GRWLock          lock;
  TsLtSession     *lt;            /* under @lock; NULL once torn down */
  gboolean         alive;         /* main thread: the shim may be called */
  GMainContext    *context;       /* the session's main context */
  gint             wake_pending;  /* atomic: an idle dispatch is queued */
  TsSession       *session;       /* main thread only; NULL after dispose */
} TsEngineShared;

TsEngineShared *_ts_engine_shared_ref            (TsEngineShared *shared);
void            _ts_engine_shared_unref          (TsEngineShared *shared);

/* Asks libtorrent for the torrent's resume data; the answer is written to
 * the state store. */
void            _ts_session_request_resume_data  (TsSession      *self,
                                                  TsTorrent      *torrent,
                                                  gboolean        only_if_modified);
/* The torrent was paused, resumed, re-prioritised ...: refresh its status
 * soon even if nothing looked active. */
void            _ts_session_torrent_poked        (TsSession      *self,
                                                  TsTorrent      *torrent);

/* The torrent is being finalized: drop it from the session's tables. */
void            _ts_session_forget_torrent       (TsSession      *self,
                                                  TsTorrent      *torrent);

G_END_DECLS
