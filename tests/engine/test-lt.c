/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the libtorrent shim (ts-lt.h), through its C API only.
 *
 * Torrents are written by hand here (bencode + SHA-1 from GChecksum) so the
 * expected info-hash is computed independently of libtorrent. Sessions
 * listen on 127.0.0.1 with DHT, LSD, UPnP and NAT-PMP off; events are popped
 * on the main loop woken by the notify callback, and every wait is bounded.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ts-lt.h"

#define WAIT_SECONDS 30
#define PIECE_LEN    16384
#define FILE_LEN     40000  /* 3 pieces, the last one short */
#define FILE_NAME    "hello.bin"

/* Hand-made torrents --------------------------------------------------------- */

static guint8 *
make_content (gsize len)
{
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) ((i * 7 + i / 251) & 0xff);
  return data;
}

static void
append_str (GByteArray *array, const char *s)
{
  g_byte_array_append (array, (const guint8 *) s, strlen (s));
}

/* A single-file v1 torrent; *info_hash gets the SHA-1 of the bencoded info
 * dictionary, in hex, and *info_dict that dictionary. */
static GBytes *
build_torrent (const char *name, const guint8 *content, gsize len, char **info_hash,
               GBytes **info_dict)
{
  g_autoptr (GByteArray) info = g_byte_array_new ();
  g_autoptr (GByteArray) torrent = g_byte_array_new ();
  g_autofree char *head = NULL;
  gsize n_pieces = (len + PIECE_LEN - 1) / PIECE_LEN;

  head = g_strdup_printf ("d6:lengthi%" G_GSIZE_FORMAT "e4:name%" G_GSIZE_FORMAT ":%s"
                          "12:piece lengthi%de6:pieces%" G_GSIZE_FORMAT ":",
                          len, strlen (name), name, PIECE_LEN, n_pieces * 20);
  append_str (info, head);
  for (gsize i = 0; i < n_pieces; i++)
    {
      g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
      guint8 digest[20];
      gsize digest_len = sizeof digest;
      gsize piece = MIN ((gsize) PIECE_LEN, len - i * PIECE_LEN);

      g_checksum_update (sha1, content + i * PIECE_LEN, piece);
      g_checksum_get_digest (sha1, digest, &digest_len);
      g_byte_array_append (info, digest, digest_len);
    }
  append_str (info, "e");

  *info_hash = g_compute_checksum_for_data (G_CHECKSUM_SHA1, info->data, info->len);
  *info_dict = g_bytes_new (info->data, info->len);
  append_str (torrent, "d4:info");
  g_byte_array_append (torrent, info->data, info->len);
  append_str (torrent, "e");
  return g_byte_array_free_to_bytes (g_steal_pointer (&torrent));
}

/* The test torrent, its content and a folder holding that content. */
typedef struct {
  guint8 *content;
  GBytes *torrent;
  GBytes *info_dict;
  char   *info_hash;
  char   *seed_dir;
} Fixture;

static void
fixture_init (Fixture *f)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  f->content = make_content (FILE_LEN);
  f->torrent = build_torrent (FILE_NAME, f->content, FILE_LEN, &f->info_hash, &f->info_dict);
  /* Under the private XDG dir of G_TEST_OPTION_ISOLATE_DIRS, removed after
   * the test. */
  f->seed_dir = g_build_filename (g_get_user_data_dir (), "seed", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->seed_dir, 0700), ==, 0);
  path = g_build_filename (f->seed_dir, FILE_NAME, NULL);
  g_file_set_contents (path, (const char *) f->content, FILE_LEN, &error);
  g_assert_no_error (error);
}

static void
fixture_clear (Fixture *f)
{
  g_free (f->content);
  g_bytes_unref (f->torrent);
  g_bytes_unref (f->info_dict);
  g_free (f->info_hash);
  g_free (f->seed_dir);
}

static TsLtAddParams *
params_from_bytes (GBytes *bytes, char **error)
{
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);

  return ts_lt_add_params_from_torrent_data (data, len, error);
}

/* Resume data as libtorrent writes it, reduced to what it needs, with a
 * file priority of @prio. */
static GBytes *
build_resume (Fixture *f, guint8 prio)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree char *head = NULL;
  g_autofree char *tail = NULL;
  guint8 hash[20];

  for (int i = 0; i < 20; i++)
    hash[i] = (guint8) g_ascii_strtoull ((char[]) { f->info_hash[2 * i], f->info_hash[2 * i + 1], 0 },
                                         NULL, 16);
  head = g_strdup_printf ("d11:file-format22:libtorrent resume file12:file-versioni1e"
                          "13:file_priorityli%uee4:info", prio);
  append_str (out, head);
  g_byte_array_append (out, g_bytes_get_data (f->info_dict, NULL), g_bytes_get_size (f->info_dict));
  append_str (out, "9:info-hash20:");
  g_byte_array_append (out, hash, sizeof hash);
  tail = g_strdup_printf ("9:save_path%" G_GSIZE_FORMAT ":%se", strlen (f->seed_dir), f->seed_dir);
  append_str (out, tail);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Events ---------------------------------------------------------------------- */

/* A copy of a TsLtEvent that outlives the callback. */
typedef struct {
  TsLtEventType type;
  TsLtTorrent  *torrent;
  guint64       cookie;
  char         *error;
  char         *info_hash;
  int           piece;
  int           port;
  GBytes       *data;
  GArray       *statuses;      /* of StatusCopy */
  GArray       *file_progress; /* of gint64 */
} Event;

typedef struct {
  TsLtTorrent *torrent;
  int          state;
  gboolean     has_metadata;
  gint64       total_done;
  gint64       total_size;
  int          num_pieces;
  guint8       first_byte;    /* of the have-bitfield, 0 if none */
  gboolean     has_pieces;
} StatusCopy;

static void
event_free (Event *ev)
{
  g_free (ev->error);
  g_free (ev->info_hash);
  g_clear_pointer (&ev->data, g_bytes_unref);
  g_clear_pointer (&ev->statuses, g_array_unref);
  g_clear_pointer (&ev->file_progress, g_array_unref);
  g_free (ev);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Event, event_free)

typedef struct {
  TsLtSession *session;
  GQueue       events;
  int          woken;     /* atomic: a pump is queued */
  int          notified;  /* atomic: notify calls */
  int          port;
} Harness;

static void
on_event (const TsLtEvent *event, void *user_data)
{
  Harness *h = user_data;
  Event *ev = g_new0 (Event, 1);

  ev->type = event->type;
  ev->torrent = event->torrent;
  ev->cookie = event->cookie;
  ev->error = g_strdup (event->error);
  ev->info_hash = g_strdup (event->info_hash);
  ev->piece = event->piece;
  ev->port = event->port;
  if (event->data)
    ev->data = g_bytes_new (event->data, event->len);
  if (event->statuses)
    {
      ev->statuses = g_array_new (FALSE, TRUE, sizeof (StatusCopy));
      for (int i = 0; i < event->n_statuses; i++)
        {
          const TsLtStatus *st = &event->statuses[i];
          StatusCopy copy = {
            .torrent = st->torrent,
            .state = st->state,
            .has_metadata = st->has_metadata,
            .total_done = st->total_done,
            .total_size = st->total_size,
            .num_pieces = st->num_pieces,
            .first_byte = st->pieces ? st->pieces[0] : 0,
            .has_pieces = st->pieces != NULL,
          };
          g_array_append_val (ev->statuses, copy);
        }
    }
  if (event->file_progress)
    {
      ev->file_progress = g_array_new (FALSE, TRUE, sizeof (gint64));
      g_array_append_vals (ev->file_progress, event->file_progress, event->n_files);
    }
  if (event->type == TS_LT_EVENT_LISTEN && event->port > 0)
    h->port = event->port;
  g_queue_push_tail (&h->events, ev);
}

static gboolean
pump_cb (gpointer data)
{
  Harness *h = data;

  g_atomic_int_set (&h->woken, 0);
  if (h->session)
    ts_lt_session_pop_events (h->session, on_event, h);
  return G_SOURCE_REMOVE;
}

/* libtorrent's threads: only wake the main loop. */
static void
notify_cb (void *data)
{
  Harness *h = data;

  g_atomic_int_inc (&h->notified);
  if (g_atomic_int_compare_and_exchange (&h->woken, 0, 1))
    g_idle_add (pump_cb, h);
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static Event *
take_event (Harness *h, TsLtEventType type, TsLtEventType other, TsLtTorrent *torrent)
{
  for (GList *l = h->events.head; l; l = l->next)
    {
      Event *ev = l->data;

      if ((ev->type == type || ev->type == other) && (!torrent || ev->torrent == torrent))
        {
          g_queue_delete_link (&h->events, l);
          return ev;
        }
    }
  return NULL;
}

/* The first event of @type or @other (for @torrent unless NULL), waiting up
 * to WAIT_SECONDS; fails the test on timeout. */
static Event *
wait_event2 (Harness *h, TsLtEventType type, TsLtEventType other, TsLtTorrent *torrent)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, flag_cb, &timed_out);
  Event *ev;

  while (!(ev = take_event (h, type, other, torrent)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  if (!ev)
    g_error ("timed out waiting for event %d", type);
  return ev;
}

static Event *
wait_event (Harness *h, TsLtEventType type, TsLtTorrent *torrent)
{
  return wait_event2 (h, type, type, torrent);
}

static void
run_loop_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
drop_events (Harness *h)
{
  g_queue_clear_full (&h->events, (GDestroyNotify) event_free);
}

static TsLtSettings
loopback_settings (void)
{
  TsLtSettings s = {
    .listen_interfaces = "127.0.0.1:0",
    .outgoing_interfaces = NULL,
    .enable_dht = false,
    .enable_lsd = false,
    .enable_upnp = false,
    .enable_natpmp = false,
    .encryption = TS_LT_ENCRYPTION_PREFERRED,
  };
  return s;
}

/* Starts a session and waits for its listen port. */
static void
harness_start (Harness *h, const void *state, gsize state_len)
{
  TsLtSettings s = loopback_settings ();
  g_autoptr (Event) listen = NULL;

  memset (h, 0, sizeof *h);
  g_queue_init (&h->events);
  h->session = ts_lt_session_new (&s, state, state_len, notify_cb, h);
  g_assert_nonnull (h->session);
  listen = wait_event (h, TS_LT_EVENT_LISTEN, NULL);
  g_assert_null (listen->error);
  g_assert_cmpint (listen->port, >, 0);
  g_assert_cmpint (h->port, ==, listen->port);
}

static gpointer
free_session_thread (gpointer data)
{
  ts_lt_session_free (data);
  return NULL;
}

static gpointer
save_state_thread (gpointer data)
{
  gsize len = 0;
  void *buf = ts_lt_session_save_state (data, &len);

  g_assert_nonnull (buf);
  return g_bytes_new_take (buf, len);
}

/* Tears the session down on a worker thread, as documented. */
static void
harness_stop (Harness *h)
{
  TsLtSession *session = g_steal_pointer (&h->session);

  g_thread_join (g_thread_new ("lt-free", free_session_thread, session));
  /* A pump may still be queued; it sees no session and returns. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  drop_events (h);
}

/* Adds @params and returns the new torrent (after ADD_FINISHED). */
static TsLtTorrent *
add_and_wait (Harness *h, TsLtAddParams *params, guint64 cookie)
{
  g_autoptr (Event) ev = NULL;

  ts_lt_session_add (h->session, params, cookie);
  ev = wait_event (h, TS_LT_EVENT_ADD_FINISHED, NULL);
  g_assert_cmpuint (ev->cookie, ==, cookie);
  g_assert_null (ev->error);
  g_assert_nonnull (ev->torrent);
  return ev->torrent;
}

/* Polls status updates until @torrent reports @state. */
static StatusCopy
wait_state (Harness *h, TsLtTorrent *torrent, int state)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (Event) ev = NULL;

      ts_lt_torrent_post_status (torrent);
      ev = wait_event (h, TS_LT_EVENT_STATUS, NULL);
      for (guint i = 0; i < ev->statuses->len; i++)
        {
          StatusCopy st = g_array_index (ev->statuses, StatusCopy, i);
          if (st.torrent == torrent && st.state == state)
            return st;
        }
      run_loop_ms (100);
    }
  g_error ("timed out waiting for state %d", state);
}

typedef struct {
  TsLtTorrent *torrent;
  int          first, last;
  gboolean     result;
} HaveRange;

static gpointer
have_range_thread (gpointer data)
{
  HaveRange *r = data;

  r->result = ts_lt_torrent_have_range (r->torrent, r->first, r->last);
  return NULL;
}

static gboolean
have_range (TsLtTorrent *torrent, int first, int last)
{
  HaveRange r = { torrent, first, last, FALSE };

  g_thread_join (g_thread_new ("lt-have", have_range_thread, &r));
  return r.result;
}

/* Tests ------------------------------------------------------------------------ */

static void
test_version (void)
{
  g_assert_true (g_str_has_prefix (ts_lt_version (), "2."));
}

static void
assert_magnet_fails (const char *uri, const char *expected)
{
  char *error = NULL;
  TsLtAddParams *params = ts_lt_add_params_from_magnet (uri, &error);

  g_assert_null (params);
  g_assert_nonnull (error);
  if (!strstr (error, expected))
    g_error ("magnet \"%s\": message \"%s\" lacks \"%s\"", uri, error, expected);
  free (error);
}

static void
test_magnet_bad (void)
{
  assert_magnet_fails ("magnet:?dn=Some+Film&tr=http%3A%2F%2F127.0.0.1%2Fannounce", "no info-hash");
  assert_magnet_fails ("magnet:?", "no info-hash");
  assert_magnet_fails ("hello world", "not a magnet link");
  assert_magnet_fails ("http://127.0.0.1/film.torrent", "not a magnet link");
  assert_magnet_fails ("", "not a magnet link");
  assert_magnet_fails ("magnet:?xt=urn:btih:not-a-hash", "magnet link");
}

static void
test_magnet_good (void)
{
  const char *hex = "0123456789abcdef0123456789abcdef01234567";
  g_autofree char *uri = g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=Some+Film", hex);
  g_autofree char *upper = g_ascii_strup (hex, -1);
  g_autofree char *bare_uri = g_strdup_printf ("magnet:?xt=urn:btih:%s", upper);
  char *error = NULL;
  TsLtAddParams *params;
  char *s;

  params = ts_lt_add_params_from_magnet (uri, &error);
  g_assert_null (error);
  g_assert_nonnull (params);
  s = ts_lt_add_params_get_info_hash (params);
  g_assert_cmpstr (s, ==, hex);
  free (s);
  s = ts_lt_add_params_get_name (params);
  g_assert_cmpstr (s, ==, "Some Film");
  free (s);

  g_assert_null (ts_lt_add_params_get_save_path (params));
  ts_lt_add_params_set_save_path (params, "/tmp/films");
  g_assert_cmpstr (ts_lt_add_params_get_save_path (params), ==, "/tmp/films");

  g_assert_true (ts_lt_add_params_add_peer (params, "127.0.0.1:6881"));
  g_assert_true (ts_lt_add_params_add_peer (params, "[::1]:6881"));
  g_assert_false (ts_lt_add_params_add_peer (params, "127.0.0.1"));
  g_assert_false (ts_lt_add_params_add_peer (params, "127.0.0.1:0"));
  g_assert_false (ts_lt_add_params_add_peer (params, "127.0.0.1:70000"));
  g_assert_false (ts_lt_add_params_add_peer (params, "127.0.0.1:80x"));
  g_assert_false (ts_lt_add_params_add_peer (params, "localhost:80"));
  g_assert_false (ts_lt_add_params_add_peer (params, "::1:80"));
  g_assert_false (ts_lt_add_params_add_peer (params, NULL));
  ts_lt_add_params_free (params);

  /* Upper-case hex, no dn=: the hash comes back in lower case, no name. */
  params = ts_lt_add_params_from_magnet (bare_uri, &error);
  g_assert_null (error);
  g_assert_nonnull (params);
  s = ts_lt_add_params_get_info_hash (params);
  g_assert_cmpstr (s, ==, hex);
  free (s);
  s = ts_lt_add_params_get_name (params);
  g_assert_cmpstr (s, ==, "");
  free (s);
  ts_lt_add_params_free (params);
}

static void
assert_torrent_fails (const void *data, gsize len, const char *expected)
{
  char *error = NULL;
  TsLtAddParams *params = ts_lt_add_params_from_torrent_data (data, len, &error);

  g_assert_null (params);
  g_assert_nonnull (error);
  if (!strstr (error, expected))
    g_error ("message \"%s\" lacks \"%s\"", error, expected);
  free (error);
}

#define assert_torrent_string_fails(s, expected) assert_torrent_fails (s, strlen (s), expected)

static void
test_torrent_bad (void)
{
  Fixture f;
  gsize len;
  const char *data;

  fixture_init (&f);
  data = g_bytes_get_data (f.torrent, &len);

  assert_torrent_fails ("", 0, "empty");
  assert_torrent_fails (NULL, 0, "empty");
  assert_torrent_string_fails ("<!DOCTYPE html><html><body>Not found</body></html>", "web page");
  assert_torrent_string_fails ("\xef\xbb\xbf\r\n  <html><head>", "web page");
  assert_torrent_string_fails ("Just some text, no torrent here.", "not a .torrent file");
  assert_torrent_string_fails ("i42e", "not a .torrent file");
  assert_torrent_fails (data, len / 2, "damaged or truncated");
  assert_torrent_fails (data, len - 1, "damaged or truncated");
  assert_torrent_string_fails ("d8:announce27:http://127.0.0.1:1/announcee", "no 'info' dictionary");
  assert_torrent_string_fails ("d4:infoi1ee", "no 'info' dictionary");
  /* An info dictionary without pieces: libtorrent's own reason follows. */
  assert_torrent_string_fails ("d4:infod6:lengthi10e4:name1:a12:piece lengthi16384eee", "invalid");

  fixture_clear (&f);
}

static void
test_torrent_good (void)
{
  Fixture f;
  char *error = NULL;
  TsLtAddParams *params;
  char *s;

  fixture_init (&f);
  params = params_from_bytes (f.torrent, &error);
  g_assert_null (error);
  g_assert_nonnull (params);
  s = ts_lt_add_params_get_info_hash (params);
  g_assert_cmpstr (s, ==, f.info_hash);
  free (s);
  s = ts_lt_add_params_get_name (params);
  g_assert_cmpstr (s, ==, FILE_NAME);
  free (s);
  ts_lt_add_params_free (params);
  fixture_clear (&f);
}

static void
test_resume_bad (void)
{
  static const char *const inputs[] = { "", "garbage", "d3:fooi1ee", "<html>" };

  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      char *error = NULL;
      TsLtAddParams *params =
        ts_lt_add_params_from_resume_data (inputs[i], strlen (inputs[i]), &error);

      g_assert_null (params);
      g_assert_nonnull (error);
      g_assert_true (strstr (error, "saved download state") != NULL);
      free (error);
    }
}

static void
assert_map (TsLtTorrent *t, int file, gint64 offset, gint64 len, int first, int last)
{
  int a = -1, b = -1;

  g_assert_true (ts_lt_torrent_map_file_range (t, file, offset, len, &a, &b));
  g_assert_cmpint (a, ==, first);
  g_assert_cmpint (b, ==, last);
}

/* One session through its whole life: listen, add, metadata, status,
 * duplicate add, resume data round trip, removal, state round trip. */
static void
test_session_lifecycle (void)
{
  Fixture f;
  Harness h;
  TsLtTorrent *t;
  TsLtSettings settings = loopback_settings ();
  g_autoptr (Event) ev = NULL;
  g_autoptr (GBytes) resume = NULL;
  g_autoptr (GBytes) state = NULL;
  TsLtAddParams *params;
  char *error = NULL;
  char *s;
  StatusCopy st;
  const guint8 *prios;
  int n = -1;
  guint8 low = 2;

  fixture_init (&f);
  harness_start (&h, NULL, 0);
  ts_lt_session_apply_settings (h.session, &settings);

  params = params_from_bytes (f.torrent, &error);
  g_assert_nonnull (params);
  ts_lt_add_params_set_save_path (params, f.seed_dir);
  t = add_and_wait (&h, params, 42);
  g_assert_cmpstr (ts_lt_torrent_get_info_hash (t), ==, f.info_hash);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_METADATA, t);

  ts_lt_torrent_set_user_data (t, &h);
  g_assert_true (ts_lt_torrent_get_user_data (t) == &h);
  g_assert_true (ts_lt_torrent_has_metadata (t));
  g_assert_cmpstr (ts_lt_torrent_get_name (t), ==, FILE_NAME);
  g_assert_cmpstr (ts_lt_torrent_get_save_path (t), ==, f.seed_dir);
  g_assert_cmpint (ts_lt_torrent_get_n_files (t), ==, 1);
  g_assert_cmpstr (ts_lt_torrent_get_file_path (t, 0), ==, FILE_NAME);
  g_assert_null (ts_lt_torrent_get_file_path (t, 1));
  g_assert_cmpint (ts_lt_torrent_get_file_size (t, 0), ==, FILE_LEN);
  g_assert_cmpint (ts_lt_torrent_get_file_offset (t, 0), ==, 0);
  g_assert_false (ts_lt_torrent_get_file_is_pad (t, 0));
  g_assert_cmpint (ts_lt_torrent_get_num_pieces (t), ==, 3);
  g_assert_cmpint (ts_lt_torrent_get_piece_length (t), ==, PIECE_LEN);
  g_assert_cmpint (ts_lt_torrent_get_piece_size (t, 0), ==, PIECE_LEN);
  g_assert_cmpint (ts_lt_torrent_get_piece_size (t, 2), ==, FILE_LEN - 2 * PIECE_LEN);
  g_assert_cmpint (ts_lt_torrent_get_piece_size (t, 3), ==, 0);

  assert_map (t, 0, 0, 1, 0, 0);
  assert_map (t, 0, PIECE_LEN - 1, 2, 0, 1);
  assert_map (t, 0, PIECE_LEN, PIECE_LEN, 1, 1);
  assert_map (t, 0, 0, FILE_LEN, 0, 2);
  assert_map (t, 0, FILE_LEN - 1, 1, 2, 2);
  g_assert_false (ts_lt_torrent_map_file_range (t, 0, FILE_LEN, 1, &n, &n));
  g_assert_false (ts_lt_torrent_map_file_range (t, 0, 0, FILE_LEN + 1, &n, &n));
  g_assert_false (ts_lt_torrent_map_file_range (t, 0, 0, 0, &n, &n));
  g_assert_false (ts_lt_torrent_map_file_range (t, 0, -1, 1, &n, &n));
  g_assert_false (ts_lt_torrent_map_file_range (t, 1, 0, 1, &n, &n));

  /* The data is on disk: the check makes it a seed with every piece. */
  st = wait_state (&h, t, TS_LT_STATE_SEEDING);
  g_assert_true (st.has_metadata);
  g_assert_true (st.has_pieces);
  g_assert_cmpint (st.num_pieces, ==, 3);
  g_assert_cmphex (st.first_byte, ==, 0xe0);
  g_assert_cmpint (st.total_done, ==, FILE_LEN);
  g_assert_cmpint (st.total_size, ==, FILE_LEN);
  g_assert_true (have_range (t, 0, 2));
  g_assert_false (have_range (t, 0, 3));
  g_assert_false (have_range (t, 2, 1));

  ts_lt_torrent_post_file_progress (t);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_FILE_PROGRESS, t);
  g_assert_cmpuint (ev->file_progress->len, ==, 1);
  g_assert_cmpint (g_array_index (ev->file_progress, gint64, 0), ==, FILE_LEN);

  /* Streaming calls on a seed, and bad indices, must be harmless. */
  {
    const int pieces[] = { 1, 99, -1 }, due[] = { 500, 500, 500 };

    ts_lt_torrent_set_piece_deadlines (t, pieces, due, 3, pieces, 3, 0);
    ts_lt_torrent_set_piece_deadlines (t, pieces, due, 3, NULL, 0, -1);
  }
  ts_lt_torrent_reset_piece_deadline (t, 1);
  ts_lt_torrent_clear_piece_deadlines (t);
  ts_lt_torrent_set_piece_priority (t, 0, 7);
  ts_lt_torrent_set_piece_priority (t, -1, 7);
  ts_lt_torrent_set_upload_limit (t, 0);
  ts_lt_torrent_set_download_limit (t, 100000);
  ts_lt_torrent_set_file_priorities (t, &low, 1);
  g_assert_true (ts_lt_torrent_connect_peer (t, "127.0.0.1:9"));
  g_assert_false (ts_lt_torrent_connect_peer (t, "nowhere"));

  /* Adding it again is an error; the first torrent stays. */
  params = params_from_bytes (f.torrent, &error);
  ts_lt_add_params_set_save_path (params, f.seed_dir);
  ts_lt_session_add (h.session, params, 43);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_ADD_FINISHED, NULL);
  g_assert_cmpuint (ev->cookie, ==, 43);
  g_assert_null (ev->torrent);
  g_assert_cmpstr (ev->error, ==, "This torrent is already in the list");
  g_assert_cmpstr (ev->info_hash, ==, f.info_hash);

  /* Resume data round trip.  The file priority set above lands
   * asynchronously and marks the torrent modified: save until libtorrent
   * says "not modified" (which is not an error) and keep the newest data. */
  ts_lt_torrent_save_resume_data (t, false);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_RESUME_DATA, t);
  g_assert_nonnull (ev->data);
  resume = g_bytes_ref (ev->data);
  for (int i = 0; ; i++)
    {
      g_assert_cmpint (i, <, 10);
      ts_lt_torrent_save_resume_data (t, true);
      g_clear_pointer (&ev, event_free);
      ev = wait_event2 (&h, TS_LT_EVENT_RESUME_DATA_FAILED, TS_LT_EVENT_RESUME_DATA, t);
      if (ev->type == TS_LT_EVENT_RESUME_DATA_FAILED)
        break;
      g_bytes_unref (resume);
      resume = g_bytes_ref (ev->data);
    }
  g_assert_null (ev->error);

  params = ts_lt_add_params_from_resume_data (g_bytes_get_data (resume, NULL),
                                              g_bytes_get_size (resume), &error);
  g_assert_null (error);
  g_assert_nonnull (params);
  s = ts_lt_add_params_get_info_hash (params);
  g_assert_cmpstr (s, ==, f.info_hash);
  free (s);
  s = ts_lt_add_params_get_name (params);
  g_assert_cmpstr (s, ==, FILE_NAME);
  free (s);
  g_assert_cmpstr (ts_lt_add_params_get_save_path (params), ==, f.seed_dir);

  /* Removal: REMOVED, then every call on the dead torrent is a no-op. */
  ts_lt_torrent_remove (t, false);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_REMOVED, t);
  g_assert_cmpstr (ev->info_hash, ==, f.info_hash);
  ts_lt_torrent_pause (t);
  ts_lt_torrent_resume (t);
  ts_lt_torrent_force_recheck (t);
  {
    const int piece = 0, due = 100;

    ts_lt_torrent_set_piece_deadlines (t, &piece, &due, 1, NULL, 0, 0);
  }
  ts_lt_torrent_save_resume_data (t, false);
  ts_lt_torrent_post_status (t);
  ts_lt_torrent_post_file_progress (t);
  ts_lt_torrent_remove (t, true);
  g_assert_false (ts_lt_torrent_connect_peer (t, "127.0.0.1:9"));
  g_assert_false (have_range (t, 0, 0));
  g_assert_cmpint (ts_lt_torrent_get_num_pieces (t), ==, 3);
  ts_lt_torrent_free (t);
  /* A new torrent may get the same address: forget the old one's events. */
  drop_events (&h);

  /* Back from the resume data, with its metadata. */
  t = add_and_wait (&h, params, 44);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_METADATA, t);
  g_assert_cmpstr (ts_lt_torrent_get_info_hash (t), ==, f.info_hash);
  g_assert_cmpstr (ts_lt_torrent_get_name (t), ==, FILE_NAME);
  g_assert_cmpstr (ts_lt_torrent_get_save_path (t), ==, f.seed_dir);
  wait_state (&h, t, TS_LT_STATE_SEEDING);
  ts_lt_torrent_force_recheck (t);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_CHECKED, t);
  ts_lt_torrent_remove (t, false);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_REMOVED, t);
  ts_lt_torrent_free (t);
  drop_events (&h);

  /* File priorities of resume data are handed back as they were. (A
   * hand-made file: when libtorrent records a priority change is its
   * business.) */
  g_clear_pointer (&resume, g_bytes_unref);
  resume = build_resume (&f, low);
  params = ts_lt_add_params_from_resume_data (g_bytes_get_data (resume, NULL),
                                              g_bytes_get_size (resume), &error);
  g_assert_null (error);
  t = add_and_wait (&h, params, 45);
  prios = ts_lt_torrent_get_initial_file_priorities (t, &n);
  g_assert_cmpint (n, ==, 1);
  g_assert_nonnull (prios);
  g_assert_cmpint (prios[0], ==, low);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_METADATA, t);
  ts_lt_torrent_remove (t, false);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_REMOVED, t);
  ts_lt_torrent_free (t);

  /* The data was kept. */
  {
    g_autofree char *path = g_build_filename (f.seed_dir, FILE_NAME, NULL);
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  }

  /* Session state round trip (blocking call: worker thread). */
  state = g_thread_join (g_thread_new ("lt-state", save_state_thread, h.session));
  g_assert_cmpuint (g_bytes_get_size (state), >, 2);
  g_assert_cmpint (((const char *) g_bytes_get_data (state, NULL))[0], ==, 'd');
  harness_stop (&h);

  harness_start (&h, g_bytes_get_data (state, NULL), g_bytes_get_size (state));
  harness_stop (&h);
  /* Unreadable state only loses the DHT nodes. */
  harness_start (&h, "not bencode", 11);
  harness_stop (&h);

  fixture_clear (&f);
}

/* pause_all() pauses every torrent and detaches the notify callback (the
 * alerts wait until popped); resume_all() undoes both. */
static void
test_session_pause_all (void)
{
  Fixture f;
  Harness h;
  TsLtTorrent *t;
  TsLtAddParams *params;
  g_autoptr (Event) ev = NULL;
  int notified;

  fixture_init (&f);
  harness_start (&h, NULL, 0);
  params = params_from_bytes (f.torrent, NULL);
  ts_lt_add_params_set_save_path (params, f.seed_dir);
  t = add_and_wait (&h, params, 3);
  wait_state (&h, t, TS_LT_STATE_SEEDING);
  drop_events (&h);

  /* Once pause_all() returned, libtorrent cannot call the old callback. */
  ts_lt_session_pause_all (h.session);
  notified = g_atomic_int_get (&h.notified);
  run_loop_ms (500);
  g_assert_cmpint (g_atomic_int_get (&h.notified), ==, notified);
  pump_cb (&h);
  ev = take_event (&h, TS_LT_EVENT_PAUSED, TS_LT_EVENT_PAUSED, t);
  g_assert_nonnull (ev);

  ts_lt_session_resume_all (h.session);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&h, TS_LT_EVENT_RESUMED, t);

  ts_lt_torrent_free (t);
  harness_stop (&h);
  fixture_clear (&f);
}

/* A torrent whose save path is a file cannot work: ERROR, with a reason. */
static void
test_session_error (void)
{
  Fixture f;
  Harness h;
  TsLtTorrent *t;
  TsLtAddParams *params;
  g_autoptr (Event) ev = NULL;
  g_autofree char *file = NULL;

  fixture_init (&f);
  harness_start (&h, NULL, 0);
  params = params_from_bytes (f.torrent, NULL);
  file = g_build_filename (f.seed_dir, FILE_NAME, NULL);
  ts_lt_add_params_set_save_path (params, file);
  t = add_and_wait (&h, params, 7);
  ev = wait_event (&h, TS_LT_EVENT_ERROR, t);
  g_assert_nonnull (ev->error);
  g_test_message ("error: %s", ev->error);
  g_assert_true (strstr (ev->error, "Not a directory") != NULL);
  ts_lt_torrent_free (t);
  harness_stop (&h);
  fixture_clear (&f);
}

/* A magnet with a peer: the metadata and the data come from a second
 * session on loopback. */
static void
test_session_magnet (void)
{
  Fixture f;
  Harness seeder, leecher;
  TsLtTorrent *seed, *t;
  TsLtAddParams *params;
  g_autoptr (Event) ev = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *peer = NULL;
  g_autofree char *leech_dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *downloaded = NULL;
  gsize downloaded_len = 0;
  char *error = NULL;

  fixture_init (&f);
  harness_start (&seeder, NULL, 0);
  harness_start (&leecher, NULL, 0);

  params = params_from_bytes (f.torrent, &error);
  ts_lt_add_params_set_save_path (params, f.seed_dir);
  seed = add_and_wait (&seeder, params, 1);
  wait_state (&seeder, seed, TS_LT_STATE_SEEDING);

  /* Paused/resumed are reported. */
  ts_lt_torrent_pause (seed);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&seeder, TS_LT_EVENT_PAUSED, seed);
  ts_lt_torrent_resume (seed);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&seeder, TS_LT_EVENT_RESUMED, seed);

  leech_dir = g_build_filename (g_get_user_data_dir (), "leech", NULL);
  g_assert_cmpint (g_mkdir_with_parents (leech_dir, 0700), ==, 0);
  uri = g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=%s", f.info_hash, FILE_NAME);
  params = ts_lt_add_params_from_magnet (uri, &error);
  g_assert_nonnull (params);
  ts_lt_add_params_set_save_path (params, leech_dir);
  peer = g_strdup_printf ("127.0.0.1:%d", seeder.port);
  g_assert_true (ts_lt_add_params_add_peer (params, peer));
  t = add_and_wait (&leecher, params, 2);
  g_assert_cmpstr (ts_lt_torrent_get_name (t), ==, FILE_NAME);

  /* METADATA only after the metadata arrived; then the cache is filled. */
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&leecher, TS_LT_EVENT_METADATA, t);
  g_assert_true (ts_lt_torrent_has_metadata (t));
  g_assert_cmpint (ts_lt_torrent_get_n_files (t), ==, 1);
  g_assert_cmpint (ts_lt_torrent_get_file_size (t, 0), ==, FILE_LEN);
  assert_map (t, 0, PIECE_LEN * 2, 1, 2, 2);

  g_clear_pointer (&ev, event_free);
  ev = wait_event (&leecher, TS_LT_EVENT_FINISHED, t);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&leecher, TS_LT_EVENT_PIECE_FINISHED, t);
  g_assert_cmpint (ev->piece, >=, 0);
  g_assert_cmpint (ev->piece, <, 3);
  /* Hashed pieces may still be on their way to the disk. */
  for (int i = 0; !have_range (t, 0, 2); i++)
    {
      g_assert_cmpint (i, <, WAIT_SECONDS * 10);
      run_loop_ms (100);
    }

  path = g_build_filename (leech_dir, FILE_NAME, NULL);
  g_assert_true (g_file_get_contents (path, &downloaded, &downloaded_len, NULL));
  g_assert_cmpmem (downloaded, downloaded_len, f.content, FILE_LEN);

  /* Removing with the files: FILES_DELETED follows REMOVED. */
  ts_lt_torrent_remove (t, true);
  g_clear_pointer (&ev, event_free);
  ev = wait_event (&leecher, TS_LT_EVENT_REMOVED, t);
  ts_lt_torrent_free (t);
  g_clear_pointer (&ev, event_free);
  /* Matched by info-hash: the torrent may be freed by now. */
  ev = wait_event (&leecher, TS_LT_EVENT_FILES_DELETED, NULL);
  g_assert_null (ev->error);
  g_assert_cmpstr (ev->info_hash, ==, f.info_hash);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* The seed is left in the session: freeing it after the session is safe. */
  harness_stop (&leecher);
  harness_stop (&seeder);
  ts_lt_torrent_pause (seed);
  ts_lt_torrent_free (seed);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/lt/version", test_version);
  g_test_add_func ("/lt/magnet/bad", test_magnet_bad);
  g_test_add_func ("/lt/magnet/good", test_magnet_good);
  g_test_add_func ("/lt/torrent/bad", test_torrent_bad);
  g_test_add_func ("/lt/torrent/good", test_torrent_good);
  g_test_add_func ("/lt/resume/bad", test_resume_bad);
  g_test_add_func ("/lt/session/lifecycle", test_session_lifecycle);
  g_test_add_func ("/lt/session/pause-all", test_session_pause_all);
  g_test_add_func ("/lt/session/error", test_session_error);
  g_test_add_func ("/lt/session/magnet", test_session_magnet);

  return g_test_run ();
}
