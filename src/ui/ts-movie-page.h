/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ts-catalog-types.h"
#include "ts-engine-types.h"

G_BEGIN_DECLS

#define TS_TYPE_MOVIE_PAGE (ts_movie_page_get_type ())
G_DECLARE_FINAL_TYPE (TsMoviePage, ts_movie_page, TS, MOVIE_PAGE, GtkWidget)

/* The page of one film: what the catalog knows about it, its versions
 * (torrents), and Play / Preload, which start its download in @session.
 *
 * Properties (construct-only): movie, provider (the catalog @movie comes
 * from; loads the details), poster-cache, session (may be NULL: then the
 * buttons are off). Read-only: torrent (the TsTorrent of the chosen
 * version when it is in the session, or NULL).
 *
 * Signals: "back": the person asked to go back (the Back button, Escape,
 * Alt+Left, the mouse's back button). */
GtkWidget *ts_movie_page_new         (TsMovie           *movie,
                                      TsCatalogProvider *provider,
                                      TsPosterCache     *poster_cache,
                                      TsSession         *session);
TsMovie   *ts_movie_page_get_movie   (TsMoviePage       *self);
TsTorrent *ts_movie_page_get_torrent (TsMoviePage       *self);

G_END_DECLS
