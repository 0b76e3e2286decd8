/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ts-catalog-types.h"

G_BEGIN_DECLS

/* One page of a catalog listing. */
#define TS_TYPE_CATALOG_PAGE (ts_catalog_page_get_type ())

G_DECLARE_FINAL_TYPE (TsCatalogPage, ts_catalog_page, TS, CATALOG_PAGE, GObject)

TsCatalogPage *ts_catalog_page_new            (guint          page,
                                               guint          total,
                                               gboolean       has_more);
/* The page number, from 1. */
guint          ts_catalog_page_get_page       (TsCatalogPage *self);
/* How many films match the query in the whole catalog. */
guint          ts_catalog_page_get_total      (TsCatalogPage *self);
gboolean       ts_catalog_page_get_has_more   (TsCatalogPage *self);
/* A list of TsMovie. */
GListModel    *ts_catalog_page_get_movies     (TsCatalogPage *self);
guint          ts_catalog_page_get_n_movies   (TsCatalogPage *self);
/* Transfer none. */
TsMovie       *ts_catalog_page_get_movie      (TsCatalogPage *self,
                                               guint          position);
void           ts_catalog_page_add_movie      (TsCatalogPage *self,
                                               TsMovie       *movie);
/* TRUE for a page read back from the offline cache; @fetched_at is when it
 * was downloaded (Unix time). */
gboolean       ts_catalog_page_get_from_cache (TsCatalogPage *self);
gint64         ts_catalog_page_get_fetched_at (TsCatalogPage *self);
void           ts_catalog_page_set_cached     (TsCatalogPage *self,
                                               gboolean       from_cache,
                                               gint64         fetched_at);

G_END_DECLS
