/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-player"

#include "config.h"

#include <string.h>

#include "ts-demux-lead.h"

struct _TsDemuxLead
{
  gatomicrefcount ref;
  GMutex          lock;
  GPtrArray      *streams;    /* Stream *, each owned by its pad's probe */
};

typedef struct {
  TsDemuxLead *lead;          /* owned */
  GstSegment   segment;
  gint64       until;         /* stream time given out up to; -1 for none */
  gboolean     known;         /* whether the caps were looked at */
  gboolean     media;         /* audio or video */
} Stream;

TsDemuxLead *
ts_demux_lead_new (void)
{
  TsDemuxLead *self = g_new0 (TsDemuxLead, 1);

  g_atomic_ref_count_init (&self->ref);
  g_mutex_init (&self->lock);
  self->streams = g_ptr_array_new ();
  return self;
}

TsDemuxLead *
ts_demux_lead_ref (TsDemuxLead *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
ts_demux_lead_unref (TsDemuxLead *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  /* Every stream holds a reference: none is left. */
  g_ptr_array_unref (self->streams);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static void
stream_free (gpointer data)
{
  Stream *s = data;

  g_mutex_lock (&s->lead->lock);
  g_ptr_array_remove_fast (s->lead->streams, s);
  g_mutex_unlock (&s->lead->lock);
  ts_demux_lead_unref (s->lead);
  g_free (s);
}

static gboolean
caps_are_media (GstCaps *caps)
{
  const char *name;

  if (caps == NULL || gst_caps_get_size (caps) == 0)
    return FALSE;
  name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  return g_str_has_prefix (name, "audio/") || g_str_has_prefix (name, "video/");
}

/* Called with the lock held. The sticky events may have been stored on
 * the pad before it was added, before the probe could see them. */
static void
stream_learn (Stream *s,
              GstPad *pad)
{
  if (!s->known)
    {
      g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);

      s->known = TRUE;
      s->media = caps_are_media (caps);
    }
  if (s->segment.format != GST_FORMAT_TIME)
    {
      GstEvent *event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);

      if (event != NULL)
        {
          gst_event_copy_segment (event, &s->segment);
          gst_event_unref (event);
        }
    }
}

/* A demuxer's streaming thread. */
static GstPadProbeReturn
probe_cb (GstPad          *pad,
          GstPadProbeInfo *info,
          gpointer         user_data)
{
  Stream *s = user_data;

  g_mutex_lock (&s->lead->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    {
      GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
      GstClockTime ts = GST_BUFFER_PTS_IS_VALID (buffer) ? GST_BUFFER_PTS (buffer)
                                                         : GST_BUFFER_DTS (buffer);

      stream_learn (s, pad);
      if (GST_CLOCK_TIME_IS_VALID (ts) && s->segment.format == GST_FORMAT_TIME
          && s->until != G_MAXINT64)
        {
          guint64 stream_time;

          if (GST_BUFFER_DURATION_IS_VALID (buffer))
            ts += GST_BUFFER_DURATION (buffer);
          stream_time = gst_segment_to_stream_time (&s->segment, GST_FORMAT_TIME, ts);
          if (GST_CLOCK_TIME_IS_VALID (stream_time))
            s->until = MAX (s->until, (gint64) MIN (stream_time, (guint64) G_MAXINT64 - 1));
        }
    }
  else if (info->type & (GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH))
    {
      GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

      switch (GST_EVENT_TYPE (event))
        {
        case GST_EVENT_CAPS:
          {
            GstCaps *caps = NULL;

            gst_event_parse_caps (event, &caps);
            s->known = TRUE;
            s->media = caps_are_media (caps);
          }
          break;

        case GST_EVENT_SEGMENT:
          /* Demuxers send it again now and then without a seek: what was
           * given out stays (only after the end is it a new start). */
          gst_event_copy_segment (event, &s->segment);
          if (s->until == G_MAXINT64)
            s->until = -1;
          break;

        case GST_EVENT_FLUSH_STOP:
          /* A flushing seek: nothing of the new place given out yet. */
          s->until = -1;
          break;

        case GST_EVENT_EOS:
          /* All of it given out: it can never hold playback. */
          s->until = G_MAXINT64;
          break;

        default:
          break;
        }
    }
  g_mutex_unlock (&s->lead->lock);

  return GST_PAD_PROBE_OK;
}

static void
pad_added_cb (GstElement  *element,
              GstPad      *pad,
              TsDemuxLead *self)
{
  Stream *s;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;

  s = g_new0 (Stream, 1);
  s->lead = ts_demux_lead_ref (self);
  s->until = -1;
  gst_segment_init (&s->segment, GST_FORMAT_UNDEFINED);
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->streams, s);
  g_mutex_unlock (&self->lock);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM
                          | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
                     probe_cb, s, stream_free);
}

static void
closure_unref (gpointer  data,
               GClosure *closure)
{
  ts_demux_lead_unref (data);
}

void
ts_demux_lead_watch_element (TsDemuxLead *self,
                             GstElement  *element)
{
  GstElementFactory *factory;
  const char *klass;

  g_return_if_fail (self != NULL);
  g_return_if_fail (GST_IS_ELEMENT (element));

  factory = gst_element_get_factory (element);
  klass = factory != NULL ? gst_element_factory_get_metadata (factory, GST_ELEMENT_METADATA_KLASS)
                          : NULL;
  if (klass == NULL || strstr (klass, "Demux") == NULL)
    return;

  g_signal_connect_data (element, "pad-added", G_CALLBACK (pad_added_cb),
                         ts_demux_lead_ref (self), closure_unref, 0);
}

static void
element_added_cb (GstBin      *bin,
                  GstBin      *sub_bin,
                  GstElement  *element,
                  TsDemuxLead *self)
{
  ts_demux_lead_watch_element (self, element);
}

void
ts_demux_lead_watch_bin (TsDemuxLead *self,
                         GstBin      *bin)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (GST_IS_BIN (bin));

  g_signal_connect_data (bin, "deep-element-added", G_CALLBACK (element_added_cb),
                         ts_demux_lead_ref (self), closure_unref, 0);
}

gint64
ts_demux_lead_get_until (TsDemuxLead *self)
{
  gint64 until = G_MAXINT64;
  gboolean any = FALSE;

  g_return_val_if_fail (self != NULL, -1);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->streams->len; i++)
    {
      Stream *s = g_ptr_array_index (self->streams, i);

      if (!s->known || !s->media)
        continue;
      any = TRUE;
      until = MIN (until, s->until);
    }
  g_mutex_unlock (&self->lock);

  return any ? until : -1;
}
