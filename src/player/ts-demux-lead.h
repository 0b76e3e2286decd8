/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* How far the demuxers of a pipeline got: the film they already gave out
 * and that now waits in the queues and decoders after them. A source that
 * waits for data starves playback only once that is played. Thread-safe. */
typedef struct _TsDemuxLead TsDemuxLead;

TsDemuxLead *ts_demux_lead_new           (void);
TsDemuxLead *ts_demux_lead_ref           (TsDemuxLead *self);
void         ts_demux_lead_unref         (TsDemuxLead *self);

/* Follows the audio and video streams of @element, if it is a demuxer. */
void         ts_demux_lead_watch_element (TsDemuxLead *self,
                                          GstElement  *element);
/* The same for every demuxer that @bin (playbin) will hold. */
void         ts_demux_lead_watch_bin     (TsDemuxLead *self,
                                          GstBin      *bin);

/* The stream time every audio and video stream was given out up to
 * (G_MAXINT64 once all ended), or -1 when a stream has given out nothing
 * since it began or was flushed, or none is known. */
gint64       ts_demux_lead_get_until     (TsDemuxLead *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsDemuxLead, ts_demux_lead_unref)

G_END_DECLS
