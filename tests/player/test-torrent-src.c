/* SPDX-License-Identifier: GPL-3.0-or-later */
/* torrent:// playback: TsPlayer → playbin → torrentsrc → TsStreamReader →
 * the engine, against a python3-libtorrent seeder of media made here. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "player-test-util.h"
#include "stream-test-util.h"
#include "ts-player.h"
#include "ts-stream-reader.h"
#include "ts-stream-server.h"
#include "ts-torrent-src.h"
#include "ts-video-paintable.h"

#define KIB 1024

typedef struct {
  TsPlayer *player;
  GError   *error;
  guint     eos;
  guint     buffering_seen;
} Watch;

static void
error_cb (TsPlayer     *player,
          const GError *error,
          Watch        *w)
{
  g_test_message ("player error: %s", error->message);
  if (w->error == NULL)
    w->error = g_error_copy (error);
}

static void
eos_cb (TsPlayer *player,
        Watch    *w)
{
  w->eos++;
}

static void
state_cb (TsPlayer   *player,
          GParamSpec *pspec,
          Watch      *w)
{
  if (ts_player_get_state (player) == TS_PLAYER_STATE_BUFFERING)
    w->buffering_seen++;
}

static TsPlayer *
new_player (Watch *w)
{
  GstElement *audio_sink = gst_element_factory_make ("fakesink", NULL);
  TsPlayer *player;

  g_object_set (audio_sink, "sync", TRUE, NULL);
  player = g_object_new (TS_TYPE_PLAYER, "audio-sink", audio_sink, NULL);
  memset (w, 0, sizeof *w);
  w->player = player;
  g_signal_connect (player, "error", G_CALLBACK (error_cb), w);
  g_signal_connect (player, "eos", G_CALLBACK (eos_cb), w);
  g_signal_connect (player, "notify::state", G_CALLBACK (state_cb), w);
  return player;
}

static void
watch_clear (Watch *w)
{
  g_signal_handlers_disconnect_by_data (w->player, w);
  g_clear_error (&w->error);
}

static gboolean
is_playing (gpointer data)
{
  Watch *w = data;

  return w->error != NULL || ts_player_get_state (w->player) == TS_PLAYER_STATE_PLAYING;
}

static gboolean
no_clients (gpointer data)
{
  return ts_stream_server_get_n_clients (data) == 0;
}

static gboolean
is_eos_or_error (gpointer data)
{
  Watch *w = data;

  return w->error != NULL || w->eos > 0;
}

static gboolean
is_stopped_with_error (gpointer data)
{
  Watch *w = data;

  return w->error != NULL && ts_player_get_state (w->player) == TS_PLAYER_STATE_STOPPED;
}

/* What playbin's source answers to a URI query: typefind takes the file's
 * extension from it. */
static char *
source_query_uri (TsPlayer *player)
{
  g_autoptr(GstElement) source = NULL;
  g_autoptr(GstQuery) query = gst_query_new_uri ();
  char *uri = NULL;

  g_object_get (ts_player_get_pipeline (player), "source", &source, NULL);
  g_assert_nonnull (source);
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (source), ==, "TsTorrentSrc");
  g_assert_true (gst_element_query (source, query));
  gst_query_parse_uri (query, &uri);
  return uri;
}

/* @seconds of 640×360 H.264 noise (so it does not compress below about
 * 2 Mbit/s) with AAC sound, in an MP4 whose index (moov) is at the end, as
 * mp4mux writes it, or with @faststart at the start. */
static char *
make_film_full (const char *dir,
                guint       seconds,
                gboolean    faststart)
{
  g_autofree char *path = g_build_filename (dir, "film.mp4", NULL);
  g_autofree char *description = NULL;

  description = g_strdup_printf ("mp4mux name=mux faststart=%s ! filesink location=@PATH@"
                                 " videotestsrc num-buffers=%u pattern=snow"
                                 "   ! video/x-raw,width=640,height=360,framerate=25/1"
                                 "   ! x264enc speed-preset=ultrafast bitrate=2000 key-int-max=12"
                                 "   ! h264parse ! mux."
                                 " audiotestsrc num-buffers=%u samplesperbuffer=882"
                                 "   ! audio/x-raw,rate=44100,channels=2 ! avenc_aac ! mux.",
                                 faststart ? "true" : "false", seconds * 25, seconds * 50);
  player_test_make_media (description, path);
  return g_steal_pointer (&path);
}

static char *
make_film (const char *dir,
           guint       seconds)
{
  return make_film_full (dir, seconds, FALSE);
}

/* Plays a film while it downloads from a slow seeder: the first frame comes
 * long before the download ends, the index at the end is fetched early, a
 * seek works, and the film plays to its end. */
static void
test_play_while_downloading (void)
{
  g_autofree char *dir = ts_test_make_tmp_dir ("ts-torrent-src");
  g_autofree char *film = make_film (dir, 12);
  g_autofree char *uri = NULL;
  g_autofree char *expected_uri = NULL;
  g_autofree char *query_uri = NULL;
  StreamTest *st;
  TsPlayer *player;
  Watch w;
  gint64 size, p1;
  double progress;
  GStatBuf sb;

  g_assert_cmpint (g_stat (film, &sb), ==, 0);
  size = sb.st_size;
  g_test_message ("film of %" G_GINT64_FORMAT " bytes", size);

  /* A third of the film's bit rate: about 36 s to download 12 s of film. */
  st = stream_test_new_for_content (dir, "film.mp4", 100 * KIB, 64 * KIB);
  ts_torrent_src_set_session (st->session);
  g_assert_true (ts_torrent_src_register ());

  uri = ts_torrent_src_uri_for (ts_torrent_get_file (st->torrent, 0));
  expected_uri = g_strdup_printf ("torrent://%s/0/film.mp4",
                                  ts_torrent_get_info_hash (st->torrent));
  g_assert_cmpstr (uri, ==, expected_uri);

  player = new_player (&w);
  ts_player_set_uri (player, uri);
  ts_player_play (player);
  ts_test_wait_for (is_playing, &w, STREAM_TEST_TIMEOUT_S, "playback did not start");
  g_assert_no_error (w.error);

  progress = ts_torrent_get_progress (st->torrent);
  g_test_message ("playing with %.0f %% downloaded", progress * 100);
  g_assert_cmpfloat (progress, <, 0.8);
  g_assert_nonnull (ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (ts_player_get_paintable (player))));
  g_assert_cmpint (ABS (ts_player_get_duration (player) - 12 * GST_SECOND), <, GST_SECOND / 2);
  g_assert_true (ts_player_get_seekable (player));
  query_uri = source_query_uri (player);
  g_assert_cmpstr (query_uri, ==, expected_uri);

  /* A seek to 70 %, into data that may not be there yet. */
  ts_player_seek (player, ts_player_get_duration (player) * 7 / 10);
  ts_test_wait_for (is_playing, &w, STREAM_TEST_TIMEOUT_S, "playback did not go on after a seek");
  g_assert_no_error (w.error);
  p1 = ts_player_get_position (player);
  g_assert_cmpint (p1, >=, 8 * GST_SECOND);

  /* Full speed now: it plays to the end. */
  stream_test_set_rate (st, 0);
  ts_test_wait_for (is_eos_or_error, &w, STREAM_TEST_TIMEOUT_S, "the film did not play to its end");
  g_assert_no_error (w.error);
  g_assert_cmpuint (w.eos, ==, 1);

  ts_player_stop (player);
  watch_clear (&w);
  player_test_assert_finalized (player);
  ts_torrent_src_set_session (NULL);
  stream_test_free (st);
  ts_test_rm_rf (dir);
}

typedef struct {
  Watch       w;
  StreamTest *st;
  gint64      size;
  gint64      lead;           /* bytes: two seconds of the film */
  gboolean    was_playing;
  guint       resumes;        /* back to playing after buffering */
  gint64      short_lead;     /* -1, or the smallest lead seen at a resume */
  gboolean    partial_seen;   /* a buffering percentage between 0 and 100 */
} LeadWatch;

static void
lead_state_cb (TsPlayer   *player,
               GParamSpec *pspec,
               LeadWatch  *l)
{
  TsPlayerState state = ts_player_get_state (player);
  gint64 duration = ts_player_get_duration (player);
  gint64 position, at, have;

  if (state != TS_PLAYER_STATE_PLAYING || duration <= 0)
    return;
  if (!l->was_playing)
    {
      l->was_playing = TRUE;
      return;
    }

  /* The noise film's bytes go about evenly with its time: where it plays
   * now, less a second for that guess. */
  position = ts_player_get_position (player);
  at = MAX ((gint64) ((double) l->size * position / duration) - l->lead / 2, 0);
  have = ts_torrent_get_file_contiguous (l->st->torrent, 0, at);
  g_test_message ("playing again at %.1f s with %" G_GINT64_FORMAT " bytes there from byte %"
                  G_GINT64_FORMAT, (double) position / GST_SECOND, have, at);
  if (at + have < l->size && (l->short_lead < 0 || have < l->short_lead))
    l->short_lead = have;
  l->resumes++;
}

static void
lead_percent_cb (TsPlayer   *player,
                 GParamSpec *pspec,
                 LeadWatch  *l)
{
  int percent = ts_player_get_buffering_percent (player);

  if (percent > 0 && percent < 100)
    l->partial_seen = TRUE;
}

static gboolean
resumed_twice (gpointer data)
{
  LeadWatch *l = data;

  return l->w.error != NULL || l->w.eos > 0 || l->resumes >= 2;
}

/* Slower peers than the film's bit rate: after each wait, playback goes
 * on only when about two seconds of film are there past the place it
 * waited at, not as soon as the one piece it waited for came (it would stop
 * again at the next, over and over); meanwhile the buffering percentage
 * tells how far that is. */
static void
test_lead_after_a_wait (void)
{
  g_autofree char *dir = ts_test_make_tmp_dir ("ts-torrent-src");
  g_autofree char *film = make_film (dir, 12);
  g_autofree char *uri = NULL;
  g_autoptr(TsStreamReader) reader = NULL;
  TsPlayer *player;
  LeadWatch l = { 0 };
  GStatBuf sb;

  g_assert_cmpint (g_stat (film, &sb), ==, 0);
  l.size = sb.st_size;
  l.lead = l.size / 12 * 2;
  l.short_lead = -1;

  /* About half the bit rate: it has to wait again and again. */
  l.st = stream_test_new_for_content (dir, "film.mp4", l.size / 12 / 2, 64 * KIB);
  ts_torrent_src_set_session (l.st->session);
  g_assert_true (ts_torrent_src_register ());
  uri = ts_torrent_src_uri_for (ts_torrent_get_file (l.st->torrent, 0));

  player = new_player (&l.w);
  g_signal_connect (player, "notify::state", G_CALLBACK (lead_state_cb), &l);
  g_signal_connect (player, "notify::buffering-percent", G_CALLBACK (lead_percent_cb), &l);
  /* As the player page does: the lead is two seconds at the film's rate. */
  reader = ts_stream_reader_get_for_file (ts_torrent_get_file (l.st->torrent, 0));
  ts_stream_reader_set_duration (reader, 12 * GST_SECOND);
  ts_player_set_uri (player, uri);
  ts_player_play (player);
  ts_test_wait_for (resumed_twice, &l, STREAM_TEST_TIMEOUT_S, "playback did not go on twice after waits");
  g_assert_no_error (l.w.error);
  g_assert_cmpuint (l.w.eos, ==, 0);

  g_test_message ("smallest lead at a resume: %" G_GINT64_FORMAT " bytes of %" G_GINT64_FORMAT,
                  l.short_lead, l.lead);
  g_assert_true (l.partial_seen);
  /* Two seconds ahead of the place it waited at, which is ahead of what
   * plays: at least a second of it ahead of the place playing now. */
  g_assert_cmpint (l.short_lead, >=, l.lead / 2);

  ts_player_stop (player);
  g_signal_handlers_disconnect_by_data (player, &l);
  watch_clear (&l.w);
  player_test_assert_finalized (player);
  g_clear_object (&reader);
  ts_torrent_src_set_session (NULL);
  stream_test_free (l.st);
  ts_test_rm_rf (dir);
}

typedef struct {
  Watch    w;
  gint     started;     /* atomic: read by the bus handler too */
  guint    stops;       /* back to buffering after playback began */
  gint     waits;       /* atomic: the source's buffering messages meanwhile */
  double   progress;    /* of the download when playback began */
  gint64   start_have;  /* bytes there from the start then */
  StreamTest *st;
} SteadyWatch;

static void
steady_state_cb (TsPlayer    *player,
                 GParamSpec  *pspec,
                 SteadyWatch *s)
{
  TsPlayerState state = ts_player_get_state (player);

  if (state == TS_PLAYER_STATE_PLAYING && !g_atomic_int_get (&s->started))
    {
      s->progress = ts_torrent_get_progress (s->st->torrent);
      s->start_have = ts_torrent_get_file_contiguous (s->st->torrent, 0, 0);
      g_atomic_int_set (&s->started, TRUE);
    }
  else if (state == TS_PLAYER_STATE_BUFFERING && g_atomic_int_get (&s->started))
    {
      g_test_message ("playback stopped at %.1f s",
                      (double) ts_player_get_position (player) / GST_SECOND);
      s->stops++;
    }
}

/* Streaming threads. */
static GstBusSyncReply
steady_bus_cb (GstBus     *bus,
               GstMessage *message,
               gpointer    data)
{
  SteadyWatch *s = data;
  int percent = 100;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_BUFFERING && g_atomic_int_get (&s->started))
    {
      gst_message_parse_buffering (message, &percent);
      if (percent < 100)
        g_atomic_int_inc (&s->waits);
    }
  return GST_BUS_PASS;
}

/* With the seeder at 1.5 times the film's bit rate, playback, once begun,
 * never stops. It begins with two seconds of film there from the start,
 * not from the index at the end the demuxer waited for meanwhile (it began
 * with one and stopped at once); a short wait for the next piece is no
 * reason to pause while the demuxer has read ahead; reading on ahead does
 * not cancel what is on its way for the next pieces; and the pieces the
 * player needs next are not lost among too many with deadlines. */
static void
test_steady_at_one_and_a_half (void)
{
  g_autofree char *dir = ts_test_make_tmp_dir ("ts-torrent-src");
  g_autofree char *film = make_film (dir, 16);
  g_autofree char *uri = NULL;
  g_autoptr(TsStreamReader) reader = NULL;
  g_autoptr(GstBus) bus = NULL;
  SteadyWatch s = { 0 };
  TsPlayer *player;
  GStatBuf sb;

  g_assert_cmpint (g_stat (film, &sb), ==, 0);
  /* Pieces as big as most torrents' of a film this size. */
  s.st = stream_test_new_for_content (dir, "film.mp4", sb.st_size / 16 * 3 / 2, 256 * KIB);
  ts_torrent_src_set_session (s.st->session);
  g_assert_true (ts_torrent_src_register ());
  uri = ts_torrent_src_uri_for (ts_torrent_get_file (s.st->torrent, 0));

  player = new_player (&s.w);
  g_signal_connect (player, "notify::state", G_CALLBACK (steady_state_cb), &s);
  bus = gst_element_get_bus (ts_player_get_pipeline (player));
  gst_bus_set_sync_handler (bus, steady_bus_cb, &s, NULL);
  reader = ts_stream_reader_get_for_file (ts_torrent_get_file (s.st->torrent, 0));
  ts_stream_reader_set_duration (reader, 16 * GST_SECOND);
  ts_player_set_uri (player, uri);
  ts_player_play (player);
  ts_test_wait_for (is_eos_or_error, &s.w, STREAM_TEST_TIMEOUT_S, "the film did not play to its end");
  g_assert_no_error (s.w.error);

  g_test_message ("began with %.0f %% downloaded, %" G_GINT64_FORMAT " bytes from the start;"
                  " the source waited %d times while it played",
                  s.progress * 100, s.start_have, g_atomic_int_get (&s.waits));
  g_assert_true (g_atomic_int_get (&s.started));
  g_assert_cmpfloat (s.progress, <, 0.5);
  g_assert_cmpint (s.start_have, >=, sb.st_size / 16 * 2);
  g_assert_cmpuint (s.stops, ==, 0);

  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  ts_player_stop (player);
  g_signal_handlers_disconnect_by_data (player, &s);
  watch_clear (&s.w);
  player_test_assert_finalized (player);
  g_clear_object (&reader);
  ts_torrent_src_set_session (NULL);
  stream_test_free (s.st);
  ts_test_rm_rf (dir);
}

/* The other way in: playbin's souphttpsrc from the loopback stream server
 * (Range requests, buffering messages from queue2). */
static void
test_play_over_http (void)
{
  g_autofree char *dir = ts_test_make_tmp_dir ("ts-torrent-src");
  /* Over 4 MiB: smaller files qtdemux reads straight through in push mode
   * to find an index at the end, instead of seeking to it. */
  g_autofree char *film = make_film (dir, 24);
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  TsStreamServer *server;
  StreamTest *st;
  TsPlayer *player;
  Watch w;
  double progress;

  st = stream_test_new_for_content (dir, "film.mp4", 150 * KIB, 64 * KIB);
  server = ts_stream_server_new (st->session);
  g_assert_true (ts_stream_server_start (server, &error));
  g_assert_no_error (error);
  url = ts_stream_server_dup_url (server, ts_torrent_get_file (st->torrent, 0));

  player = new_player (&w);
  ts_player_set_uri (player, url);
  ts_player_play (player);
  ts_test_wait_for (is_playing, &w, STREAM_TEST_TIMEOUT_S, "playback did not start");
  g_assert_no_error (w.error);
  progress = ts_torrent_get_progress (st->torrent);
  g_test_message ("playing over HTTP with %.0f %% downloaded", progress * 100);
  g_assert_cmpfloat (progress, <, 0.8);
  g_assert_cmpint (ABS (ts_player_get_duration (player) - 24 * GST_SECOND), <, GST_SECOND / 2);
  g_assert_true (ts_player_get_seekable (player));

  ts_player_seek (player, ts_player_get_duration (player) * 7 / 10);
  ts_test_wait_for (is_playing, &w, STREAM_TEST_TIMEOUT_S, "playback did not go on after a seek");
  g_assert_no_error (w.error);
  g_assert_cmpint (ts_player_get_position (player), >=, 16 * GST_SECOND);

  stream_test_set_rate (st, 0);
  ts_test_wait_for (is_eos_or_error, &w, STREAM_TEST_TIMEOUT_S, "the film did not play to its end");
  g_assert_no_error (w.error);

  ts_player_stop (player);
  watch_clear (&w);
  player_test_assert_finalized (player);
  /* The stop closed the connection: the server lets the response go. */
  ts_test_wait_for (no_clients, server, 10, "the server kept a response of a stopped player");
  g_assert_finalize_object (server);
  stream_test_free (st);
  ts_test_rm_rf (dir);
}

/* Stopping while a read waits for a piece that will not come soon returns
 * at once: the source's unlock cancels the wait. */
static void
test_stop_while_waiting (void)
{
  g_autofree char *dir = ts_test_make_tmp_dir ("ts-torrent-src");
  g_autofree char *film = make_film (dir, 12);
  g_autofree char *uri = NULL;
  StreamTest *st;
  TsPlayer *player;
  Watch w;
  gint64 before;

  /* 1 KiB/s: the handshake passes, pieces take a minute each. */
  st = stream_test_new_for_content (dir, "film.mp4", 1 * KIB, 64 * KIB);
  ts_torrent_src_set_session (st->session);
  g_assert_true (ts_torrent_src_register ());
  uri = ts_torrent_src_uri_for (ts_torrent_get_file (st->torrent, 0));

  player = new_player (&w);
  ts_player_set_uri (player, uri);
  ts_player_play (player);
  ts_test_iterate_for (2000);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_BUFFERING);
  g_assert_no_error (w.error);

  before = g_get_monotonic_time ();
  ts_player_stop (player);
  g_test_message ("stop took %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - before) / 1000);
  g_assert_cmpint (g_get_monotonic_time () - before, <, G_USEC_PER_SEC);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_STOPPED);

  watch_clear (&w);
  player_test_assert_finalized (player);
  ts_torrent_src_set_session (NULL);
  stream_test_free (st);
  ts_test_rm_rf (dir);
}

static gboolean
has_metadata (gpointer data)
{
  return ts_torrent_has_metadata (data);
}

/* A torrent whose only source is a BEP 19 web seed plays: no tracker, no
 * peer, only a SoupServer on 127.0.0.1 answering the engine's Range
 * requests, slower than the film's bit rate. The first frame comes long
 * before the download ends, and a seek decodes a frame at the new place.
 * With the index at the end too: the engine asks a web seed for at most
 * 1 MiB at a time (urlseed_max_request_bytes; libtorrent's default of 16
 * MiB would be the whole film in one request, which no deadline can
 * overtake). The URI is the short form without the file's name, which
 * keeps working: the source still tells typefind the name. */
static void
test_webseed_only (gconstpointer data)
{
  gboolean faststart = GPOINTER_TO_INT (data);
  g_autofree char *dir = ts_test_make_tmp_dir ("ts-torrent-src");
  g_autofree char *content = g_build_filename (dir, "content", NULL);
  g_autofree char *film = NULL;
  g_autofree char *torrent_path = g_build_filename (dir, "film.mp4.torrent", NULL);
  g_autofree char *state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);
  g_autofree char *downloads = g_build_filename (g_get_home_dir (), "Downloads", NULL);
  g_autofree char *script = ts_test_tsswarm_script ();
  g_autofree char *uri = NULL;
  g_autofree char *query_uri = NULL;
  g_autofree char *expected_query_uri = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) maker = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *log;
  TsTestHttpServer *http;
  GSettings *settings;
  TsSession *session;
  TsTorrent *torrent;
  TsStreamReader *reader;
  TsPlayer *player;
  Watch w;
  double progress;
  guint ranges = 0;

  g_assert_cmpint (g_mkdir_with_parents (content, 0755), ==, 0);
  film = make_film_full (content, 12, faststart);

  /* 120 KiB/s, half the film's bit rate: about 25 s for the whole film. */
  http = ts_test_http_server_new (content);
  ts_test_http_server_set_rate (http, 120 * KIB);

  /* A URL ending in "/" gets the torrent's name (film.mp4) appended. */
  launcher = ts_test_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_unsetenv (launcher, "PYTHONHOME");
  maker = g_subprocess_launcher_spawn (launcher, &error, ts_test_python (), script, "torrent",
                                       content, "film.mp4", torrent_path,
                                       "--piece-size", "65536",
                                       "--webseed", ts_test_http_server_get_url (http), NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (maker, NULL, &error);
  g_assert_no_error (error);

  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "download-folder", downloads);
  g_settings_set_int (settings, "listen-port", 0);
  g_settings_set_boolean (settings, "enable-dht", FALSE);
  g_settings_set_boolean (settings, "enable-lsd", FALSE);
  g_settings_set_boolean (settings, "enable-upnp", FALSE);
  g_settings_set_boolean (settings, "enable-natpmp", FALSE);
  session = ts_session_new (settings, state_dir);
  ts_session_set_loopback_only (session, TRUE);
  ts_session_start (session, &error);
  g_assert_no_error (error);

  ts_session_add_async (session, torrent_path, NULL, ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, 30);
  torrent = ts_session_add_finish (session, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);   /* it holds the session */
  ts_test_wait_for (has_metadata, torrent, 30, "the torrent has no file list");
  /* As the player page does: the reader the source will share comes first,
   * with its head and tail deadlines. */
  reader = ts_stream_reader_get_for_file (ts_torrent_get_file (torrent, 0));

  ts_torrent_src_set_session (session);
  g_assert_true (ts_torrent_src_register ());
  uri = g_strdup_printf ("torrent://%s/0", ts_torrent_get_info_hash (torrent));

  player = new_player (&w);
  ts_player_set_uri (player, uri);
  ts_player_play (player);
  ts_test_wait_for (is_playing, &w, STREAM_TEST_TIMEOUT_S, "playback did not start");
  g_assert_no_error (w.error);

  progress = ts_torrent_get_progress (torrent);
  g_test_message ("playing from the web seed with %.0f %% downloaded", progress * 100);

  g_assert_cmpfloat (progress, <, 0.8);
  g_assert_nonnull (ts_video_paintable_get_texture (TS_VIDEO_PAINTABLE (ts_player_get_paintable (player))));
  g_assert_cmpint (ABS (ts_player_get_duration (player) - 12 * GST_SECOND), <, GST_SECOND / 2);
  g_assert_true (ts_player_get_seekable (player));
  query_uri = source_query_uri (player);
  expected_query_uri = g_strconcat (uri, "/film.mp4", NULL);
  g_assert_cmpstr (query_uri, ==, expected_query_uri);

  /* The data came from the web seed, in ranges. */
  log = ts_test_http_server_get_log (http);
  for (guint i = 0; i < log->len; i++)
    {
      g_test_message ("web seed: %s", (char *) g_ptr_array_index (log, i));
      if (g_str_has_prefix (g_ptr_array_index (log, i), "GET /film.mp4 bytes="))
        ranges++;
    }
  g_test_message ("%u range requests, %" G_GINT64_FORMAT " bytes sent", ranges,
                  ts_test_http_server_get_bytes_sent (http));
  g_assert_cmpuint (ranges, >, 0);

  /* A seek to 70 %, most likely not downloaded yet. */
  ts_player_seek (player, ts_player_get_duration (player) * 7 / 10);
  ts_test_wait_for (is_playing, &w, STREAM_TEST_TIMEOUT_S, "playback did not go on after a seek");
  g_assert_no_error (w.error);
  g_assert_cmpint (ts_player_get_position (player), >=, 8 * GST_SECOND);

  ts_player_stop (player);
  watch_clear (&w);
  player_test_assert_finalized (player);
  ts_torrent_src_set_session (NULL);
  stream_test_assert_finalized (reader);

  /* The session holds its torrents until it shuts down. */
  g_object_add_weak_pointer (G_OBJECT (torrent), (gpointer *) &torrent);
  g_object_unref (torrent);
  ts_session_shutdown_sync (session);
  stream_test_assert_finalized (session);
  stream_test_assert_finalized (settings);
  g_assert_null (torrent);
  ts_test_http_server_free (http);
  ts_test_rm_rf (dir);
}

/* Bad torrent URIs give errors a person can read. */
static void
test_bad_uris (void)
{
  static const struct {
    const char *uri;
    const char *message_part;
  } cases[] = {
    { "torrent://0123456789abcdef0123456789abcdef01234567/0", "0123456789abcdef0123456789abcdef01234567" },
    { "torrent://not-a-hash/0", NULL },
    { "torrent://0123456789abcdef0123456789abcdef01234567/x", NULL },
    { "torrent://0123456789abcdef0123456789abcdef01234567/x/film.mp4", NULL },
    { "torrent://0123456789abcdef0123456789abcdef01234567/", NULL },
  };
  TsTestSwarmOptions options = { .layout = "single", .size = 256 * KIB, .seed = "bad-uri" };
  StreamTest *st = stream_test_new (&options);
  g_autofree char *missing_file = NULL;

  ts_torrent_src_set_session (st->session);
  g_assert_true (ts_torrent_src_register ());

  for (guint i = 0; i < G_N_ELEMENTS (cases) + 1; i++)
    {
      const char *uri;
      TsPlayer *player;
      Watch w;

      if (i < G_N_ELEMENTS (cases))
        uri = cases[i].uri;
      else
        uri = missing_file = g_strdup_printf ("torrent://%s/7/film.mp4",
                                              ts_torrent_get_info_hash (st->torrent));

      player = new_player (&w);
      ts_player_set_uri (player, uri);
      ts_player_play (player);
      ts_test_wait_for (is_stopped_with_error, &w, 20, "no error for %s", uri);
      g_test_message ("%s: %s", uri, w.error->message);
      g_assert_true (w.error->domain == TS_PLAYER_ERROR);
      if (i == 0)
        {
          g_assert_error (w.error, TS_PLAYER_ERROR, TS_PLAYER_ERROR_NOT_FOUND);
          g_assert_nonnull (strstr (w.error->message, cases[i].message_part));
        }
      else if (i == G_N_ELEMENTS (cases))
        {
          g_assert_error (w.error, TS_PLAYER_ERROR, TS_PLAYER_ERROR_NOT_FOUND);
          g_assert_nonnull (strstr (w.error->message, "no file number 7"));
        }

      watch_clear (&w);
      player_test_assert_finalized (player);
    }

  ts_torrent_src_set_session (NULL);
  stream_test_free (st);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gst_init (&argc, &argv);
  g_setenv ("TS_LOOPBACK_ONLY", "1", TRUE);

  g_test_add_func ("/player/torrent-src/play-while-downloading", test_play_while_downloading);
  g_test_add_func ("/player/torrent-src/play-over-http", test_play_over_http);
  g_test_add_func ("/player/torrent-src/stop-while-waiting", test_stop_while_waiting);
  g_test_add_func ("/player/torrent-src/lead-after-a-wait", test_lead_after_a_wait);
  g_test_add_func ("/player/torrent-src/steady-at-one-and-a-half", test_steady_at_one_and_a_half);
  g_test_add_func ("/player/torrent-src/bad-uris", test_bad_uris);
  g_test_add_data_func ("/player/torrent-src/webseed-only", GINT_TO_POINTER (TRUE),
                        test_webseed_only);
  g_test_add_data_func ("/player/torrent-src/webseed-only-moov-at-end", GINT_TO_POINTER (FALSE),
                        test_webseed_only);

  return g_test_run ();
}
