/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ts-catalog-page.h"
#include "ts-catalog-util.h"
#include "ts-movie.h"
#include "ts-movie-torrent.h"
#include "ts-yts-provider.h"

/* The trackers the YTS API documentation recommends for its magnets (the
 * ones of that list that still run). */
static const char * const trackers[] = {
  "udp://tracker.opentrackr.org:1337/announce",
  "udp://open.demonii.com:1337/announce",
  "udp://tracker.openbittorrent.com:80/announce",
  "udp://exodus.desync.com:6969/announce",
  NULL
};

/* Preferred first when a film offers several: 1080p streams well almost
 * everywhere; 2160p needs a fast line and a strong machine. */
static const char * const quality_order[] = { "1080p", "720p", "2160p", "480p", "3D", NULL };

static void
set_not_a_list (GError **error)
{
  g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA,
                       _("The catalog server sent something that is not a film list"));
}

char *
ts_yts_build_magnet (const char *info_hash,
                     const char *title)
{
  g_autofree char *hash = ts_catalog_normalize_info_hash (info_hash);
  GString *magnet;

  if (hash == NULL)
    return NULL;
  magnet = g_string_new ("magnet:?xt=urn:btih:");
  g_string_append (magnet, hash);
  if (title != NULL && *title != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (title, NULL, FALSE);

      g_string_append_printf (magnet, "&dn=%s", escaped);
    }
  for (guint i = 0; trackers[i] != NULL; i++)
    {
      g_autofree char *escaped = g_uri_escape_string (trackers[i], NULL, FALSE);

      g_string_append_printf (magnet, "&tr=%s", escaped);
    }
  return g_string_free (magnet, FALSE);
}

/* "bluray" → "BluRay", "web" → "WEB". */
static char *
source_label (const char *type)
{
  if (type == NULL)
    return NULL;
  if (g_ascii_strcasecmp (type, "bluray") == 0)
    return g_strdup ("BluRay");
  if (g_ascii_strcasecmp (type, "web") == 0)
    return g_strdup ("WEB");
  if (g_ascii_strcasecmp (type, "dvd") == 0)
    return g_strdup ("DVD");
  return g_strdup (type);
}

static int
quality_rank (const char *quality)
{
  for (guint i = 0; quality_order[i] != NULL; i++)
    if (g_strcmp0 (quality, quality_order[i]) == 0)
      return i;
  return G_N_ELEMENTS (quality_order);
}

typedef struct {
  TsMovieTorrent *torrent;
  int             rank;
  int             index;
} RankedTorrent;

static int
compare_ranked (gconstpointer a,
                gconstpointer b)
{
  const RankedTorrent *ra = a;
  const RankedTorrent *rb = b;

  if (ra->rank != rb->rank)
    return ra->rank < rb->rank ? -1 : 1;
  return ra->index - rb->index;
}

static TsMovieTorrent *
parse_torrent (JsonObject *object,
               const char *title)
{
  g_autofree char *quality = ts_catalog_json_dup_string (object, "quality");
  g_autofree char *type = ts_catalog_json_dup_string (object, "type");
  g_autofree char *source = source_label (type);
  g_autofree char *codec = ts_catalog_json_dup_string (object, "video_codec");
  g_autofree char *repack = ts_catalog_json_dup_string (object, "is_repack");
  g_autofree char *hash_text = ts_catalog_json_dup_string (object, "hash");
  g_autofree char *hash = ts_catalog_normalize_info_hash (hash_text);
  g_autofree char *url = ts_catalog_json_dup_string (object, "url");
  g_autofree char *magnet = ts_yts_build_magnet (hash, title);
  g_autoptr(GString) label = g_string_new (quality != NULL ? quality : _("Unknown quality"));
  gint64 size = -1, seeds = -1, peers = -1;

  if (hash == NULL && url == NULL)
    return NULL;

  if (source != NULL)
    g_string_append_printf (label, " · %s", source);
  /* x264 is the norm; say when it is not (x265 needs a newer decoder). */
  if (codec != NULL && g_ascii_strcasecmp (codec, "x264") != 0)
    g_string_append_printf (label, " · %s", codec);
  if (g_strcmp0 (repack, "1") == 0)
    g_string_append (label, " · REPACK");

  if (!ts_catalog_json_get_int64 (object, "size_bytes", &size) || size < 0)
    size = -1;
  if (!ts_catalog_json_get_int64 (object, "seeds", &seeds) || seeds < 0)
    seeds = -1;
  if (!ts_catalog_json_get_int64 (object, "peers", &peers) || peers < 0)
    peers = -1;

  return g_object_new (TS_TYPE_MOVIE_TORRENT,
                       "label", label->str,
                       "size", size,
                       "seeds", (int) MIN (seeds, G_MAXINT),
                       "peers", (int) MIN (peers, G_MAXINT),
                       "magnet", magnet,
                       "torrent-url", url,
                       "info-hash", hash,
                       NULL);
}

static char *
first_text (JsonObject         *object,
            const char * const *members)
{
  for (guint i = 0; members[i] != NULL; i++)
    {
      g_autofree char *text = ts_catalog_json_dup_string (object, members[i]);

      if (text != NULL)
        return ts_catalog_html_to_text (text);
    }
  return NULL;
}

static TsMovie *
parse_movie (JsonObject *object)
{
  static const char * const synopsis_members[] = {
    "description_full", "summary", "synopsis", "description_intro", NULL
  };
  static const char * const poster_members[] = {
    "medium_cover_image", "large_cover_image", "small_cover_image", NULL
  };
  static const char * const backdrop_members[] = {
    "background_image_original", "background_image", NULL
  };
  g_autoptr(TsMovie) movie = NULL;
  g_autofree char *title = NULL;
  g_autofree char *synopsis = NULL;
  g_autoptr(GArray) ranked = g_array_new (FALSE, FALSE, sizeof (RankedTorrent));
  g_autoptr(GPtrArray) torrents = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GStrv) genres = NULL;
  JsonArray *array;
  gint64 id = 0, number;
  double rating;
  char id_text[32];

  /* YTS answers an unknown id with a movie whose id is 0. */
  if (!ts_catalog_json_get_int64 (object, "id", &id) || id <= 0)
    return NULL;
  g_snprintf (id_text, sizeof id_text, "%" G_GINT64_FORMAT, id);
  movie = ts_movie_new ("yts", id_text);

  title = ts_catalog_json_dup_string (object, "title");
  if (title == NULL)
    title = ts_catalog_json_dup_string (object, "title_english");
  ts_movie_set_title (movie, title);
  if (ts_catalog_json_get_int64 (object, "year", &number))
    ts_movie_set_year (movie, (int) CLAMP (number, 0, 9999));
  if (ts_catalog_json_get_double (object, "rating", &rating) && rating > 0)
    ts_movie_set_rating (movie, rating);
  if (ts_catalog_json_get_int64 (object, "runtime", &number) && number > 0)
    ts_movie_set_runtime (movie, (guint) MIN (number, G_MAXUINT));
  genres = ts_catalog_json_dup_strv (object, "genres", NULL);
  ts_movie_set_genres (movie, (const char * const *) genres);
  synopsis = first_text (object, synopsis_members);
  ts_movie_set_synopsis (movie, synopsis);
  for (guint i = 0; poster_members[i] != NULL; i++)
    {
      g_autofree char *url = ts_catalog_json_dup_string (object, poster_members[i]);

      if (url != NULL)
        {
          ts_movie_set_poster_url (movie, url);
          break;
        }
    }
  for (guint i = 0; backdrop_members[i] != NULL; i++)
    {
      g_autofree char *url = ts_catalog_json_dup_string (object, backdrop_members[i]);

      if (url != NULL)
        {
          ts_movie_set_backdrop_url (movie, url);
          break;
        }
    }

  array = ts_catalog_json_get_array (object, "torrents");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *element = ts_catalog_json_array_get_object (array, i);
      g_autofree char *quality = NULL;
      RankedTorrent entry;

      if (element == NULL)
        continue;
      entry.torrent = parse_torrent (element, title);
      if (entry.torrent == NULL)
        continue;
      quality = ts_catalog_json_dup_string (element, "quality");
      entry.rank = quality_rank (quality);
      entry.index = (int) i;
      g_array_append_val (ranked, entry);
    }
  g_array_sort (ranked, compare_ranked);
  for (guint i = 0; i < ranked->len; i++)
    g_ptr_array_add (torrents, g_array_index (ranked, RankedTorrent, i).torrent);
  ts_movie_set_torrents (movie, torrents);

  return g_steal_pointer (&movie);
}

/* The "data" object of an answer, or NULL with @error set. */
static JsonObject *
get_data (JsonNode  *root,
          GError   **error)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  g_autofree char *status = ts_catalog_json_dup_string (object, "status");
  JsonObject *data;

  if (object != NULL && status != NULL && g_ascii_strcasecmp (status, "ok") != 0)
    {
      g_autofree char *message = ts_catalog_json_dup_string (object, "status_message");

      if (message != NULL)
        {
          g_set_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA,
                       _("The catalog server reported an error: %s"), message);
          return NULL;
        }
    }
  data = ts_catalog_json_get_object (object, "data");
  if (data == NULL)
    set_not_a_list (error);
  return data;
}

TsCatalogPage *
ts_yts_parse_list (const char  *data,
                   gsize        length,
                   guint        page,
                   GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(TsCatalogPage) result = NULL;
  g_autoptr(GPtrArray) movies = g_ptr_array_new_with_free_func (g_object_unref);
  JsonObject *object;
  JsonArray *array;
  JsonNode *movies_node;
  gint64 count = -1, limit = -1, page_number = -1;

  root = ts_catalog_json_parse (data, length, error);
  if (root == NULL)
    return NULL;
  object = get_data (root, error);
  if (object == NULL)
    return NULL;

  ts_catalog_json_get_int64 (object, "movie_count", &count);
  ts_catalog_json_get_int64 (object, "limit", &limit);
  if (!ts_catalog_json_get_int64 (object, "page_number", &page_number) || page_number < 1)
    page_number = MAX (page, 1);

  movies_node = json_object_get_member (object, "movies");
  array = ts_catalog_json_get_array (object, "movies");
  if (movies_node != NULL && array == NULL)
    {
      set_not_a_list (error);
      return NULL;
    }
  /* YTS leaves "movies" out when a page has none; that is only believable
   * when movie_count agrees. */
  if (array == NULL && (count < 0 || (limit > 0 && count > (page_number - 1) * limit)))
    {
      set_not_a_list (error);
      return NULL;
    }

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *element = ts_catalog_json_array_get_object (array, i);
      TsMovie *movie = element != NULL ? parse_movie (element) : NULL;

      if (movie != NULL)
        g_ptr_array_add (movies, movie);
    }

  if (count < 0)
    count = movies->len;
  if (limit <= 0)
    limit = array != NULL ? json_array_get_length (array) : 0;
  result = ts_catalog_page_new (page, (guint) CLAMP (count, 0, G_MAXUINT),
                                array != NULL && json_array_get_length (array) > 0 &&
                                page_number * limit < count);
  for (guint i = 0; i < movies->len; i++)
    ts_catalog_page_add_movie (result, g_ptr_array_index (movies, i));
  return g_steal_pointer (&result);
}

TsMovie *
ts_yts_parse_details (const char  *data,
                      gsize        length,
                      GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  JsonObject *movie_object;
  TsMovie *movie;

  root = ts_catalog_json_parse (data, length, error);
  if (root == NULL)
    return NULL;
  object = get_data (root, error);
  if (object == NULL)
    return NULL;

  movie_object = ts_catalog_json_get_object (object, "movie");
  movie = movie_object != NULL ? parse_movie (movie_object) : NULL;
  if (movie == NULL)
    {
      g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_FOUND,
                           _("This film is no longer available"));
      return NULL;
    }
  ts_movie_set_has_details (movie, TRUE);
  return movie;
}
