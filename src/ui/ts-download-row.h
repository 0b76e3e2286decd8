/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ts-catalog-types.h"
#include "ts-engine-types.h"
#include "ts-library.h"

G_BEGIN_DECLS

#define TS_TYPE_DOWNLOAD_ROW (ts_download_row_get_type ())
G_DECLARE_FINAL_TYPE (TsDownloadRow, ts_download_row, TS, DOWNLOAD_ROW, GtkWidget)

/* One download: poster (a catalog film) or file-type icon, title, state,
 * progress, rates, time left, peers, size, and Play, Pause/Resume, Open
 * Folder and Remove. The figures follow the torrent through property
 * bindings. Delete removes and Ctrl+P pauses or resumes while a control of
 * the row has the focus. */
GtkWidget *ts_download_row_new              (void);
TsTorrent *ts_download_row_get_torrent      (TsDownloadRow *self);
void       ts_download_row_set_torrent      (TsDownloadRow *self,
                                             TsTorrent     *torrent);
/* Where the catalog film of a torrent is found (title, year, poster). */
void       ts_download_row_set_library      (TsDownloadRow *self,
                                             TsLibrary     *library);
void       ts_download_row_set_poster_cache (TsDownloadRow *self,
                                             TsPosterCache *poster_cache);

G_END_DECLS
