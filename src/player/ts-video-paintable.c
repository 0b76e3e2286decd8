/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-player"

#include <string.h>

#include "ts-video-paintable.h"

struct _TsVideoPaintable
{
  GObject       parent_instance;

  /* Filled by the streaming thread, emptied by the main context. */
  GMutex        lock;
  GstBuffer    *pending;
  GstVideoInfo  pending_info;
  TsVideoAlpha  pending_alpha;
  int           pending_display_width;
  int           pending_display_height;
  guint64       frames_dropped;
  /* The size the frame was last drawn at, in device pixels, and since when
   * (monotonic µs): the sink scales frames down to it. */
  int           drawn_width;
  int           drawn_height;
  gint64        drawn_since;

  /* Main context only. */
  GSource      *wakeup;
  GdkTexture   *texture;
  int           width;
  int           height;
  double        aspect;
  guint64       frames_rendered;
};

enum {
  PROP_0,
  PROP_TEXTURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void ts_video_paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TsVideoPaintable, ts_video_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      ts_video_paintable_iface_init))

typedef struct {
  GstVideoFrame frame;
} MappedFrame;

static void
mapped_frame_free (gpointer data)
{
  MappedFrame *mapped = data;

  gst_video_frame_unmap (&mapped->frame);
  g_free (mapped);
}

/* Wraps the frame without copying: the texture keeps the buffer mapped and
 * referenced until GTK lets go of it. */
static GdkTexture *
texture_from_frame (GstBuffer          *buffer,
                    const GstVideoInfo *info,
                    TsVideoAlpha        alpha)
{
  MappedFrame *mapped = g_new0 (MappedFrame, 1);
  g_autoptr(GBytes) bytes = NULL;
  GdkMemoryFormat format;
  int width, height, stride;
  gsize size;

  if (!gst_video_frame_map (&mapped->frame, (GstVideoInfo *) info, buffer, GST_MAP_READ))
    {
      g_warning ("Could not map a video frame");
      g_free (mapped);
      return NULL;
    }

  width = GST_VIDEO_FRAME_WIDTH (&mapped->frame);
  height = GST_VIDEO_FRAME_HEIGHT (&mapped->frame);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&mapped->frame, 0);

  /* With opaque alpha, premultiplied and straight are the same, and
   * premultiplied is what GTK draws without converting. */
  switch (GST_VIDEO_FRAME_FORMAT (&mapped->frame))
    {
    case GST_VIDEO_FORMAT_RGB:
      format = GDK_MEMORY_R8G8B8;
      break;

    case GST_VIDEO_FORMAT_BGR:
      format = GDK_MEMORY_B8G8R8;
      break;

    case GST_VIDEO_FORMAT_RGBA:
      format = alpha == TS_VIDEO_ALPHA_STRAIGHT ? GDK_MEMORY_R8G8B8A8
                                                : GDK_MEMORY_R8G8B8A8_PREMULTIPLIED;
      break;

    default:
      format = alpha == TS_VIDEO_ALPHA_STRAIGHT ? GDK_MEMORY_B8G8R8A8
                                                : GDK_MEMORY_B8G8R8A8_PREMULTIPLIED;
    }

  size = (gsize) stride * (height - 1)
         + (gsize) width * GST_VIDEO_FRAME_COMP_PSTRIDE (&mapped->frame, 0);
  bytes = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (&mapped->frame, 0),
                                      size, mapped_frame_free, mapped);

  return gdk_memory_texture_new (width, height, format, bytes, stride);
}

static gboolean
wakeup_dispatch (gpointer user_data)
{
  TsVideoPaintable *self = user_data;
  g_autoptr(GstBuffer) buffer = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GstVideoInfo info;
  TsVideoAlpha alpha;
  gboolean size_changed;
  int width, height, display_width, display_height;
  double aspect;

  g_mutex_lock (&self->lock);
  g_source_set_ready_time (self->wakeup, -1);
  buffer = g_steal_pointer (&self->pending);
  info = self->pending_info;
  alpha = self->pending_alpha;
  display_width = self->pending_display_width;
  display_height = self->pending_display_height;
  g_mutex_unlock (&self->lock);

  /* Another wake-up already took the frame. */
  if (buffer == NULL)
    return G_SOURCE_CONTINUE;

  texture = texture_from_frame (buffer, &info, alpha);
  if (texture == NULL)
    return G_SOURCE_CONTINUE;

  if (display_width > 0 && display_height > 0)
    {
      /* A frame scaled down to the drawn size: keep the film's own size, so
       * that the layout does not follow the scaling. */
      width = display_width;
      height = display_height;
    }
  else
    {
      /* The size a person should see: stretch by the pixel aspect ratio. */
      width = gst_util_uint64_scale_int_round (GST_VIDEO_INFO_WIDTH (&info),
                                               GST_VIDEO_INFO_PAR_N (&info),
                                               MAX (GST_VIDEO_INFO_PAR_D (&info), 1));
      height = GST_VIDEO_INFO_HEIGHT (&info);
    }
  aspect = height > 0 ? (double) width / height : 0.0;

  size_changed = width != self->width || height != self->height;
  self->width = width;
  self->height = height;
  self->aspect = aspect;

  g_set_object (&self->texture, texture);
  self->frames_rendered++;

  if (size_changed)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);

  return G_SOURCE_CONTINUE;
}

static gboolean
wakeup_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs wakeup_source_funcs = {
  .dispatch = wakeup_source_dispatch,
};

/* A tightly packed copy of a frame with every alpha byte 0xff. */
static GstBuffer *
copy_opaque (GstBuffer    *buffer,
             GstVideoInfo *info)
{
  GstVideoInfo out_info;
  GstVideoFrame in, out;
  GstBuffer *copy;

  gst_video_info_set_format (&out_info, GST_VIDEO_INFO_FORMAT (info),
                             GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info));
  copy = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&out_info), NULL);

  if (!gst_video_frame_map (&in, info, buffer, GST_MAP_READ))
    {
      gst_buffer_unref (copy);
      return NULL;
    }
  gst_video_frame_map (&out, &out_info, copy, GST_MAP_WRITE);

  for (int y = 0; y < GST_VIDEO_INFO_HEIGHT (info); y++)
    {
      const guint8 *src = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&in, 0)
                          + y * GST_VIDEO_FRAME_PLANE_STRIDE (&in, 0);
      guint8 *dest = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&out, 0)
                     + y * GST_VIDEO_FRAME_PLANE_STRIDE (&out, 0);

      memcpy (dest, src, GST_VIDEO_INFO_WIDTH (info) * 4);
      /* Alpha is the fourth byte in both BGRA and RGBA. */
      for (int x = 0; x < GST_VIDEO_INFO_WIDTH (info); x++)
        dest[x * 4 + 3] = 0xff;
    }

  gst_video_frame_unmap (&out);
  gst_video_frame_unmap (&in);
  *info = out_info;
  return copy;
}

void
ts_video_paintable_push_frame (TsVideoPaintable   *self,
                               GstBuffer          *buffer,
                               const GstVideoInfo *info,
                               TsVideoAlpha        alpha)
{
  ts_video_paintable_push_scaled_frame (self, buffer, info, alpha, 0, 0);
}

void
ts_video_paintable_push_scaled_frame (TsVideoPaintable   *self,
                                      GstBuffer          *buffer,
                                      const GstVideoInfo *info,
                                      TsVideoAlpha        alpha,
                                      int                 display_width,
                                      int                 display_height)
{
  g_autoptr(GstBuffer) opaque = NULL;
  GstVideoInfo frame_info;

  g_return_if_fail (TS_IS_VIDEO_PAINTABLE (self));
  g_return_if_fail (GST_IS_BUFFER (buffer));
  g_return_if_fail (info != NULL);

  frame_info = *info;
  /* 24-bit frames have no alpha bytes to worry about. */
  if (GST_VIDEO_INFO_COMP_PSTRIDE (info, 0) == 3)
    alpha = TS_VIDEO_ALPHA_OPAQUE;
  if (alpha == TS_VIDEO_ALPHA_UNDEFINED)
    {
      /* Rare (raw RGB sources): copy here, off the GTK thread. */
      opaque = copy_opaque (buffer, &frame_info);
      if (opaque == NULL)
        return;
      buffer = opaque;
      alpha = TS_VIDEO_ALPHA_OPAQUE;
    }

  g_mutex_lock (&self->lock);
  if (self->pending != NULL)
    self->frames_dropped++;
  gst_buffer_replace (&self->pending, buffer);
  self->pending_info = frame_info;
  self->pending_alpha = alpha;
  self->pending_display_width = display_width;
  self->pending_display_height = display_height;
  /* Setting a ready time of 0 again before dispatch does nothing more: at
   * most one wake-up is ever queued. */
  if (self->wakeup != NULL)
    g_source_set_ready_time (self->wakeup, 0);
  g_mutex_unlock (&self->lock);
}

void
ts_video_paintable_clear (TsVideoPaintable *self)
{
  g_return_if_fail (TS_IS_VIDEO_PAINTABLE (self));

  g_mutex_lock (&self->lock);
  gst_clear_buffer (&self->pending);
  g_mutex_unlock (&self->lock);

  g_clear_object (&self->texture);
  if (self->width != 0 || self->height != 0)
    {
      self->width = self->height = 0;
      self->aspect = 0.0;
      gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
    }
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}

GdkTexture *
ts_video_paintable_get_texture (TsVideoPaintable *self)
{
  g_return_val_if_fail (TS_IS_VIDEO_PAINTABLE (self), NULL);

  return self->texture;
}

guint64
ts_video_paintable_get_frames_rendered (TsVideoPaintable *self)
{
  g_return_val_if_fail (TS_IS_VIDEO_PAINTABLE (self), 0);

  return self->frames_rendered;
}

guint64
ts_video_paintable_get_frames_dropped (TsVideoPaintable *self)
{
  guint64 dropped;

  g_return_val_if_fail (TS_IS_VIDEO_PAINTABLE (self), 0);

  g_mutex_lock (&self->lock);
  dropped = self->frames_dropped;
  g_mutex_unlock (&self->lock);

  return dropped;
}

gboolean
ts_video_paintable_get_drawn_size (TsVideoPaintable *self,
                                   int              *width,
                                   int              *height,
                                   gint64           *since)
{
  gboolean drawn;

  g_return_val_if_fail (TS_IS_VIDEO_PAINTABLE (self), FALSE);

  g_mutex_lock (&self->lock);
  drawn = self->drawn_width > 0 && self->drawn_height > 0;
  *width = self->drawn_width;
  *height = self->drawn_height;
  *since = self->drawn_since;
  g_mutex_unlock (&self->lock);

  return drawn;
}

/* A snapshot does not tell the device scale: take the largest a monitor
 * has, so that frames are never scaled below what a HiDPI screen shows. */
static int
max_scale_factor (void)
{
  GdkDisplay *display = gdk_display_get_default ();
  GListModel *monitors;
  int scale = 1;

  if (display == NULL)
    return 1;

  monitors = gdk_display_get_monitors (display);
  for (guint i = 0; i < g_list_model_get_n_items (monitors); i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);

      scale = MAX (scale, gdk_monitor_get_scale_factor (monitor));
    }
  return scale;
}

static void
ts_video_paintable_snapshot (GdkPaintable *paintable,
                             GdkSnapshot  *snapshot,
                             double        width,
                             double        height)
{
  TsVideoPaintable *self = TS_VIDEO_PAINTABLE (paintable);
  int scale = max_scale_factor ();
  /* Rounded up: a frame is never scaled below what is drawn. */
  int drawn_width = (int) (width * scale + 0.999);
  int drawn_height = (int) (height * scale + 0.999);

  g_mutex_lock (&self->lock);
  if (drawn_width != self->drawn_width || drawn_height != self->drawn_height)
    {
      self->drawn_width = drawn_width;
      self->drawn_height = drawn_height;
      self->drawn_since = g_get_monotonic_time ();
    }
  g_mutex_unlock (&self->lock);

  if (self->texture != NULL)
    gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
}

static GdkPaintable *
ts_video_paintable_get_current_image (GdkPaintable *paintable)
{
  TsVideoPaintable *self = TS_VIDEO_PAINTABLE (paintable);

  /* Textures never change, so the current one is a snapshot already. */
  if (self->texture != NULL)
    return g_object_ref (GDK_PAINTABLE (self->texture));

  return gdk_paintable_new_empty (self->width, self->height);
}

static int
ts_video_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  return TS_VIDEO_PAINTABLE (paintable)->width;
}

static int
ts_video_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  return TS_VIDEO_PAINTABLE (paintable)->height;
}

static double
ts_video_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  return TS_VIDEO_PAINTABLE (paintable)->aspect;
}

static void
ts_video_paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = ts_video_paintable_snapshot;
  iface->get_current_image = ts_video_paintable_get_current_image;
  iface->get_intrinsic_width = ts_video_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = ts_video_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = ts_video_paintable_get_intrinsic_aspect_ratio;
}

static void
ts_video_paintable_dispose (GObject *object)
{
  TsVideoPaintable *self = TS_VIDEO_PAINTABLE (object);

  GSource *wakeup;

  g_mutex_lock (&self->lock);
  wakeup = g_steal_pointer (&self->wakeup);
  gst_clear_buffer (&self->pending);
  g_mutex_unlock (&self->lock);

  if (wakeup != NULL)
    {
      g_source_destroy (wakeup);
      g_source_unref (wakeup);
    }
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (ts_video_paintable_parent_class)->dispose (object);
}

static void
ts_video_paintable_finalize (GObject *object)
{
  TsVideoPaintable *self = TS_VIDEO_PAINTABLE (object);

  gst_clear_buffer (&self->pending);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ts_video_paintable_parent_class)->finalize (object);
}

static void
ts_video_paintable_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TsVideoPaintable *self = TS_VIDEO_PAINTABLE (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_video_paintable_class_init (TsVideoPaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ts_video_paintable_dispose;
  object_class->finalize = ts_video_paintable_finalize;
  object_class->get_property = ts_video_paintable_get_property;

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL,
                         GDK_TYPE_TEXTURE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ts_video_paintable_init (TsVideoPaintable *self)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  g_mutex_init (&self->lock);
  gst_video_info_init (&self->pending_info);

  /* One wake-up source for the paintable's life, armed by each new frame:
   * the streaming thread never queues more than one redraw. */
  self->wakeup = g_source_new (&wakeup_source_funcs, sizeof (GSource));
  g_source_set_name (self->wakeup, "[ts] video frame");
  g_source_set_priority (self->wakeup, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->wakeup, wakeup_dispatch, self, NULL);
  g_source_set_ready_time (self->wakeup, -1);
  g_source_attach (self->wakeup, context);
}

TsVideoPaintable *
ts_video_paintable_new (void)
{
  return g_object_new (TS_TYPE_VIDEO_PAINTABLE, NULL);
}
