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

#include "bench-playback.h"

typedef struct {
  BenchRun    run;
  BenchPlayback *playback;
  TsPlayer   *player;
  double      seek_fraction;
  double      seek_delay;
  double      launched;       /* TTFF_T0, or when main() began */
  double      start;          /* player ready: the clock starts */

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

static GstPadProbeReturn
frame_probe_cb (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  Bench *b = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  double t = bench_now_s ();

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
      bench_run_finish (&b->run, "seek_error", "the duration is not known");
      return G_SOURCE_REMOVE;
    }

  g_mutex_lock (&b->lock);
  b->seek_target = (gint64) (duration * b->seek_fraction);
  b->seek_issued = bench_now_s ();
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
    bench_run_finish (&b->run, "ok", NULL);
  else if (seeked)
    bench_run_finish (&b->run, "ok", NULL);
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

static void
player_error_cb (TsPlayer     *player,
                 const GError *error,
                 Bench        *b)
{
  bench_run_finish (&b->run, b->first_frame < 0 ? "play_error" : "seek_error", error->message);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Bench *b = user_data;

  b->timeout_id = 0;
  bench_run_finish (&b->run, b->first_frame < 0 ? "timeout" : "seek_timeout", "out of time");
  return G_SOURCE_REMOVE;
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

  g_string_append_printf (line, ", \"status\": \"%s\"", bench_run_get_status (&b->run));
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
  bench_run_print (&b->run, line);
}

int
main (int   argc,
      char *argv[])
{
  Bench b = { 0 };
  int status;

  b.launched = env_double ("TTFF_T0", bench_now_s ());
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

  g_mutex_init (&b.lock);
  b.first_frame = b.seek_frame = -1;
  b.seek_target = -1;
  b.seek_delay = env_double ("SEEK_DELAY", 1.0);
  bench_run_init (&b.run);

  /* Like the harness's warm probe: the player is ready, then the clock
   * starts and the engine with it. */
  b.playback = bench_playback_new (frame_probe_cb, &b, bench_run_fail_cb, &b.run);
  b.player = bench_playback_get_player (b.playback);
  g_signal_connect (b.player, "notify::state", G_CALLBACK (state_cb), &b);
  g_signal_connect (b.player, "error", G_CALLBACK (player_error_cb), &b);
  b.start = bench_now_s ();

  if (!bench_playback_play_torrent (b.playback, argv[1]))
    return 1;
  b.poll_id = g_timeout_add (10, poll_cb, &b);
  b.timeout_id = g_timeout_add ((guint) (env_double ("TTFF_TIMEOUT", 60) * 1000), timeout_cb, &b);

  g_main_loop_run (b.run.loop);
  print_result (&b);
  status = g_strcmp0 (b.run.status, "ok") == 0 ? 0 : 1;
  g_clear_handle_id (&b.poll_id, g_source_remove);
  g_clear_handle_id (&b.timeout_id, g_source_remove);
  g_clear_handle_id (&b.seek_id, g_source_remove);

  /* Measured: the rest is tidying up, not timed. */
  g_signal_handlers_disconnect_by_data (b.player, &b);
  g_clear_pointer (&b.playback, bench_playback_free);
  bench_run_clear (&b.run);
  g_mutex_clear (&b.lock);

  return status;
}
