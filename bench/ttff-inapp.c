/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ttff-inapp: time to first frame of the in-window player path.
 *
 *   ttff-inapp TORRENT [SEEK_FRACTION]
 *
 * Adds TORRENT (a .torrent, magnet ...) to a session on private folders (the
 * caller gives HOME/XDG_*), plays the largest video as torrent://HASH/INDEX
 * through TsPlayer (playbin → torrentsrc → stream reader → engine) with the
 * app's own video sink and a real-time fake audio sink, and prints one JSON
 * line: seconds to the first decoded frame reaching the video sink, and
 * with SEEK_FRACTION, SEEK_DELAY (1 s) after playback started, from the seek
 * to the first frame at the new place.
 *
 * Like the ttff harness, which starts its player before its clock and the
 * client after: "ttff_s" counts from the moment the player is ready
 * (GStreamer initialised, the player made) and the engine is started, to
 * the first frame; "ttff_process_s" counts from TTFF_T0 (CLOCK_MONOTONIC
 * seconds taken by whoever started us), so it includes our own start-up.
 * Exit status 0 when everything was measured.
 *
 * Env: TTFF_T0, TTFF_TIMEOUT (60 s), SEEK_DELAY (1.0 s), TS_LOOPBACK_ONLY.
 */
#include "config.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>

#include "ts-player.h"
#include "ts-session.h"
#include "ts-stream-reader.h"
#include "ts-torrent-file.h"
#include "ts-torrent-src.h"
#include "ts-torrent.h"

typedef struct {
  GMainLoop  *loop;
  TsSession  *session;
  TsTorrent  *torrent;
  TsPlayer   *player;
  TsStreamReader *reader;  /* made before playbin starts, as the player page does */
  double      seek_fraction;
  double      seek_delay;
  double      launched;       /* TTFF_T0, or when main() began */
  double      start;          /* player ready: the clock starts */
  const char *status;
  char       *error;

  GMutex      lock;           /* the frame probe runs on the streaming thread */
  double      first_frame;    /* < 0 until seen */
  double      seek_issued;
  gint64      seek_target;    /* ns; -1 before the seek */
  double      seek_frame;
  gint64      seek_pts;
  gboolean    seek_wanted;
  guint       seek_id;
  guint       poll_id;
  guint       timeout_id;
} Bench;

/* What the harness's warm player loads before its clock starts. */
static const char * const warm_features[] = {
  "playbin", "uridecodebin", "decodebin", "urisourcebin", "souphttpsrc", "filesrc",
  "typefind", "queue2", "multiqueue", "qtdemux", "matroskademux", "h264parse",
  "aacparse", "avdec_h264", "avdec_aac", "vp8dec", "vorbisdec", "fakesink",
  "audioconvert", "audioresample", "videoconvert", "videoscale",
};

/* CLOCK_MONOTONIC, as Python's time.monotonic() in the harness. */
static double
now_s (void)
{
  return (double) g_get_monotonic_time () / G_USEC_PER_SEC;
}

static void
finish (Bench      *b,
        const char *status,
        const char *error)
{
  if (b->status != NULL)
    return;
  b->status = status;
  b->error = g_strdup (error);
  g_main_loop_quit (b->loop);
}

static GstPadProbeReturn
frame_probe_cb (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  Bench *b = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  double t = now_s ();

  g_mutex_lock (&b->lock);
  if (b->first_frame < 0)
    b->first_frame = t;
  else if (b->seek_target >= 0 && b->seek_frame < 0 && GST_BUFFER_PTS_IS_VALID (buffer)
           /* A frame at the new place: within a GOP before the target. */
           && (gint64) GST_BUFFER_PTS (buffer) >= b->seek_target - 3 * GST_SECOND)
    {
      b->seek_frame = t;
      b->seek_pts = (gint64) GST_BUFFER_PTS (buffer);
    }
  g_mutex_unlock (&b->lock);

  return GST_PAD_PROBE_OK;
}

static gboolean
seek_cb (gpointer user_data)
{
  Bench *b = user_data;
  gint64 duration = ts_player_get_duration (b->player);

  b->seek_id = 0;
  if (duration <= 0)
    {
      finish (b, "seek_error", "the duration is not known");
      return G_SOURCE_REMOVE;
    }

  g_mutex_lock (&b->lock);
  b->seek_target = (gint64) (duration * b->seek_fraction);
  b->seek_issued = now_s ();
  g_mutex_unlock (&b->lock);
  ts_player_seek (b->player, b->seek_target);
  return G_SOURCE_REMOVE;
}

static gboolean
poll_cb (gpointer user_data)
{
  Bench *b = user_data;
  gboolean first, seeked;

  g_mutex_lock (&b->lock);
  first = b->first_frame >= 0;
  seeked = b->seek_frame >= 0;
  g_mutex_unlock (&b->lock);

  if (first && !b->seek_wanted)
    finish (b, "ok", NULL);
  else if (seeked)
    finish (b, "ok", NULL);
  return G_SOURCE_CONTINUE;
}

static void
state_cb (TsPlayer   *player,
          GParamSpec *pspec,
          Bench      *b)
{
  if (b->seek_wanted && b->seek_id == 0 && b->seek_target < 0
      && ts_player_get_state (player) == TS_PLAYER_STATE_PLAYING)
    b->seek_id = g_timeout_add ((guint) (b->seek_delay * 1000), seek_cb, b);
}

/* The reader sizes its window from the film's bit rate. */
static void
duration_cb (TsPlayer   *player,
             GParamSpec *pspec,
             Bench      *b)
{
  if (b->reader != NULL && ts_player_get_duration (player) > 0)
    ts_stream_reader_set_duration (b->reader, ts_player_get_duration (player));
}

static void
player_error_cb (TsPlayer     *player,
                 const GError *error,
                 Bench        *b)
{
  finish (b, b->first_frame < 0 ? "play_error" : "seek_error", error->message);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Bench *b = user_data;

  b->timeout_id = 0;
  finish (b, b->first_frame < 0 ? "timeout" : "seek_timeout", "out of time");
  return G_SOURCE_REMOVE;
}

static void
play (Bench *b)
{
  TsTorrentFile *film = ts_torrent_get_main_video (b->torrent);
  g_autofree char *uri = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstPad) pad = NULL;

  if (film == NULL)
    {
      finish (b, "error", "the torrent has no video file");
      return;
    }

  b->reader = ts_stream_reader_get_for_file (film);
  uri = ts_torrent_src_uri_for (film);
  g_object_get (ts_player_get_pipeline (b->player), "video-sink", &sink, NULL);
  pad = sink != NULL ? gst_element_get_static_pad (sink, "sink") : NULL;
  if (pad == NULL)
    {
      finish (b, "error", "the player has no video sink pad");
      return;
    }
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, frame_probe_cb, b, NULL);

  ts_player_set_uri (b->player, uri);
  ts_player_play (b->player);
}

static void
metadata_cb (TsTorrent *torrent,
             Bench     *b)
{
  g_signal_handlers_disconnect_by_func (torrent, metadata_cb, b);
  play (b);
}

static void
added_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Bench *b = user_data;
  g_autoptr(GError) error = NULL;

  b->torrent = ts_session_add_finish (TS_SESSION (object), result, &error);
  if (b->torrent == NULL)
    {
      finish (b, "error", error->message);
      return;
    }

  if (ts_torrent_has_metadata (b->torrent))
    play (b);
  else
    g_signal_connect (b->torrent, "metadata-received", G_CALLBACK (metadata_cb), b);
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

static double
env_double (const char *name,
            double      fallback)
{
  const char *value = g_getenv (name);
  char *end = NULL;
  double d;

  if (value == NULL || *value == '\0')
    return fallback;
  d = g_ascii_strtod (value, &end);
  return end != value && *end == '\0' && d > 0 ? d : fallback;
}

static void
print_result (Bench *b)
{
  g_autoptr(GString) line = g_string_new ("{\"client\": \"torrentstream-inapp\"");

  g_string_append_printf (line, ", \"status\": \"%s\"", b->status != NULL ? b->status : "error");
  if (b->first_frame >= 0)
    g_string_append_printf (line, ", \"ttff_s\": %.3f, \"ttff_process_s\": %.3f",
                            b->first_frame - b->start, b->first_frame - b->launched);
  else
    g_string_append (line, ", \"ttff_s\": null, \"ttff_process_s\": null");
  if (b->seek_frame >= 0)
    g_string_append_printf (line, ", \"seek_s\": %.3f, \"seek_pts\": %.3f",
                            b->seek_frame - b->seek_issued, (double) b->seek_pts / GST_SECOND);
  else
    g_string_append (line, ", \"seek_s\": null, \"seek_pts\": null");
  if (b->error != NULL)
    {
      g_autofree char *escaped = g_strescape (b->error, NULL);

      g_string_append_printf (line, ", \"error\": \"%s\"", escaped);
    }
  g_string_append (line, "}");
  printf ("%s\n", line->str);
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *input = NULL;
  GstElement *audio_sink;
  Bench b = { 0 };
  int status;

  b.launched = env_double ("TTFF_T0", now_s ());
  gst_init (&argc, &argv);

  if (argc < 2 || argc > 3)
    {
      g_printerr ("usage: %s TORRENT [SEEK_FRACTION]\n", argv[0]);
      return 2;
    }
  if (argc == 3)
    {
      b.seek_fraction = g_ascii_strtod (argv[2], NULL);
      if (!(b.seek_fraction > 0 && b.seek_fraction < 1))
        {
          g_printerr ("%s: SEEK_FRACTION must be between 0 and 1\n", argv[0]);
          return 2;
        }
      b.seek_wanted = TRUE;
    }

  settings = settings_new_checked ();
  if (settings == NULL)
    {
      g_printerr ("%s: the settings schema %s is not installed (set GSETTINGS_SCHEMA_DIR)\n",
                  argv[0], APP_ID);
      return 2;
    }

  g_mutex_init (&b.lock);
  b.first_frame = b.seek_frame = -1;
  b.seek_target = -1;
  b.seek_delay = env_double ("SEEK_DELAY", 1.0);
  b.loop = g_main_loop_new (NULL, FALSE);

  /* Like the harness's warm probe: the player is ready (with the plugins
   * a playback needs loaded, the same list as its lib/gst_probe.py), then
   * the clock starts and the engine with it. A real-time audio sink paces
   * frames as a sound card would. */
  for (guint i = 0; i < G_N_ELEMENTS (warm_features); i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (warm_features[i]);
      g_autoptr(GstPluginFeature) loaded = NULL;

      if (factory != NULL)
        loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory));
    }
  audio_sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (audio_sink, "sync", TRUE, NULL);
  b.player = g_object_new (TS_TYPE_PLAYER, "audio-sink", audio_sink, NULL);
  g_signal_connect (b.player, "notify::state", G_CALLBACK (state_cb), &b);
  g_signal_connect (b.player, "notify::duration", G_CALLBACK (duration_cb), &b);
  g_signal_connect (b.player, "error", G_CALLBACK (player_error_cb), &b);
  b.start = now_s ();

  state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);
  b.session = ts_session_new (settings, state_dir);
  if (!ts_session_start (b.session, NULL))
    {
      g_printerr ("%s: the engine did not start\n", argv[0]);
      return 1;
    }
  ts_torrent_src_set_session (b.session);
  if (!ts_torrent_src_register ())
    {
      g_printerr ("%s: torrentsrc could not be registered\n", argv[0]);
      return 1;
    }

  input = g_file_test (argv[1], G_FILE_TEST_EXISTS) ? g_canonicalize_filename (argv[1], NULL)
                                                     : g_strdup (argv[1]);
  ts_session_add_async (b.session, input, NULL, added_cb, &b);
  b.poll_id = g_timeout_add (10, poll_cb, &b);
  b.timeout_id = g_timeout_add ((guint) (env_double ("TTFF_TIMEOUT", 60) * 1000), timeout_cb, &b);

  g_main_loop_run (b.loop);
  print_result (&b);
  status = g_strcmp0 (b.status, "ok") == 0 ? 0 : 1;
  g_clear_handle_id (&b.poll_id, g_source_remove);
  g_clear_handle_id (&b.timeout_id, g_source_remove);
  g_clear_handle_id (&b.seek_id, g_source_remove);

  /* Measured: the rest is tidying up, not timed. */
  ts_player_stop (b.player);
  g_signal_handlers_disconnect_by_data (b.player, &b);
  g_clear_object (&b.player);
  g_clear_object (&b.reader);
  ts_torrent_src_set_session (NULL);
  if (b.torrent != NULL)
    g_signal_handlers_disconnect_by_data (b.torrent, &b);
  g_clear_object (&b.torrent);
  ts_session_shutdown_sync (b.session);
  g_clear_object (&b.session);
  g_main_loop_unref (b.loop);
  g_free (b.error);
  g_mutex_clear (&b.lock);

  return status;
}
