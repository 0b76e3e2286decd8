/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ts-catalog-http.h"

#define READ_CHUNK (64 * 1024)

typedef struct {
  SoupMessage   *message;
  GInputStream  *stream;
  GByteArray    *body;
  gsize          max_bytes;
  guint          timeout_ms;
  /* Handed to libsoup; cancelled by the caller's cancellable or the timer. */
  GCancellable  *internal;
  GCancellable  *outer;
  gulong         outer_handler;
  GSource       *timer;
  gboolean       timed_out;
} HttpGet;

static void
http_get_free (HttpGet *get)
{
  if (get->timer != NULL)
    {
      g_source_destroy (get->timer);
      g_source_unref (get->timer);
    }
  if (get->outer_handler != 0)
    g_cancellable_disconnect (get->outer, get->outer_handler);
  g_clear_object (&get->outer);
  g_clear_object (&get->internal);
  g_clear_object (&get->stream);
  g_clear_object (&get->message);
  g_clear_pointer (&get->body, g_byte_array_unref);
  g_free (get);
}

SoupSession *
ts_catalog_http_session_new (guint max_conns_per_host)
{
  g_autofree char *user_agent = g_strdup_printf ("TorrentStream/%s ", VERSION);

  /* The trailing space makes libsoup append its own product token. Socket
   * timeouts stay off: our own timer covers connecting and reading. */
  return g_object_new (SOUP_TYPE_SESSION,
                       "user-agent", user_agent,
                       "max-conns-per-host", MAX (max_conns_per_host, 1),
                       "timeout", 0,
                       NULL);
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* Stops the transfer when nothing arrived for timeout_ms. */
static gboolean
on_timeout (gpointer user_data)
{
  HttpGet *get = user_data;

  get->timed_out = TRUE;
  g_cancellable_cancel (get->internal);
  return G_SOURCE_REMOVE;
}

static void
restart_timer (GTask *task)
{
  HttpGet *get = g_task_get_task_data (task);

  if (get->timer != NULL)
    {
      g_source_destroy (get->timer);
      g_source_unref (get->timer);
    }
  get->timer = g_timeout_source_new (get->timeout_ms);
  g_source_set_static_name (get->timer, "[torrentstream] catalog timeout");
  g_source_set_callback (get->timer, on_timeout, get, NULL);
  g_source_attach (get->timer, g_task_get_context (task));
}

static void
on_outer_cancelled (GCancellable *cancellable,
                    gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* Turns a transport error into what we tell the user. */
static void
return_transport_error (GTask    *task,
                        GError   *error,
                        gboolean  reading_body)
{
  HttpGet *get = g_task_get_task_data (task);

  if (get->outer != NULL && g_cancellable_is_cancelled (get->outer))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "%s", _("The operation was cancelled"));
  else if (get->timed_out || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_task_return_new_error (task, TS_CATALOG_ERROR, TS_CATALOG_ERROR_TIMEOUT,
                             "%s", _("The catalog server stopped answering"));
  else if (reading_body)
    /* Translators: %s is a system error such as "Connection reset by peer". */
    g_task_return_new_error (task, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NETWORK,
                             _("The connection to the catalog broke off (%s)"), error->message);
  else
    /* Translators: %s is a system error such as "Connection refused". */
    g_task_return_new_error (task, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NETWORK,
                             _("Could not reach the catalog (%s)"), error->message);
}

static void read_next (GTask *task);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttpGet *get = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  gsize size;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      return_transport_error (task, error, TRUE);
      return;
    }

  size = g_bytes_get_size (chunk);
  if (size == 0)
    {
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&get->body)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (get->body->len + size > get->max_bytes)
    {
      g_task_return_new_error (task, TS_CATALOG_ERROR, TS_CATALOG_ERROR_TOO_LARGE,
                               "%s", _("The catalog sent too much data"));
      return;
    }
  g_byte_array_append (get->body, g_bytes_get_data (chunk, NULL), size);
  read_next (g_steal_pointer (&task));
}

static void
read_next (GTask *task)
{
  HttpGet *get = g_task_get_task_data (task);

  restart_timer (task);
  g_input_stream_read_bytes_async (get->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   get->internal, on_read, task);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttpGet *get = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  guint status;

  get->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (get->stream == NULL)
    {
      return_transport_error (task, error, FALSE);
      return;
    }

  status = soup_message_get_status (get->message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      const char *reason = soup_message_get_reason_phrase (get->message);

      if (reason == NULL || *reason == '\0')
        reason = soup_status_get_phrase (status);
      /* Translators: e.g. "The catalog server answered 503 Service Unavailable". */
      g_task_return_new_error (task, TS_CATALOG_ERROR, TS_CATALOG_ERROR_HTTP,
                               _("The catalog server answered %u %s"),
                               status, reason != NULL ? reason : "");
      return;
    }

  headers = soup_message_get_response_headers (get->message);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > (goffset) get->max_bytes)
    {
      g_task_return_new_error (task, TS_CATALOG_ERROR, TS_CATALOG_ERROR_TOO_LARGE,
                               "%s", _("The catalog sent too much data"));
      return;
    }

  get->body = g_byte_array_new ();
  read_next (g_steal_pointer (&task));
}

void
ts_catalog_http_get_async (SoupSession         *session,
                           const char          *url,
                           guint                timeout_ms,
                           gsize                max_bytes,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  HttpGet *get;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (url != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (session, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_catalog_http_get_async);

  get = g_new0 (HttpGet, 1);
  get->max_bytes = max_bytes > 0 ? max_bytes : TS_CATALOG_DEFAULT_MAX_BODY;
  get->timeout_ms = timeout_ms > 0 ? timeout_ms : TS_CATALOG_DEFAULT_TIMEOUT * 1000;
  get->internal = g_cancellable_new ();
  g_task_set_task_data (task, get, (GDestroyNotify) http_get_free);

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_task_return_new_error (task, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_ADDRESS,
                               _("“%s” is not a web address"), url);
      return;
    }
  if (g_strcmp0 (g_getenv ("TS_LOOPBACK_ONLY"), "1") == 0 &&
      !host_is_loopback (g_uri_get_host (uri)))
    {
      g_task_return_new_error (task, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_ADDRESS,
                               _("Only loopback addresses may be used "
                                 "(TS_LOOPBACK_ONLY is set), not “%s”"),
                               g_uri_get_host (uri));
      return;
    }

  if (cancellable != NULL)
    {
      get->outer = g_object_ref (cancellable);
      get->outer_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_outer_cancelled),
                                                  g_object_ref (get->internal), g_object_unref);
    }

  get->message = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  soup_message_headers_replace (soup_message_get_request_headers (get->message),
                                "Accept", "application/json, image/*;q=0.9, */*;q=0.5");

  restart_timer (task);
  soup_session_send_async (session, get->message, G_PRIORITY_DEFAULT, get->internal,
                           on_sent, g_steal_pointer (&task));
}

GBytes *
ts_catalog_http_get_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        ts_catalog_http_get_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* What the parse thread needs. Deliberately no reference to the caller's
 * task or source object: a worker thread drops the last reference to its
 * GTask, and the source object (a provider owning a SoupSession) must only
 * ever be finalized on its own thread. */
typedef struct {
  GBytes             *body;
  TsCatalogParseFunc  parse;
  gpointer            parse_data;
  GDestroyNotify      parse_data_free;
} ParseJob;

static void
parse_job_free (ParseJob *job)
{
  g_clear_pointer (&job->body, g_bytes_unref);
  if (job->parse_data_free != NULL)
    job->parse_data_free (job->parse_data);
  g_free (job);
}

static void
parse_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ParseJob *job = task_data;
  GError *error = NULL;
  gpointer object;

  object = job->parse (job->body, job->parse_data, &error);
  if (object == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, object, g_object_unref);
}

static void
on_parsed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gpointer object;

  object = g_task_propagate_pointer (G_TASK (result), &error);
  if (object == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, object, g_object_unref);
}

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GTask) parse = NULL;
  ParseJob *pending = g_task_get_task_data (task);
  GCancellable *cancellable;
  ParseJob *job;
  GError *error = NULL;
  GBytes *body;

  body = ts_catalog_http_get_finish (result, &error);
  if (body == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Move the parse data to a task of its own for the thread. */
  job = g_new0 (ParseJob, 1);
  job->body = body;
  job->parse = pending->parse;
  job->parse_data = pending->parse_data;
  job->parse_data_free = pending->parse_data_free;
  pending->parse_data = NULL;
  pending->parse_data_free = NULL;

  cancellable = g_task_get_cancellable (task);
  parse = g_task_new (NULL, cancellable, on_parsed, g_steal_pointer (&task));
  g_task_set_source_tag (parse, on_fetched);
  g_task_set_task_data (parse, job, (GDestroyNotify) parse_job_free);
  g_task_run_in_thread (parse, parse_thread);
}

void
ts_catalog_http_fetch_parsed_async (gpointer             source_object,
                                    SoupSession         *session,
                                    const char          *url,
                                    guint                timeout_ms,
                                    gsize                max_bytes,
                                    TsCatalogParseFunc   parse,
                                    gpointer             parse_data,
                                    GDestroyNotify       parse_data_free,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  ParseJob *job;

  g_return_if_fail (parse != NULL);

  task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_catalog_http_fetch_parsed_async);
  job = g_new0 (ParseJob, 1);
  job->parse = parse;
  job->parse_data = parse_data;
  job->parse_data_free = parse_data_free;
  g_task_set_task_data (task, job, (GDestroyNotify) parse_job_free);

  ts_catalog_http_get_async (session, url, timeout_ms, max_bytes, cancellable, on_fetched, task);
}

gpointer
ts_catalog_http_fetch_parsed_finish (gpointer       source_object,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source_object), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        ts_catalog_http_fetch_parsed_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
