/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ts-archive-provider.h"
#include "ts-catalog-page.h"
#include "ts-catalog-provider.h"
#include "ts-catalog-query.h"
#include "ts-catalog-util.h"
#include "ts-movie.h"
#include "ts-movie-torrent.h"
#include "ts-yts-provider.h"

/* Bump when the saved page format changes; older files are ignored. */
#define CACHE_FORMAT_VERSION 1

G_DEFINE_INTERFACE (TsCatalogProvider, ts_catalog_provider, G_TYPE_OBJECT)

static const char * const no_values[] = { NULL };

static const char * const *
default_get_list (TsCatalogProvider *self)
{
  return no_values;
}

static void
ts_catalog_provider_default_init (TsCatalogProviderInterface *iface)
{
  iface->get_genres = default_get_list;
  iface->get_qualities = default_get_list;
}

TsCatalogProvider *
ts_catalog_provider_new_for_settings (GSettings  *settings,
                                      GError    **error)
{
  g_autofree char *provider = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  provider = g_settings_get_string (settings, "catalog-provider");
  if (g_strcmp0 (provider, "yts") == 0)
    {
      g_autofree char *url = g_strstrip (g_settings_get_string (settings, "yts-url"));

      if (*url == '\0')
        {
          g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_ADDRESS,
                               _("Set the address of a YTS-compatible catalog "
                                 "in Preferences first"));
          return NULL;
        }
      return TS_CATALOG_PROVIDER (ts_yts_provider_new (url));
    }
  else
    {
      g_autofree char *url = g_strstrip (g_settings_get_string (settings, "archive-url"));
      g_autofree char *query = g_strstrip (g_settings_get_string (settings, "archive-query"));

      return TS_CATALOG_PROVIDER (ts_archive_provider_new (*url != '\0' ? url : NULL,
                                                           *query != '\0' ? query : NULL));
    }
}

const char *
ts_catalog_provider_get_id (TsCatalogProvider *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PROVIDER (self), NULL);
  return TS_CATALOG_PROVIDER_GET_IFACE (self)->get_id (self);
}

const char *
ts_catalog_provider_get_name (TsCatalogProvider *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PROVIDER (self), NULL);
  return TS_CATALOG_PROVIDER_GET_IFACE (self)->get_name (self);
}

const char * const *
ts_catalog_provider_get_genres (TsCatalogProvider *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PROVIDER (self), no_values);
  return TS_CATALOG_PROVIDER_GET_IFACE (self)->get_genres (self);
}

const char * const *
ts_catalog_provider_get_qualities (TsCatalogProvider *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PROVIDER (self), no_values);
  return TS_CATALOG_PROVIDER_GET_IFACE (self)->get_qualities (self);
}

/* Offline cache ------------------------------------------------------------- */

static char *
cache_path (TsCatalogProvider    *self,
            const TsCatalogQuery *query)
{
  g_autofree char *catalog = TS_CATALOG_PROVIDER_GET_IFACE (self)->dup_cache_key (self);
  g_autofree char *query_key = ts_catalog_query_to_key (query);
  g_autofree char *key = g_strconcat (catalog, "\n", query_key, NULL);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA1, key, -1);
  g_autofree char *name = g_strconcat (ts_catalog_provider_get_id (self), "-", hash, ".json", NULL);

  return g_build_filename (g_get_user_cache_dir (), "torrentstream", "catalog", name, NULL);
}

static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *member,
         gint64       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

static void
serialize_movie (JsonBuilder *builder,
                 TsMovie     *movie)
{
  GListModel *torrents = ts_movie_get_torrents (movie);
  const char * const *genres = ts_movie_get_genres (movie);

  json_builder_begin_object (builder);
  add_string (builder, "id", ts_movie_get_id (movie));
  add_string (builder, "title", ts_movie_get_title (movie));
  add_int (builder, "year", ts_movie_get_year (movie));
  json_builder_set_member_name (builder, "rating");
  json_builder_add_double_value (builder, ts_movie_get_rating (movie));
  add_int (builder, "runtime", ts_movie_get_runtime (movie));
  json_builder_set_member_name (builder, "genres");
  json_builder_begin_array (builder);
  for (guint i = 0; genres[i] != NULL; i++)
    json_builder_add_string_value (builder, genres[i]);
  json_builder_end_array (builder);
  add_string (builder, "synopsis", ts_movie_get_synopsis (movie));
  add_string (builder, "poster_url", ts_movie_get_poster_url (movie));
  add_string (builder, "backdrop_url", ts_movie_get_backdrop_url (movie));

  json_builder_set_member_name (builder, "torrents");
  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(TsMovieTorrent) torrent = g_list_model_get_item (torrents, i);

      json_builder_begin_object (builder);
      add_string (builder, "label", ts_movie_torrent_get_label (torrent));
      add_int (builder, "size", ts_movie_torrent_get_size (torrent));
      add_int (builder, "seeds", ts_movie_torrent_get_seeds (torrent));
      add_int (builder, "peers", ts_movie_torrent_get_peers (torrent));
      add_string (builder, "magnet", ts_movie_torrent_get_magnet (torrent));
      add_string (builder, "torrent_url", ts_movie_torrent_get_torrent_url (torrent));
      add_string (builder, "info_hash", ts_movie_torrent_get_info_hash (torrent));
      add_string (builder, "file_hint", ts_movie_torrent_get_file_hint (torrent));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static GBytes *
serialize_page (TsCatalogProvider *self,
                TsCatalogPage     *page)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  gsize length;
  char *data;

  json_builder_begin_object (builder);
  add_int (builder, "version", CACHE_FORMAT_VERSION);
  add_string (builder, "provider", ts_catalog_provider_get_id (self));
  add_int (builder, "fetched_at", g_get_real_time () / G_USEC_PER_SEC);
  add_int (builder, "page", ts_catalog_page_get_page (page));
  add_int (builder, "total", ts_catalog_page_get_total (page));
  json_builder_set_member_name (builder, "has_more");
  json_builder_add_boolean_value (builder, ts_catalog_page_get_has_more (page));
  json_builder_set_member_name (builder, "movies");
  json_builder_begin_array (builder);
  for (guint i = 0; i < ts_catalog_page_get_n_movies (page); i++)
    serialize_movie (builder, ts_catalog_page_get_movie (page, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &length);
  return g_bytes_new_take (data, length);
}

static TsMovie *
deserialize_movie (const char *provider_id,
                   JsonObject *object)
{
  g_autoptr(TsMovie) movie = NULL;
  g_autoptr(GPtrArray) torrents = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *id = ts_catalog_json_dup_string (object, "id");
  g_autofree char *title = ts_catalog_json_dup_string (object, "title");
  g_autofree char *synopsis = ts_catalog_json_dup_string (object, "synopsis");
  g_autofree char *poster = ts_catalog_json_dup_string (object, "poster_url");
  g_autofree char *backdrop = ts_catalog_json_dup_string (object, "backdrop_url");
  g_auto(GStrv) genres = ts_catalog_json_dup_strv (object, "genres", NULL);
  JsonArray *array;
  gint64 number;
  double rating;

  if (id == NULL)
    return NULL;

  movie = ts_movie_new (provider_id, id);
  ts_movie_set_title (movie, title);
  if (ts_catalog_json_get_int64 (object, "year", &number))
    ts_movie_set_year (movie, (int) CLAMP (number, 0, G_MAXINT));
  if (ts_catalog_json_get_double (object, "rating", &rating))
    ts_movie_set_rating (movie, rating);
  if (ts_catalog_json_get_int64 (object, "runtime", &number))
    ts_movie_set_runtime (movie, (guint) CLAMP (number, 0, G_MAXUINT));
  ts_movie_set_genres (movie, (const char * const *) genres);
  ts_movie_set_synopsis (movie, synopsis);
  ts_movie_set_poster_url (movie, poster);
  ts_movie_set_backdrop_url (movie, backdrop);

  array = ts_catalog_json_get_array (object, "torrents");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *t = ts_catalog_json_array_get_object (array, i);
      g_autofree char *label = NULL;
      g_autofree char *magnet = NULL;
      g_autofree char *url = NULL;
      g_autofree char *hash = NULL;
      g_autofree char *hint = NULL;
      gint64 size = -1, seeds = -1, peers = -1;

      if (t == NULL)
        continue;
      label = ts_catalog_json_dup_string (t, "label");
      magnet = ts_catalog_json_dup_string (t, "magnet");
      url = ts_catalog_json_dup_string (t, "torrent_url");
      hash = ts_catalog_json_dup_string (t, "info_hash");
      hint = ts_catalog_json_dup_string (t, "file_hint");
      ts_catalog_json_get_int64 (t, "size", &size);
      ts_catalog_json_get_int64 (t, "seeds", &seeds);
      ts_catalog_json_get_int64 (t, "peers", &peers);
      if (magnet == NULL && url == NULL)
        continue;
      g_ptr_array_add (torrents, g_object_new (TS_TYPE_MOVIE_TORRENT,
                                               "label", label != NULL ? label : "",
                                               "size", MAX (size, -1),
                                               "seeds", (int) CLAMP (seeds, -1, G_MAXINT),
                                               "peers", (int) CLAMP (peers, -1, G_MAXINT),
                                               "magnet", magnet,
                                               "torrent-url", url,
                                               "info-hash", hash,
                                               "file-hint", hint,
                                               NULL));
    }
  ts_movie_set_torrents (movie, torrents);
  return g_steal_pointer (&movie);
}

static TsCatalogPage *
deserialize_page (const char  *provider_id,
                  const char  *data,
                  gsize        length,
                  GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(TsCatalogPage) page = NULL;
  g_autofree char *provider = NULL;
  JsonObject *object;
  JsonArray *movies;
  gint64 version = 0, fetched_at = 0, total = 0;
  gboolean has_more;

  root = ts_catalog_json_parse (data, length, NULL);
  object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  provider = ts_catalog_json_dup_string (object, "provider");
  movies = ts_catalog_json_get_array (object, "movies");
  if (object == NULL || movies == NULL ||
      !ts_catalog_json_get_int64 (object, "version", &version) ||
      version != CACHE_FORMAT_VERSION || g_strcmp0 (provider, provider_id) != 0)
    {
      g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_CACHED,
                           _("The film list saved for offline use is damaged"));
      return NULL;
    }

  ts_catalog_json_get_int64 (object, "fetched_at", &fetched_at);
  ts_catalog_json_get_int64 (object, "total", &total);
  has_more = json_object_get_boolean_member_with_default (object, "has_more", FALSE);
  page = ts_catalog_page_new (1, (guint) CLAMP (total, 0, G_MAXUINT), has_more);
  ts_catalog_page_set_cached (page, TRUE, MAX (fetched_at, 0));

  for (guint i = 0; i < json_array_get_length (movies); i++)
    {
      JsonObject *element = ts_catalog_json_array_get_object (movies, i);
      g_autoptr(TsMovie) movie = element != NULL ? deserialize_movie (provider_id, element) : NULL;

      if (movie != NULL)
        ts_catalog_page_add_movie (page, movie);
    }
  return g_steal_pointer (&page);
}

typedef struct {
  char   *path;
  GBytes *bytes;
  char   *provider_id;
} CacheFile;

static void
cache_file_free (CacheFile *file)
{
  g_free (file->path);
  g_clear_pointer (&file->bytes, g_bytes_unref);
  g_free (file->provider_id);
  g_free (file);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CacheFile *file = task_data;
  g_autofree char *dir = g_path_get_dirname (file->path);
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (file->bytes, &length);

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents_full (file->path, data, length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, &error))
    {
      /* Browsing works without the offline copy; only say why it is missing. */
      g_debug ("Could not save the catalog page to %s: %s", file->path,
               error != NULL ? error->message : g_strerror (errno));
    }
  g_task_return_boolean (task, TRUE);
}

typedef struct {
  TsCatalogQuery *query;
  guint           page;
  TsCatalogPage  *result;
} ListData;

static void
list_data_free (ListData *data)
{
  ts_catalog_query_free (data->query);
  g_clear_object (&data->result);
  g_free (data);
}

static void
on_page_saved (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ListData *data = g_task_get_task_data (task);

  g_task_return_pointer (task, g_steal_pointer (&data->result), g_object_unref);
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TsCatalogProvider *self = TS_CATALOG_PROVIDER (source);
  g_autoptr(GTask) task = user_data;
  ListData *data = g_task_get_task_data (task);
  g_autoptr(TsCatalogPage) page = NULL;
  g_autoptr(GTask) save = NULL;
  g_autoptr(GError) error = NULL;
  CacheFile *file;

  page = TS_CATALOG_PROVIDER_GET_IFACE (self)->list_finish (self, result, &error);
  if (page == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (data->page != 1)
    {
      g_task_return_pointer (task, g_steal_pointer (&page), g_object_unref);
      return;
    }

  /* Finish only once the copy is on disk, so a list_cached() that follows
   * sees it. Writing is off the main thread; serialising a page is cheap. */
  file = g_new0 (CacheFile, 1);
  file->path = cache_path (self, data->query);
  file->bytes = serialize_page (self, page);
  data->result = g_steal_pointer (&page);

  /* No source object: the worker thread drops the last reference to this
   * task, and the provider must be finalized on its own thread. */
  save = g_task_new (NULL, NULL, on_page_saved, g_steal_pointer (&task));
  g_task_set_source_tag (save, on_listed);
  g_task_set_task_data (save, file, (GDestroyNotify) cache_file_free);
  g_task_run_in_thread (save, save_thread);
}

void
ts_catalog_provider_list_async (TsCatalogProvider    *self,
                                const TsCatalogQuery *query,
                                guint                 page,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  ListData *data;

  g_return_if_fail (TS_IS_CATALOG_PROVIDER (self));
  g_return_if_fail (page >= 1);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_catalog_provider_list_async);
  data = g_new0 (ListData, 1);
  data->query = query != NULL ? ts_catalog_query_copy (query) : ts_catalog_query_new ();
  data->page = page;
  g_task_set_task_data (task, data, (GDestroyNotify) list_data_free);

  TS_CATALOG_PROVIDER_GET_IFACE (self)->list_async (self, data->query, page, cancellable,
                                                    on_listed, g_steal_pointer (&task));
}

TsCatalogPage *
ts_catalog_provider_list_finish (TsCatalogProvider  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (TS_IS_CATALOG_PROVIDER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        ts_catalog_provider_list_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
load_cached_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  CacheFile *file = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  TsCatalogPage *page;
  gsize length;

  if (!g_file_get_contents (file->path, &contents, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("Could not read %s: %s", file->path, error->message);
      g_task_return_new_error (task, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_CACHED,
                               "%s", _("No film list was saved for offline use"));
      return;
    }

  page = deserialize_page (file->provider_id, contents, length, &error);
  if (page == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, page, g_object_unref);
}

static void
on_cached_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  TsCatalogPage *page;

  page = g_task_propagate_pointer (G_TASK (result), &error);
  if (page == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, page, g_object_unref);
}

void
ts_catalog_provider_list_cached_async (TsCatalogProvider    *self,
                                       const TsCatalogQuery *query,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) load = NULL;
  g_autoptr(TsCatalogQuery) default_query = NULL;
  CacheFile *file;

  g_return_if_fail (TS_IS_CATALOG_PROVIDER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (query == NULL)
    query = default_query = ts_catalog_query_new ();

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_catalog_provider_list_cached_async);
  file = g_new0 (CacheFile, 1);
  file->path = cache_path (self, query);
  file->provider_id = g_strdup (ts_catalog_provider_get_id (self));

  /* As for saving: the thread gets a task without the provider. */
  load = g_task_new (NULL, cancellable, on_cached_loaded, g_steal_pointer (&task));
  g_task_set_source_tag (load, on_cached_loaded);
  g_task_set_task_data (load, file, (GDestroyNotify) cache_file_free);
  g_task_run_in_thread (load, load_cached_thread);
}

TsCatalogPage *
ts_catalog_provider_list_cached_finish (TsCatalogProvider  *self,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (TS_IS_CATALOG_PROVIDER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        ts_catalog_provider_list_cached_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Details ------------------------------------------------------------------- */

static void
on_details (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  TsCatalogProvider *self = TS_CATALOG_PROVIDER (source);
  g_autoptr(GTask) task = user_data;
  TsMovie *movie = g_task_get_task_data (task);
  g_autoptr(TsMovie) full = NULL;
  g_autoptr(GError) error = NULL;

  full = TS_CATALOG_PROVIDER_GET_IFACE (self)->details_finish (self, result, &error);
  if (full == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!g_task_return_error_if_cancelled (task))
    {
      ts_movie_update (movie, full);
      ts_movie_set_has_details (movie, TRUE);
      g_task_return_boolean (task, TRUE);
    }
}

void
ts_catalog_provider_details_async (TsCatalogProvider   *self,
                                   TsMovie             *movie,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TS_IS_CATALOG_PROVIDER (self));
  g_return_if_fail (TS_IS_MOVIE (movie));
  g_return_if_fail (g_strcmp0 (ts_movie_get_provider_id (movie),
                               ts_catalog_provider_get_id (self)) == 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_catalog_provider_details_async);
  g_task_set_task_data (task, g_object_ref (movie), g_object_unref);

  TS_CATALOG_PROVIDER_GET_IFACE (self)->details_async (self, movie, cancellable,
                                                       on_details, g_steal_pointer (&task));
}

gboolean
ts_catalog_provider_details_finish (TsCatalogProvider  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (TS_IS_CATALOG_PROVIDER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        ts_catalog_provider_details_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
