/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ts-archive-provider.h"
#include "ts-catalog-page.h"
#include "ts-catalog-util.h"
#include "ts-movie.h"
#include "ts-movie-torrent.h"

static void
set_not_a_list (GError **error)
{
  g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA,
                       _("The catalog server sent something that is not a film list"));
}

static char *
poster_url (const char *base_url,
            const char *identifier)
{
  g_autofree char *escaped = g_uri_escape_string (identifier, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/services/img/", escaped, NULL);

  return ts_catalog_build_url (base_url, path);
}

static int
read_year (JsonObject *object)
{
  g_autofree char *year = ts_catalog_json_dup_string (object, "year");
  g_autofree char *date = NULL;
  int result = ts_catalog_parse_year (year);

  if (result > 0)
    return result;
  date = ts_catalog_json_dup_string (object, "date");
  return ts_catalog_parse_year (date);
}

/* IA subjects are free text: "Comedy; Romance" or an array of them. */
static char **
read_genres (JsonObject *object)
{
  return ts_catalog_json_dup_strv (object, "subject", ";");
}

static char *
read_synopsis (JsonObject *object)
{
  g_autofree char *description = ts_catalog_json_dup_string (object, "description");

  return ts_catalog_html_to_text (description);
}

static TsMovie *
parse_doc (const char *base_url,
           JsonObject *doc)
{
  g_autofree char *identifier = ts_catalog_json_dup_string (doc, "identifier");
  g_autofree char *title = NULL;
  g_autofree char *synopsis = NULL;
  g_autofree char *runtime = NULL;
  g_autofree char *poster = NULL;
  g_auto(GStrv) genres = NULL;
  TsMovie *movie;
  double rating;

  if (identifier == NULL)
    return NULL;

  title = ts_catalog_json_dup_string (doc, "title");
  synopsis = read_synopsis (doc);
  runtime = ts_catalog_json_dup_string (doc, "runtime");
  poster = poster_url (base_url, identifier);
  genres = read_genres (doc);

  movie = ts_movie_new ("archive", identifier);
  ts_movie_set_title (movie, title != NULL ? title : identifier);
  ts_movie_set_year (movie, read_year (doc));
  /* avg_rating is a number of stars out of 5. */
  if (ts_catalog_json_get_double (doc, "avg_rating", &rating) && rating >= 0)
    ts_movie_set_rating (movie, MIN (rating, 5.0) * 2);
  ts_movie_set_runtime (movie, ts_catalog_parse_runtime (runtime));
  ts_movie_set_genres (movie, (const char * const *) genres);
  ts_movie_set_synopsis (movie, synopsis);
  ts_movie_set_poster_url (movie, poster);
  return movie;
}

TsCatalogPage *
ts_archive_parse_search (const char  *base_url,
                         const char  *data,
                         gsize        length,
                         guint        page,
                         guint        rows,
                         GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(TsCatalogPage) result = NULL;
  g_autoptr(GPtrArray) movies = g_ptr_array_new_with_free_func (g_object_unref);
  JsonObject *response;
  JsonArray *docs;
  gint64 found = -1, start = -1;
  guint n_docs;

  g_return_val_if_fail (base_url != NULL, NULL);

  root = ts_catalog_json_parse (data, length, error);
  if (root == NULL)
    return NULL;
  response = JSON_NODE_HOLDS_OBJECT (root)
             ? ts_catalog_json_get_object (json_node_get_object (root), "response") : NULL;
  docs = ts_catalog_json_get_array (response, "docs");
  if (docs == NULL)
    {
      set_not_a_list (error);
      return NULL;
    }

  n_docs = json_array_get_length (docs);
  for (guint i = 0; i < n_docs; i++)
    {
      JsonNode *node = json_array_get_element (docs, i);
      TsMovie *movie;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      movie = parse_doc (base_url, json_node_get_object (node));
      if (movie != NULL)
        g_ptr_array_add (movies, movie);
    }

  if (!ts_catalog_json_get_int64 (response, "start", &start) || start < 0)
    start = (gint64) (MAX (page, 1) - 1) * rows;
  if (!ts_catalog_json_get_int64 (response, "numFound", &found) || found < start + n_docs)
    found = start + n_docs;

  result = ts_catalog_page_new (page, (guint) MIN (found, G_MAXUINT),
                                n_docs > 0 && start + n_docs < found);
  for (guint i = 0; i < movies->len; i++)
    ts_catalog_page_add_movie (result, g_ptr_array_index (movies, i));
  return g_steal_pointer (&result);
}

/* Details ------------------------------------------------------------------- */

typedef struct {
  const char *format;     /* the IA "format" of the file record */
  const char *container;  /* what people call it */
  int         rank;       /* streaming preference, lower first */
} VideoFormat;

/* MP4 first: it streams best (and the IA derivatives are sized for the web);
 * the MPEG-2 original is large and last. */
static const VideoFormat video_formats[] = {
  { "h.264",         "MP4",       0 },
  { "h.264 IA",      "MP4",       0 },
  { "h.264 HD",      "MP4",       0 },
  { "MPEG4",         "MP4",       1 },
  { "HiRes MPEG4",   "MP4",       1 },
  { "512Kb MPEG4",   "MP4",       2 },
  { "WebM",          "WebM",      3 },
  { "Ogg Video",     "Ogg",       3 },
  { "Matroska",      "MKV",       4 },
  { "MPEG2",         "MPEG-2",    5 },
  { "MPEG1",         "MPEG-1",    5 },
  { "QuickTime",     "QuickTime", 6 },
  { "AVI",           "AVI",       6 },
  { "DivX",          "AVI",       6 },
  { "Cinepack",      "AVI",       7 },
  { "Windows Media", "WMV",       7 },
};

typedef struct {
  char              *name;
  const VideoFormat *format;
  gint64             size;
  gint64             height;
  gint64             mtime;
  char              *length;
  /* Added after the torrent was made, so perhaps not in it. */
  gboolean           newer_than_torrent;
} Candidate;

static void
candidate_free (Candidate *candidate)
{
  g_free (candidate->name);
  g_free (candidate->length);
  g_free (candidate);
}

static const VideoFormat *
find_video_format (const char *format)
{
  if (format == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (video_formats); i++)
    if (g_ascii_strcasecmp (format, video_formats[i].format) == 0)
      return &video_formats[i];
  return NULL;
}

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *ca = *(Candidate * const *) a;
  const Candidate *cb = *(Candidate * const *) b;

  if (ca->newer_than_torrent != cb->newer_than_torrent)
    return ca->newer_than_torrent ? 1 : -1;
  if (ca->format->rank != cb->format->rank)
    return ca->format->rank < cb->format->rank ? -1 : 1;
  if (ca->height != cb->height)
    return ca->height > cb->height ? -1 : 1;
  return g_strcmp0 (ca->name, cb->name);
}

static char *
candidate_label (const Candidate *candidate)
{
  if (candidate->height > 0)
    return g_strdup_printf ("%s · %" G_GINT64_FORMAT "p", candidate->format->container,
                            candidate->height);
  if (g_ascii_strcasecmp (candidate->format->format, "512Kb MPEG4") == 0)
    return g_strdup_printf ("%s · 512 kb/s", candidate->format->container);
  return g_strdup (candidate->format->container);
}

static char *
download_url (const char *base_url,
              const char *identifier,
              const char *name)
{
  g_autofree char *escaped_id = g_uri_escape_string (identifier, NULL, FALSE);
  g_autofree char *escaped_name = g_uri_escape_string (name, "/", FALSE);
  g_autofree char *path = g_strconcat ("/download/", escaped_id, "/", escaped_name, NULL);

  return ts_catalog_build_url (base_url, path);
}

static gboolean
is_missing_item (JsonNode *root)
{
  JsonObject *object;

  /* md-read: a missing item answers [] (and some removed ones {}). */
  if (JSON_NODE_HOLDS_ARRAY (root))
    return json_array_get_length (json_node_get_array (root)) == 0;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  object = json_node_get_object (root);
  return json_object_get_size (object) == 0 ||
         json_object_get_boolean_member_with_default (object, "is_dark", FALSE) ||
         (json_object_has_member (object, "error") &&
          ts_catalog_json_get_object (object, "metadata") == NULL);
}

static void
set_not_a_record (GError **error)
{
  g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA,
                       _("The catalog server sent something that is not a film record"));
}

TsMovie *
ts_archive_parse_metadata (const char  *base_url,
                           const char  *identifier,
                           const char  *data,
                           gsize        length,
                           GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(TsMovie) movie = NULL;
  g_autoptr(GPtrArray) candidates = NULL;
  g_autoptr(GPtrArray) torrents = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) label_counts = NULL;
  g_autofree char *id = NULL;
  g_autofree char *title = NULL;
  g_autofree char *synopsis = NULL;
  g_autofree char *runtime = NULL;
  g_autofree char *poster = NULL;
  g_autofree char *torrent_name = NULL;
  g_autofree char *torrent_hash = NULL;
  g_autofree char *torrent_url = NULL;
  g_auto(GStrv) genres = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  gint64 torrent_mtime = -1;
  JsonObject *metadata;
  JsonArray *files;
  guint minutes = 0;

  g_return_val_if_fail (base_url != NULL, NULL);

  candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  label_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  root = ts_catalog_json_parse (data, length, error);
  if (root == NULL)
    return NULL;
  if (is_missing_item (root))
    {
      g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_FOUND,
                           _("This film is no longer available"));
      return NULL;
    }
  metadata = JSON_NODE_HOLDS_OBJECT (root)
             ? ts_catalog_json_get_object (json_node_get_object (root), "metadata") : NULL;
  id = ts_catalog_json_dup_string (metadata, "identifier");
  if (id == NULL && identifier != NULL && *identifier != '\0')
    id = g_strdup (identifier);
  if (metadata == NULL || id == NULL)
    {
      set_not_a_record (error);
      return NULL;
    }

  files = ts_catalog_json_get_array (json_node_get_object (root), "files");
  for (guint i = 0; files != NULL && i < json_array_get_length (files); i++)
    {
      JsonObject *file = ts_catalog_json_array_get_object (files, i);
      g_autofree char *name = NULL;
      g_autofree char *format = NULL;
      const VideoFormat *video_format;

      if (file == NULL)
        continue;
      name = ts_catalog_json_dup_string (file, "name");
      format = ts_catalog_json_dup_string (file, "format");
      if (name == NULL || format == NULL)
        continue;

      if (g_ascii_strcasecmp (format, "Archive BitTorrent") == 0)
        {
          g_autofree char *btih = ts_catalog_json_dup_string (file, "btih");

          g_free (torrent_name);
          g_free (torrent_hash);
          torrent_name = g_steal_pointer (&name);
          torrent_hash = ts_catalog_normalize_info_hash (btih);
          if (!ts_catalog_json_get_int64 (file, "mtime", &torrent_mtime))
            torrent_mtime = -1;
          continue;
        }

      video_format = find_video_format (format);
      /* The padding folder only exists inside torrents, but be safe. */
      if (video_format != NULL && !g_str_has_prefix (name, "._____padding_file"))
        {
          Candidate *candidate = g_new0 (Candidate, 1);

          candidate->format = video_format;
          candidate->name = g_steal_pointer (&name);
          if (!ts_catalog_json_get_int64 (file, "size", &candidate->size) || candidate->size < 0)
            candidate->size = -1;
          if (!ts_catalog_json_get_int64 (file, "height", &candidate->height) ||
              candidate->height < 0)
            candidate->height = 0;
          if (!ts_catalog_json_get_int64 (file, "mtime", &candidate->mtime))
            candidate->mtime = -1;
          candidate->length = ts_catalog_json_dup_string (file, "length");
          g_ptr_array_add (candidates, candidate);
        }
    }

  if (torrent_name == NULL)
    {
      g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NO_TORRENT,
                           _("This film has no torrent"));
      return NULL;
    }
  if (candidates->len == 0)
    {
      g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NO_TORRENT,
                           _("This film has no video file that can be played"));
      return NULL;
    }

  /* The Archive does not always remake the torrent when files change (see
   * TECH-NOTES): files newer than it go last. */
  for (guint i = 0; i < candidates->len; i++)
    {
      Candidate *candidate = g_ptr_array_index (candidates, i);

      candidate->newer_than_torrent = torrent_mtime > 0 && candidate->mtime > torrent_mtime;
    }
  g_ptr_array_sort (candidates, compare_candidates);

  /* Several files of one kind (a film in parts): tell them apart by name. */
  for (guint i = 0; i < candidates->len; i++)
    {
      char *label = candidate_label (g_ptr_array_index (candidates, i));
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (label_counts, label));

      g_hash_table_replace (label_counts, g_strdup (label), GUINT_TO_POINTER (count + 1));
      g_ptr_array_add (labels, label);
    }

  torrent_url = download_url (base_url, id, torrent_name);
  for (guint i = 0; i < candidates->len; i++)
    {
      Candidate *candidate = g_ptr_array_index (candidates, i);
      const char *label = g_ptr_array_index (labels, i);
      g_autofree char *unique = NULL;

      if (GPOINTER_TO_UINT (g_hash_table_lookup (label_counts, label)) > 1)
        {
          const char *slash = strrchr (candidate->name, '/');

          unique = g_strdup_printf ("%s · %s", label, slash != NULL ? slash + 1 : candidate->name);
        }
      g_ptr_array_add (torrents, g_object_new (TS_TYPE_MOVIE_TORRENT,
                                               "label", unique != NULL ? unique : label,
                                               "size", candidate->size,
                                               "torrent-url", torrent_url,
                                               "info-hash", torrent_hash,
                                               "file-hint", candidate->name,
                                               NULL));
      if (minutes == 0)
        minutes = ts_catalog_parse_length_seconds (candidate->length);
    }

  title = ts_catalog_json_dup_string (metadata, "title");
  synopsis = read_synopsis (metadata);
  runtime = ts_catalog_json_dup_string (metadata, "runtime");
  poster = poster_url (base_url, id);
  genres = read_genres (metadata);
  if (minutes == 0)
    minutes = ts_catalog_parse_runtime (runtime);

  movie = ts_movie_new ("archive", id);
  ts_movie_set_title (movie, title != NULL ? title : id);
  ts_movie_set_year (movie, read_year (metadata));
  ts_movie_set_runtime (movie, minutes);
  ts_movie_set_genres (movie, (const char * const *) genres);
  ts_movie_set_synopsis (movie, synopsis);
  ts_movie_set_poster_url (movie, poster);
  ts_movie_set_torrents (movie, torrents);
  ts_movie_set_has_details (movie, TRUE);
  return g_steal_pointer (&movie);
}
