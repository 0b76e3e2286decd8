/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TS_TYPE_BACKDROP (ts_backdrop_get_type ())
G_DECLARE_FINAL_TYPE (TsBackdrop, ts_backdrop, TS, BACKDROP, AdwBin)

/* A bin that paints a dimmed picture behind its child: the film page's
 * header. It is as big as its child (a picture would ask for a height of
 * its own). It shows @texture (the film's backdrop) cropped to fill, or,
 * without one, a wash of the main colour of @poster fading downwards. */
GtkWidget  *ts_backdrop_new         (void);
void        ts_backdrop_set_texture (TsBackdrop *self,
                                     GdkTexture *texture);
void        ts_backdrop_set_poster  (TsBackdrop *self,
                                     GdkTexture *poster);
GdkTexture *ts_backdrop_get_texture (TsBackdrop *self);
/* Whether a colour was taken from a poster (for tests). */
gboolean    ts_backdrop_get_tint    (TsBackdrop *self,
                                     GdkRGBA    *color);

G_END_DECLS
