/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ts-catalog-types.h"
#include "ts-engine-types.h"

G_BEGIN_DECLS

#define TS_TYPE_BROWSE_PAGE (ts_browse_page_get_type ())
G_DECLARE_FINAL_TYPE (TsBrowsePage, ts_browse_page, TS, BROWSE_PAGE, GtkWidget)

/* The film catalog: a grid of films that grows as it is scrolled, with
 * search, sort and filters, and the page of a film in front of it.
 *
 * It reads the catalog settings (catalog-provider, archive-url,
 * archive-query, yts-url, poster-cache-size) from the session's GSettings
 * and starts loading when it is first shown. Without a session set, it
 * takes the one of the running TsApplication.
 *
 * Properties: session (TsSession), provider (TsCatalogProvider, read-only:
 * NULL while the settings name none that works). */
GtkWidget         *ts_browse_page_new          (void);
TsSession         *ts_browse_page_get_session  (TsBrowsePage *self);
void               ts_browse_page_set_session  (TsBrowsePage *self,
                                                TsSession    *session);
TsCatalogProvider *ts_browse_page_get_provider (TsBrowsePage *self);
/* The films shown, in order (a GListModel of TsMovie). */
GListModel        *ts_browse_page_get_movies   (TsBrowsePage *self);

G_END_DECLS
