/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ts-catalog-provider.h"
#include "ts-http-provider.h"

G_BEGIN_DECLS

/* A YTS-compatible API v2 (list_movies.json, movie_details.json). Off by
 * default: it is used only when the yts-url setting names a server. */
#define TS_TYPE_YTS_PROVIDER (ts_yts_provider_get_type ())

G_DECLARE_FINAL_TYPE (TsYtsProvider, ts_yts_provider, TS, YTS_PROVIDER, TsHttpProvider)

/* @base_url ends in /api/v2, e.g. "https://yts.example/api/v2". */
TsYtsProvider *ts_yts_provider_new            (const char           *base_url);
const char    *ts_yts_provider_get_base_url   (TsYtsProvider        *self);
/* Exposed for tests. */
char          *ts_yts_provider_build_list_url (TsYtsProvider        *self,
                                               const TsCatalogQuery *query,
                                               guint                 page);

/* Parsers, free of I/O so they can run on any thread. */
TsCatalogPage *ts_yts_parse_list              (const char           *data,
                                               gsize                 length,
                                               guint                 page,
                                               GError              **error);
/* Fails with TS_CATALOG_ERROR_NOT_FOUND when the film is gone. */
TsMovie       *ts_yts_parse_details           (const char           *data,
                                               gsize                 length,
                                               GError              **error);
/* magnet:?xt=urn:btih:HASH&dn=TITLE&tr=… with a few public trackers. */
char          *ts_yts_build_magnet            (const char           *info_hash,
                                               const char           *title);

G_END_DECLS
