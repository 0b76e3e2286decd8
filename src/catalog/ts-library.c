/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ts-library.h"

#define LIBRARY_VERSION    1
/* Changes within this long go to disk together. */
#define WRITE_DELAY_MS     1000
/* The library is a few kilobytes; anything this big is not ours. */
#define MAX_LIBRARY_SIZE   (32 * 1024 * 1024)
#define WATCHED_FRACTION   0.95

/* Item ---------------------------------------------------------------------------------- */

typedef struct
{
  gint64 position;
  gint64 duration;
} FilePosition;

struct _TsLibraryItem
{
  GObject     parent_instance;

  char       *info_hash;
  char       *title;
  int         year;
  char       *poster_url;
  char       *provider_id;
  char       *movie_id;
  gboolean    preloaded;
  int         last_file;
  gint64      position;
  gint64      duration;
  gboolean    watched;
  gint64      last_played;
  gint64      added;
  /* file index -> FilePosition */
  GHashTable *files;
};

G_DEFINE_FINAL_TYPE (TsLibraryItem, ts_library_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_INFO_HASH,
  ITEM_PROP_TITLE,
  ITEM_PROP_YEAR,
  ITEM_PROP_POSTER_URL,
  ITEM_PROP_PROVIDER_ID,
  ITEM_PROP_MOVIE_ID,
  ITEM_PROP_PRELOADED,
  ITEM_PROP_LAST_FILE,
  ITEM_PROP_POSITION,
  ITEM_PROP_DURATION,
  ITEM_PROP_WATCHED,
  ITEM_PROP_LAST_PLAYED,
  ITEM_PROP_ADDED,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

static void
ts_library_item_finalize (GObject *object)
{
  TsLibraryItem *self = TS_LIBRARY_ITEM (object);

  g_free (self->info_hash);
  g_free (self->title);
  g_free (self->poster_url);
  g_free (self->provider_id);
  g_free (self->movie_id);
  g_hash_table_unref (self->files);

  G_OBJECT_CLASS (ts_library_item_parent_class)->finalize (object);
}

static void
ts_library_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TsLibraryItem *self = TS_LIBRARY_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_INFO_HASH:
      g_value_set_string (value, self->info_hash);
      break;
    case ITEM_PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case ITEM_PROP_YEAR:
      g_value_set_int (value, self->year);
      break;
    case ITEM_PROP_POSTER_URL:
      g_value_set_string (value, self->poster_url);
      break;
    case ITEM_PROP_PROVIDER_ID:
      g_value_set_string (value, self->provider_id);
      break;
    case ITEM_PROP_MOVIE_ID:
      g_value_set_string (value, self->movie_id);
      break;
    case ITEM_PROP_PRELOADED:
      g_value_set_boolean (value, self->preloaded);
      break;
    case ITEM_PROP_LAST_FILE:
      g_value_set_int (value, self->last_file);
      break;
    case ITEM_PROP_POSITION:
      g_value_set_int64 (value, self->position);
      break;
    case ITEM_PROP_DURATION:
      g_value_set_int64 (value, self->duration);
      break;
    case ITEM_PROP_WATCHED:
      g_value_set_boolean (value, self->watched);
      break;
    case ITEM_PROP_LAST_PLAYED:
      g_value_set_int64 (value, self->last_played);
      break;
    case ITEM_PROP_ADDED:
      g_value_set_int64 (value, self->added);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_library_item_class_init (TsLibraryItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ts_library_item_finalize;
  object_class->get_property = ts_library_item_get_property;

  item_properties[ITEM_PROP_INFO_HASH] =
    g_param_spec_string ("info-hash", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_YEAR] =
    g_param_spec_int ("year", NULL, NULL, 0, G_MAXINT, 0, flags);
  item_properties[ITEM_PROP_POSTER_URL] =
    g_param_spec_string ("poster-url", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_PROVIDER_ID] =
    g_param_spec_string ("provider-id", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_MOVIE_ID] =
    g_param_spec_string ("movie-id", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_PRELOADED] =
    g_param_spec_boolean ("preloaded", NULL, NULL, FALSE, flags);
  item_properties[ITEM_PROP_LAST_FILE] =
    g_param_spec_int ("last-file", NULL, NULL, -1, G_MAXINT, -1, flags);
  item_properties[ITEM_PROP_POSITION] =
    g_param_spec_int64 ("position", NULL, NULL, 0, G_MAXINT64, 0, flags);
  item_properties[ITEM_PROP_DURATION] =
    g_param_spec_int64 ("duration", NULL, NULL, 0, G_MAXINT64, 0, flags);
  item_properties[ITEM_PROP_WATCHED] =
    g_param_spec_boolean ("watched", NULL, NULL, FALSE, flags);
  item_properties[ITEM_PROP_LAST_PLAYED] =
    g_param_spec_int64 ("last-played", NULL, NULL, 0, G_MAXINT64, 0, flags);
  item_properties[ITEM_PROP_ADDED] =
    g_param_spec_int64 ("added", NULL, NULL, 0, G_MAXINT64, 0, flags);

  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
ts_library_item_init (TsLibraryItem *self)
{
  self->title = g_strdup ("");
  self->poster_url = g_strdup ("");
  self->provider_id = g_strdup ("");
  self->movie_id = g_strdup ("");
  self->last_file = -1;
  self->files = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
}

static TsLibraryItem *
ts_library_item_new (const char *info_hash)
{
  TsLibraryItem *self = g_object_new (TS_TYPE_LIBRARY_ITEM, NULL);

  self->info_hash = g_strdup (info_hash);
  return self;
}

/* Setters used by the library: they notify only on change. */
static gboolean
item_set_string (TsLibraryItem  *self,
                 char          **field,
                 const char     *value,
                 guint           prop)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), item_properties[prop]);
  return TRUE;
}

static gboolean
item_set_int64 (TsLibraryItem *self,
                gint64        *field,
                gint64         value,
                guint          prop)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), item_properties[prop]);
  return TRUE;
}

static gboolean
item_set_int (TsLibraryItem *self,
              int           *field,
              int            value,
              guint          prop)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), item_properties[prop]);
  return TRUE;
}

const char *
ts_library_item_get_info_hash (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), NULL);
  return self->info_hash;
}

const char *
ts_library_item_get_title (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), NULL);
  return self->title;
}

int
ts_library_item_get_year (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), 0);
  return self->year;
}

const char *
ts_library_item_get_poster_url (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), NULL);
  return self->poster_url;
}

const char *
ts_library_item_get_provider_id (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), NULL);
  return self->provider_id;
}

const char *
ts_library_item_get_movie_id (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), NULL);
  return self->movie_id;
}

gboolean
ts_library_item_get_preloaded (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), FALSE);
  return self->preloaded;
}

int
ts_library_item_get_last_file (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), -1);
  return self->last_file;
}

gint64
ts_library_item_get_position (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), 0);
  return self->position;
}

gint64
ts_library_item_get_duration (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), 0);
  return self->duration;
}

gboolean
ts_library_item_get_watched (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), FALSE);
  return self->watched;
}

gint64
ts_library_item_get_last_played (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), 0);
  return self->last_played;
}

gint64
ts_library_item_get_added (TsLibraryItem *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY_ITEM (self), 0);
  return self->added;
}

/* Writer: shared with the worker threads --------------------------------------------- */

typedef struct
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  char            *path;
  /* The newest generation on disk; guarded by @lock. */
  guint64          written_gen;
} Writer;

static Writer *
writer_ref (Writer *writer)
{
  g_atomic_ref_count_inc (&writer->ref_count);
  return writer;
}

static void
writer_unref (Writer *writer)
{
  if (!g_atomic_ref_count_dec (&writer->ref_count))
    return;
  g_mutex_clear (&writer->lock);
  g_free (writer->path);
  g_free (writer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Writer, writer_unref)

/* Writes @data as generation @gen unless something newer is on disk already:
 * a synchronous flush may overtake a queued write, which must then not put
 * older data back. Any thread. */
static gboolean
writer_write (Writer      *writer,
              guint64      gen,
              GBytes      *data,
              GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&writer->lock);
  g_autofree char *dir = NULL;
  gsize len;
  const char *contents;

  if (gen <= writer->written_gen)
    return TRUE;

  dir = g_path_get_dirname (writer->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create the folder “%s”: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  contents = g_bytes_get_data (data, &len);
  /* A temporary file, fsync()ed, then renamed over the old one: a crash
   * leaves either the old or the new library, never half of one. */
  if (!g_file_set_contents_full (writer->path, contents, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, error))
    return FALSE;

  writer->written_gen = gen;
  return TRUE;
}

typedef struct
{
  Writer  *writer;
  guint64  gen;
  GBytes  *data;
} WriteJob;

static void
write_job_free (gpointer p)
{
  WriteJob *job = p;

  writer_unref (job->writer);
  g_bytes_unref (job->data);
  g_free (job);
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WriteJob *job = task_data;
  GError *error = NULL;

  if (writer_write (job->writer, job->gen, job->data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
write_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Could not save the library: %s", error->message);
}

/* Library ------------------------------------------------------------------------------- */

struct _TsLibrary
{
  GObject     parent_instance;

  Writer     *writer;
  /* info-hash -> TsLibraryItem */
  GHashTable *items;
  /* TsLibraryItem started and not finished, most recently played first. */
  GListStore *continue_watching;

  guint64     gen;
  guint       write_id;
};

G_DEFINE_FINAL_TYPE (TsLibrary, ts_library, G_TYPE_OBJECT)

enum {
  SIGNAL_ITEM_ADDED,
  SIGNAL_ITEM_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static JsonNode *
serialize_item (TsLibraryItem *item)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree gpointer *keys = NULL;
  guint n_keys = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "info-hash");
  json_builder_add_string_value (builder, item->info_hash);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, item->title);
  json_builder_set_member_name (builder, "year");
  json_builder_add_int_value (builder, item->year);
  json_builder_set_member_name (builder, "poster-url");
  json_builder_add_string_value (builder, item->poster_url);
  json_builder_set_member_name (builder, "provider-id");
  json_builder_add_string_value (builder, item->provider_id);
  json_builder_set_member_name (builder, "movie-id");
  json_builder_add_string_value (builder, item->movie_id);
  json_builder_set_member_name (builder, "preloaded");
  json_builder_add_boolean_value (builder, item->preloaded);
  json_builder_set_member_name (builder, "watched");
  json_builder_add_boolean_value (builder, item->watched);
  json_builder_set_member_name (builder, "last-file");
  json_builder_add_int_value (builder, item->last_file);
  json_builder_set_member_name (builder, "last-played");
  json_builder_add_int_value (builder, item->last_played);
  json_builder_set_member_name (builder, "added");
  json_builder_add_int_value (builder, item->added);

  json_builder_set_member_name (builder, "files");
  json_builder_begin_array (builder);
  /* In index order, so the file is stable from one write to the next. */
  keys = g_hash_table_get_keys_as_array (item->files, &n_keys);
  for (guint i = 0; i < n_keys; i++)
    for (guint j = i + 1; j < n_keys; j++)
      if (GPOINTER_TO_UINT (keys[j]) < GPOINTER_TO_UINT (keys[i]))
        {
          gpointer tmp = keys[i];

          keys[i] = keys[j];
          keys[j] = tmp;
        }
  for (guint i = 0; i < n_keys; i++)
    {
      FilePosition *pos = g_hash_table_lookup (item->files, keys[i]);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "index");
      json_builder_add_int_value (builder, GPOINTER_TO_UINT (keys[i]));
      json_builder_set_member_name (builder, "position");
      json_builder_add_int_value (builder, pos->position);
      json_builder_set_member_name (builder, "duration");
      json_builder_add_int_value (builder, pos->duration);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static int
compare_hashes (gconstpointer a,
                gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GBytes *
serialize (TsLibrary *self)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonArray) array = json_array_new ();
  g_autofree gpointer *hashes = NULL;
  guint n = 0;
  char *text;
  gsize len;

  hashes = g_hash_table_get_keys_as_array (self->items, &n);
  qsort (hashes, n, sizeof (gpointer), compare_hashes);
  for (guint i = 0; i < n; i++)
    json_array_add_element (array, serialize_item (g_hash_table_lookup (self->items, hashes[i])));

  json_object_set_int_member (object, "version", LIBRARY_VERSION);
  json_object_set_array_member (object, "items", g_steal_pointer (&array));
  json_node_take_object (root, g_steal_pointer (&object));

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, &len);
  return g_bytes_new_take (text, len);
}

static gboolean
write_timeout_cb (gpointer user_data)
{
  TsLibrary *self = user_data;
  g_autoptr(GTask) task = NULL;
  WriteJob *job;

  self->write_id = 0;

  job = g_new0 (WriteJob, 1);
  job->writer = writer_ref (self->writer);
  job->gen = self->gen;
  job->data = serialize (self);

  /* No source object: a write in flight does not keep the library alive,
   * and the job carries all it needs. */
  task = g_task_new (NULL, NULL, write_done_cb, NULL);
  g_task_set_source_tag (task, write_timeout_cb);
  g_task_set_task_data (task, job, write_job_free);
  g_task_run_in_thread (task, write_thread);

  return G_SOURCE_REMOVE;
}

static void
schedule_write (TsLibrary *self)
{
  self->gen++;
  if (self->write_id == 0)
    self->write_id = g_timeout_add (WRITE_DELAY_MS, write_timeout_cb, self);
}

/* Continue watching ------------------------------------------------------------------- */

static gboolean
wants_continue (TsLibraryItem *item)
{
  return item->last_file >= 0 && item->position > 0 && !item->watched;
}

/* Most recently played first; the info-hash keeps the order total. */
static int
compare_recent (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  const TsLibraryItem *ia = a;
  const TsLibraryItem *ib = b;

  if (ia->last_played != ib->last_played)
    return ia->last_played > ib->last_played ? -1 : 1;
  return strcmp (ia->info_hash, ib->info_hash);
}

static void
update_continue (TsLibrary     *self,
                 TsLibraryItem *item)
{
  GListModel *model = G_LIST_MODEL (self->continue_watching);
  guint position;
  gboolean present = g_list_store_find (self->continue_watching, item, &position);

  if (present && wants_continue (item))
    {
      g_autoptr(TsLibraryItem) before = position > 0 ? g_list_model_get_item (model, position - 1)
                                                     : NULL;
      g_autoptr(TsLibraryItem) after = g_list_model_get_item (model, position + 1);

      /* Still in order: the item's own notifications are enough, and the
       * row showing it is not rebuilt at every saved position. */
      if ((before == NULL || compare_recent (before, item, NULL) < 0) &&
          (after == NULL || compare_recent (item, after, NULL) < 0))
        return;
    }

  if (present)
    g_list_store_remove (self->continue_watching, position);
  if (wants_continue (item))
    g_list_store_insert_sorted (self->continue_watching, item, compare_recent, NULL);
}

/* Loading ------------------------------------------------------------------------------ */

static gboolean
is_info_hash (const char *text)
{
  gsize len;

  if (text == NULL)
    return FALSE;
  len = strlen (text);
  if (len != 40 && len != 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
member_int (JsonObject *object,
            const char *name,
            gint64      fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int (node);
}

static gboolean
member_bool (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  return json_node_get_boolean (node);
}

static TsLibraryItem *
parse_item (JsonNode *node)
{
  g_autoptr(TsLibraryItem) item = NULL;
  g_autofree char *info_hash = NULL;
  JsonObject *object;
  JsonNode *files;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);

  if (!is_info_hash (member_string (object, "info-hash")))
    return NULL;
  info_hash = g_ascii_strdown (member_string (object, "info-hash"), -1);

  item = ts_library_item_new (info_hash);
  g_free (item->title);
  item->title = g_strdup (member_string (object, "title") ?: "");
  item->year = (int) CLAMP (member_int (object, "year", 0), 0, G_MAXINT);
  g_free (item->poster_url);
  item->poster_url = g_strdup (member_string (object, "poster-url") ?: "");
  g_free (item->provider_id);
  item->provider_id = g_strdup (member_string (object, "provider-id") ?: "");
  g_free (item->movie_id);
  item->movie_id = g_strdup (member_string (object, "movie-id") ?: "");
  item->preloaded = member_bool (object, "preloaded");
  item->watched = member_bool (object, "watched");
  item->last_played = MAX (member_int (object, "last-played", 0), 0);
  item->added = MAX (member_int (object, "added", 0), 0);

  files = json_object_get_member (object, "files");
  if (files != NULL && JSON_NODE_HOLDS_ARRAY (files))
    {
      JsonArray *array = json_node_get_array (files);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *file = json_array_get_element (array, i);
          JsonObject *file_object;
          FilePosition *pos;
          gint64 index;

          if (!JSON_NODE_HOLDS_OBJECT (file))
            continue;
          file_object = json_node_get_object (file);
          index = member_int (file_object, "index", -1);
          if (index < 0 || index > G_MAXINT)
            continue;

          pos = g_new0 (FilePosition, 1);
          pos->position = MAX (member_int (file_object, "position", 0), 0);
          pos->duration = MAX (member_int (file_object, "duration", 0), 0);
          g_hash_table_replace (item->files, GUINT_TO_POINTER ((guint) index), pos);
        }
    }

  item->last_file = (int) member_int (object, "last-file", -1);
  if (item->last_file >= 0)
    {
      FilePosition *pos = g_hash_table_lookup (item->files,
                                               GUINT_TO_POINTER ((guint) item->last_file));

      if (pos != NULL)
        {
          item->position = pos->position;
          item->duration = pos->duration;
        }
      else
        item->last_file = -1;
    }
  else
    item->last_file = -1;

  return g_steal_pointer (&item);
}

/* Reads the file; FALSE when it exists but cannot be used. */
static gboolean
load (TsLibrary  *self,
      GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *contents = NULL;
  gsize len = 0;
  GStatBuf st;
  JsonNode *root;
  JsonObject *object;
  JsonNode *items;
  JsonArray *array;

  if (g_stat (self->writer->path, &st) != 0)
    return TRUE;
  if (st.st_size > MAX_LIBRARY_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the file is unexpectedly large");
      return FALSE;
    }
  if (!g_file_get_contents (self->writer->path, &contents, &len, error))
    return FALSE;
  if (!json_parser_load_from_data (parser, contents, len, error))
    return FALSE;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the file is not a JSON object");
      return FALSE;
    }
  object = json_node_get_object (root);
  if (member_int (object, "version", -1) != LIBRARY_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the file has no version or an unknown one");
      return FALSE;
    }
  items = json_object_get_member (object, "items");
  if (items == NULL || !JSON_NODE_HOLDS_ARRAY (items))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the file has no list of items");
      return FALSE;
    }

  array = json_node_get_array (items);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      TsLibraryItem *item = parse_item (json_array_get_element (array, i));

      /* One odd entry (written by a newer version, or edited by hand) does
       * not cost the others. */
      if (item == NULL)
        {
          g_debug ("Skipping entry %u of the library: it is not a valid item", i);
          continue;
        }
      if (g_hash_table_contains (self->items, item->info_hash))
        {
          g_debug ("Skipping entry %u of the library: its torrent is listed twice", i);
          g_object_unref (item);
          continue;
        }
      g_hash_table_replace (self->items, item->info_hash, item);
      if (wants_continue (item))
        g_list_store_insert_sorted (self->continue_watching, item, compare_recent, NULL);
    }

  return TRUE;
}

static void
ts_library_dispose (GObject *object)
{
  TsLibrary *self = TS_LIBRARY (object);

  /* Nothing the user did is lost because the owner forgot to flush. */
  if (self->writer != NULL)
    ts_library_flush (self);

  G_OBJECT_CLASS (ts_library_parent_class)->dispose (object);
}

static void
ts_library_finalize (GObject *object)
{
  TsLibrary *self = TS_LIBRARY (object);

  g_clear_pointer (&self->writer, writer_unref);
  g_clear_object (&self->continue_watching);
  g_clear_pointer (&self->items, g_hash_table_unref);

  G_OBJECT_CLASS (ts_library_parent_class)->finalize (object);
}

static void
ts_library_class_init (TsLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ts_library_dispose;
  object_class->finalize = ts_library_finalize;

  signals[SIGNAL_ITEM_ADDED] =
    g_signal_new ("item-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TS_TYPE_LIBRARY_ITEM);
  signals[SIGNAL_ITEM_REMOVED] =
    g_signal_new ("item-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TS_TYPE_LIBRARY_ITEM);
}

static void
ts_library_init (TsLibrary *self)
{
  self->items = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  self->continue_watching = g_list_store_new (TS_TYPE_LIBRARY_ITEM);
}

TsLibrary *
ts_library_new (const char *path)
{
  g_autoptr(GError) error = NULL;
  TsLibrary *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (TS_TYPE_LIBRARY, NULL);
  self->writer = g_new0 (Writer, 1);
  g_atomic_ref_count_init (&self->writer->ref_count);
  g_mutex_init (&self->writer->lock);
  self->writer->path = g_strdup (path);

  if (!load (self, &error))
    {
      g_autofree char *broken = g_strconcat (path, ".broken", NULL);

      g_hash_table_remove_all (self->items);
      g_list_store_remove_all (self->continue_watching);
      if (g_rename (path, broken) != 0)
        g_warning ("The library “%s” is damaged (%s) and could not be moved aside: %s",
                   path, error->message, g_strerror (errno));
      else
        g_warning ("The library “%s” is damaged (%s); it was kept as “%s” and the library "
                   "starts empty", path, error->message, broken);
    }

  return self;
}

static char *
normalize_hash (const char *info_hash)
{
  return g_ascii_strdown (info_hash, -1);
}

TsLibraryItem *
ts_library_lookup (TsLibrary  *self,
                   const char *info_hash)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (TS_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (info_hash != NULL, NULL);

  key = normalize_hash (info_hash);
  return g_hash_table_lookup (self->items, key);
}

static TsLibraryItem *
ensure_item (TsLibrary  *self,
             const char *info_hash)
{
  g_autofree char *key = normalize_hash (info_hash);
  TsLibraryItem *item = g_hash_table_lookup (self->items, key);

  if (item != NULL)
    return item;

  item = ts_library_item_new (key);
  item->added = g_get_real_time () / G_USEC_PER_SEC;
  g_hash_table_replace (self->items, item->info_hash, item);
  schedule_write (self);
  g_signal_emit (self, signals[SIGNAL_ITEM_ADDED], 0, item);
  return item;
}

TsLibraryItem *
ts_library_link_movie (TsLibrary  *self,
                       const char *info_hash,
                       TsMovie    *movie)
{
  TsLibraryItem *item;
  gboolean changed = FALSE;

  g_return_val_if_fail (TS_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (info_hash != NULL && *info_hash != '\0', NULL);
  g_return_val_if_fail (TS_IS_MOVIE (movie), NULL);

  item = ensure_item (self, info_hash);

  g_object_freeze_notify (G_OBJECT (item));
  changed |= item_set_string (item, &item->title, ts_movie_get_title (movie), ITEM_PROP_TITLE);
  changed |= item_set_int (item, &item->year, MAX (ts_movie_get_year (movie), 0), ITEM_PROP_YEAR);
  changed |= item_set_string (item, &item->poster_url, ts_movie_get_poster_url (movie),
                              ITEM_PROP_POSTER_URL);
  changed |= item_set_string (item, &item->provider_id, ts_movie_get_provider_id (movie),
                              ITEM_PROP_PROVIDER_ID);
  changed |= item_set_string (item, &item->movie_id, ts_movie_get_id (movie), ITEM_PROP_MOVIE_ID);
  g_object_thaw_notify (G_OBJECT (item));

  if (changed)
    schedule_write (self);
  return item;
}

void
ts_library_set_preloaded (TsLibrary  *self,
                          const char *info_hash,
                          gboolean    preloaded)
{
  TsLibraryItem *item;

  g_return_if_fail (TS_IS_LIBRARY (self));
  g_return_if_fail (info_hash != NULL && *info_hash != '\0');

  item = ensure_item (self, info_hash);
  preloaded = !!preloaded;
  if (item->preloaded == preloaded)
    return;
  item->preloaded = preloaded;
  g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_PRELOADED]);
  schedule_write (self);
}

void
ts_library_set_position (TsLibrary  *self,
                         const char *info_hash,
                         guint       file_index,
                         gint64      position,
                         gint64      duration)
{
  TsLibraryItem *item;
  FilePosition *pos;
  gint64 now;

  g_return_if_fail (TS_IS_LIBRARY (self));
  g_return_if_fail (info_hash != NULL && *info_hash != '\0');
  g_return_if_fail (file_index <= G_MAXINT);

  position = MAX (position, 0);
  duration = MAX (duration, 0);
  item = ensure_item (self, info_hash);

  pos = g_hash_table_lookup (item->files, GUINT_TO_POINTER (file_index));
  if (pos == NULL)
    {
      pos = g_new0 (FilePosition, 1);
      g_hash_table_replace (item->files, GUINT_TO_POINTER (file_index), pos);
    }
  pos->position = position;
  /* A player may not know the duration yet: keep the last one it knew. */
  if (duration > 0)
    pos->duration = duration;

  now = g_get_real_time () / G_USEC_PER_SEC;

  g_object_freeze_notify (G_OBJECT (item));
  item_set_int (item, &item->last_file, (int) file_index, ITEM_PROP_LAST_FILE);
  item_set_int64 (item, &item->position, pos->position, ITEM_PROP_POSITION);
  item_set_int64 (item, &item->duration, pos->duration, ITEM_PROP_DURATION);
  item_set_int64 (item, &item->last_played, MAX (now, item->last_played), ITEM_PROP_LAST_PLAYED);
  if (!item->watched && pos->duration > 0 &&
      (double) pos->position >= WATCHED_FRACTION * (double) pos->duration)
    {
      item->watched = TRUE;
      g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_WATCHED]);
    }
  g_object_thaw_notify (G_OBJECT (item));

  update_continue (self, item);
  schedule_write (self);
}

gint64
ts_library_get_position (TsLibrary  *self,
                         const char *info_hash,
                         guint       file_index)
{
  TsLibraryItem *item;
  FilePosition *pos;

  g_return_val_if_fail (TS_IS_LIBRARY (self), -1);
  g_return_val_if_fail (info_hash != NULL, -1);

  item = ts_library_lookup (self, info_hash);
  if (item == NULL)
    return -1;
  pos = g_hash_table_lookup (item->files, GUINT_TO_POINTER (file_index));
  return pos != NULL ? pos->position : -1;
}

void
ts_library_set_watched (TsLibrary  *self,
                        const char *info_hash,
                        gboolean    watched)
{
  TsLibraryItem *item;

  g_return_if_fail (TS_IS_LIBRARY (self));
  g_return_if_fail (info_hash != NULL && *info_hash != '\0');

  item = ensure_item (self, info_hash);
  watched = !!watched;
  if (item->watched == watched)
    return;
  item->watched = watched;
  g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_WATCHED]);
  update_continue (self, item);
  schedule_write (self);
}

void
ts_library_forget (TsLibrary  *self,
                   const char *info_hash)
{
  g_autoptr(TsLibraryItem) item = NULL;
  g_autofree char *key = NULL;
  guint position;

  g_return_if_fail (TS_IS_LIBRARY (self));
  g_return_if_fail (info_hash != NULL);

  key = normalize_hash (info_hash);
  item = g_hash_table_lookup (self->items, key);
  if (item == NULL)
    return;

  g_object_ref (item);
  g_hash_table_remove (self->items, key);
  if (g_list_store_find (self->continue_watching, item, &position))
    g_list_store_remove (self->continue_watching, position);
  schedule_write (self);
  g_signal_emit (self, signals[SIGNAL_ITEM_REMOVED], 0, item);
}

GListModel *
ts_library_get_continue_watching (TsLibrary *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY (self), NULL);

  return G_LIST_MODEL (self->continue_watching);
}

void
ts_library_flush (TsLibrary *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  gboolean pending;

  g_return_if_fail (TS_IS_LIBRARY (self));

  g_clear_handle_id (&self->write_id, g_source_remove);

  /* Waits for a write in flight; it may already hold the newest data. */
  g_mutex_lock (&self->writer->lock);
  pending = self->writer->written_gen < self->gen;
  g_mutex_unlock (&self->writer->lock);
  if (!pending)
    return;

  data = serialize (self);
  if (!writer_write (self->writer, self->gen, data, &error))
    g_warning ("Could not save the library: %s", error->message);
}

const char *
ts_library_get_path (TsLibrary *self)
{
  g_return_val_if_fail (TS_IS_LIBRARY (self), NULL);

  return self->writer->path;
}
