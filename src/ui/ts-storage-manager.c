/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "ts-session.h"
#include "ts-storage-manager.h"
#include "ts-torrent.h"
#include "ts-torrent-file.h"

#define GIB               (G_GINT64_CONSTANT (1) << 30)
#define DAY               (24 * 60 * 60)
/* How often the policy runs on its own while cache mode is on. */
#define CHECK_INTERVAL_S  (10 * 60)
/* A position saved this recently means the film may still be on screen,
 * held or not: a player that was paused for a while still has it open. */
#define PLAYING_GRACE_S   (15 * 60)

/* Free space ------------------------------------------------------------------------------ */

static void query_next (GTask *task,
                        GFile *file);

static void
query_info_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  GFile *file = G_FILE (source);

  info = g_file_query_filesystem_info_finish (file, result, &error);
  if (info == NULL)
    {
      g_autoptr(GFile) parent = g_file_get_parent (file);

      /* The download folder is made when the first torrent is added. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) && parent != NULL)
        {
          query_next (g_steal_pointer (&task), parent);
          return;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("The free space of “%s” is not known"),
                               g_file_peek_path (file));
      return;
    }

  g_task_return_int (task, (gssize) MIN (g_file_info_get_attribute_uint64 (info,
                                           G_FILE_ATTRIBUTE_FILESYSTEM_FREE),
                                         (guint64) G_MAXSSIZE));
}

static void
query_next (GTask *task,
            GFile *file)
{
  g_file_query_filesystem_info_async (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                      G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                      query_info_cb, task);
}

void
ts_storage_query_free_async (const char          *folder,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GFile) file = NULL;
  const char *override;

  g_return_if_fail (folder != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_storage_query_free_async);

  override = g_getenv ("TS_TEST_FREE_SPACE");
  if (override != NULL && *override != '\0')
    {
      char *end = NULL;
      guint64 value = g_ascii_strtoull (override, &end, 10);

      if (end != NULL && *end == '\0')
        {
          g_task_return_int (task, (gssize) MIN (value, (guint64) G_MAXSSIZE));
          return;
        }
      g_warning ("Ignoring TS_TEST_FREE_SPACE=%s: not a number of bytes", override);
    }

  file = g_file_new_for_path (folder);
  query_next (g_steal_pointer (&task), file);
}

gboolean
ts_storage_query_free_finish (GAsyncResult  *result,
                              guint64       *free_bytes,
                              GError       **error)
{
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  value = g_task_propagate_int (G_TASK (result), error);
  if (value < 0)
    return FALSE;
  if (free_bytes != NULL)
    *free_bytes = (guint64) value;
  return TRUE;
}

gboolean
ts_storage_check_fits (const char  *name,
                       const char  *folder,
                       guint64      needed,
                       guint64      free_bytes,
                       GError     **error)
{
  g_autofree char *needed_text = NULL;
  g_autofree char *free_text = NULL;

  if (needed <= free_bytes)
    return TRUE;

  needed_text = g_format_size (needed);
  free_text = g_format_size (free_bytes);
  g_set_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NO_SPACE,
               /* Translators: “Film” needs 1.2 GB, but only 300 MB are free in “/home/me/Videos”. */
               _("Not enough free space for “%s”: it needs %s, but only %s are free in “%s”"),
               name, needed_text, free_text, folder);
  return FALSE;
}

guint64
ts_storage_bytes_needed (TsTorrent    *torrent,
                         const guint8 *priorities,
                         guint         n_priorities)
{
  GListModel *files;
  guint n;
  guint64 needed = 0;

  g_return_val_if_fail (TS_IS_TORRENT (torrent), 0);

  files = ts_torrent_get_files (torrent);
  n = g_list_model_get_n_items (files);
  g_return_val_if_fail (priorities == NULL || n_priorities == n, 0);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);
      guint priority = priorities != NULL ? priorities[i] : ts_torrent_file_get_priority (file);
      gint64 left = ts_torrent_file_get_size (file) - ts_torrent_file_get_bytes_done (file);

      if (priority > 0 && left > 0)
        needed += (guint64) left;
    }

  return needed;
}

/* Cache policy --------------------------------------------------------------------------- */

typedef struct
{
  const TsCacheEntry *entry;
  guint               index;
} Candidate;

/* Watched before unwatched; least recently used first; then by index so the
 * plan does not depend on qsort's whims. */
static int
compare_candidates (const void *a,
                    const void *b)
{
  const Candidate *ca = a;
  const Candidate *cb = b;

  if (ca->entry->watched != cb->entry->watched)
    return ca->entry->watched ? -1 : 1;
  if (ca->entry->last_used != cb->entry->last_used)
    return ca->entry->last_used < cb->entry->last_used ? -1 : 1;
  return ca->index < cb->index ? -1 : (ca->index > cb->index);
}

GArray *
ts_cache_plan (const TsCacheEntry *entries,
               guint               n_entries,
               gint64              size_limit,
               gint64              max_age,
               gint64              now)
{
  g_autofree Candidate *candidates = g_new0 (Candidate, n_entries + 1);
  g_autofree gboolean *chosen = g_new0 (gboolean, n_entries + 1);
  GArray *plan = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n_candidates = 0;
  gint64 total = 0;

  g_return_val_if_fail (entries != NULL || n_entries == 0, plan);

  for (guint i = 0; i < n_entries; i++)
    {
      /* Kept entries that are being played count towards the cache; the
       * user's own downloads are not cache and are told apart by the
       * caller leaving them out. */
      total += MAX (entries[i].size, 0);
      if (entries[i].keep)
        continue;
      candidates[n_candidates].entry = &entries[i];
      candidates[n_candidates].index = i;
      n_candidates++;
    }
  qsort (candidates, n_candidates, sizeof (Candidate), compare_candidates);

  if (max_age > 0)
    for (guint i = 0; i < n_candidates; i++)
      if (now - candidates[i].entry->last_used > max_age)
        {
          chosen[i] = TRUE;
          total -= MAX (candidates[i].entry->size, 0);
          g_array_append_val (plan, candidates[i].index);
        }

  if (size_limit > 0)
    for (guint i = 0; i < n_candidates && total > size_limit; i++)
      if (!chosen[i])
        {
          chosen[i] = TRUE;
          total -= MAX (candidates[i].entry->size, 0);
          g_array_append_val (plan, candidates[i].index);
        }

  return plan;
}

/* Manager --------------------------------------------------------------------------------- */

struct _TsStorageManager
{
  GObject     parent_instance;

  TsSession  *session;
  TsLibrary  *library;
  GSettings  *settings;
  /* info-hash -> hold count */
  GHashTable *holds;
  guint       timer_id;
  guint       idle_id;
};

G_DEFINE_FINAL_TYPE (TsStorageManager, ts_storage_manager, G_TYPE_OBJECT)

static gboolean
run_idle_cb (gpointer user_data)
{
  TsStorageManager *self = user_data;

  self->idle_id = 0;
  ts_storage_manager_run (self);
  return G_SOURCE_REMOVE;
}

/* Several triggers at once (a restore adds many torrents) run once. */
static void
queue_run (TsStorageManager *self)
{
  if (self->idle_id == 0 && g_settings_get_boolean (self->settings, "cache-mode"))
    self->idle_id = g_idle_add_full (G_PRIORITY_LOW, run_idle_cb, self, NULL);
}

static gboolean
timer_cb (gpointer user_data)
{
  queue_run (user_data);
  return G_SOURCE_CONTINUE;
}

static void
update_timer (TsStorageManager *self)
{
  gboolean on = g_settings_get_boolean (self->settings, "cache-mode");

  if (on && self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (CHECK_INTERVAL_S, timer_cb, self);
  else if (!on)
    g_clear_handle_id (&self->timer_id, g_source_remove);
}

static void
settings_changed_cb (TsStorageManager *self,
                     const char       *key)
{
  if (g_strcmp0 (key, "cache-mode") != 0 && g_strcmp0 (key, "cache-size-limit") != 0 &&
      g_strcmp0 (key, "cache-max-age") != 0)
    return;

  update_timer (self);
  queue_run (self);
}

static void
ts_storage_manager_dispose (GObject *object)
{
  TsStorageManager *self = TS_STORAGE_MANAGER (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->library);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (ts_storage_manager_parent_class)->dispose (object);
}

static void
ts_storage_manager_finalize (GObject *object)
{
  TsStorageManager *self = TS_STORAGE_MANAGER (object);

  g_hash_table_unref (self->holds);

  G_OBJECT_CLASS (ts_storage_manager_parent_class)->finalize (object);
}

static void
ts_storage_manager_class_init (TsStorageManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ts_storage_manager_dispose;
  object_class->finalize = ts_storage_manager_finalize;
}

static void
ts_storage_manager_init (TsStorageManager *self)
{
  self->holds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TsStorageManager *
ts_storage_manager_new (TsSession *session,
                        TsLibrary *library,
                        GSettings *settings)
{
  TsStorageManager *self;

  g_return_val_if_fail (TS_IS_SESSION (session), NULL);
  g_return_val_if_fail (TS_IS_LIBRARY (library), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (TS_TYPE_STORAGE_MANAGER, NULL);
  self->session = g_object_ref (session);
  self->library = g_object_ref (library);
  self->settings = g_object_ref (settings);

  g_signal_connect_object (settings, "changed", G_CALLBACK (settings_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "restored", G_CALLBACK (queue_run), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "torrent-added", G_CALLBACK (queue_run), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "torrent-finished", G_CALLBACK (queue_run), self,
                           G_CONNECT_SWAPPED);

  update_timer (self);
  queue_run (self);
  return self;
}

void
ts_storage_manager_hold (TsStorageManager *self,
                         const char       *info_hash)
{
  guint count;

  g_return_if_fail (TS_IS_STORAGE_MANAGER (self));
  g_return_if_fail (info_hash != NULL);

  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->holds, info_hash));
  g_hash_table_replace (self->holds, g_ascii_strdown (info_hash, -1),
                        GUINT_TO_POINTER (count + 1));
}

void
ts_storage_manager_release (TsStorageManager *self,
                            const char       *info_hash)
{
  g_autofree char *key = NULL;
  guint count;

  g_return_if_fail (TS_IS_STORAGE_MANAGER (self));
  g_return_if_fail (info_hash != NULL);

  key = g_ascii_strdown (info_hash, -1);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->holds, key));
  g_return_if_fail (count > 0);

  if (count == 1)
    g_hash_table_remove (self->holds, key);
  else
    g_hash_table_replace (self->holds, g_steal_pointer (&key), GUINT_TO_POINTER (count - 1));

  /* What was kept for playing may be over the limits now. */
  queue_run (self);
}

guint
ts_storage_manager_run (TsStorageManager *self)
{
  GListModel *torrents;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GPtrArray) kept_torrents = NULL;
  g_autoptr(GArray) plan = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint n;

  g_return_val_if_fail (TS_IS_STORAGE_MANAGER (self), 0);

  if (!g_settings_get_boolean (self->settings, "cache-mode"))
    return 0;

  torrents = ts_session_get_torrents (self->session);
  n = g_list_model_get_n_items (torrents);
  entries = g_array_sized_new (FALSE, TRUE, sizeof (TsCacheEntry), n);
  kept_torrents = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (torrents, i);
      const char *hash = ts_torrent_get_info_hash (torrent);
      TsLibraryItem *item = ts_library_lookup (self->library, hash);
      TsCacheEntry entry = { 0 };
      gint64 last_played;

      /* Only what the library knows was streamed is cache: a torrent the
       * user preloaded, or added some other way, is theirs. */
      if (item == NULL || ts_library_item_get_preloaded (item))
        continue;

      last_played = ts_library_item_get_last_played (item);
      entry.info_hash = hash;
      entry.size = ts_torrent_get_bytes_done (torrent);
      entry.last_used = last_played > 0 ? last_played : ts_library_item_get_added (item);
      entry.watched = ts_library_item_get_watched (item);
      entry.keep = g_hash_table_contains (self->holds, hash) ||
                   (last_played > 0 && now - last_played < PLAYING_GRACE_S);
      g_array_append_val (entries, entry);
      g_ptr_array_add (kept_torrents, g_steal_pointer (&torrent));
    }

  plan = ts_cache_plan ((TsCacheEntry *) (gpointer) entries->data, entries->len,
                        (gint64) g_settings_get_int (self->settings, "cache-size-limit") * GIB,
                        (gint64) g_settings_get_int (self->settings, "cache-max-age") * DAY,
                        now);

  for (guint i = 0; i < plan->len; i++)
    {
      TsTorrent *torrent = g_ptr_array_index (kept_torrents, g_array_index (plan, guint, i));
      g_autofree char *hash = g_strdup (ts_torrent_get_info_hash (torrent));

      g_debug ("Cache mode: deleting %s (%s)", ts_torrent_get_name (torrent), hash);
      ts_session_remove (self->session, torrent, TRUE);
      ts_library_forget (self->library, hash);
    }

  return plan->len;
}
