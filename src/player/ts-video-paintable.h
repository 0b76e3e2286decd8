/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk/gdk.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define TS_TYPE_VIDEO_PAINTABLE (ts_video_paintable_get_type ())
G_DECLARE_FINAL_TYPE (TsVideoPaintable, ts_video_paintable, TS, VIDEO_PAINTABLE, GObject)

/* A GdkPaintable showing the newest frame a TsVideoSink received.
 *
 * Frames arrive on a streaming thread: ts_video_paintable_push_frame() only
 * stores the newest one and wakes the main context the paintable was made
 * on; the GdkMemoryTexture is made there. A frame replaced before the main
 * context picked it up counts as dropped.
 *
 * Properties (read-only, notified on the main context): texture (the frame
 * shown, or NULL), frames-rendered, frames-dropped. */
TsVideoPaintable *ts_video_paintable_new                (void);

/* What the alpha bytes of a BGRA/RGBA frame mean. */
typedef enum {
  /* All 0xff (converted from a format without alpha): shown as
   * premultiplied, which GTK draws without converting. */
  TS_VIDEO_ALPHA_OPAQUE,
  /* Real transparency, not premultiplied (as GStreamer frames are). */
  TS_VIDEO_ALPHA_STRAIGHT,
  /* Padding from a BGRx-like source, any value: the frame is copied with
   * opaque alpha (GTK 4.8 has no memory format without alpha). */
  TS_VIDEO_ALPHA_UNDEFINED,
} TsVideoAlpha;

/* Thread-safe. @buffer holds a BGRA, RGBA, RGB or BGR frame described by
 * @info (@alpha does not matter for the 24-bit ones). */
void              ts_video_paintable_push_frame         (TsVideoPaintable   *self,
                                                         GstBuffer          *buffer,
                                                         const GstVideoInfo *info,
                                                         TsVideoAlpha        alpha);
/* Thread-safe. As push_frame(), for a frame scaled down to the drawn size:
 * the paintable keeps @display_width × @display_height (the film's size in
 * square pixels) as its intrinsic size. 0 × 0: derive it from @info. */
void              ts_video_paintable_push_scaled_frame  (TsVideoPaintable   *self,
                                                         GstBuffer          *buffer,
                                                         const GstVideoInfo *info,
                                                         TsVideoAlpha        alpha,
                                                         int                 display_width,
                                                         int                 display_height);
/* Thread-safe: the size (device pixels) the paintable was last drawn at and
 * since when (g_get_monotonic_time()); FALSE before it was ever drawn. */
gboolean          ts_video_paintable_get_drawn_size     (TsVideoPaintable   *self,
                                                         int                *width,
                                                         int                *height,
                                                         gint64             *since);
/* Main context only: forget the frame (shows nothing until the next one). */
void              ts_video_paintable_clear              (TsVideoPaintable   *self);

GdkTexture       *ts_video_paintable_get_texture        (TsVideoPaintable   *self);
guint64           ts_video_paintable_get_frames_rendered(TsVideoPaintable   *self);
guint64           ts_video_paintable_get_frames_dropped (TsVideoPaintable   *self);

G_END_DECLS
