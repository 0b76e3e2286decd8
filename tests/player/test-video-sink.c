/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include <gtk/gtk.h>

#include "player-test-util.h"
#include "ts-video-sink.h"

#define CLIP_FRAMES 50
#define WIDTH 320
#define HEIGHT 240

typedef struct {
  GdkPaintable *paintable;
  GdkTexture   *seen;       /* a texture to move on from, or NULL */
  gboolean      eos;
  GError       *error;
} PlayData;

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  PlayData *data = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS)
    data->eos = TRUE;
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR && data->error == NULL)
    gst_message_parse_error (message, &data->error, NULL);

  return G_SOURCE_CONTINUE;
}

static gboolean
has_new_texture (gpointer user_data)
{
  PlayData *data = user_data;
  GdkTexture *texture = ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (data->paintable));

  return data->error != NULL || (texture != NULL && texture != data->seen);
}

static gboolean
is_eos (gpointer user_data)
{
  PlayData *data = user_data;

  return data->eos || data->error != NULL;
}

static guchar *
download (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  guchar *pixels = g_malloc (width * height * 4);

  gdk_texture_download (texture, pixels, width * 4);
  return pixels;
}

/* Plays @path through playbin into our sink and checks that frames reach
 * the paintable, with the size a person should see, and that they move. */
static void
play_file (const char *path,
           int         expect_width,
           int         expect_height)
{
  g_autoptr(GstElement) playbin = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autofree char *uri = NULL;
  g_autofree guchar *first = NULL;
  g_autofree guchar *second = NULL;
  g_autoptr(GdkTexture) first_texture = NULL;
  GdkTexture *texture;
  GstElement *sink;
  PlayData data = { 0 };
  GSource *watch;
  guint64 rendered, dropped;

  sink = ts_video_sink_create (TS_VIDEO_SINK_CHOICE_OWN, &data.paintable);
  g_assert_nonnull (sink);
  g_assert_true (TS_IS_VIDEO_PAINTABLE (data.paintable));
  /* Nothing to show yet. */
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (data.paintable), ==, 0);
  g_assert_null (ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (data.paintable)));

  playbin = gst_element_factory_make ("playbin", NULL);
  gst_object_ref_sink (playbin);
  uri = gst_filename_to_uri (path, NULL);
  g_object_set (playbin,
                "uri", uri,
                "video-sink", sink,
                "audio-sink", gst_element_factory_make ("fakesink", NULL),
                NULL);

  bus = gst_element_get_bus (playbin);
  watch = gst_bus_create_watch (bus);
  g_source_set_callback (watch, G_SOURCE_FUNC (bus_cb), &data, NULL);
  g_source_attach (watch, NULL);

  g_assert_cmpint (gst_element_set_state (playbin, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);

  g_assert_true (player_test_wait (has_new_texture, &data, 20000));
  g_assert_no_error (data.error);
  first_texture = g_object_ref (ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (data.paintable)));
  g_assert_cmpint (gdk_texture_get_width (first_texture), ==, WIDTH);
  g_assert_cmpint (gdk_texture_get_height (first_texture), ==, HEIGHT);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (data.paintable), ==, expect_width);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (data.paintable), ==, expect_height);
  g_assert_cmpfloat_with_epsilon (gdk_paintable_get_intrinsic_aspect_ratio (data.paintable),
                                  (double) expect_width / expect_height, 0.01);
  first = download (first_texture);

  /* Films come as 24-bit RGB, which GTK 4.8 converts fast. */
  {
    g_autoptr(GstIterator) it = gst_bin_iterate_sinks (GST_BIN (sink));
    GValue item = G_VALUE_INIT;
    g_autoptr(GstPad) pad = NULL;
    g_autoptr(GstCaps) caps = NULL;
    GstVideoInfo info;

    g_assert_cmpint (gst_iterator_next (it, &item), ==, GST_ITERATOR_OK);
    pad = gst_element_get_static_pad (g_value_get_object (&item), "sink");
    g_value_unset (&item);
    caps = gst_pad_get_current_caps (pad);
    g_assert_true (gst_video_info_from_caps (&info, caps));
    g_assert_cmpint (GST_VIDEO_INFO_COMP_PSTRIDE (&info, 0), ==, 3);
  }

  /* Frames come from the decoder with opaque alpha (GTK 4.8 has no format
   * without alpha, and we tell it the frames are premultiplied). */
  for (int i = 0; i < WIDTH * HEIGHT; i++)
    g_assert_cmpuint (first[i * 4 + 3], ==, 0xff);

  /* The ball moves: a later frame has other pixels. (The preroll frame is
   * shown twice, when prerolled and when playing starts.) */
  for (int tries = 0; tries < 10; tries++)
    {
      data.seen = ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (data.paintable));
      g_assert_true (player_test_wait (has_new_texture, &data, 20000));
      g_assert_no_error (data.error);
      texture = ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (data.paintable));
      g_clear_pointer (&second, g_free);
      second = download (texture);
      if (memcmp (first, second, WIDTH * HEIGHT * 4) != 0)
        break;
    }
  g_assert_true (memcmp (first, second, WIDTH * HEIGHT * 4) != 0);

  /* The current image is a snapshot of the frame shown. */
  {
    g_autoptr(GdkPaintable) image = gdk_paintable_get_current_image (data.paintable);

    g_assert_true (image == GDK_PAINTABLE (texture));
  }

  g_assert_true (player_test_wait (is_eos, &data, 30000));
  g_assert_no_error (data.error);
  /* Let the last frame arrive on this context. */
  data.seen = ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (data.paintable));
  player_test_wait (has_new_texture, &data, 200);

  rendered = ts_video_paintable_get_frames_rendered (TS_VIDEO_PAINTABLE (data.paintable));
  dropped = ts_video_paintable_get_frames_dropped (TS_VIDEO_PAINTABLE (data.paintable));
  g_test_message ("%" G_GUINT64_FORMAT " frames rendered, %" G_GUINT64_FORMAT " dropped",
                  rendered, dropped);
  g_assert_cmpuint (rendered, >=, 2);
  /* The preroll frame is shown twice. */
  g_assert_cmpuint (rendered + dropped, <=, CLIP_FRAMES + 1);
  /* Playing in real time on an idle main loop, few frames are replaced
   * before they are shown. */
  g_assert_cmpuint (rendered, >=, CLIP_FRAMES / 2);

  gst_element_set_state (playbin, GST_STATE_NULL);
  g_source_destroy (watch);
  g_source_unref (watch);
  g_clear_object (&first_texture);
  gst_clear_object (&playbin);
  player_test_assert_finalized (data.paintable);
}

static void
test_play_mp4 (void)
{
  g_autofree char *path = g_build_filename (player_test_dir (), "clip.mp4", NULL);

  player_test_make_media ("videotestsrc num-buffers=50 pattern=ball"
                          " ! video/x-raw,width=320,height=240,framerate=25/1"
                          " ! x264enc speed-preset=ultrafast key-int-max=10"
                          " ! mp4mux ! filesink location=@PATH@", path);
  play_file (path, WIDTH, HEIGHT);
}

static void
test_play_webm_non_square (void)
{
  g_autofree char *path = g_build_filename (player_test_dir (), "clip.webm", NULL);

  /* Anamorphic: 320×240 pixels shown 4/3 wider. WebM stores the display
   * width as a whole number of pixels, 426, which is the PAR we get back. */
  player_test_make_media ("videotestsrc num-buffers=50 pattern=ball"
                          " ! video/x-raw,width=320,height=240,framerate=25/1,pixel-aspect-ratio=4/3"
                          " ! vp8enc deadline=1 ! webmmux ! filesink location=@PATH@", path);
  play_file (path, 426, HEIGHT);
}

static gboolean
has_texture (gpointer user_data)
{
  return ts_video_paintable_get_texture (user_data) != NULL;
}

/* videotestsrc draws an orange with alpha 0x40 (straight: R ff, G 80, B 00)
 * in @format, then @after runs. The texture GTK gets is checked in its
 * premultiplied download (B, G, R, A). */
static void
check_alpha (const char *format,
             const char *after,
             guint8      alpha)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) source = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autofree guchar *pixels = NULL;
  g_autofree char *description = NULL;
  GdkTexture *texture;
  GstElement *sink;

  g_test_message ("%s%s", format, after);
  description = g_strdup_printf ("videotestsrc pattern=solid-color foreground-color=0x40ff8000"
                                 " num-buffers=5 ! capsfilter caps=video/x-raw,format=%s,"
                                 "width=64,height=48 %s", format, after);
  pipeline = gst_pipeline_new (NULL);
  gst_object_ref_sink (pipeline);
  source = gst_parse_bin_from_description (description, TRUE, &error);
  g_assert_no_error (error);
  sink = ts_video_sink_create (TS_VIDEO_SINK_CHOICE_OWN, &paintable);
  gst_bin_add_many (GST_BIN (pipeline), g_object_ref (source), sink, NULL);
  g_assert_true (gst_element_link (source, sink));

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_assert_true (player_test_wait (has_texture, paintable, 10000));

  texture = ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (paintable));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 64);
  pixels = download (texture);
  for (int i = 0; i < 64 * 48; i++)
    {
      guint8 *p = pixels + i * 4;

      /* Through YUV, colours may be a few steps off. */
      g_assert_cmpint (ABS (p[3] - alpha), <=, 2);
      g_assert_cmpint (ABS (p[2] - (0xff * alpha / 0xff)), <=, 6);
      g_assert_cmpint (ABS (p[1] - (0x80 * alpha / 0xff)), <=, 6);
      g_assert_cmpint (p[0], <=, 6);
    }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_clear_object (&pipeline);
  gst_clear_object (&source);
  player_test_assert_finalized (g_steal_pointer (&paintable));
}

/* Real transparency stays (and is premultiplied correctly); the padding
 * byte of BGRx-like frames, which holds 0x40 here, is made opaque; frames
 * from formats without alpha are opaque. */
static void
test_alpha (void)
{
  check_alpha ("BGRA", "", 0x40);
  check_alpha ("RGBA", "", 0x40);
  check_alpha ("ARGB", "", 0x40);
  check_alpha ("AYUV", "", 0x40);
  check_alpha ("BGRA", "! videoconvert ! capsfilter caps=video/x-raw,format=BGRx", 0xff);
  check_alpha ("BGRA", "! videoconvert ! capsfilter caps=video/x-raw,format=xRGB", 0xff);
  check_alpha ("BGRA", "! videoconvert ! capsfilter caps=video/x-raw,format=RGB", 0xff);
  check_alpha ("BGRA", "! videoconvert ! capsfilter caps=video/x-raw,format=I420", 0xff);
}

static void
draw_at (GdkPaintable *paintable,
         double        width,
         double        height)
{
  GtkSnapshot *snapshot;
  GskRenderNode *node;

  /* Without gtk_init(), render node types are registered on first use. */
  g_type_ensure (GSK_TYPE_TEXTURE_NODE);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_clear_pointer (&node, gsk_render_node_unref);
}

typedef struct {
  GdkPaintable *paintable;
  int           width;      /* the texture width waited for */
  int           first_width; /* of the first texture after a restart, or 0 */
} ScaleData;

static void
texture_notify_cb (TsVideoPaintable *paintable,
                   GParamSpec       *pspec,
                   ScaleData        *data)
{
  GdkTexture *texture = ts_video_paintable_get_texture (paintable);

  if (data->first_width == 0 && texture != NULL)
    data->first_width = gdk_texture_get_width (texture);
}

static gboolean
has_texture_width (gpointer user_data)
{
  ScaleData *data = user_data;
  GdkTexture *texture = ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (data->paintable));

  return texture != NULL && gdk_texture_get_width (texture) == data->width;
}

static gboolean
has_first_width (gpointer user_data)
{
  ScaleData *data = user_data;

  return data->first_width > 0;
}

/* Drawn smaller than the film, frames are scaled down to the drawn size
 * (in the film's shape) while the paintable keeps the film's size; drawn
 * larger, they come at the film's own size again, never scaled up. */
static void
test_scale_down (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) source = NULL;
  GdkTexture *texture;
  GstElement *sink;
  ScaleData data = { 0 };

  pipeline = gst_pipeline_new (NULL);
  gst_object_ref_sink (pipeline);
  source = gst_parse_bin_from_description ("videotestsrc is-live=true pattern=ball num-buffers=250"
                                           " ! capsfilter caps=video/x-raw,width=320,height=240,framerate=25/1",
                                           TRUE, &error);
  g_assert_no_error (error);
  sink = ts_video_sink_create (TS_VIDEO_SINK_CHOICE_OWN, &data.paintable);
  gst_bin_add_many (GST_BIN (pipeline), g_object_ref (source), sink, NULL);
  g_assert_true (gst_element_link (source, sink));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  data.width = WIDTH;
  g_assert_true (player_test_wait (has_texture_width, &data, 10000));

  /* A little wider than the film's shape: the height decides. */
  draw_at (data.paintable, 170, 120);
  data.width = 160;
  g_assert_true (player_test_wait (has_texture_width, &data, 5000));
  texture = ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (data.paintable));
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 120);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (data.paintable), ==, WIDTH);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (data.paintable), ==, HEIGHT);

  /* Restarted, the stream comes at its own size first: the scale was for
   * the last one. */
  gst_element_set_state (pipeline, GST_STATE_READY);
  data.first_width = -1;
  /* A frame still waiting for this context is from before. */
  while (g_main_context_iteration (NULL, FALSE));
  g_signal_connect (data.paintable, "notify::texture", G_CALLBACK (texture_notify_cb), &data);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  data.first_width = 0;
  g_assert_true (player_test_wait (has_first_width, &data, 5000));
  g_assert_cmpint (data.first_width, ==, WIDTH);
  /* And then follows the drawn size again. */
  data.width = 160;
  g_assert_true (player_test_wait (has_texture_width, &data, 5000));
  g_signal_handlers_disconnect_by_func (data.paintable, texture_notify_cb, &data);

  draw_at (data.paintable, 640, 480);
  data.width = WIDTH;
  g_assert_true (player_test_wait (has_texture_width, &data, 5000));
  texture = ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (data.paintable));
  g_assert_cmpint (gdk_texture_get_height (texture), ==, HEIGHT);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_clear_object (&pipeline);
  gst_clear_object (&source);
  player_test_assert_finalized (g_steal_pointer (&data.paintable));
}

static void
count_cb (gpointer  instance,
          int      *count)
{
  (*count)++;
}

/* Frames pushed faster than the main context runs: only the newest is
 * shown; clearing forgets the frame and the size. */
static void
test_paintable (void)
{
  g_autoptr(GstBuffer) buffer = NULL;
  g_autoptr(GstBuffer) padded = NULL;
  TsVideoPaintable *paintable = ts_video_paintable_new ();
  GstVideoInfo info;
  int size_changes = 0, content_changes = 0;

  g_signal_connect (paintable, "invalidate-size", G_CALLBACK (count_cb), &size_changes);
  g_signal_connect (paintable, "invalidate-contents", G_CALLBACK (count_cb), &content_changes);

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_BGRA, 16, 8);
  buffer = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_memset (buffer, 0, 0xff, info.size);

  ts_video_paintable_push_frame (paintable, buffer, &info, TS_VIDEO_ALPHA_OPAQUE);
  ts_video_paintable_push_frame (paintable, buffer, &info, TS_VIDEO_ALPHA_OPAQUE);
  g_assert_true (player_test_wait (has_texture, paintable, 5000));
  /* Let a stray second wake-up run if one was queued: there must be none. */
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (ts_video_paintable_get_frames_rendered (paintable), ==, 1);
  g_assert_cmpuint (ts_video_paintable_get_frames_dropped (paintable), ==, 1);
  g_assert_cmpint (content_changes, ==, 1);
  g_assert_cmpint (size_changes, ==, 1);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 16);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (paintable)), ==, 8);

  /* The same size again: contents change, size does not. Padding alpha
   * (0x10 here) is made opaque in a copy; the frame pushed stays as it was. */
  padded = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_memset (padded, 0, 0x10, info.size);
  ts_video_paintable_push_frame (paintable, padded, &info, TS_VIDEO_ALPHA_UNDEFINED);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpint (content_changes, ==, 2);
  g_assert_cmpint (size_changes, ==, 1);
  {
    g_autofree guchar *pixels = download (ts_video_paintable_get_texture (paintable));
    guint8 byte = 0;

    g_assert_cmpuint (pixels[0], ==, 0x10);
    g_assert_cmpuint (pixels[3], ==, 0xff);
    gst_buffer_extract (padded, 3, &byte, 1);
    g_assert_cmpuint (byte, ==, 0x10);
  }

  ts_video_paintable_clear (paintable);
  g_assert_null (ts_video_paintable_get_texture (paintable));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 0);
  g_assert_cmpint (size_changes, ==, 2);

  g_assert_finalize_object (paintable);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/player/video-sink/mp4", test_play_mp4);
  g_test_add_func ("/player/video-sink/webm-non-square-pixels", test_play_webm_non_square);
  g_test_add_func ("/player/video-sink/alpha", test_alpha);
  g_test_add_func ("/player/video-sink/paintable", test_paintable);
  g_test_add_func ("/player/video-sink/scale-down", test_scale_down);

  ret = g_test_run ();
  player_test_cleanup ();
  return ret;
}
