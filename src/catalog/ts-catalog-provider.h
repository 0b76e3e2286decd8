/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ts-catalog-types.h"

G_BEGIN_DECLS

#define TS_TYPE_CATALOG_PROVIDER (ts_catalog_provider_get_type ())

G_DECLARE_INTERFACE (TsCatalogProvider, ts_catalog_provider, TS, CATALOG_PROVIDER, GObject)

struct _TsCatalogProviderInterface
{
  GTypeInterface parent_iface;

  /* "archive", "yts": the values of the catalog-provider setting. */
  const char         *(*get_id)         (TsCatalogProvider    *self);
  /* For people: "Internet Archive". */
  const char         *(*get_name)       (TsCatalogProvider    *self);
  /* Names the catalog behind the provider (server, base query), so pages of
   * different catalogs are cached apart. */
  char               *(*dup_cache_key)  (TsCatalogProvider    *self);
  /* Values for TsCatalogQuery's genre and quality; NULL-terminated, may be
   * empty when the provider cannot filter by them. */
  const char * const *(*get_genres)     (TsCatalogProvider    *self);
  const char * const *(*get_qualities)  (TsCatalogProvider    *self);

  void                (*list_async)     (TsCatalogProvider    *self,
                                         const TsCatalogQuery *query,
                                         guint                 page,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
  TsCatalogPage      *(*list_finish)    (TsCatalogProvider    *self,
                                         GAsyncResult         *result,
                                         GError              **error);
  /* Fetches the full record of @movie and returns it as a new TsMovie; the
   * wrapper merges it into @movie on the main context. */
  void                (*details_async)  (TsCatalogProvider    *self,
                                         TsMovie              *movie,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
  TsMovie            *(*details_finish) (TsCatalogProvider    *self,
                                         GAsyncResult         *result,
                                         GError              **error);
};

/* The provider the settings select (catalog-provider, archive-url,
 * archive-query, yts-url). Fails when YTS is selected but has no address. */
TsCatalogProvider  *ts_catalog_provider_new_for_settings  (GSettings            *settings,
                                                           GError              **error);

const char         *ts_catalog_provider_get_id            (TsCatalogProvider    *self);
const char         *ts_catalog_provider_get_name          (TsCatalogProvider    *self);
const char * const *ts_catalog_provider_get_genres        (TsCatalogProvider    *self);
const char * const *ts_catalog_provider_get_qualities     (TsCatalogProvider    *self);

/* Page @page (from 1) of the films matching @query (NULL: newest first, no
 * filter). A successful first page is also saved for offline use. */
void                ts_catalog_provider_list_async        (TsCatalogProvider    *self,
                                                           const TsCatalogQuery *query,
                                                           guint                 page,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
TsCatalogPage      *ts_catalog_provider_list_finish       (TsCatalogProvider    *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/* The first page last fetched for @query, read from disk without touching
 * the network (for an offline start). Its from-cache property is TRUE.
 * Fails with TS_CATALOG_ERROR_NOT_CACHED when there is none. */
void                ts_catalog_provider_list_cached_async (TsCatalogProvider    *self,
                                                           const TsCatalogQuery *query,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
TsCatalogPage      *ts_catalog_provider_list_cached_finish (TsCatalogProvider   *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/* Fills in @movie (synopsis, runtime, genres, torrents) and sets its
 * has-details property. @movie must come from this provider. */
void                ts_catalog_provider_details_async     (TsCatalogProvider    *self,
                                                           TsMovie              *movie,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean            ts_catalog_provider_details_finish    (TsCatalogProvider    *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

G_END_DECLS
