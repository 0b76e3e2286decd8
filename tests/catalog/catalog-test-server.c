/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "catalog-test-server.h"

char *
test_fixture_path (const char *name)
{
  return g_build_filename (TS_CATALOG_FIXTURES, name, NULL);
}

GBytes *
test_fixture_bytes (const char *name)
{
  g_autofree char *path = test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  char *contents;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

void
test_png_color (const char *name,
                guint8      rgb[3])
{
  guint hash = g_str_hash (name);

  rgb[0] = hash & 0xff;
  rgb[1] = (hash >> 8) & 0xff;
  rgb[2] = (hash >> 16) & 0xff;
}

GBytes *
test_make_png (const char *name,
               int         width,
               int         height)
{
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint8 *data = g_malloc (width * height * 4);
  guint8 rgb[3];

  test_png_color (name, rgb);
  for (int i = 0; i < width * height; i++)
    {
      data[i * 4 + 0] = rgb[0];
      data[i * 4 + 1] = rgb[1];
      data[i * 4 + 2] = rgb[2];
      data[i * 4 + 3] = 0xff;
    }
  pixels = g_bytes_new_take (data, width * height * 4);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, pixels, width * 4);
  return gdk_texture_save_to_png_bytes (texture);
}

static void
set_body (SoupServerMessage *msg,
          const char        *type,
          GBytes            *bytes)
{
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, data, length);
}

/* The fixture for @rest, or NULL. */
static GBytes *
content_for (const char  *rest,
             const char **type)
{
  *type = "application/json";
  if (strcmp (rest, "advancedsearch.php") == 0)
    return test_fixture_bytes ("archive-advancedsearch.json");
  if (strcmp (rest, "metadata/missing") == 0)
    return g_bytes_new_static ("[]", 2);
  if (g_str_has_prefix (rest, "metadata/"))
    return test_fixture_bytes ("archive-metadata.json");
  if (strcmp (rest, "api/v2/list_movies.json") == 0)
    return test_fixture_bytes ("yts-list_movies.json");
  if (strcmp (rest, "api/v2/movie_details.json") == 0)
    return test_fixture_bytes ("yts-movie_details.json");
  if (strcmp (rest, "poster/bad.png") == 0)
    {
      *type = "image/png";
      return g_bytes_new_static ("this is not a PNG at all", 24);
    }
  if (g_str_has_prefix (rest, "poster/"))
    {
      /* "poster/name-230x345.png" asks for a size; 40×60 otherwise. */
      const char *dash = strrchr (rest, '-');
      int width = 40, height = 60;

      if (dash != NULL && sscanf (dash + 1, "%dx%d", &width, &height) != 2)
        width = 40, height = 60;
      *type = "image/png";
      return test_make_png (rest, CLAMP (width, 1, 4096), CLAMP (height, 1, 4096));
    }
  return NULL;
}

/* "/many/advancedsearch.php": page `page` of `rows` films of MANY_FILMS,
 * generated, in the Internet Archive's shape. */
#define MANY_FILMS 2000

static GBytes *
many_films (GHashTable *query)
{
  const char *rows_param = query != NULL ? g_hash_table_lookup (query, "rows") : NULL;
  const char *page_param = query != NULL ? g_hash_table_lookup (query, "page") : NULL;
  guint rows = rows_param != NULL ? (guint) g_ascii_strtoull (rows_param, NULL, 10) : 50;
  guint page = page_param != NULL ? (guint) g_ascii_strtoull (page_param, NULL, 10) : 1;
  guint start = MIN ((MAX (page, 1) - 1) * rows, MANY_FILMS);
  guint end = MIN (start + rows, MANY_FILMS);
  GString *json = g_string_new (NULL);

  g_string_append_printf (json, "{\"response\": {\"numFound\": %u, \"start\": %u, \"docs\": [",
                          MANY_FILMS, start);
  for (guint i = start; i < end; i++)
    g_string_append_printf (json, "%s{\"identifier\": \"film-%04u\", \"title\": \"Film %u\","
                            " \"year\": \"%u\", \"mediatype\": \"movies\"}",
                            i > start ? ", " : "", i, i, 1900 + i % 100);
  g_string_append (json, "]}}");
  return g_string_free_to_bytes (json);
}

static void
on_paused_finished (SoupServerMessage *msg,
                    gpointer           user_data)
{
  g_object_set_data (G_OBJECT (msg), "test-finished", GINT_TO_POINTER (1));
}

static void
keep_paused (TestServer        *server,
             SoupServerMessage *msg)
{
  g_signal_connect (msg, "finished", G_CALLBACK (on_paused_finished), NULL);
  g_ptr_array_add (server->paused, g_object_ref (msg));
  soup_server_message_pause (msg);
}

typedef struct {
  TestServer        *server;
  SoupServerMessage *msg;
  GBytes            *body;
  char              *type;
} Delayed;

static gboolean
answer_delayed (gpointer user_data)
{
  Delayed *delayed = user_data;

  if (g_object_get_data (G_OBJECT (delayed->msg), "test-finished") == NULL)
    {
      set_body (delayed->msg, delayed->type, delayed->body);
      soup_server_message_unpause (delayed->msg);
    }
  g_ptr_array_remove (delayed->server->paused, delayed->msg);
  g_bytes_unref (delayed->body);
  g_free (delayed->type);
  g_free (delayed);
  return G_SOURCE_REMOVE;
}

static void
handle (SoupServer        *soup_server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  TestServer *server = user_data;
  g_autoptr(GBytes) body = NULL;
  const char *rest;
  const char *type;
  g_autofree char *mode = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *response = soup_server_message_get_response_body (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  guint count;

  count = GPOINTER_TO_UINT (g_hash_table_lookup (server->hits, path));
  g_hash_table_replace (server->hits, g_strdup (path), GUINT_TO_POINTER (count + 1));
  server->n_hits++;
  g_free (server->last_query);
  server->last_query = g_strdup (g_uri_get_query (uri));

  rest = strchr (path + 1, '/');
  if (rest == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  mode = g_strndup (path + 1, rest - path - 1);
  rest++;
  if (strcmp (mode, "many") == 0 && strcmp (rest, "advancedsearch.php") == 0)
    {
      body = many_films (query);
      set_body (msg, "application/json", body);
      return;
    }
  body = content_for (rest, &type);
  if (body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (strcmp (mode, "ok") == 0 || strcmp (mode, "many") == 0)
    set_body (msg, type, body);
  else if (strcmp (mode, "503") == 0)
    soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
  else if (strcmp (mode, "404") == 0)
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  else if (strcmp (mode, "html") == 0)
    {
      static const char page[] = "<!DOCTYPE html><html><head><title>Maintenance</title></head>"
                                 "<body><h1>We are down for maintenance</h1></body></html>";

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, page, strlen (page));
    }
  else if (strcmp (mode, "halfjson") == 0)
    {
      g_autoptr(GBytes) half = g_bytes_new_from_bytes (body, 0, g_bytes_get_size (body) / 2);

      set_body (msg, type, half);
    }
  else if (strcmp (mode, "stall") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (headers, type, NULL);
      soup_message_headers_set_content_length (headers, g_bytes_get_size (body));
      soup_message_body_set_accumulate (response, FALSE);
      soup_message_body_append (response, SOUP_MEMORY_COPY, g_bytes_get_data (body, NULL), 100);
      /* The writer sends what it has, then waits for more that never comes. */
      g_signal_connect (msg, "finished", G_CALLBACK (on_paused_finished), NULL);
      g_ptr_array_add (server->paused, g_object_ref (msg));
    }
  else if (strcmp (mode, "hang") == 0)
    keep_paused (server, msg);
  else if (strcmp (mode, "slow") == 0)
    {
      Delayed *delayed = g_new0 (Delayed, 1);

      delayed->server = server;
      delayed->msg = msg;
      delayed->body = g_bytes_ref (body);
      delayed->type = g_strdup (type);
      keep_paused (server, msg);
      g_timeout_add (300, answer_delayed, delayed);
    }
  else if (strcmp (mode, "big") == 0)
    {
      gsize size = 9 * 1024 * 1024;

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                        g_malloc0 (size), size);
    }
  else if (strcmp (mode, "chunked") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "application/json", NULL);
      for (int i = 0; i < 30; i++)
        soup_message_body_append (response, SOUP_MEMORY_TAKE, g_malloc0 (10240), 10240);
      soup_message_body_complete (response);
    }
  else if (strcmp (mode, "truncated") == 0)
    {
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
      g_autoptr(GError) error = NULL;
      g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
                                               "Content-Length: 5000\r\n\r\n", type);
      GOutputStream *out = g_io_stream_get_output_stream (stream);

      g_output_stream_write_all (out, head, strlen (head), NULL, NULL, &error);
      g_assert_no_error (error);
      g_output_stream_write_all (out, g_bytes_get_data (body, NULL), 100, NULL, NULL, &error);
      g_assert_no_error (error);
      g_io_stream_close (stream, NULL, &error);
      g_assert_no_error (error);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

TestServer *
test_server_new (void)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  server->hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->paused = g_ptr_array_new_with_free_func (g_object_unref);
  server->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server->server, NULL, handle, server, NULL);
  soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server->server);
  g_assert_nonnull (uris);
  server->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}

void
test_server_disconnect (TestServer *server)
{
  soup_server_disconnect (server->server);
}

void
test_server_free (TestServer *server)
{
  /* Answer what is still waiting, so nothing is left half-done. */
  for (guint i = 0; i < server->paused->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (server->paused, i);

      if (g_object_get_data (G_OBJECT (msg), "test-finished") == NULL)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
          soup_server_message_unpause (msg);
        }
    }
  /* Let the server notice closed connections before it goes. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  soup_server_disconnect (server->server);
  g_assert_finalize_object (server->server);
  g_ptr_array_unref (server->paused);
  g_hash_table_unref (server->hits);
  g_free (server->base);
  g_free (server->last_query);
  g_free (server);
}

char *
test_server_url (TestServer *server,
                 const char *path)
{
  return g_strconcat (server->base, path, NULL);
}

guint
test_server_hits (TestServer *server,
                  const char *path)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (server->hits, path));
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_wait_for (const gboolean *flag,
               guint           timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_wait_timeout, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("Timed out after %u ms", timeout_ms);
  g_source_remove (id);
}

guint16
test_closed_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  /* The socket closes on return: nothing listens there, connections are refused. */
  return port;
}

void
test_async_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  TestAsync *async = user_data;

  g_assert_false (async->done);
  async->result = g_object_ref (result);
  async->done = TRUE;
}

void
test_async_clear (TestAsync *async)
{
  g_clear_object (&async->result);
  async->done = FALSE;
}
