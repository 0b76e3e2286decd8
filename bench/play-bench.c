/* SPDX-License-Identifier: GPL-3.0-or-later */
/* play-bench: the in-window player path, playing a local file, for
 * bench/play-bench.sh to measure.
 *
 *   play-bench FILE [--width W --height H] [--warmup S] [--seconds N]
 *
 * Shows TsPlayer's paintable in a GtkPicture (content-fit contain, can-shrink,
 * as the player page does) in a W×H window (1100×720, the app's default),
 * plays FILE with the audio going to a real-time fakesink (as gst-play-1.0
 * is told to), prints "READY RENDERER" once the first frame was drawn, "START" after S more
 * seconds (2), and after N more seconds (30) one
 * JSON line with the renderer GTK picked, its own CPU (utime + stime from
 * /proc/self/stat over the window, % of one core), RSS, and the frame counters:
 *   qos_dropped / qos_processed: summed over the elements that posted QoS
 *     messages (the sink dropping late frames, decoders skipping frames);
 *   sink_rendered / sink_dropped: the video sink's own "stats";
 *   paintable_made / paintable_replaced: textures made on the GTK thread,
 *     and frames replaced by a newer one before the GTK thread took them;
 *   painted: frame-clock paints of the window.
 * Counters cover the measured window only (after START).
 */
#include "config.h"

#include <gtk/gtk.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ts-player.h"
#include "ts-renderer.h"
#include "ts-video-paintable.h"

typedef struct {
  GMainLoop   *loop;
  TsPlayer    *player;
  GtkWidget   *window;
  GtkWidget   *picture;
  double       seconds;
  gboolean     ready;
  char        *error;

  /* QoS messages arrive on streaming threads (sync handler). */
  GMutex       lock;
  GHashTable  *qos_dropped;    /* element name → last cumulative count */
  GHashTable  *qos_processed;

  double       warmup;
  guint64      painted;
  guint64      base_cpu;
  gint64       base_time;
  guint64      base_qos_dropped, base_qos_processed;
  guint64      base_sink_rendered, base_sink_dropped;
  guint64      base_made, base_replaced, base_painted;
} Bench;

static GstBusSyncReply
bus_sync_cb (GstBus     *bus,
             GstMessage *message,
             gpointer    user_data)
{
  Bench *b = user_data;
  GstFormat format;
  guint64 processed, dropped;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_QOS)
    return GST_BUS_PASS;

  gst_message_parse_qos_stats (message, &format, &processed, &dropped);
  if (format == GST_FORMAT_BUFFERS || format == GST_FORMAT_DEFAULT)
    {
      g_mutex_lock (&b->lock);
      g_hash_table_insert (b->qos_dropped, g_strdup (GST_MESSAGE_SRC_NAME (message)),
                           GSIZE_TO_POINTER ((gsize) dropped));
      g_hash_table_insert (b->qos_processed, g_strdup (GST_MESSAGE_SRC_NAME (message)),
                           GSIZE_TO_POINTER ((gsize) processed));
      g_mutex_unlock (&b->lock);
    }
  return GST_BUS_PASS;
}

static guint64
sum_table (Bench      *b,
           GHashTable *table)
{
  GHashTableIter iter;
  gpointer value;
  guint64 sum = 0;

  g_mutex_lock (&b->lock);
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    sum += GPOINTER_TO_SIZE (value);
  g_mutex_unlock (&b->lock);
  return sum;
}

static gboolean
is_base_sink (const GValue *value,
              gpointer      unused)
{
  GstElement *element = g_value_get_object (value);

  return GST_IS_BASE_SINK (element) ? 0 : 1;
}

/* The video sink inside playbin's video-sink (ours is a bin). */
static void
sink_stats (Bench   *b,
            guint64 *rendered,
            guint64 *dropped)
{
  g_autoptr(GstElement) video_sink = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstStructure) stats = NULL;

  *rendered = *dropped = 0;
  g_object_get (ts_player_get_pipeline (b->player), "video-sink", &video_sink, NULL);
  if (video_sink == NULL)
    return;

  if (GST_IS_BIN (video_sink))
    {
      g_autoptr(GstIterator) it = gst_bin_iterate_recurse (GST_BIN (video_sink));
      GValue found = G_VALUE_INIT;

      if (gst_iterator_find_custom (it, (GCompareFunc) is_base_sink, &found, NULL))
        {
          sink = g_value_dup_object (&found);
          g_value_unset (&found);
        }
    }
  else if (GST_IS_BASE_SINK (video_sink))
    sink = g_object_ref (video_sink);

  if (sink == NULL)
    return;

  g_object_get (sink, "stats", &stats, NULL);
  if (stats != NULL)
    {
      gst_structure_get_uint64 (stats, "rendered", rendered);
      gst_structure_get_uint64 (stats, "dropped", dropped);
    }
}

static void
paintable_counts (Bench   *b,
                  guint64 *made,
                  guint64 *replaced)
{
  GdkPaintable *paintable = ts_player_get_paintable (b->player);

  *made = *replaced = 0;
  if (TS_IS_VIDEO_PAINTABLE (paintable))
    {
      *made = ts_video_paintable_get_frames_rendered (TS_VIDEO_PAINTABLE (paintable));
      *replaced = ts_video_paintable_get_frames_dropped (TS_VIDEO_PAINTABLE (paintable));
    }
}

static const char *
renderer_name (Bench *b)
{
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (b->window));

  return renderer != NULL ? G_OBJECT_TYPE_NAME (renderer) : "none";
}

/* utime + stime of this process, in clock ticks, as play-bench.sh reads
 * them for gst-play-1.0. */
static guint64
cpu_ticks (void)
{
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL))
    return 0;
  after_name = strrchr (stat, ')');
  if (after_name == NULL)
    return 0;
  /* Fields from the state (3rd) on: utime and stime are the 14th and 15th. */
  fields = g_strsplit (after_name + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return 0;
  return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
}

static guint64
status_kib (const char *key)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, key);
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen (key) + 1, NULL, 10);
}

static gboolean
finish_cb (gpointer user_data)
{
  Bench *b = user_data;
  guint64 sink_rendered, sink_dropped, made, replaced;
  guint64 qos_dropped = sum_table (b, b->qos_dropped);
  guint64 qos_processed = sum_table (b, b->qos_processed);

  guint64 cpu = cpu_ticks () - b->base_cpu;
  double elapsed = (g_get_monotonic_time () - b->base_time) / (double) G_USEC_PER_SEC;

  sink_stats (b, &sink_rendered, &sink_dropped);
  paintable_counts (b, &made, &replaced);

  printf ("{\"renderer\": \"%s\", \"seconds\": %.2f, "
          "\"cpu_percent\": %.1f, \"rss_kib\": %" G_GUINT64_FORMAT ", "
          "\"hwm_kib\": %" G_GUINT64_FORMAT ", "
          "\"qos_dropped\": %" G_GUINT64_FORMAT ", \"qos_processed\": %" G_GUINT64_FORMAT ", "
          "\"sink_rendered\": %" G_GUINT64_FORMAT ", \"sink_dropped\": %" G_GUINT64_FORMAT ", "
          "\"paintable_made\": %" G_GUINT64_FORMAT ", \"paintable_replaced\": %" G_GUINT64_FORMAT ", "
          "\"painted\": %" G_GUINT64_FORMAT "}\n",
          renderer_name (b), elapsed,
          100.0 * cpu / sysconf (_SC_CLK_TCK) / elapsed,
          status_kib ("VmRSS:"), status_kib ("VmHWM:"),
          qos_dropped - b->base_qos_dropped, qos_processed - b->base_qos_processed,
          sink_rendered - b->base_sink_rendered, sink_dropped - b->base_sink_dropped,
          made - b->base_made, replaced - b->base_replaced, b->painted - b->base_painted);
  fflush (stdout);
  g_main_loop_quit (b->loop);
  return G_SOURCE_REMOVE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Bench         *b)
{
  b->painted++;
}

static gboolean
start_cb (gpointer user_data)
{
  Bench *b = user_data;

  b->base_cpu = cpu_ticks ();
  b->base_time = g_get_monotonic_time ();
  b->base_qos_dropped = sum_table (b, b->qos_dropped);
  b->base_qos_processed = sum_table (b, b->qos_processed);
  sink_stats (b, &b->base_sink_rendered, &b->base_sink_dropped);
  paintable_counts (b, &b->base_made, &b->base_replaced);
  b->base_painted = b->painted;

  printf ("START\n");
  fflush (stdout);
  g_timeout_add ((guint) (b->seconds * 1000), finish_cb, b);
  return G_SOURCE_REMOVE;
}

static void
texture_cb (Bench *b)
{
  if (b->ready)
    return;

  b->ready = TRUE;
  g_signal_connect (gtk_widget_get_frame_clock (b->window), "after-paint",
                    G_CALLBACK (after_paint_cb), b);
  printf ("READY %s\n", renderer_name (b));
  fflush (stdout);
  g_timeout_add ((guint) (b->warmup * 1000), start_cb, b);
}

static void
error_cb (TsPlayer     *player,
          const GError *error,
          Bench        *b)
{
  b->error = g_strdup (error->message);
  g_main_loop_quit (b->loop);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Bench *b = user_data;

  if (!b->ready)
    {
      b->error = g_strdup ("no frame was drawn within 30 s");
      g_main_loop_quit (b->loop);
    }
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  static const char * const probe_argv[] = { "/proc/self/exe", TS_RENDERER_PROBE_ARG, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *audio_sink;
  int width = 1100, height = 720;
  double seconds = 30, warmup = 2;
  Bench b = { 0 };
  GOptionEntry entries[] = {
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "Window width", "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, "Window height", "H" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Seconds measured", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup, "Seconds after the first frame before measuring", "S" },
    { NULL }
  };

  if (argc == 2 && g_strcmp0 (argv[1], TS_RENDERER_PROBE_ARG) == 0)
    return ts_renderer_probe_main ();

  options = g_option_context_new ("FILE");
  g_option_context_add_main_entries (options, entries, NULL);
  g_option_context_add_group (options, gst_init_get_option_group ());
  if (!g_option_context_parse (options, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("usage: play-bench FILE [--width W] [--height H] [--seconds N]%s%s\n",
                  error != NULL ? ": " : "", error != NULL ? error->message : "");
      return 2;
    }

  /* As the app does: its "default" renderer is the app's. */
  ts_renderer_choose (probe_argv, NULL);
  gtk_init ();
  gst_init (NULL, NULL);

  b.loop = g_main_loop_new (NULL, FALSE);
  b.seconds = seconds;
  b.warmup = warmup;
  g_mutex_init (&b.lock);
  b.qos_dropped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  b.qos_processed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  audio_sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (audio_sink, "sync", TRUE, NULL);
  b.player = g_object_new (TS_TYPE_PLAYER, "audio-sink", audio_sink, NULL);

  bus = gst_element_get_bus (ts_player_get_pipeline (b.player));
  gst_bus_set_sync_handler (bus, bus_sync_cb, &b, NULL);

  b.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (b.window), width, height);
  b.picture = gtk_picture_new_for_paintable (ts_player_get_paintable (b.player));
  gtk_picture_set_can_shrink (GTK_PICTURE (b.picture), TRUE);
#if GTK_CHECK_VERSION (4, 8, 0)
  gtk_picture_set_content_fit (GTK_PICTURE (b.picture), GTK_CONTENT_FIT_CONTAIN);
#endif
  gtk_window_set_child (GTK_WINDOW (b.window), b.picture);
  gtk_window_present (GTK_WINDOW (b.window));

  g_signal_connect_swapped (ts_player_get_paintable (b.player), "notify::texture",
                            G_CALLBACK (texture_cb), &b);
  g_signal_connect (b.player, "error", G_CALLBACK (error_cb), &b);
  g_timeout_add_seconds (30, timeout_cb, &b);

  file = g_file_new_for_commandline_arg (argv[1]);
  uri = g_file_get_uri (file);
  ts_player_set_uri (b.player, uri);
  ts_player_play (b.player);

  g_main_loop_run (b.loop);

  ts_player_stop (b.player);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (b.window));
  g_clear_object (&b.player);
  g_hash_table_unref (b.qos_dropped);
  g_hash_table_unref (b.qos_processed);
  g_main_loop_unref (b.loop);

  if (b.error != NULL)
    {
      g_printerr ("play-bench: %s\n", b.error);
      g_free (b.error);
      return 1;
    }
  return 0;
}
