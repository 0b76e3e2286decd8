/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TS_TYPE_SEEK_BAR (ts_seek_bar_get_type ())
G_DECLARE_FINAL_TYPE (TsSeekBar, ts_seek_bar, TS, SEEK_BAR, GtkWidget)

/* A film's time line: where playback is, and which parts of the file are
 * already downloaded, drawn under it. The slider inside is what assistive
 * technologies see ("Seek"); its description says how much is downloaded.
 *
 * Properties: duration, position (ns; the position follows the pointer
 * while the user drags), dragging (read-only), downloaded (0..1,
 * read-only).
 * Signals: "seek" (gint64 position): the user moved the slider. */
GtkWidget *ts_seek_bar_new          (void);

gint64     ts_seek_bar_get_duration (TsSeekBar    *self);
/* @duration <= 0: unknown; the bar cannot seek then. */
void       ts_seek_bar_set_duration (TsSeekBar    *self,
                                     gint64        duration);
gint64     ts_seek_bar_get_position (TsSeekBar    *self);
/* Ignored while the user drags the slider. */
void       ts_seek_bar_set_position (TsSeekBar    *self,
                                     gint64        position);
gboolean   ts_seek_bar_get_dragging (TsSeekBar    *self);

/* The downloaded parts as @n_ranges [start, end) pairs of fractions of the
 * file (0..1), sorted; NULL/0 for nothing. */
void       ts_seek_bar_set_ranges   (TsSeekBar    *self,
                                     const double *ranges,
                                     guint         n_ranges);
double     ts_seek_bar_get_downloaded (TsSeekBar  *self);

/* "1:23" or "1:02:03" for a time in ns (negative counts as 0). */
char      *ts_seek_bar_format_time  (gint64        time);

G_END_DECLS
