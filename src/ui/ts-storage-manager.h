/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ts-storage-manager.h: disk space. Whether the wanted files of a torrent
 * fit in its folder, and the optional cache mode (settings cache-mode,
 * cache-size-limit in GiB, cache-max-age in days) that deletes films that
 * were only streamed, oldest watched first, never one that is playing or
 * one the user preloaded. */
#pragma once

#include <gio/gio.h>

#include "ts-engine-types.h"
#include "ts-library.h"

G_BEGIN_DECLS

/* Free space --------------------------------------------------------------------------- */

/* The free bytes of the filesystem that holds @folder (or its nearest
 * existing parent: the download folder may not exist yet). The environment
 * variable TS_TEST_FREE_SPACE (a number of bytes) replaces the real figure,
 * for tests. */
void      ts_storage_query_free_async  (const char           *folder,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  ts_storage_query_free_finish (GAsyncResult         *result,
                                        guint64              *free_bytes,
                                        GError              **error);
/* TRUE when @needed bytes fit in @free_bytes; otherwise FALSE and a
 * TS_ENGINE_ERROR_NO_SPACE error that names @name, both sizes and @folder. */
gboolean  ts_storage_check_fits        (const char           *name,
                                        const char           *folder,
                                        guint64               needed,
                                        guint64               free_bytes,
                                        GError              **error);
/* The bytes still to download for the files of @torrent whose priority in
 * @priorities (one per file of ts_torrent_get_files(), or NULL for the
 * current priorities) is not zero. */
guint64   ts_storage_bytes_needed      (TsTorrent            *torrent,
                                        const guint8         *priorities,
                                        guint                 n_priorities);

/* Cache policy ------------------------------------------------------------------------- */

typedef struct
{
  const char *info_hash;
  gint64      size;       /* bytes on disk */
  gint64      last_used;  /* unix s: last played, or when it was added */
  gboolean    watched;
  gboolean    keep;       /* preloaded, playing, or not the cache's to delete */
} TsCacheEntry;

/* Which entries to delete (indices into @entries, in deletion order): every
 * one not kept and unused for longer than @max_age seconds; then, while the
 * entries that are not preloaded take more than @size_limit bytes, the
 * watched ones, least recently used first, then the unwatched ones. A
 * limit <= 0 is no limit. */
GArray   *ts_cache_plan                (const TsCacheEntry   *entries,
                                        guint                 n_entries,
                                        gint64                size_limit,
                                        gint64                max_age,
                                        gint64                now);

/* Manager ------------------------------------------------------------------------------ */

#define TS_TYPE_STORAGE_MANAGER (ts_storage_manager_get_type ())
G_DECLARE_FINAL_TYPE (TsStorageManager, ts_storage_manager, TS, STORAGE_MANAGER, GObject)

/* Runs the cache policy when the settings change, when a download finishes
 * or is added, once the saved torrents are back, and every few minutes,
 * while cache-mode is on. Deleted torrents are removed from the session
 * with their files and forgotten by the library. */
TsStorageManager *ts_storage_manager_new     (TsSession        *session,
                                              TsLibrary        *library,
                                              GSettings        *settings);
/* A torrent that is playing is never deleted: the player holds it while it
 * plays (holds nest). */
void              ts_storage_manager_hold    (TsStorageManager *self,
                                              const char       *info_hash);
void              ts_storage_manager_release (TsStorageManager *self,
                                              const char       *info_hash);
/* Applies the policy now; returns how many torrents it removed. */
guint             ts_storage_manager_run     (TsStorageManager *self);

G_END_DECLS
