/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GET with a size cap and an inactivity timeout, shared by the providers and
 * the poster cache. Internal to src/catalog/. */
#pragma once

#include <libsoup/soup.h>

#include "ts-catalog-types.h"

G_BEGIN_DECLS

#define TS_CATALOG_DEFAULT_TIMEOUT  20                  /* seconds */
#define TS_CATALOG_DEFAULT_MAX_BODY (8 * 1024 * 1024)   /* bytes */

SoupSession *ts_catalog_http_session_new (guint                 max_conns_per_host);

/* Fetches @url. Fails with TS_CATALOG_ERROR when the server cannot be
 * reached, answers 4xx/5xx, sends more than @max_bytes, or sends nothing for
 * @timeout_ms; with G_IO_ERROR_CANCELLED when @cancellable is cancelled.
 * When TS_LOOPBACK_ONLY=1 is in the environment, only loopback hosts are
 * allowed (a guard so tests can never reach the Internet). */
void         ts_catalog_http_get_async   (SoupSession          *session,
                                          const char           *url,
                                          guint                 timeout_ms,
                                          gsize                 max_bytes,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
GBytes      *ts_catalog_http_get_finish  (GAsyncResult         *result,
                                          GError              **error);

/* Turns a body into a GObject (a page, a film); runs on a worker thread. */
typedef gpointer (*TsCatalogParseFunc) (GBytes    *body,
                                        gpointer   user_data,
                                        GError   **error);

/* ts_catalog_http_get_async(), then @parse on a worker thread, so big
 * answers never hold up the main thread. The result belongs to a GTask
 * whose source object is @source_object. */
void         ts_catalog_http_fetch_parsed_async  (gpointer              source_object,
                                                  SoupSession          *session,
                                                  const char           *url,
                                                  guint                 timeout_ms,
                                                  gsize                 max_bytes,
                                                  TsCatalogParseFunc    parse,
                                                  gpointer              parse_data,
                                                  GDestroyNotify        parse_data_free,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* Transfer full: the object @parse returned. */
gpointer     ts_catalog_http_fetch_parsed_finish (gpointer              source_object,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
