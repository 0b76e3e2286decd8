/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Catalog benchmarks: figures printed beside their baselines, never asserted.
 *
 *   parse     time to turn a realistic answer into films, against json-glib
 *             alone parsing the same bytes (the floor)
 *   posters   1000 (or argv[1]) distinct posters through TsPosterCache from a local
 *             SoupServer, as a grid scrolling by with 8 loads in flight:
 *             network, then disk, then memory; resident memory every 250
 *             posters against the in-memory cap (it should stay flat) */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "catalog-test-server.h"
#include "ts-catalog.h"

#define IN_FLIGHT   8

static guint n_posters = 1000;
/* The size of a YTS medium cover. */
#define POSTER_W    230
#define POSTER_H    345

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static char *
make_archive_search (guint n_docs)
{
  GString *out = g_string_new ("{\"responseHeader\":{\"status\":0},\"response\":{\"numFound\":27000,"
                               "\"start\":0,\"docs\":[");

  for (guint i = 0; i < n_docs; i++)
    g_string_append_printf (out,
                            "%s{\"identifier\":\"film_%u\",\"title\":\"Film number %u, a title of "
                            "ordinary length\",\"year\":\"19%02u\",\"avg_rating\":4.2,"
                            "\"downloads\":%u,\"subject\":[\"Comedy\",\"Drama; Romance\"],"
                            "\"runtime\":\"1:32:10\",\"description\":\"<p>A young man comes to "
                            "the city and falls in with a crowd of &quot;artists&quot; who "
                            "are not what they seem.</p><p>Restored from a 35&nbsp;mm print; "
                            "music by the studio orchestra.<br>Public domain.</p>\"}",
                            i ? "," : "", i, i, i % 100, i * 37);
  g_string_append (out, "]}}");
  return g_string_free (out, FALSE);
}

static char *
make_yts_list (guint n_movies)
{
  g_autofree char *path = test_fixture_path ("yts-list_movies.json");
  g_autofree char *fixture = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  JsonObject *data;
  JsonArray *movies;
  JsonArray *more;

  g_assert_true (g_file_get_contents (path, &fixture, NULL, NULL));
  g_assert_true (json_parser_load_from_data (parser, fixture, -1, NULL));
  data = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "data");
  movies = json_object_get_array_member (data, "movies");
  more = json_array_new ();
  for (guint i = 0; i < n_movies; i++)
    {
      JsonNode *copy = json_node_copy (json_array_get_element (movies, i % 4));

      json_object_set_int_member (json_node_get_object (copy), "id", 100000 + i);
      json_array_add_element (more, copy);
    }
  json_object_set_array_member (data, "movies", more);
  json_generator_set_root (generator, json_parser_get_root (parser));
  return json_generator_to_data (generator, NULL);
}

static char *
make_archive_metadata (guint n_files)
{
  static const char * const formats[] = {
    "h.264", "Ogg Video", "MPEG2", "Thumbnail", "Metadata", "JPEG", "512Kb MPEG4", "Thumbnail"
  };
  GString *out = g_string_new ("{\"metadata\":{\"identifier\":\"big_item\",\"title\":\"A big item\","
                               "\"year\":\"1950\",\"runtime\":\"1:30:00\",\"subject\":\"Drama\","
                               "\"description\":\"<p>Many reels.</p>\"},\"files\":[");

  for (guint i = 0; i < n_files; i++)
    g_string_append_printf (out,
                            "%s{\"name\":\"reel%04u.%s\",\"source\":\"derivative\",\"format\":\"%s\","
                            "\"mtime\":\"1424480294\",\"size\":\"%u\",\"md5\":\"9883358631c40ef48f85"
                            "38053add8474\",\"length\":\"3542.04\",\"height\":\"480\","
                            "\"width\":\"640\"}",
                            i ? "," : "", i, "mp4", formats[i % G_N_ELEMENTS (formats)], 1000 + i);
  g_string_append (out, ",{\"name\":\"big_item_archive.torrent\",\"format\":\"Archive BitTorrent\","
                        "\"btih\":\"d3f9f4af56caa39e94b7f85ce7d7b9e722163341\",\"mtime\":\"1542757137\"}]}");
  return g_string_free (out, FALSE);
}

typedef enum { ARCHIVE_SEARCH, YTS_LIST, ARCHIVE_METADATA } Kind;

static void
bench_parse (const char *label,
             Kind        kind,
             const char *text,
             guint       iterations)
{
  gsize length = strlen (text);
  double start, ours, floor;

  start = now_ms ();
  for (guint i = 0; i < iterations; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();

      g_assert_true (json_parser_load_from_data (parser, text, length, NULL));
    }
  floor = (now_ms () - start) / iterations;

  start = now_ms ();
  for (guint i = 0; i < iterations; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GObject) result = NULL;

      switch (kind)
        {
        case ARCHIVE_SEARCH:
          result = G_OBJECT (ts_archive_parse_search ("https://archive.org", text, length, 1, 50, &error));
          break;
        case YTS_LIST:
          result = G_OBJECT (ts_yts_parse_list (text, length, 1, &error));
          break;
        case ARCHIVE_METADATA:
        default:
          result = G_OBJECT (ts_archive_parse_metadata ("https://archive.org", "big_item", text, length,
                                                        &error));
          break;
        }
      g_assert_no_error (error);
    }
  ours = (now_ms () - start) / iterations;

  g_print ("  %-36s %7.1f KiB  %7.3f ms   (json-glib alone %7.3f ms)\n",
           label, length / 1024.0, ours, floor);
}

/* Posters -------------------------------------------------------------------- */

typedef struct {
  TsPosterCache *cache;
  char         **urls;
  guint          next;
  guint          in_flight;
  guint          done;
  guint          failed;
  gboolean       finished;
  guint          report_every;
} Scroll;

static gint64
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtoll (line + 6, NULL, 10) : -1;
}

static void scroll_more (Scroll *scroll);

static void
on_poster (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Scroll *scroll = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = ts_poster_cache_load_finish (TS_POSTER_CACHE (source), result, &error);

  if (texture == NULL)
    {
      g_printerr ("poster failed: %s\n", error->message);
      scroll->failed++;
    }
  scroll->in_flight--;
  scroll->done++;
  if (scroll->report_every > 0 && scroll->done % scroll->report_every == 0)
    g_print ("    after %4u posters: RSS %6" G_GINT64_FORMAT " KiB, %3u textures = %5.1f MiB in memory\n",
             scroll->done, rss_kib (), ts_poster_cache_get_n_textures (scroll->cache),
             ts_poster_cache_get_memory_bytes (scroll->cache) / 1048576.0);
  scroll_more (scroll);
}

static void
scroll_more (Scroll *scroll)
{
  while (scroll->in_flight < IN_FLIGHT && scroll->next < n_posters)
    {
      scroll->in_flight++;
      ts_poster_cache_load_async (scroll->cache, scroll->urls[scroll->next++], NULL,
                                  on_poster, scroll);
    }
  if (scroll->in_flight == 0 && scroll->next == n_posters)
    scroll->finished = TRUE;
}

static double
run_scroll (TsPosterCache *cache,
            char         **urls,
            guint          report_every)
{
  Scroll scroll = { cache, urls, 0, 0, 0, 0, FALSE, report_every };
  double start = now_ms ();

  scroll_more (&scroll);
  while (!scroll.finished)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (scroll.failed, ==, 0);
  return (now_ms () - start) / n_posters;
}

static void
bench_posters (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("catalog-bench-XXXXXX", &error);
  g_autofree char *posters = NULL;
  TestServer *server = test_server_new ();
  TsPosterCache *cache;
  g_autofree char **urls = g_new0 (char *, n_posters);
  double network, disk, memory;
  g_autofree char *rm = NULL;

  g_assert_no_error (error);
  posters = g_build_filename (dir, "posters", NULL);
  for (guint i = 0; i < n_posters; i++)
    {
      g_autofree char *path = g_strdup_printf ("/ok/poster/p%04u-%ux%u.png", i, POSTER_W, POSTER_H);

      urls[i] = test_server_url (server, path);
    }
  cache = ts_poster_cache_new (posters, 0);

  g_print ("  %u posters of %ux%u, %u in flight; in-memory cap %u textures / %u MiB\n",
           n_posters, POSTER_W, POSTER_H, IN_FLIGHT, TS_POSTER_CACHE_DEFAULT_TEXTURES,
           TS_POSTER_CACHE_DEFAULT_MEMORY_BYTES / 1048576);
  g_print ("    start:               RSS %6" G_GINT64_FORMAT " KiB\n", rss_kib ());
  network = run_scroll (cache, urls, MAX (n_posters / 4, 1));
  ts_poster_cache_clear_memory (cache);
  disk = run_scroll (cache, urls, 0);
  {
    /* Scroll back over what is still in memory. */
    double start = now_ms ();
    guint hits = 0;

    for (guint i = 0; i < n_posters; i++)
      {
        GdkTexture *texture = ts_poster_cache_lookup (cache, urls[i]);

        if (texture != NULL)
          {
            hits++;
            g_object_unref (texture);
          }
      }
    g_assert_cmpuint (hits, ==, ts_poster_cache_get_n_textures (cache));
    memory = (now_ms () - start) / MAX (hits, 1);
  }
  g_print ("  per poster: network %.3f ms, disk %.3f ms, memory %.4f ms (%u server requests)\n",
           network, disk, memory, server->n_hits);

  g_assert_finalize_object (cache);
  test_server_free (server);
  for (guint i = 0; i < n_posters; i++)
    g_free (urls[i]);
  rm = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *search = make_archive_search (50);
  g_autofree char *search_big = make_archive_search (500);
  g_autofree char *yts = make_yts_list (50);
  g_autofree char *metadata = make_archive_metadata (2000);

  if (argc > 1)
    n_posters = CLAMP (g_ascii_strtoull (argv[1], NULL, 10), 1, 100000);

  /* Never reach past this machine, and no GNOME proxy lookups. */
  g_setenv ("TS_LOOPBACK_ONLY", "1", TRUE);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  g_print ("catalog parse (one answer, on a worker thread in the app)\n");
  bench_parse ("IA advanced search, 50 films", ARCHIVE_SEARCH, search, 200);
  bench_parse ("IA advanced search, 500 films", ARCHIVE_SEARCH, search_big, 30);
  bench_parse ("YTS list_movies, 50 films", YTS_LIST, yts, 200);
  bench_parse ("IA metadata, 2000 files", ARCHIVE_METADATA, metadata, 30);

  g_print ("poster cache\n");
  bench_posters ();
  return 0;
}
