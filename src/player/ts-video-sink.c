/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-player"

#include "ts-video-sink.h"

struct _TsVideoSink
{
  GstVideoSink      parent_instance;

  TsVideoPaintable *paintable;
  /* Set and read on the streaming thread only (caps are serialized). */
  GstVideoInfo      info;
  /* What the bin we are in learnt of the alpha bytes upstream, or -1:
   * then BGRA/RGBA input is taken to carry real transparency. */
  int               input_alpha;
};

enum {
  PROP_0,
  PROP_PAINTABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TsVideoSink, ts_video_sink, GST_TYPE_VIDEO_SINK)

static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ BGRA, RGBA }")));

static gboolean
ts_video_sink_set_info (GstVideoSink       *video_sink,
                        GstCaps            *caps,
                        const GstVideoInfo *info)
{
  TsVideoSink *self = TS_VIDEO_SINK (video_sink);

  self->info = *info;
  return TRUE;
}

static GstFlowReturn
ts_video_sink_show_frame (GstVideoSink *video_sink,
                          GstBuffer    *buffer)
{
  TsVideoSink *self = TS_VIDEO_SINK (video_sink);

  int alpha = g_atomic_int_get (&self->input_alpha);

  ts_video_paintable_push_frame (self->paintable, buffer, &self->info,
                                 alpha >= 0 ? (TsVideoAlpha) alpha : TS_VIDEO_ALPHA_STRAIGHT);
  return GST_FLOW_OK;
}

static gboolean
ts_video_sink_propose_allocation (GstBaseSink *base_sink,
                                  GstQuery    *query)
{
  /* We map frames with gst_video_frame_map(), which honours the strides and
   * offsets of a GstVideoMeta: decoders with padded buffers need not copy. */
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  return TRUE;
}

static void
ts_video_sink_dispose (GObject *object)
{
  TsVideoSink *self = TS_VIDEO_SINK (object);

  g_clear_object (&self->paintable);

  G_OBJECT_CLASS (ts_video_sink_parent_class)->dispose (object);
}

static void
ts_video_sink_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TsVideoSink *self = TS_VIDEO_SINK (object);

  switch (prop_id)
    {
    case PROP_PAINTABLE:
      g_value_set_object (value, self->paintable);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_video_sink_class_init (TsVideoSinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *base_sink_class = GST_BASE_SINK_CLASS (klass);
  GstVideoSinkClass *video_sink_class = GST_VIDEO_SINK_CLASS (klass);

  object_class->dispose = ts_video_sink_dispose;
  object_class->get_property = ts_video_sink_get_property;

  base_sink_class->propose_allocation = ts_video_sink_propose_allocation;

  video_sink_class->set_info = ts_video_sink_set_info;
  video_sink_class->show_frame = ts_video_sink_show_frame;

  properties[PROP_PAINTABLE] =
    g_param_spec_object ("paintable", NULL, NULL,
                         TS_TYPE_VIDEO_PAINTABLE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
                                         "TorrentStream video sink",
                                         "Sink/Video",
                                         "Shows video frames in a GdkPaintable",
                                         "TorrentStream");
}

static void
ts_video_sink_init (TsVideoSink *self)
{
  self->paintable = ts_video_paintable_new ();
  self->input_alpha = -1;
  gst_video_info_init (&self->info);
}

GstElement *
ts_video_sink_new (void)
{
  return g_object_new (TS_TYPE_VIDEO_SINK, NULL);
}

TsVideoPaintable *
ts_video_sink_get_paintable (TsVideoSink *self)
{
  g_return_val_if_fail (TS_IS_VIDEO_SINK (self), NULL);

  return self->paintable;
}

/* videoconvert copies alpha bytes as they are: real transparency from a
 * BGRA-like source, and whatever the padding byte of a BGRx-like source
 * holds. Formats without alpha otherwise unpack with opaque alpha. So the
 * format entering the bin tells the sink what its alpha bytes mean. */
static TsVideoAlpha
alpha_of_format (GstVideoFormat format)
{
  const GstVideoFormatInfo *finfo = gst_video_format_get_info (format);

  if (finfo == NULL)
    return TS_VIDEO_ALPHA_STRAIGHT;
  if (GST_VIDEO_FORMAT_INFO_HAS_ALPHA (finfo))
    return TS_VIDEO_ALPHA_STRAIGHT;
  if (GST_VIDEO_FORMAT_INFO_IS_RGB (finfo) && GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, 0) == 4)
    return TS_VIDEO_ALPHA_UNDEFINED;
  return TS_VIDEO_ALPHA_OPAQUE;
}

static GstPadProbeReturn
input_caps_probe (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  TsVideoSink *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstVideoInfo video_info;
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;

  gst_event_parse_caps (event, &caps);
  if (gst_video_info_from_caps (&video_info, caps))
    g_atomic_int_set (&self->input_alpha, alpha_of_format (GST_VIDEO_INFO_FORMAT (&video_info)));

  return GST_PAD_PROBE_OK;
}

static GstElement *
create_own_bin (GdkPaintable **paintable)
{
  GstElement *bin = gst_bin_new ("ts-video-sink-bin");
  GstElement *convert = gst_element_factory_make ("videoconvert", NULL);
  GstElement *sink = ts_video_sink_new ();
  g_autoptr(GstPad) pad = NULL;

  g_assert (convert != NULL);
  g_object_set (convert, "n-threads", 0, NULL);

  gst_bin_add_many (GST_BIN (bin), convert, sink, NULL);
  if (!gst_element_link (convert, sink))
    g_assert_not_reached ();

  /* The sink lives as long as the bin, and so as long as the pad. */
  pad = gst_element_get_static_pad (convert, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, input_caps_probe, sink, NULL);
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", pad));

  *paintable = g_object_ref (GDK_PAINTABLE (ts_video_sink_get_paintable (TS_VIDEO_SINK (sink))));
  return bin;
}

GstElement *
ts_video_sink_create (TsVideoSinkChoice   choice,
                      GdkPaintable      **paintable)
{
  g_return_val_if_fail (paintable != NULL, NULL);

  if (choice == TS_VIDEO_SINK_CHOICE_AUTO)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find ("gtk4paintablesink");

      if (factory != NULL)
        {
          GstElement *sink = gst_element_factory_create (factory, NULL);
          GdkPaintable *sink_paintable = NULL;

          if (sink != NULL)
            g_object_get (sink, "paintable", &sink_paintable, NULL);

          if (sink_paintable != NULL)
            {
              g_debug ("Showing video with gtk4paintablesink");
              *paintable = sink_paintable;
              return sink;
            }

          if (sink != NULL)
            gst_object_unref (gst_object_ref_sink (sink));
        }
    }

  return create_own_bin (paintable);
}
