/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The browse and film pages in the test process: the text helpers, the file
 * selection of a film's download on a real loopback TsSession, the tile's
 * poster, the browse page against the catalog layer's SoupServer (films,
 * search, a film page opened and closed, the YTS catalog without an
 * address) and the film page's Play and Preload. Every widget, the session
 * and the poster cache must be finalized. Needs a display (xvfb-run). */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>

#include "catalog-test-server.h"
#include "ts-backdrop.h"
#include "ts-browse-page.h"
#include "ts-catalog.h"
#include "ts-movie-download.h"
#include "ts-movie-page.h"
#include "ts-movie-text.h"
#include "ts-movie-tile.h"
#include "ts-poster-cache.h"
#include "ts-session.h"
#include "ts-test-util.h"
#include "ui-test-util.h"
#include "ts-torrent.h"
#include "ts-torrent-file.h"

#define TIMEOUT_S    30
#define PIECE_LENGTH 16384

/* Text ----------------------------------------------------------------------- */

static void
test_text (void)
{
  g_autoptr(TsMovie) movie = ts_movie_new ("archive", "film");
  const char * const genres[] = { "Comedy", "Romance", NULL };
  g_autoptr(TsMovieTorrent) torrent = NULL;
  g_autofree char *none = ts_movie_text_runtime (0);
  g_autofree char *minutes = ts_movie_text_runtime (45);
  g_autofree char *hours = ts_movie_text_runtime (120);
  g_autofree char *both = ts_movie_text_runtime (92);
  g_autofree char *no_rating = ts_movie_text_rating (-1);
  g_autofree char *rating = ts_movie_text_rating (7.44);
  g_autofree char *name = NULL;
  g_autofree char *name_year = NULL;
  g_autofree char *facts = NULL;
  g_autofree char *details = NULL;
  g_autofree char *no_details = NULL;

  g_assert_null (none);
  g_assert_cmpstr (minutes, ==, "45 min");
  g_assert_cmpstr (hours, ==, "2 h");
  g_assert_cmpstr (both, ==, "1 h 32 min");
  g_assert_null (no_rating);
  g_assert_cmpstr (rating, ==, "7.4");

  ts_movie_set_title (movie, "His Girl Friday");
  name = ts_movie_text_accessible_name (movie);
  g_assert_cmpstr (name, ==, "His Girl Friday");
  ts_movie_set_year (movie, 1940);
  ts_movie_set_runtime (movie, 92);
  ts_movie_set_genres (movie, genres);
  name_year = ts_movie_text_accessible_name (movie);
  facts = ts_movie_text_facts (movie);
  g_assert_cmpstr (name_year, ==, "His Girl Friday (1940)");
  g_assert_cmpstr (facts, ==, "1940 · 1 h 32 min · Comedy, Romance");

  torrent = g_object_new (TS_TYPE_MOVIE_TORRENT, "label", "720p", "size", (gint64) 1500000000,
                          "seeds", 12, "peers", 1,
                          "magnet", "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567",
                          NULL);
  details = ts_movie_text_torrent_details (torrent);
  g_assert_cmpstr (details, ==, "1.5\u00a0GB · 12 seeds · 1 peer");
  g_clear_object (&torrent);
  torrent = g_object_new (TS_TYPE_MOVIE_TORRENT, "label", "MP4",
                          "torrent-url", "https://example.org/x.torrent", NULL);
  no_details = ts_movie_text_torrent_details (torrent);
  g_assert_null (no_details);

  g_assert_finalize_object (g_steal_pointer (&movie));
  g_assert_finalize_object (g_steal_pointer (&torrent));
}

/* Fixture: a started session, the catalog server ---------------------------- */

typedef struct
{
  char       *dir;
  GSettings  *settings;
  TsSession  *session;
  TestServer *server;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *downloads = NULL;
  g_autofree char *state = NULL;
  g_autofree char *archive = NULL;
  g_autoptr(GError) error = NULL;

  ui_test_use_system_icons ();

  f->dir = ts_test_make_tmp_dir ("ts-browse");
  downloads = g_build_filename (f->dir, "downloads", NULL);
  state = g_build_filename (f->dir, "state", NULL);
  g_assert_cmpint (g_mkdir_with_parents (downloads, 0700), ==, 0);

  f->server = test_server_new ();
  archive = test_server_url (f->server, "/ok");

  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "download-folder", downloads);
  g_settings_set_int (f->settings, "listen-port", 0);
  g_settings_set_string (f->settings, "catalog-provider", "archive");
  g_settings_set_string (f->settings, "archive-url", archive);
  g_settings_set_string (f->settings, "yts-url", "");

  f->session = ts_session_new (f->settings, state);
  ts_session_set_loopback_only (f->session, TRUE);
  g_assert_true (ts_session_start (f->session, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  ts_session_shutdown_sync (f->session);
  g_assert_finalize_object (f->session);
  g_assert_finalize_object (f->settings);
  test_server_free (f->server);
  ts_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* A torrent like an Internet Archive item's: the film in two formats, its
 * subtitles, another subtitle, the metadata file. */
static const struct {
  const char *name;
  gsize       size;
} item_files[] = {
  { "film.mp4", 5 * PIECE_LENGTH },
  { "film.ogv", 4 * PIECE_LENGTH },
  { "film.en.srt", 200 },
  { "other.srt", 300 },
  { "item_meta.xml", 100 },
};

static char *
write_item_torrent (Fixture  *f,
                    char    **info_hash)
{
  g_autoptr(GString) info = g_string_new ("d5:filesl");
  g_autoptr(GString) pieces = g_string_new (NULL);
  g_autoptr(GString) out = g_string_new ("d4:info");
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *zeros = g_malloc0 (PIECE_LENGTH);
  char *path = g_build_filename (f->dir, "item.torrent", NULL);
  gsize total = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (item_files); i++)
    {
      g_string_append_printf (info, "d6:lengthi%" G_GSIZE_FORMAT "e4:pathl%zu:%see",
                              item_files[i].size, strlen (item_files[i].name),
                              item_files[i].name);
      total += item_files[i].size;
    }
  for (gsize offset = 0; offset < total; offset += PIECE_LENGTH)
    {
      g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
      guint8 digest[20];
      gsize digest_len = sizeof digest;

      g_checksum_update (sha1, zeros, MIN (PIECE_LENGTH, total - offset));
      g_checksum_get_digest (sha1, digest, &digest_len);
      g_string_append_len (pieces, (const char *) digest, digest_len);
    }
  g_string_append_printf (info, "e4:name4:item12:piece lengthi%de6:pieces%zu:",
                          PIECE_LENGTH, pieces->len);
  g_string_append_len (info, pieces->str, pieces->len);
  g_string_append_c (info, 'e');

  *info_hash = g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) info->str,
                                            info->len);
  g_string_append_len (out, info->str, info->len);
  g_string_append_c (out, 'e');
  g_file_set_contents (path, out->str, out->len, &error);
  g_assert_no_error (error);
  return path;
}

static TsMovieTorrent *
item_choice (const char *torrent_url,
             const char *info_hash,
             const char *file_hint,
             const char *magnet)
{
  return g_object_new (TS_TYPE_MOVIE_TORRENT,
                       "label", file_hint != NULL ? file_hint : "Film",
                       "torrent-url", torrent_url,
                       "magnet", magnet,
                       "info-hash", info_hash,
                       "file-hint", file_hint,
                       NULL);
}

static TsTorrent *
download (Fixture        *f,
          TsMovieTorrent *choice,
          gboolean        streaming,
          GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ts_movie_download_async (f->session, choice, streaming, NULL, ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, TIMEOUT_S);
  return ts_movie_download_finish (f->session, result, error);
}

static guint
priority_of (TsTorrent  *torrent,
             const char *name)
{
  GListModel *files = ts_torrent_get_files (torrent);

  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if (g_str_equal (ts_torrent_file_get_name (file), name))
        return ts_torrent_file_get_priority (file);
    }
  g_assert_not_reached ();
}

static gboolean
torrent_running (gpointer user_data)
{
  return !ts_torrent_get_paused (user_data);
}

/* The file selection --------------------------------------------------------- */

static void
test_download_selection (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *info_hash = NULL;
  g_autofree char *path = write_item_torrent (f, &info_hash);
  g_autoptr(TsMovieTorrent) mp4 = item_choice (path, info_hash, "film.mp4", NULL);
  g_autoptr(TsMovieTorrent) ogv = item_choice (path, info_hash, "film.ogv", NULL);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(TsTorrent) again = NULL;
  g_autoptr(GError) error = NULL;

  /* A catalog path matches the torrent's by its base name. */
  torrent = download (f, mp4, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (torrent);
  g_assert_cmpstr (ts_torrent_get_info_hash (torrent), ==, info_hash);
  g_assert_true (ts_movie_download_find_file (ts_torrent_get_files (torrent), "film.mp4") != NULL);
  g_assert_true (ts_movie_download_find_file (ts_torrent_get_files (torrent),
                                              "sub/film.ogv") != NULL);
  g_assert_null (ts_movie_download_find_file (ts_torrent_get_files (torrent), "film.avi"));

  /* Only the film and the subtitles named after it. */
  g_assert_cmpuint (priority_of (torrent, "film.mp4"), ==, TS_FILE_PRIORITY_NORMAL);
  g_assert_cmpuint (priority_of (torrent, "film.en.srt"), ==, TS_FILE_PRIORITY_NORMAL);
  g_assert_cmpuint (priority_of (torrent, "film.ogv"), ==, TS_FILE_PRIORITY_SKIP);
  g_assert_cmpuint (priority_of (torrent, "other.srt"), ==, TS_FILE_PRIORITY_SKIP);
  g_assert_cmpuint (priority_of (torrent, "item_meta.xml"), ==, TS_FILE_PRIORITY_SKIP);
  /* Held while the selection was made, then let go. */
  ts_test_wait_for (torrent_running, torrent, TIMEOUT_S, "the download to run");

  /* The other version of a film already downloading is added to it. */
  again = download (f, ogv, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (again == torrent);
  g_assert_cmpuint (priority_of (torrent, "film.mp4"), ==, TS_FILE_PRIORITY_NORMAL);
  g_assert_cmpuint (priority_of (torrent, "film.ogv"), ==, TS_FILE_PRIORITY_NORMAL);
  g_assert_cmpuint (priority_of (torrent, "other.srt"), ==, TS_FILE_PRIORITY_SKIP);
  g_assert_false (ts_torrent_get_paused (torrent));

  ts_session_remove (f->session, torrent, TRUE);
}

static void
test_download_errors (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->dir, "no-such.torrent", NULL);
  g_autofree char *bad_url = test_server_url (f->server, "/404/item.torrent");
  const char *hash = "0123456789abcdef0123456789abcdef01234567";
  g_autofree char *magnet = g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=Film", hash);
  g_autoptr(TsMovieTorrent) broken = item_choice (bad_url, NULL, "film.mp4", NULL);
  g_autoptr(TsMovieTorrent) fallback = item_choice (missing, hash, "film.mp4", magnet);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(GError) error = NULL;

  /* A .torrent address that fails, and nothing else: a message. */
  torrent = download (f, broken, FALSE, &error);
  g_assert_null (torrent);
  g_assert_nonnull (error);
  g_assert_true (error->message != NULL && *error->message != '\0');
  g_test_message ("broken torrent address: %s", error->message);
  g_clear_error (&error);

  /* The magnet link when the .torrent cannot be had; it keeps running to
   * get its metadata. */
  torrent = download (f, fallback, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (torrent);
  g_assert_cmpstr (ts_torrent_get_info_hash (torrent), ==, hash);
  g_assert_false (ts_torrent_has_metadata (torrent));
  g_assert_false (ts_torrent_get_paused (torrent));
  ts_session_remove (f->session, torrent, TRUE);
}

static void
count_emission (guint *count)
{
  (*count)++;
}

static GtkWidget *
find_actionable (GtkWidget  *widget,
                 const char *action_name)
{
  if (GTK_IS_ACTIONABLE (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_actionable (child, action_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The tile ----------------------------------------------------------------- */

static gboolean
poster_loaded (gpointer user_data)
{
  return ts_movie_tile_get_poster_loaded (user_data);
}

static void
test_tile (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cache_dir = g_build_filename (f->dir, "posters", NULL);
  g_autofree char *poster = test_server_url (f->server, "/ok/poster/tile.png");
  g_autofree char *missing = test_server_url (f->server, "/404/poster/none.png");
  TsPosterCache *cache = ts_poster_cache_new (cache_dir, 0);
  g_autoptr(TsMovie) movie = ts_movie_new ("archive", "tile");
  g_autoptr(TsMovie) other = ts_movie_new ("archive", "other");
  g_autoptr(TsMovie) third = ts_movie_new ("archive", "third");
  g_autofree char *third_poster = test_server_url (f->server, "/ok/poster/third.png");
  GtkWidget *window = gtk_window_new ();
  GtkWidget *tile = ts_movie_tile_new (cache);
  guint opened = 0;

  g_object_ref_sink (tile);
  ts_movie_set_title (movie, "Tile film");
  ts_movie_set_year (movie, 1931);
  ts_movie_set_rating (movie, 8);
  ts_movie_set_poster_url (movie, poster);
  ts_movie_set_title (other, "No poster");
  ts_movie_set_poster_url (other, missing);
  ts_movie_set_title (third, "Third film");
  ts_movie_set_poster_url (third, third_poster);

  gtk_window_set_child (GTK_WINDOW (window), tile);
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect_swapped (tile, "open", G_CALLBACK (count_emission), &opened);

  /* No film: nothing to open. */
  gtk_widget_activate_action (tile, "tile.open", NULL);
  g_assert_cmpuint (opened, ==, 0);

  ts_movie_tile_set_movie (TS_MOVIE_TILE (tile), movie);
  ts_test_wait_for (poster_loaded, tile, TIMEOUT_S, "the poster");
  g_assert_cmpuint (test_server_hits (f->server, "/ok/poster/tile.png"), ==, 1);
  g_assert_true (gtk_widget_activate_action (tile, "tile.open", NULL));
  g_assert_cmpuint (opened, ==, 1);

  /* Recycled for a film whose poster fails: the placeholder, at once. */
  ts_movie_tile_set_movie (TS_MOVIE_TILE (tile), other);
  g_assert_false (ts_movie_tile_get_poster_loaded (TS_MOVIE_TILE (tile)));
  ts_test_iterate_for (300);
  g_assert_false (ts_movie_tile_get_poster_loaded (TS_MOVIE_TILE (tile)));

  /* Back to the first: from memory, without asking the server again. */
  ts_movie_tile_set_movie (TS_MOVIE_TILE (tile), movie);
  g_assert_true (ts_movie_tile_get_poster_loaded (TS_MOVIE_TILE (tile)));
  g_assert_cmpuint (test_server_hits (f->server, "/ok/poster/tile.png"), ==, 1);

  /* Not wanted (far out of view in the grid): the poster goes; wanted
   * again, it comes back from memory at once. */
  ts_movie_tile_set_poster_wanted (TS_MOVIE_TILE (tile), FALSE);
  g_assert_false (ts_movie_tile_get_poster_loaded (TS_MOVIE_TILE (tile)));
  ts_movie_tile_set_poster_wanted (TS_MOVIE_TILE (tile), TRUE);
  g_assert_true (ts_movie_tile_get_poster_loaded (TS_MOVIE_TILE (tile)));

  /* A film shown while its poster is not wanted asks the server nothing
   * until it is. */
  ts_movie_tile_set_poster_wanted (TS_MOVIE_TILE (tile), FALSE);
  ts_movie_tile_set_movie (TS_MOVIE_TILE (tile), third);
  ts_test_iterate_for (300);
  g_assert_cmpuint (test_server_hits (f->server, "/ok/poster/third.png"), ==, 0);
  g_assert_false (ts_movie_tile_get_poster_loaded (TS_MOVIE_TILE (tile)));
  ts_movie_tile_set_poster_wanted (TS_MOVIE_TILE (tile), TRUE);
  ts_test_wait_for (poster_loaded, tile, TIMEOUT_S, "the third film's poster");
  g_assert_cmpuint (test_server_hits (f->server, "/ok/poster/third.png"), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (tile);
  g_assert_finalize_object (cache);
}

/* The browse page --------------------------------------------------------- */

static GtkWidget *
find_type (GtkWidget *widget,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  TsBrowsePage *page;
  guint         n_movies;
} MoviesWait;

static gboolean
has_movies (gpointer user_data)
{
  MoviesWait *wait = user_data;

  return g_list_model_get_n_items (ts_browse_page_get_movies (wait->page)) == wait->n_movies;
}

static gboolean
has_movie_page (gpointer user_data)
{
  return find_type (user_data, TS_TYPE_MOVIE_PAGE) != NULL;
}

static gboolean
has_no_movie_page (gpointer user_data)
{
  return find_type (user_data, TS_TYPE_MOVIE_PAGE) == NULL;
}

static gboolean
has_no_provider (gpointer user_data)
{
  return ts_browse_page_get_provider (user_data) == NULL;
}

typedef struct
{
  TestServer *server;
  const char *text;
} QueryWait;

static gboolean
server_saw (gpointer user_data)
{
  QueryWait *wait = user_data;

  return wait->server->last_query != NULL && strstr (wait->server->last_query, wait->text) != NULL;
}

/* max-columns is as many cells as fit in the width, measured as the grid
 * measures them (the tile and the cell's padding, some 178 px). */
static gboolean
columns_fit (gpointer user_data)
{
  GtkWidget *cell = gtk_widget_get_first_child (user_data);
  int width = gtk_widget_get_width (user_data);
  int cell_width;

  if (cell == NULL || width <= 0)
    return FALSE;
  gtk_widget_measure (cell, GTK_ORIENTATION_HORIZONTAL, -1, &cell_width, NULL, NULL, NULL);
  g_assert_cmpint (cell_width, >=, TS_MOVIE_TILE_POSTER_WIDTH);
  return gtk_grid_view_get_max_columns (user_data) == (guint) CLAMP (width / cell_width, 1, 12);
}

static gboolean
tiles_in_one_row (gpointer user_data)
{
  GtkWidget *grid = user_data;
  guint n = 0;
  float y = 0;

  for (GtkWidget *cell = gtk_widget_get_first_child (grid); cell != NULL;
       cell = gtk_widget_get_next_sibling (cell))
    {
      graphene_rect_t bounds;

      if (!gtk_widget_get_mapped (cell) || !gtk_widget_compute_bounds (cell, grid, &bounds))
        continue;
      if (n > 0 && bounds.origin.y != y)
        return FALSE;
      y = bounds.origin.y;
      n++;
    }
  return n == 3;
}

static void
test_browse_page (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = ts_browse_page_new ();
  MoviesWait wait = { TS_BROWSE_PAGE (page), 3 };
  QueryWait query = { f->server, "nebula" };
  g_autoptr(TsMovie) first = NULL;
  g_autofree char *provider_id = NULL;
  GtkWidget *grid, *entry, *movie_page;

  g_object_ref_sink (page);
  ts_browse_page_set_session (TS_BROWSE_PAGE (page), f->session);
  g_assert_true (ts_browse_page_get_session (TS_BROWSE_PAGE (page)) == f->session);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_set_child (GTK_WINDOW (window), page);

  /* Nothing is fetched before the page is shown. */
  g_assert_cmpuint (test_server_hits (f->server, "/ok/advancedsearch.php"), ==, 0);
  gtk_window_present (GTK_WINDOW (window));

  /* The fixture's three films. */
  ts_test_wait_for (has_movies, &wait, TIMEOUT_S, "the films of the catalog");
  g_assert_nonnull (ts_browse_page_get_provider (TS_BROWSE_PAGE (page)));
  g_assert_cmpstr (ts_catalog_provider_get_id (ts_browse_page_get_provider (TS_BROWSE_PAGE (page))),
                   ==, "archive");

  /* As many columns as fit and no more: GtkGridView keeps 30 rows of tiles
   * bound, 30 times its max-columns, whatever the width. The three films
   * still share a row. */
  grid = find_type (page, GTK_TYPE_GRID_VIEW);
  g_assert_nonnull (grid);
  ts_test_wait_for (columns_fit, grid, TIMEOUT_S, "max-columns to follow the width");
  g_assert_cmpuint (gtk_grid_view_get_max_columns (GTK_GRID_VIEW (grid)), <, 12);
  ts_test_wait_for (tiles_in_one_row, grid, TIMEOUT_S, "the films side by side");

  /* A film page in front, and back. */
  g_signal_emit_by_name (grid, "activate", 0);
  ts_test_wait_for (has_movie_page, page, TIMEOUT_S, "the film page");
  movie_page = g_object_ref (find_type (page, TS_TYPE_MOVIE_PAGE));
  first = g_list_model_get_item (ts_browse_page_get_movies (TS_BROWSE_PAGE (page)), 0);
  g_assert_true (ts_movie_page_get_movie (TS_MOVIE_PAGE (movie_page)) == first);
  g_assert_true (gtk_widget_activate_action (movie_page, "movie.back", NULL));
  ts_test_wait_for (has_no_movie_page, page, TIMEOUT_S, "the film page to go");
  g_assert_finalize_object (movie_page);

  /* A search reaches the server (after the debounce). */
  entry = find_type (page, GTK_TYPE_SEARCH_ENTRY);
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "nebula");
  ts_test_wait_for (server_saw, &query, TIMEOUT_S, "the search in the query");

  /* YTS without an address: no provider, no films, until the Archive is
   * chosen again. */
  g_settings_set_string (f->settings, "catalog-provider", "yts");
  ts_test_wait_for (has_no_provider, page, TIMEOUT_S, "the provider to go");
  g_assert_cmpuint (g_list_model_get_n_items (ts_browse_page_get_movies (TS_BROWSE_PAGE (page))),
                    ==, 0);
  g_assert_true (gtk_widget_activate_action (page, "browse.use-archive", NULL));
  provider_id = g_settings_get_string (f->settings, "catalog-provider");
  g_assert_cmpstr (provider_id, ==, "archive");
  ts_test_wait_for (has_movies, &wait, TIMEOUT_S, "the Archive's films again");

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (page);
}

/* Fast scrolling -------------------------------------------------------------- */

typedef struct
{
  TsBrowsePage *page;
  guint         at_least;
} MoreWait;

static gboolean
has_at_least (gpointer user_data)
{
  MoreWait *wait = user_data;

  return g_list_model_get_n_items (ts_browse_page_get_movies (wait->page)) >= wait->at_least;
}

typedef struct
{
  GdkFrameClock *clock;
  gint64         after;
} FrameWait;

static gboolean
frame_passed (gpointer user_data)
{
  FrameWait *wait = user_data;

  return gdk_frame_clock_get_frame_counter (wait->clock) > wait->after;
}

/* Until the grid has been laid out and drawn again. */
static void
wait_frames (GtkWidget *widget,
             guint      n)
{
  FrameWait wait = { gtk_widget_get_frame_clock (widget), 0 };

  wait.after = gdk_frame_clock_get_frame_counter (wait.clock) + n;
  ts_test_wait_for (frame_passed, &wait, TIMEOUT_S, "the next frames");
}

/* Tiles with films laid out where the view is; those of them that do not
 * want their posters in @not_wanting. */
static guint
tiles_in_view (GtkWidget *grid,
               guint     *not_wanting)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (grid, GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t view = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (scroller),
                                             gtk_widget_get_height (scroller));
  guint n = 0;

  for (GtkWidget *cell = gtk_widget_get_first_child (grid); cell != NULL;
       cell = gtk_widget_get_next_sibling (cell))
    {
      GtkWidget *tile = gtk_widget_get_first_child (cell);
      graphene_rect_t bounds;

      if (TS_IS_MOVIE_TILE (tile) && gtk_widget_get_mapped (tile)
          && ts_movie_tile_get_movie (TS_MOVIE_TILE (tile)) != NULL
          && gtk_widget_compute_bounds (tile, scroller, &bounds)
          && graphene_rect_intersection (&bounds, &view, NULL))
        {
          n++;
          if (!ts_movie_tile_get_poster_wanted (TS_MOVIE_TILE (tile)))
            (*not_wanting)++;
        }
    }
  return n;
}

/* Tiles that want their posters. */
static guint
tiles_wanting_posters (GtkWidget *grid)
{
  guint n = 0;

  for (GtkWidget *cell = gtk_widget_get_first_child (grid); cell != NULL;
       cell = gtk_widget_get_next_sibling (cell))
    {
      GtkWidget *tile = gtk_widget_get_first_child (cell);

      if (TS_IS_MOVIE_TILE (tile) && ts_movie_tile_get_movie (TS_MOVIE_TILE (tile)) != NULL
          && ts_movie_tile_get_poster_wanted (TS_MOVIE_TILE (tile)))
        n++;
    }
  return n;
}

static guint
max_textures (TsPosterCache *cache)
{
  guint max;

  g_object_get (cache, "max-textures", &max, NULL);
  return max;
}

typedef struct
{
  TsPosterCache *cache;
  guint          above;
} CacheWait;

static gboolean
cache_grew (gpointer user_data)
{
  CacheWait *wait = user_data;

  return max_textures (wait->cache) > wait->above;
}

/* Where the view was when films were added, with a turn of the wheel
 * right after, before the grid lays them out (a page often comes while
 * the person scrolls on). */
static double place_at_splice;
static double wheel_at_splice;

static gboolean
wheel_cb (gpointer user_data)
{
  place_at_splice = gtk_adjustment_get_value (user_data) + wheel_at_splice;
  gtk_adjustment_set_value (user_data, place_at_splice);
  return G_SOURCE_REMOVE;
}

static void
splice_cb (GListModel    *model,
           guint          position,
           guint          removed,
           guint          added,
           GtkAdjustment *adjustment)
{
  place_at_splice = gtk_adjustment_get_value (adjustment);
  if (wheel_at_splice != 0)
    g_idle_add_full (G_PRIORITY_HIGH, wheel_cb, adjustment, NULL);
}

/* A fast mouse wheel: several steps of the scroll position before the grid
 * is laid out again. GTK 4.8's GtkGridView then looked for the new place in
 * row sizes that no longer matched its tiles: it warned "ran out of items"
 * (fatal here) and "failed to scroll", and the view leapt ahead or went
 * blank. */
static void
test_fast_scroll (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = ts_browse_page_new ();
  g_autofree char *many = test_server_url (f->server, "/many");
  MoreWait wait = { TS_BROWSE_PAGE (page), 50 };
  CacheWait cache = { NULL, 0 };
  graphene_rect_t cell_bounds;
  int row_height, view_height;
  guint not_wanting = 0;
  guint columns;
  GtkAdjustment *adjustment;
  GtkWidget *grid;
  double step;

  g_settings_set_string (f->settings, "archive-url", many);
  g_object_ref_sink (page);
  ts_browse_page_set_session (TS_BROWSE_PAGE (page), f->session);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  ts_test_wait_for (has_at_least, &wait, TIMEOUT_S, "the first page of films");

  grid = find_type (page, GTK_TYPE_GRID_VIEW);
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (grid));
  g_signal_connect (ts_browse_page_get_movies (TS_BROWSE_PAGE (page)), "items-changed",
                    G_CALLBACK (splice_cb), adjustment);
  wait_frames (grid, 2);

  /* Some 400 films, page by page, the way scrolling to the end fetches them. */
  while (g_list_model_get_n_items (ts_browse_page_get_movies (TS_BROWSE_PAGE (page))) < 400)
    {
      double page_size = gtk_adjustment_get_page_size (adjustment);

      /* 1.5 screens from the end (the next page is asked for within 2),
       * then at the end; a wheel step back as each page comes. */
      wait.at_least = g_list_model_get_n_items (ts_browse_page_get_movies (TS_BROWSE_PAGE (page))) + 1;
      wheel_at_splice = -pow (page_size, 2.0 / 3.0);
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) - page_size
                                            - (wait.at_least % 100 > 50 ? 1.5 * page_size : 0));
      ts_test_wait_for (has_at_least, &wait, TIMEOUT_S, "the next page of films");
      wait_frames (grid, 2);
      /* The new films come below; the view stays where it was. */
      g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (adjustment), place_at_splice, 1.0);
    }
  wheel_at_splice = 0;
  gtk_adjustment_set_value (adjustment, 0);
  wait_frames (grid, 2);
  g_assert_cmpuint (tiles_in_view (grid, &not_wanting), >, 0);

  /* Posters are wanted by the tiles in view and those within 1.5 screens
   * (at the top: the first 2.5 screens, some 6 rows), not by all the
   * 30 rows of tiles the grid keeps bound. The memory cache keeps those and
   * a few screens more, not a fixed 200; more in a bigger window. */
  g_assert_cmpuint (not_wanting, ==, 0);
  /* Rows are as far apart as a cell is tall, with its margins. */
  g_assert_true (gtk_widget_compute_bounds (gtk_widget_get_first_child (grid), grid, &cell_bounds));
  row_height = (int) cell_bounds.size.height;
  view_height = gtk_widget_get_height (gtk_widget_get_ancestor (grid, GTK_TYPE_SCROLLED_WINDOW));
  g_assert_cmpint (row_height, >, 0);
  /* As many columns as cells fit (see columns_fit ()). */
  columns = gtk_grid_view_get_max_columns (GTK_GRID_VIEW (grid));
  g_assert_cmpuint (tiles_wanting_posters (grid), ==,
                    columns * (guint) ceil (2.5 * view_height / row_height));
  cache.cache = ts_movie_tile_get_poster_cache (TS_MOVIE_TILE (gtk_widget_get_first_child (
                  gtk_widget_get_first_child (grid))));
  g_assert_cmpuint (max_textures (cache.cache), >=, tiles_wanting_posters (grid));
  g_assert_cmpuint (max_textures (cache.cache), <, TS_POSTER_CACHE_DEFAULT_TEXTURES);

  /* Bursts of wheel steps (GtkScrolledWindow's step for a wheel detent),
   * each followed by a frame; the view ends where the steps put it. */
  step = pow (gtk_adjustment_get_page_size (adjustment), 2.0 / 3.0);
  for (guint burst = 0; burst < 40; burst++)
    {
      double value = gtk_adjustment_get_value (adjustment);

      for (guint i = 0; i < 6; i++)
        {
          value += step;
          gtk_adjustment_set_value (adjustment, value);
        }
      wait_frames (grid, 2);
      g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (adjustment), value, 1.0);
      g_assert_cmpuint (tiles_in_view (grid, &not_wanting), >, 0);
      g_assert_cmpuint (not_wanting, ==, 0);
      g_assert_cmpuint (tiles_wanting_posters (grid), <=,
                        columns * ((guint) ceil (4.0 * view_height / row_height) + 1));
    }

  /* A bigger window keeps more posters in memory. */
  cache.above = max_textures (cache.cache);
  gtk_widget_set_size_request (page, 1250, 790);
  ts_test_wait_for (cache_grew, &cache, TIMEOUT_S, "room for more posters in a bigger window");

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (page);
}

/* The film page ------------------------------------------------------------- */

static gboolean
page_has_torrent (gpointer user_data)
{
  return ts_movie_page_get_torrent (user_data) != NULL;
}

static gboolean
movie_has_details (gpointer user_data)
{
  return ts_movie_get_has_details (user_data);
}

/* The buttons are off while an add runs, and come back after it. */
static gboolean
preload_enabled (gpointer user_data)
{
  return gtk_widget_get_sensitive (find_actionable (user_data, "movie.preload"));
}

static void
test_movie_page (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *archive = test_server_url (f->server, "/ok");
  g_autofree char *info_hash = NULL;
  g_autofree char *path = write_item_torrent (f, &info_hash);
  g_autofree char *cache_dir = g_build_filename (f->dir, "posters", NULL);
  TsPosterCache *cache = ts_poster_cache_new (cache_dir, 0);
  TsCatalogProvider *provider = TS_CATALOG_PROVIDER (ts_archive_provider_new (archive, NULL));
  g_autoptr(TsMovie) listed = ts_movie_new ("archive", "dn2015-0220_vid");
  g_autoptr(TsMovie) local = ts_movie_new ("archive", "item");
  g_autoptr(GPtrArray) torrents = g_ptr_array_new_with_free_func (g_object_unref);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *overlay = adw_toast_overlay_new ();
  GtkWidget *page;
  guint backs = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  gtk_window_present (GTK_WINDOW (window));

  /* A film from a list: the details come from the catalog. */
  ts_movie_set_title (listed, "Listed");
  page = ts_movie_page_new (listed, provider, cache, f->session);
  g_object_ref_sink (page);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), page);
  ts_test_wait_for (movie_has_details, listed, TIMEOUT_S, "the film's details");
  g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (listed)), >, 0);
  g_assert_null (ts_movie_page_get_torrent (TS_MOVIE_PAGE (page)));

  /* Back by its action (the button, Escape, Alt+Left and the mouse's back
   * button all use it). */
  g_signal_connect_swapped (page, "back", G_CALLBACK (count_emission), &backs);
  g_assert_true (gtk_widget_activate_action (page, "movie.back", NULL));
  g_assert_cmpuint (backs, ==, 1);

  /* Preload of a torrent the server does not have: the page stays usable. */
  g_assert_true (preload_enabled (page));
  g_assert_true (gtk_widget_activate_action (page, "movie.preload", NULL));
  g_assert_false (preload_enabled (page));
  ts_test_wait_for (preload_enabled, page, TIMEOUT_S, "the add to fail");
  g_assert_null (ts_movie_page_get_torrent (TS_MOVIE_PAGE (page)));
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), NULL);
  g_assert_finalize_object (page);

  /* A film whose torrent is at hand: Play downloads it; without a player
   * in the window it says so. */
  ts_movie_set_title (local, "Local");
  g_ptr_array_add (torrents, item_choice (path, info_hash, "film.mp4", NULL));
  ts_movie_set_torrents (local, torrents);
  ts_movie_set_has_details (local, TRUE);
  page = ts_movie_page_new (local, NULL, cache, f->session);
  g_object_ref_sink (page);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), page);
  g_assert_true (gtk_widget_activate_action (page, "movie.play", NULL));
  ts_test_wait_for (page_has_torrent, page, TIMEOUT_S, "the download Play starts");
  g_assert_cmpuint (priority_of (ts_movie_page_get_torrent (TS_MOVIE_PAGE (page)), "film.ogv"),
                    ==, TS_FILE_PRIORITY_SKIP);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), NULL);
  g_assert_finalize_object (page);

  /* Opened again, the page finds the download in the session. */
  page = ts_movie_page_new (local, NULL, cache, f->session);
  g_object_ref_sink (page);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), page);
  g_assert_nonnull (ts_movie_page_get_torrent (TS_MOVIE_PAGE (page)));
  g_assert_cmpstr (ts_torrent_get_info_hash (ts_movie_page_get_torrent (TS_MOVIE_PAGE (page))),
                   ==, info_hash);

  /* Removed elsewhere, the page lets it go. */
  ts_session_remove (f->session, ts_movie_page_get_torrent (TS_MOVIE_PAGE (page)), TRUE);
  g_assert_null (ts_movie_page_get_torrent (TS_MOVIE_PAGE (page)));

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (page);
  g_assert_finalize_object (provider);
  g_assert_finalize_object (cache);
}

/* The backdrop ------------------------------------------------------------ */

static void
test_backdrop (void)
{
  g_autoptr(GBytes) png = test_make_png ("backdrop", 30, 45);
  g_autoptr(GError) error = NULL;
  GdkTexture *texture = gdk_texture_new_from_bytes (png, &error);
  GtkWidget *backdrop = ts_backdrop_new ();
  guint8 rgb[3];
  GdkRGBA tint;
  int minimum, natural;

  g_assert_no_error (error);
  g_object_ref_sink (backdrop);

  /* Without a child it takes no room: the picture never asks for any. */
  gtk_widget_measure (backdrop, GTK_ORIENTATION_VERTICAL, 1000, &minimum, &natural, NULL, NULL);
  g_assert_cmpint (natural, ==, 0);

  g_assert_false (ts_backdrop_get_tint (TS_BACKDROP (backdrop), NULL));
  ts_backdrop_set_poster (TS_BACKDROP (backdrop), texture);
  g_assert_true (ts_backdrop_get_tint (TS_BACKDROP (backdrop), &tint));
  test_png_color ("backdrop", rgb);
  g_assert_cmpfloat_with_epsilon (tint.red, rgb[0] / 255.0, 0.01);
  g_assert_cmpfloat_with_epsilon (tint.green, rgb[1] / 255.0, 0.01);
  g_assert_cmpfloat_with_epsilon (tint.blue, rgb[2] / 255.0, 0.01);

  ts_backdrop_set_texture (TS_BACKDROP (backdrop), texture);
  g_assert_true (ts_backdrop_get_texture (TS_BACKDROP (backdrop)) == texture);
  gtk_widget_measure (backdrop, GTK_ORIENTATION_VERTICAL, 1000, &minimum, &natural, NULL, NULL);
  g_assert_cmpint (natural, ==, 0);

  g_assert_finalize_object (backdrop);
  g_assert_finalize_object (texture);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/browse/text", test_text);
  g_test_add_func ("/browse/backdrop", test_backdrop);
  g_test_add ("/browse/download/selection", Fixture, NULL,
              fixture_set_up, test_download_selection, fixture_tear_down);
  g_test_add ("/browse/download/errors", Fixture, NULL,
              fixture_set_up, test_download_errors, fixture_tear_down);
  g_test_add ("/browse/tile", Fixture, NULL, fixture_set_up, test_tile, fixture_tear_down);
  g_test_add ("/browse/page", Fixture, NULL, fixture_set_up, test_browse_page, fixture_tear_down);
  g_test_add ("/browse/fast-scroll", Fixture, NULL,
              fixture_set_up, test_fast_scroll, fixture_tear_down);
  g_test_add ("/browse/movie-page", Fixture, NULL,
              fixture_set_up, test_movie_page, fixture_tear_down);

  return g_test_run ();
}
