/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-player"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/audio/streamvolume.h>
#include <gst/pbutils/pbutils.h>
#include <gst/tag/tag.h>
#include <gtk/gtk.h>

#include "ts-demux-lead.h"
#include "ts-player.h"
#include "ts-player-enums.h"
#include "ts-video-paintable.h"
#include "ts-video-sink.h"

/* GstPlayFlags lives inside the playback plugin, not in a header. */
#define PLAY_FLAG_TEXT (1 << 2)

#define TICK_INTERVAL_MS 250
/* A source waiting for data pauses playback only once the film the
 * demuxer already gave out is down to this: demuxers read seconds ahead,
 * and pausing at every wait for the next piece stopped playback for
 * seconds right after it began, with peers at 1.5× the bit rate
 * (bench/stall.sh). Checked this often meanwhile. */
#define LOW_LEAD         (GST_SECOND / 2)
#define LEAD_CHECK_MS    100
/* souphttpsrc gives up after 15 s of silence and 3 retries; our stream
 * server may wait that long for pieces from slow peers. */
#define HTTP_TIMEOUT_S 60
#define HTTP_RETRIES 10

struct _TsPlayer
{
  GObject        parent_instance;

  GMainContext  *context;
  GstElement    *playbin;
  GstElement    *audio_sink;
  GSource       *bus_source;
  GSource       *tick_source;
  GSource       *lead_source;   /* while a wait does not hold playback yet */
  TsDemuxLead   *demux_lead;
  GdkPaintable  *paintable;
  GtkStringList *audio_tracks;
  GtkStringList *text_tracks;
  GPtrArray     *missing_plugins;
  gboolean       missing_is_document;

  char          *uri;
  char          *suburi;

  TsPlayerState  state;
  GstState       target;        /* NULL (stopped), PAUSED or PLAYING */
  GstState       requested;     /* the last state given to playbin */
  gboolean       prerolled;     /* ASYNC_DONE since the last start or seek */
  gboolean       seeking;
  gboolean       at_eos;
  gint64         pending_seek;  /* -1 for none */
  int            buffering_percent;  /* what holds playback: 100 for nothing */
  int            source_percent;     /* the pipeline's last buffering message */
  gboolean       holding;

  gint64         position;
  gint64         duration;
  gboolean       seekable;
  double         volume;
  gboolean       muted;
  int            current_audio;
  int            current_text;
};

enum {
  PROP_0,
  PROP_URI,
  PROP_SUBURI,
  PROP_STATE,
  PROP_POSITION,
  PROP_DURATION,
  PROP_SEEKABLE,
  PROP_VOLUME,
  PROP_MUTED,
  PROP_BUFFERING_PERCENT,
  PROP_PAINTABLE,
  PROP_AUDIO_TRACKS,
  PROP_TEXT_TRACKS,
  PROP_CURRENT_AUDIO,
  PROP_CURRENT_TEXT,
  PROP_AUDIO_SINK,
  N_PROPS
};

enum {
  SIGNAL_ERROR,
  SIGNAL_EOS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TsPlayer, ts_player, G_TYPE_OBJECT)

G_DEFINE_QUARK (ts-player-error-quark, ts_player_error)

static void
set_position (TsPlayer *self,
              gint64    position)
{
  if (self->position == position)
    return;
  self->position = position;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
}

static void
set_duration (TsPlayer *self,
              gint64    duration)
{
  if (self->duration == duration)
    return;
  self->duration = duration;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DURATION]);
}

static void
set_seekable (TsPlayer *self,
              gboolean  seekable)
{
  seekable = !!seekable;
  if (self->seekable == seekable)
    return;
  self->seekable = seekable;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEEKABLE]);
}

static void
set_buffering_percent (TsPlayer *self,
                       int       percent)
{
  if (self->buffering_percent == percent)
    return;
  self->buffering_percent = percent;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUFFERING_PERCENT]);
}

/* Starts or stops the timeout in @source, on the player's context. */
static void
run_timeout (TsPlayer    *self,
             GSource    **source,
             gboolean     want,
             guint        interval_ms,
             const char  *name,
             GSourceFunc  func)
{
  if (want && *source == NULL)
    {
      *source = g_timeout_source_new (interval_ms);
      g_source_set_name (*source, name);
      g_source_set_callback (*source, func, self, NULL);
      g_source_attach (*source, self->context);
    }
  else if (!want && *source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
update_state (TsPlayer *self)
{
  TsPlayerState state;

  if (self->target == GST_STATE_NULL)
    state = TS_PLAYER_STATE_STOPPED;
  else if (!self->prerolled || self->seeking
           || (self->target == GST_STATE_PLAYING && self->buffering_percent < 100))
    state = TS_PLAYER_STATE_BUFFERING;
  else if (self->target == GST_STATE_PAUSED)
    state = TS_PLAYER_STATE_PAUSED;
  else
    state = TS_PLAYER_STATE_PLAYING;

  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Playbin runs only when we want to play and the buffers are full. */
static void
apply_pipeline_state (TsPlayer *self)
{
  GstState want = self->target;

  if (want == GST_STATE_PLAYING && self->buffering_percent < 100)
    want = GST_STATE_PAUSED;

  if (want == self->requested)
    return;

  self->requested = want;
  if (gst_element_set_state (self->playbin, want) == GST_STATE_CHANGE_FAILURE)
    g_debug ("Playbin refused state %s; an error message follows",
             gst_element_state_get_name (want));
}

/* Whether the film already demuxed plays on for a while. */
static gboolean
demuxed_ahead (TsPlayer *self)
{
  gint64 until = ts_demux_lead_get_until (self->demux_lead);
  gint64 position;

  if (until < 0 || !gst_element_query_position (self->playbin, GST_FORMAT_TIME, &position))
    return FALSE;
  return until == G_MAXINT64 || until - position >= LOW_LEAD;
}

static gboolean lead_check_cb (gpointer user_data);

/* Decides whether a wait for data holds playback. Before the first frame
 * and after a seek it does at once; while playing only once the demuxed
 * film runs low, and then until the source has its lead back. */
static void
update_buffering (TsPlayer *self)
{
  gboolean hold;

  if (self->source_percent >= 100)
    hold = FALSE;
  else if (self->holding || !self->prerolled || self->seeking)
    hold = TRUE;
  else
    hold = !demuxed_ahead (self);

  if (hold != self->holding)
    g_debug ("%s playback: the source is at %d %%", hold ? "Holding" : "Releasing",
             self->source_percent);
  self->holding = hold;
  set_buffering_percent (self, hold ? self->source_percent : 100);

  run_timeout (self, &self->lead_source, self->source_percent < 100 && !hold, LEAD_CHECK_MS,
               "[ts] player lead", lead_check_cb);

  apply_pipeline_state (self);
  update_state (self);
}

static gboolean
lead_check_cb (gpointer user_data)
{
  TsPlayer *self = user_data;

  update_buffering (self);
  return self->lead_source != NULL ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
query_position (TsPlayer *self)
{
  gint64 position;

  /* While a seek runs, keep showing where we are going. */
  if (!self->prerolled || self->seeking)
    return;

  if (gst_element_query_position (self->playbin, GST_FORMAT_TIME, &position))
    set_position (self, position);
}

static void
query_duration (TsPlayer *self)
{
  gint64 duration;
  g_autoptr(GstQuery) query = NULL;

  if (gst_element_query_duration (self->playbin, GST_FORMAT_TIME, &duration) && duration > 0)
    set_duration (self, duration);

  query = gst_query_new_seeking (GST_FORMAT_TIME);
  if (gst_element_query (self->playbin, query))
    {
      gboolean seekable = FALSE;

      gst_query_parse_seeking (query, NULL, &seekable, NULL, NULL);
      set_seekable (self, seekable);
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  TsPlayer *self = user_data;

  query_position (self);
  if (self->duration < 0)
    query_duration (self);

  return G_SOURCE_CONTINUE;
}

static void
update_tick (TsPlayer *self)
{
  run_timeout (self, &self->tick_source, self->target == GST_STATE_PLAYING, TICK_INTERVAL_MS,
               "[ts] player position", tick_cb);
}

static gboolean
strv_list_equal (GtkStringList *list,
                 GPtrArray     *labels)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  if (n != labels->len)
    return FALSE;

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (gtk_string_list_get_string (list, i), g_ptr_array_index (labels, i)) != 0)
      return FALSE;

  return TRUE;
}

static char *
track_label (GstTagList *tags,
             int         index)
{
  g_autofree char *title = NULL;
  g_autofree char *code = NULL;
  g_autofree char *language = NULL;

  if (tags != NULL)
    {
      /* Muxers name untitled tracks after their kind (matroskamux writes
       * "Audio", "Subtitle"): that says nothing in a list of tracks. */
      if (gst_tag_list_get_string (tags, GST_TAG_TITLE, &title)
          && (g_ascii_strcasecmp (title, "audio") == 0
              || g_ascii_strcasecmp (title, "subtitle") == 0
              || g_ascii_strcasecmp (title, "subtitles") == 0
              || g_ascii_strcasecmp (title, "video") == 0))
        g_clear_pointer (&title, g_free);
      if (!gst_tag_list_get_string (tags, GST_TAG_LANGUAGE_NAME, &language)
          && gst_tag_list_get_string (tags, GST_TAG_LANGUAGE_CODE, &code)
          && g_ascii_strcasecmp (code, "und") != 0)
        {
          const char *name = gst_tag_get_language_name (code);

          language = name != NULL ? g_strdup (name) : g_ascii_strup (code, -1);
        }
    }

  if (language != NULL && title != NULL && g_strcmp0 (language, title) != 0)
    /* Translators: a sound or subtitle track: language — title */
    return g_strdup_printf (_("%s — %s"), language, title);
  if (language != NULL)
    return g_steal_pointer (&language);
  if (title != NULL)
    return g_steal_pointer (&title);

  return g_strdup_printf (_("Track %d"), index + 1);
}

static void
refresh_track_list (TsPlayer      *self,
                    GtkStringList *list,
                    const char    *n_prop,
                    const char    *tags_signal)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  int n = 0;

  g_object_get (self->playbin, n_prop, &n, NULL);

  for (int i = 0; i < n; i++)
    {
      GstTagList *tags = NULL;

      g_signal_emit_by_name (self->playbin, tags_signal, i, &tags);
      g_ptr_array_add (labels, track_label (tags, i));
      g_clear_pointer (&tags, gst_tag_list_unref);
    }

  if (strv_list_equal (list, labels))
    return;

  g_ptr_array_add (labels, NULL);
  gtk_string_list_splice (list, 0, g_list_model_get_n_items (G_LIST_MODEL (list)),
                          (const char * const *) labels->pdata);
}

static void
refresh_tracks (TsPlayer *self)
{
  int current_audio = -1;
  int current_text = -1;
  guint flags = 0;

  refresh_track_list (self, self->audio_tracks, "n-audio", "get-audio-tags");
  refresh_track_list (self, self->text_tracks, "n-text", "get-text-tags");

  g_object_get (self->playbin,
                "current-audio", &current_audio,
                "current-text", &current_text,
                "flags", &flags,
                NULL);
  if (!(flags & PLAY_FLAG_TEXT))
    current_text = -1;

  if (self->current_audio != current_audio)
    {
      self->current_audio = current_audio;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_AUDIO]);
    }
  if (self->current_text != current_text)
    {
      self->current_text = current_text;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_TEXT]);
    }
}

static void
clear_tracks (TsPlayer *self)
{
  gtk_string_list_splice (self->audio_tracks, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->audio_tracks)), NULL);
  gtk_string_list_splice (self->text_tracks, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->text_tracks)), NULL);
  if (self->current_audio != -1)
    {
      self->current_audio = -1;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_AUDIO]);
    }
  if (self->current_text != -1)
    {
      self->current_text = -1;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_TEXT]);
    }
}

static void
do_seek (TsPlayer *self,
         gint64    position)
{
  GstSeekFlags flags = GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT | GST_SEEK_FLAG_SNAP_NEAREST;

  self->at_eos = FALSE;
  set_position (self, position);

  if (!gst_element_seek_simple (self->playbin, GST_FORMAT_TIME, flags, position))
    {
      g_debug ("Seek to %" GST_TIME_FORMAT " refused", GST_TIME_ARGS (position));
      return;
    }

  self->seeking = TRUE;
  update_state (self);
}

/* Back to a stopped pipeline, forgetting what was learnt of the stream. */
static void
reset (TsPlayer *self)
{
  self->target = GST_STATE_NULL;
  self->requested = GST_STATE_NULL;
  gst_element_set_state (self->playbin, GST_STATE_NULL);

  self->prerolled = FALSE;
  self->seeking = FALSE;
  self->at_eos = FALSE;
  self->pending_seek = -1;
  g_ptr_array_set_size (self->missing_plugins, 0);
  self->missing_is_document = FALSE;

  update_tick (self);
  self->source_percent = 100;
  self->holding = FALSE;
  update_buffering (self);
  set_position (self, 0);
  set_duration (self, -1);
  set_seekable (self, FALSE);
  clear_tracks (self);
  if (TS_IS_VIDEO_PAINTABLE (self->paintable))
    ts_video_paintable_clear (TS_VIDEO_PAINTABLE (self->paintable));
  update_state (self);
}

/* GStreamer reports a web page or a text file as a stream it has no decoder
 * for; to a person that is not a missing plug-in but not a video at all. */
static gboolean
caps_are_document (const GstCaps *caps)
{
  static const char * const documents[] = {
    "application/xml", "application/x-xml", "application/xhtml+xml", "application/json",
    "application/pdf", "application/zip", "application/x-tar", "application/gzip",
    "application/x-gzip", "application/x-bzip", "application/x-7z-compressed",
    "application/x-rar", "application/x-bittorrent", NULL
  };
  const char *name;

  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return FALSE;

  name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  return g_str_has_prefix (name, "text/") || g_strv_contains (documents, name);
}

static void
add_missing_plugin (TsPlayer   *self,
                    GstMessage *message)
{
  const GstStructure *s = gst_message_get_structure (message);
  g_autoptr(GstCaps) caps = NULL;

  if (gst_structure_has_field_typed (s, "detail", GST_TYPE_CAPS))
    gst_structure_get (s, "detail", GST_TYPE_CAPS, &caps, NULL);
  if (caps_are_document (caps))
    self->missing_is_document = TRUE;
  else
    g_ptr_array_add (self->missing_plugins, gst_missing_plugin_message_get_description (message));
}

static GError *
error_from_message (TsPlayer *self,
                    GError   *gst_error)
{
  if (self->missing_is_document && self->missing_plugins->len == 0)
    return g_error_new_literal (TS_PLAYER_ERROR, TS_PLAYER_ERROR_NOT_MEDIA,
                                _("This file is not a video that can be played."));

  if (self->missing_plugins->len > 0
      || g_error_matches (gst_error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN)
      || g_error_matches (gst_error, GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND))
    {
      g_autofree char *what = NULL;

      if (self->missing_plugins->len > 0)
        {
          g_ptr_array_add (self->missing_plugins, NULL);
          what = g_strjoinv (", ", (char **) self->missing_plugins->pdata);
        }
      else
        what = g_strdup (gst_error->message);

      return g_error_new (TS_PLAYER_ERROR, TS_PLAYER_ERROR_MISSING_PLUGIN,
                          _("This video needs a plug-in that is not installed: %s"), what);
    }

  if (gst_error->domain == GST_RESOURCE_ERROR)
    {
      if (gst_error->code == GST_RESOURCE_ERROR_NOT_FOUND)
        return g_error_new (TS_PLAYER_ERROR, TS_PLAYER_ERROR_NOT_FOUND,
                            _("The video could not be found: %s"), gst_error->message);

      return g_error_new (TS_PLAYER_ERROR, TS_PLAYER_ERROR_READ,
                          _("The video could not be read: %s"), gst_error->message);
    }

  if (g_error_matches (gst_error, GST_STREAM_ERROR, GST_STREAM_ERROR_TYPE_NOT_FOUND)
      || g_error_matches (gst_error, GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE))
    return g_error_new_literal (TS_PLAYER_ERROR, TS_PLAYER_ERROR_NOT_MEDIA,
                                _("This file is not a video that can be played."));

  if (g_error_matches (gst_error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE)
      || g_error_matches (gst_error, GST_STREAM_ERROR, GST_STREAM_ERROR_DEMUX)
      || g_error_matches (gst_error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT))
    return g_error_new (TS_PLAYER_ERROR, TS_PLAYER_ERROR_DECODE,
                        _("The video is damaged and cannot be played: %s"), gst_error->message);

  return g_error_new (TS_PLAYER_ERROR, TS_PLAYER_ERROR_FAILED,
                      _("The video cannot be played: %s"), gst_error->message);
}

static void
handle_error (TsPlayer   *self,
              GstMessage *message)
{
  g_autoptr(GError) gst_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *debug = NULL;

  gst_message_parse_error (message, &gst_error, &debug);
  g_debug ("Error from %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
           gst_error->message, debug ? debug : "no details");

  error = error_from_message (self, gst_error);
  reset (self);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  TsPlayer *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      handle_error (self, message);
      break;

    case GST_MESSAGE_WARNING:
      {
        g_autoptr(GError) warning = NULL;
        g_autofree char *debug = NULL;

        gst_message_parse_warning (message, &warning, &debug);
        g_debug ("Warning from %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
                 warning->message, debug ? debug : "no details");
      }
      break;

    case GST_MESSAGE_ELEMENT:
      if (gst_is_missing_plugin_message (message))
        add_missing_plugin (self, message);
      break;

    case GST_MESSAGE_EOS:
      self->at_eos = TRUE;
      self->target = GST_STATE_PAUSED;
      apply_pipeline_state (self);
      update_tick (self);
      if (self->duration > 0)
        set_position (self, self->duration);
      update_state (self);
      g_signal_emit (self, signals[SIGNAL_EOS], 0);
      break;

    case GST_MESSAGE_BUFFERING:
      {
        GstBufferingMode mode;
        int percent = 100;

        gst_message_parse_buffering (message, &percent);
        gst_message_parse_buffering_stats (message, &mode, NULL, NULL, NULL);
        if (mode == GST_BUFFERING_LIVE || self->target == GST_STATE_NULL)
          break;

        self->source_percent = CLAMP (percent, 0, 100);
        update_buffering (self);
      }
      break;

    case GST_MESSAGE_ASYNC_DONE:
      if (self->target == GST_STATE_NULL)
        break;

      self->prerolled = TRUE;
      self->seeking = FALSE;
      query_duration (self);
      refresh_tracks (self);

      if (self->pending_seek >= 0)
        {
          gint64 position = self->pending_seek;

          self->pending_seek = -1;
          do_seek (self, position);
        }
      else
        query_position (self);

      update_state (self);
      break;

    case GST_MESSAGE_STATE_CHANGED:
      /* The tick stops on pause: take the position where the clock stopped. */
      if (GST_MESSAGE_SRC (message) == GST_OBJECT (self->playbin))
        {
          GstState new_state;

          gst_message_parse_state_changed (message, NULL, &new_state, NULL);
          if (new_state == GST_STATE_PAUSED && self->target != GST_STATE_NULL)
            query_position (self);
        }
      break;

    case GST_MESSAGE_DURATION_CHANGED:
      set_duration (self, -1);
      query_duration (self);
      break;

    case GST_MESSAGE_CLOCK_LOST:
      if (self->requested == GST_STATE_PLAYING)
        {
          gst_element_set_state (self->playbin, GST_STATE_PAUSED);
          gst_element_set_state (self->playbin, GST_STATE_PLAYING);
        }
      break;

    case GST_MESSAGE_APPLICATION:
      if (gst_message_has_name (message, "ts-tracks-changed"))
        refresh_tracks (self);
      break;

    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

/* Streaming threads: hop to the main context through the bus. */
static void
tracks_changed_cb (GstElement *playbin)
{
  gst_element_post_message (playbin,
                            gst_message_new_application (GST_OBJECT (playbin),
                                                         gst_structure_new_empty ("ts-tracks-changed")));
}

static void
tags_changed_cb (GstElement *playbin,
                 int         stream)
{
  tracks_changed_cb (playbin);
}

/* Streaming threads. Playbin converts (and scales, when our sink asks for a
 * smaller size) in front of the video sink, with one thread by default: a
 * 720p frame then takes most of a core's frame time on a slow machine. */
static void
element_added_cb (GstBin     *playbin,
                  GstBin     *sub_bin,
                  GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const char *name = factory != NULL ? GST_OBJECT_NAME (factory) : "";

  if ((g_str_equal (name, "videoconvert") || g_str_equal (name, "videoscale")
       || g_str_equal (name, "videoconvertscale"))
      && g_object_class_find_property (G_OBJECT_GET_CLASS (element), "n-threads") != NULL)
    g_object_set (element, "n-threads", 0, NULL);
}

static void
source_setup_cb (GstElement *playbin,
                 GstElement *source)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (source);

  if (g_object_class_find_property (klass, "timeout") != NULL
      && g_object_class_find_property (klass, "retries") != NULL)
    g_object_set (source, "timeout", HTTP_TIMEOUT_S, "retries", HTTP_RETRIES, NULL);
}

TsPlayer *
ts_player_new (void)
{
  return g_object_new (TS_TYPE_PLAYER, NULL);
}

const char *
ts_player_get_uri (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), NULL);

  return self->uri;
}

void
ts_player_set_uri (TsPlayer   *self,
                   const char *uri)
{
  g_return_if_fail (TS_IS_PLAYER (self));

  if (g_strcmp0 (self->uri, uri) == 0)
    return;

  reset (self);
  g_free (self->uri);
  self->uri = g_strdup (uri);
  g_object_set (self->playbin, "uri", uri, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URI]);

  /* An external subtitle belongs to the film it was chosen for. */
  ts_player_set_suburi (self, NULL);
}

const char *
ts_player_get_suburi (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), NULL);

  return self->suburi;
}

void
ts_player_set_suburi (TsPlayer   *self,
                      const char *suburi)
{
  g_return_if_fail (TS_IS_PLAYER (self));

  if (g_strcmp0 (self->suburi, suburi) == 0)
    return;

  g_free (self->suburi);
  self->suburi = g_strdup (suburi);

  if (self->target != GST_STATE_NULL)
    {
      /* Playbin reads suburi only when it starts: restart where we are. */
      gint64 position = self->position;

      gst_element_set_state (self->playbin, GST_STATE_READY);
      self->requested = GST_STATE_READY;
      g_object_set (self->playbin, "suburi", suburi, NULL);
      self->prerolled = FALSE;
      self->seeking = FALSE;
      self->pending_seek = position > 0 ? position : -1;
      apply_pipeline_state (self);
      update_state (self);
    }
  else
    g_object_set (self->playbin, "suburi", suburi, NULL);

  if (suburi != NULL)
    {
      guint flags = 0;

      g_object_get (self->playbin, "flags", &flags, NULL);
      g_object_set (self->playbin, "flags", flags | PLAY_FLAG_TEXT, NULL);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBURI]);
}

static void
start (TsPlayer *self,
       GstState  target)
{
  if (self->uri == NULL)
    return;

  if (self->at_eos)
    {
      self->at_eos = FALSE;
      if (self->prerolled)
        do_seek (self, 0);
    }

  self->target = target;
  apply_pipeline_state (self);
  update_tick (self);
  update_state (self);
}

void
ts_player_play (TsPlayer *self)
{
  g_return_if_fail (TS_IS_PLAYER (self));

  start (self, GST_STATE_PLAYING);
}

void
ts_player_pause (TsPlayer *self)
{
  g_return_if_fail (TS_IS_PLAYER (self));

  start (self, GST_STATE_PAUSED);
}

void
ts_player_stop (TsPlayer *self)
{
  g_return_if_fail (TS_IS_PLAYER (self));

  reset (self);
}

void
ts_player_seek (TsPlayer *self,
                gint64    position)
{
  g_return_if_fail (TS_IS_PLAYER (self));

  position = MAX (position, 0);
  if (self->duration > 0)
    position = MIN (position, self->duration);

  if (self->target == GST_STATE_NULL || !self->prerolled || self->seeking)
    {
      /* Applied when the pipeline is ready for it (ASYNC_DONE). */
      self->pending_seek = position;
      self->at_eos = FALSE;
      set_position (self, position);
      return;
    }

  do_seek (self, position);
}

TsPlayerState
ts_player_get_state (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), TS_PLAYER_STATE_STOPPED);

  return self->state;
}

gint64
ts_player_get_position (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), -1);

  return self->position;
}

gint64
ts_player_get_duration (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), -1);

  return self->duration;
}

gboolean
ts_player_get_seekable (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), FALSE);

  return self->seekable;
}

int
ts_player_get_buffering_percent (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), 100);

  return self->buffering_percent;
}

double
ts_player_get_volume (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), 0.0);

  return self->volume;
}

void
ts_player_set_volume (TsPlayer *self,
                      double    volume)
{
  g_return_if_fail (TS_IS_PLAYER (self));

  volume = CLAMP (volume, 0.0, 1.0);
  if (self->volume == volume)
    return;

  self->volume = volume;
  g_object_set (self->playbin, "volume",
                gst_stream_volume_convert_volume (GST_STREAM_VOLUME_FORMAT_CUBIC,
                                                  GST_STREAM_VOLUME_FORMAT_LINEAR,
                                                  volume),
                NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VOLUME]);
}

gboolean
ts_player_get_muted (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), FALSE);

  return self->muted;
}

void
ts_player_set_muted (TsPlayer *self,
                     gboolean  muted)
{
  g_return_if_fail (TS_IS_PLAYER (self));

  muted = !!muted;
  if (self->muted == muted)
    return;

  self->muted = muted;
  g_object_set (self->playbin, "mute", muted, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MUTED]);
}

GdkPaintable *
ts_player_get_paintable (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), NULL);

  return self->paintable;
}

GListModel *
ts_player_get_audio_tracks (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), NULL);

  return G_LIST_MODEL (self->audio_tracks);
}

GListModel *
ts_player_get_text_tracks (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), NULL);

  return G_LIST_MODEL (self->text_tracks);
}

int
ts_player_get_current_audio (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), -1);

  return self->current_audio;
}

void
ts_player_set_current_audio (TsPlayer *self,
                             int       index)
{
  g_return_if_fail (TS_IS_PLAYER (self));
  g_return_if_fail (index >= -1);

  if (self->current_audio == index)
    return;

  self->current_audio = index;
  g_object_set (self->playbin, "current-audio", index, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_AUDIO]);
}

int
ts_player_get_current_text (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), -1);

  return self->current_text;
}

void
ts_player_set_current_text (TsPlayer *self,
                            int       index)
{
  guint flags = 0;

  g_return_if_fail (TS_IS_PLAYER (self));
  g_return_if_fail (index >= -1);

  if (self->current_text == index)
    return;

  self->current_text = index;
  g_object_get (self->playbin, "flags", &flags, NULL);
  if (index < 0)
    g_object_set (self->playbin, "flags", flags & ~PLAY_FLAG_TEXT, NULL);
  else
    g_object_set (self->playbin, "flags", flags | PLAY_FLAG_TEXT, "current-text", index, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_TEXT]);
}

GstElement *
ts_player_get_pipeline (TsPlayer *self)
{
  g_return_val_if_fail (TS_IS_PLAYER (self), NULL);

  return self->playbin;
}

static void
ts_player_constructed (GObject *object)
{
  TsPlayer *self = TS_PLAYER (object);

  G_OBJECT_CLASS (ts_player_parent_class)->constructed (object);

  if (self->audio_sink != NULL)
    g_object_set (self->playbin, "audio-sink", self->audio_sink, NULL);
}

static void
ts_player_dispose (GObject *object)
{
  TsPlayer *self = TS_PLAYER (object);

  run_timeout (self, &self->tick_source, FALSE, 0, NULL, NULL);
  run_timeout (self, &self->lead_source, FALSE, 0, NULL, NULL);
  if (self->bus_source != NULL)
    {
      g_source_destroy (self->bus_source);
      g_clear_pointer (&self->bus_source, g_source_unref);
    }
  if (self->playbin != NULL)
    {
      gst_element_set_state (self->playbin, GST_STATE_NULL);
      gst_clear_object (&self->playbin);
    }
  gst_clear_object (&self->audio_sink);
  g_clear_object (&self->paintable);
  g_clear_object (&self->audio_tracks);
  g_clear_object (&self->text_tracks);

  G_OBJECT_CLASS (ts_player_parent_class)->dispose (object);
}

static void
ts_player_finalize (GObject *object)
{
  TsPlayer *self = TS_PLAYER (object);

  g_clear_pointer (&self->missing_plugins, g_ptr_array_unref);
  g_clear_pointer (&self->demux_lead, ts_demux_lead_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->uri);
  g_free (self->suburi);

  G_OBJECT_CLASS (ts_player_parent_class)->finalize (object);
}

static void
ts_player_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  TsPlayer *self = TS_PLAYER (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;

    case PROP_SUBURI:
      g_value_set_string (value, self->suburi);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_POSITION:
      g_value_set_int64 (value, self->position);
      break;

    case PROP_DURATION:
      g_value_set_int64 (value, self->duration);
      break;

    case PROP_SEEKABLE:
      g_value_set_boolean (value, self->seekable);
      break;

    case PROP_VOLUME:
      g_value_set_double (value, self->volume);
      break;

    case PROP_MUTED:
      g_value_set_boolean (value, self->muted);
      break;

    case PROP_BUFFERING_PERCENT:
      g_value_set_int (value, self->buffering_percent);
      break;

    case PROP_PAINTABLE:
      g_value_set_object (value, self->paintable);
      break;

    case PROP_AUDIO_TRACKS:
      g_value_set_object (value, self->audio_tracks);
      break;

    case PROP_TEXT_TRACKS:
      g_value_set_object (value, self->text_tracks);
      break;

    case PROP_CURRENT_AUDIO:
      g_value_set_int (value, self->current_audio);
      break;

    case PROP_CURRENT_TEXT:
      g_value_set_int (value, self->current_text);
      break;

    case PROP_AUDIO_SINK:
      g_value_set_object (value, self->audio_sink);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_player_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  TsPlayer *self = TS_PLAYER (object);

  switch (prop_id)
    {
    case PROP_URI:
      ts_player_set_uri (self, g_value_get_string (value));
      break;

    case PROP_SUBURI:
      ts_player_set_suburi (self, g_value_get_string (value));
      break;

    case PROP_VOLUME:
      ts_player_set_volume (self, g_value_get_double (value));
      break;

    case PROP_MUTED:
      ts_player_set_muted (self, g_value_get_boolean (value));
      break;

    case PROP_CURRENT_AUDIO:
      ts_player_set_current_audio (self, g_value_get_int (value));
      break;

    case PROP_CURRENT_TEXT:
      ts_player_set_current_text (self, g_value_get_int (value));
      break;

    case PROP_AUDIO_SINK:
      /* Takes a floating element as playbin does. */
      self->audio_sink = g_value_get_object (value);
      if (self->audio_sink != NULL)
        gst_object_ref_sink (self->audio_sink);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_player_class_init (TsPlayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ts_player_constructed;
  object_class->dispose = ts_player_dispose;
  object_class->finalize = ts_player_finalize;
  object_class->get_property = ts_player_get_property;
  object_class->set_property = ts_player_set_property;

  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBURI] =
    g_param_spec_string ("suburi", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       TS_TYPE_PLAYER_STATE, TS_PLAYER_STATE_STOPPED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POSITION] =
    g_param_spec_int64 ("position", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DURATION] =
    g_param_spec_int64 ("duration", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEEKABLE] =
    g_param_spec_boolean ("seekable", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VOLUME] =
    g_param_spec_double ("volume", NULL, NULL, 0.0, 1.0, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MUTED] =
    g_param_spec_boolean ("muted", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUFFERING_PERCENT] =
    g_param_spec_int ("buffering-percent", NULL, NULL, 0, 100, 100,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAINTABLE] =
    g_param_spec_object ("paintable", NULL, NULL, GDK_TYPE_PAINTABLE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUDIO_TRACKS] =
    g_param_spec_object ("audio-tracks", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TEXT_TRACKS] =
    g_param_spec_object ("text-tracks", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CURRENT_AUDIO] =
    g_param_spec_int ("current-audio", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CURRENT_TEXT] =
    g_param_spec_int ("current-text", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUDIO_SINK] =
    g_param_spec_object ("audio-sink", NULL, NULL, GST_TYPE_ELEMENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_EOS] =
    g_signal_new ("eos", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gst_pb_utils_init ();
}

static void
ts_player_init (TsPlayer *self)
{
  g_autoptr(GstBus) bus = NULL;
  GstElement *video_sink;

  self->context = g_main_context_ref_thread_default ();
  self->missing_plugins = g_ptr_array_new_with_free_func (g_free);
  self->audio_tracks = gtk_string_list_new (NULL);
  self->text_tracks = gtk_string_list_new (NULL);
  self->target = GST_STATE_NULL;
  self->requested = GST_STATE_NULL;
  self->pending_seek = -1;
  self->buffering_percent = 100;
  self->source_percent = 100;
  self->demux_lead = ts_demux_lead_new ();
  self->duration = -1;
  self->volume = 1.0;
  self->current_audio = -1;
  self->current_text = -1;

  self->playbin = gst_element_factory_make ("playbin", "ts-player");
  g_assert (self->playbin != NULL);
  gst_object_ref_sink (self->playbin);

  video_sink = ts_video_sink_create (TS_VIDEO_SINK_CHOICE_AUTO, &self->paintable);
  g_object_set (self->playbin, "video-sink", video_sink, NULL);
  g_signal_connect (self->playbin, "deep-element-added", G_CALLBACK (element_added_cb), NULL);
  ts_demux_lead_watch_bin (self->demux_lead, GST_BIN (self->playbin));
  g_signal_connect (self->playbin, "audio-changed", G_CALLBACK (tracks_changed_cb), NULL);
  g_signal_connect (self->playbin, "text-changed", G_CALLBACK (tracks_changed_cb), NULL);
  g_signal_connect (self->playbin, "audio-tags-changed", G_CALLBACK (tags_changed_cb), NULL);
  g_signal_connect (self->playbin, "text-tags-changed", G_CALLBACK (tags_changed_cb), NULL);
  g_signal_connect (self->playbin, "source-setup", G_CALLBACK (source_setup_cb), NULL);

  bus = gst_element_get_bus (self->playbin);
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_name (self->bus_source, "[ts] player bus");
  g_source_set_callback (self->bus_source, G_SOURCE_FUNC (bus_cb), self, NULL);
  g_source_attach (self->bus_source, self->context);
}
