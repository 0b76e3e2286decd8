/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ts-catalog-types.h"

G_BEGIN_DECLS

/* What the browse page asks for: a sort order and optional filters. A plain
 * value: copy it to keep it. */
#define TS_TYPE_CATALOG_QUERY (ts_catalog_query_get_type ())

GType           ts_catalog_query_get_type       (void) G_GNUC_CONST;
TsCatalogQuery *ts_catalog_query_new            (void);
TsCatalogQuery *ts_catalog_query_copy           (const TsCatalogQuery *self);
void            ts_catalog_query_free           (TsCatalogQuery       *self);
gboolean        ts_catalog_query_equal          (const TsCatalogQuery *a,
                                                 const TsCatalogQuery *b);

TsCatalogSort   ts_catalog_query_get_sort       (const TsCatalogQuery *self);
void            ts_catalog_query_set_sort       (TsCatalogQuery       *self,
                                                 TsCatalogSort         sort);
/* Free text; NULL when unset. Setting blank text unsets it. */
const char     *ts_catalog_query_get_search     (const TsCatalogQuery *self);
void            ts_catalog_query_set_search     (TsCatalogQuery       *self,
                                                 const char           *search);
const char     *ts_catalog_query_get_genre      (const TsCatalogQuery *self);
void            ts_catalog_query_set_genre      (TsCatalogQuery       *self,
                                                 const char           *genre);
/* 0 to 10; 0 means no minimum. */
double          ts_catalog_query_get_min_rating (const TsCatalogQuery *self);
void            ts_catalog_query_set_min_rating (TsCatalogQuery       *self,
                                                 double                min_rating);
/* "720p", "1080p", "2160p", "3D"; NULL for any. Providers that cannot filter
 * by quality ignore it. */
const char     *ts_catalog_query_get_quality    (const TsCatalogQuery *self);
void            ts_catalog_query_set_quality    (TsCatalogQuery       *self,
                                                 const char           *quality);

/* A stable text form, used to key the offline cache. */
char           *ts_catalog_query_to_key         (const TsCatalogQuery *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsCatalogQuery, ts_catalog_query_free)

G_END_DECLS
