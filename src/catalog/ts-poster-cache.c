/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ts-catalog-http.h"
#include "ts-poster-cache.h"

/* Posters are a few hundred KiB at most; anything far bigger is not one. */
#define MAX_POSTER_BYTES (5 * 1024 * 1024)
/* Several posters load at once while scrolling. */
#define MAX_CONNECTIONS 6

/* The on-disk part, shared with worker threads. Thread tasks hold this
 * rather than the cache: a worker drops the last reference to its GTask,
 * and the cache (with its SoupSession) must be finalized on its own
 * thread. */
typedef struct {
  gatomicrefcount  ref;
  GMutex           lock;
  char            *directory;
  guint64          max_bytes;
  gint64           used_bytes;   /* -1 until the folder was measured */
} DiskCache;

static DiskCache *
disk_cache_ref (DiskCache *disk)
{
  g_atomic_ref_count_inc (&disk->ref);
  return disk;
}

static void
disk_cache_unref (DiskCache *disk)
{
  if (!g_atomic_ref_count_dec (&disk->ref))
    return;
  g_mutex_clear (&disk->lock);
  g_free (disk->directory);
  g_free (disk);
}

struct _TsPosterCache
{
  GObject      parent_instance;

  guint        max_textures;
  guint64      max_memory_bytes;
  guint        timeout_ms;
  SoupSession *session;

  /* In memory: url → GList link in lru, whose data is a MemoryEntry; the
   * most recently used is at the head. Main thread only. */
  GHashTable  *memory;
  GQueue       lru;
  guint64      memory_bytes;

  /* url → Fetch, for downloads in progress. Main thread only. */
  GHashTable  *fetches;

  DiskCache   *disk;

  /* Posters are decoded to fit this box (0: their own size). */
  int          decode_width;
  int          decode_height;
};

G_DEFINE_FINAL_TYPE (TsPosterCache, ts_poster_cache, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DIRECTORY,
  PROP_MAX_DISK_BYTES,
  PROP_MAX_TEXTURES,
  PROP_MAX_MEMORY_BYTES,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  char       *url;
  GdkTexture *texture;
  guint64     bytes;
} MemoryEntry;

typedef struct {
  TsPosterCache *self;
  char          *url;
  char          *path;
  /* GTask of each caller waiting for this poster. */
  GPtrArray     *waiters;
  GCancellable  *cancellable;
  /* No longer in self->fetches: every caller left. */
  gboolean       orphaned;
} Fetch;

typedef struct {
  Fetch   *fetch;
  GSource *cancel_source;
} Waiter;

static void
memory_entry_free (MemoryEntry *entry)
{
  g_free (entry->url);
  g_clear_object (&entry->texture);
  g_free (entry);
}

static void
waiter_free (Waiter *waiter)
{
  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_free (waiter);
}

static void
fetch_free (Fetch *fetch)
{
  g_clear_object (&fetch->self);
  g_free (fetch->url);
  g_free (fetch->path);
  g_ptr_array_unref (fetch->waiters);
  g_clear_object (&fetch->cancellable);
  g_free (fetch);
}

static void
ts_poster_cache_dispose (GObject *object)
{
  TsPosterCache *self = TS_POSTER_CACHE (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  ts_poster_cache_clear_memory (self);

  G_OBJECT_CLASS (ts_poster_cache_parent_class)->dispose (object);
}

static void
ts_poster_cache_finalize (GObject *object)
{
  TsPosterCache *self = TS_POSTER_CACHE (object);

  g_hash_table_unref (self->memory);
  /* Every fetch holds a reference, so none can be left here. */
  g_hash_table_unref (self->fetches);
  disk_cache_unref (self->disk);

  G_OBJECT_CLASS (ts_poster_cache_parent_class)->finalize (object);
}

static void
ts_poster_cache_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TsPosterCache *self = TS_POSTER_CACHE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_string (value, self->disk->directory);
      break;
    case PROP_MAX_DISK_BYTES:
      g_value_set_uint64 (value, ts_poster_cache_get_max_disk_bytes (self));
      break;
    case PROP_MAX_TEXTURES:
      g_value_set_uint (value, self->max_textures);
      break;
    case PROP_MAX_MEMORY_BYTES:
      g_value_set_uint64 (value, self->max_memory_bytes);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void trim_memory (TsPosterCache *self);

static void
ts_poster_cache_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TsPosterCache *self = TS_POSTER_CACHE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_free (self->disk->directory);
      self->disk->directory = g_value_dup_string (value);
      if (self->disk->directory == NULL || *self->disk->directory == '\0')
        {
          g_free (self->disk->directory);
          self->disk->directory = g_build_filename (g_get_user_cache_dir (), "torrentstream",
                                                    "posters", NULL);
        }
      break;
    case PROP_MAX_DISK_BYTES:
      ts_poster_cache_set_max_disk_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_TEXTURES:
      if (self->max_textures != g_value_get_uint (value))
        {
          self->max_textures = g_value_get_uint (value);
          trim_memory (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_MAX_MEMORY_BYTES:
      if (self->max_memory_bytes != g_value_get_uint64 (value))
        {
          self->max_memory_bytes = g_value_get_uint64 (value);
          trim_memory (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_TIMEOUT:
      if (self->timeout_ms != g_value_get_uint (value))
        {
          self->timeout_ms = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_poster_cache_class_init (TsPosterCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ts_poster_cache_dispose;
  object_class->finalize = ts_poster_cache_finalize;
  object_class->get_property = ts_poster_cache_get_property;
  object_class->set_property = ts_poster_cache_set_property;

  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_DISK_BYTES] =
    g_param_spec_uint64 ("max-disk-bytes", NULL, NULL, 1, G_MAXUINT64,
                         TS_POSTER_CACHE_DEFAULT_DISK_BYTES, rw);
  properties[PROP_MAX_TEXTURES] =
    g_param_spec_uint ("max-textures", NULL, NULL, 1, G_MAXUINT,
                       TS_POSTER_CACHE_DEFAULT_TEXTURES, rw);
  properties[PROP_MAX_MEMORY_BYTES] =
    g_param_spec_uint64 ("max-memory-bytes", NULL, NULL, 1, G_MAXUINT64,
                         TS_POSTER_CACHE_DEFAULT_MEMORY_BYTES, rw);
  /* Milliseconds without progress before a download fails. */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT,
                       TS_CATALOG_DEFAULT_TIMEOUT * 1000, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ts_poster_cache_init (TsPosterCache *self)
{
  self->max_textures = TS_POSTER_CACHE_DEFAULT_TEXTURES;
  self->max_memory_bytes = TS_POSTER_CACHE_DEFAULT_MEMORY_BYTES;
  self->timeout_ms = TS_CATALOG_DEFAULT_TIMEOUT * 1000;
  self->disk = g_new0 (DiskCache, 1);
  g_atomic_ref_count_init (&self->disk->ref);
  g_mutex_init (&self->disk->lock);
  self->disk->max_bytes = TS_POSTER_CACHE_DEFAULT_DISK_BYTES;
  self->disk->used_bytes = -1;
  self->memory = g_hash_table_new (g_str_hash, g_str_equal);
  self->fetches = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->lru);
  self->session = ts_catalog_http_session_new (MAX_CONNECTIONS);
}

TsPosterCache *
ts_poster_cache_new (const char *directory,
                     guint64     max_disk_bytes)
{
  return g_object_new (TS_TYPE_POSTER_CACHE,
                       "directory", directory,
                       "max-disk-bytes", max_disk_bytes > 0 ? max_disk_bytes
                                                            : TS_POSTER_CACHE_DEFAULT_DISK_BYTES,
                       NULL);
}

const char *
ts_poster_cache_get_directory (TsPosterCache *self)
{
  g_return_val_if_fail (TS_IS_POSTER_CACHE (self), NULL);
  return self->disk->directory;
}

guint64
ts_poster_cache_get_max_disk_bytes (TsPosterCache *self)
{
  guint64 result;

  g_return_val_if_fail (TS_IS_POSTER_CACHE (self), 0);

  g_mutex_lock (&self->disk->lock);
  result = self->disk->max_bytes;
  g_mutex_unlock (&self->disk->lock);
  return result;
}

void
ts_poster_cache_set_max_disk_bytes (TsPosterCache *self,
                                    guint64        max_disk_bytes)
{
  gboolean changed;

  g_return_if_fail (TS_IS_POSTER_CACHE (self));
  g_return_if_fail (max_disk_bytes > 0);

  /* A smaller cap takes effect at the next write, on a worker thread. */
  g_mutex_lock (&self->disk->lock);
  changed = self->disk->max_bytes != max_disk_bytes;
  self->disk->max_bytes = max_disk_bytes;
  g_mutex_unlock (&self->disk->lock);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_DISK_BYTES]);
}

static gboolean
mib_to_bytes (GValue   *value,
              GVariant *variant,
              gpointer  user_data)
{
  g_value_set_uint64 (value, (guint64) MAX (g_variant_get_int32 (variant), 1) * 1024 * 1024);
  return TRUE;
}

void
ts_poster_cache_bind_settings (TsPosterCache *self,
                               GSettings     *settings)
{
  g_return_if_fail (TS_IS_POSTER_CACHE (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_settings_bind_with_mapping (settings, "poster-cache-size", self, "max-disk-bytes",
                                G_SETTINGS_BIND_GET, mib_to_bytes, NULL, NULL, NULL);
}

/* Memory cache -------------------------------------------------------------- */

static void
drop_entry (TsPosterCache *self,
            GList         *link)
{
  MemoryEntry *entry = link->data;

  g_hash_table_remove (self->memory, entry->url);
  g_queue_delete_link (&self->lru, link);
  self->memory_bytes -= entry->bytes;
  memory_entry_free (entry);
}

static void
trim_memory (TsPosterCache *self)
{
  /* Keep at least the newest one, even when it alone is over the cap. */
  while (self->lru.length > 1 &&
         (self->lru.length > self->max_textures || self->memory_bytes > self->max_memory_bytes))
    drop_entry (self, self->lru.tail);
}

static void
remember_texture (TsPosterCache *self,
                  const char    *url,
                  GdkTexture    *texture)
{
  MemoryEntry *entry;
  GList *link;

  link = g_hash_table_lookup (self->memory, url);
  if (link != NULL)
    drop_entry (self, link);

  entry = g_new0 (MemoryEntry, 1);
  entry->url = g_strdup (url);
  entry->texture = g_object_ref (texture);
  /* What the GPU upload and the pixel copy cost: 4 bytes a pixel. */
  entry->bytes = (guint64) gdk_texture_get_width (texture) * gdk_texture_get_height (texture) * 4;
  g_queue_push_head (&self->lru, entry);
  g_hash_table_insert (self->memory, entry->url, self->lru.head);
  self->memory_bytes += entry->bytes;
  trim_memory (self);
}

GdkTexture *
ts_poster_cache_lookup (TsPosterCache *self,
                        const char    *url)
{
  GList *link;

  g_return_val_if_fail (TS_IS_POSTER_CACHE (self), NULL);

  if (url == NULL)
    return NULL;
  link = g_hash_table_lookup (self->memory, url);
  if (link == NULL)
    return NULL;
  g_queue_unlink (&self->lru, link);
  g_queue_push_head_link (&self->lru, link);
  return g_object_ref (((MemoryEntry *) link->data)->texture);
}

void
ts_poster_cache_clear_memory (TsPosterCache *self)
{
  g_return_if_fail (TS_IS_POSTER_CACHE (self));

  while (self->lru.head != NULL)
    drop_entry (self, self->lru.head);
}

guint
ts_poster_cache_get_n_textures (TsPosterCache *self)
{
  g_return_val_if_fail (TS_IS_POSTER_CACHE (self), 0);
  return self->lru.length;
}

guint64
ts_poster_cache_get_memory_bytes (TsPosterCache *self)
{
  g_return_val_if_fail (TS_IS_POSTER_CACHE (self), 0);
  return self->memory_bytes;
}

/* Disk cache (worker threads) ----------------------------------------------- */

static gboolean
is_cache_file_name (const char *name)
{
  if (strlen (name) != 40)
    return FALSE;
  for (guint i = 0; i < 40; i++)
    if (!g_ascii_isxdigit (name[i]))
      return FALSE;
  return TRUE;
}

/* Marks a file as just used. Explicit microsecond times, because the
 * kernel's file times are coarse and would tie posters used in a row. */
static void
touch_file (const char *path)
{
  gint64 now = g_get_real_time ();
  struct timespec times[2];

  times[0].tv_sec = now / G_USEC_PER_SEC;
  times[0].tv_nsec = (now % G_USEC_PER_SEC) * 1000;
  times[1] = times[0];
  if (utimensat (AT_FDCWD, path, times, 0) != 0)
    g_debug ("Could not update the time of %s: %s", path, g_strerror (errno));
}

typedef struct {
  char   *path;
  gint64  size;
  gint64  mtime_ns;
} DiskFile;

static int
compare_disk_files (gconstpointer a,
                    gconstpointer b)
{
  const DiskFile *fa = a;
  const DiskFile *fb = b;

  if (fa->mtime_ns != fb->mtime_ns)
    return fa->mtime_ns < fb->mtime_ns ? -1 : 1;
  return g_strcmp0 (fa->path, fb->path);
}

static void
disk_file_clear (gpointer data)
{
  g_free (((DiskFile *) data)->path);
}

/* Deletes the least recently used files until the folder holds at most
 * @target bytes; returns what it holds then. Call with the disk lock held. */
static gint64
evict_locked (const char *directory,
              guint64     target)
{
  g_autoptr(GArray) files = g_array_new (FALSE, FALSE, sizeof (DiskFile));
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gint64 total = 0;

  g_array_set_clear_func (files, disk_file_clear);
  dir = g_dir_open (directory, 0, NULL);
  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      DiskFile file;
      GStatBuf st;

      if (!is_cache_file_name (name))
        continue;
      file.path = g_build_filename (directory, name, NULL);
      if (g_stat (file.path, &st) != 0 || !S_ISREG (st.st_mode))
        {
          g_free (file.path);
          continue;
        }
      file.size = st.st_size;
      file.mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) +
                      st.st_mtim.tv_nsec;
      total += file.size;
      g_array_append_val (files, file);
    }

  g_array_sort (files, compare_disk_files);
  for (guint i = 0; i < files->len && total > (gint64) target; i++)
    {
      DiskFile *file = &g_array_index (files, DiskFile, i);

      if (g_unlink (file->path) == 0)
        total -= file->size;
      else
        g_debug ("Could not remove %s: %s", file->path, g_strerror (errno));
    }
  return total;
}

static void
store_on_disk (DiskCache  *disk,
               const char *path,
               GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  g_mutex_lock (&disk->lock);

  if (g_mkdir_with_parents (disk->directory, 0700) != 0)
    {
      g_debug ("Could not create %s: %s", disk->directory, g_strerror (errno));
      goto out;
    }
  /* No fsync: a poster damaged by a crash fails to decode and is fetched
   * again. */
  if (!g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_NONE, 0600, &error))
    {
      /* The poster still shows; it only is not kept. */
      g_debug ("Could not save a poster: %s", error->message);
      goto out;
    }
  touch_file (path);

  if (disk->used_bytes < 0)
    disk->used_bytes = evict_locked (disk->directory, G_MAXINT64);
  else
    disk->used_bytes += length;
  /* Evict down to 90 % of the cap, so that a full cache is not scanned
   * again at every new poster. */
  if ((guint64) disk->used_bytes > disk->max_bytes)
    disk->used_bytes = evict_locked (disk->directory, disk->max_bytes / 10 * 9);

out:
  g_mutex_unlock (&disk->lock);
}

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  const int *box = user_data;
  double scale;

  if (width <= box[0] && height <= box[1])
    return;
  scale = MIN ((double) box[0] / width, (double) box[1] / height);
  gdk_pixbuf_loader_set_size (loader, MAX ((int) (width * scale + 0.5), 1),
                              MAX ((int) (height * scale + 0.5), 1));
}

/* Posters are JPEG or PNG nearly always: named, gdk-pixbuf needs no MIME
 * database to pick its loader (it guesses the type with one otherwise). */
static const char *
sniff_type (GBytes *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  if (length >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "png";
  if (length >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return "jpeg";
  return NULL;
}

/* Decoded straight to the size a tile shows (never larger than the
 * image): a 300×450 poster takes 527 KB as a full-size texture, 115 KB at
 * 160×240 in RGB, and a grid keeps a few hundred tiles alive. */
static GdkTexture *
decode_to_fit (GBytes  *bytes,
               int      width,
               int      height,
               GError **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GBytes) pixels = NULL;
  int box[2] = { width, height };
  const char *type = sniff_type (bytes);
  GdkPixbuf *pixbuf;

  if (type != NULL)
    loader = gdk_pixbuf_loader_new_with_type (type, NULL);
  if (loader == NULL)
    loader = gdk_pixbuf_loader_new ();

  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), box);
  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, error) || !gdk_pixbuf_loader_close (loader, error))
    {
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no image");
      return NULL;
    }

  pixels = gdk_pixbuf_read_pixel_bytes (pixbuf);
  return gdk_memory_texture_new (gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf),
                                 gdk_pixbuf_get_has_alpha (pixbuf) ? GDK_MEMORY_R8G8B8A8
                                                                   : GDK_MEMORY_R8G8B8,
                                 pixels, gdk_pixbuf_get_rowstride (pixbuf));
}

static GdkTexture *
decode (GBytes  *bytes,
        int      width,
        int      height,
        GError **error)
{
  g_autoptr(GError) local_error = NULL;
  GdkTexture *texture;

  if (width > 0 && height > 0)
    texture = decode_to_fit (bytes, width, height, &local_error);
  else
    texture = gdk_texture_new_from_bytes (bytes, &local_error);
  if (texture == NULL)
    {
      g_debug ("Poster does not decode: %s", local_error->message);
      g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_IMAGE,
                           _("The poster is not a valid image"));
    }
  return texture;
}

typedef struct {
  DiskCache *disk;
  char      *path;
  GBytes    *bytes;   /* downloaded, to decode and store; NULL for a lookup */
  int        width;   /* the decoding box, see decode() */
  int        height;
} DiskJob;

static void
disk_job_free (DiskJob *job)
{
  disk_cache_unref (job->disk);
  g_free (job->path);
  g_clear_pointer (&job->bytes, g_bytes_unref);
  g_free (job);
}

static void
disk_lookup_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  DiskJob *job = task_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  char *contents;
  gsize length;

  if (!g_file_get_contents (job->path, &contents, &length, NULL))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  bytes = g_bytes_new_take (contents, length);
  texture = decode (bytes, job->width, job->height, NULL);
  if (texture == NULL)
    {
      /* Damaged on disk: forget it and download again. */
      g_mutex_lock (&job->disk->lock);
      if (g_unlink (job->path) == 0 && job->disk->used_bytes >= (gint64) length)
        job->disk->used_bytes -= length;
      g_mutex_unlock (&job->disk->lock);
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  touch_file (job->path);
  g_task_return_pointer (task, g_steal_pointer (&texture), g_object_unref);
}

static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DiskJob *job = task_data;
  GError *error = NULL;
  GdkTexture *texture;

  texture = decode (job->bytes, job->width, job->height, &error);
  if (texture == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Only images that decode are kept. */
  store_on_disk (job->disk, job->path, job->bytes);
  g_task_return_pointer (task, texture, g_object_unref);
}

static DiskJob *
disk_job_new (Fetch  *fetch,
              GBytes *bytes)
{
  DiskJob *job = g_new0 (DiskJob, 1);

  job->disk = disk_cache_ref (fetch->self->disk);
  job->path = g_strdup (fetch->path);
  job->bytes = bytes;
  job->width = fetch->self->decode_width;
  job->height = fetch->self->decode_height;
  return job;
}

/* Fetching (main thread) ---------------------------------------------------- */

static void
complete_fetch (Fetch      *fetch,
                GdkTexture *texture,
                GError     *error)
{
  TsPosterCache *self = fetch->self;
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&fetch->waiters);

  fetch->waiters = g_ptr_array_new ();
  if (!fetch->orphaned)
    g_hash_table_remove (self->fetches, fetch->url);
  if (texture != NULL)
    remember_texture (self, fetch->url, texture);

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);
      Waiter *waiter = g_task_get_task_data (task);

      waiter->fetch = NULL;
      if (waiter->cancel_source != NULL)
        {
          g_source_destroy (waiter->cancel_source);
          g_clear_pointer (&waiter->cancel_source, g_source_unref);
        }
      if (texture != NULL)
        g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
      else
        g_task_return_error (task, g_error_copy (error));
    }
  fetch_free (fetch);
}

static void
on_decoded (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = g_task_propagate_pointer (G_TASK (result), &error);
  complete_fetch (fetch, texture, error);
}

static void
on_downloaded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *fetch = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;

  bytes = ts_catalog_http_get_finish (result, &error);
  if (bytes == NULL)
    {
      complete_fetch (fetch, NULL, error);
      return;
    }

  task = g_task_new (NULL, fetch->cancellable, on_decoded, fetch);
  g_task_set_source_tag (task, on_downloaded);
  g_task_set_task_data (task, disk_job_new (fetch, g_steal_pointer (&bytes)),
                        (GDestroyNotify) disk_job_free);
  g_task_run_in_thread (task, decode_thread);
}

static void
on_disk_checked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fetch *fetch = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = g_task_propagate_pointer (G_TASK (result), &error);
  if (texture != NULL || error != NULL)
    {
      complete_fetch (fetch, texture, error);
      return;
    }
  ts_catalog_http_get_async (fetch->self->session, fetch->url, fetch->self->timeout_ms,
                             MAX_POSTER_BYTES, fetch->cancellable, on_downloaded, fetch);
}

static gboolean
on_waiter_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);
  Waiter *waiter = g_task_get_task_data (task);
  Fetch *fetch = waiter->fetch;

  g_clear_pointer (&waiter->cancel_source, g_source_unref);
  waiter->fetch = NULL;
  g_ptr_array_remove (fetch->waiters, task);
  g_task_return_error_if_cancelled (task);

  /* Nobody else wants it: stop the download. A later request starts anew
   * rather than joining a cancelled one. */
  if (fetch->waiters->len == 0 && !fetch->orphaned)
    {
      fetch->orphaned = TRUE;
      g_hash_table_remove (fetch->self->fetches, fetch->url);
      g_cancellable_cancel (fetch->cancellable);
    }
  return G_SOURCE_REMOVE;
}

static Fetch *
start_fetch (TsPosterCache *self,
             const char    *url)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = g_compute_checksum_for_string (G_CHECKSUM_SHA1, url, -1);
  Fetch *fetch;

  fetch = g_new0 (Fetch, 1);
  fetch->self = g_object_ref (self);
  fetch->url = g_strdup (url);
  fetch->path = g_build_filename (self->disk->directory, name, NULL);
  fetch->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  fetch->cancellable = g_cancellable_new ();
  g_hash_table_insert (self->fetches, fetch->url, fetch);

  task = g_task_new (NULL, fetch->cancellable, on_disk_checked, fetch);
  g_task_set_source_tag (task, start_fetch);
  g_task_set_task_data (task, disk_job_new (fetch, NULL), (GDestroyNotify) disk_job_free);
  g_task_run_in_thread (task, disk_lookup_thread);
  return fetch;
}

void
ts_poster_cache_load_async (TsPosterCache       *self,
                            const char          *url,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  Waiter *waiter;
  Fetch *fetch;

  g_return_if_fail (TS_IS_POSTER_CACHE (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_poster_cache_load_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  texture = ts_poster_cache_lookup (self, url);
  if (texture != NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&texture), g_object_unref);
      return;
    }

  fetch = g_hash_table_lookup (self->fetches, url);
  if (fetch == NULL)
    fetch = start_fetch (self, url);

  waiter = g_new0 (Waiter, 1);
  waiter->fetch = fetch;
  g_task_set_task_data (task, waiter, (GDestroyNotify) waiter_free);
  if (cancellable != NULL)
    {
      /* A source rather than a signal handler: it runs on our main context
       * whichever thread cancels. */
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (waiter->cancel_source, "[torrentstream] poster cancelled");
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (on_waiter_cancelled),
                             task, NULL);
      g_source_attach (waiter->cancel_source, g_task_get_context (task));
    }
  g_ptr_array_add (fetch->waiters, g_steal_pointer (&task));
}

GdkTexture *
ts_poster_cache_load_finish (TsPosterCache  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (TS_IS_POSTER_CACHE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        ts_poster_cache_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Posters decoded from now on fit in @width × @height pixels (smaller
 * ones keep their size); 0 × 0 keeps every poster's own size. The ones in
 * memory already stay as they are. */
void
ts_poster_cache_set_decode_size (TsPosterCache *self,
                                 int            width,
                                 int            height)
{
  g_return_if_fail (TS_IS_POSTER_CACHE (self));
  g_return_if_fail (width >= 0 && height >= 0);

  self->decode_width = width;
  self->decode_height = height;
}
