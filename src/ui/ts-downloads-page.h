/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ts-engine-types.h"

G_BEGIN_DECLS

#define TS_TYPE_DOWNLOADS_PAGE (ts_downloads_page_get_type ())
G_DECLARE_FINAL_TYPE (TsDownloadsPage, ts_downloads_page, TS, DOWNLOADS_PAGE, GtkWidget)

/* The session's torrents as a live list (TsDownloadRow), with the total
 * rates and Pause All/Resume All above, or an empty state. Inside a window
 * of a TsApplication, the rows show the catalog film of each torrent from
 * the application's library. */
GtkWidget *ts_downloads_page_new         (void);
TsSession *ts_downloads_page_get_session (TsDownloadsPage *self);
void       ts_downloads_page_set_session (TsDownloadsPage *self,
                                          TsSession       *session);

G_END_DECLS
