/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TsStreamServer against a libsoup client, serving torrents that download
 * from a real python3-libtorrent seeder. */
#include <libsoup/soup.h>
#include <string.h>

#include "stream-test-util.h"
#include "ts-stream-server.h"

#define KIB 1024
#define MIB (1024 * 1024)

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  gint64              first_byte_at;
} Response;

static void
response_clear (Response *r)
{
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_clear_pointer (&r->body, g_bytes_unref);
}

/* @method @url with an optional Range header; the whole body, bounded. */
static void
fetch (SoupSession *session,
       const char  *method,
       const char  *url,
       const char  *range,
       Response    *r)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();
  guint8 buf[16 * KIB];
  gssize n;

  memset (r, 0, sizeof *r);
  g_assert_nonnull (msg);
  if (range != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);

  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, NULL, ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, STREAM_TEST_TIMEOUT_S);
  stream = soup_session_send_finish (session, result, &error);
  g_assert_no_error (error);

  do
    {
      g_autoptr(GAsyncResult) read_result = NULL;

      g_input_stream_read_async (stream, buf, sizeof buf, G_PRIORITY_DEFAULT, NULL,
                                 ts_test_async_result_cb, &read_result);
      read_result = ts_test_wait_result (&read_result, STREAM_TEST_TIMEOUT_S);
      n = g_input_stream_read_finish (stream, read_result, &error);
      g_assert_no_error (error);
      if (n > 0 && r->first_byte_at == 0)
        r->first_byte_at = g_get_monotonic_time () - started;
      if (n > 0)
        g_output_stream_write_all (out, buf, n, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  while (n > 0);

  g_output_stream_close (out, NULL, NULL);
  r->status = soup_message_get_status (msg);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  r->body = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
assert_body (Response *r,
             GBytes   *source,
             gint64    start,
             gint64    length)
{
  g_assert_cmpuint (g_bytes_get_size (r->body), ==, (gsize) length);
  g_assert_true (memcmp (g_bytes_get_data (r->body, NULL),
                         (const guint8 *) g_bytes_get_data (source, NULL) + start, length) == 0);
}

static char *
replace_segment (const char *url,
                 guint       segment,
                 const char *with)
{
  g_auto(GStrv) parts = g_strsplit (url, "/", -1);

  /* "http:", "", "127.0.0.1:PORT", TOKEN, HASH, INDEX, NAME */
  g_free (parts[segment + 3]);
  parts[segment + 3] = g_strdup (with);
  return g_strjoinv ("/", parts);
}

static gboolean
no_clients (gpointer data)
{
  return ts_stream_server_get_n_clients (data) == 0;
}

/* HTTP semantics on a complete torrent. */
static void
test_http (void)
{
  TsTestSwarmOptions options = { .layout = "multi", .size = 4 * MIB, .seed = "http" };
  StreamTest *st = stream_test_new (&options);
  TsStreamServer *server = ts_stream_server_new (st->session);
  g_autoptr(SoupSession) session = soup_session_new ();
  TsTorrentFile *film = stream_test_file (st, "film.mp4");
  TsTorrentFile *subs = stream_test_file (st, "film.srt");
  g_autoptr(GBytes) source = stream_test_source_bytes (st, film);
  gint64 size = ts_torrent_file_get_size (film);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *value = NULL;
  gint64 start = -1, end = -1, total = -1;
  Response r;

  stream_test_wait_complete (st);
  g_assert_null (ts_stream_server_dup_url (server, film));
  g_assert_true (ts_stream_server_start (server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ts_stream_server_get_port (server), >, 0);

  url = ts_stream_server_dup_url (server, film);
  prefix = g_strdup_printf ("http://127.0.0.1:%u/", ts_stream_server_get_port (server));
  g_test_message ("%s", url);
  g_assert_true (g_str_has_prefix (url, prefix));
  g_assert_true (g_str_has_suffix (url, "/film.mp4"));
  /* A 128-bit token in hex. */
  g_assert_cmpuint ((gsize) (strchr (url + strlen (prefix), '/') - (url + strlen (prefix))), ==, 32);

  /* The whole file. */
  fetch (session, "GET", url, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpint (soup_message_headers_get_content_length (r.headers), ==, size);
  g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Accept-Ranges"), ==, "bytes");
  g_assert_cmpstr (soup_message_headers_get_content_type (r.headers, NULL), ==, "video/mp4");
  assert_body (&r, source, 0, size);
  response_clear (&r);

  /* A range. */
  fetch (session, "GET", url, "bytes=100-199", &r);
  g_assert_cmpuint (r.status, ==, 206);
  g_assert_true (soup_message_headers_get_content_range (r.headers, &start, &end, &total));
  g_assert_cmpint (start, ==, 100);
  g_assert_cmpint (end, ==, 199);
  g_assert_cmpint (total, ==, size);
  g_assert_cmpint (soup_message_headers_get_content_length (r.headers), ==, 100);
  assert_body (&r, source, 100, 100);
  response_clear (&r);

  /* What souphttpsrc sends on a seek, and a suffix. */
  fetch (session, "GET", url, "bytes=1000000-", &r);
  g_assert_cmpuint (r.status, ==, 206);
  assert_body (&r, source, 1000000, size - 1000000);
  response_clear (&r);
  fetch (session, "GET", url, "bytes=-500", &r);
  g_assert_cmpuint (r.status, ==, 206);
  assert_body (&r, source, size - 500, 500);
  response_clear (&r);

  /* Beyond the end: 416 with the size. */
  value = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", size);
  fetch (session, "GET", url, value, &r);
  g_assert_cmpuint (r.status, ==, 416);
  g_clear_pointer (&value, g_free);
  value = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, size);
  g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Content-Range"), ==, value);
  response_clear (&r);

  /* A malformed range is ignored. */
  fetch (session, "GET", url, "bytes=abc", &r);
  g_assert_cmpuint (r.status, ==, 200);
  assert_body (&r, source, 0, size);
  response_clear (&r);

  /* HEAD: the headers of a GET, no body. */
  fetch (session, "HEAD", url, "bytes=10-19", &r);
  g_assert_cmpuint (r.status, ==, 206);
  g_assert_cmpint (soup_message_headers_get_content_length (r.headers), ==, 10);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, 0);
  response_clear (&r);

  /* Another file of the torrent, typed by its name. */
  {
    g_autofree char *subs_url = ts_stream_server_dup_url (server, subs);
    g_autoptr(GBytes) subs_source = stream_test_source_bytes (st, subs);

    fetch (session, "GET", subs_url, NULL, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (soup_message_headers_get_content_type (r.headers, NULL), ==,
                     "application/x-subrip");
    assert_body (&r, subs_source, 0, g_bytes_get_size (subs_source));
    response_clear (&r);
  }

  /* Wrong or missing token, unknown torrent or file, other methods, and
   * paths that look like files: nothing reaches the file system. */
  {
    g_autofree char *bad_token = replace_segment (url, 0, "0123456789abcdef0123456789abcdef");
    g_autofree char *short_token = replace_segment (url, 0, "0");
    g_autofree char *bad_hash = replace_segment (url, 1, "0123456789abcdef0123456789abcdef01234567");
    g_autofree char *bad_index = replace_segment (url, 2, "99");
    g_autofree char *not_index = replace_segment (url, 2, "..");
    g_autofree char *etc = g_strdup_printf ("%setc/passwd", prefix);
    g_autofree char *traversal = replace_segment (url, 1, "..%2F..%2F..%2Fetc%2Fpasswd");

    fetch (session, "GET", bad_token, NULL, &r);
    g_assert_cmpuint (r.status, ==, 403);
    response_clear (&r);
    fetch (session, "GET", short_token, NULL, &r);
    g_assert_cmpuint (r.status, ==, 403);
    response_clear (&r);
    fetch (session, "GET", etc, NULL, &r);
    g_assert_cmpuint (r.status, ==, 403);
    response_clear (&r);
    fetch (session, "GET", prefix, NULL, &r);
    g_assert_cmpuint (r.status, ==, 403);
    response_clear (&r);
    fetch (session, "GET", bad_hash, NULL, &r);
    g_assert_cmpuint (r.status, ==, 404);
    response_clear (&r);
    /* libsoup itself refuses encoded slashes in a path (400). */
    fetch (session, "GET", traversal, NULL, &r);
    g_assert_true (r.status == 404 || r.status == 400);
    response_clear (&r);
    fetch (session, "GET", bad_index, NULL, &r);
    g_assert_cmpuint (r.status, ==, 404);
    response_clear (&r);
    fetch (session, "GET", not_index, NULL, &r);
    g_assert_cmpuint (r.status, ==, 404);
    response_clear (&r);
    fetch (session, "POST", url, NULL, &r);
    g_assert_cmpuint (r.status, ==, 405);
    g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Allow"), ==, "GET, HEAD");
    response_clear (&r);
  }

  ts_test_wait_for (no_clients, server, 10, "responses were left open");

  /* A new server makes a new token: old URLs stop working. */
  ts_stream_server_stop (server);
  g_assert_cmpuint (ts_stream_server_get_port (server), ==, 0);
  g_assert_true (ts_stream_server_start (server, &error));
  g_assert_no_error (error);
  {
    g_autofree char *new_url = ts_stream_server_dup_url (server, film);
    g_autofree char *old_token_url = NULL;
    g_auto(GStrv) old_parts = g_strsplit (url, "/", -1);

    g_assert_cmpstr (new_url, !=, url);
    old_token_url = replace_segment (new_url, 0, old_parts[3]);
    fetch (session, "GET", old_token_url, "bytes=0-0", &r);
    g_assert_cmpuint (r.status, ==, 403);
    response_clear (&r);
  }

  g_clear_object (&session);
  g_assert_finalize_object (server);
  stream_test_free (st);
}

/* A range in the middle of a film that is downloading from a slow seeder
 * starts flowing long before the download ends, and is right. */
static void
test_while_downloading (void)
{
  /* 8 MiB at 384 KiB/s: about 21 s for all of it. */
  TsTestSwarmOptions options = { .layout = "single", .size = 8 * MIB, .seed = "serve",
                                 .rate = 384 * KIB };
  StreamTest *st = stream_test_new (&options);
  TsStreamServer *server = ts_stream_server_new (st->session);
  g_autoptr(SoupSession) session = soup_session_new ();
  TsTorrentFile *film = stream_test_file (st, "film.mp4");
  g_autoptr(GBytes) source = stream_test_source_bytes (st, film);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  gint64 start = 5 * MIB + 4321, length = MIB;
  g_autofree char *range = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT,
                                            start, start + length - 1);
  double progress;
  Response r;

  g_assert_true (ts_stream_server_start (server, &error));
  url = ts_stream_server_dup_url (server, film);

  fetch (session, "GET", url, range, &r);
  progress = ts_torrent_get_progress (st->torrent);
  g_test_message ("first byte after %" G_GINT64_FORMAT " ms; 1 MiB there with %.0f %% downloaded",
                  r.first_byte_at / 1000, progress * 100);
  g_assert_cmpuint (r.status, ==, 206);
  assert_body (&r, source, start, length);
  g_assert_cmpfloat (progress, <, 0.7);
  response_clear (&r);

  ts_test_wait_for (no_clients, server, 10, "the response was left open");
  g_clear_object (&session);
  g_assert_finalize_object (server);
  stream_test_free (st);
}

/* A client that leaves while its response waits for pieces is noticed, and
 * its read (and deadlines) released, without waiting for the data. */
static void
test_disconnect (void)
{
  /* 1 KiB/s: nothing useful arrives during the test. */
  TsTestSwarmOptions options = { .layout = "single", .size = 4 * MIB, .seed = "leave",
                                 .rate = 1 * KIB };
  StreamTest *st = stream_test_new (&options);
  TsStreamServer *server = ts_stream_server_new (st->session);
  g_autoptr(SoupSession) session = soup_session_new ();
  TsTorrentFile *film = stream_test_file (st, "film.mp4");
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = NULL;
  gint64 left_at;

  g_assert_true (ts_stream_server_start (server, &error));
  url = ts_stream_server_dup_url (server, film);

  /* The headers come at once; the body waits for pieces. */
  msg = soup_message_new ("GET", url);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", "bytes=3000000-");
  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, cancellable, ts_test_async_result_cb,
                           &result);
  result = ts_test_wait_result (&result, 30);
  stream = soup_session_send_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 206);
  g_assert_cmpuint (ts_stream_server_get_n_clients (server), ==, 1);
  ts_test_iterate_for (1500);
  g_assert_cmpuint (ts_stream_server_get_n_clients (server), ==, 1);

  /* Leave: close the stream and the connection. */
  left_at = g_get_monotonic_time ();
  g_input_stream_close (stream, NULL, NULL);
  g_clear_object (&stream);
  soup_session_abort (session);
  ts_test_wait_for (no_clients, server, 10, "the server did not notice the client left");
  g_test_message ("noticed after %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - left_at) / 1000);
  g_assert_cmpint (g_get_monotonic_time () - left_at, <, 3 * G_USEC_PER_SEC);

  g_clear_object (&session);
  g_assert_finalize_object (server);
  stream_test_free (st);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_setenv ("TS_LOOPBACK_ONLY", "1", TRUE);

  g_test_add_func ("/stream/server/http", test_http);
  g_test_add_func ("/stream/server/while-downloading", test_while_downloading);
  g_test_add_func ("/stream/server/disconnect", test_disconnect);

  return g_test_run ();
}
