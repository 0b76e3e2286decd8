/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "stream-test-util.h"

static gboolean
torrent_has_peer (gpointer user_data)
{
  /* A fast seeder may be done and gone before we look. */
  return ts_torrent_get_peers (user_data) > 0 || ts_torrent_get_progress (user_data) >= 1.0;
}

static void
start_session (StreamTest *st,
               const char *torrent_path,
               const char *peer)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);
  g_autofree char *downloads = g_build_filename (g_get_home_dir (), "Downloads", NULL);

  st->settings = g_settings_new (APP_ID);
  g_settings_set_string (st->settings, "download-folder", downloads);
  g_settings_set_int (st->settings, "listen-port", 0);
  g_settings_set_boolean (st->settings, "enable-dht", FALSE);
  g_settings_set_boolean (st->settings, "enable-lsd", FALSE);
  g_settings_set_boolean (st->settings, "enable-upnp", FALSE);
  g_settings_set_boolean (st->settings, "enable-natpmp", FALSE);

  st->session = ts_session_new (st->settings, state_dir);
  ts_session_set_loopback_only (st->session, TRUE);
  ts_session_start (st->session, &error);
  g_assert_no_error (error);

  ts_session_add_async (st->session, torrent_path, NULL, ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, 30);
  st->torrent = ts_session_add_finish (st->session, result, &error);
  g_assert_no_error (error);
  g_assert_true (ts_torrent_has_metadata (st->torrent));

  ts_torrent_add_peer (st->torrent, peer, &error);
  g_assert_no_error (error);
  ts_test_wait_for (torrent_has_peer, st->torrent, 30, "the seeder did not connect");
}

StreamTest *
stream_test_new (const TsTestSwarmOptions *options)
{
  StreamTest *st = g_new0 (StreamTest, 1);

  st->swarm = ts_test_swarm_start (options);
  start_session (st, st->swarm->torrent_path, st->swarm->peer);
  return st;
}

/* One line of JSON from the seeder, within @timeout_s. */
static JsonObject *
seeder_reply (StreamTest *st,
              guint       timeout_s,
              const char *what)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_data_input_stream_read_line_async (st->seeder_lines, G_PRIORITY_DEFAULT, NULL,
                                       ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, timeout_s);
  line = g_data_input_stream_read_line_finish_utf8 (st->seeder_lines, result, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL)
    g_error ("tsswarm.py exited while %s", what);

  node = json_from_string (line, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

StreamTest *
stream_test_new_for_content (const char *content_root,
                             const char *name,
                             gint64      rate,
                             guint       piece_size)
{
  StreamTest *st = g_new0 (StreamTest, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) maker = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) ready = NULL;
  g_autofree char *script = ts_test_tsswarm_script ();
  g_autofree char *piece_arg = g_strdup_printf ("%u", piece_size);
  g_autofree char *rate_arg = g_strdup_printf ("%" G_GINT64_FORMAT, rate);

  st->content_root = g_strdup (content_root);
  st->torrent_path = g_strdup_printf ("%s/%s.torrent", content_root, name);

  launcher = ts_test_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_unsetenv (launcher, "PYTHONHOME");
  maker = g_subprocess_launcher_spawn (launcher, &error, ts_test_python (), script, "torrent",
                                       content_root, name, st->torrent_path,
                                       "--piece-size", piece_arg, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (maker, NULL, &error);
  g_assert_no_error (error);

  g_clear_object (&launcher);
  launcher = ts_test_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "PYTHONHOME");
  st->seeder = g_subprocess_launcher_spawn (launcher, &error, ts_test_python (), script, "seed",
                                            "--torrent", st->torrent_path,
                                            "--save-path", content_root,
                                            "--rate", rate_arg, NULL);
  g_assert_no_error (error);
  st->seeder_stdin = g_object_ref (g_subprocess_get_stdin_pipe (st->seeder));
  st->seeder_lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (st->seeder));

  ready = seeder_reply (st, 60, "starting to seed");
  st->peer = g_strdup_printf ("127.0.0.1:%" G_GINT64_FORMAT,
                              json_object_get_int_member (ready, "port"));
  g_test_message ("seeding %s/%s at %s, %" G_GINT64_FORMAT " B/s", content_root, name,
                  st->peer, rate);

  start_session (st, st->torrent_path, st->peer);
  return st;
}

void
stream_test_set_rate (StreamTest *st,
                      gint64      rate)
{
  g_autofree char *line = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;

  if (st->swarm != NULL)
    {
      ts_test_swarm_set_rate (st->swarm, rate);
      return;
    }

  line = g_strdup_printf ("rate %" G_GINT64_FORMAT "\n", rate);
  g_output_stream_write_all (st->seeder_stdin, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (st->seeder_stdin, NULL, &error);
  g_assert_no_error (error);
  reply = seeder_reply (st, 30, line);
  g_assert_true (json_object_get_boolean_member_with_default (reply, "ok", FALSE));
}

void
stream_test_free (StreamTest *st)
{
  if (st->swarm != NULL)
    ts_test_swarm_stop (st->swarm);
  if (st->seeder != NULL)
    {
      g_output_stream_close (st->seeder_stdin, NULL, NULL);
      ts_test_subprocess_stop (st->seeder, 2000);
      g_clear_object (&st->seeder_stdin);
      g_clear_object (&st->seeder_lines);
      g_clear_object (&st->seeder);
    }
  g_free (st->content_root);
  g_free (st->torrent_path);
  g_free (st->peer);
  g_clear_object (&st->torrent);
  ts_session_shutdown_sync (st->session);
  g_assert_finalize_object (st->session);
  g_assert_finalize_object (st->settings);
  g_free (st);
}

TsTorrentFile *
stream_test_file (StreamTest *st,
                  const char *basename)
{
  GListModel *files = ts_torrent_get_files (st->torrent);

  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if (g_str_equal (ts_torrent_file_get_name (file), basename))
        return file;
    }
  g_assert_not_reached ();
}

GBytes *
stream_test_source_bytes (StreamTest    *st,
                          TsTorrentFile *file)
{
  g_autofree char *path = st->swarm != NULL
                            ? ts_test_swarm_source_path (st->swarm, ts_torrent_file_get_path (file))
                            : g_build_filename (st->content_root, ts_torrent_file_get_path (file),
                                                NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static gboolean
torrent_complete (gpointer user_data)
{
  return ts_torrent_get_progress (user_data) >= 1.0
         && ts_torrent_get_state (user_data) != TS_TORRENT_STATE_CHECKING;
}

void
stream_test_wait_complete (StreamTest *st)
{
  ts_test_wait_for (torrent_complete, st->torrent, STREAM_TEST_TIMEOUT_S,
                    "the torrent did not complete (%.1f %%)",
                    ts_torrent_get_progress (st->torrent) * 100.0);
}

static gboolean
weak_cleared (gpointer user_data)
{
  return *(gpointer *) user_data == NULL;
}

void
stream_test_assert_finalized (gpointer object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  if (!ts_test_iterate_until (weak_cleared, &weak, 5000))
    g_error ("%s %p was not finalized (%u references left)",
             G_OBJECT_TYPE_NAME (weak), weak, G_OBJECT (weak)->ref_count);
}
