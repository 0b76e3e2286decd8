/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/video/gstvideosink.h>

#include "ts-video-paintable.h"

G_BEGIN_DECLS

#define TS_TYPE_VIDEO_SINK (ts_video_sink_get_type ())
G_DECLARE_FINAL_TYPE (TsVideoSink, ts_video_sink, TS, VIDEO_SINK, GstVideoSink)

/* A video sink that hands RGB/BGR (opaque) or BGRA/RGBA system-memory
 * frames to a TsVideoPaintable. On its own it takes 4-byte frames' alpha to
 * be real transparency; ts_video_sink_create() knows better. Needs no
 * GStreamer GTK plugin, so it works where gtk4paintablesink is not packaged
 * (Debian 12). Make it on the thread
 * whose main context draws (the GTK thread): the paintable wakes that
 * context. Property: paintable (read-only). */
GstElement       *ts_video_sink_new           (void);
TsVideoPaintable *ts_video_sink_get_paintable (TsVideoSink *self);

typedef enum {
  /* gtk4paintablesink when it is installed, else ours. */
  TS_VIDEO_SINK_CHOICE_AUTO,
  /* Always ours (tests, benchmarks). */
  TS_VIDEO_SINK_CHOICE_OWN,
} TsVideoSinkChoice;

/* A sink element (floating) for playbin's video-sink and the paintable it
 * draws into. Ours comes inside a bin with a videoconvertscale that makes any
 * raw format RGB (films) or BGRA/RGBA (with alpha) and scales frames down to
 * the size the paintable is drawn at, once that held for a moment (see
 * ts_video_paintable_get_drawn_size()); the bin tells the sink whether
 * 4-byte frames' alpha bytes are opaque, real transparency, or padding. */
GstElement       *ts_video_sink_create        (TsVideoSinkChoice   choice,
                                               GdkPaintable      **paintable);

G_END_DECLS
