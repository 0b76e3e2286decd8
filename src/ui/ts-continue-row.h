/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ts-continue-row.h: "Continue Watching", a horizontal strip of the films
 * started and not finished (ts_library_get_continue_watching()), most
 * recently played first: poster, title, how far along and how much is
 * left. Activating one (click, or Enter on the focused one) activates
 * app.play-torrent with its info-hash, which resumes where it stopped.
 *
 * The row hides itself while there is nothing to continue. Meant for the
 * top of the Browse page. */
#pragma once

#include <adwaita.h>

#include "ts-catalog-types.h"
#include "ts-library.h"

G_BEGIN_DECLS

#define TS_TYPE_CONTINUE_ROW (ts_continue_row_get_type ())
G_DECLARE_FINAL_TYPE (TsContinueRow, ts_continue_row, TS, CONTINUE_ROW, GtkWidget)

GtkWidget *ts_continue_row_new              (void);
void       ts_continue_row_set_library      (TsContinueRow *self,
                                             TsLibrary     *library);
/* Where posters come from (may be NULL: placeholders only). */
void       ts_continue_row_set_poster_cache (TsContinueRow *self,
                                             TsPosterCache *poster_cache);

G_END_DECLS
