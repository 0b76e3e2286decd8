/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ts-state-store.h"

#define LIST_FILE        "torrents.list"
#define SESSION_FILE     "session.state"
#define RESUME_DIR       "resume"
#define RESUME_SUFFIX    ".resume"
#define LIST_GROUP       "TorrentStream"
#define MAX_STATE_SIZE   (16 * 1024 * 1024)

struct _TsStateStore
{
  gatomicrefcount  ref_count;
  char            *dir;
  char            *resume_dir;
  GMainContext    *context;
  GThreadPool     *pool;      /* one thread: work runs in order */
  gboolean         closed;    /* main thread only */
};

typedef struct
{
  TsStateStore     *store;
  TsStateStoreFunc  func;
  TsStateStoreDone  done;
  gpointer          data;
  GDestroyNotify    destroy;
} StoreOp;

static void
store_op_free (gpointer p)
{
  StoreOp *op = p;

  if (op->destroy != NULL && op->data != NULL)
    op->destroy (op->data);
  ts_state_store_unref (op->store);
  g_free (op);
}

static gboolean
store_op_done_cb (gpointer p)
{
  StoreOp *op = p;

  if (!op->store->closed)
    op->done (op->data);
  return G_SOURCE_REMOVE;
}

static void
store_worker (gpointer p,
              gpointer user_data)
{
  StoreOp *op = p;
  GSource *source;

  op->func (op->data);

  if (op->done == NULL)
    {
      store_op_free (op);
      return;
    }

  /* An idle source, never g_main_context_invoke(): that would run the
   * completion on this thread if the main context happened to be free. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, store_op_done_cb, op, store_op_free);
  g_source_set_static_name (source, "[ts-state-store] done");
  g_source_attach (source, op->store->context);
  g_source_unref (source);
}

TsStateStore *
ts_state_store_new (const char   *state_dir,
                    GMainContext *context)
{
  TsStateStore *self;

  g_return_val_if_fail (state_dir != NULL, NULL);

  self = g_new0 (TsStateStore, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->dir = g_strdup (state_dir);
  self->resume_dir = g_build_filename (state_dir, RESUME_DIR, NULL);
  self->context = context != NULL ? g_main_context_ref (context)
                                  : g_main_context_ref_thread_default ();
  self->pool = g_thread_pool_new (store_worker, self, 1, FALSE, NULL);
  return self;
}

TsStateStore *
ts_state_store_ref (TsStateStore *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ts_state_store_unref (TsStateStore *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* Queued ops hold references, so the pool is idle here; the owner
   * normally closed it already (this may run on the worker itself). */
  if (self->pool != NULL)
    g_thread_pool_free (self->pool, TRUE, FALSE);
  g_main_context_unref (self->context);
  g_free (self->resume_dir);
  g_free (self->dir);
  g_free (self);
}

void
ts_state_store_close (TsStateStore *self)
{
  GThreadPool *pool;

  g_return_if_fail (self != NULL);

  if (self->closed)
    return;
  self->closed = TRUE;
  pool = g_steal_pointer (&self->pool);
  if (pool != NULL)
    g_thread_pool_free (pool, FALSE, TRUE);
}

const char *
ts_state_store_get_dir (TsStateStore *self)
{
  return self->dir;
}

char *
ts_state_store_dup_resume_path (TsStateStore *self,
                                const char   *info_hash)
{
  g_autofree char *base = g_strconcat (info_hash, RESUME_SUFFIX, NULL);

  return g_build_filename (self->resume_dir, base, NULL);
}

gboolean
ts_state_store_ensure_dir (TsStateStore  *self,
                           GError       **error)
{
  if (g_mkdir_with_parents (self->resume_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create the folder “%s”: %s",
                   self->resume_dir, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static GBytes *
read_small_file (const char  *path,
                 GError     **error)
{
  char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  return g_bytes_new_take (contents, len);
}

GBytes *
ts_state_store_read_session_state (TsStateStore *self)
{
  g_autofree char *path = g_build_filename (self->dir, SESSION_FILE, NULL);
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  GBytes *bytes;

  if (g_stat (path, &st) != 0)
    return NULL;
  if (st.st_size > MAX_STATE_SIZE)
    {
      g_warning ("Ignoring the session state “%s”: it is unexpectedly large", path);
      return NULL;
    }

  bytes = read_small_file (path, &error);
  if (bytes == NULL)
    g_warning ("Could not read the session state “%s”: %s", path, error->message);
  return bytes;
}

/* Worker-side writers ------------------------------------------------------ */

static void
write_file_sync (const char *path,
                 const void *data,
                 gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_warning ("Could not create the folder “%s”: %s", dir, g_strerror (saved_errno));
      return;
    }

  /* Temporary file, fsync, rename: a crash leaves the old or the new file. */
  if (!g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("Could not save “%s”: %s", path, error->message);
}

typedef struct
{
  TsStateStore *store;
  char         *path;
  GBytes       *bytes;
} WriteOp;

static void
write_op_free (gpointer p)
{
  WriteOp *op = p;

  g_free (op->path);
  g_clear_pointer (&op->bytes, g_bytes_unref);
  g_free (op);
}

static void
write_op_run (gpointer p)
{
  WriteOp *op = p;

  if (op->bytes != NULL)
    {
      gsize len;
      const void *data = g_bytes_get_data (op->bytes, &len);

      write_file_sync (op->path, data, len);
    }
  else if (g_unlink (op->path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_warning ("Could not delete “%s”: %s", op->path, g_strerror (saved_errno));
    }
}

static void
queue_write (TsStateStore *self,
             char         *path,
             GBytes       *bytes)
{
  WriteOp *op = g_new0 (WriteOp, 1);

  op->path = path;
  op->bytes = bytes;
  ts_state_store_run (self, write_op_run, NULL, op, write_op_free);
}

void
ts_state_store_write_resume (TsStateStore *self,
                             const char   *info_hash,
                             GBytes       *data)
{
  g_return_if_fail (info_hash != NULL && data != NULL);

  queue_write (self, ts_state_store_dup_resume_path (self, info_hash), g_bytes_ref (data));
}

void
ts_state_store_delete_resume (TsStateStore *self,
                              const char   *info_hash)
{
  g_return_if_fail (info_hash != NULL);

  queue_write (self, ts_state_store_dup_resume_path (self, info_hash), NULL);
}

void
ts_state_store_write_list (TsStateStore       *self,
                           const TsStateEntry *entries,
                           guint               n_entries)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  char *data;
  gsize len;

  g_key_file_set_integer (key_file, LIST_GROUP, "version", 1);
  for (guint i = 0; i < n_entries; i++)
    {
      const TsStateEntry *entry = &entries[i];

      g_key_file_set_int64 (key_file, entry->info_hash, "added", entry->added_time);
      if (entry->name != NULL && entry->name[0] != '\0')
        g_key_file_set_string (key_file, entry->info_hash, "name", entry->name);
    }

  data = g_key_file_to_data (key_file, &len, NULL);
  queue_write (self, g_build_filename (self->dir, LIST_FILE, NULL), g_bytes_new_take (data, len));
}

void
ts_state_store_write_session_state_sync (TsStateStore *self,
                                         const void   *data,
                                         gsize         len)
{
  g_autofree char *path = g_build_filename (self->dir, SESSION_FILE, NULL);

  write_file_sync (path, data, len);
}

void
ts_state_store_write_session_state (TsStateStore *self,
                                    GBytes       *data)
{
  g_return_if_fail (data != NULL);

  queue_write (self, g_build_filename (self->dir, SESSION_FILE, NULL), g_bytes_ref (data));
}

void
ts_state_store_run (TsStateStore     *self,
                    TsStateStoreFunc  func,
                    TsStateStoreDone  done,
                    gpointer          data,
                    GDestroyNotify    destroy)
{
  StoreOp *op;

  g_return_if_fail (self != NULL && func != NULL);

  if (self->pool == NULL)
    {
      g_debug ("State store closed: dropping a request");
      if (destroy != NULL && data != NULL)
        destroy (data);
      return;
    }

  op = g_new0 (StoreOp, 1);
  op->store = ts_state_store_ref (self);
  op->func = func;
  op->done = done;
  op->data = data;
  op->destroy = destroy;
  g_thread_pool_push (self->pool, op, NULL);
}

/* Reading everything back ----------------------------------------------------- */

static gboolean
is_info_hash (const char *s)
{
  gsize len = strlen (s);

  if (len != 40 && len != 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return TRUE;
}

static void
read_resume (TsStateStore *self,
             TsStateItem  *item)
{
  g_autofree char *path = ts_state_store_dup_resume_path (self, item->entry.info_hash);
  g_autoptr(GError) error = NULL;

  item->resume = read_small_file (path, &error);
  if (item->resume == NULL && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    item->problem = g_strdup (error->message);
}

static gint
compare_items_by_time (gconstpointer a,
                       gconstpointer b)
{
  const TsStateItem *ia = *(TsStateItem * const *) a;
  const TsStateItem *ib = *(TsStateItem * const *) b;

  if (ia->entry.added_time != ib->entry.added_time)
    return ia->entry.added_time < ib->entry.added_time ? -1 : 1;
  return g_strcmp0 (ia->entry.info_hash, ib->entry.info_hash);
}

/* Without a readable list, the resume files are the next best record. */
static void
scan_resume_dir (TsStateStore *self,
                 GPtrArray    *items)
{
  g_autoptr(GDir) dir = g_dir_open (self->resume_dir, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *hash = NULL;
      g_autofree char *path = NULL;
      TsStateItem *item;
      GStatBuf st;

      if (!g_str_has_suffix (name, RESUME_SUFFIX))
        continue;
      hash = g_strndup (name, strlen (name) - strlen (RESUME_SUFFIX));
      if (!is_info_hash (hash))
        continue;

      path = g_build_filename (self->resume_dir, name, NULL);
      item = g_new0 (TsStateItem, 1);
      item->entry.info_hash = g_ascii_strdown (hash, -1);
      item->entry.added_time = g_stat (path, &st) == 0 ? (gint64) st.st_mtime : 0;
      read_resume (self, item);
      g_ptr_array_add (items, item);
    }

  g_ptr_array_sort (items, compare_items_by_time);
}

GPtrArray *
ts_state_store_read_all (TsStateStore *self)
{
  g_autofree char *list_path = g_build_filename (self->dir, LIST_FILE, NULL);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_state_item_free);

  if (!g_key_file_load_from_file (key_file, list_path, G_KEY_FILE_NONE, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_autofree char *kept = g_strconcat (list_path, ".bad", NULL);

          /* Keep the damaged file for the user; a new list replaces it. */
          if (g_rename (list_path, kept) == 0)
            g_warning ("The list of torrents “%s” could not be read (%s); it was kept as “%s” "
                       "and the torrents are restored from their resume files",
                       list_path, error->message, kept);
          else
            g_warning ("The list of torrents “%s” could not be read (%s); the torrents are "
                       "restored from their resume files", list_path, error->message);
        }
      scan_resume_dir (self, items);
      return items;
    }

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *hash = NULL;
      TsStateItem *item;
      gboolean duplicate = FALSE;

      if (g_str_equal (groups[i], LIST_GROUP))
        continue;
      if (!is_info_hash (groups[i]))
        {
          g_warning ("Ignoring “%s” in the list of torrents “%s”: it is not an info-hash",
                     groups[i], list_path);
          continue;
        }

      hash = g_ascii_strdown (groups[i], -1);
      for (guint j = 0; j < items->len && !duplicate; j++)
        duplicate = g_str_equal (((TsStateItem *) items->pdata[j])->entry.info_hash, hash);
      if (duplicate)
        continue;

      item = g_new0 (TsStateItem, 1);
      item->entry.info_hash = g_steal_pointer (&hash);
      item->entry.added_time = g_key_file_get_int64 (key_file, groups[i], "added", NULL);
      item->entry.name = g_key_file_get_string (key_file, groups[i], "name", NULL);
      read_resume (self, item);
      g_ptr_array_add (items, item);
    }

  return items;
}

void
ts_state_entry_clear (TsStateEntry *entry)
{
  g_clear_pointer (&entry->info_hash, g_free);
  g_clear_pointer (&entry->name, g_free);
}

void
ts_state_item_free (TsStateItem *item)
{
  if (item == NULL)
    return;
  ts_state_entry_clear (&item->entry);
  g_clear_pointer (&item->resume, g_bytes_unref);
  g_free (item->problem);
  g_free (item);
}
