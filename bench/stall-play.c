/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stall-play: does playback stall once it has started?
 *
 *   stall-play TORRENT|URL
 *
 * Plays a whole film in real time through TsPlayer and prints one JSON line
 * about it. With a .torrent or magnet, the file streams in-process as the
 * window plays it (torrent://HASH/INDEX → torrentsrc → stream reader →
 * engine, on private folders the caller gives as HOME/XDG_*); with an
 * http:// URL (e.g. the one `torrentstream --serve` prints) the player
 * fetches it as an external player would.
 *
 * A stall is the player leaving PLAYING for BUFFERING once it has played:
 * torrentsrc reports a read that has to wait, and the HTTP path's queue
 * running dry, the same way. Printed: time to the first frame and to
 * playing, the number of stalls and their total length, and wall time from
 * the start of playing to the end beside the film time it covered (a late,
 * unpaused pipeline shows up there too). The audio sink is a real-time
 * fakesink, as a sound card paces frames; video goes to the app's own sink.
 *
 * Env: STALL_TIMEOUT (300 s for the whole run). Exit status 0 when the end
 * was reached.
 */
#include "config.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-playback.h"

typedef struct {
  BenchRun       run;
  BenchPlayback *playback;
  TsPlayer      *player;
  double         start;

  GMutex         lock;          /* the frame probe runs on the streaming thread */
  double         first_frame;   /* < 0 until seen */
  gint64         first_pts;
  gint64         last_pts;
  guint64        n_frames;

  double         playing_since; /* < 0 until it first plays */
  gint64         playing_position;
  double         stall_began;   /* < 0 when not stalled */
  gint64         stall_position;
  double         stall_total;
  double         stall_longest;
  guint          n_stalls;
  guint          n_dips;
  GArray        *stalls_at;     /* double: film seconds where stalls began */
  guint          timeout_id;
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
    {
      b->first_frame = t;
      b->first_pts = GST_BUFFER_PTS_IS_VALID (buffer) ? (gint64) GST_BUFFER_PTS (buffer) : 0;
    }
  if (GST_BUFFER_PTS_IS_VALID (buffer))
    b->last_pts = MAX (b->last_pts, (gint64) GST_BUFFER_PTS (buffer));
  b->n_frames++;
  g_mutex_unlock (&b->lock);

  return GST_PAD_PROBE_OK;
}

/* A wait of under 0.1 s is a dip nobody sees (the HTTP path's queue
 * touching its low mark); longer ones are stalls. */
static void
end_stall (Bench  *b,
           double  t)
{
  double length = t - b->stall_began;

  if (length < 0.1)
    {
      b->n_dips++;
    }
  else
    {
      double at = b->stall_position >= 0 ? (double) b->stall_position / GST_SECOND : -1;

      b->n_stalls++;
      b->stall_total += length;
      b->stall_longest = MAX (b->stall_longest, length);
      g_array_append_val (b->stalls_at, at);
    }
  b->stall_began = -1;
}

static void
state_cb (TsPlayer   *player,
          GParamSpec *pspec,
          Bench      *b)
{
  TsPlayerState state = ts_player_get_state (player);
  gboolean started;
  double t = bench_now_s ();

  g_mutex_lock (&b->lock);
  started = b->first_frame >= 0;
  g_mutex_unlock (&b->lock);

  /* Only what happens once it plays counts: the wait for the first frame
   * and for the player to start is the start-up, measured elsewhere. */
  if (started && state == TS_PLAYER_STATE_PLAYING && b->playing_since < 0)
    {
      b->playing_since = t;
      b->playing_position = MAX (ts_player_get_position (player), 0);
    }
  if (b->playing_since >= 0 && state == TS_PLAYER_STATE_BUFFERING && b->stall_began < 0)
    {
      b->stall_began = t;
      b->stall_position = ts_player_get_position (player);
    }
  else if (state != TS_PLAYER_STATE_BUFFERING && b->stall_began >= 0)
    {
      end_stall (b, t);
    }
}

static void
eos_cb (TsPlayer *player,
        Bench    *b)
{
  bench_run_finish (&b->run, "ok", NULL);
}

static void
player_error_cb (TsPlayer     *player,
                 const GError *error,
                 Bench        *b)
{
  bench_run_finish (&b->run, "play_error", error->message);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Bench *b = user_data;

  b->timeout_id = 0;
  bench_run_finish (&b->run, "timeout", "out of time");
  return G_SOURCE_REMOVE;
}

static void
print_result (Bench      *b,
              const char *path)
{
  g_autoptr(GString) line = g_string_new (NULL);

  g_string_append_printf (line, "{\"path\": \"%s\", \"status\": \"%s\"", path,
                          bench_run_get_status (&b->run));
  g_mutex_lock (&b->lock);
  if (b->first_frame >= 0)
    g_string_append_printf (line, ", \"ttff_s\": %.3f, \"frames\": %" G_GUINT64_FORMAT,
                            b->first_frame - b->start, b->n_frames);
  if (b->playing_since >= 0)
    {
      /* From the moment it first played to the end, beside the film time
       * that covered. */
      double media = (double) (b->last_pts - MAX (b->first_pts, b->playing_position)) / GST_SECOND;
      double wall = b->run.end - b->playing_since;

      g_string_append_printf (line, ", \"start_s\": %.3f, \"media_s\": %.3f, \"wall_s\": %.3f"
                              ", \"late_s\": %.3f",
                              b->playing_since - b->start, media, wall, wall - media);
    }
  g_mutex_unlock (&b->lock);
  g_string_append_printf (line, ", \"stalls\": %u, \"stall_s\": %.3f, \"longest_stall_s\": %.3f"
                          ", \"dips\": %u, \"stalls_at_s\": [",
                          b->n_stalls, b->stall_total, b->stall_longest, b->n_dips);
  for (guint i = 0; i < b->stalls_at->len; i++)
    g_string_append_printf (line, "%s%.1f", i > 0 ? ", " : "",
                            g_array_index (b->stalls_at, double, i));
  g_string_append (line, "]");
  bench_run_print (&b->run, line);
}

int
main (int   argc,
      char *argv[])
{
  const char *timeout_env;
  gboolean is_url;
  Bench b = { 0 };
  guint timeout = 300;
  int status;

  gst_init (&argc, &argv);
  if (argc != 2)
    {
      g_printerr ("usage: %s TORRENT|URL\n", argv[0]);
      return 2;
    }
  timeout_env = g_getenv ("STALL_TIMEOUT");
  if (timeout_env != NULL && atoi (timeout_env) > 0)
    timeout = (guint) atoi (timeout_env);

  g_mutex_init (&b.lock);
  b.first_frame = b.stall_began = b.playing_since = -1;
  b.stalls_at = g_array_new (FALSE, FALSE, sizeof (double));
  bench_run_init (&b.run);

  b.playback = bench_playback_new (frame_probe_cb, &b, bench_run_fail_cb, &b.run);
  b.player = bench_playback_get_player (b.playback);
  g_signal_connect (b.player, "notify::state", G_CALLBACK (state_cb), &b);
  g_signal_connect (b.player, "eos", G_CALLBACK (eos_cb), &b);
  g_signal_connect (b.player, "error", G_CALLBACK (player_error_cb), &b);
  b.start = bench_now_s ();

  is_url = g_str_has_prefix (argv[1], "http://") || g_str_has_prefix (argv[1], "https://")
           || g_str_has_prefix (argv[1], "file://");
  if (is_url)
    bench_playback_play_uri (b.playback, argv[1]);
  else if (!bench_playback_play_torrent (b.playback, argv[1]))
    return 1;

  b.timeout_id = g_timeout_add_seconds (timeout, timeout_cb, &b);
  g_main_loop_run (b.run.loop);
  /* Still waiting when it ended (a timeout): that counts too. */
  if (b.stall_began >= 0)
    end_stall (&b, b.run.end);
  print_result (&b, is_url ? "http" : "inapp");
  status = g_strcmp0 (b.run.status, "ok") == 0 ? 0 : 1;
  g_clear_handle_id (&b.timeout_id, g_source_remove);

  g_signal_handlers_disconnect_by_data (b.player, &b);
  g_clear_pointer (&b.playback, bench_playback_free);
  bench_run_clear (&b.run);
  g_array_unref (b.stalls_at);
  g_mutex_clear (&b.lock);

  return status;
}
