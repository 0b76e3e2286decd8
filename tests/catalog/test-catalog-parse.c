/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parsers and models, without any network: the fixtures and mangled
 * variants of them. */

#include "config.h"

#include <string.h>

#include "catalog-test-server.h"
#include "ts-catalog.h"
#include "ts-catalog-util.h"

#define BASE "http://127.0.0.1:1"

static char *
fixture_text (const char *name,
              gsize      *length)
{
  g_autofree char *path = test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  char *contents;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return contents;
}

/* The fixture with every @from replaced by @to. */
static char *
fixture_replace (const char *name,
                 const char *from,
                 const char *to)
{
  g_autofree char *text = fixture_text (name, NULL);
  g_auto(GStrv) parts = g_strsplit (text, from, -1);

  g_assert_cmpuint (g_strv_length (parts), >, 1);
  return g_strjoinv (to, parts);
}

static TsMovieTorrent *
torrent_at (TsMovie *movie,
            guint    position)
{
  g_autoptr(TsMovieTorrent) torrent = g_list_model_get_item (ts_movie_get_torrents (movie), position);

  g_assert_nonnull (torrent);
  return torrent;  /* the movie keeps a reference */
}

static void
assert_genres (TsMovie    *movie,
               const char *expected)
{
  g_autofree char *joined = g_strjoinv ("|", (char **) ts_movie_get_genres (movie));

  g_assert_cmpstr (joined, ==, expected);
}

static void
finalize_page (TsCatalogPage *page)
{
  g_autoptr(GPtrArray) movies = g_ptr_array_new ();

  for (guint i = 0; i < ts_catalog_page_get_n_movies (page); i++)
    g_ptr_array_add (movies, g_object_ref (ts_catalog_page_get_movie (page, i)));
  g_assert_finalize_object (page);
  /* The page let go of its films; nothing else holds them. */
  for (guint i = 0; i < movies->len; i++)
    g_assert_finalize_object (g_ptr_array_index (movies, i));
}

/* Utilities ----------------------------------------------------------------- */

static void
test_html_to_text (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "a &amp; b &lt;c&gt; &#233; &#x41;&nbsp;z", "a & b <c> é A z" },
    { "Line1\nLine2\n\n\n\nPara  with   spaces ", "Line1\nLine2\n\nPara with spaces" },
    { "<p>One</p><p>Two<br>Three</p>", "One\n\nTwo\nThree" },
    { "<ul><li>A</li>\n   <li>B</li></ul>After", "A\nB\n\nAfter" },
    { "x < y and y > z", "x < y and y > z" },
    { "<script>alert(1)</script>Text <b>bold</b>", "Text bold" },
    { "fish & chips &unknown; &#0;", "fish & chips &unknown; &#0;" },
    { "", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = ts_catalog_html_to_text (cases[i].in);

      g_assert_cmpstr (text, ==, cases[i].out);
    }
  g_assert_null (ts_catalog_html_to_text (NULL));
}

static void
test_runtime_year_hash (void)
{
  g_assert_cmpuint (ts_catalog_parse_runtime ("59:02"), ==, 59);
  g_assert_cmpuint (ts_catalog_parse_runtime ("1:32:10"), ==, 92);
  g_assert_cmpuint (ts_catalog_parse_runtime ("92 min"), ==, 92);
  g_assert_cmpuint (ts_catalog_parse_runtime ("1 hr 32 min"), ==, 92);
  g_assert_cmpuint (ts_catalog_parse_runtime ("1h32m"), ==, 92);
  g_assert_cmpuint (ts_catalog_parse_runtime ("59 minutes 2 seconds"), ==, 59);
  g_assert_cmpuint (ts_catalog_parse_runtime ("92"), ==, 92);
  g_assert_cmpuint (ts_catalog_parse_runtime ("unknown"), ==, 0);
  g_assert_cmpuint (ts_catalog_parse_runtime ("a:b"), ==, 0);
  g_assert_cmpuint (ts_catalog_parse_runtime (""), ==, 0);
  g_assert_cmpuint (ts_catalog_parse_runtime (NULL), ==, 0);

  g_assert_cmpuint (ts_catalog_parse_length_seconds ("3542.04"), ==, 59);
  g_assert_cmpuint (ts_catalog_parse_length_seconds ("01:30:00"), ==, 90);
  g_assert_cmpuint (ts_catalog_parse_length_seconds ("45"), ==, 1);
  g_assert_cmpuint (ts_catalog_parse_length_seconds ("0"), ==, 0);
  g_assert_cmpuint (ts_catalog_parse_length_seconds ("-5"), ==, 0);
  g_assert_cmpuint (ts_catalog_parse_length_seconds ("long"), ==, 0);

  g_assert_cmpint (ts_catalog_parse_year ("1950"), ==, 1950);
  g_assert_cmpint (ts_catalog_parse_year ("2015-02-20"), ==, 2015);
  g_assert_cmpint (ts_catalog_parse_year ("c. 1950"), ==, 1950);
  g_assert_cmpint (ts_catalog_parse_year ("[195-?]"), ==, 0);
  g_assert_cmpint (ts_catalog_parse_year ("12345"), ==, 0);
  g_assert_cmpint (ts_catalog_parse_year ("1750"), ==, 0);
  g_assert_cmpint (ts_catalog_parse_year (NULL), ==, 0);

  {
    g_autofree char *hex = ts_catalog_normalize_info_hash ("5EDD8DF12BEF8C5C232D2AD1B9DBA1C432FDA1AB");
    g_autofree char *b32 = ts_catalog_normalize_info_hash ("L3OY34JL56GFYIZNFLI3TW5BYQZP3INL");
    g_autofree char *spaced = ts_catalog_normalize_info_hash (" 5edd8df12bef8c5c232d2ad1b9dba1c432fda1ab\n");

    g_assert_cmpstr (hex, ==, "5edd8df12bef8c5c232d2ad1b9dba1c432fda1ab");
    g_assert_cmpstr (b32, ==, hex);
    g_assert_cmpstr (spaced, ==, hex);
  }
  g_assert_null (ts_catalog_normalize_info_hash ("5EDD8DF12BEF8C5C232D2AD1B9DBA1C432FDA1A"));
  g_assert_null (ts_catalog_normalize_info_hash ("ZZDD8DF12BEF8C5C232D2AD1B9DBA1C432FDA1AB"));
  g_assert_null (ts_catalog_normalize_info_hash ("L3OY34JL56GFYIZNFLI3TW5BYQZP3IN1"));
  g_assert_null (ts_catalog_normalize_info_hash (""));
  g_assert_null (ts_catalog_normalize_info_hash (NULL));
}

static void
test_json_lenient (void)
{
  static const char json[] =
    "{\"a\":\"12\",\"b\":12.7,\"c\":[3],\"d\":\"x\",\"e\":null,\"f\":true,\"g\":\" 7430293422 \","
    "\"h\":[],\"i\":{\"j\":1},\"k\":[\"Drama\",\" drama \",\"\",5,\"Comedy; War\"],\"l\":\"\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = ts_catalog_json_parse (json, strlen (json), &error);
  JsonObject *o;
  gint64 n;
  double d;

  g_assert_no_error (error);
  o = json_node_get_object (root);

  g_assert_true (ts_catalog_json_get_int64 (o, "a", &n) && n == 12);
  g_assert_true (ts_catalog_json_get_int64 (o, "b", &n) && n == 12);
  g_assert_true (ts_catalog_json_get_int64 (o, "c", &n) && n == 3);
  g_assert_true (ts_catalog_json_get_int64 (o, "g", &n) && n == G_GINT64_CONSTANT (7430293422));
  g_assert_false (ts_catalog_json_get_int64 (o, "d", &n));
  g_assert_false (ts_catalog_json_get_int64 (o, "e", &n));
  g_assert_false (ts_catalog_json_get_int64 (o, "f", &n));
  g_assert_false (ts_catalog_json_get_int64 (o, "h", &n));
  g_assert_false (ts_catalog_json_get_int64 (o, "i", &n));
  g_assert_false (ts_catalog_json_get_int64 (o, "missing", &n));
  g_assert_true (ts_catalog_json_get_double (o, "b", &d) && d == 12.7);
  g_assert_true (ts_catalog_json_get_double (o, "a", &d) && d == 12);
  g_assert_false (ts_catalog_json_get_double (o, "d", &d));

  {
    g_autofree char *b = ts_catalog_json_dup_string (o, "b");
    g_autofree char *c = ts_catalog_json_dup_string (o, "c");
    g_autofree char *l = ts_catalog_json_dup_string (o, "l");
    g_autofree char *i = ts_catalog_json_dup_string (o, "i");
    g_auto(GStrv) k = ts_catalog_json_dup_strv (o, "k", NULL);
    g_auto(GStrv) k_split = ts_catalog_json_dup_strv (o, "k", ";");
    g_auto(GStrv) missing = ts_catalog_json_dup_strv (o, "missing", NULL);
    g_autofree char *k_joined = g_strjoinv ("|", k);
    g_autofree char *k_split_joined = g_strjoinv ("|", k_split);

    g_assert_cmpstr (b, ==, "12.7");
    g_assert_cmpstr (c, ==, "3");
    g_assert_null (l);
    g_assert_null (i);
    g_assert_cmpstr (k_joined, ==, "Drama|Comedy; War");
    g_assert_cmpstr (k_split_joined, ==, "Drama|Comedy|War");
    g_assert_nonnull (missing);
    g_assert_null (missing[0]);
  }

  g_assert_null (ts_catalog_json_get_object (NULL, "x"));
  g_assert_null (ts_catalog_json_get_array (o, "i"));
  g_assert_nonnull (ts_catalog_json_get_object (o, "i"));
}

/* Models -------------------------------------------------------------------- */

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_movie_model (void)
{
  TsMovie *movie = ts_movie_new ("archive", "some-id");
  TsMovie *from = ts_movie_new ("archive", "some-id");
  static const char * const genres[] = { "Comedy", "Drama", NULL };
  g_autoptr(GPtrArray) torrents = g_ptr_array_new_with_free_func (g_object_unref);
  TsMovieTorrent *torrent;
  guint notified = 0;

  g_assert_cmpstr (ts_movie_get_id (movie), ==, "some-id");
  g_assert_cmpstr (ts_movie_get_provider_id (movie), ==, "archive");
  g_assert_null (ts_movie_get_title (movie));
  g_assert_cmpint (ts_movie_get_year (movie), ==, 0);
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, -1);
  g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 0);
  g_assert_null (ts_movie_get_genres (movie)[0]);
  g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 0);
  g_assert_false (ts_movie_get_has_details (movie));

  g_signal_connect (movie, "notify", G_CALLBACK (count_notify), &notified);
  ts_movie_set_title (movie, "Title");
  ts_movie_set_title (movie, "Title");
  g_assert_cmpuint (notified, ==, 1);
  ts_movie_set_rating (movie, 12);
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, 10);
  ts_movie_set_rating (movie, -3);
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, -1);
  ts_movie_set_title (movie, "");
  g_assert_null (ts_movie_get_title (movie));
  ts_movie_set_genres (movie, genres);
  ts_movie_set_genres (movie, genres);
  g_assert_cmpuint (notified, ==, 5);
  assert_genres (movie, "Comedy|Drama");

  /* update() copies what the other knows and leaves the rest. */
  ts_movie_set_rating (movie, 7.5);
  ts_movie_set_synopsis (from, "Plot.");
  ts_movie_set_runtime (from, 90);
  torrent = g_object_new (TS_TYPE_MOVIE_TORRENT, "label", "MP4", "torrent-url", "http://x/t.torrent",
                          "info-hash", "5EDD8DF12BEF8C5C232D2AD1B9DBA1C432FDA1AB", NULL);
  g_ptr_array_add (torrents, torrent);
  ts_movie_set_torrents (from, torrents);
  ts_movie_set_has_details (from, TRUE);
  notified = 0;
  ts_movie_update (movie, from);
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, 7.5);
  g_assert_cmpstr (ts_movie_get_synopsis (movie), ==, "Plot.");
  g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 90);
  assert_genres (movie, "Comedy|Drama");
  g_assert_true (ts_movie_get_has_details (movie));
  g_assert_true (torrent_at (movie, 0) == torrent);
  g_assert_cmpstr (ts_movie_torrent_get_info_hash (torrent), ==,
                   "5edd8df12bef8c5c232d2ad1b9dba1c432fda1ab");
  g_assert_cmpint (ts_movie_torrent_get_seeds (torrent), ==, -1);
  g_assert_cmpint (ts_movie_torrent_get_size (torrent), ==, -1);
  g_assert_cmpuint (notified, ==, 3);

  g_clear_pointer (&torrents, g_ptr_array_unref);
  g_object_add_weak_pointer (G_OBJECT (torrent), (gpointer *) &torrent);
  g_assert_finalize_object (from);
  g_assert_finalize_object (movie);
  g_assert_null (torrent);
}

static void
test_query (void)
{
  g_autoptr(TsCatalogQuery) query = ts_catalog_query_new ();
  g_autoptr(TsCatalogQuery) copy = NULL;
  g_autofree char *key1 = NULL;
  g_autofree char *key2 = NULL;

  g_assert_cmpint (ts_catalog_query_get_sort (query), ==, TS_CATALOG_SORT_NEWEST);
  g_assert_null (ts_catalog_query_get_search (query));
  ts_catalog_query_set_search (query, "   ");
  g_assert_null (ts_catalog_query_get_search (query));
  ts_catalog_query_set_search (query, "  night  ");
  g_assert_cmpstr (ts_catalog_query_get_search (query), ==, "night");
  ts_catalog_query_set_min_rating (query, 42);
  g_assert_cmpfloat (ts_catalog_query_get_min_rating (query), ==, 10);
  ts_catalog_query_set_min_rating (query, 6);

  copy = ts_catalog_query_copy (query);
  g_assert_true (ts_catalog_query_equal (query, copy));
  key1 = ts_catalog_query_to_key (query);
  ts_catalog_query_set_sort (copy, TS_CATALOG_SORT_TITLE);
  g_assert_false (ts_catalog_query_equal (query, copy));
  key2 = ts_catalog_query_to_key (copy);
  g_assert_cmpstr (key1, !=, key2);
  g_assert_nonnull (strstr (key2, "sort=title"));
  g_assert_cmpuint (G_TYPE_FROM_CLASS (g_type_class_peek (TS_TYPE_CATALOG_SORT)), ==,
                    TS_TYPE_CATALOG_SORT);
}

/* YTS ----------------------------------------------------------------------- */

static void
test_yts_list (void)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *text = fixture_text ("yts-list_movies.json", &length);
  TsCatalogPage *page = ts_yts_parse_list (text, length, 1, &error);
  TsMovie *movie;
  TsMovieTorrent *torrent;

  g_assert_no_error (error);
  g_assert_cmpuint (ts_catalog_page_get_page (page), ==, 1);
  g_assert_cmpuint (ts_catalog_page_get_total (page), ==, 70291);
  g_assert_true (ts_catalog_page_get_has_more (page));
  g_assert_cmpuint (ts_catalog_page_get_n_movies (page), ==, 4);

  movie = ts_catalog_page_get_movie (page, 0);
  g_assert_cmpstr (ts_movie_get_provider_id (movie), ==, "yts");
  g_assert_cmpstr (ts_movie_get_id (movie), ==, "71537");
  g_assert_cmpstr (ts_movie_get_title (movie), ==, "The Right Way");
  g_assert_cmpint (ts_movie_get_year (movie), ==, 2004);
  /* An integer in the JSON. */
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, 6.0);
  g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 77);
  assert_genres (movie, "Comedy|Drama");
  /* Empty strings in 2025 list entries. */
  g_assert_null (ts_movie_get_synopsis (movie));
  g_assert_false (ts_movie_get_has_details (movie));
  g_assert_cmpstr (ts_movie_get_poster_url (movie), ==,
                   "https://yts.mx/assets/images/movies/the_right_way_2004/medium-cover.jpg");
  g_assert_cmpstr (ts_movie_get_backdrop_url (movie), ==,
                   "https://yts.mx/assets/images/movies/the_right_way_2004/background.jpg");
  g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 2);
  torrent = torrent_at (movie, 0);
  g_assert_cmpstr (ts_movie_torrent_get_label (torrent), ==, "1080p · WEB");
  g_assert_cmpint (ts_movie_torrent_get_size (torrent), ==, 1374389535);
  g_assert_cmpint (ts_movie_torrent_get_seeds (torrent), ==, 0);
  g_assert_cmpint (ts_movie_torrent_get_peers (torrent), ==, 0);
  g_assert_cmpstr (ts_movie_torrent_get_info_hash (torrent), ==,
                   "5907cae606957ff2636890d0323e6f7fa133dc11");
  g_assert_cmpstr (ts_movie_torrent_get_torrent_url (torrent), ==,
                   "https://yts.mx/torrent/download/5907CAE606957FF2636890D0323E6F7FA133DC11");
  g_assert_true (g_str_has_prefix (ts_movie_torrent_get_magnet (torrent),
                                   "magnet:?xt=urn:btih:5907cae606957ff2636890d0323e6f7fa133dc11"
                                   "&dn=The%20Right%20Way&tr=udp%3A%2F%2F"));
  g_assert_null (ts_movie_torrent_get_file_hint (torrent));
  torrent = torrent_at (movie, 1);
  g_assert_cmpstr (ts_movie_torrent_get_label (torrent), ==, "720p · WEB");
  g_assert_cmpint (ts_movie_torrent_get_size (torrent), ==, 742632980);

  movie = ts_catalog_page_get_movie (page, 1);
  g_assert_cmpstr (ts_movie_get_title (movie), ==, "Apache Rifles");
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, 6.4);
  torrent = torrent_at (movie, 1);
  g_assert_cmpstr (ts_movie_torrent_get_label (torrent), ==, "720p · WEB");
  g_assert_cmpint (ts_movie_torrent_get_seeds (torrent), ==, 76);
  g_assert_cmpint (ts_movie_torrent_get_peers (torrent), ==, 30);
  g_assert_cmpint (ts_movie_torrent_get_size (torrent), ==, 886571008);

  movie = ts_catalog_page_get_movie (page, 2);
  g_assert_cmpstr (ts_movie_get_title (movie), ==, "Sigur R\xc3\xb3s: Inni");
  g_assert_true (g_utf8_validate (ts_movie_get_title (movie), -1, NULL));
  g_assert_cmpint (ts_movie_get_year (movie), ==, 2011);
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, 7.8);
  assert_genres (movie, "Documentary|Music");
  torrent = torrent_at (movie, 0);
  g_assert_cmpstr (ts_movie_torrent_get_label (torrent), ==, "1080p · BluRay");
  g_assert_nonnull (strstr (ts_movie_torrent_get_magnet (torrent), "&dn=Sigur%20R%C3%B3s%3A%20Inni&"));

  movie = ts_catalog_page_get_movie (page, 3);
  g_assert_cmpstr (ts_movie_get_title (movie), ==, "Le schpountz");
  g_assert_cmpint (ts_movie_get_year (movie), ==, 1938);
  g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 160);
  g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 1);
  torrent = torrent_at (movie, 0);
  g_assert_cmpstr (ts_movie_torrent_get_label (torrent), ==, "720p · BluRay");
  g_assert_cmpint (ts_movie_torrent_get_size (torrent), ==, 1245540516);
  g_assert_cmpstr (ts_movie_torrent_get_info_hash (torrent), ==,
                   "2f7a315a587eaf92e5d9c3c93b3b88efa0035b99");

  finalize_page (page);

  /* The last page of a listing. */
  {
    static const char last[] =
      "{\"status\":\"ok\",\"data\":{\"movie_count\":21,\"limit\":20,\"page_number\":2,"
      "\"movies\":[{\"id\":1,\"title\":\"x\"}]}}";

    page = ts_yts_parse_list (last, strlen (last), 2, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ts_catalog_page_get_page (page), ==, 2);
    g_assert_cmpuint (ts_catalog_page_get_total (page), ==, 21);
    g_assert_cmpuint (ts_catalog_page_get_n_movies (page), ==, 1);
    g_assert_false (ts_catalog_page_get_has_more (page));
    finalize_page (page);
  }
}

static void
test_yts_details (void)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *text = fixture_text ("yts-movie_details.json", &length);
  TsMovie *movie = ts_yts_parse_details (text, length, &error);
  TsMovieTorrent *torrent;

  g_assert_no_error (error);
  g_assert_cmpstr (ts_movie_get_id (movie), ==, "2723");
  g_assert_cmpstr (ts_movie_get_title (movie), ==, "Shutter Island");
  g_assert_cmpint (ts_movie_get_year (movie), ==, 2010);
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, 8.2);
  g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 138);
  assert_genres (movie, "Action|Mystery|Thriller");
  g_assert_true (g_str_has_prefix (ts_movie_get_synopsis (movie), "Assigned the thorny task of investigating"));
  g_assert_true (g_str_has_suffix (ts_movie_get_synopsis (movie), "losing his grip on reality?\xe2\x80\x94Nick Riganas"));
  g_assert_true (ts_movie_get_has_details (movie));
  g_assert_cmpstr (ts_movie_get_backdrop_url (movie), ==,
                   "https://yts.mx/assets/images/movies/Shutter_Island_2010/background.jpg");
  g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 3);

  torrent = torrent_at (movie, 0);
  g_assert_cmpstr (ts_movie_torrent_get_label (torrent), ==, "1080p · BluRay");
  g_assert_cmpint (ts_movie_torrent_get_size (torrent), ==, 2040109466);
  g_assert_cmpint (ts_movie_torrent_get_seeds (torrent), ==, 100);
  g_assert_cmpint (ts_movie_torrent_get_peers (torrent), ==, 60);
  torrent = torrent_at (movie, 1);
  g_assert_cmpstr (ts_movie_torrent_get_label (torrent), ==, "720p · BluRay");
  g_assert_cmpint (ts_movie_torrent_get_size (torrent), ==, 628977828);
  torrent = torrent_at (movie, 2);
  /* 64-bit size, "is_repack": "", x265. */
  g_assert_cmpstr (ts_movie_torrent_get_label (torrent), ==, "2160p · BluRay · x265");
  g_assert_cmpint (ts_movie_torrent_get_size (torrent), ==, G_GINT64_CONSTANT (7430293422));
  g_assert_cmpint (ts_movie_torrent_get_seeds (torrent), ==, 74);
  g_assert_cmpint (ts_movie_torrent_get_peers (torrent), ==, 28);
  g_assert_cmpstr (ts_movie_torrent_get_info_hash (torrent), ==,
                   "d32fe5583b0715bfee2f5415690d24deb9570c47");
  g_assert_cmpstr (ts_movie_torrent_get_magnet (torrent), ==,
                   "magnet:?xt=urn:btih:d32fe5583b0715bfee2f5415690d24deb9570c47&dn=Shutter%20Island"
                   "&tr=udp%3A%2F%2Ftracker.opentrackr.org%3A1337%2Fannounce"
                   "&tr=udp%3A%2F%2Fopen.demonii.com%3A1337%2Fannounce"
                   "&tr=udp%3A%2F%2Ftracker.openbittorrent.com%3A80%2Fannounce"
                   "&tr=udp%3A%2F%2Fexodus.desync.com%3A6969%2Fannounce");

  g_assert_finalize_object (movie);
}

static void
assert_yts_list_error (const char *json,
                       gssize      length,
                       int         code)
{
  g_autoptr(GError) error = NULL;
  TsCatalogPage *page = ts_yts_parse_list (json, length < 0 ? strlen (json) : (gsize) length, 1, &error);

  g_assert_null (page);
  g_assert_error (error, TS_CATALOG_ERROR, code);
  if (code == TS_CATALOG_ERROR_INVALID_DATA && strstr (json, "status_message") == NULL)
    g_assert_cmpstr (error->message, ==, "The catalog server sent something that is not a film list");
}

static void
test_yts_mangled (void)
{
  static const char html[] = "<!DOCTYPE html><html><body>Cloudflare says no</body></html>";
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *text = fixture_text ("yts-list_movies.json", &length);
  g_autofree char *details = NULL;
  TsCatalogPage *page;
  TsMovie *movie;

  /* Truncated at several places. */
  for (gsize cut = 1; cut < length - 1; cut += length / 7)
    assert_yts_list_error (text, cut, TS_CATALOG_ERROR_INVALID_DATA);
  assert_yts_list_error (html, -1, TS_CATALOG_ERROR_INVALID_DATA);
  assert_yts_list_error ("", -1, TS_CATALOG_ERROR_INVALID_DATA);
  assert_yts_list_error ("null", -1, TS_CATALOG_ERROR_INVALID_DATA);
  assert_yts_list_error ("[1,2]", -1, TS_CATALOG_ERROR_INVALID_DATA);
  assert_yts_list_error ("{\"status\":\"ok\"}", -1, TS_CATALOG_ERROR_INVALID_DATA);
  assert_yts_list_error ("{\"status\":\"ok\",\"data\":[]}", -1, TS_CATALOG_ERROR_INVALID_DATA);
  assert_yts_list_error ("{\"status\":\"ok\",\"data\":{\"movie_count\":5,\"movies\":{}}}", -1,
                         TS_CATALOG_ERROR_INVALID_DATA);
  assert_yts_list_error ("{\"status\":\"ok\",\"data\":{\"movie_count\":5,\"limit\":20,\"page_number\":1}}", -1,
                         TS_CATALOG_ERROR_INVALID_DATA);
  assert_yts_list_error ("{\"status\":\"ok\",\"data\":{\"movie_count\":\"many\",\"page_number\":1}}", -1,
                         TS_CATALOG_ERROR_INVALID_DATA);

  {
    static const char refused[] = "{\"status\":\"error\",\"status_message\":\"Invalid API key\"}";

    page = ts_yts_parse_list (refused, strlen (refused), 1, &error);
  }
  g_assert_null (page);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, "The catalog server reported an error: Invalid API key");
  g_clear_error (&error);

  /* No results: YTS leaves "movies" out. */
  {
    static const char none[] = "{\"status\":\"ok\",\"data\":{\"movie_count\":0,\"limit\":20,\"page_number\":1}}";

    page = ts_yts_parse_list (none, strlen (none), 1, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpuint (ts_catalog_page_get_n_movies (page), ==, 0);
  g_assert_cmpuint (ts_catalog_page_get_total (page), ==, 0);
  g_assert_false (ts_catalog_page_get_has_more (page));
  g_assert_finalize_object (page);

  /* Wrong types everywhere: numbers as strings, a string for an array,
   * a movie without id, torrents without usable hash or URL. */
  {
    static const char odd[] =
      "{\"status\":\"ok\",\"data\":{\"movie_count\":\"3\",\"limit\":\"20\",\"page_number\":\"1\",\"movies\":["
      "{\"id\":\"123\",\"title\":\"Odd\",\"year\":\"1999\",\"rating\":\"7.5\",\"runtime\":\"95\","
      " \"genres\":\"Drama\",\"medium_cover_image\":\"\",\"large_cover_image\":\"http://x/l.jpg\","
      " \"summary\":\"  Sum <i>mary</i>  \",\"torrents\":["
      "  {\"hash\":\"xyz\"},"
      "  {\"hash\":\"xyz\",\"url\":\"http://x/t\",\"quality\":\"720p\",\"type\":\"web\",\"size_bytes\":\"7430293422\","
      "   \"seeds\":\"12\",\"peers\":null,\"is_repack\":\"1\"},"
      "  \"not an object\"]},"
      "{\"title\":\"No id\"},"
      "7,"
      "{\"id\":5,\"title\":\"Plain\",\"year\":null,\"rating\":0,\"genres\":[1,\"Action\"],\"torrents\":\"none\"}"
      "]}}";

    page = ts_yts_parse_list (odd, strlen (odd), 1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ts_catalog_page_get_n_movies (page), ==, 2);
    g_assert_cmpuint (ts_catalog_page_get_total (page), ==, 3);
    g_assert_false (ts_catalog_page_get_has_more (page));

    movie = ts_catalog_page_get_movie (page, 0);
    g_assert_cmpstr (ts_movie_get_id (movie), ==, "123");
    g_assert_cmpint (ts_movie_get_year (movie), ==, 1999);
    g_assert_cmpfloat (ts_movie_get_rating (movie), ==, 7.5);
    g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 95);
    assert_genres (movie, "Drama");
    g_assert_cmpstr (ts_movie_get_synopsis (movie), ==, "Sum mary");
    g_assert_cmpstr (ts_movie_get_poster_url (movie), ==, "http://x/l.jpg");
    g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 1);
    g_assert_cmpstr (ts_movie_torrent_get_label (torrent_at (movie, 0)), ==, "720p · WEB · REPACK");
    g_assert_null (ts_movie_torrent_get_info_hash (torrent_at (movie, 0)));
    g_assert_null (ts_movie_torrent_get_magnet (torrent_at (movie, 0)));
    g_assert_cmpstr (ts_movie_torrent_get_torrent_url (torrent_at (movie, 0)), ==, "http://x/t");
    g_assert_cmpint (ts_movie_torrent_get_size (torrent_at (movie, 0)), ==,
                     G_GINT64_CONSTANT (7430293422));
    g_assert_cmpint (ts_movie_torrent_get_seeds (torrent_at (movie, 0)), ==, 12);
    g_assert_cmpint (ts_movie_torrent_get_peers (torrent_at (movie, 0)), ==, -1);

    movie = ts_catalog_page_get_movie (page, 1);
    g_assert_cmpstr (ts_movie_get_id (movie), ==, "5");
    g_assert_cmpint (ts_movie_get_year (movie), ==, 0);
    g_assert_cmpfloat (ts_movie_get_rating (movie), ==, -1);
    assert_genres (movie, "Action");
    g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 0);
    finalize_page (page);
  }

  /* Details of a film that is gone: YTS answers id 0. */
  {
    static const char gone[] = "{\"status\":\"ok\",\"data\":{\"movie\":{\"id\":0,\"url\":\"\",\"title\":null}}}";

    movie = ts_yts_parse_details (gone, strlen (gone), &error);
  }
  g_assert_null (movie);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "This film is no longer available");
  g_clear_error (&error);

  movie = ts_yts_parse_details ("{\"status\":\"ok\",\"data\":{}}", strlen ("{\"status\":\"ok\",\"data\":{}}"), &error);
  g_assert_null (movie);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  details = fixture_text ("yts-movie_details.json", &length);
  movie = ts_yts_parse_details (details, length / 2, &error);
  g_assert_null (movie);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* A list answer is not a details answer. */
  movie = ts_yts_parse_details (text, strlen (text), &error);
  g_assert_null (movie);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_FOUND);
}

/* Internet Archive ---------------------------------------------------------- */

static void
test_archive_search (void)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *text = fixture_text ("archive-advancedsearch.json", &length);
  TsCatalogPage *page = ts_archive_parse_search (BASE, text, length, 1, 50, &error);
  TsMovie *movie;

  g_assert_no_error (error);
  /* numFound (50) is more than the three docs kept in the fixture. */
  g_assert_cmpuint (ts_catalog_page_get_total (page), ==, 50);
  g_assert_true (ts_catalog_page_get_has_more (page));
  g_assert_cmpuint (ts_catalog_page_get_n_movies (page), ==, 3);

  movie = ts_catalog_page_get_movie (page, 0);
  g_assert_cmpstr (ts_movie_get_provider_id (movie), ==, "archive");
  g_assert_cmpstr (ts_movie_get_id (movie), ==, "PhysicsOfToys");
  g_assert_cmpstr (ts_movie_get_title (movie), ==, "Physics of Toys");
  g_assert_cmpint (ts_movie_get_year (movie), ==, 0);
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, -1);
  g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 0);
  assert_genres (movie, "nasa|toys|physics");
  g_assert_cmpstr (ts_movie_get_synopsis (movie), ==, "NASA video");
  g_assert_cmpstr (ts_movie_get_poster_url (movie), ==, BASE "/services/img/PhysicsOfToys");
  g_assert_null (ts_movie_get_backdrop_url (movie));
  g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 0);

  movie = ts_catalog_page_get_movie (page, 1);
  g_assert_cmpstr (ts_movie_get_id (movie), ==,
                   "Nup_test_redRoverGoesToMars-studentAstronautB-rollCompilation");
  g_assert_cmpstr (ts_movie_get_title (movie), ==,
                   "Red rover Goes To Mars-Student Astronaut B-Roll Compilation");
  g_assert_cmpint (ts_movie_get_year (movie), ==, 2004);
  assert_genres (movie, "");
  g_assert_true (g_str_has_prefix (ts_movie_get_synopsis (movie), "A brief compilation of b-roll"));

  movie = ts_catalog_page_get_movie (page, 2);
  g_assert_cmpstr (ts_movie_get_id (movie), ==, "NasaSciFiles-HurricanePathsAndLandfall");
  g_assert_cmpint (ts_movie_get_year (movie), ==, 0);
  assert_genres (movie, "NOAA: National Oceanic And Atmospheric Administration|Michelle Meinelli|"
                        "Prediction|Decadal Scale|Circulation|Air|Landfall");
  finalize_page (page);

  /* The page that ends the listing. */
  page = ts_archive_parse_search (BASE, "{\"response\":{\"numFound\":53,\"start\":50,\"docs\":["
                                  "{\"identifier\":\"a\"},{\"identifier\":\"b\"},{\"identifier\":\"c\"}]}}",
                                  strlen ("{\"response\":{\"numFound\":53,\"start\":50,\"docs\":["
                                          "{\"identifier\":\"a\"},{\"identifier\":\"b\"},{\"identifier\":\"c\"}]}}"),
                                  2, 50, &error);
  g_assert_no_error (error);
  g_assert_false (ts_catalog_page_get_has_more (page));
  g_assert_cmpstr (ts_movie_get_title (ts_catalog_page_get_movie (page, 0)), ==, "a");
  finalize_page (page);
}

static void
test_archive_search_mangled (void)
{
  static const char odd[] =
    "{\"response\":{\"numFound\":\"12\",\"docs\":["
    "{\"identifier\":\"a b\",\"year\":\"1950\",\"avg_rating\":\"4.5\",\"title\":[\"T1\",\"T2\"],"
    " \"subject\":\"Comedy; Drama;\",\"runtime\":\"1:32:10\",\"description\":[\"<p>One &amp; only</p>\",\"Two\"]},"
    "{\"title\":\"no identifier\"},"
    "5,"
    "{\"identifier\":\"b\",\"year\":\"[195-?]\",\"date\":\"1951-03-01\",\"avg_rating\":7,\"runtime\":\"83 min\"}"
    "]}}";
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *text = fixture_text ("archive-advancedsearch.json", &length);
  TsCatalogPage *page;
  TsMovie *movie;

  page = ts_archive_parse_search (BASE, odd, strlen (odd), 1, 50, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ts_catalog_page_get_n_movies (page), ==, 2);
  g_assert_cmpuint (ts_catalog_page_get_total (page), ==, 12);
  g_assert_true (ts_catalog_page_get_has_more (page));
  movie = ts_catalog_page_get_movie (page, 0);
  g_assert_cmpstr (ts_movie_get_title (movie), ==, "T1");
  g_assert_cmpint (ts_movie_get_year (movie), ==, 1950);
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, 9.0);
  g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 92);
  assert_genres (movie, "Comedy|Drama");
  g_assert_cmpstr (ts_movie_get_synopsis (movie), ==, "One & only");
  g_assert_cmpstr (ts_movie_get_poster_url (movie), ==, BASE "/services/img/a%20b");
  movie = ts_catalog_page_get_movie (page, 1);
  g_assert_cmpint (ts_movie_get_year (movie), ==, 1951);
  /* Out of range stars are capped. */
  g_assert_cmpfloat (ts_movie_get_rating (movie), ==, 10.0);
  g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 83);
  finalize_page (page);

  for (gsize cut = 1; cut < length - 1; cut += length / 7)
    {
      page = ts_archive_parse_search (BASE, text, cut, 1, 50, &error);
      g_assert_null (page);
      g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }

  {
    static const char * const bad[] = {
      "[]", "{}", "{\"response\":{}}", "{\"response\":{\"docs\":{}}}", "{\"response\":[]}",
      "<html><body>502 Bad Gateway</body></html>", "   ",
    };

    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        page = ts_archive_parse_search (BASE, bad[i], strlen (bad[i]), 1, 50, &error);
        g_assert_null (page);
        g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA);
        g_assert_cmpstr (error->message, ==,
                         "The catalog server sent something that is not a film list");
        g_clear_error (&error);
      }
  }
}

static void
assert_archive_torrent (TsMovie    *movie,
                        guint       position,
                        const char *label,
                        gint64      size,
                        const char *file)
{
  TsMovieTorrent *torrent = torrent_at (movie, position);

  g_assert_cmpstr (ts_movie_torrent_get_label (torrent), ==, label);
  g_assert_cmpint (ts_movie_torrent_get_size (torrent), ==, size);
  g_assert_cmpstr (ts_movie_torrent_get_file_hint (torrent), ==, file);
}

static void
test_archive_metadata (void)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *text = fixture_text ("archive-metadata.json", &length);
  TsMovie *movie = ts_archive_parse_metadata (BASE, "dn2015-0220_vid", text, length, &error);
  TsMovieTorrent *torrent;

  g_assert_no_error (error);
  g_assert_cmpstr (ts_movie_get_id (movie), ==, "dn2015-0220_vid");
  g_assert_cmpstr (ts_movie_get_title (movie), ==, "Democracy Now! Friday, February 20, 2015");
  g_assert_cmpint (ts_movie_get_year (movie), ==, 2015);
  /* From the length of the MP4, 3542.04 s. */
  g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 59);
  assert_genres (movie, "Democracy Now");
  g_assert_cmpstr (ts_movie_get_synopsis (movie), ==,
                   "Democracy Now! television program for Friday, February 20, 2015\n"
                   "\n"
                   "Headlines for February 20, 2015\n"
                   "An Unsolved Case of Racial Terror: FBI Probes 1946 Moore\xe2\x80\x99s Ford Bridge Lynching in Georgia\n"
                   "Malcolm X Remembered 50 Years After 1965 Assassination\n"
                   "NSA & British GCHQ Hacked SIM Card Maker to Steal Encryption Keys to Spy on Billions of Cellphones");
  g_assert_cmpstr (ts_movie_get_poster_url (movie), ==, BASE "/services/img/dn2015-0220_vid");
  g_assert_true (ts_movie_get_has_details (movie));

  g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 3);
  assert_archive_torrent (movie, 0, "MP4 · 480p", 368442433, "dn2015-0220.mp4");
  assert_archive_torrent (movie, 1, "Ogg · 300p", 267227655, "dn2015-0220.ogv");
  assert_archive_torrent (movie, 2, "MPEG-2 · 480p", G_GINT64_CONSTANT (3028289536), "dn2015-0220.mpeg");
  for (guint i = 0; i < 3; i++)
    {
      torrent = torrent_at (movie, i);
      g_assert_cmpstr (ts_movie_torrent_get_torrent_url (torrent), ==,
                       BASE "/download/dn2015-0220_vid/dn2015-0220_vid_archive.torrent");
      g_assert_cmpstr (ts_movie_torrent_get_info_hash (torrent), ==,
                       "d3f9f4af56caa39e94b7f85ce7d7b9e722163341");
      g_assert_null (ts_movie_torrent_get_magnet (torrent));
      g_assert_cmpint (ts_movie_torrent_get_seeds (torrent), ==, -1);
      g_assert_cmpint (ts_movie_torrent_get_peers (torrent), ==, -1);
    }
  g_assert_finalize_object (movie);
}

static void
test_archive_metadata_mangled (void)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *text = fixture_text ("archive-metadata.json", &length);
  g_autofree char *no_torrent = fixture_replace ("archive-metadata.json", "\"Archive BitTorrent\"", "\"Metadata\"");
  g_autofree char *stale = fixture_replace ("archive-metadata.json", "\"1542757137\"", "\"1424480000\"");
  g_autofree char *no_video = fixture_replace ("archive-metadata.json", "\"h.264\"", "\"Text\"");
  TsMovie *movie;

  /* md-read: a missing item is an empty array. */
  movie = ts_archive_parse_metadata (BASE, "gone", "[]", 2, &error);
  g_assert_null (movie);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "This film is no longer available");
  g_clear_error (&error);
  movie = ts_archive_parse_metadata (BASE, "gone", "{}", 2, &error);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);
  movie = ts_archive_parse_metadata (BASE, "dark", "{\"is_dark\":true,\"metadata\":{}}",
                                     strlen ("{\"is_dark\":true,\"metadata\":{}}"), &error);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  for (gsize cut = 1; cut < length - 1; cut += length / 9)
    {
      movie = ts_archive_parse_metadata (BASE, "x", text, cut, &error);
      g_assert_null (movie);
      g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }
  movie = ts_archive_parse_metadata (BASE, "x", "<html>Item not found</html>",
                                     strlen ("<html>Item not found</html>"), &error);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA);
  g_clear_error (&error);
  movie = ts_archive_parse_metadata (BASE, "x", "{\"files\":[]}", strlen ("{\"files\":[]}"), &error);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, "The catalog server sent something that is not a film record");
  g_clear_error (&error);

  movie = ts_archive_parse_metadata (BASE, "x", no_torrent, strlen (no_torrent), &error);
  g_assert_null (movie);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NO_TORRENT);
  g_assert_cmpstr (error->message, ==, "This film has no torrent");
  g_clear_error (&error);

  /* Only thumbnails and metadata left. */
  for (const char * const *format = (const char * const[]) { "\"MPEG2\"", "\"Ogg Video\"", NULL };
       *format != NULL; format++)
    {
      g_auto(GStrv) parts = g_strsplit (no_video, *format, -1);

      g_free (no_video);
      no_video = g_strjoinv ("\"Text\"", parts);
    }
  movie = ts_archive_parse_metadata (BASE, "x", no_video, strlen (no_video), &error);
  g_assert_null (movie);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NO_TORRENT);
  g_assert_cmpstr (error->message, ==, "This film has no video file that can be played");
  g_clear_error (&error);

  /* Files newer than the torrent may be missing from it: they go last. */
  movie = ts_archive_parse_metadata (BASE, "x", stale, strlen (stale), &error);
  g_assert_no_error (error);
  assert_archive_torrent (movie, 0, "MPEG-2 · 480p", G_GINT64_CONSTANT (3028289536), "dn2015-0220.mpeg");
  assert_archive_torrent (movie, 1, "MP4 · 480p", 368442433, "dn2015-0220.mp4");
  assert_archive_torrent (movie, 2, "Ogg · 300p", 267227655, "dn2015-0220.ogv");
  g_assert_finalize_object (movie);

  /* A film in two parts, numbers as numbers, no lengths: runtime from the
   * metadata; the metadata's identifier wins over the one asked for. */
  {
    static const char parts[] =
      "{\"metadata\":{\"identifier\":\"two parts\",\"title\":[\"Two Parts\"],\"date\":\"1931\","
      " \"runtime\":\"1:30:00\",\"subject\":[\"Drama; Silent\",\"Drama\"],\"description\":\"Plain\\ntext\"},"
      " \"files\":[{\"name\":\"reel/part2.mp4\",\"format\":\"h.264\",\"height\":480,\"size\":1000},"
      "          {\"name\":\"reel/part1.mp4\",\"format\":\"H.264\",\"height\":\"480\",\"size\":\"x\"},"
      "          {\"name\":\"part1_512kb.mp4\",\"format\":\"512Kb MPEG4\"},"
      "          {\"name\":\"cover.jpg\",\"format\":\"JPEG\"},"
      "          {\"format\":\"h.264\"},"
      "          {\"name\":\"two parts_archive.torrent\",\"format\":\"Archive BitTorrent\","
      "           \"btih\":\"L3OY34JL56GFYIZNFLI3TW5BYQZP3INL\"}]}";

    movie = ts_archive_parse_metadata (BASE, "asked", parts, strlen (parts), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (ts_movie_get_id (movie), ==, "two parts");
    g_assert_cmpstr (ts_movie_get_title (movie), ==, "Two Parts");
    g_assert_cmpint (ts_movie_get_year (movie), ==, 1931);
    g_assert_cmpuint (ts_movie_get_runtime (movie), ==, 90);
    assert_genres (movie, "Drama|Silent");
    g_assert_cmpstr (ts_movie_get_synopsis (movie), ==, "Plain\ntext");
    g_assert_cmpuint (g_list_model_get_n_items (ts_movie_get_torrents (movie)), ==, 3);
    assert_archive_torrent (movie, 0, "MP4 · 480p · part1.mp4", -1, "reel/part1.mp4");
    assert_archive_torrent (movie, 1, "MP4 · 480p · part2.mp4", 1000, "reel/part2.mp4");
    assert_archive_torrent (movie, 2, "MP4 · 512 kb/s", -1, "part1_512kb.mp4");
    g_assert_cmpstr (ts_movie_torrent_get_torrent_url (torrent_at (movie, 0)), ==,
                     BASE "/download/two%20parts/two%20parts_archive.torrent");
    g_assert_cmpstr (ts_movie_torrent_get_info_hash (torrent_at (movie, 0)), ==,
                     "5edd8df12bef8c5c232d2ad1b9dba1c432fda1ab");
    g_assert_finalize_object (movie);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/catalog/util/html-to-text", test_html_to_text);
  g_test_add_func ("/catalog/util/runtime-year-hash", test_runtime_year_hash);
  g_test_add_func ("/catalog/util/json-lenient", test_json_lenient);
  g_test_add_func ("/catalog/model/movie", test_movie_model);
  g_test_add_func ("/catalog/model/query", test_query);
  g_test_add_func ("/catalog/yts/list", test_yts_list);
  g_test_add_func ("/catalog/yts/details", test_yts_details);
  g_test_add_func ("/catalog/yts/mangled", test_yts_mangled);
  g_test_add_func ("/catalog/archive/search", test_archive_search);
  g_test_add_func ("/catalog/archive/search-mangled", test_archive_search_mangled);
  g_test_add_func ("/catalog/archive/metadata", test_archive_metadata);
  g_test_add_func ("/catalog/archive/metadata-mangled", test_archive_metadata_mangled);

  return g_test_run ();
}
