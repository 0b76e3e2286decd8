/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>

#include "bench-playback.h"
#include "ts-stream-reader.h"
#include "ts-torrent-file.h"
#include "ts-torrent-src.h"

struct _BenchPlayback
{
  TsPlayer            *player;
  GstPadProbeCallback  probe;
  gpointer             probe_data;
  BenchFailFunc        fail;
  gpointer             fail_data;
  GSettings           *settings;
  TsSession           *session;
  TsTorrent           *torrent;
  TsStreamReader      *reader;
};

/* The plugins the harness's player (lib/gst_probe.py) loads before its
 * clock starts. */
static const char * const warm_features[] = {
  "playbin", "uridecodebin", "decodebin", "urisourcebin", "souphttpsrc", "filesrc",
  "typefind", "queue2", "multiqueue", "qtdemux", "matroskademux", "h264parse",
  "aacparse", "avdec_h264", "avdec_aac", "vp8dec", "vorbisdec", "fakesink",
  "audioconvert", "audioresample", "videoconvert", "videoscale",
};

/* The reader sizes its read-ahead from the film's bit rate. */
static void
duration_cb (TsPlayer      *player,
             GParamSpec    *pspec,
             BenchPlayback *pb)
{
  if (pb->reader != NULL && ts_player_get_duration (player) > 0)
    ts_stream_reader_set_duration (pb->reader, ts_player_get_duration (player));
}

BenchPlayback *
bench_playback_new (GstPadProbeCallback probe,
                    gpointer            probe_data,
                    BenchFailFunc       fail,
                    gpointer            fail_data)
{
  BenchPlayback *pb = g_new0 (BenchPlayback, 1);
  GstElement *audio_sink;

  for (guint i = 0; i < G_N_ELEMENTS (warm_features); i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (warm_features[i]);
      g_autoptr(GstPluginFeature) loaded = NULL;

      if (factory != NULL)
        loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory));
    }

  pb->probe = probe;
  pb->probe_data = probe_data;
  pb->fail = fail;
  pb->fail_data = fail_data;
  /* A real-time audio sink paces frames as a sound card would. */
  audio_sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (audio_sink, "sync", TRUE, NULL);
  pb->player = g_object_new (TS_TYPE_PLAYER, "audio-sink", audio_sink, NULL);
  g_signal_connect (pb->player, "notify::duration", G_CALLBACK (duration_cb), pb);
  return pb;
}

TsPlayer *
bench_playback_get_player (BenchPlayback *pb)
{
  return pb->player;
}

TsTorrent *
bench_playback_get_torrent (BenchPlayback *pb)
{
  return pb->torrent;
}

void
bench_playback_play_uri (BenchPlayback *pb,
                         const char    *uri)
{
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstPad) pad = NULL;

  g_object_get (ts_player_get_pipeline (pb->player), "video-sink", &sink, NULL);
  pad = sink != NULL ? gst_element_get_static_pad (sink, "sink") : NULL;
  if (pad == NULL)
    {
      pb->fail ("error", "the player has no video sink pad", pb->fail_data);
      return;
    }
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, pb->probe, pb->probe_data, NULL);

  ts_player_set_uri (pb->player, uri);
  ts_player_play (pb->player);
}

static void
play_main_video (BenchPlayback *pb)
{
  TsTorrentFile *film = ts_torrent_get_main_video (pb->torrent);
  g_autofree char *uri = NULL;

  if (film == NULL)
    {
      pb->fail ("error", "the torrent has no video file", pb->fail_data);
      return;
    }

  /* Before playbin starts, as the player page: its head and tail
   * deadlines go out at once. */
  pb->reader = ts_stream_reader_get_for_file (film);
  uri = ts_torrent_src_uri_for (film);
  bench_playback_play_uri (pb, uri);
}

static void
metadata_cb (TsTorrent     *torrent,
             BenchPlayback *pb)
{
  g_signal_handlers_disconnect_by_func (torrent, metadata_cb, pb);
  play_main_video (pb);
}

static void
added_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  BenchPlayback *pb = user_data;
  g_autoptr(GError) error = NULL;

  pb->torrent = ts_session_add_finish (TS_SESSION (object), result, &error);
  if (pb->torrent == NULL)
    {
      pb->fail ("error", error->message, pb->fail_data);
      return;
    }

  if (ts_torrent_has_metadata (pb->torrent))
    play_main_video (pb);
  else
    g_signal_connect (pb->torrent, "metadata-received", G_CALLBACK (metadata_cb), pb);
}

static GSettings *
settings_new_checked (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

gboolean
bench_playback_play_torrent (BenchPlayback *pb,
                             const char    *input)
{
  g_autofree char *state_dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  pb->settings = settings_new_checked ();
  if (pb->settings == NULL)
    {
      g_printerr ("the settings schema %s is not installed (set GSETTINGS_SCHEMA_DIR)\n", APP_ID);
      return FALSE;
    }

  state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);
  pb->session = ts_session_new (pb->settings, state_dir);
  if (!ts_session_start (pb->session, &error))
    {
      g_printerr ("the engine did not start: %s\n", error->message);
      return FALSE;
    }
  ts_torrent_src_set_session (pb->session);
  if (!ts_torrent_src_register ())
    {
      g_printerr ("torrentsrc could not be registered\n");
      return FALSE;
    }

  path = g_file_test (input, G_FILE_TEST_EXISTS) ? g_canonicalize_filename (input, NULL)
                                                 : g_strdup (input);
  ts_session_add_async (pb->session, path, NULL, added_cb, pb);
  return TRUE;
}

void
bench_playback_free (BenchPlayback *pb)
{
  ts_player_stop (pb->player);
  g_signal_handlers_disconnect_by_data (pb->player, pb);
  g_clear_object (&pb->player);
  g_clear_object (&pb->reader);
  if (pb->session != NULL)
    {
      ts_torrent_src_set_session (NULL);
      if (pb->torrent != NULL)
        g_signal_handlers_disconnect_by_data (pb->torrent, pb);
      g_clear_object (&pb->torrent);
      ts_session_shutdown_sync (pb->session);
      g_clear_object (&pb->session);
    }
  g_clear_object (&pb->settings);
  g_free (pb);
}

void
bench_run_init (BenchRun *run)
{
  *run = (BenchRun) { .loop = g_main_loop_new (NULL, FALSE), .end = -1 };
}

void
bench_run_finish (BenchRun   *run,
                  const char *status,
                  const char *error)
{
  if (run->status != NULL)
    return;
  run->status = status;
  run->error = g_strdup (error);
  run->end = bench_now_s ();
  g_main_loop_quit (run->loop);
}

void
bench_run_fail_cb (const char *status,
                   const char *message,
                   gpointer    run)
{
  bench_run_finish (run, status, message);
}

const char *
bench_run_get_status (BenchRun *run)
{
  return run->status != NULL ? run->status : "error";
}

void
bench_run_print (BenchRun *run,
                 GString  *line)
{
  if (run->error != NULL)
    {
      g_autofree char *escaped = g_strescape (run->error, NULL);

      g_string_append_printf (line, ", \"error\": \"%s\"", escaped);
    }
  g_string_append (line, "}");
  printf ("%s\n", line->str);
  fflush (stdout);
}

void
bench_run_clear (BenchRun *run)
{
  g_clear_pointer (&run->loop, g_main_loop_unref);
  g_clear_pointer (&run->error, g_free);
}

double
bench_now_s (void)
{
  return (double) g_get_monotonic_time () / G_USEC_PER_SEC;
}
