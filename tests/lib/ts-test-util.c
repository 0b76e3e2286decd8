/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-test"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ts-test-util.h"

#define CHUNK_SIZE       (64 * 1024)
#define SWARM_START_S    180   /* content generation + hashing + seeder check + tracker */
#define SWARM_REPLY_S    30

/* Waits ------------------------------------------------------------------- */

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
ts_test_iterate_until (TsTestPredicate predicate,
                       gpointer        user_data,
                       guint           timeout_ms)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GSource *tick;
  gboolean done;

  /* Predicates may look at things that send no events (files, clocks). */
  tick = g_timeout_source_new (50);
  g_source_set_callback (tick, wake_cb, NULL, NULL);
  g_source_set_static_name (tick, "[ts-test] wait tick");
  g_source_attach (tick, context);

  while (!(done = predicate (user_data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (tick);
  g_source_unref (tick);

  return done;
}

typedef struct {
  gint64 deadline;
} SleepData;

static gboolean
sleep_done (gpointer user_data)
{
  SleepData *data = user_data;

  return g_get_monotonic_time () >= data->deadline;
}

void
ts_test_iterate_for (guint ms)
{
  SleepData data = { g_get_monotonic_time () + (gint64) ms * 1000 };

  ts_test_iterate_until (sleep_done, &data, ms + 1000);
}

void
ts_test_fail_timeout (const char *file,
                      int         line,
                      const char *func,
                      guint       timeout_s,
                      const char *format,
                      ...)
{
  g_autofree char *what = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  message = g_strdup_printf ("timed out after %u s: %s", timeout_s, what);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
}

void
ts_test_async_result_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GAsyncResult **result_ptr = user_data;

  g_assert_null (*result_ptr);
  *result_ptr = g_object_ref (result);
}

static gboolean
result_is_set (gpointer user_data)
{
  return *(GAsyncResult **) user_data != NULL;
}

GAsyncResult *
ts_test_wait_result_impl (GAsyncResult **result_ptr,
                          guint          timeout_s,
                          const char    *file,
                          int            line,
                          const char    *func)
{
  if (!ts_test_iterate_until (result_is_set, result_ptr, timeout_s * 1000))
    ts_test_fail_timeout (file, line, func, timeout_s, "the async operation did not complete");

  return g_steal_pointer (result_ptr);
}

/* Processes ---------------------------------------------------------------- */

static void
child_setup (gpointer user_data)
{
  pid_t parent = (pid_t) GPOINTER_TO_INT (user_data);

  /* Async-signal-safe only: we are between fork and exec. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != parent)
    _exit (1);
}

GSubprocessLauncher *
ts_test_launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, child_setup,
                                         GINT_TO_POINTER ((int) getpid ()), NULL);
  return launcher;
}

typedef struct {
  GSubprocess *process;
  gboolean     exited;
} StopData;

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

static gboolean
bool_is_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

void
ts_test_subprocess_stop (GSubprocess *process,
                         guint        grace_ms)
{
  gboolean *exited;

  if (process == NULL)
    return;

  /* Owned by the callback too: it may run after we gave up waiting. */
  exited = g_new0 (gboolean, 1);
  if (g_subprocess_get_identifier (process) != NULL)
    g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_async (process, NULL, wait_done_cb, exited);

  if (!ts_test_iterate_until (bool_is_set, exited, grace_ms))
    {
      g_subprocess_force_exit (process);
      if (!ts_test_iterate_until (bool_is_set, exited, 10000))
        g_warning ("process %s did not exit after SIGKILL",
                   g_subprocess_get_identifier (process));
    }

  /* The wait callback fires at once now that the child is reaped. */
  if (*exited)
    g_free (exited);
}

/* Files -------------------------------------------------------------------- */

char *
ts_test_make_tmp_dir (const char *prefix)
{
  g_autofree char *template = g_strdup_printf ("%s-XXXXXX", prefix);
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

void
ts_test_rm_rf (const char *path)
{
  GStatBuf st;

  if (path == NULL || g_lstat (path, &st) != 0)
    return;

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          ts_test_rm_rf (child);
        }
      if (g_rmdir (path) != 0)
        g_warning ("cannot remove %s: %s", path, g_strerror (errno));
    }
  else if (g_unlink (path) != 0)
    {
      g_warning ("cannot remove %s: %s", path, g_strerror (errno));
    }
}

gboolean
ts_test_compare_file_range (const char  *expected,
                            const char  *actual,
                            gint64       offset,
                            gint64       length,
                            char       **message)
{
  g_autofree guint8 *a = g_malloc (CHUNK_SIZE);
  g_autofree guint8 *b = g_malloc (CHUNK_SIZE);
  int fa, fb;
  gint64 pos = offset;
  gboolean same = TRUE;

  fa = g_open (expected, O_RDONLY, 0);
  if (fa < 0)
    {
      *message = g_strdup_printf ("cannot open %s: %s", expected, g_strerror (errno));
      return FALSE;
    }
  fb = g_open (actual, O_RDONLY, 0);
  if (fb < 0)
    {
      *message = g_strdup_printf ("cannot open %s: %s", actual, g_strerror (errno));
      close (fa);
      return FALSE;
    }

  while (pos < offset + length)
    {
      size_t want = (size_t) MIN ((gint64) CHUNK_SIZE, offset + length - pos);
      ssize_t na = pread (fa, a, want, pos);
      ssize_t nb = pread (fb, b, want, pos);

      if (na != (ssize_t) want || nb != (ssize_t) want)
        {
          *message = g_strdup_printf ("short read at byte %" G_GINT64_FORMAT
                                      ": %s gave %zd, %s gave %zd of %zu",
                                      pos, expected, na, actual, nb, want);
          same = FALSE;
          break;
        }
      if (memcmp (a, b, want) != 0)
        {
          size_t i = 0;

          while (a[i] == b[i])
            i++;
          *message = g_strdup_printf ("%s and %s differ at byte %" G_GINT64_FORMAT,
                                      expected, actual, pos + (gint64) i);
          same = FALSE;
          break;
        }
      pos += (gint64) want;
    }

  close (fa);
  close (fb);
  return same;
}

gboolean
ts_test_compare_files (const char  *expected,
                       const char  *actual,
                       char       **message)
{
  GStatBuf sa, sb;

  if (g_stat (expected, &sa) != 0)
    {
      *message = g_strdup_printf ("cannot stat %s: %s", expected, g_strerror (errno));
      return FALSE;
    }
  if (g_stat (actual, &sb) != 0)
    {
      *message = g_strdup_printf ("cannot stat %s: %s", actual, g_strerror (errno));
      return FALSE;
    }
  if (sa.st_size != sb.st_size)
    {
      *message = g_strdup_printf ("%s has %" G_GINT64_FORMAT " bytes, %s has %" G_GINT64_FORMAT,
                                  expected, (gint64) sa.st_size, actual, (gint64) sb.st_size);
      return FALSE;
    }

  return ts_test_compare_file_range (expected, actual, 0, sa.st_size, message);
}

/* HTTP server -------------------------------------------------------------- */

typedef struct {
  GBytes *body;
  char   *content_type;
  guint   status;
  char   *location;
} Route;

typedef struct {
  TsTestHttpServer  *server;
  SoupServerMessage *msg;
  int                fd;
  GBytes            *bytes;
  gint64             pos;       /* next byte to send */
  gint64             end;       /* one past the last byte */
  gint64             last_size; /* of the chunk being written */
  guint              timeout_id;
  gboolean           done;
} Response;

struct _TsTestHttpServer {
  SoupServer *server;
  char       *root;
  char       *url;
  guint       port;
  GHashTable *routes;     /* path -> Route */
  gint64      rate;
  guint       delay_ms;
  GPtrArray  *log;
  gint64      bytes_sent;
  GPtrArray  *responses;  /* Response, still being sent */
};

static void
route_free (gpointer p)
{
  Route *route = p;

  g_clear_pointer (&route->body, g_bytes_unref);
  g_free (route->content_type);
  g_free (route->location);
  g_free (route);
}

static const char *
mime_type_for (const char *path)
{
  static const struct { const char *ext, *type; } types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".json", "application/json" },
    { ".txt", "text/plain; charset=utf-8" },
    { ".srt", "application/x-subrip" },
    { ".vtt", "text/vtt" },
    { ".mp4", "video/mp4" },
    { ".m4v", "video/mp4" },
    { ".mkv", "video/x-matroska" },
    { ".webm", "video/webm" },
    { ".ogv", "video/ogg" },
    { ".jpg", "image/jpeg" },
    { ".png", "image/png" },
    { ".torrent", "application/x-bittorrent" },
    { ".xml", "application/xml" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_has_suffix (path, types[i].ext))
      return types[i].type;
  return "application/octet-stream";
}

static void
response_free (Response *response)
{
  g_clear_handle_id (&response->timeout_id, g_source_remove);
  if (response->fd >= 0)
    close (response->fd);
  g_clear_pointer (&response->bytes, g_bytes_unref);
  g_clear_object (&response->msg);
  g_free (response);
}

static void
response_finish (Response *response)
{
  if (response->done)
    return;
  response->done = TRUE;
  g_clear_handle_id (&response->timeout_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (response->msg, response);
  /* Frees it. */
  g_ptr_array_remove (response->server->responses, response);
}

static void
response_finished_cb (SoupServerMessage *msg,
                      Response          *response)
{
  response_finish (response);
}

/* Appends the next chunk; returns FALSE when the body is complete. */
static gboolean
response_append_chunk (Response *response)
{
  SoupMessageBody *body = soup_server_message_get_response_body (response->msg);
  gint64 size = MIN ((gint64) CHUNK_SIZE, response->end - response->pos);
  GBytes *chunk;

  if (response->server->rate > 0)
    size = MIN (size, MAX (1, response->server->rate / 10));

  if (size <= 0)
    {
      soup_message_body_complete (body);
      return FALSE;
    }

  if (response->bytes != NULL)
    {
      chunk = g_bytes_new_from_bytes (response->bytes, (gsize) response->pos, (gsize) size);
    }
  else
    {
      guint8 *buf = g_malloc ((gsize) size);
      ssize_t n = pread (response->fd, buf, (size_t) size, response->pos);

      if (n <= 0)
        {
          /* The file shrank under us: end the body; the client sees it short. */
          g_free (buf);
          soup_message_body_complete (body);
          return FALSE;
        }
      size = n;
      chunk = g_bytes_new_take (buf, (gsize) n);
    }

  soup_message_body_append_bytes (body, chunk);
  g_bytes_unref (chunk);
  response->last_size = size;
  response->pos += size;
  response->server->bytes_sent += size;
  return TRUE;
}

static gboolean
response_rate_cb (gpointer user_data)
{
  Response *response = user_data;

  response->timeout_id = 0;
  response_append_chunk (response);
  soup_server_message_unpause (response->msg);
  return G_SOURCE_REMOVE;
}

static void
response_wrote_chunk_cb (SoupServerMessage *msg,
                         Response          *response)
{
  if (response->done)
    return;

  if (response->server->rate > 0)
    {
      /* The writer pauses itself when the body runs dry; the timeout
       * appends the next slice and wakes it. */
      guint ms = (guint) MAX ((gint64) 1, response->last_size * 1000 / response->server->rate);

      g_clear_handle_id (&response->timeout_id, g_source_remove);
      response->timeout_id = g_timeout_add (ms, response_rate_cb, response);
      return;
    }

  response_append_chunk (response);
}

static gboolean
response_delay_cb (gpointer user_data)
{
  Response *response = user_data;

  response->timeout_id = 0;
  if (soup_server_message_get_method (response->msg) != SOUP_METHOD_HEAD)
    response_append_chunk (response);
  soup_server_message_unpause (response->msg);
  return G_SOURCE_REMOVE;
}

/* "bytes=A-B", "bytes=A-", "bytes=-N" against @total. Returns 0 if there is
 * no usable single range (serve everything), 1 with [start, end], or -1 when
 * the range cannot be satisfied (416). */
static int
parse_range (const char *header,
             gint64      total,
             gint64     *start,
             gint64     *end)
{
  const char *p;
  char *tail = NULL;
  gint64 a = -1, b = -1;

  if (header == NULL || !g_str_has_prefix (header, "bytes="))
    return 0;
  p = header + strlen ("bytes=");
  if (strchr (p, ',') != NULL)
    return 0;

  while (*p == ' ')
    p++;
  if (*p == '-')
    {
      gint64 n = g_ascii_strtoll (p + 1, &tail, 10);

      if (tail == p + 1 || n <= 0)
        return -1;
      a = MAX (0, total - n);
      b = total - 1;
    }
  else
    {
      a = g_ascii_strtoll (p, &tail, 10);
      if (tail == p || *tail != '-')
        return 0;
      p = tail + 1;
      if (*p == '\0')
        b = total - 1;
      else
        {
          b = g_ascii_strtoll (p, &tail, 10);
          if (tail == p)
            return 0;
          b = MIN (b, total - 1);
        }
    }

  if (a < 0 || a >= total || b < a)
    return -1;
  *start = a;
  *end = b;
  return 1;
}

static void
serve_body (TsTestHttpServer  *self,
            SoupServerMessage *msg,
            int                fd,
            GBytes            *bytes,
            gint64             total,
            const char        *content_type)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  gboolean head = soup_server_message_get_method (msg) == SOUP_METHOD_HEAD;
  gint64 start = 0, end = total - 1;
  Response *response;
  int r;

  soup_message_headers_replace (resp, "Accept-Ranges", "bytes");
  soup_message_headers_set_content_type (resp, content_type, NULL);

  r = parse_range (soup_message_headers_get_one (req, "Range"), total, &start, &end);
  if (r < 0)
    {
      g_autofree char *cr = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, total);

      soup_message_headers_replace (resp, "Content-Range", cr);
      soup_server_message_set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL);
      soup_message_headers_set_content_length (resp, 0);
      if (fd >= 0)
        close (fd);
      return;
    }
  if (r > 0)
    {
      soup_message_headers_set_content_range (resp, start, end, total);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
    }
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }

  soup_message_headers_set_encoding (resp, SOUP_ENCODING_CONTENT_LENGTH);
  soup_message_headers_set_content_length (resp, total > 0 ? end - start + 1 : 0);

  if ((head || total == 0) && self->delay_ms == 0)
    {
      if (fd >= 0)
        close (fd);
      return;
    }

  response = g_new0 (Response, 1);
  response->server = self;
  response->msg = g_object_ref (msg);
  response->fd = fd;
  response->bytes = bytes != NULL ? g_bytes_ref (bytes) : NULL;
  response->pos = start;
  response->end = total > 0 && !head ? end + 1 : start;
  g_ptr_array_add (self->responses, response);

  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (response_wrote_chunk_cb), response);
  g_signal_connect (msg, "finished", G_CALLBACK (response_finished_cb), response);
  g_signal_connect (msg, "disconnected", G_CALLBACK (response_finished_cb), response);

  if (self->delay_ms > 0)
    {
      soup_server_message_pause (msg);
      response->timeout_id = g_timeout_add (self->delay_ms, response_delay_cb, response);
      return;
    }

  response_append_chunk (response);
}

static char *
decoded_request_path (SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);

  return g_uri_unescape_string (g_uri_get_path (uri), "/");
}

static void
server_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *unused_path,
                GHashTable        *query,
                gpointer           user_data)
{
  TsTestHttpServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *range = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "Range");
  g_autofree char *path = decoded_request_path (msg);
  g_autofree char *file = NULL;
  Route *route;
  GStatBuf st;
  int fd;

  g_ptr_array_add (self->log, g_strdup_printf ("%s %s %s", method,
                                               path != NULL ? path : "(invalid)",
                                               range != NULL ? range : "-"));

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_IMPLEMENTED, NULL);
      return;
    }
  if (path == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  route = g_hash_table_lookup (self->routes, path);
  if (route != NULL && route->body == NULL)
    {
      g_autofree char *text = g_strdup_printf ("%u %s\n", route->status,
                                               soup_status_get_phrase (route->status));

      if (route->location != NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Location", route->location);
      soup_server_message_set_status (msg, route->status, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, strlen (text));
      return;
    }
  if (route != NULL)
    {
      serve_body (self, msg, -1, route->body, (gint64) g_bytes_get_size (route->body),
                  route->content_type);
      return;
    }

  /* No escaping the root, no dot files. */
  if (self->root == NULL || strstr (path, "/.") != NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  file = g_build_filename (self->root, path, NULL);
  if (g_stat (file, &st) != 0 || !S_ISREG (st.st_mode) ||
      (fd = g_open (file, O_RDONLY, 0)) < 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  serve_body (self, msg, fd, NULL, st.st_size, mime_type_for (file));
}

TsTestHttpServer *
ts_test_http_server_new (const char *root_dir)
{
  TsTestHttpServer *self = g_new0 (TsTestHttpServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  self->root = g_strdup (root_dir);
  self->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, route_free);
  self->log = g_ptr_array_new_with_free_func (g_free);
  self->responses = g_ptr_array_new_with_free_func ((GDestroyNotify) response_free);
  self->server = soup_server_new ("server-header", "ts-test-http ", NULL);
  soup_server_add_handler (self->server, NULL, server_handler, self, NULL);

  soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (self->server);
  g_assert_nonnull (uris);
  self->port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->url = g_strdup_printf ("http://127.0.0.1:%u/", self->port);

  return self;
}

void
ts_test_http_server_free (TsTestHttpServer *self)
{
  if (self == NULL)
    return;

  /* Stop writers before the messages go away with the connections. */
  for (guint i = 0; i < self->responses->len; i++)
    {
      Response *response = g_ptr_array_index (self->responses, i);

      response->done = TRUE;
      g_clear_handle_id (&response->timeout_id, g_source_remove);
      g_signal_handlers_disconnect_by_data (response->msg, response);
    }
  soup_server_disconnect (self->server);
  g_ptr_array_unref (self->responses);
  g_clear_object (&self->server);
  g_hash_table_unref (self->routes);
  g_ptr_array_unref (self->log);
  g_free (self->root);
  g_free (self->url);
  g_free (self);
}

const char *
ts_test_http_server_get_url (TsTestHttpServer *self)
{
  return self->url;
}

guint
ts_test_http_server_get_port (TsTestHttpServer *self)
{
  return self->port;
}

SoupServer *
ts_test_http_server_get_soup_server (TsTestHttpServer *self)
{
  return self->server;
}

char *
ts_test_http_server_url_for (TsTestHttpServer *self,
                             const char       *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  GString *url = g_string_new (self->url);
  gboolean first = TRUE;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *escaped = NULL;

      if (*parts[i] == '\0')
        continue;
      escaped = g_uri_escape_string (parts[i], NULL, FALSE);
      if (!first)
        g_string_append_c (url, '/');
      g_string_append (url, escaped);
      first = FALSE;
    }

  return g_string_free (url, FALSE);
}

static char *
absolute_path (const char *path)
{
  return path[0] == '/' ? g_strdup (path) : g_strconcat ("/", path, NULL);
}

void
ts_test_http_server_add_bytes (TsTestHttpServer *self,
                               const char       *path,
                               const char       *content_type,
                               GBytes           *body)
{
  Route *route = g_new0 (Route, 1);

  route->body = g_bytes_ref (body);
  route->content_type = g_strdup (content_type != NULL ? content_type : mime_type_for (path));
  route->status = SOUP_STATUS_OK;
  g_hash_table_replace (self->routes, absolute_path (path), route);
}

void
ts_test_http_server_add_status (TsTestHttpServer *self,
                                const char       *path,
                                guint             status,
                                const char       *location)
{
  Route *route = g_new0 (Route, 1);

  route->status = status;
  route->location = g_strdup (location);
  g_hash_table_replace (self->routes, absolute_path (path), route);
}

void
ts_test_http_server_set_rate (TsTestHttpServer *self,
                              gint64            bytes_per_second)
{
  self->rate = MAX (0, bytes_per_second);
}

void
ts_test_http_server_set_delay (TsTestHttpServer *self,
                               guint             delay_ms)
{
  self->delay_ms = delay_ms;
}

GPtrArray *
ts_test_http_server_get_log (TsTestHttpServer *self)
{
  return self->log;
}

guint
ts_test_http_server_count_requests (TsTestHttpServer *self,
                                    const char       *path)
{
  g_autofree char *abs = path != NULL ? absolute_path (path) : NULL;
  guint n = 0;

  for (guint i = 0; i < self->log->len; i++)
    {
      const char *entry = g_ptr_array_index (self->log, i);
      const char *p = strchr (entry, ' ');

      if (abs == NULL)
        n++;
      else if (p != NULL && g_str_has_prefix (p + 1, abs) && p[1 + strlen (abs)] == ' ')
        n++;
    }
  return n;
}

gint64
ts_test_http_server_get_bytes_sent (TsTestHttpServer *self)
{
  return self->bytes_sent;
}

/* Local swarm -------------------------------------------------------------- */

const char *
ts_test_python (void)
{
  return "/usr/bin/python3";
}

char *
ts_test_tsswarm_script (void)
{
  const char *tests_dir = g_getenv ("TS_TESTS_DIR");

  if (tests_dir != NULL && *tests_dir != '\0')
    return g_build_filename (tests_dir, "lib", "tsswarm.py", NULL);
  return g_build_filename (TS_TESTLIB_SRCDIR, "tsswarm.py", NULL);
}

typedef struct {
  char   *line;
  GError *error;
  gboolean done;
} LineData;

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LineData *data = user_data;

  data->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &data->error);
  data->done = TRUE;
}

static gboolean
line_done (gpointer user_data)
{
  return ((LineData *) user_data)->done;
}

static void swarm_fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
swarm_fail (const char *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
}

/* The next stdout line of the swarm as a JSON object; fails the test if the
 * process ends, says {"error": ...}, or is silent for @timeout_s. */
static JsonObject *
swarm_read_reply (TsTestSwarm *swarm,
                  guint        timeout_s,
                  const char  *what)
{
  /* Heap-allocated: a read that times out completes after we return. */
  LineData *data = g_new0 (LineData, 1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  JsonNode *root;

  g_data_input_stream_read_line_async (swarm->stdout_lines, G_PRIORITY_DEFAULT, NULL,
                                       read_line_cb, data);
  if (!ts_test_iterate_until (line_done, data, timeout_s * 1000))
    {
      ts_test_fail_timeout (__FILE__, __LINE__, G_STRFUNC, timeout_s,
                            "tsswarm.py did not answer (%s); see its stderr above", what);
      return NULL;
    }

  line = g_steal_pointer (&data->line);
  error = g_steal_pointer (&data->error);
  g_free (data);
  g_assert_no_error (error);
  if (line == NULL)
    {
      swarm_fail ("tsswarm.py exited without answering (%s); see its stderr above", what);
      return NULL;
    }

  if (!json_parser_load_from_data (parser, line, -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      swarm_fail ("tsswarm.py answered (%s) with something that is not a JSON object: %s",
                  what, line);
      return NULL;
    }
  root = json_parser_get_root (parser);

  if (json_object_has_member (json_node_get_object (root), "error"))
    swarm_fail ("tsswarm.py failed (%s): %s", what,
                json_object_get_string_member (json_node_get_object (root), "error"));

  return json_object_ref (json_node_get_object (root));
}

static void
swarm_destroy (gpointer p)
{
  TsTestSwarm *swarm = p;

  ts_test_swarm_stop (swarm);
  g_clear_pointer (&swarm->http, ts_test_http_server_free);
  if (g_strcmp0 (g_getenv ("TS_TEST_KEEP"), "1") != 0)
    ts_test_rm_rf (swarm->workdir);
  else
    g_test_message ("kept the swarm in %s", swarm->workdir);

  for (guint i = 0; i < swarm->files->len; i++)
    g_free (((TsTestSwarmFile *) g_ptr_array_index (swarm->files, i))->path);
  g_ptr_array_unref (swarm->files);
  g_free (swarm->workdir);
  g_free (swarm->content_root);
  g_free (swarm->name);
  g_free (swarm->torrent_path);
  g_free (swarm->magnet);
  g_free (swarm->info_hash);
  g_free (swarm->tracker_url);
  g_free (swarm->peer);
  g_free (swarm);
}

static char *
dup_string_member (JsonObject *object,
                   const char *member)
{
  if (!json_object_has_member (object, member) || json_object_get_null_member (object, member))
    return NULL;
  return g_strdup (json_object_get_string_member (object, member));
}

TsTestSwarm *
ts_test_swarm_start (const TsTestSwarmOptions *options)
{
  static const TsTestSwarmOptions defaults = { 0 };
  TsTestSwarm *swarm = g_new0 (TsTestSwarm, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) ready = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content_root = NULL;
  JsonArray *files;

  if (options == NULL)
    options = &defaults;

  swarm->workdir = ts_test_make_tmp_dir ("ts-swarm");
  swarm->files = g_ptr_array_new ();
  g_test_queue_destroy (swarm_destroy, swarm);

  g_ptr_array_add (argv, g_strdup (ts_test_python ()));
  g_ptr_array_add (argv, ts_test_tsswarm_script ());
  g_ptr_array_add (argv, g_strdup ("swarm"));
  g_ptr_array_add (argv, g_strdup ("--workdir"));
  g_ptr_array_add (argv, g_strdup (swarm->workdir));
  g_ptr_array_add (argv, g_strdup ("--layout"));
  g_ptr_array_add (argv, g_strdup (options->layout != NULL ? options->layout : "multi"));
  g_ptr_array_add (argv, g_strdup ("--size-bytes"));
  g_ptr_array_add (argv, g_strdup_printf ("%" G_GINT64_FORMAT,
                                          options->size > 0 ? options->size : 12 * 1024 * 1024));
  g_ptr_array_add (argv, g_strdup ("--seed"));
  g_ptr_array_add (argv, g_strdup (options->seed != NULL ? options->seed : "1"));
  if (options->name != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--name"));
      g_ptr_array_add (argv, g_strdup (options->name));
    }
  g_ptr_array_add (argv, g_strdup ("--piece-size"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", options->piece_size > 0 ? options->piece_size
                                                                        : 64 * 1024));
  g_ptr_array_add (argv, g_strdup ("--rate"));
  g_ptr_array_add (argv, g_strdup_printf ("%" G_GINT64_FORMAT, MAX (0, options->rate)));
  if (options->tracker)
    g_ptr_array_add (argv, g_strdup ("--tracker"));
  if (options->no_seeder)
    {
      /* Stays (with its tracker, if any) until the test ends. */
      g_ptr_array_add (argv, g_strdup ("--no-seed"));
      g_ptr_array_add (argv, g_strdup ("--wait"));
    }
  /* The python side removes the files even when the test aborts: it gets
   * SIGTERM when we die (see child_setup). */
  if (g_strcmp0 (g_getenv ("TS_TEST_KEEP"), "1") != 0)
    g_ptr_array_add (argv, g_strdup ("--cleanup"));
  if (options->no_utp)
    g_ptr_array_add (argv, g_strdup ("--no-utp"));
  if (options->webseed)
    {
      /* BEP 19: a URL ending in "/" gets the torrent name (and file path)
       * appended, so serve the folder that holds the torrent's top entry. */
      content_root = g_build_filename (swarm->workdir, "content", NULL);
      swarm->http = ts_test_http_server_new (content_root);
      g_ptr_array_add (argv, g_strdup ("--webseed"));
      g_ptr_array_add (argv, g_strdup (ts_test_http_server_get_url (swarm->http)));
    }
  g_ptr_array_add (argv, NULL);

  /* stderr is inherited: the seeder's log lands in the test log. */
  launcher = ts_test_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "PYTHONHOME");
  swarm->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                 &error);
  g_assert_no_error (error);
  swarm->stdin_pipe = g_object_ref (g_subprocess_get_stdin_pipe (swarm->process));
  swarm->stdout_lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (swarm->process));

  ready = swarm_read_reply (swarm, SWARM_START_S, "starting the swarm");

  swarm->content_root = dup_string_member (ready, "content_root");
  swarm->name = dup_string_member (ready, "name");
  swarm->torrent_path = dup_string_member (ready, "torrent");
  swarm->magnet = dup_string_member (ready, "magnet");
  swarm->info_hash = dup_string_member (ready, "info_hash");
  swarm->tracker_url = dup_string_member (ready, "tracker");
  swarm->port = (guint) json_object_get_int_member (ready, "port");
  swarm->piece_length = (guint) json_object_get_int_member (ready, "piece_length");
  swarm->num_pieces = (guint) json_object_get_int_member (ready, "num_pieces");
  swarm->total_size = json_object_get_int_member (ready, "total_size");
  if (swarm->port > 0)
    swarm->peer = g_strdup_printf ("127.0.0.1:%u", swarm->port);

  files = json_object_get_array_member (ready, "files");
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *f = json_array_get_object_element (files, i);
      TsTestSwarmFile *file = g_new0 (TsTestSwarmFile, 1);

      file->path = g_strdup (json_object_get_string_member (f, "path"));
      file->size = json_object_get_int_member (f, "size");
      g_ptr_array_add (swarm->files, file);
    }
  g_ptr_array_set_free_func (swarm->files, g_free);

  g_assert_nonnull (swarm->torrent_path);
  g_assert_nonnull (swarm->info_hash);
  g_test_message ("swarm: %s (%s), %u pieces of %u, seeder %s, tracker %s, web seed %s",
                  swarm->name, swarm->info_hash, swarm->num_pieces, swarm->piece_length,
                  swarm->peer != NULL ? swarm->peer : "none",
                  swarm->tracker_url != NULL ? swarm->tracker_url : "none",
                  swarm->http != NULL ? ts_test_http_server_get_url (swarm->http) : "none");

  return swarm;
}

JsonObject *
ts_test_swarm_command (TsTestSwarm *swarm,
                       const char  *command)
{
  g_autofree char *line = g_strconcat (command, "\n", NULL);
  g_autoptr(GError) error = NULL;
  JsonObject *reply;

  g_assert_nonnull (swarm->stdin_pipe);
  g_assert_true (g_subprocess_get_identifier (swarm->process) != NULL);
  /* A line is far below the pipe buffer: this never blocks. */
  g_output_stream_write_all (swarm->stdin_pipe, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (swarm->stdin_pipe, NULL, &error);
  g_assert_no_error (error);

  reply = swarm_read_reply (swarm, SWARM_REPLY_S, command);
  if (!json_object_get_boolean_member_with_default (reply, "ok", FALSE))
    swarm_fail ("tsswarm.py refused “%s”: %s", command,
             json_object_get_string_member_with_default (reply, "error", "?"));
  return reply;
}

void
ts_test_swarm_set_rate (TsTestSwarm *swarm,
                        gint64       bytes_per_second)
{
  g_autofree char *command = g_strdup_printf ("rate %" G_GINT64_FORMAT, MAX (0, bytes_per_second));
  g_autoptr(JsonObject) reply = ts_test_swarm_command (swarm, command);

  g_assert_cmpint (json_object_get_int_member (reply, "rate"), ==, MAX (0, bytes_per_second));
}

gint64
ts_test_swarm_get_uploaded (TsTestSwarm *swarm)
{
  g_autoptr(JsonObject) reply = ts_test_swarm_command (swarm, "status");

  return json_object_get_int_member (reply, "uploaded");
}

gint64
ts_test_swarm_get_cancels (TsTestSwarm *swarm)
{
  g_autoptr(JsonObject) reply = ts_test_swarm_command (swarm, "stats");

  return json_object_get_int_member (reply, "incoming_cancels");
}

char *
ts_test_swarm_source_path (TsTestSwarm *swarm,
                           const char  *path)
{
  return g_build_filename (swarm->content_root, path, NULL);
}

void
ts_test_swarm_stop (TsTestSwarm *swarm)
{
  gboolean *exited;

  if (swarm->process == NULL)
    return;

  exited = g_new0 (gboolean, 1);
  /* EOF on stdin is the seeder's cue to stop; SIGTERM if it lingers. */
  if (swarm->stdin_pipe != NULL)
    g_output_stream_close (swarm->stdin_pipe, NULL, NULL);
  g_subprocess_wait_async (swarm->process, NULL, wait_done_cb, exited);
  if (!ts_test_iterate_until (bool_is_set, exited, 5000))
    {
      ts_test_subprocess_stop (swarm->process, 10000);
      ts_test_iterate_until (bool_is_set, exited, 1000);
    }
  /* Owned by the callback if it has not run (it will once the child is reaped). */
  if (*exited)
    g_free (exited);
  g_clear_object (&swarm->stdin_pipe);
  g_clear_object (&swarm->stdout_lines);
  g_clear_object (&swarm->process);
}
