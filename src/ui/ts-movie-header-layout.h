/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TS_TYPE_MOVIE_HEADER_LAYOUT (ts_movie_header_layout_get_type ())
G_DECLARE_FINAL_TYPE (TsMovieHeaderLayout, ts_movie_header_layout, TS, MOVIE_HEADER_LAYOUT,
                      GtkLayoutManager)

/* Lays out two children, a poster and the text beside it, as the film
 * page's header: side by side when the text has at least @min_text_width
 * next to the poster, the poster above the text (centred) otherwise, so the
 * page fits a phone. */
GtkLayoutManager *ts_movie_header_layout_new (int spacing,
                                              int min_text_width);

G_END_DECLS
