/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ts-catalog-provider.h"
#include "ts-http-provider.h"

G_BEGIN_DECLS

/* The Internet Archive's public-domain films: advanced search for the list,
 * the metadata API for a film, and the item torrent (with web seeds) to
 * download it. */
#define TS_TYPE_ARCHIVE_PROVIDER (ts_archive_provider_get_type ())

G_DECLARE_FINAL_TYPE (TsArchiveProvider, ts_archive_provider, TS, ARCHIVE_PROVIDER,
                      TsHttpProvider)

/* The defaults of the archive-url and archive-query settings. */
#define TS_ARCHIVE_DEFAULT_URL   "https://archive.org"
#define TS_ARCHIVE_DEFAULT_QUERY \
  "collection:feature_films AND mediatype:movies AND format:\"Archive BitTorrent\""

/* NULL picks the default. */
TsArchiveProvider *ts_archive_provider_new           (const char           *base_url,
                                                      const char           *query);
const char        *ts_archive_provider_get_base_url  (TsArchiveProvider    *self);
const char        *ts_archive_provider_get_query     (TsArchiveProvider    *self);
/* The advanced-search URL for a page (exposed for tests). */
char              *ts_archive_provider_build_list_url (TsArchiveProvider   *self,
                                                       const TsCatalogQuery *query,
                                                       guint                page);

/* Parsers, free of I/O so they can run on any thread. @base_url builds the
 * poster and torrent addresses. */
TsCatalogPage     *ts_archive_parse_search           (const char           *base_url,
                                                      const char           *data,
                                                      gsize                 length,
                                                      guint                 page,
                                                      guint                 rows,
                                                      GError              **error);
/* A film with its details, from GET /metadata/<identifier>. Fails with
 * TS_CATALOG_ERROR_NOT_FOUND for a missing item and
 * TS_CATALOG_ERROR_NO_TORRENT when there is nothing to stream. */
TsMovie           *ts_archive_parse_metadata         (const char           *base_url,
                                                      const char           *identifier,
                                                      const char           *data,
                                                      gsize                 length,
                                                      GError              **error);

G_END_DECLS
