/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine against real peers on loopback: a python3-libtorrent seeder,
 * Debian's opentracker and a SoupServer web seed (tests/lib/tsswarm.py,
 * tests/lib/ts-test-util.c), plus the real `torrentstream --headless`
 * binary for the crash test. Every wait is bounded (CASE_TIMEOUT_S). */
#define G_LOG_DOMAIN "test-swarm"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "ts-session.h"
#include "ts-test-util.h"
#include "ts-torrent-file.h"
#include "ts-torrent.h"

#define MIB               (1024 * 1024)
#define CASE_TIMEOUT_S    120
#define ADD_TIMEOUT_S     30

/* Session fixture --------------------------------------------------------- */

typedef struct {
  GSettings  *settings;
  TsSession  *session;
  char       *state_dir;
  char       *download_dir;
  guint       n_finished;
  guint       n_removed;
  gpointer    weak[8];     /* torrents we saw: they must die with the session */
  guint       n_weak;
} TestSession;

static void
on_torrent_finished (TsSession   *session,
                     TsTorrent   *torrent,
                     TestSession *ts)
{
  ts->n_finished++;
}

static void
on_torrent_removed (TsSession   *session,
                    TsTorrent   *torrent,
                    TestSession *ts)
{
  ts->n_removed++;
}

static void
test_session_watch (TestSession *ts,
                    TsTorrent   *torrent)
{
  for (guint i = 0; i < ts->n_weak; i++)
    if (ts->weak[i] == torrent)
      return;
  g_assert_cmpuint (ts->n_weak, <, G_N_ELEMENTS (ts->weak));
  ts->weak[ts->n_weak] = torrent;
  g_object_add_weak_pointer (G_OBJECT (torrent), &ts->weak[ts->n_weak]);
  ts->n_weak++;
}

/* A started session on private dirs: state in $XDG_DATA_HOME/torrentstream
 * (as the app), downloads in $HOME/Downloads unless @download_dir is given
 * ("" keeps the schema default, as the headless binary sees it). */
static TestSession *
test_session_new (const char *download_dir)
{
  TestSession *ts = g_new0 (TestSession, 1);
  g_autoptr(GError) error = NULL;

  ts->state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);
  if (download_dir == NULL)
    ts->download_dir = g_build_filename (g_get_home_dir (), "Downloads", NULL);
  else
    ts->download_dir = g_strdup (download_dir);

  ts->settings = g_settings_new (APP_ID);
  g_settings_set_string (ts->settings, "download-folder", ts->download_dir);
  g_settings_set_int (ts->settings, "listen-port", 0);
  g_settings_set_boolean (ts->settings, "enable-dht", FALSE);
  g_settings_set_boolean (ts->settings, "enable-lsd", FALSE);
  g_settings_set_boolean (ts->settings, "enable-upnp", FALSE);
  g_settings_set_boolean (ts->settings, "enable-natpmp", FALSE);

  ts->session = ts_session_new (ts->settings, ts->state_dir);
  ts_session_set_loopback_only (ts->session, TRUE);
  g_signal_connect (ts->session, "torrent-finished", G_CALLBACK (on_torrent_finished), ts);
  g_signal_connect (ts->session, "torrent-removed", G_CALLBACK (on_torrent_removed), ts);
  ts_session_start (ts->session, &error);
  g_assert_no_error (error);

  return ts;
}

/* Shuts down and checks that the session, its torrents and the settings
 * are all finalized. */
static void
test_session_free (TestSession *ts)
{
  ts_session_shutdown_sync (ts->session);
  g_signal_handlers_disconnect_by_data (ts->session, ts);
  g_assert_finalize_object (ts->session);
  for (guint i = 0; i < ts->n_weak; i++)
    g_assert_null (ts->weak[i]);
  g_assert_finalize_object (ts->settings);
  g_free (ts->state_dir);
  g_free (ts->download_dir);
  g_free (ts);
}

static TsTorrent *
add_torrent (TestSession *ts,
             const char  *source)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TsTorrent *torrent;

  ts_session_add_async (ts->session, source, NULL, ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, ADD_TIMEOUT_S);
  torrent = ts_session_add_finish (ts->session, result, &error);
  g_assert_no_error (error);
  g_assert_true (TS_IS_TORRENT (torrent));
  test_session_watch (ts, torrent);
  return torrent;
}

static void
add_peer (TsTorrent   *torrent,
          TsTestSwarm *swarm)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ts_torrent_add_peer (torrent, swarm->peer, &error));
  g_assert_no_error (error);
}

/* Waits ------------------------------------------------------------------- */

typedef struct {
  TsTorrent *torrent;
  gint64     next_log;
} Progress;

static void
log_progress (Progress *p)
{
  gint64 now = g_get_monotonic_time ();

  if (now < p->next_log)
    return;
  p->next_log = now + 5 * G_USEC_PER_SEC;
  g_test_message ("%s: %s, %.1f %%, %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                  " B, %u peers, %" G_GINT64_FORMAT " B/s",
                  ts_torrent_get_name (p->torrent),
                  ts_torrent_state_to_string (ts_torrent_get_state (p->torrent)),
                  ts_torrent_get_progress (p->torrent) * 100.0,
                  ts_torrent_get_bytes_done (p->torrent), ts_torrent_get_size_wanted (p->torrent),
                  ts_torrent_get_peers (p->torrent), ts_torrent_get_download_rate (p->torrent));
}

static gboolean
torrent_complete (gpointer user_data)
{
  Progress *p = user_data;

  log_progress (p);
  return ts_torrent_has_metadata (p->torrent) && ts_torrent_get_progress (p->torrent) >= 1.0 &&
         ts_torrent_get_state (p->torrent) != TS_TORRENT_STATE_CHECKING;
}

static void
wait_complete (TsTorrent *torrent)
{
  Progress p = { torrent, 0 };

  ts_test_wait_for (torrent_complete, &p, CASE_TIMEOUT_S, "%s did not complete (%.1f %%, %s)",
                    ts_torrent_get_name (torrent), ts_torrent_get_progress (torrent) * 100.0,
                    ts_torrent_state_to_string (ts_torrent_get_state (torrent)));
}

static gboolean
torrent_has_metadata (gpointer user_data)
{
  return ts_torrent_has_metadata (user_data);
}

typedef struct {
  TsTorrent *torrent;
  gint64     bytes;
} BytesAbove;

static gboolean
bytes_done_above (gpointer user_data)
{
  BytesAbove *b = user_data;

  return ts_torrent_get_bytes_done (b->torrent) > b->bytes;
}

static void
wait_range (TsTorrent *torrent,
            guint      file_index,
            gint64     offset,
            gint64     length)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  ts_torrent_wait_range_async (torrent, file_index, offset, length, NULL,
                               ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, CASE_TIMEOUT_S);
  g_assert_true (ts_torrent_wait_range_finish (torrent, result, &error));
  g_assert_no_error (error);
}

/* Checks ------------------------------------------------------------------ */

static TsTestSwarmFile *
swarm_file (TsTestSwarm *swarm,
            guint        index)
{
  g_assert_cmpuint (index, <, swarm->files->len);
  return g_ptr_array_index (swarm->files, index);
}

static guint
find_file (TsTestSwarm *swarm,
           const char  *basename)
{
  for (guint i = 0; i < swarm->files->len; i++)
    if (g_str_has_suffix (swarm_file (swarm, i)->path, basename))
      return i;
  g_assert_not_reached ();
}

/* The file's path below the torrent's save path: the same as in the swarm. */
static char *
file_disk_path_checked (TsTorrent   *torrent,
                        guint        index,
                        TsTestSwarm *swarm)
{
  g_autoptr(TsTorrentFile) file = g_list_model_get_item (ts_torrent_get_files (torrent), index);
  g_autofree char *prefix = g_strconcat (ts_torrent_get_save_path (torrent), "/", NULL);
  char *disk = ts_torrent_file_dup_disk_path (file);

  g_assert_true (g_str_has_prefix (disk, prefix));
  g_assert_cmpstr (disk + strlen (prefix), ==, swarm_file (swarm, index)->path);
  return disk;
}

/* Every file the torrent wants is on disk, verified, and byte for byte the
 * seeder's copy. */
static void
assert_matches_swarm (TsTorrent   *torrent,
                      TsTestSwarm *swarm)
{
  GListModel *files = ts_torrent_get_files (torrent);

  g_assert_cmpstr (ts_torrent_get_info_hash (torrent), ==, swarm->info_hash);
  g_assert_cmpstr (ts_torrent_get_name (torrent), ==, swarm->name);
  g_assert_cmpuint (g_list_model_get_n_items (files), ==, swarm->files->len);
  g_assert_cmpuint (ts_torrent_get_num_pieces (torrent), ==, swarm->num_pieces);
  g_assert_cmpuint (ts_torrent_get_piece_length (torrent), ==, swarm->piece_length);

  for (guint i = 0; i < swarm->files->len; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);
      g_autofree char *disk = NULL;
      g_autofree char *source = NULL;

      g_assert_cmpuint (ts_torrent_file_get_index (file), ==, i);
      g_assert_cmpint (ts_torrent_file_get_size (file), ==, swarm_file (swarm, i)->size);
      if (ts_torrent_file_get_priority (file) == 0)
        continue;

      wait_range (torrent, i, 0, ts_torrent_file_get_size (file));
      disk = file_disk_path_checked (torrent, i, swarm);
      source = ts_test_swarm_source_path (swarm, swarm_file (swarm, i)->path);
      ts_test_assert_files_equal (source, disk);
    }
}

typedef struct {
  TsTorrentFile *file;
} FileDone;

static gboolean
file_bytes_complete (gpointer user_data)
{
  FileDone *f = user_data;

  return ts_torrent_file_get_bytes_done (f->file) == ts_torrent_file_get_size (f->file);
}

/* Cases ------------------------------------------------------------------- */

/* A multi-file torrent from the python seeder, peer added by hand. */
static void
test_download (void)
{
  TsTestSwarmOptions options = { .layout = "multi", .size = 12 * MIB, .seed = "dl" };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  TestSession *ts = test_session_new (NULL);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(TsTorrent) again = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *files;

  torrent = add_torrent (ts, swarm->torrent_path);
  g_assert_true (ts_torrent_has_metadata (torrent));
  g_assert_cmpstr (ts_torrent_get_info_hash (torrent), ==, swarm->info_hash);
  g_assert_true (ts_session_lookup (ts->session, swarm->info_hash) == torrent);

  /* Bad peers are refused with a message that says why. */
  g_assert_false (ts_torrent_add_peer (torrent, "not a peer", &error));
  g_assert_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_PEER);
  g_assert_nonnull (strstr (error->message, "not a peer"));
  g_clear_error (&error);

  add_peer (torrent, swarm);
  wait_complete (torrent);
  assert_matches_swarm (torrent, swarm);

  files = ts_torrent_get_files (torrent);
  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);
      FileDone f = { file };

      ts_test_wait_for (file_bytes_complete, &f, 10, "bytes-done of %s",
                        ts_torrent_file_get_path (file));
      g_assert_cmpfloat (ts_torrent_file_get_progress (file), ==, 1.0);
    }
  g_assert_cmpint (ts_torrent_get_size_wanted (torrent), ==, swarm->total_size);
  g_assert_cmpint (ts_test_swarm_get_uploaded (swarm), >=, swarm->total_size);
  g_assert_cmpuint (ts->n_finished, ==, 1);

  /* Adding it again gives the same object. */
  again = add_torrent (ts, swarm->magnet);
  g_assert_true (again == torrent);
  g_assert_cmpuint (g_list_model_get_n_items (ts_session_get_torrents (ts->session)), ==, 1);

  g_clear_object (&again);
  g_clear_object (&torrent);
  test_session_free (ts);
}

/* A magnet with x.pe: the metadata comes from the seeder (ut_metadata). */
static void
test_magnet (void)
{
  TsTestSwarmOptions options = { .layout = "multi", .size = 8 * MIB, .seed = "magnet" };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  TestSession *ts = test_session_new (NULL);
  g_autoptr(TsTorrent) torrent = NULL;

  g_assert_nonnull (strstr (swarm->magnet, "x.pe=127.0.0.1:"));
  torrent = add_torrent (ts, swarm->magnet);
  g_assert_cmpstr (ts_torrent_get_info_hash (torrent), ==, swarm->info_hash);

  ts_test_wait_for (torrent_has_metadata, torrent, CASE_TIMEOUT_S,
                    "no metadata from the seeder (state %s)",
                    ts_torrent_state_to_string (ts_torrent_get_state (torrent)));
  g_assert_cmpuint (g_list_model_get_n_items (ts_torrent_get_files (torrent)), ==, 4);
  wait_complete (torrent);
  assert_matches_swarm (torrent, swarm);

  g_clear_object (&torrent);
  test_session_free (ts);
}

typedef struct {
  TsTestSwarm *swarm;
  guint        wanted;
  gboolean     applied;
} PriorityData;

static void
on_metadata_set_priorities (TsTorrent    *torrent,
                            PriorityData *data)
{
  guint n = g_list_model_get_n_items (ts_torrent_get_files (torrent));
  g_autofree guint8 *prio = g_new0 (guint8, n);

  prio[data->wanted] = TS_FILE_PRIORITY_NORMAL;
  ts_torrent_set_file_priorities (torrent, prio, n);
  data->applied = TRUE;
}

static void
on_added_connect_metadata (TsSession    *session,
                           TsTorrent    *torrent,
                           PriorityData *data)
{
  g_signal_connect (torrent, "metadata-received", G_CALLBACK (on_metadata_set_priorities), data);
}

/* Only the wanted file downloads when priorities are set the moment the
 * metadata arrives. Pieces straddling files may bring a little of the
 * neighbours, nothing more. */
static void
test_priorities (void)
{
  TsTestSwarmOptions options = { .layout = "multi", .size = 12 * MIB, .seed = "prio",
                                 .rate = 64 * 1024 };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  TestSession *ts = test_session_new (NULL);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(TsTorrentFile) film = NULL;
  g_autoptr(TsTorrentFile) trailer = NULL;
  PriorityData data = { swarm, 0, FALSE };
  guint trailer_index = find_file (swarm, "/trailer.mkv");
  gint64 film_size = swarm_file (swarm, 0)->size;
  gint64 slack = 4 * (gint64) swarm->piece_length;
  FileDone f;

  g_assert_true (g_str_has_suffix (swarm_file (swarm, 0)->path, "/film.mp4"));

  /* Connected as the torrent appears, so no metadata can slip past. */
  g_signal_connect (ts->session, "torrent-added", G_CALLBACK (on_added_connect_metadata), &data);
  torrent = add_torrent (ts, swarm->magnet);
  g_signal_handlers_disconnect_by_func (ts->session, on_added_connect_metadata, &data);
  ts_test_wait_for (torrent_has_metadata, torrent, CASE_TIMEOUT_S, "no metadata");
  g_assert_true (data.applied);

  /* Throttled until the priorities were in place; now at full speed. */
  ts_test_swarm_set_rate (swarm, 0);

  film = g_list_model_get_item (ts_torrent_get_files (torrent), 0);
  trailer = g_list_model_get_item (ts_torrent_get_files (torrent), trailer_index);
  g_assert_cmpuint (ts_torrent_file_get_priority (film), ==, TS_FILE_PRIORITY_NORMAL);
  g_assert_cmpuint (ts_torrent_file_get_priority (trailer), ==, 0);

  wait_complete (torrent);
  assert_matches_swarm (torrent, swarm);
  f.file = film;
  ts_test_wait_for (file_bytes_complete, &f, 10, "bytes-done of the film");

  /* Let anything unwanted that was in flight land, then look. */
  ts_test_iterate_for (2000);
  g_test_message ("wanted %" G_GINT64_FORMAT " B; trailer has %" G_GINT64_FORMAT
                  " of %" G_GINT64_FORMAT " B; seeder sent %" G_GINT64_FORMAT " B",
                  ts_torrent_get_size_wanted (torrent), ts_torrent_file_get_bytes_done (trailer),
                  ts_torrent_file_get_size (trailer), ts_test_swarm_get_uploaded (swarm));
  g_assert_cmpint (ts_torrent_get_size_wanted (torrent), >=, film_size);
  g_assert_cmpint (ts_torrent_get_size_wanted (torrent), <=, film_size + slack);
  g_assert_cmpint (ts_torrent_file_get_bytes_done (trailer), <=, slack);
  g_assert_cmpint (ts_torrent_file_get_size (trailer), >, 10 * slack);
  g_assert_cmpint (ts_test_swarm_get_uploaded (swarm), <=, film_size + slack);
  g_assert_cmpint (ts_torrent_get_state (torrent), !=, TS_TORRENT_STATE_DOWNLOADING);

  g_clear_object (&film);
  g_clear_object (&trailer);
  g_clear_object (&torrent);
  test_session_free (ts);
}

/* The torrent announces to a local opentracker: no peer added by hand. */
static void
test_tracker (void)
{
  TsTestSwarmOptions options = { .layout = "multi", .size = 8 * MIB, .seed = "tracker",
                                 .tracker = TRUE };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  TestSession *ts = test_session_new (NULL);
  g_autoptr(TsTorrent) torrent = NULL;

  g_assert_nonnull (swarm->tracker_url);
  torrent = add_torrent (ts, swarm->torrent_path);
  wait_complete (torrent);
  assert_matches_swarm (torrent, swarm);

  g_clear_object (&torrent);
  test_session_free (ts);
}

/* BEP 19: no peers, no tracker, only the url-list pointing at a SoupServer. */
static void
test_webseed (void)
{
  TsTestSwarmOptions options = { .layout = "multi", .size = 8 * MIB, .seed = "web",
                                 .webseed = TRUE, .no_seeder = TRUE };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  TestSession *ts = test_session_new (NULL);
  g_autoptr(TsTorrent) torrent = NULL;

  g_assert_null (swarm->peer);
  g_assert_null (swarm->tracker_url);
  torrent = add_torrent (ts, swarm->torrent_path);
  wait_complete (torrent);
  assert_matches_swarm (torrent, swarm);
  g_test_message ("web seed: %u requests, %" G_GINT64_FORMAT " B",
                  ts_test_http_server_count_requests (swarm->http, NULL),
                  ts_test_http_server_get_bytes_sent (swarm->http));
  g_assert_cmpint (ts_test_http_server_get_bytes_sent (swarm->http), >=, swarm->total_size);

  g_clear_object (&torrent);
  test_session_free (ts);
}

/* Crash recovery ------------------------------------------------------------ */

typedef struct {
  GDataInputStream *lines;
  GCancellable     *cancellable;
  double            max_percent;
  gboolean          reading;
} HeadlessOutput;

static void read_next_line (HeadlessOutput *out);

static void
headless_line_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  HeadlessOutput *out = user_data;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                    NULL, NULL);
  out->reading = FALSE;
  if (line == NULL)
    return;

  g_test_message ("headless: %s", line);
  /* "[ 42.0%] name — state — ..." */
  if (line[0] == '[')
    {
      char *end = NULL;
      double percent = g_ascii_strtod (line + 1 + strspn (line + 1, " "), &end);

      if (end != NULL && *end == '%')
        out->max_percent = MAX (out->max_percent, percent);
    }
  read_next_line (out);
}

static void
read_next_line (HeadlessOutput *out)
{
  if (g_cancellable_is_cancelled (out->cancellable))
    return;
  out->reading = TRUE;
  g_data_input_stream_read_line_async (out->lines, G_PRIORITY_DEFAULT, out->cancellable,
                                       headless_line_cb, out);
}

static gboolean
not_reading (gpointer user_data)
{
  return !((HeadlessOutput *) user_data)->reading;
}

typedef struct {
  HeadlessOutput *out;
  const char     *resume_file;
  double          percent;
  gint64          mtime;         /* wait for a save newer than this, if > 0 */
} KillPoint;

static gint64
file_mtime_ns (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return 0;
  return (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec;
}

static gboolean
kill_point_reached (gpointer user_data)
{
  KillPoint *k = user_data;
  gint64 mtime = file_mtime_ns (k->resume_file);

  return mtime > 0 && mtime > k->mtime && k->out->max_percent > k->percent;
}

static gboolean
restored_and_checked (gpointer user_data)
{
  TestSession *ts = user_data;
  GListModel *torrents = ts_session_get_torrents (ts->session);
  g_autoptr(TsTorrent) torrent = NULL;
  TsTorrentState state;

  if (g_list_model_get_n_items (torrents) != 1)
    return FALSE;
  torrent = g_list_model_get_item (torrents, 0);
  state = ts_torrent_get_state (torrent);
  return ts_torrent_has_metadata (torrent) && ts_torrent_get_bytes_done (torrent) > 0 &&
         state != TS_TORRENT_STATE_CHECKING && state != TS_TORRENT_STATE_FETCHING_METADATA;
}

/* The real binary is killed with SIGKILL mid-download; a new session on the
 * same data dir restores the torrent with its verified pieces and finishes
 * it. */
static void
test_resume_after_kill (void)
{
  TsTestSwarmOptions options = { .layout = "single", .size = 16 * MIB, .seed = "crash",
                                 .rate = 512 * 1024, .tracker = TRUE };
  g_autofree char *binary = NULL;
  g_autofree char *state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);
  g_autofree char *resume_name = NULL;
  g_autofree char *resume_file = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) headless = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TsTorrent) torrent = NULL;
  HeadlessOutput out = { 0 };
  KillPoint kill_point;
  TsTestSwarm *swarm;
  TestSession *ts;
  gint64 restored_bytes;

  binary = g_build_filename (g_getenv ("TS_BUILD_ROOT") != NULL ? g_getenv ("TS_BUILD_ROOT") : ".",
                             "src", "torrentstream", NULL);
  if (!g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_fail_printf ("%s is missing: build the torrentstream target (meson test does)",
                          binary);
      return;
    }

  swarm = ts_test_swarm_start (&options);
  resume_name = g_strconcat (swarm->info_hash, ".resume", NULL);
  resume_file = g_build_filename (state_dir, "resume", resume_name, NULL);

  launcher = ts_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", g_get_user_state_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "TS_LOOPBACK_ONLY", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "TS_RESUME_SAVE_INTERVAL", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "TS_HEADLESS_INTERVAL", "0.5", TRUE);
  headless = g_subprocess_launcher_spawn (launcher, &error, binary, "--headless",
                                          swarm->torrent_path, NULL);
  g_assert_no_error (error);

  out.lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (headless));
  out.cancellable = g_cancellable_new ();
  read_next_line (&out);

  /* Past 30 %, and a resume save made after that. */
  kill_point = (KillPoint) { &out, resume_file, 30.0, 0 };
  ts_test_wait_for (kill_point_reached, &kill_point, CASE_TIMEOUT_S,
                    "headless never showed > 30 %% with %s written (last %.1f %%)",
                    resume_file, out.max_percent);
  kill_point.mtime = file_mtime_ns (resume_file);
  ts_test_wait_for (kill_point_reached, &kill_point, 30,
                    "%s was not saved again (TS_RESUME_SAVE_INTERVAL=1)", resume_file);
  g_test_message ("killing headless at %.1f %% (seeder sent %" G_GINT64_FORMAT " B)",
                  out.max_percent, ts_test_swarm_get_uploaded (swarm));

  g_subprocess_send_signal (headless, SIGKILL);
  ts_test_subprocess_stop (headless, 10000);
  g_assert_true (g_subprocess_get_if_signaled (headless));
  g_assert_cmpint (g_subprocess_get_term_sig (headless), ==, SIGKILL);
  g_cancellable_cancel (out.cancellable);
  ts_test_wait_for (not_reading, &out, 10, "the output reader did not stop");
  g_clear_object (&out.lines);
  g_clear_object (&out.cancellable);

  /* Nearly nothing can come from the seeder now: what the restored torrent
   * has, it kept from before the crash. */
  ts_test_swarm_set_rate (swarm, 1);

  ts = test_session_new ("");
  ts_test_wait_for (restored_and_checked, ts, CASE_TIMEOUT_S,
                    "the torrent was not restored with verified data");
  torrent = g_list_model_get_item (ts_session_get_torrents (ts->session), 0);
  test_session_watch (ts, torrent);
  g_assert_cmpstr (ts_torrent_get_info_hash (torrent), ==, swarm->info_hash);
  restored_bytes = ts_torrent_get_bytes_done (torrent);
  g_test_message ("restored with %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " B verified",
                  restored_bytes, swarm->total_size);
  g_assert_cmpint (restored_bytes, >, 0);
  g_assert_cmpint (restored_bytes, >=, swarm->total_size / 4);

  ts_test_swarm_set_rate (swarm, 0);
  add_peer (torrent, swarm);
  wait_complete (torrent);
  assert_matches_swarm (torrent, swarm);

  g_clear_object (&torrent);
  test_session_free (ts);
}

/* Pause, resume, remove --------------------------------------------------- */

static gboolean
torrent_paused (gpointer user_data)
{
  return ts_torrent_get_paused (user_data) &&
         ts_torrent_get_state (user_data) == TS_TORRENT_STATE_PAUSED;
}

static gboolean
torrent_running (gpointer user_data)
{
  return !ts_torrent_get_paused (user_data) &&
         ts_torrent_get_state (user_data) != TS_TORRENT_STATE_PAUSED;
}

typedef struct {
  GPtrArray *paths;
} PathsGone;

static gboolean
paths_gone (gpointer user_data)
{
  PathsGone *g = user_data;

  for (guint i = 0; i < g->paths->len; i++)
    if (g_file_test (g_ptr_array_index (g->paths, i), G_FILE_TEST_EXISTS))
      return FALSE;
  return TRUE;
}

static void
test_pause_remove (void)
{
  TsTestSwarmOptions options = { .layout = "multi", .size = 8 * MIB, .seed = "pause",
                                 .rate = 512 * 1024 };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  TestSession *ts = test_session_new (NULL);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *keep_outside = g_build_filename (ts->download_dir, "keep-me.txt", NULL);
  g_autofree char *top = NULL;
  g_autofree char *keep_inside = NULL;
  BytesAbove above;
  PathsGone gone = { paths };
  gint64 paused_bytes, paused_uploaded;

  torrent = add_torrent (ts, swarm->torrent_path);
  add_peer (torrent, swarm);

  above = (BytesAbove) { torrent, swarm->total_size / 6 };
  ts_test_wait_for (bytes_done_above, &above, CASE_TIMEOUT_S, "no progress before pausing");

  ts_torrent_pause (torrent);
  ts_test_wait_for (torrent_paused, torrent, 20, "the torrent did not pause (state %s)",
                    ts_torrent_state_to_string (ts_torrent_get_state (torrent)));
  /* Blocks already on the wire may still land: settle, then nothing moves. */
  ts_test_iterate_for (2000);
  paused_bytes = ts_torrent_get_bytes_done (torrent);
  paused_uploaded = ts_test_swarm_get_uploaded (swarm);
  ts_test_iterate_for (3000);
  g_test_message ("paused at %" G_GINT64_FORMAT " B", paused_bytes);
  g_assert_cmpint (paused_bytes, <, swarm->total_size);
  g_assert_cmpint (ts_torrent_get_bytes_done (torrent), ==, paused_bytes);
  g_assert_cmpint (ts_test_swarm_get_uploaded (swarm) - paused_uploaded, <=,
                   (gint64) swarm->piece_length);
  g_assert_true (ts_torrent_get_paused (torrent));

  ts_torrent_resume (torrent);
  ts_test_wait_for (torrent_running, torrent, 20, "the torrent did not resume");
  ts_test_swarm_set_rate (swarm, 0);
  add_peer (torrent, swarm);
  wait_complete (torrent);
  assert_matches_swarm (torrent, swarm);

  /* A file of the user's next to the torrent's, one inside its folder. */
  for (guint i = 0; i < swarm->files->len; i++)
    g_ptr_array_add (paths, file_disk_path_checked (torrent, i, swarm));
  top = g_build_filename (ts_torrent_get_save_path (torrent), swarm->name, NULL);
  keep_inside = g_build_filename (top, "my notes.txt", NULL);
  g_assert_true (g_file_set_contents (keep_outside, "mine\n", -1, NULL));
  g_assert_true (g_file_set_contents (keep_inside, "mine too\n", -1, NULL));

  ts_session_remove (ts->session, torrent, TRUE);
  ts_test_wait_for (paths_gone, &gone, 30, "the torrent's files were not deleted");
  g_assert_true (ts_torrent_is_removed (torrent));
  g_assert_cmpuint (ts->n_removed, ==, 1);
  g_assert_null (ts_session_lookup (ts->session, swarm->info_hash));
  g_assert_cmpuint (g_list_model_get_n_items (ts_session_get_torrents (ts->session)), ==, 0);
  g_assert_true (g_file_test (keep_outside, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (keep_inside, G_FILE_TEST_IS_REGULAR));

  g_clear_object (&torrent);
  test_session_free (ts);
}

/* Streaming hooks --------------------------------------------------------- */

typedef struct {
  GAsyncResult *result;
  gint64        done_at;
} TimedResult;

static void
timed_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TimedResult *t = user_data;

  g_assert_null (t->result);
  t->result = g_object_ref (result);
  t->done_at = g_get_monotonic_time ();
}

static gboolean
timed_result_set (gpointer user_data)
{
  return ((TimedResult *) user_data)->result != NULL;
}

static gboolean
torrent_has_peer (gpointer user_data)
{
  return ts_torrent_get_peers (user_data) > 0;
}

/* A wait on data that is not there waits, completes once the data arrives,
 * and a cancelled wait ends at once. */
static void
test_wait_range (void)
{
  /* 2 KiB/s: the handshake gets through, a 64 KiB piece needs 30 s. */
  TsTestSwarmOptions options = { .layout = "single", .size = 8 * MIB, .seed = "wait",
                                 .rate = 2048 };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  TestSession *ts = test_session_new (NULL);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(GCancellable) cancel_b = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *source = NULL;
  g_autofree char *msg = NULL;
  TimedResult a = { 0 }, b = { 0 };
  gint64 a_offset = 4 * MIB + 12345, a_length = 100 * 1024;
  gint64 cancelled_at;
  guint first, last;

  torrent = add_torrent (ts, swarm->torrent_path);
  add_peer (torrent, swarm);
  ts_test_wait_for (torrent_has_peer, torrent, 30, "the seeder did not connect");

  ts_torrent_wait_range_async (torrent, 0, a_offset, a_length, NULL, timed_result_cb, &a);
  ts_torrent_wait_range_async (torrent, 0, 6 * MIB, 64 * 1024, cancel_b, timed_result_cb, &b);
  ts_test_iterate_for (2500);
  g_assert_null (a.result);
  g_assert_null (b.result);

  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancel_b);
  ts_test_wait_for (timed_result_set, &b, 5, "the cancelled wait did not end");
  g_assert_cmpint (b.done_at - cancelled_at, <, G_USEC_PER_SEC);
  g_assert_false (ts_torrent_wait_range_finish (torrent, b.result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (a.result);

  ts_test_swarm_set_rate (swarm, 0);
  ts_test_wait_for (timed_result_set, &a, CASE_TIMEOUT_S, "the range never became available");
  g_assert_true (ts_torrent_wait_range_finish (torrent, a.result, &error));
  g_assert_no_error (error);

  g_assert_true (ts_torrent_map_file_range (torrent, 0, a_offset, a_length, &first, &last));
  g_assert_cmpuint (first, ==, a_offset / swarm->piece_length);
  g_assert_cmpuint (last, ==, (a_offset + a_length - 1) / swarm->piece_length);
  for (guint p = first; p <= last; p++)
    g_assert_true (ts_torrent_have_piece (torrent, p));
  g_assert_cmpint (ts_torrent_get_file_contiguous (torrent, 0, a_offset), >=, a_length);
  disk = file_disk_path_checked (torrent, 0, swarm);
  source = ts_test_swarm_source_path (swarm, swarm_file (swarm, 0)->path);
  if (!ts_test_compare_file_range (source, disk, a_offset, a_length, &msg))
    g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);

  g_clear_object (&a.result);
  g_clear_object (&b.result);
  wait_complete (torrent);
  assert_matches_swarm (torrent, swarm);

  g_clear_object (&torrent);
  test_session_free (ts);
}

/* A wait pending when its torrent is removed fails with REMOVED. */
static void
test_wait_range_removed (void)
{
  TsTestSwarmOptions options = { .layout = "single", .size = 2 * MIB, .seed = "gone",
                                 .rate = 2048 };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  TestSession *ts = test_session_new (NULL);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(GError) error = NULL;
  TimedResult r = { 0 };

  torrent = add_torrent (ts, swarm->torrent_path);
  add_peer (torrent, swarm);
  ts_torrent_wait_range_async (torrent, 0, 0, swarm->total_size, NULL, timed_result_cb, &r);
  ts_test_iterate_for (1000);
  g_assert_null (r.result);

  ts_session_remove (ts->session, torrent, TRUE);
  ts_test_wait_for (timed_result_set, &r, 10, "the wait did not end with the torrent");
  g_assert_false (ts_torrent_wait_range_finish (torrent, r.result, &error));
  g_assert_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");

  g_clear_object (&r.result);
  g_clear_object (&torrent);
  test_session_free (ts);
}

static guint
count_have (TsTorrent *torrent)
{
  guint n = 0;

  for (guint p = 0; p < ts_torrent_get_num_pieces (torrent); p++)
    n += ts_torrent_have_piece (torrent, p) ? 1 : 0;
  return n;
}

/* Deadlines on the head and the tail of a film (moov at the end) bring
 * those pieces first while the seeder is slow. */
static void
test_deadlines (void)
{
  TsTestSwarmOptions options = { .layout = "single", .size = 8 * MIB, .seed = "deadline",
                                 .rate = 512 * 1024 };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  TestSession *ts = test_session_new (NULL);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(GError) error = NULL;
  TimedResult tail = { 0 }, head = { 0 };
  gint64 size = swarm->total_size;
  gint64 tail_length = 4 * (gint64) swarm->piece_length;
  gint64 head_length = 2 * (gint64) swarm->piece_length;
  guint n = swarm->num_pieces;
  guint have_at_tail, have_at_head;

  torrent = add_torrent (ts, swarm->torrent_path);
  ts_torrent_set_range_deadlines (torrent, 0, size - tail_length, tail_length, 0, 100);
  ts_torrent_set_range_deadlines (torrent, 0, 0, head_length, 200, 100);
  ts_torrent_wait_range_async (torrent, 0, size - tail_length, tail_length, NULL,
                               timed_result_cb, &tail);
  ts_torrent_wait_range_async (torrent, 0, 0, head_length, NULL, timed_result_cb, &head);
  add_peer (torrent, swarm);

  ts_test_wait_for (timed_result_set, &tail, CASE_TIMEOUT_S, "the tail never arrived");
  have_at_tail = count_have (torrent);
  ts_test_wait_for (timed_result_set, &head, CASE_TIMEOUT_S, "the head never arrived");
  have_at_head = count_have (torrent);
  g_test_message ("tail there with %u of %u pieces, head with %u", have_at_tail, n, have_at_head);
  g_assert_true (ts_torrent_wait_range_finish (torrent, tail.result, &error));
  g_assert_no_error (error);
  g_assert_true (ts_torrent_wait_range_finish (torrent, head.result, &error));
  g_assert_no_error (error);

  /* Without deadlines these 6 pieces would come in random order among 128:
   * all of them within the first quarter by chance is about 1 in 4000. */
  g_assert_cmpuint (have_at_tail, <, n / 4);
  g_assert_cmpuint (have_at_head, <, n / 4);

  ts_torrent_clear_all_deadlines (torrent);
  ts_test_swarm_set_rate (swarm, 0);
  wait_complete (torrent);
  assert_matches_swarm (torrent, swarm);

  g_clear_object (&tail.result);
  g_clear_object (&head.result);
  g_clear_object (&torrent);
  test_session_free (ts);
}

/* Pieces with deadlines [first, first + n) of a torrent with one file. */
static void
wait_pieces (TsTorrent   *torrent,
             TsTestSwarm *swarm,
             guint        first,
             guint        n,
             int          deadline_ms)
{
  g_autoptr(GError) error = NULL;
  gint64 offset = (gint64) first * swarm->piece_length;
  gint64 length = (gint64) n * swarm->piece_length;
  TimedResult done = { 0 };

  ts_torrent_set_range_deadlines (torrent, 0, offset, length, deadline_ms, 100);
  ts_torrent_wait_range_async (torrent, 0, offset, length, NULL, timed_result_cb, &done);
  ts_test_wait_for (timed_result_set, &done, CASE_TIMEOUT_S, "pieces with deadlines never came");
  g_assert_true (ts_torrent_wait_range_finish (torrent, done.result, &error));
  g_assert_no_error (error);
  g_clear_object (&done.result);
}

/* While streaming, libtorrent cancels every request in flight as a
 * deadline goes in once all pieces with deadlines are in: the read-ahead
 * the player needs next, asked for again only after the peer answered the
 * cancels. That must happen only where it is asked for: after all
 * deadlines were cleared (a seek). */
static void
test_deadlines_keep_in_flight (void)
{
  TsTestSwarmOptions options = { .layout = "single", .size = 8 * MIB, .seed = "in-flight",
                                 .rate = 256 * 1024 };
  TsTestSwarm *swarm = ts_test_swarm_start (&options);
  TestSession *ts = test_session_new (NULL);
  g_autoptr(TsTorrent) torrent = NULL;
  guint n = swarm->num_pieces;
  gint64 cancels;

  torrent = add_torrent (ts, swarm->torrent_path);
  ts_torrent_set_sequential (torrent, TRUE);
  add_peer (torrent, swarm);

  /* The head; the pieces after it go on downloading in file order. */
  wait_pieces (torrent, swarm, 0, 2, 0);
  ts_test_iterate_for (500);
  g_assert_cmpuint (count_have (torrent), <, n / 4);

  /* Playback moved on: a deadline into the empty set. */
  wait_pieces (torrent, swarm, n / 2, 2, 0);
  cancels = ts_test_swarm_get_cancels (swarm);
  g_test_message ("cancels after a deadline went into an empty set: %" G_GINT64_FORMAT, cancels);
  g_assert_cmpint (cancels, ==, 0);

  /* A seek: what was on its way goes, so that the new place comes first. */
  g_assert_cmpuint (count_have (torrent), <, n * 3 / 4);
  ts_torrent_clear_all_deadlines (torrent);
  wait_pieces (torrent, swarm, n * 3 / 4, 2, 0);
  cancels = ts_test_swarm_get_cancels (swarm);
  g_test_message ("cancels after a seek: %" G_GINT64_FORMAT, cancels);
  g_assert_cmpint (cancels, >, 0);

  ts_test_swarm_set_rate (swarm, 0);
  wait_complete (torrent);
  assert_matches_swarm (torrent, swarm);

  g_clear_object (&torrent);
  test_session_free (ts);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* The test setup sets these; say so loudly if someone runs us bare. */
  if (g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL)
    g_printerr ("GSETTINGS_SCHEMA_DIR is not set: run through meson test\n");
  g_setenv ("TS_LOOPBACK_ONLY", "1", TRUE);

  g_test_add_func ("/swarm/download", test_download);
  g_test_add_func ("/swarm/magnet", test_magnet);
  g_test_add_func ("/swarm/priorities", test_priorities);
  g_test_add_func ("/swarm/tracker", test_tracker);
  g_test_add_func ("/swarm/webseed", test_webseed);
  g_test_add_func ("/swarm/resume-after-kill", test_resume_after_kill);
  g_test_add_func ("/swarm/pause-remove", test_pause_remove);
  g_test_add_func ("/swarm/wait-range", test_wait_range);
  g_test_add_func ("/swarm/wait-range-removed", test_wait_range_removed);
  g_test_add_func ("/swarm/deadlines", test_deadlines);
  g_test_add_func ("/swarm/deadlines-keep-in-flight", test_deadlines_keep_in_flight);

  return g_test_run ();
}
