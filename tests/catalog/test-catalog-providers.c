/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The providers against a real SoupServer on 127.0.0.1: the fixtures, and a
 * server that fails in every way we know of. */

#include "config.h"

#include <string.h>

#include "catalog-test-server.h"
#include "ts-catalog.h"

#define WAIT_MS 10000

typedef struct {
  TestServer *server;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = test_server_new ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  test_server_free (fixture->server);
}

static TsCatalogProvider *
archive_at (Fixture    *fixture,
            const char *mode)
{
  g_autofree char *path = g_strdup_printf ("/%s", mode);
  g_autofree char *base = test_server_url (fixture->server, path);

  return TS_CATALOG_PROVIDER (ts_archive_provider_new (base, NULL));
}

static TsCatalogProvider *
yts_at (Fixture    *fixture,
        const char *mode)
{
  g_autofree char *path = g_strdup_printf ("/%s/api/v2", mode);
  g_autofree char *base = test_server_url (fixture->server, path);

  return TS_CATALOG_PROVIDER (ts_yts_provider_new (base));
}

static TsCatalogPage *
list_sync (TsCatalogProvider    *provider,
           const TsCatalogQuery *query,
           guint                 page,
           GCancellable         *cancellable,
           GError              **error)
{
  TestAsync async = { 0 };
  TsCatalogPage *result;

  ts_catalog_provider_list_async (provider, query, page, cancellable, test_async_cb, &async);
  test_wait_for (&async.done, WAIT_MS);
  result = ts_catalog_provider_list_finish (provider, async.result, error);
  test_async_clear (&async);
  return result;
}

static TsCatalogPage *
list_cached_sync (TsCatalogProvider    *provider,
                  const TsCatalogQuery *query,
                  GError              **error)
{
  TestAsync async = { 0 };
  TsCatalogPage *result;

  ts_catalog_provider_list_cached_async (provider, query, NULL, test_async_cb, &async);
  test_wait_for (&async.done, WAIT_MS);
  result = ts_catalog_provider_list_cached_finish (provider, async.result, error);
  test_async_clear (&async);
  return result;
}

static gboolean
details_sync (TsCatalogProvider  *provider,
              TsMovie            *movie,
              GCancellable       *cancellable,
              GError            **error)
{
  TestAsync async = { 0 };
  gboolean result;

  ts_catalog_provider_details_async (provider, movie, cancellable, test_async_cb, &async);
  test_wait_for (&async.done, WAIT_MS);
  result = ts_catalog_provider_details_finish (provider, async.result, error);
  test_async_clear (&async);
  return result;
}

/* The decoded value of @name in a raw query string; NULL if absent. Repeated
 * names are joined with ",". */
static char *
query_param (const char *raw,
             const char *name)
{
  g_auto(GStrv) pairs = g_strsplit (raw != NULL ? raw : "", "&", -1);
  GString *values = NULL;

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char *eq = strchr (pairs[i], '=');
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;

      if (eq == NULL)
        continue;
      key = g_uri_unescape_segment (pairs[i], eq, NULL);
      if (g_strcmp0 (key, name) != 0)
        continue;
      value = g_uri_unescape_string (eq + 1, NULL);
      g_assert_nonnull (value);
      if (values == NULL)
        values = g_string_new (value);
      else
        g_string_append_printf (values, ",%s", value);
    }
  return values != NULL ? g_string_free (values, FALSE) : NULL;
}

static void
assert_query_param (const char *raw,
                    const char *name,
                    const char *expected)
{
  g_autofree char *value = query_param (raw, name);

  g_assert_cmpstr (value, ==, expected);
}

/* Lists and details ----------------------------------------------------------- */

static void
test_archive_list (Fixture       *fixture,
                   gconstpointer  data)
{
  TsCatalogProvider *provider = archive_at (fixture, "ok");
  g_autoptr(TsCatalogQuery) query = ts_catalog_query_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *poster = test_server_url (fixture->server, "/ok/services/img/PhysicsOfToys");
  TsCatalogPage *page;

  g_assert_cmpstr (ts_catalog_provider_get_id (provider), ==, "archive");
  g_assert_cmpstr (ts_catalog_provider_get_name (provider), ==, "Internet Archive");
  g_assert_true (g_strv_contains (ts_catalog_provider_get_genres (provider), "Western"));
  g_assert_null (ts_catalog_provider_get_qualities (provider)[0]);

  page = list_sync (provider, NULL, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ts_catalog_page_get_n_movies (page), ==, 3);
  g_assert_cmpuint (ts_catalog_page_get_total (page), ==, 50);
  g_assert_false (ts_catalog_page_get_from_cache (page));
  g_assert_cmpstr (ts_movie_get_poster_url (ts_catalog_page_get_movie (page, 0)), ==, poster);
  g_assert_cmpuint (test_server_hits (fixture->server, "/ok/advancedsearch.php"), ==, 1);
  assert_query_param (fixture->server->last_query, "q",
                      "(collection:feature_films AND mediatype:movies AND format:\"Archive BitTorrent\")");
  assert_query_param (fixture->server->last_query, "fl[]",
                      "identifier,title,year,avg_rating,downloads,subject,description,runtime");
  assert_query_param (fixture->server->last_query, "rows", "50");
  assert_query_param (fixture->server->last_query, "page", "1");
  assert_query_param (fixture->server->last_query, "sort[]", "addeddate desc");
  assert_query_param (fixture->server->last_query, "output", "json");
  g_assert_finalize_object (page);

  /* Every filter, page 3, a smaller page size. */
  ts_catalog_query_set_sort (query, TS_CATALOG_SORT_TITLE);
  ts_catalog_query_set_search (query, "Night AND Day (1946)");
  ts_catalog_query_set_genre (query, "Film \"Noir\"");
  ts_catalog_query_set_min_rating (query, 7);
  ts_catalog_query_set_quality (query, "1080p");
  g_object_set (provider, "page-size", 24, NULL);
  page = list_sync (provider, query, 3, NULL, &error);
  g_assert_no_error (error);
  assert_query_param (fixture->server->last_query, "q",
                      "(collection:feature_films AND mediatype:movies AND format:\"Archive BitTorrent\")"
                      " AND (Night and Day \\(1946\\))"
                      " AND subject:\"Film \\\"Noir\\\"\""
                      " AND avg_rating:[3.5 TO 5]");
  assert_query_param (fixture->server->last_query, "rows", "24");
  assert_query_param (fixture->server->last_query, "page", "3");
  assert_query_param (fixture->server->last_query, "sort[]", "titleSorter asc");
  g_assert_finalize_object (page);

  {
    static const struct { TsCatalogSort sort; const char *expected; } sorts[] = {
      { TS_CATALOG_SORT_NEWEST, "addeddate desc" },
      { TS_CATALOG_SORT_RATING, "avg_rating desc" },
      { TS_CATALOG_SORT_YEAR, "year desc" },
      { TS_CATALOG_SORT_POPULAR, "downloads desc" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (sorts); i++)
      {
        g_autoptr(TsCatalogQuery) sorted = ts_catalog_query_new ();
        g_autofree char *url = NULL;
        g_autofree char *raw = NULL;

        ts_catalog_query_set_sort (sorted, sorts[i].sort);
        url = ts_archive_provider_build_list_url (TS_ARCHIVE_PROVIDER (provider), sorted, 1);
        raw = g_strdup (strchr (url, '?') + 1);
        assert_query_param (raw, "sort[]", sorts[i].expected);
      }
  }

  g_assert_finalize_object (provider);
}

static void
test_archive_details (Fixture       *fixture,
                      gconstpointer  data)
{
  TsCatalogProvider *provider = archive_at (fixture, "ok");
  TsMovie *movie = ts_movie_new ("archive", "dn2015-0220_vid");
  TsMovie *missing = ts_movie_new ("archive", "missing");
  g_autoptr(GError) error = NULL;
  g_autofree char *torrent_url = test_server_url (fixture->server,
                                                  "/ok/download/dn2015-0220_vid/dn2015-0220_vid_archive.torrent");
  g_autoptr(TsMovieTorrent) torrent = NULL;
  guint notified = 0;

  /* Known from the list already; the metadata has no rating. */
  ts_movie_set_rating (movie, 7.0);
  g_signal_connect_swapped (movie, "notify::has-details", G_CALLBACK (g_atomic_int_inc), &notified);

  g_assert_true (details_sync (provider, movie, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_server_hits (fixture->server, "/ok/metadata/dn2015-0220_vid"), ==, 1);
  g_assert_true (ts_movie_get_has_details (movie));
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (ts_movie_get_title (movie), ==, "Democracy Now! Friday, February 20, 2015");
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, 7.0);
  g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 59);
  g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 3);
  torrent = g_list_model_get_item (ts_movie_get_torrents (movie), 0);
  g_assert_cmpstr (ts_movie_torrent_get_torrent_url (torrent), ==, torrent_url);
  g_assert_cmpstr (ts_movie_torrent_get_file_hint (torrent), ==, "dn2015-0220.mp4");
  g_clear_object (&torrent);

  g_assert_false (details_sync (provider, missing, NULL, &error));
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "This film is no longer available");
  g_assert_false (ts_movie_get_has_details (missing));

  g_assert_finalize_object (missing);
  g_assert_finalize_object (movie);
  g_assert_finalize_object (provider);
}

static void
test_yts_list_details (Fixture       *fixture,
                       gconstpointer  data)
{
  TsCatalogProvider *provider = yts_at (fixture, "ok");
  g_autoptr(TsCatalogQuery) query = ts_catalog_query_new ();
  g_autoptr(GError) error = NULL;
  TsCatalogPage *page;
  TsMovie *movie;

  g_assert_cmpstr (ts_catalog_provider_get_id (provider), ==, "yts");
  g_assert_true (g_strv_contains (ts_catalog_provider_get_qualities (provider), "2160p"));
  g_assert_true (g_strv_contains (ts_catalog_provider_get_genres (provider), "Sci-Fi"));

  page = list_sync (provider, NULL, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ts_catalog_page_get_n_movies (page), ==, 4);
  assert_query_param (fixture->server->last_query, "limit", "20");
  assert_query_param (fixture->server->last_query, "page", "1");
  assert_query_param (fixture->server->last_query, "sort_by", "date_added");
  assert_query_param (fixture->server->last_query, "order_by", "desc");
  assert_query_param (fixture->server->last_query, "minimum_rating", NULL);
  assert_query_param (fixture->server->last_query, "query_term", NULL);

  /* Films of a list page have torrents but no synopsis: details fill it. */
  movie = g_object_ref (ts_catalog_page_get_movie (page, 2));
  g_assert_finalize_object (page);
  g_assert_null (ts_movie_get_synopsis (movie));
  g_assert_true (details_sync (provider, movie, NULL, &error));
  g_assert_no_error (error);
  assert_query_param (fixture->server->last_query, "movie_id", "71530");
  /* The server answers with its one fixture, Shutter Island. */
  g_assert_true (g_str_has_prefix (ts_movie_get_synopsis (movie), "Assigned the thorny task"));
  g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 3);
  g_assert_true (ts_movie_get_has_details (movie));
  g_assert_finalize_object (movie);

  ts_catalog_query_set_sort (query, TS_CATALOG_SORT_TITLE);
  ts_catalog_query_set_search (query, "Sigur Rós & friends");
  ts_catalog_query_set_genre (query, "Music");
  ts_catalog_query_set_min_rating (query, 6.5);
  ts_catalog_query_set_quality (query, "1080p");
  page = list_sync (provider, query, 2, NULL, &error);
  g_assert_no_error (error);
  assert_query_param (fixture->server->last_query, "page", "2");
  assert_query_param (fixture->server->last_query, "sort_by", "title");
  assert_query_param (fixture->server->last_query, "order_by", "asc");
  assert_query_param (fixture->server->last_query, "minimum_rating", "6");
  assert_query_param (fixture->server->last_query, "query_term", "Sigur Rós & friends");
  assert_query_param (fixture->server->last_query, "genre", "Music");
  assert_query_param (fixture->server->last_query, "quality", "1080p");
  g_assert_finalize_object (page);

  ts_catalog_query_set_sort (query, TS_CATALOG_SORT_RATING);
  page = list_sync (provider, query, 1, NULL, &error);
  g_assert_no_error (error);
  assert_query_param (fixture->server->last_query, "sort_by", "rating");
  assert_query_param (fixture->server->last_query, "order_by", "desc");
  g_assert_finalize_object (page);

  /* The API allows at most 50 a page: a larger page size asks for that. */
  g_object_set (provider, "page-size", 120, NULL);
  g_assert_cmpuint (ts_http_provider_get_page_size (TS_HTTP_PROVIDER (provider)), ==, 50);
  page = list_sync (provider, query, 1, NULL, &error);
  g_assert_no_error (error);
  assert_query_param (fixture->server->last_query, "limit", "50");
  g_assert_finalize_object (page);

  g_assert_finalize_object (provider);
}

/* Failures -------------------------------------------------------------------- */

static void
assert_list_fails (TsCatalogProvider *provider,
                   int                code,
                   const char        *message)
{
  g_autoptr(GError) error = NULL;
  TsCatalogPage *page = list_sync (provider, NULL, 1, NULL, &error);

  g_assert_null (page);
  g_assert_error (error, TS_CATALOG_ERROR, code);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
}

static void
test_http_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  TsCatalogProvider *provider;
  TsMovie *movie;
  g_autoptr(GError) error = NULL;

  provider = archive_at (fixture, "503");
  assert_list_fails (provider, TS_CATALOG_ERROR_HTTP, "The catalog server answered 503 Service Unavailable");
  g_assert_finalize_object (provider);

  provider = yts_at (fixture, "404");
  assert_list_fails (provider, TS_CATALOG_ERROR_HTTP, "The catalog server answered 404 Not Found");
  movie = ts_movie_new ("yts", "1");
  g_assert_false (details_sync (provider, movie, NULL, &error));
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_HTTP);
  g_assert_finalize_object (movie);
  g_assert_finalize_object (provider);

  /* A captive portal or maintenance page. */
  provider = archive_at (fixture, "html");
  assert_list_fails (provider, TS_CATALOG_ERROR_INVALID_DATA,
                     "The catalog server sent something that is not a film list");
  g_assert_finalize_object (provider);
  provider = yts_at (fixture, "html");
  assert_list_fails (provider, TS_CATALOG_ERROR_INVALID_DATA,
                     "The catalog server sent something that is not a film list");
  g_assert_finalize_object (provider);

  provider = yts_at (fixture, "halfjson");
  assert_list_fails (provider, TS_CATALOG_ERROR_INVALID_DATA, NULL);
  g_assert_finalize_object (provider);
}

static void
test_broken_transfers (Fixture       *fixture,
                       gconstpointer  data)
{
  TsCatalogProvider *provider;
  gint64 start;

  /* Headers, 100 bytes, then silence: our timer ends it. */
  provider = archive_at (fixture, "stall");
  g_object_set (provider, "timeout", 500, NULL);
  start = g_get_monotonic_time ();
  assert_list_fails (provider, TS_CATALOG_ERROR_TIMEOUT, "The catalog server stopped answering");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 450 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_finalize_object (provider);

  /* No answer at all. */
  provider = yts_at (fixture, "hang");
  g_object_set (provider, "timeout", 300, NULL);
  assert_list_fails (provider, TS_CATALOG_ERROR_TIMEOUT, NULL);
  g_assert_finalize_object (provider);

  /* The connection closes in the middle of the body. */
  provider = archive_at (fixture, "truncated");
  {
    g_autoptr(GError) error = NULL;
    TsCatalogPage *page = list_sync (provider, NULL, 1, NULL, &error);

    g_assert_null (page);
    g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NETWORK);
    g_assert_true (g_str_has_prefix (error->message, "The connection to the catalog broke off ("));
  }
  g_assert_finalize_object (provider);

  /* 9 MiB against the default cap of 8 MiB, said up front. */
  provider = archive_at (fixture, "big");
  assert_list_fails (provider, TS_CATALOG_ERROR_TOO_LARGE, "The catalog sent too much data");
  g_assert_finalize_object (provider);

  /* Chunked, so only counting tells. */
  provider = yts_at (fixture, "chunked");
  g_object_set (provider, "max-body-size", 64 * 1024, NULL);
  assert_list_fails (provider, TS_CATALOG_ERROR_TOO_LARGE, "The catalog sent too much data");
  g_assert_finalize_object (provider);
}

static void
test_unreachable (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u", test_closed_port ());
  TsCatalogProvider *provider = TS_CATALOG_PROVIDER (ts_archive_provider_new (base, NULL));
  g_autoptr(GError) error = NULL;
  TsCatalogPage *page;

  page = list_sync (provider, NULL, 1, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NETWORK);
  g_assert_true (g_str_has_prefix (error->message, "Could not reach the catalog ("));
  g_assert_true (g_str_has_suffix (error->message, ")"));
  g_test_message ("%s", error->message);
  g_assert_finalize_object (provider);
}

static void
test_bad_addresses (Fixture       *fixture,
                    gconstpointer  data)
{
  TsCatalogProvider *provider;

  /* The real Archive, but tests run with TS_LOOPBACK_ONLY=1: refused before
   * any connection is made. */
  g_assert_cmpstr (g_getenv ("TS_LOOPBACK_ONLY"), ==, "1");
  provider = TS_CATALOG_PROVIDER (ts_archive_provider_new (NULL, NULL));
  g_assert_cmpstr (ts_archive_provider_get_base_url (TS_ARCHIVE_PROVIDER (provider)), ==,
                   "https://archive.org");
  assert_list_fails (provider, TS_CATALOG_ERROR_INVALID_ADDRESS,
                     "Only loopback addresses may be used (TS_LOOPBACK_ONLY is set), not “archive.org”");
  g_assert_finalize_object (provider);

  provider = TS_CATALOG_PROVIDER (ts_yts_provider_new ("not an address"));
  assert_list_fails (provider, TS_CATALOG_ERROR_INVALID_ADDRESS, NULL);
  g_assert_finalize_object (provider);

  provider = TS_CATALOG_PROVIDER (ts_yts_provider_new ("ftp://127.0.0.1/api/v2"));
  assert_list_fails (provider, TS_CATALOG_ERROR_INVALID_ADDRESS, NULL);
  g_assert_finalize_object (provider);
}

static gboolean
cancel_when_hit (gpointer user_data)
{
  gpointer *pair = user_data;
  TestServer *server = pair[0];

  if (server->n_hits == 0)
    return G_SOURCE_CONTINUE;
  g_cancellable_cancel (pair[1]);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  TsCatalogProvider *provider = archive_at (fixture, "hang");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gpointer pair[2] = { fixture->server, cancellable };
  TsMovie *movie = ts_movie_new ("archive", "x");
  TsCatalogPage *page;
  gint64 start;

  /* Long timeout: the cancellation must end it, not the timer. */
  g_object_set (provider, "timeout", 20000, NULL);
  start = g_get_monotonic_time ();
  g_timeout_add (10, cancel_when_hit, pair);
  page = list_sync (provider, NULL, 1, cancellable, &error);
  g_assert_null (page);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&error);

  /* Cancelled before it starts. */
  g_assert_false (details_sync (provider, movie, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Cancelled while the body is stalled. */
  g_object_unref (provider);
  provider = yts_at (fixture, "stall");
  g_object_set (provider, "timeout", 20000, NULL);
  g_cancellable_reset (cancellable);
  fixture->server->n_hits = 0;
  g_timeout_add (10, cancel_when_hit, pair);
  page = list_sync (provider, NULL, 1, cancellable, &error);
  g_assert_null (page);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_assert_finalize_object (movie);
  g_assert_finalize_object (provider);
}

/* Offline --------------------------------------------------------------------- */

static void
test_offline_cache (Fixture       *fixture,
                    gconstpointer  data)
{
  TsCatalogProvider *provider = yts_at (fixture, "ok");
  TsCatalogProvider *other = yts_at (fixture, "other");
  g_autoptr(TsCatalogQuery) rating = ts_catalog_query_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *cache_dir = g_build_filename (g_get_user_cache_dir (), "torrentstream", "catalog", NULL);
  TsCatalogPage *page;
  TsCatalogPage *cached;
  TsMovie *movie;
  g_autoptr(TsMovieTorrent) torrent = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* Nothing yet. */
  cached = list_cached_sync (provider, NULL, &error);
  g_assert_null (cached);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_CACHED);
  g_assert_cmpstr (error->message, ==, "No film list was saved for offline use");
  g_clear_error (&error);

  page = list_sync (provider, NULL, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (cache_dir, G_FILE_TEST_IS_DIR));

  /* Offline now. */
  test_server_disconnect (fixture->server);
  assert_list_fails (provider, TS_CATALOG_ERROR_NETWORK, NULL);

  cached = list_cached_sync (provider, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ts_catalog_page_get_from_cache (cached));
  g_assert_cmpint (ts_catalog_page_get_fetched_at (cached), >=, now - 5);
  g_assert_cmpint (ts_catalog_page_get_fetched_at (cached), <=, now + 5);
  g_assert_cmpuint (ts_catalog_page_get_total (cached), ==, ts_catalog_page_get_total (page));
  g_assert_cmpint (ts_catalog_page_get_has_more (cached), ==, ts_catalog_page_get_has_more (page));
  g_assert_cmpuint (ts_catalog_page_get_n_movies (cached), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      TsMovie *a = ts_catalog_page_get_movie (page, i);
      TsMovie *b = ts_catalog_page_get_movie (cached, i);

      g_assert_cmpstr (ts_movie_get_id (a), ==, ts_movie_get_id (b));
      g_assert_cmpstr (ts_movie_get_provider_id (b), ==, "yts");
      g_assert_cmpstr (ts_movie_get_title (a), ==, ts_movie_get_title (b));
      g_assert_cmpint (ts_movie_get_year (a), ==, ts_movie_get_year (b));
      g_assert_cmpfloat (ts_movie_get_rating (a), ==, ts_movie_get_rating (b));
      g_assert_cmpuint (ts_movie_get_runtime (a), ==, ts_movie_get_runtime (b));
      g_assert_true (g_strv_equal (ts_movie_get_genres (a), ts_movie_get_genres (b)));
      g_assert_cmpstr (ts_movie_get_poster_url (a), ==, ts_movie_get_poster_url (b));
      g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (a)), ==,
                        g_list_model_get_n_items (ts_movie_get_torrents (b)));
    }
  movie = ts_catalog_page_get_movie (cached, 2);
  g_assert_cmpstr (ts_movie_get_title (movie), ==, "Sigur R\xc3\xb3s: Inni");
  torrent = g_list_model_get_item (ts_movie_get_torrents (movie), 0);
  g_assert_cmpstr (ts_movie_torrent_get_label (torrent), ==, "1080p · BluRay");
  g_assert_cmpint (ts_movie_torrent_get_size (torrent), ==, 1481763717);
  g_assert_cmpstr (ts_movie_torrent_get_info_hash (torrent), ==,
                   "2e4648e34f19a6a7c34da4db62373ccb2f881ae0");
  g_assert_true (g_str_has_prefix (ts_movie_torrent_get_magnet (torrent), "magnet:?xt=urn:btih:2e4648e3"));
  g_clear_object (&torrent);
  g_assert_finalize_object (cached);
  g_assert_finalize_object (page);

  /* Another query, or another server, has its own copy. */
  ts_catalog_query_set_sort (rating, TS_CATALOG_SORT_RATING);
  cached = list_cached_sync (provider, rating, &error);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_CACHED);
  g_clear_error (&error);
  cached = list_cached_sync (other, NULL, &error);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_CACHED);
  g_clear_error (&error);

  /* A damaged copy is an error, not a crash. */
  {
    g_autoptr(GDir) dir = g_dir_open (cache_dir, 0, NULL);
    const char *name;
    guint n_files = 0;

    g_assert_nonnull (dir);
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (cache_dir, name, NULL);

        g_assert_true (g_str_has_prefix (name, "yts-") && g_str_has_suffix (name, ".json"));
        g_assert_true (g_file_set_contents (path, "{\"version\":1,\"provider\":\"yts\",\"mov", -1, NULL));
        n_files++;
      }
    g_assert_cmpuint (n_files, ==, 1);
  }
  cached = list_cached_sync (provider, NULL, &error);
  g_assert_null (cached);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_CACHED);
  g_assert_cmpstr (error->message, ==, "The film list saved for offline use is damaged");

  g_assert_finalize_object (other);
  g_assert_finalize_object (provider);
}

/* Settings -------------------------------------------------------------------- */

static void
test_settings (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new ("org.example.TorrentStream");
  g_autoptr(GVariant) default_query = NULL;
  g_autoptr(GError) error = NULL;
  TsCatalogProvider *provider;

  /* The built-in defaults are the schema's. */
  default_query = g_settings_get_default_value (settings, "archive-query");
  g_assert_cmpstr (g_variant_get_string (default_query, NULL), ==, TS_ARCHIVE_DEFAULT_QUERY);

  provider = ts_catalog_provider_new_for_settings (settings, &error);
  g_assert_no_error (error);
  g_assert_true (TS_IS_ARCHIVE_PROVIDER (provider));
  g_assert_cmpstr (ts_archive_provider_get_base_url (TS_ARCHIVE_PROVIDER (provider)), ==,
                   TS_ARCHIVE_DEFAULT_URL);
  g_assert_cmpstr (ts_archive_provider_get_query (TS_ARCHIVE_PROVIDER (provider)), ==,
                   TS_ARCHIVE_DEFAULT_QUERY);
  g_assert_finalize_object (provider);

  g_settings_set_string (settings, "archive-query", "collection:silent_films");
  g_settings_set_string (settings, "archive-url", fixture->server->base);
  provider = ts_catalog_provider_new_for_settings (settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ts_archive_provider_get_query (TS_ARCHIVE_PROVIDER (provider)), ==,
                   "collection:silent_films");
  g_assert_cmpstr (ts_archive_provider_get_base_url (TS_ARCHIVE_PROVIDER (provider)), ==,
                   fixture->server->base);
  g_assert_finalize_object (provider);

  /* YTS is off until it has an address. */
  g_settings_set_string (settings, "catalog-provider", "yts");
  provider = ts_catalog_provider_new_for_settings (settings, &error);
  g_assert_null (provider);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_ADDRESS);
  g_assert_cmpstr (error->message, ==,
                   "Set the address of a YTS-compatible catalog in Preferences first");
  g_clear_error (&error);

  g_settings_set_string (settings, "yts-url", "http://127.0.0.1:9/api/v2");
  provider = ts_catalog_provider_new_for_settings (settings, &error);
  g_assert_no_error (error);
  g_assert_true (TS_IS_YTS_PROVIDER (provider));
  g_assert_cmpstr (ts_yts_provider_get_base_url (TS_YTS_PROVIDER (provider)), ==,
                   "http://127.0.0.1:9/api/v2");
  g_assert_finalize_object (provider);
}

int
main (int   argc,
      char *argv[])
{
  /* The private XDG dirs hide the schema the GNOME proxy module needs. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("TS_LOOPBACK_ONLY", "1", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/catalog/providers/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("archive-list", test_archive_list);
  ADD ("archive-details", test_archive_details);
  ADD ("yts-list-details", test_yts_list_details);
  ADD ("http-errors", test_http_errors);
  ADD ("broken-transfers", test_broken_transfers);
  ADD ("unreachable", test_unreachable);
  ADD ("bad-addresses", test_bad_addresses);
  ADD ("cancel", test_cancel);
  ADD ("offline-cache", test_offline_cache);
  ADD ("settings", test_settings);

#undef ADD

  return g_test_run ();
}
