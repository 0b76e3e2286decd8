/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TsStreamServer's LAN sharing. The "LAN" is a veth pair with a TEST-NET-1
 * address (192.0.2.10) inside the private network namespace of
 * tests/lib/netns.sh: it reaches no real network. Without root or that
 * namespace the sharing case is skipped (exit 77). */
#include <errno.h>
#include <libsoup/soup.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include "stream-test-util.h"
#include "ts-stream-server.h"

#define MIB (1024 * 1024)
#define LAN_ADDRESS "192.0.2.10"

typedef struct {
  guint   status;
  GBytes *body;
} Response;

/* @url with an optional Range header; the whole body, bounded. */
static void
fetch (SoupSession *session,
       const char  *url,
       const char  *range,
       Response    *r)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (msg);
  if (range != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL,
                                    ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, STREAM_TEST_TIMEOUT_S);
  r->body = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
}

static void
assert_status (SoupSession *session,
               const char  *url,
               guint        status)
{
  Response r = { 0, NULL };

  g_test_message ("GET %s", url);
  fetch (session, url, NULL, &r);
  g_assert_cmpuint (r.status, ==, status);
  g_bytes_unref (r.body);
}

static void
assert_bytes (GBytes *body,
              GBytes *source,
              gsize   start,
              gsize   length)
{
  g_assert_cmpuint (g_bytes_get_size (body), ==, length);
  g_assert_true (memcmp (g_bytes_get_data (body, NULL),
                         (const guint8 *) g_bytes_get_data (source, NULL) + start, length) == 0);
}

/* Sockets ------------------------------------------------------------------ */

/* A TCP connection to @ip:@port made now (a local listener completes the
 * handshake in the kernel), or NULL with @error. Non-blocking afterwards:
 * the server answers in this thread's main loop. */
static GSocket *
connect_to (const char  *ip,
            guint        port,
            GError     **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (ip);
  g_autoptr(GSocketAddress) target = g_inet_socket_address_new (address, port);
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, error);

  if (socket == NULL || !g_socket_connect (socket, target, NULL, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  return g_steal_pointer (&socket);
}

static void
assert_refused (const char *ip,
                guint       port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = connect_to (ip, port, &error);

  g_assert_null (socket);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static void
send_text (GSocket    *socket,
           const char *text)
{
  g_autoptr(GError) error = NULL;

  /* A request fits an empty send buffer. */
  g_assert_cmpint (g_socket_send (socket, text, strlen (text), NULL, &error), ==, (gssize) strlen (text));
  g_assert_no_error (error);
}

static gboolean
socket_ready (gpointer data)
{
  return g_socket_condition_check (data, G_IO_IN | G_IO_HUP | G_IO_ERR) != 0;
}

/* Up to @size bytes once there are some (running the main loop meanwhile):
 * > 0 bytes, 0 at the end of the stream (a reset counts as one). */
static gssize
receive_some (GSocket *socket,
              guint8  *buf,
              gsize    size,
              guint    timeout_s)
{
  g_autoptr(GError) error = NULL;
  gssize n;

  ts_test_wait_for (socket_ready, socket, timeout_s, "nothing came on the connection");
  n = g_socket_receive (socket, (char *) buf, size, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    return 0;
  g_assert_no_error (error);
  return n;
}

/* Reads until the end of the response headers; returns the bytes of body
 * read with them. */
static gsize
receive_headers (GSocket *socket,
                 guint    expected_status)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *status_line = g_strdup_printf ("HTTP/1.1 %u ", expected_status);
  const char *end;

  while ((end = strstr (text->str, "\r\n\r\n")) == NULL)
    {
      guint8 buf[4096];
      gssize n = receive_some (socket, buf, sizeof buf, 30);

      g_assert_cmpint (n, >, 0);
      g_string_append_len (text, (const char *) buf, n);
    }
  g_assert_true (g_str_has_prefix (text->str, status_line));
  return text->len - (end + 4 - text->str);
}

/* What this process listens on --------------------------------------------- */

static GHashTable *
own_socket_inodes (void)
{
  GHashTable *inodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target != NULL && g_str_has_prefix (target, "socket:[") && g_str_has_suffix (target, "]"))
        g_hash_table_add (inodes, g_strndup (target + 8, strlen (target) - 9));
    }
  return inodes;
}

/* /proc/net/{tcp,udp}[6] print each 32-bit word of the address as the
 * kernel holds it: read back into memory, the bytes are in network order. */
static GInetAddress *
parse_proc_address (const char *hex)
{
  guint32 words[4];
  gsize n_words = strlen (hex) / 8;

  g_assert_true (n_words == 1 || n_words == 4);
  for (gsize i = 0; i < n_words; i++)
    {
      g_autofree char *word = g_strndup (hex + 8 * i, 8);

      words[i] = (guint32) g_ascii_strtoull (word, NULL, 16);
    }
  return g_inet_address_new_from_bytes ((const guint8 *) words,
                                        n_words == 1 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
}

/* "ADDRESS:PORT" of every TCP listener and bound UDP socket of this
 * process, with whether all of them are on loopback. */
static GPtrArray *
own_listeners (gboolean *all_loopback)
{
  static const struct {
    const char *file;
    const char *state;   /* TCP_LISTEN, or UDP's TCP_CLOSE (bound, unconnected) */
  } tables[] = {
    { "/proc/net/tcp", "0A" }, { "/proc/net/tcp6", "0A" },
    { "/proc/net/udp", "07" }, { "/proc/net/udp6", "07" },
  };
  g_autoptr(GHashTable) inodes = own_socket_inodes ();
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);

  *all_loopback = TRUE;
  for (gsize t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autofree char *contents = NULL;
      g_auto(GStrv) lines = NULL;

      if (!g_file_get_contents (tables[t].file, &contents, NULL, NULL))
        continue;   /* no IPv6 */
      lines = g_strsplit (contents, "\n", -1);
      for (guint i = 1; lines[i] != NULL; i++)
        {
          g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
          g_autoptr(GPtrArray) words = g_ptr_array_new ();
          g_autoptr(GInetAddress) address = NULL;
          g_autofree char *text = NULL;
          const char *colon;

          for (guint j = 0; fields[j] != NULL; j++)
            if (fields[j][0] != '\0')
              g_ptr_array_add (words, fields[j]);
          /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
          if (words->len < 10 || !g_str_equal (words->pdata[3], tables[t].state)
              || !g_hash_table_contains (inodes, words->pdata[9]))
            continue;

          colon = strchr (words->pdata[1], ':');
          g_assert_nonnull (colon);
          {
            g_autofree char *hex = g_strndup (words->pdata[1], colon - (const char *) words->pdata[1]);

            address = parse_proc_address (hex);
          }
          text = g_inet_address_to_string (address);
          g_ptr_array_add (found, g_strdup_printf ("%s %s:%u", tables[t].file + 10, text,
                                                   (guint) g_ascii_strtoull (colon + 1, NULL, 16)));
          if (!g_inet_address_get_is_loopback (address))
            *all_loopback = FALSE;
        }
    }
  return found;
}

static void
assert_loopback_only (void)
{
  gboolean all_loopback;
  g_autoptr(GPtrArray) listeners = own_listeners (&all_loopback);

  for (guint i = 0; i < listeners->len; i++)
    g_test_message ("listening: %s", (char *) listeners->pdata[i]);
  g_assert_cmpuint (listeners->len, >, 0);
  g_assert_true (all_loopback);
}

static gboolean
listens_on (const char *what)
{
  gboolean all_loopback;
  g_autoptr(GPtrArray) listeners = own_listeners (&all_loopback);

  gboolean found = FALSE;

  for (guint i = 0; i < listeners->len; i++)
    {
      g_test_message ("listening: %s", (char *) listeners->pdata[i]);
      found |= g_str_equal (listeners->pdata[i], what);
    }
  return found;
}

/* The namespace's LAN ------------------------------------------------------- */

static gboolean
run_ip (const char  *args,
        char       **message)
{
  g_autofree char *command = g_strdup_printf ("ip %s", args);
  g_auto(GStrv) argv = g_strsplit (command, " ", -1);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      *message = g_strdup_printf ("“%s” failed: %s %s", command,
                                  error != NULL ? error->message : "", err != NULL ? err : "");
      return FALSE;
    }
  return TRUE;
}

/* A veth with 192.0.2.10 in a namespace that held nothing but lo: NULL, or
 * why this cannot be done here. */
static char *
make_test_lan (void)
{
  struct if_nameindex *interfaces;
  char *message = NULL;

  if (getuid () != 0)
    return g_strdup ("LAN sharing needs a private network namespace: not root");
  if (g_strcmp0 (g_getenv ("TS_IN_NETNS"), "1") != 0)
    return g_strdup ("LAN sharing needs a private network namespace: not run through tests/lib/netns.sh"
                     " or unshare -n is not available");

  /* Never add addresses to a namespace with real interfaces. (Netlink, not
   * /sys/class/net: sysfs shows the namespace it was mounted in.) */
  interfaces = if_nameindex ();
  if (interfaces == NULL)
    return g_strdup_printf ("if_nameindex: %s", g_strerror (errno));
  for (struct if_nameindex *i = interfaces; i->if_index != 0; i++)
    if (!g_str_equal (i->if_name, "lo"))
      {
        message = g_strdup_printf ("the network namespace is not private (it has %s)", i->if_name);
        break;
      }
  if_freenameindex (interfaces);
  if (message != NULL)
    return message;

  if (!run_ip ("link add ts0 type veth peer name ts1", &message))
    return message;
  if (!run_ip ("addr add " LAN_ADDRESS "/24 dev ts0", &message)
      || !run_ip ("link set ts0 up", &message)
      || !run_ip ("link set ts1 up", &message))
    g_error ("%s", message);
  return NULL;
}

/* Tests ---------------------------------------------------------------------- */

static gboolean skipped;

static void
lan_sharing_notify_cb (GObject    *object,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
n_clients_is (gpointer data)
{
  TsStreamServer *server = ((gpointer *) data)[0];

  return ts_stream_server_get_n_clients (server) == GPOINTER_TO_UINT (((gpointer *) data)[1]);
}

#define wait_n_clients(server, n, what)                                  \
  G_STMT_START {                                                         \
    gpointer _data[2] = { (server), GUINT_TO_POINTER (n) };              \
    ts_test_wait_for (n_clients_is, _data, 10, "%s", what);              \
  } G_STMT_END

static char *
swap_segment (const char *url,
              guint       segment,
              const char *with)
{
  g_auto(GStrv) parts = g_strsplit (url, "/", -1);

  /* "http:", "", "HOST:PORT", TOKEN, HASH, INDEX, NAME */
  g_free (parts[segment + 3]);
  parts[segment + 3] = g_strdup (with);
  return g_strjoinv ("/", parts);
}

static void
test_sharing (void)
{
  g_autofree char *skip = make_test_lan ();
  TsTestSwarmOptions options = { .layout = "multi", .size = 32 * MIB, .seed = "lan" };
  StreamTest *st;
  TsStreamServer *server;
  g_autoptr(SoupSession) session = NULL;
  TsTorrentFile *film, *subs;
  g_autoptr(GBytes) source = NULL;
  g_autoptr(GBytes) subs_source = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *lan_url = NULL;
  g_autofree char *lan_prefix = NULL;
  g_autofree char *path = NULL;
  g_autofree char *request = NULL;
  g_autoptr(GSocket) idle = NULL;
  g_autoptr(GSocket) streaming = NULL;
  g_autoptr(GSocket) local = NULL;
  gint64 size;
  guint notified = 0;
  guint loopback_port;
  guint8 buf[64 * 1024];
  gsize received;
  Response r = { 0, NULL };

  if (skip != NULL)
    {
      g_test_skip (skip);
      skipped = TRUE;
      return;
    }
  /* The test environment sets TS_LOOPBACK_ONLY=1, which refuses LAN
   * sharing (see test_refused_loopback_only). Here the one "LAN" is a
   * TEST-NET-1 veth in a private namespace that reaches nothing, so the
   * guard is lifted, before the session starts any thread; the session
   * keeps libtorrent on loopback through ts_session_set_loopback_only(). */
  g_unsetenv ("TS_LOOPBACK_ONLY");

  st = stream_test_new (&options);
  server = ts_stream_server_new (st->session);
  session = soup_session_new ();
  film = stream_test_file (st, "film.mp4");
  subs = stream_test_file (st, "film.srt");
  source = stream_test_source_bytes (st, film);
  subs_source = stream_test_source_bytes (st, subs);
  size = ts_torrent_file_get_size (film);
  g_assert_cmpint (size, >, 16 * MIB);
  stream_test_wait_complete (st);
  g_signal_connect (server, "notify::lan-sharing", G_CALLBACK (lan_sharing_notify_cb), &notified);

  g_assert_true (ts_stream_server_start (server, &error));
  g_assert_no_error (error);
  url = ts_stream_server_dup_url (server, film);
  loopback_port = ts_stream_server_get_port (server);

  /* Off (the default): loopback only. */
  g_assert_false (ts_stream_server_get_lan_sharing (server));
  g_assert_cmpuint (ts_stream_server_get_lan_port (server), ==, 0);
  g_assert_null (ts_stream_server_dup_lan_url (server, film));
  assert_refused (LAN_ADDRESS, TS_STREAM_SERVER_LAN_PORT);
  assert_refused (LAN_ADDRESS, ts_stream_server_get_port (server));
  assert_loopback_only ();

  /* On. */
  g_assert_true (ts_stream_server_set_lan_sharing (server, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (ts_stream_server_get_lan_sharing (server));
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpuint (ts_stream_server_get_lan_port (server), ==, TS_STREAM_SERVER_LAN_PORT);
  g_assert_true (listens_on ("tcp 0.0.0.0:" G_STRINGIFY (TS_STREAM_SERVER_LAN_PORT)));
  /* Again is nothing new. */
  g_assert_true (ts_stream_server_set_lan_sharing (server, TRUE, &error));
  g_assert_cmpuint (notified, ==, 1);

  lan_url = ts_stream_server_dup_lan_url (server, film);
  g_test_message ("%s", lan_url);
  lan_prefix = g_strdup_printf ("http://" LAN_ADDRESS ":%u/", TS_STREAM_SERVER_LAN_PORT);
  g_assert_true (g_str_has_prefix (lan_url, lan_prefix));
  /* The same token, torrent, file and name as on loopback. */
  path = g_strdup (strchr (url + strlen ("http://"), '/'));
  g_assert_cmpstr (strchr (lan_url + strlen ("http://"), '/'), ==, path);
  {
    g_autofree char *shared = ts_stream_server_dup_shared_url (server, film);

    g_assert_cmpstr (shared, ==, lan_url);
  }

  /* Without the token, or with a wrong one: 403, whatever the rest. */
  {
    g_autofree char *root = g_strdup_printf ("%s", lan_prefix);
    g_autofree char *no_token = g_strdup_printf ("%s%s/%u/film.mp4", lan_prefix,
                                                 ts_torrent_get_info_hash (st->torrent),
                                                 ts_torrent_file_get_index (film));
    g_autofree char *bad_token = swap_segment (lan_url, 0, "0123456789abcdef0123456789abcdef");
    g_autofree char *short_token = swap_segment (lan_url, 0, "0");
    g_autofree char *etc = g_strdup_printf ("%setc/passwd", lan_prefix);
    g_autofree char *bad_hash = swap_segment (lan_url, 1, "0123456789abcdef0123456789abcdef01234567");
    g_autofree char *not_index = swap_segment (lan_url, 2, "..");
    g_auto(GStrv) parts = g_strsplit (lan_url, "/", -1);
    g_autofree char *token_etc = g_strdup_printf ("%s%s/etc/passwd", lan_prefix, parts[3]);
    g_autofree char *token_only = g_strdup_printf ("%s%s", lan_prefix, parts[3]);

    assert_status (session, root, 403);
    assert_status (session, no_token, 403);
    assert_status (session, bad_token, 403);
    assert_status (session, short_token, 403);
    assert_status (session, etc, 403);
    assert_status (session, bad_hash, 404);
    assert_status (session, not_index, 404);
    /* The right token and a path that is no torrent's file. */
    assert_status (session, token_etc, 404);
    assert_status (session, token_only, 404);
  }

  /* With it: the bytes of the file. */
  fetch (session, lan_url, "bytes=1000000-1999999", &r);
  g_assert_cmpuint (r.status, ==, 206);
  assert_bytes (r.body, source, 1000000, 1000000);
  g_clear_pointer (&r.body, g_bytes_unref);
  {
    g_autofree char *subs_url = ts_stream_server_dup_lan_url (server, subs);

    fetch (session, subs_url, NULL, &r);
    g_assert_cmpuint (r.status, ==, 200);
    assert_bytes (r.body, subs_source, 0, g_bytes_get_size (subs_source));
    g_clear_pointer (&r.body, g_bytes_unref);
  }
  /* Loopback carries on beside it. */
  fetch (session, url, "bytes=0-99", &r);
  g_assert_cmpuint (r.status, ==, 206);
  assert_bytes (r.body, source, 0, 100);
  g_clear_pointer (&r.body, g_bytes_unref);
  soup_session_abort (session);

  /* Connections open when sharing stops: an idle keep-alive one and a
   * streaming one on the LAN, a streaming one on loopback. */
  request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
  idle = connect_to (LAN_ADDRESS, TS_STREAM_SERVER_LAN_PORT, &error);
  g_assert_no_error (error);
  {
    g_autofree char *head = g_strdup_printf ("HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n", path);

    send_text (idle, head);
    g_assert_cmpuint (receive_headers (idle, 200), ==, 0);
  }
  streaming = connect_to (LAN_ADDRESS, TS_STREAM_SERVER_LAN_PORT, &error);
  g_assert_no_error (error);
  send_text (streaming, request);
  received = receive_headers (streaming, 200);
  local = connect_to ("127.0.0.1", ts_stream_server_get_port (server), &error);
  g_assert_no_error (error);
  send_text (local, request);
  receive_headers (local, 200);
  wait_n_clients (server, 2, "two responses should be streaming");
  /* The streaming clients read no further: the server's buffers fill. */
  ts_test_iterate_for (500);

  /* Off: the listener is gone at once, its connections too. */
  g_assert_true (ts_stream_server_set_lan_sharing (server, FALSE, &error));
  g_assert_no_error (error);
  assert_refused (LAN_ADDRESS, TS_STREAM_SERVER_LAN_PORT);
  g_assert_false (ts_stream_server_get_lan_sharing (server));
  g_assert_cmpuint (ts_stream_server_get_lan_port (server), ==, 0);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_null (ts_stream_server_dup_lan_url (server, film));
  {
    g_autofree char *shared = ts_stream_server_dup_shared_url (server, film);

    g_assert_cmpstr (shared, ==, url);
  }
  g_assert_cmpuint (ts_stream_server_get_n_clients (server), ==, 1);
  assert_loopback_only ();

  g_assert_cmpint (receive_some (idle, buf, sizeof buf, 5), ==, 0);
  {
    gint64 started = g_get_monotonic_time ();
    gssize n;

    while ((n = receive_some (streaming, buf, sizeof buf, 5)) > 0)
      received += n;
    g_test_message ("the LAN client got %" G_GSIZE_FORMAT " of %" G_GINT64_FORMAT " bytes", received, size);
    g_assert_cmpint ((gint64) received, <, size);
    g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
  }
  /* The loopback one still streams. */
  g_assert_cmpint (receive_some (local, buf, sizeof buf, 10), >, 0);
  g_assert_cmpuint (ts_stream_server_get_n_clients (server), ==, 1);

  /* The loopback URL works; the LAN one is refused. */
  fetch (session, url, "bytes=100-199", &r);
  g_assert_cmpuint (r.status, ==, 206);
  assert_bytes (r.body, source, 100, 100);
  g_clear_pointer (&r.body, g_bytes_unref);
  soup_session_abort (session);

  /* On again right away (connections of before still in TIME_WAIT): the
   * same port, so bookmarks keep working. */
  g_assert_true (ts_stream_server_set_lan_sharing (server, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ts_stream_server_get_lan_port (server), ==, TS_STREAM_SERVER_LAN_PORT);
  fetch (session, lan_url, "bytes=5000000-5000999", &r);
  g_assert_cmpuint (r.status, ==, 206);
  assert_bytes (r.body, source, 5000000, 1000);
  g_clear_pointer (&r.body, g_bytes_unref);
  soup_session_abort (session);
  g_assert_true (ts_stream_server_set_lan_sharing (server, FALSE, &error));
  g_assert_no_error (error);

  /* The usual port taken by someone else: any free one. */
  {
    g_autoptr(GSocket) squatter = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, &error);
    g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) at = g_inet_socket_address_new (any, TS_STREAM_SERVER_LAN_PORT);
    g_autofree char *moved_url = NULL;
    guint port;

    g_assert_no_error (error);
    g_assert_true (g_socket_bind (squatter, at, TRUE, &error));
    g_assert_no_error (error);
    g_assert_true (g_socket_listen (squatter, &error));
    g_assert_no_error (error);

    g_assert_true (ts_stream_server_set_lan_sharing (server, TRUE, &error));
    g_assert_no_error (error);
    port = ts_stream_server_get_lan_port (server);
    g_assert_cmpuint (port, >, 0);
    g_assert_cmpuint (port, !=, TS_STREAM_SERVER_LAN_PORT);
    moved_url = ts_stream_server_dup_lan_url (server, film);
    g_test_message ("%s", moved_url);
    fetch (session, moved_url, "bytes=0-65535", &r);
    g_assert_cmpuint (r.status, ==, 206);
    assert_bytes (r.body, source, 0, 65536);
    g_clear_pointer (&r.body, g_bytes_unref);
    soup_session_abort (session);

    /* Off and on with the usual port still taken: the one it had. */
    g_assert_true (ts_stream_server_set_lan_sharing (server, FALSE, &error));
    g_assert_true (ts_stream_server_set_lan_sharing (server, TRUE, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (ts_stream_server_get_lan_port (server), ==, port);
    /* Free again: back to the usual one. */
    g_socket_close (squatter, NULL);
    g_assert_true (ts_stream_server_set_lan_sharing (server, FALSE, &error));
    g_assert_true (ts_stream_server_set_lan_sharing (server, TRUE, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (ts_stream_server_get_lan_port (server), ==, TS_STREAM_SERVER_LAN_PORT);
    assert_refused (LAN_ADDRESS, port);

    /* stop() closes both listeners. */
    ts_stream_server_stop (server);
    g_assert_false (ts_stream_server_get_lan_sharing (server));
    assert_refused (LAN_ADDRESS, TS_STREAM_SERVER_LAN_PORT);
    assert_refused ("127.0.0.1", loopback_port);
  }

  g_socket_close (local, NULL);
  g_clear_object (&session);
  g_assert_finalize_object (server);
  stream_test_free (st);
}

/* Tests (and --loopback-only) keep to loopback even when the setting says
 * otherwise: turning sharing on fails and leaves it off. */
static void
test_refused_loopback_only (void)
{
  TsTestSwarmOptions options = { .layout = "single", .size = 1 * MIB, .seed = "refused" };
  StreamTest *st;
  TsStreamServer *server;
  g_autoptr(GError) error = NULL;

  /* As the test environment has it (set again should the sharing case have
   * run first in this process). */
  g_setenv ("TS_LOOPBACK_ONLY", "1", TRUE);
  st = stream_test_new (&options);
  server = ts_stream_server_new (st->session);
  g_assert_false (ts_stream_server_set_lan_sharing (server, TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==,
                   "Streams cannot be shared on the local network while only loopback "
                   "addresses may be used (TS_LOOPBACK_ONLY is set)");
  g_assert_false (ts_stream_server_get_lan_sharing (server));
  g_assert_cmpuint (ts_stream_server_get_lan_port (server), ==, 0);
  /* Turning off what is off is fine. */
  g_assert_true (ts_stream_server_set_lan_sharing (server, FALSE, NULL));
  assert_loopback_only ();

  g_assert_finalize_object (server);
  stream_test_free (st);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/stream/lan/refused-loopback-only", test_refused_loopback_only);
  g_test_add_func ("/stream/lan/sharing", test_sharing);

  status = g_test_run ();
  /* What meson counts as skipped (GLib's own runner returns 0). */
  return status == 0 && skipped ? 77 : status;
}
