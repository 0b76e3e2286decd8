/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Forward declarations and shared enums of the catalog layer, so headers need
 * not include each other. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _TsMovie           TsMovie;
typedef struct _TsMovieTorrent    TsMovieTorrent;
typedef struct _TsCatalogPage     TsCatalogPage;
typedef struct _TsCatalogQuery    TsCatalogQuery;
typedef struct _TsCatalogProvider TsCatalogProvider;
typedef struct _TsArchiveProvider TsArchiveProvider;
typedef struct _TsYtsProvider     TsYtsProvider;
typedef struct _TsPosterCache     TsPosterCache;

#define TS_CATALOG_ERROR (ts_catalog_error_quark ())

typedef enum {
  TS_CATALOG_ERROR_NETWORK,         /* could not connect, or the connection broke */
  TS_CATALOG_ERROR_TIMEOUT,         /* the server stopped answering */
  TS_CATALOG_ERROR_HTTP,            /* a 4xx or 5xx answer */
  TS_CATALOG_ERROR_TOO_LARGE,       /* the body is over the size cap */
  TS_CATALOG_ERROR_INVALID_DATA,    /* not JSON, or not the expected shape */
  TS_CATALOG_ERROR_NOT_FOUND,       /* the film is gone */
  TS_CATALOG_ERROR_NO_TORRENT,      /* the film has nothing we can play */
  TS_CATALOG_ERROR_INVALID_IMAGE,   /* a poster that does not decode */
  TS_CATALOG_ERROR_NOT_CACHED,      /* nothing saved for offline use */
  TS_CATALOG_ERROR_INVALID_ADDRESS, /* a bad, missing or forbidden server address */
} TsCatalogError;

typedef enum {
  TS_CATALOG_SORT_NEWEST,
  TS_CATALOG_SORT_RATING,
  TS_CATALOG_SORT_YEAR,
  TS_CATALOG_SORT_TITLE,
  TS_CATALOG_SORT_POPULAR,
} TsCatalogSort;

#define TS_TYPE_CATALOG_SORT (ts_catalog_sort_get_type ())

GQuark ts_catalog_error_quark  (void);
GType  ts_catalog_sort_get_type (void);

G_END_DECLS
