/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gtk/gtk.h>
#include <libsoup/soup.h>
#include <string.h>

#include "player-test-util.h"
#include "ts-demux-lead.h"
#include "ts-player.h"
#include "ts-player-enums.h"
#include "ts-video-paintable.h"

#define DURATION (5 * GST_SECOND)

static char *film_path;

/* 5 s: a moving ball (H.264, a key frame and a cue every 0.2 s), two Vorbis tracks
 * (English "Main", French) and German SRT subtitles, in Matroska. */
static const char *
film (void)
{
  if (film_path == NULL)
    {
      g_autofree char *srt = g_build_filename (player_test_dir (), "film.srt", NULL);
      g_autofree char *description = NULL;
      g_autoptr(GError) error = NULL;

      g_file_set_contents (srt,
                           "1\n00:00:00,500 --> 00:00:02,000\nHallo\n\n"
                           "2\n00:00:02,500 --> 00:00:04,500\nZweite Zeile\n", -1, &error);
      g_assert_no_error (error);

      film_path = g_build_filename (player_test_dir (), "film.mkv", NULL);
      description = g_strdup_printf (
        "matroskamux name=mux min-cluster-duration=100000000 ! filesink location=@PATH@"
        " videotestsrc num-buffers=125 pattern=ball"
        "   ! video/x-raw,width=320,height=240,framerate=25/1"
        "   ! x264enc speed-preset=ultrafast key-int-max=5 ! h264parse ! mux."
        " audiotestsrc num-buffers=250 samplesperbuffer=882 freq=440"
        "   ! audio/x-raw,rate=44100,channels=2 ! vorbisenc"
        "   ! taginject tags=\"language-code=en,title=Main\" ! mux."
        " audiotestsrc num-buffers=250 samplesperbuffer=882 freq=880"
        "   ! audio/x-raw,rate=44100,channels=2 ! vorbisenc"
        "   ! taginject tags=\"language-code=fr\" ! mux."
        " filesrc location=%s ! subparse ! taginject tags=\"language-code=de\" ! mux.",
        srt);
      player_test_make_media (description, film_path);
    }

  return film_path;
}

static TsPlayer *
new_player (void)
{
  GstElement *audio_sink = gst_element_factory_make ("fakesink", NULL);

  /* sync: the audio clock runs in real time as with a sound card. */
  g_object_set (audio_sink, "sync", TRUE, NULL);
  return g_object_new (TS_TYPE_PLAYER, "audio-sink", audio_sink, NULL);
}

typedef struct {
  TsPlayer      *player;
  TsPlayerState  state;
  GError        *error;
  guint          eos;
} Waiter;

static void
error_cb (TsPlayer     *player,
          const GError *error,
          Waiter       *waiter)
{
  g_test_message ("error: %s", error->message);
  g_clear_error (&waiter->error);
  waiter->error = g_error_copy (error);
}

static void
eos_cb (TsPlayer *player,
        Waiter   *waiter)
{
  waiter->eos++;
}

static void
waiter_init (Waiter   *waiter,
             TsPlayer *player)
{
  memset (waiter, 0, sizeof *waiter);
  waiter->player = player;
  g_signal_connect (player, "error", G_CALLBACK (error_cb), waiter);
  g_signal_connect (player, "eos", G_CALLBACK (eos_cb), waiter);
}

static void
waiter_clear (Waiter *waiter)
{
  g_signal_handlers_disconnect_by_data (waiter->player, waiter);
  g_clear_error (&waiter->error);
}

static gboolean
state_reached (gpointer data)
{
  Waiter *waiter = data;

  return waiter->error != NULL || ts_player_get_state (waiter->player) == waiter->state;
}

static gboolean
eos_reached (gpointer data)
{
  Waiter *waiter = data;

  return waiter->error != NULL || waiter->eos > 0;
}

static void
wait_state (Waiter        *waiter,
            TsPlayerState  state)
{
  waiter->state = state;
  if (!player_test_wait (state_reached, waiter, 20000))
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (TS_TYPE_PLAYER_STATE);

      g_error ("State %s not reached (still %s)",
               g_enum_get_value (klass, state)->value_nick,
               g_enum_get_value (klass, ts_player_get_state (waiter->player))->value_nick);
    }
  g_assert_no_error (waiter->error);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static void
run_for (guint ms)
{
  player_test_wait (never, NULL, ms);
}

static GdkTexture *
current_texture (TsPlayer *player)
{
  return ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (ts_player_get_paintable (player)));
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

static void
test_play (void)
{
  TsPlayer *player = new_player ();
  g_autofree char *uri = gst_filename_to_uri (film (), NULL);
  GListModel *audio, *text;
  GstElement *playbin = ts_player_get_pipeline (player);
  Waiter waiter;
  gint64 p1, p2;
  double linear = 0;
  gboolean mute = FALSE;
  int current = -1;

  waiter_init (&waiter, player);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_STOPPED);
  g_assert_true (GDK_IS_PAINTABLE (ts_player_get_paintable (player)));

  /* Without a URI there is nothing to play. */
  ts_player_play (player);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_STOPPED);

  ts_player_set_uri (player, uri);
  g_assert_cmpstr (ts_player_get_uri (player), ==, uri);
  ts_player_play (player);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_BUFFERING);
  wait_state (&waiter, TS_PLAYER_STATE_PLAYING);

  g_assert_cmpint (ABS (ts_player_get_duration (player) - DURATION), <, GST_SECOND / 5);
  g_assert_true (ts_player_get_seekable (player));
  g_assert_nonnull (current_texture (player));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (ts_player_get_paintable (player)), ==, 320);

  /* The position advances in real time. */
  p1 = ts_player_get_position (player);
  run_for (800);
  p2 = ts_player_get_position (player);
  g_test_message ("position %" GST_TIME_FORMAT " → %" GST_TIME_FORMAT,
                  GST_TIME_ARGS (p1), GST_TIME_ARGS (p2));
  g_assert_cmpint (p2 - p1, >, 400 * GST_MSECOND);
  g_assert_cmpint (p2 - p1, <, 1500 * GST_MSECOND);

  /* Tracks, labelled by language (and title). */
  audio = ts_player_get_audio_tracks (player);
  text = ts_player_get_text_tracks (player);
  g_assert_cmpuint (g_list_model_get_n_items (audio), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (text), ==, 1);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (audio), 0), ==, "English — Main");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (audio), 1), ==, "French");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (text), 0), ==, "German");
  g_assert_cmpint (ts_player_get_current_audio (player), ==, 0);
  g_assert_cmpint (ts_player_get_current_text (player), ==, 0);

  ts_player_set_current_audio (player, 1);
  g_object_get (playbin, "current-audio", &current, NULL);
  g_assert_cmpint (current, ==, 1);
  ts_player_set_current_text (player, -1);
  g_assert_cmpint (ts_player_get_current_text (player), ==, -1);

  /* Volume is on a cubic scale, as a slider shows it. */
  ts_player_set_volume (player, 0.5);
  g_object_get (playbin, "volume", &linear, NULL);
  g_assert_cmpfloat_with_epsilon (linear, 0.125, 0.001);
  ts_player_set_volume (player, 7.0);
  g_assert_cmpfloat (ts_player_get_volume (player), ==, 1.0);
  ts_player_set_muted (player, TRUE);
  g_object_get (playbin, "mute", &mute, NULL);
  g_assert_true (mute);

  ts_player_pause (player);
  wait_state (&waiter, TS_PLAYER_STATE_PAUSED);
  run_for (100);
  p1 = ts_player_get_position (player);
  run_for (500);
  g_assert_cmpint (ts_player_get_position (player), ==, p1);

  ts_player_stop (player);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_STOPPED);
  g_assert_cmpint (ts_player_get_position (player), ==, 0);
  g_assert_cmpint (ts_player_get_duration (player), ==, -1);
  g_assert_cmpuint (g_list_model_get_n_items (audio), ==, 0);
  g_assert_null (current_texture (player));

  waiter_clear (&waiter);
  player_test_assert_finalized (player);
}

static void
test_seek (void)
{
  TsPlayer *player = new_player ();
  g_autofree char *uri = gst_filename_to_uri (film (), NULL);
  g_autofree guchar *before = NULL;
  g_autofree guchar *after = NULL;
  TsVideoPaintable *paintable;
  Waiter waiter;
  guint64 rendered;
  gint64 target;

  waiter_init (&waiter, player);
  paintable = TS_VIDEO_PAINTABLE (ts_player_get_paintable (player));
  ts_player_set_uri (player, uri);

  /* Paused shows the first frame. */
  ts_player_pause (player);
  wait_state (&waiter, TS_PLAYER_STATE_PAUSED);
  g_assert_nonnull (current_texture (player));
  before = download (current_texture (player));
  rendered = ts_video_paintable_get_frames_rendered (paintable);

  /* Seek to 70 %: a frame from there is decoded and shown. */
  target = ts_player_get_duration (player) * 7 / 10;
  ts_player_seek (player, target);
  g_assert_cmpint (ts_player_get_position (player), ==, target);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_BUFFERING);
  wait_state (&waiter, TS_PLAYER_STATE_PAUSED);
  g_assert_cmpint (ABS (ts_player_get_position (player) - target), <=, 200 * GST_MSECOND);

  run_for (200);
  g_assert_cmpuint (ts_video_paintable_get_frames_rendered (paintable), >, rendered);
  after = download (current_texture (player));
  g_assert_true (memcmp (before, after, 320 * 240 * 4) != 0);

  /* Play on from there, then to the end: paused on the last frame. */
  ts_player_play (player);
  wait_state (&waiter, TS_PLAYER_STATE_PLAYING);
  g_assert_cmpint (ts_player_get_position (player), >=, target - 200 * GST_MSECOND);
  g_assert_true (player_test_wait (eos_reached, &waiter, 20000));
  g_assert_no_error (waiter.error);
  g_assert_cmpuint (waiter.eos, ==, 1);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_PAUSED);
  g_assert_cmpint (ts_player_get_position (player), ==, ts_player_get_duration (player));

  /* Play after the end starts again. */
  ts_player_play (player);
  wait_state (&waiter, TS_PLAYER_STATE_PLAYING);
  g_assert_cmpint (ts_player_get_position (player), <, GST_SECOND);

  /* Seeks while stopped are kept for the start. */
  ts_player_stop (player);
  ts_player_seek (player, 2 * GST_SECOND);
  ts_player_pause (player);
  wait_state (&waiter, TS_PLAYER_STATE_PAUSED);
  g_assert_cmpint (ABS (ts_player_get_position (player) - 2 * GST_SECOND), <=, 200 * GST_MSECOND);

  waiter_clear (&waiter);
  player_test_assert_finalized (player);
}

static void
test_suburi (void)
{
  TsPlayer *player = new_player ();
  g_autofree char *uri = gst_filename_to_uri (film (), NULL);
  g_autofree char *srt = g_build_filename (player_test_dir (), "extra.srt", NULL);
  g_autofree char *suburi = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *text;
  Waiter waiter;

  /* Longer than the 129 bytes the subtitle type finder looks at. */
  g_file_set_contents (srt,
                       "1\n00:00:00,000 --> 00:00:01,500\nAn external subtitle\n\n"
                       "2\n00:00:01,500 --> 00:00:03,000\nIts second line\n\n"
                       "3\n00:00:03,000 --> 00:00:04,500\nAnd its third line\n\n", -1, &error);
  g_assert_no_error (error);
  suburi = gst_filename_to_uri (srt, NULL);

  waiter_init (&waiter, player);
  text = ts_player_get_text_tracks (player);
  ts_player_set_uri (player, uri);
  ts_player_pause (player);
  wait_state (&waiter, TS_PLAYER_STATE_PAUSED);
  g_assert_cmpuint (g_list_model_get_n_items (text), ==, 1);

  ts_player_seek (player, 2 * GST_SECOND);
  wait_state (&waiter, TS_PLAYER_STATE_PAUSED);

  /* Adding an external subtitle restarts where we were, with one more
   * subtitle track. */
  ts_player_set_suburi (player, suburi);
  g_assert_cmpstr (ts_player_get_suburi (player), ==, suburi);
  wait_state (&waiter, TS_PLAYER_STATE_PAUSED);
  g_assert_cmpuint (g_list_model_get_n_items (text), ==, 2);
  g_assert_cmpint (ABS (ts_player_get_position (player) - 2 * GST_SECOND), <=, 200 * GST_MSECOND);

  /* Another film forgets the subtitle of the last one. */
  ts_player_set_uri (player, suburi);
  g_assert_null (ts_player_get_suburi (player));

  waiter_clear (&waiter);
  player_test_assert_finalized (player);
}

static void
check_error (const char    *uri,
             TsPlayerError  code)
{
  TsPlayer *player = new_player ();
  Waiter waiter;

  waiter_init (&waiter, player);
  ts_player_set_uri (player, uri);
  ts_player_play (player);

  waiter.state = TS_PLAYER_STATE_STOPPED;
  g_assert_true (player_test_wait (state_reached, &waiter, 20000));
  g_assert_error (waiter.error, TS_PLAYER_ERROR, (int) code);
  g_assert_cmpint (strlen (waiter.error->message), >, 10);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_STOPPED);

  waiter_clear (&waiter);
  player_test_assert_finalized (player);
}

static void
test_errors (void)
{
  g_autofree char *missing = g_build_filename (player_test_dir (), "missing.mkv", NULL);
  g_autofree char *missing_uri = gst_filename_to_uri (missing, NULL);
  g_autofree char *junk = g_build_filename (player_test_dir (), "junk.mkv", NULL);
  g_autofree char *junk_uri = gst_filename_to_uri (junk, NULL);
  g_autofree char *html = g_build_filename (player_test_dir (), "page.mp4", NULL);
  g_autofree char *html_uri = gst_filename_to_uri (html, NULL);
  g_autoptr(GError) error = NULL;
  guint8 bytes[64 * 1024];

  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = g_test_rand_int_range (0, 256);
  g_file_set_contents (junk, (const char *) bytes, sizeof bytes, &error);
  g_assert_no_error (error);
  g_file_set_contents (html, "<!DOCTYPE html><html><body>Not found</body></html>\n", -1, &error);
  g_assert_no_error (error);

  check_error (missing_uri, TS_PLAYER_ERROR_NOT_FOUND);
  check_error (junk_uri, TS_PLAYER_ERROR_NOT_MEDIA);
  check_error (html_uri, TS_PLAYER_ERROR_NOT_MEDIA);
}

/* Over HTTP (souphttpsrc and queue2, which posts buffering messages). */
static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  GMappedFile *file = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  gsize size = g_mapped_file_get_length (file);
  g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (file);
  SoupRange *ranges = NULL;
  int n_ranges = 0;

  soup_message_headers_set_content_type (headers, "video/x-matroska", NULL);
  soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
  if (soup_message_headers_get_ranges (soup_server_message_get_request_headers (msg),
                                       size, &ranges, &n_ranges))
    {
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (bytes, ranges[0].start,
                                                       ranges[0].end - ranges[0].start + 1);

      soup_message_headers_set_content_range (headers, ranges[0].start, ranges[0].end, size);
      soup_server_message_set_response (msg, "video/x-matroska", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (part, NULL), g_bytes_get_size (part));
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_message_headers_free_ranges (soup_server_message_get_request_headers (msg), ranges);
    }
  else
    {
      soup_server_message_set_response (msg, "video/x-matroska", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (bytes, NULL), size);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }
}

static void
source_setup_cb (GstElement  *playbin,
                 GstElement  *source,
                 GstElement **out)
{
  *out = gst_object_ref (source);
}

static void
buffering_cb (TsPlayer   *player,
              GParamSpec *pspec,
              int        *lowest)
{
  *lowest = MIN (*lowest, ts_player_get_buffering_percent (player));
}

static void
test_http (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = g_mapped_file_new (film (), FALSE, &error);
  g_autoptr(GstElement) source = NULL;
  g_autofree char *uri = NULL;
  GSList *uris;
  TsPlayer *player;
  Waiter waiter;
  int timeout = 0, retries = 0, lowest = 100;

  g_assert_no_error (error);
  soup_server_add_handler (server, NULL, server_cb, file, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  uri = g_strdup_printf ("http://127.0.0.1:%d/film.mkv", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  player = new_player ();
  waiter_init (&waiter, player);
  g_signal_connect (ts_player_get_pipeline (player), "source-setup",
                    G_CALLBACK (source_setup_cb), &source);
  g_signal_connect (player, "notify::buffering-percent", G_CALLBACK (buffering_cb), &lowest);
  ts_player_set_uri (player, uri);
  ts_player_play (player);
  wait_state (&waiter, TS_PLAYER_STATE_PLAYING);

  /* The source may wait long for pieces: its timeouts were raised. */
  g_assert_nonnull (source);
  g_object_get (source, "timeout", &timeout, "retries", &retries, NULL);
  g_assert_cmpint (timeout, ==, 60);
  g_assert_cmpint (retries, ==, 10);
  g_assert_cmpint (ts_player_get_buffering_percent (player), ==, 100);
  g_test_message ("lowest buffering percentage seen: %d", lowest);

  /* Seeking over HTTP (Range requests). */
  ts_player_seek (player, 3 * GST_SECOND);
  wait_state (&waiter, TS_PLAYER_STATE_PLAYING);
  g_assert_cmpint (ts_player_get_position (player), >=, 2800 * GST_MSECOND);

  ts_player_stop (player);
  waiter_clear (&waiter);
  gst_clear_object (&source);
  player_test_assert_finalized (player);
}

static void
pop_message (GstBus         *bus,
             GstMessageType  type)
{
  g_autoptr(GstMessage) message = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
                                                               type | GST_MESSAGE_ERROR);

  g_assert_nonnull (message);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_error ("pipeline error: %s", error->message);
    }
}

typedef struct {
  GstElement *source;
  GBytes     *film;
  gsize       fed;
  guint       held;           /* times the player held playback */
  gint64      held_at;
} Feed;

static void
feed_up_to (Feed  *f,
            gsize  end)
{
  gsize size = g_bytes_get_size (f->film);
  GstFlowReturn ret;

  end = MIN (end, size);
  while (f->fed < end)
    {
      gsize n = MIN (end - f->fed, 16 * 1024);
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (f->film, f->fed, n);
      GstBuffer *buffer = gst_buffer_new_wrapped_bytes (part);

      g_signal_emit_by_name (f->source, "push-buffer", buffer, &ret);
      gst_buffer_unref (buffer);
      f->fed += n;
    }
  if (f->fed == size)
    g_signal_emit_by_name (f->source, "end-of-stream", &ret);
}

static void
feed_setup_cb (GstElement *playbin,
               GstElement *source,
               Feed       *f)
{
  g_object_set (source, "size", (gint64) g_bytes_get_size (f->film), NULL);
  f->source = gst_object_ref (source);
}

static gboolean
feed_ready (gpointer data)
{
  Feed *f = data;

  return f->source != NULL;
}

static void
feed_state_cb (TsPlayer   *player,
               GParamSpec *pspec,
               Feed       *f)
{
  if (ts_player_get_state (player) != TS_PLAYER_STATE_BUFFERING || f->held > 0
      || f->fed == 0)
    return;
  f->held++;
  f->held_at = ts_player_get_position (player);
}

static void
post_buffering (Feed *f,
                int   percent)
{
  gst_element_post_message (f->source, gst_message_new_buffering (GST_OBJECT (f->source), percent));
}

/* A source that waits for data (a buffering message below 100 %) holds
 * playback only once the film the demuxer already has runs low: at once,
 * it stopped playback for every short wait while seconds of film were
 * ready to play. It then holds until the source is at 100 % again. */
static void
test_short_wait (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = g_mapped_file_new (film (), FALSE, &error);
  TsPlayer *player;
  Waiter waiter;
  Feed f = { 0 };
  gint64 waited_at, position;

  g_assert_no_error (error);
  f.film = g_mapped_file_get_bytes (file);
  player = new_player ();
  waiter_init (&waiter, player);
  g_signal_connect (ts_player_get_pipeline (player), "source-setup", G_CALLBACK (feed_setup_cb), &f);
  ts_player_set_uri (player, "appsrc://");
  ts_player_play (player);
  g_assert_true (player_test_wait (feed_ready, &f, 10000));

  /* Three fifths of the film, about three seconds of it. */
  feed_up_to (&f, g_bytes_get_size (f.film) * 3 / 5);
  wait_state (&waiter, TS_PLAYER_STATE_PLAYING);
  g_signal_connect (player, "notify::state", G_CALLBACK (feed_state_cb), &f);

  /* The source waits for the rest from now on. */
  post_buffering (&f, 0);
  waited_at = ts_player_get_position (player);
  player_test_wait (never, NULL, 1000);
  position = ts_player_get_position (player);
  g_test_message ("waiting since %.2f s, playing at %.2f s",
                  (double) waited_at / GST_SECOND, (double) position / GST_SECOND);
  g_assert_cmpuint (f.held, ==, 0);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_PLAYING);
  g_assert_cmpint (ts_player_get_buffering_percent (player), ==, 100);
  g_assert_cmpint (position - waited_at, >=, 700 * GST_MSECOND);

  /* Held before what was fed ran out, and as long as the wait lasts. */
  wait_state (&waiter, TS_PLAYER_STATE_BUFFERING);
  g_test_message ("held at %.2f s", (double) f.held_at / GST_SECOND);
  g_assert_cmpuint (f.held, ==, 1);
  g_assert_cmpint (f.held_at, >, waited_at + GST_SECOND);
  g_assert_cmpint (f.held_at, <, DURATION * 3 / 5);
  g_assert_cmpint (ts_player_get_buffering_percent (player), ==, 0);
  post_buffering (&f, 50);
  player_test_wait (never, NULL, 500);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_BUFFERING);
  g_assert_cmpint (ts_player_get_buffering_percent (player), ==, 50);

  feed_up_to (&f, g_bytes_get_size (f.film));
  post_buffering (&f, 100);
  wait_state (&waiter, TS_PLAYER_STATE_PLAYING);
  g_assert_true (player_test_wait (eos_reached, &waiter, 20000));
  g_assert_no_error (waiter.error);

  ts_player_stop (player);
  g_signal_handlers_disconnect_by_data (player, &f);
  g_signal_handlers_disconnect_by_data (ts_player_get_pipeline (player), &f);
  waiter_clear (&waiter);
  gst_clear_object (&f.source);
  g_bytes_unref (f.film);
  player_test_assert_finalized (player);
}

/* How far the demuxer got: nothing before it starts; once prerolled, as
 * far as the queues after it hold (a second here, not the whole film);
 * a flushing seek, forwards or back, starts over from the new place; the
 * end means all given out. */
static void
test_demux_lead (void)
{
  g_autoptr(TsDemuxLead) lead = ts_demux_lead_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GstElement) demuxer = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *pipeline;
  gint64 until;

  /* Decoders before the sinks, as in playbin: a sink must not preroll on
   * the Vorbis headers, which the demuxer gives out without a time. */
  description = g_strdup_printf ("filesrc location=\"%s\" ! matroskademux name=d"
                                 " d.video_0 ! queue max-size-time=1000000000"
                                 "   max-size-buffers=0 max-size-bytes=0"
                                 "   ! avdec_h264 ! fakesink sync=true"
                                 " d.audio_0 ! queue max-size-time=1000000000"
                                 "   max-size-buffers=0 max-size-bytes=0"
                                 "   ! vorbisdec ! fakesink sync=true"
                                 " d.audio_1 ! queue max-size-time=1000000000"
                                 "   max-size-buffers=0 max-size-bytes=0"
                                 "   ! vorbisdec ! fakesink sync=true",
                                 film ());
  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  bus = gst_element_get_bus (pipeline);
  demuxer = gst_bin_get_by_name (GST_BIN (pipeline), "d");
  ts_demux_lead_watch_element (lead, demuxer);
  g_assert_cmpint (ts_demux_lead_get_until (lead), ==, -1);

  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  pop_message (bus, GST_MESSAGE_ASYNC_DONE);
  until = ts_demux_lead_get_until (lead);
  g_test_message ("prerolled: demuxed up to %" GST_TIME_FORMAT, GST_TIME_ARGS (until));
  g_assert_cmpint (until, >, 0);
  g_assert_cmpint (until, <, 2 * GST_SECOND);

  g_assert_true (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
                                          GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                                          3 * GST_SECOND));
  pop_message (bus, GST_MESSAGE_ASYNC_DONE);
  until = ts_demux_lead_get_until (lead);
  g_test_message ("after a seek to 3 s: demuxed up to %" GST_TIME_FORMAT, GST_TIME_ARGS (until));
  g_assert_cmpint (until, >, 3 * GST_SECOND);
  g_assert_cmpint (until, <, 5 * GST_SECOND);

  /* Back: what was given out past the new place is gone with the flush. */
  g_assert_true (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
                                          GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                                          GST_SECOND / 2));
  pop_message (bus, GST_MESSAGE_ASYNC_DONE);
  until = ts_demux_lead_get_until (lead);
  g_test_message ("back to 0.5 s: demuxed up to %" GST_TIME_FORMAT, GST_TIME_ARGS (until));
  g_assert_cmpint (until, >, GST_SECOND / 2);
  g_assert_cmpint (until, <, 3 * GST_SECOND);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  pop_message (bus, GST_MESSAGE_EOS);
  g_assert_cmpint (ts_demux_lead_get_until (lead), ==, G_MAXINT64);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_clear_object (&demuxer);
  player_test_assert_finalized (pipeline);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/player/player/play", test_play);
  g_test_add_func ("/player/player/seek", test_seek);
  g_test_add_func ("/player/player/suburi", test_suburi);
  g_test_add_func ("/player/player/errors", test_errors);
  g_test_add_func ("/player/player/http", test_http);
  g_test_add_func ("/player/player/demux-lead", test_demux_lead);
  g_test_add_func ("/player/player/short-wait", test_short_wait);

  ret = g_test_run ();
  player_test_cleanup ();
  g_free (film_path);
  return ret;
}
