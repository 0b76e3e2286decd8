/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ts-state-store.h: the files a TsSession keeps in its state directory.
 *
 *   torrents.list          the torrents in order, with their added time (GKeyFile)
 *   resume/<hash>.resume   libtorrent resume data of each torrent
 *   session.state          libtorrent's session state (DHT nodes ...)
 *
 * Every write is atomic (temporary file + rename) and runs on one worker
 * thread, in the order the requests were made, so a later delete of a resume
 * file can never be overtaken by an earlier write of it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _TsStateStore TsStateStore;

typedef struct {
  char   *info_hash;
  char   *name;        /* may be NULL */
  gint64  added_time;  /* seconds since the epoch */
} TsStateEntry;

/* What ts_state_store_read_all() found for one torrent. */
typedef struct {
  TsStateEntry  entry;
  GBytes       *resume;   /* NULL when missing or unreadable */
  char         *problem;  /* why it could not be read, or NULL */
} TsStateItem;

/* Runs on the worker thread. */
typedef void (*TsStateStoreFunc) (gpointer data);
/* Runs on the store's main context afterwards (not after ts_state_store_close()). */
typedef void (*TsStateStoreDone) (gpointer data);

TsStateStore *ts_state_store_new                 (const char        *state_dir,
                                                  GMainContext      *context);
TsStateStore *ts_state_store_ref                 (TsStateStore      *self);
void          ts_state_store_unref               (TsStateStore      *self);
/* Waits for the queued work; completions not yet delivered are dropped. */
void          ts_state_store_close               (TsStateStore      *self);
const char   *ts_state_store_get_dir             (TsStateStore      *self);
char         *ts_state_store_dup_resume_path     (TsStateStore      *self,
                                                  const char        *info_hash);

/* Creates the state directory; main thread, at start-up. */
gboolean      ts_state_store_ensure_dir          (TsStateStore      *self,
                                                  GError           **error);
/* Reads session.state (small) at start-up; NULL if there is none. */
GBytes       *ts_state_store_read_session_state  (TsStateStore      *self);

/* Queued writes. */
void          ts_state_store_write_resume        (TsStateStore      *self,
                                                  const char        *info_hash,
                                                  GBytes            *data);
void          ts_state_store_delete_resume       (TsStateStore      *self,
                                                  const char        *info_hash);
/* @entries: TsStateEntry, in order; copied. */
void          ts_state_store_write_list          (TsStateStore      *self,
                                                  const TsStateEntry *entries,
                                                  guint              n_entries);
void          ts_state_store_write_session_state (TsStateStore      *self,
                                                  GBytes            *data);
/* Runs @func on the worker after everything queued before it, then @done
 * (if not NULL) on the main context; @destroy frees @data at the end. */
void          ts_state_store_run                 (TsStateStore      *self,
                                                  TsStateStoreFunc   func,
                                                  TsStateStoreDone   done,
                                                  gpointer           data,
                                                  GDestroyNotify     destroy);

/* Worker thread only (from a ts_state_store_run() function): reads the
 * list and every resume file. Returns TsStateItem in order. */
GPtrArray    *ts_state_store_read_all            (TsStateStore      *self);
/* Worker thread only: writes session.state now. */
void          ts_state_store_write_session_state_sync (TsStateStore *self,
                                                       const void   *data,
                                                       gsize         len);

void          ts_state_entry_clear               (TsStateEntry      *entry);
void          ts_state_item_free                 (TsStateItem       *item);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsStateStore, ts_state_store_unref)

G_END_DECLS
