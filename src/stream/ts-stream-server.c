/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-stream"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "ts-http-range.h"
#include "ts-media-type.h"
#include "ts-stream-reader.h"
#include "ts-stream-server.h"
#include "ts-torrent.h"

#define CHUNK_SIZE       (512 * 1024)
#define MAX_QUEUED       2             /* chunks handed to libsoup, not yet written */
/* A paused response does not see its client leave until the next write;
 * a wait this long for a piece ends the response. */
#define WAIT_TIMEOUT_S   180

typedef struct _Client Client;

struct _TsStreamServer
{
  GObject     parent_instance;

  TsSession  *session;
  SoupServer *server;
  char       *token;
  guint       port;
  GPtrArray  *clients;

  /* LAN sharing: a second server with the same handler, so that closing it
   * drops its listener and connections and nothing of the loopback one. */
  SoupServer *lan_server;
  guint       lan_port;
  gboolean    lan_ipv6;       /* also listening on :: */
  guint       lan_port_wanted; /* the port used last: bookmarks survive a toggle */
};

struct _Client
{
  int                ref_count;
  TsStreamServer    *server;      /* unowned: the server outlives its clients */
  SoupServerMessage *msg;
  gboolean           lan;         /* came through the LAN listener */
  TsStreamReader    *reader;
  guint              cursor;
  GCancellable      *cancellable;
  GSource           *hangup;      /* watches the socket for a client that left */
  guint              timeout_id;
  gint64             pos;
  gint64             end;         /* exclusive */
  guint              queued;
  gboolean           reading;
  gboolean           done;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_PORT,
  PROP_N_CLIENTS,
  PROP_LAN_SHARING,
  PROP_LAN_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TsStreamServer, ts_stream_server, G_TYPE_OBJECT)

/* Clients ----------------------------------------------------------------- */

static Client *
client_ref (Client *client)
{
  client->ref_count++;
  return client;
}

static void
client_unref (gpointer data)
{
  Client *client = data;

  if (--client->ref_count > 0)
    return;

  g_clear_object (&client->cancellable);
  g_clear_object (&client->reader);
  g_clear_object (&client->msg);
  g_free (client);
}

/* The response is over (written, or the client left): drop its deadlines
 * and its pending read at once. */
static void
client_finish (Client *client)
{
  TsStreamServer *self = client->server;

  if (client->done)
    return;
  client->done = TRUE;

  g_signal_handlers_disconnect_by_data (client->msg, client);
  g_clear_handle_id (&client->timeout_id, g_source_remove);
  if (client->hangup != NULL)
    {
      g_source_destroy (client->hangup);
      g_clear_pointer (&client->hangup, g_source_unref);
    }
  g_cancellable_cancel (client->cancellable);
  ts_stream_reader_close_cursor (client->reader, client->cursor);

  /* The array's reference. */
  g_ptr_array_remove_fast (self->clients, client);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CLIENTS]);
}

static void
client_finished_cb (SoupServerMessage *msg,
                    Client            *client)
{
  client_finish (client);
}

/* Headers are out, so the status cannot change: closing the connection is
 * how the client learns the body will not come. */
static void
client_abort (Client *client)
{
  GSocket *socket = soup_server_message_get_socket (client->msg);

  client_ref (client);
  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  client_finish (client);
  client_unref (client);
}

static gboolean
client_hangup_cb (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  Client *client = user_data;
  char byte;
  gssize n;

  /* Readable while we write a response: either the client closed its end
   * (EOF) or it sent another request early. Only the first means it left. */
  n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  g_clear_pointer (&client->hangup, g_source_unref);

  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)
      || (condition & (G_IO_HUP | G_IO_ERR)) != 0)
    {
      g_debug ("A stream client left");
      client_abort (client);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
client_timeout_cb (gpointer user_data)
{
  Client *client = user_data;

  client->timeout_id = 0;
  g_message ("No data for a stream client in %d s: ending its response", WAIT_TIMEOUT_S);
  client_abort (client);
  return G_SOURCE_REMOVE;
}

static void client_pump (Client *client);

static void
client_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  SoupMessageBody *body;

  bytes = ts_stream_reader_read_finish (TS_STREAM_READER (source), result, &error);
  client->reading = FALSE;

  /* The client went away meanwhile. */
  if (client->done)
    {
      client_unref (client);
      return;
    }
  g_clear_handle_id (&client->timeout_id, g_source_remove);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      g_message ("Streaming stopped: %s",
                 error != NULL ? error->message : "the file ended early");
      client_abort (client);
      client_unref (client);
      return;
    }

  body = soup_server_message_get_response_body (client->msg);
  soup_message_body_append_bytes (body, bytes);
  client->pos += g_bytes_get_size (bytes);
  client->queued++;
  if (client->pos >= client->end)
    soup_message_body_complete (body);
  /* The writer paused itself when the body ran dry. */
  soup_server_message_unpause (client->msg);

  client_pump (client);
  client_unref (client);
}

/* Keeps up to MAX_QUEUED chunks with libsoup and one read going. */
static void
client_pump (Client *client)
{
  if (client->done || client->reading || client->pos >= client->end
      || client->queued >= MAX_QUEUED)
    return;

  client->reading = TRUE;
  client->timeout_id = g_timeout_add_seconds (WAIT_TIMEOUT_S, client_timeout_cb, client);
  ts_stream_reader_read_async (client->reader, client->cursor, client->pos,
                               (gsize) MIN ((gint64) CHUNK_SIZE, client->end - client->pos),
                               client->cancellable, client_read_cb, client_ref (client));
}

static void
client_wrote_chunk_cb (SoupServerMessage *msg,
                       Client            *client)
{
  if (client->queued > 0)
    client->queued--;
  client_pump (client);
}

/* Requests ------------------------------------------------------------------ */

static gboolean
token_matches (const char *expected,
               const char *given,
               gsize       given_length)
{
  gsize n = strlen (expected);
  guint8 diff = 0;

  if (given_length != n)
    return FALSE;
  /* Constant time: a local attacker learns nothing from timing. */
  for (gsize i = 0; i < n; i++)
    diff |= (guint8) (expected[i] ^ given[i]);
  return diff == 0;
}

static void
answer_text (SoupServerMessage *msg,
             guint              status,
             const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

/* "/TOKEN/HASH/INDEX[/NAME]" → the file, or an answer already set. */
static TsTorrentFile *
lookup_file (TsStreamServer    *self,
             SoupServerMessage *msg)
{
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  g_auto(GStrv) parts = g_strsplit (path, "/", 5);
  g_autofree char *hash = NULL;
  TsTorrent *torrent;
  TsTorrentFile *file;
  guint64 index;

  if (g_strv_length (parts) < 2 || parts[0][0] != '\0'
      || !token_matches (self->token, parts[1], strlen (parts[1])))
    {
      answer_text (msg, SOUP_STATUS_FORBIDDEN, "Forbidden\n");
      return NULL;
    }

  if (g_strv_length (parts) < 4
      || !g_ascii_string_to_unsigned (parts[3], 10, 0, G_MAXUINT, &index, NULL))
    {
      answer_text (msg, SOUP_STATUS_NOT_FOUND, "Not found\n");
      return NULL;
    }

  hash = g_ascii_strdown (parts[2], -1);
  torrent = ts_session_lookup (self->session, hash);
  if (torrent == NULL || ts_torrent_is_removed (torrent))
    {
      answer_text (msg, SOUP_STATUS_NOT_FOUND, "No such torrent\n");
      return NULL;
    }
  if (!ts_torrent_has_metadata (torrent))
    {
      answer_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "The torrent's file list is not known yet\n");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "5");
      return NULL;
    }

  file = ts_torrent_get_file (torrent, (guint) index);
  if (file == NULL)
    {
      answer_text (msg, SOUP_STATUS_NOT_FOUND, "No such file in the torrent\n");
      return NULL;
    }

  return file;
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  TsStreamServer *self = user_data;
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  gboolean head = method == SOUP_METHOD_HEAD;
  TsHttpRange range = { 0, 0 };
  TsTorrentFile *file;
  Client *client;
  gint64 size;

  if (method != SOUP_METHOD_GET && !head)
    {
      soup_message_headers_replace (response_headers, "Allow", "GET, HEAD");
      answer_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Only GET and HEAD\n");
      return;
    }

  file = lookup_file (self, msg);
  if (file == NULL)
    return;

  size = ts_torrent_file_get_size (file);
  soup_message_headers_replace (response_headers, "Accept-Ranges", "bytes");
  soup_message_headers_replace (response_headers, "Cache-Control", "no-store");
  soup_message_headers_set_content_type (response_headers,
                                         ts_media_type_from_name (ts_torrent_file_get_name (file)), NULL);

  switch (ts_http_range_parse (soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                             "Range"),
                               size, &range))
    {
    case TS_HTTP_RANGE_UNSATISFIABLE:
      {
        g_autofree char *value = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, size);

        soup_message_headers_replace (response_headers, "Content-Range", value);
        answer_text (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "Range not satisfiable\n");
      }
      return;

    case TS_HTTP_RANGE_SATISFIABLE:
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_message_headers_set_content_range (response_headers, range.start, range.end, size);
      break;

    case TS_HTTP_RANGE_NONE:
    default:
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      range.start = 0;
      range.end = size - 1;
      break;
    }

  soup_message_headers_set_encoding (response_headers, SOUP_ENCODING_CONTENT_LENGTH);
  soup_message_headers_set_content_length (response_headers, size > 0 ? ts_http_range_length (&range) : 0);

  /* HEAD, and empty files, are answered at once. */
  if (head || size == 0)
    return;

  client = g_new0 (Client, 1);
  client->ref_count = 1;   /* the array's */
  client->server = self;
  client->msg = g_object_ref (msg);
  client->lan = server == self->lan_server;
  client->reader = ts_stream_reader_get_for_file (file);
  client->cursor = ts_stream_reader_open_cursor (client->reader);
  client->cancellable = g_cancellable_new ();
  client->pos = range.start;
  client->end = range.end + 1;
  g_ptr_array_add (self->clients, client);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CLIENTS]);

  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (client_wrote_chunk_cb), client);
  g_signal_connect (msg, "finished", G_CALLBACK (client_finished_cb), client);
  g_signal_connect (msg, "disconnected", G_CALLBACK (client_finished_cb), client);

  if (soup_server_message_get_socket (msg) != NULL)
    {
      client->hangup = g_socket_create_source (soup_server_message_get_socket (msg),
                                               G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (client->hangup, G_SOURCE_FUNC (client_hangup_cb), client, NULL);
      g_source_set_static_name (client->hangup, "[ts-stream] client hang-up");
      g_source_attach (client->hangup, NULL);
    }

  /* Not paused: the headers go out now (players learn the size and that
   * they may seek at once); the writer pauses itself when the body runs
   * dry, until the first piece is read. */
  client_pump (client);
}

/* Object ---------------------------------------------------------------------- */

static char *
make_token (GError **error)
{
  guint8 bytes[16];
  gsize got = 0;

  while (got < sizeof bytes)
    {
      ssize_t n = getrandom (bytes + got, sizeof bytes - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not make a secret for the stream server: %s"), g_strerror (saved));
          return NULL;
        }
      got += n;
    }

  {
    GString *hex = g_string_sized_new (2 * sizeof bytes);

    for (gsize i = 0; i < sizeof bytes; i++)
      g_string_append_printf (hex, "%02x", bytes[i]);
    return g_string_free (hex, FALSE);
  }
}

gboolean
ts_stream_server_start (TsStreamServer  *self,
                        GError         **error)
{
  return ts_stream_server_start_on_port (self, 0, error);
}

gboolean
ts_stream_server_start_on_port (TsStreamServer  *self,
                                guint            port,
                                GError         **error)
{
  g_autoptr(SoupServer) server = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GError) local_error = NULL;
  GSList *uris;

  g_return_val_if_fail (TS_IS_STREAM_SERVER (self), FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);

  if (self->server != NULL)
    return TRUE;

  token = make_token (error);
  if (token == NULL)
    return FALSE;

  server = soup_server_new ("server-header", "TorrentStream ", NULL);
  soup_server_add_handler (server, NULL, handler_cb, self, NULL);
  if (!soup_server_listen_local (server, port, SOUP_SERVER_LISTEN_IPV4_ONLY, &local_error))
    {
      /* libsoup's message names the address but not what it was for. */
      g_set_error (error, local_error->domain, local_error->code,
                   _("The stream server cannot listen on port %u: %s"),
                   port, local_error->message);
      return FALSE;
    }

  uris = soup_server_get_uris (server);
  self->port = uris != NULL ? (guint) g_uri_get_port (uris->data) : 0;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  self->server = g_steal_pointer (&server);
  g_free (self->token);
  self->token = g_steal_pointer (&token);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  return TRUE;
}

/* LAN sharing ------------------------------------------------------------------ */

static void
close_lan (TsStreamServer *self)
{
  if (self->lan_server == NULL)
    return;

  /* Backwards: client_abort() moves the last client into the freed slot,
   * and that one was looked at already. */
  for (guint i = self->clients->len; i > 0; i--)
    {
      Client *client = g_ptr_array_index (self->clients, i - 1);

      if (client->lan)
        client_abort (client);
    }
  /* The listener and every connection (idle keep-alive ones too) at once. */
  soup_server_disconnect (self->lan_server);
  g_clear_object (&self->lan_server);
  self->lan_port = 0;
  self->lan_ipv6 = FALSE;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAN_SHARING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAN_PORT]);
}

/* 0.0.0.0 and :: on @port; only 0.0.0.0 where IPv6 is missing (libsoup
 * before 3.6.2 fails instead of skipping it). */
static gboolean
listen_all (SoupServer  *server,
            guint        port,
            gboolean    *ipv6,
            GError     **error)
{
  g_autoptr(GError) dual_error = NULL;

  if (soup_server_listen_all (server, port, 0, &dual_error))
    {
      GSList *uris = soup_server_get_uris (server);

      *ipv6 = FALSE;
      for (GSList *l = uris; l != NULL; l = l->next)
        if (strchr (g_uri_get_host (l->data), ':') != NULL)
          *ipv6 = TRUE;
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
      return TRUE;
    }

  g_debug ("Listening on IPv4 and IPv6 failed (%s), trying IPv4 alone", dual_error->message);
  *ipv6 = FALSE;
  return soup_server_listen_all (server, port, SOUP_SERVER_LISTEN_IPV4_ONLY, error);
}

static gboolean
open_lan (TsStreamServer  *self,
          GError         **error)
{
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *loopback_only = g_getenv ("TS_LOOPBACK_ONLY");
  gboolean ipv6 = FALSE;
  GSList *uris;

  /* Runs with TS_LOOPBACK_ONLY (the tests) promise to touch loopback alone;
   * an opt-in in their settings must not break that promise. */
  if (loopback_only != NULL && loopback_only[0] != '\0' && !g_str_equal (loopback_only, "0"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("Streams cannot be shared on the local network while only "
                             "loopback addresses may be used (TS_LOOPBACK_ONLY is set)"));
      return FALSE;
    }

  /* The LAN URLs carry the loopback server's token. */
  if (self->server == NULL && !ts_stream_server_start (self, error))
    return FALSE;

  server = soup_server_new ("server-header", "TorrentStream ", NULL);
  soup_server_add_handler (server, NULL, handler_cb, self, NULL);

  /* The usual port first, so that a TV's bookmark keeps working; else the
   * one used last in this run, else any free one. */
  {
    guint ports[3];
    gsize n_ports = 0;
    gboolean listening = FALSE;

    ports[n_ports++] = TS_STREAM_SERVER_LAN_PORT;
    if (self->lan_port_wanted != 0 && self->lan_port_wanted != TS_STREAM_SERVER_LAN_PORT)
      ports[n_ports++] = self->lan_port_wanted;
    ports[n_ports++] = 0;

    for (gsize i = 0; i < n_ports && !listening; i++)
      {
        g_clear_error (&local_error);
        listening = listen_all (server, ports[i], &ipv6, &local_error);
        /* Only a taken port is worth another try. */
        if (!listening && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
          break;
        if (!listening)
          g_debug ("LAN port %u is taken: %s", ports[i], local_error->message);
      }

    if (!listening)
      {
        g_set_error (error, local_error->domain, local_error->code,
                     _("Streams cannot be shared on the local network: %s"),
                     local_error->message);
        return FALSE;
      }
  }

  uris = soup_server_get_uris (server);
  self->lan_port = uris != NULL ? (guint) g_uri_get_port (uris->data) : 0;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->lan_port_wanted = self->lan_port;
  self->lan_ipv6 = ipv6;
  self->lan_server = g_steal_pointer (&server);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAN_SHARING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAN_PORT]);
  return TRUE;
}

gboolean
ts_stream_server_set_lan_sharing (TsStreamServer  *self,
                                  gboolean         enabled,
                                  GError         **error)
{
  g_return_val_if_fail (TS_IS_STREAM_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  enabled = !!enabled;
  if (enabled == (self->lan_server != NULL))
    return TRUE;

  if (!enabled)
    {
      close_lan (self);
      return TRUE;
    }

  return open_lan (self, error);
}

gboolean
ts_stream_server_get_lan_sharing (TsStreamServer *self)
{
  g_return_val_if_fail (TS_IS_STREAM_SERVER (self), FALSE);
  return self->lan_server != NULL;
}

guint
ts_stream_server_get_lan_port (TsStreamServer *self)
{
  g_return_val_if_fail (TS_IS_STREAM_SERVER (self), 0);
  return self->lan_port;
}

/* Lower is better: private IPv4 ranges, other IPv4, IPv6 (unique-local or
 * global), link-local IPv4; -1 for what a TV cannot use (IPv6 link-local
 * needs a zone in the URL). */
static int
address_rank (const struct sockaddr *sa,
              gboolean               ipv6_allowed)
{
  if (sa->sa_family == AF_INET)
    {
      guint32 a = g_ntohl (((const struct sockaddr_in *) sa)->sin_addr.s_addr);

      if ((a >> 24) == 127 || a == 0)
        return -1;
      if ((a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8)
        return 0;
      if ((a >> 16) == 0xa9fe)
        return 3;
      return 1;
    }

  if (sa->sa_family == AF_INET6 && ipv6_allowed)
    {
      const struct in6_addr *a = &((const struct sockaddr_in6 *) sa)->sin6_addr;

      if (IN6_IS_ADDR_LOOPBACK (a) || IN6_IS_ADDR_LINKLOCAL (a) || IN6_IS_ADDR_UNSPECIFIED (a)
          || IN6_IS_ADDR_V4MAPPED (a) || IN6_IS_ADDR_MULTICAST (a))
        return -1;
      return 2;
    }

  return -1;
}

/* The host's best LAN address for a URL ("192.168.1.5", "[fd00::5]"), or
 * NULL. getifaddrs() reads the kernel's table at once: fine on the main
 * thread. */
static char *
dup_lan_host (gboolean ipv6_allowed)
{
  struct ifaddrs *addrs = NULL;
  g_autoptr(GInetAddress) best = NULL;
  int best_rank = G_MAXINT;

  if (getifaddrs (&addrs) != 0)
    {
      g_debug ("getifaddrs: %s", g_strerror (errno));
      return NULL;
    }

  for (struct ifaddrs *ifa = addrs; ifa != NULL; ifa = ifa->ifa_next)
    {
      int rank;

      if (ifa->ifa_addr == NULL || (ifa->ifa_flags & IFF_UP) == 0
          || (ifa->ifa_flags & IFF_LOOPBACK) != 0)
        continue;

      rank = address_rank (ifa->ifa_addr, ipv6_allowed);
      if (rank < 0 || rank >= best_rank)
        continue;

      g_clear_object (&best);
      if (ifa->ifa_addr->sa_family == AF_INET)
        best = g_inet_address_new_from_bytes ((const guint8 *) &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr,
                                              G_SOCKET_FAMILY_IPV4);
      else
        best = g_inet_address_new_from_bytes ((const guint8 *) &((struct sockaddr_in6 *) ifa->ifa_addr)->sin6_addr,
                                              G_SOCKET_FAMILY_IPV6);
      best_rank = rank;
    }
  freeifaddrs (addrs);

  if (best == NULL)
    return NULL;

  {
    g_autofree char *text = g_inet_address_to_string (best);

    if (g_inet_address_get_family (best) == G_SOCKET_FAMILY_IPV6)
      return g_strdup_printf ("[%s]", text);
    return g_steal_pointer (&text);
  }
}

static char *
format_url (TsStreamServer *self,
            const char     *host,
            guint           port,
            TsTorrentFile  *file)
{
  g_autofree char *name = NULL;
  TsTorrent *torrent = ts_torrent_file_get_torrent (file);

  if (torrent == NULL)
    return NULL;

  name = g_uri_escape_string (ts_torrent_file_get_name (file), NULL, FALSE);
  return g_strdup_printf ("http://%s:%u/%s/%s/%u/%s", host, port, self->token,
                          ts_torrent_get_info_hash (torrent), ts_torrent_file_get_index (file),
                          name);
}

char *
ts_stream_server_dup_lan_url (TsStreamServer *self,
                              TsTorrentFile  *file)
{
  g_autofree char *host = NULL;

  g_return_val_if_fail (TS_IS_STREAM_SERVER (self), NULL);
  g_return_val_if_fail (TS_IS_TORRENT_FILE (file), NULL);

  if (self->lan_server == NULL)
    return NULL;

  host = dup_lan_host (self->lan_ipv6);
  if (host == NULL)
    return NULL;

  return format_url (self, host, self->lan_port, file);
}

char *
ts_stream_server_dup_shared_url (TsStreamServer *self,
                                 TsTorrentFile  *file)
{
  char *url;

  g_return_val_if_fail (TS_IS_STREAM_SERVER (self), NULL);
  g_return_val_if_fail (TS_IS_TORRENT_FILE (file), NULL);

  url = ts_stream_server_dup_lan_url (self, file);
  if (url == NULL)
    url = ts_stream_server_dup_url (self, file);
  return url;
}

/* Loopback ------------------------------------------------------------------------ */

void
ts_stream_server_stop (TsStreamServer *self)
{
  g_return_if_fail (TS_IS_STREAM_SERVER (self));

  close_lan (self);

  if (self->server == NULL)
    return;

  while (self->clients->len > 0)
    client_abort (g_ptr_array_index (self->clients, 0));
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  self->port = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

guint
ts_stream_server_get_port (TsStreamServer *self)
{
  g_return_val_if_fail (TS_IS_STREAM_SERVER (self), 0);
  return self->port;
}

guint
ts_stream_server_get_n_clients (TsStreamServer *self)
{
  g_return_val_if_fail (TS_IS_STREAM_SERVER (self), 0);
  return self->clients->len;
}

char *
ts_stream_server_dup_url (TsStreamServer *self,
                          TsTorrentFile  *file)
{
  g_return_val_if_fail (TS_IS_STREAM_SERVER (self), NULL);
  g_return_val_if_fail (TS_IS_TORRENT_FILE (file), NULL);

  if (self->server == NULL)
    return NULL;

  return format_url (self, "127.0.0.1", self->port, file);
}

static void
ts_stream_server_dispose (GObject *object)
{
  TsStreamServer *self = TS_STREAM_SERVER (object);

  ts_stream_server_stop (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (ts_stream_server_parent_class)->dispose (object);
}

static void
ts_stream_server_finalize (GObject *object)
{
  TsStreamServer *self = TS_STREAM_SERVER (object);

  g_ptr_array_unref (self->clients);
  g_free (self->token);

  G_OBJECT_CLASS (ts_stream_server_parent_class)->finalize (object);
}

static void
ts_stream_server_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TsStreamServer *self = TS_STREAM_SERVER (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;

    case PROP_N_CLIENTS:
      g_value_set_uint (value, self->clients->len);
      break;

    case PROP_LAN_SHARING:
      g_value_set_boolean (value, self->lan_server != NULL);
      break;

    case PROP_LAN_PORT:
      g_value_set_uint (value, self->lan_port);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_stream_server_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  TsStreamServer *self = TS_STREAM_SERVER (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_stream_server_class_init (TsStreamServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ts_stream_server_dispose;
  object_class->finalize = ts_stream_server_finalize;
  object_class->get_property = ts_stream_server_get_property;
  object_class->set_property = ts_stream_server_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, TS_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_CLIENTS] =
    g_param_spec_uint ("n-clients", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_LAN_SHARING] =
    g_param_spec_boolean ("lan-sharing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAN_PORT] =
    g_param_spec_uint ("lan-port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ts_stream_server_init (TsStreamServer *self)
{
  self->clients = g_ptr_array_new_with_free_func (client_unref);
}

TsStreamServer *
ts_stream_server_new (TsSession *session)
{
  g_return_val_if_fail (TS_IS_SESSION (session), NULL);

  return g_object_new (TS_TYPE_STREAM_SERVER, "session", session, NULL);
}
