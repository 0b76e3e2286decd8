/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the shared test helpers themselves: the HTTP server's Range
 * semantics (checked with a libsoup client) and the local swarm (checked
 * with a python3-libtorrent leecher, i.e. not with our engine). */
#define G_LOG_DOMAIN "test-testlib"

#include <glib/gstdio.h>
#include <string.h>

#include "ts-test-util.h"

#define LEECH_TIMEOUT_S 120

/* HTTP --------------------------------------------------------------------- */

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  double              seconds;
} Fetch;

static void
fetch_clear (Fetch *fetch)
{
  g_clear_pointer (&fetch->headers, soup_message_headers_unref);
  g_clear_pointer (&fetch->body, g_bytes_unref);
}

static void
fetch (const char *method,
       const char *url,
       const char *range,
       Fetch      *out)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Never through a proxy, whatever the environment says. */
  soup_session_set_proxy_resolver (session, NULL);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (range != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL,
                                    ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, 30);
  out->body = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  out->status = soup_message_get_status (msg);
  out->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  out->seconds = (g_get_monotonic_time () - start) / 1e6;
}

static GBytes *
random_bytes (gsize n)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint8 *data = g_malloc (n);

  for (gsize i = 0; i < n; i++)
    data[i] = (guint8) g_rand_int (rand);
  return g_bytes_new_take (data, n);
}

static void
assert_body (const Fetch *f,
             GBytes      *all,
             gsize        offset,
             gsize        length)
{
  g_autoptr(GBytes) want = g_bytes_new_from_bytes (all, offset, length);

  g_assert_cmpuint (g_bytes_get_size (f->body), ==, length);
  g_assert_true (g_bytes_equal (f->body, want));
  g_assert_cmpint (soup_message_headers_get_content_length (f->headers), ==, (gint64) length);
}

static void
test_http_ranges (void)
{
  g_autofree char *root = ts_test_make_tmp_dir ("ts-http");
  g_autofree char *dir = g_build_filename (root, "a dir", NULL);
  g_autofree char *path = g_build_filename (dir, "file one.bin", NULL);
  g_autoptr(GBytes) data = random_bytes (300000);
  g_autoptr(GBytes) page = g_bytes_new_static ("<html>hi</html>", 15);
  g_autoptr(GError) error = NULL;
  TsTestHttpServer *server;
  g_autofree char *url = NULL;
  Fetch f = { 0 };
  goffset start, end, total;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_file_set_contents (path, g_bytes_get_data (data, NULL), (gssize) g_bytes_get_size (data),
                       &error);
  g_assert_no_error (error);

  server = ts_test_http_server_new (root);
  g_assert_true (g_str_has_prefix (ts_test_http_server_get_url (server), "http://127.0.0.1:"));
  url = ts_test_http_server_url_for (server, "a dir/file one.bin");
  g_assert_true (g_str_has_suffix (url, "/a%20dir/file%20one.bin"));

  fetch ("GET", url, NULL, &f);
  g_assert_cmpuint (f.status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (f.headers, "Accept-Ranges"), ==, "bytes");
  assert_body (&f, data, 0, 300000);
  fetch_clear (&f);

  fetch ("GET", url, "bytes=1000-1999", &f);
  g_assert_cmpuint (f.status, ==, 206);
  g_assert_true (soup_message_headers_get_content_range (f.headers, &start, &end, &total));
  g_assert_cmpint (start, ==, 1000);
  g_assert_cmpint (end, ==, 1999);
  g_assert_cmpint (total, ==, 300000);
  assert_body (&f, data, 1000, 1000);
  fetch_clear (&f);

  fetch ("GET", url, "bytes=299990-", &f);
  g_assert_cmpuint (f.status, ==, 206);
  assert_body (&f, data, 299990, 10);
  fetch_clear (&f);

  fetch ("GET", url, "bytes=-100", &f);
  g_assert_cmpuint (f.status, ==, 206);
  assert_body (&f, data, 299900, 100);
  fetch_clear (&f);

  /* An end past the size is clamped. */
  fetch ("GET", url, "bytes=299000-999999", &f);
  g_assert_cmpuint (f.status, ==, 206);
  assert_body (&f, data, 299000, 1000);
  fetch_clear (&f);

  fetch ("GET", url, "bytes=300000-", &f);
  g_assert_cmpuint (f.status, ==, 416);
  g_assert_cmpstr (soup_message_headers_get_one (f.headers, "Content-Range"), ==, "bytes */300000");
  fetch_clear (&f);

  fetch ("HEAD", url, NULL, &f);
  g_assert_cmpuint (f.status, ==, 200);
  g_assert_cmpint (soup_message_headers_get_content_length (f.headers), ==, 300000);
  g_assert_cmpuint (g_bytes_get_size (f.body), ==, 0);
  fetch_clear (&f);

  g_free (url);
  url = ts_test_http_server_url_for (server, "/a dir/missing.bin");
  fetch ("GET", url, NULL, &f);
  g_assert_cmpuint (f.status, ==, 404);
  fetch_clear (&f);

  /* No way out of the root. */
  g_free (url);
  url = g_strconcat (ts_test_http_server_get_url (server), "a%20dir/%2E%2E/%2E%2E/%2E%2E/etc/passwd", NULL);
  fetch ("GET", url, NULL, &f);
  g_assert_cmpuint (f.status, !=, 200);
  fetch_clear (&f);

  ts_test_http_server_add_bytes (server, "/index.html", NULL, page);
  g_free (url);
  url = ts_test_http_server_url_for (server, "index.html");
  fetch ("GET", url, NULL, &f);
  g_assert_cmpuint (f.status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (f.headers, NULL), ==, "text/html");
  assert_body (&f, page, 0, 15);
  fetch_clear (&f);
  fetch ("GET", url, "bytes=6-7", &f);
  g_assert_cmpuint (f.status, ==, 206);
  assert_body (&f, page, 6, 2);
  fetch_clear (&f);

  ts_test_http_server_add_status (server, "/gone", 404, NULL);
  ts_test_http_server_add_status (server, "/moved", 302, "/index.html");
  g_free (url);
  url = ts_test_http_server_url_for (server, "gone");
  fetch ("GET", url, NULL, &f);
  g_assert_cmpuint (f.status, ==, 404);
  fetch_clear (&f);
  g_free (url);
  url = ts_test_http_server_url_for (server, "moved");
  fetch ("GET", url, NULL, &f);
  g_assert_cmpuint (f.status, ==, 302);
  g_assert_cmpstr (soup_message_headers_get_one (f.headers, "Location"), ==, "/index.html");
  fetch_clear (&f);

  g_assert_cmpuint (ts_test_http_server_count_requests (server, "/a dir/file one.bin"), ==, 7);
  g_assert_cmpuint (ts_test_http_server_count_requests (server, "/index.html"), ==, 2);
  g_assert_cmpuint (ts_test_http_server_count_requests (server, NULL), ==, 13);

  ts_test_http_server_free (server);
  ts_test_rm_rf (root);
  g_assert_false (g_file_test (root, G_FILE_TEST_EXISTS));
}

static void
test_http_slow (void)
{
  g_autoptr(GBytes) data = random_bytes (200000);
  TsTestHttpServer *server = ts_test_http_server_new (NULL);
  g_autofree char *url = ts_test_http_server_url_for (server, "/slow.bin");
  Fetch f = { 0 };

  ts_test_http_server_add_bytes (server, "/slow.bin", NULL, data);

  /* 200 kB at 400 kB/s: about half a second, and complete. */
  ts_test_http_server_set_rate (server, 400000);
  fetch ("GET", url, NULL, &f);
  g_test_message ("200 kB at 400 kB/s took %.2f s", f.seconds);
  g_assert_cmpuint (f.status, ==, 200);
  assert_body (&f, data, 0, 200000);
  g_assert_cmpfloat (f.seconds, >=, 0.35);
  g_assert_cmpfloat (f.seconds, <, 5.0);
  fetch_clear (&f);

  ts_test_http_server_set_rate (server, 0);
  ts_test_http_server_set_delay (server, 600);
  fetch ("GET", url, "bytes=0-99", &f);
  g_assert_cmpuint (f.status, ==, 206);
  assert_body (&f, data, 0, 100);
  g_assert_cmpfloat (f.seconds, >=, 0.55);
  fetch_clear (&f);

  g_assert_cmpint (ts_test_http_server_get_bytes_sent (server), ==, 200100);
  ts_test_http_server_free (server);
}

/* Waits and files ---------------------------------------------------------- */

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

static gboolean
counter_reaches_three (gpointer user_data)
{
  return ++*(int *) user_data >= 3;
}

static void
test_wait (void)
{
  gint64 start = g_get_monotonic_time ();
  int counter = 0;

  g_assert_false (ts_test_iterate_until (never, NULL, 300));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3000000);

  start = g_get_monotonic_time ();
  g_assert_true (ts_test_iterate_until (counter_reaches_three, &counter, 5000));
  g_assert_cmpint (counter, ==, 3);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2000000);

  /* A failed wait fails the test, with its message. */
  if (g_test_subprocess ())
    {
      ts_test_wait_for (never, NULL, 1, "the %s never comes", "answer");
      return;
    }
  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*timed out after 1 s: the answer never comes*");
}

static void
test_compare (void)
{
  g_autofree char *dir = ts_test_make_tmp_dir ("ts-cmp");
  g_autofree char *a = g_build_filename (dir, "a", NULL);
  g_autofree char *b = g_build_filename (dir, "b", NULL);
  g_autofree char *c = g_build_filename (dir, "c", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autoptr(GBytes) data = random_bytes (200000);
  g_autofree guint8 *other = g_memdup2 (g_bytes_get_data (data, NULL), 200000);
  g_autofree char *msg = NULL;

  other[150001] ^= 0x01;
  g_assert_true (g_file_set_contents (a, g_bytes_get_data (data, NULL), 200000, NULL));
  g_assert_true (g_file_set_contents (b, g_bytes_get_data (data, NULL), 200000, NULL));
  g_assert_true (g_file_set_contents (c, (const char *) other, 200000, NULL));

  g_assert_true (ts_test_compare_files (a, b, &msg));
  g_assert_null (msg);
  g_assert_false (ts_test_compare_files (a, c, &msg));
  g_assert_nonnull (strstr (msg, "differ at byte 150001"));
  g_clear_pointer (&msg, g_free);
  g_assert_true (ts_test_compare_file_range (a, c, 0, 150001, &msg));
  g_assert_true (ts_test_compare_file_range (a, c, 150002, 200000 - 150002, &msg));
  g_assert_false (ts_test_compare_file_range (a, c, 140000, 20000, &msg));
  g_clear_pointer (&msg, g_free);
  g_assert_false (ts_test_compare_files (a, missing, &msg));
  g_assert_nonnull (strstr (msg, "cannot stat"));
  g_clear_pointer (&msg, g_free);
  g_assert_true (g_file_set_contents (c, "short", 5, NULL));
  g_assert_false (ts_test_compare_files (a, c, &msg));
  g_assert_true (g_str_has_suffix (msg, "/c has 5"));

  ts_test_rm_rf (dir);
}

/* Swarm -------------------------------------------------------------------- */

/* Downloads the swarm's torrent with python3-libtorrent into @dest. */
static void
leech (TsTestSwarm *swarm,
       const char  *dest,
       gboolean     with_peer)
{
  g_autoptr(GSubprocessLauncher) launcher = ts_test_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *script = ts_test_tsswarm_script ();
  g_autofree char *timeout = g_strdup_printf ("%d", LEECH_TIMEOUT_S);

  process = g_subprocess_launcher_spawn (launcher, &error, ts_test_python (), script, "leech",
                                         "--torrent", swarm->torrent_path, "--save-path", dest,
                                         "--timeout", timeout,
                                         with_peer ? "--peer" : NULL, swarm->peer, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (process, NULL, ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, LEECH_TIMEOUT_S + 30);
  g_subprocess_wait_check_finish (process, result, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < swarm->files->len; i++)
    {
      TsTestSwarmFile *file = g_ptr_array_index (swarm->files, i);
      g_autofree char *source = ts_test_swarm_source_path (swarm, file->path);
      g_autofree char *copy = g_build_filename (dest, file->path, NULL);

      ts_test_assert_files_equal (source, copy);
    }
}

static void
test_swarm_seeder (void)
{
  TsTestSwarmOptions options = { .layout = "multi", .size = 3 * 1024 * 1024, .seed = "lib" };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  g_autofree char *dest = ts_test_make_tmp_dir ("ts-leech");
  g_autofree char *first = NULL;
  g_autoptr(JsonObject) status = NULL;

  g_assert_cmpuint (swarm->files->len, ==, 4);
  first = ts_test_swarm_source_path (swarm, ((TsTestSwarmFile *) swarm->files->pdata[0])->path);
  g_assert_true (g_str_has_suffix (first, "/film.mp4"));
  g_assert_cmpuint (swarm->port, >, 0);
  g_assert_nonnull (strstr (swarm->magnet, "&x.pe=127.0.0.1:"));
  g_assert_cmpuint (swarm->piece_length, ==, 65536);
  g_assert_cmpint (swarm->total_size, ==, 3 * 1024 * 1024);
  g_assert_cmpint (ts_test_swarm_get_uploaded (swarm), ==, 0);

  /* A crawl, then released: the rate command round-trips. */
  ts_test_swarm_set_rate (swarm, 1024);
  ts_test_swarm_set_rate (swarm, 0);

  leech (swarm, dest, TRUE);
  g_assert_cmpint (ts_test_swarm_get_uploaded (swarm), >=, swarm->total_size);

  status = ts_test_swarm_command (swarm, "status");
  g_assert_cmpint (json_object_get_int_member (status, "rate"), ==, 0);

  ts_test_swarm_stop (swarm);
  g_assert_null (swarm->process);
  ts_test_rm_rf (dest);
}

static void
test_swarm_throttled (void)
{
  /* 1 MiB at 256 KiB/s cannot take less than ~3 s (the limiter hands a new
   * connection some quota at once, hence not 4 s): the limit applies to
   * loopback peers. */
  TsTestSwarmOptions options = { .layout = "single", .size = 1024 * 1024, .seed = "slow",
                                 .rate = 256 * 1024 };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  g_autofree char *dest = ts_test_make_tmp_dir ("ts-leech");
  gint64 start = g_get_monotonic_time ();
  double seconds;

  leech (swarm, dest, TRUE);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("1 MiB at 256 KiB/s took %.1f s", seconds);
  g_assert_cmpfloat (seconds, >=, 2.5);
  ts_test_rm_rf (dest);
}

static void
test_swarm_tracker (void)
{
  TsTestSwarmOptions options = { .layout = "single", .size = 2 * 1024 * 1024, .seed = "trk",
                                 .tracker = TRUE };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  g_autofree char *dest = ts_test_make_tmp_dir ("ts-leech");

  g_assert_nonnull (swarm->tracker_url);
  g_assert_true (g_str_has_prefix (swarm->tracker_url, "http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (swarm->tracker_url, "/announce"));
  /* No peer given: the leecher finds the seeder through opentracker. */
  leech (swarm, dest, FALSE);
  ts_test_rm_rf (dest);
}

static void
test_swarm_webseed (void)
{
  TsTestSwarmOptions options = { .layout = "multi", .size = 2 * 1024 * 1024, .seed = "web",
                                 .webseed = TRUE, .no_seeder = TRUE };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  g_autofree char *dest = ts_test_make_tmp_dir ("ts-leech");

  g_assert_cmpuint (swarm->port, ==, 0);
  g_assert_null (swarm->peer);
  g_assert_nonnull (swarm->http);
  /* Only the web seed has the data. */
  leech (swarm, dest, FALSE);
  g_assert_cmpint (ts_test_http_server_get_bytes_sent (swarm->http), >=, swarm->total_size);
  g_assert_cmpuint (ts_test_http_server_count_requests (swarm->http, NULL), >, 0);
  ts_test_rm_rf (dest);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/testlib/wait", test_wait);
  g_test_add_func ("/testlib/compare", test_compare);
  g_test_add_func ("/testlib/http/ranges", test_http_ranges);
  g_test_add_func ("/testlib/http/slow", test_http_slow);
  g_test_add_func ("/testlib/swarm/seeder", test_swarm_seeder);
  g_test_add_func ("/testlib/swarm/throttled", test_swarm_throttled);
  g_test_add_func ("/testlib/swarm/tracker", test_swarm_tracker);
  g_test_add_func ("/testlib/swarm/webseed", test_swarm_webseed);

  return g_test_run ();
}
