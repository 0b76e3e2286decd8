/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Human-readable text about films for the browse and film pages (GLib
 * only, so the tests can check it without a display). */
#pragma once

#include <glib.h>

#include "ts-catalog-types.h"
#include "ts-engine-types.h"

G_BEGIN_DECLS

/* "1 h 32 min", "45 min", "2 h"; NULL for 0 (unknown). */
char *ts_movie_text_runtime         (guint           minutes);
/* "7.4"; NULL when the rating is unknown (negative). */
char *ts_movie_text_rating          (double          rating);
/* "Title (1957)", or the title alone when the year is unknown. */
char *ts_movie_text_accessible_name (TsMovie        *movie);
/* "1957 · 1 h 32 min · Comedy, Romance": what is known, joined. */
char *ts_movie_text_facts           (TsMovie        *movie);
/* Where a download of the film stands: "Downloading — 12 %",
 * "Downloaded", "Paused — 40 %", "Starting the download…", or the error. */
char *ts_movie_text_download_state  (TsTorrent      *torrent);
/* "Size · 12 seeds · 3 peers" for a torrent row; NULL when nothing is known. */
char *ts_movie_text_torrent_details (TsMovieTorrent *torrent);

G_END_DECLS
