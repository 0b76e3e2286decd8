/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ts-catalog-http.h"

G_BEGIN_DECLS

#define TS_TYPE_HTTP_PROVIDER (ts_http_provider_get_type ())

G_DECLARE_DERIVABLE_TYPE (TsHttpProvider, ts_http_provider, TS, HTTP_PROVIDER, GObject)

/* What the catalog providers that ask a web API have in common: their HTTP
 * session, how long a request may go without progress ("timeout", ms), how
 * large an answer may be ("max-body-size"), and how many films a page asks
 * for ("page-size"). Subclasses implement TsCatalogProvider. */
struct _TsHttpProviderClass
{
  GObjectClass parent_class;

  /* The API's own page size, and the most it allows. */
  guint default_page_size;
  guint max_page_size;

  gpointer padding[4];
};

/* The page size set, within the API's limit. */
guint    ts_http_provider_get_page_size      (TsHttpProvider      *self);

/* Fetches @url within the provider's limits and runs @parse on the body in
 * a worker thread (see ts_catalog_http_fetch_parsed_async()); the task's
 * source object is @self. */
void     ts_http_provider_fetch_async        (TsHttpProvider      *self,
                                              const char          *url,
                                              TsCatalogParseFunc   parse,
                                              gpointer             parse_data,
                                              GDestroyNotify       parse_data_free,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
/* Transfer full: the object @parse returned. */
gpointer ts_http_provider_fetch_finish       (TsHttpProvider      *self,
                                              GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
