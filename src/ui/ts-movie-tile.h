/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ts-catalog-types.h"

G_BEGIN_DECLS

#define TS_TYPE_MOVIE_TILE (ts_movie_tile_get_type ())
G_DECLARE_FINAL_TYPE (TsMovieTile, ts_movie_tile, TS, MOVIE_TILE, GtkWidget)

/* A film in the browse grid: its poster, title, year and rating.
 *
 * Properties: movie (TsMovie), poster-cache (TsPosterCache), poster-loaded
 * (read-only: the poster is shown rather than the placeholder).
 * Signals: "open": the person asked to see the film (the "tile.open"
 * action, which assistive technologies see too). */
/* The poster's box in a tile, in logical pixels: posters are decoded at
 * this size (ts-browse-page.c). */
#define TS_MOVIE_TILE_POSTER_WIDTH  160
#define TS_MOVIE_TILE_POSTER_HEIGHT 240

GtkWidget     *ts_movie_tile_new              (TsPosterCache *poster_cache);
TsMovie       *ts_movie_tile_get_movie        (TsMovieTile   *self);
/* Shows @movie; cancels the poster request of the previous one. */
void           ts_movie_tile_set_movie        (TsMovieTile   *self,
                                               TsMovie       *movie);
TsPosterCache *ts_movie_tile_get_poster_cache (TsMovieTile   *self);
void           ts_movie_tile_set_poster_cache (TsMovieTile   *self,
                                               TsPosterCache *poster_cache);
gboolean       ts_movie_tile_get_poster_loaded (TsMovieTile  *self);
/* Whether the tile loads and shows its film's poster (TRUE at first). A
 * grid that keeps tiles bound far out of view turns it off for those: the
 * request is cancelled and the texture let go. */
void           ts_movie_tile_set_poster_wanted (TsMovieTile  *self,
                                                gboolean      wanted);
gboolean       ts_movie_tile_get_poster_wanted (TsMovieTile  *self);

G_END_DECLS
