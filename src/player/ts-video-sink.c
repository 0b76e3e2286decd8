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

  /* In our bin: the capsfilter after the scaler, which the sink points at
   * the size the paintable is drawn at. NULL for a bare sink. */
  GstElement       *scaler_caps;
  /* The film's size in square pixels, from the bin's input caps (object
   * lock); 0 when unknown. */
  int               display_width;
  int               display_height;
  /* The size asked of the scaler, 0 × 0 for the film's own (streaming
   * thread, and the change to READY once that stopped). */
  int               scaled_width;
  int               scaled_height;
};

/* A new drawn size must hold this long before frames follow it: resizing a
 * window must not renegotiate at every step. */
#define RESCALE_DELAY_US (300 * G_TIME_SPAN_MILLISECOND)
/* Smaller differences are left to GTK. */
#define RESCALE_MIN_STEP 16

enum {
  PROP_0,
  PROP_PAINTABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TsVideoSink, ts_video_sink, GST_TYPE_VIDEO_SINK)

/* GTK 4.8 converts every memory texture it draws or uploads to its own
 * format, through floats for 4-byte formats (about 5 ms for a 720p frame),
 * but 24-bit RGB with a fast path (0.5 ms): opaque films come as RGB/BGR,
 * which converters pick for sources without alpha. */
static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ RGB, BGR, BGRA, RGBA }")));

static gboolean
ts_video_sink_set_info (GstVideoSink       *video_sink,
                        GstCaps            *caps,
                        const GstVideoInfo *info)
{
  TsVideoSink *self = TS_VIDEO_SINK (video_sink);

  self->info = *info;
  return TRUE;
}

/* Converting, uploading and drawing fewer pixels is the cheapest way to
 * show a film in a window smaller than it: scale frames down to the size the
 * paintable is drawn at (never up), in square pixels. */
static void
update_scale (TsVideoSink *self,
              int          display_width,
              int          display_height)
{
  int drawn_width, drawn_height, width = 0, height = 0;
  gint64 since;
  g_autoptr(GstCaps) caps = NULL;

  if (display_width <= 0 || display_height <= 0
      || !ts_video_paintable_get_drawn_size (self->paintable, &drawn_width, &drawn_height, &since)
      || g_get_monotonic_time () - since < RESCALE_DELAY_US)
    return;

  if (drawn_width < display_width - RESCALE_MIN_STEP / 2
      || drawn_height < display_height - RESCALE_MIN_STEP / 2)
    {
      /* Keep the film's shape whatever rounding gave the drawn size. */
      width = MIN (drawn_width, display_width);
      height = (int) gst_util_uint64_scale_int_round (width, display_height, display_width);
      if (height > drawn_height)
        {
          height = drawn_height;
          width = (int) gst_util_uint64_scale_int_round (height, display_width, display_height);
        }
    }

  if (width == self->scaled_width && height == self->scaled_height)
    return;
  if (width != 0 && self->scaled_width != 0
      && ABS (width - self->scaled_width) < RESCALE_MIN_STEP
      && ABS (height - self->scaled_height) < RESCALE_MIN_STEP)
    return;

  GST_DEBUG_OBJECT (self, "scaling frames to %d×%d (drawn %d×%d, film %d×%d)", width, height,
                    drawn_width, drawn_height, display_width, display_height);
  self->scaled_width = width;
  self->scaled_height = height;
  if (width > 0)
    caps = gst_caps_new_simple ("video/x-raw",
                                "width", G_TYPE_INT, width,
                                "height", G_TYPE_INT, height,
                                "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1,
                                NULL);
  else
    caps = gst_caps_new_any ();
  /* The capsfilter asks upstream to renegotiate; the next frame has the size. */
  g_object_set (self->scaler_caps, "caps", caps, NULL);
}

static GstFlowReturn
ts_video_sink_show_frame (GstVideoSink *video_sink,
                          GstBuffer    *buffer)
{
  TsVideoSink *self = TS_VIDEO_SINK (video_sink);
  int alpha = g_atomic_int_get (&self->input_alpha);
  int display_width, display_height;

  GST_OBJECT_LOCK (self);
  display_width = self->display_width;
  display_height = self->display_height;
  GST_OBJECT_UNLOCK (self);

  if (self->scaler_caps != NULL)
    update_scale (self, display_width, display_height);

  ts_video_paintable_push_scaled_frame (self->paintable, buffer, &self->info,
                                        alpha >= 0 ? (TsVideoAlpha) alpha : TS_VIDEO_ALPHA_STRAIGHT,
                                        display_width, display_height);
  return GST_FLOW_OK;
}

static GstStateChangeReturn
ts_video_sink_change_state (GstElement     *element,
                            GstStateChange  transition)
{
  TsVideoSink *self = TS_VIDEO_SINK (element);
  GstStateChangeReturn ret;

  ret = GST_ELEMENT_CLASS (ts_video_sink_parent_class)->change_state (element, transition);

  /* Stopped, the next stream starts at its own size, not at the last one's
   * scale (the streaming thread is gone: scaled_* are ours). */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    {
      if (self->scaler_caps != NULL && self->scaled_width != 0)
        {
          g_autoptr(GstCaps) caps = gst_caps_new_any ();

          g_object_set (self->scaler_caps, "caps", caps, NULL);
        }
      self->scaled_width = self->scaled_height = 0;
      GST_OBJECT_LOCK (self);
      self->display_width = self->display_height = 0;
      GST_OBJECT_UNLOCK (self);
    }

  return ret;
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
  gst_clear_object (&self->scaler_caps);

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

  element_class->change_state = ts_video_sink_change_state;

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
    {
      int width = gst_util_uint64_scale_int_round (GST_VIDEO_INFO_WIDTH (&video_info),
                                                   GST_VIDEO_INFO_PAR_N (&video_info),
                                                   MAX (GST_VIDEO_INFO_PAR_D (&video_info), 1));
      int height = GST_VIDEO_INFO_HEIGHT (&video_info);

      g_atomic_int_set (&self->input_alpha, alpha_of_format (GST_VIDEO_INFO_FORMAT (&video_info)));
      /* A scaler upstream (playbin's, without native-video) may follow the
       * size we ask for: that is not the film's size. Caps events are
       * serialized, so scaled_* are ours to read here. */
      if (self->scaled_width == 0 || width != self->scaled_width || height != self->scaled_height)
        {
          GST_OBJECT_LOCK (self);
          self->display_width = width;
          self->display_height = height;
          GST_OBJECT_UNLOCK (self);
        }
    }

  return GST_PAD_PROBE_OK;
}

static GstElement *
make_element (const char *factory)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    g_error ("The GStreamer element %s is missing (gst-plugins-base)", factory);
  return element;
}

static GstElement *
create_own_bin (GdkPaintable **paintable)
{
  GstElement *bin = gst_bin_new ("ts-video-sink-bin");
  GstElement *convert = make_element ("videoconvertscale");
  GstElement *filter = make_element ("capsfilter");
  GstElement *sink = ts_video_sink_new ();
  g_autoptr(GstPad) pad = NULL;

  /* One pass converts and scales, on every core. No borders: the size asked
   * keeps the film's shape to within a pixel. */
  g_object_set (convert, "n-threads", 0, "add-borders", FALSE, NULL);
  TS_VIDEO_SINK (sink)->scaler_caps = gst_object_ref (filter);

  gst_bin_add_many (GST_BIN (bin), convert, filter, sink, NULL);
  if (!gst_element_link_many (convert, filter, sink, NULL))
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
