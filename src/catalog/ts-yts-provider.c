/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "ts-catalog-http.h"
#include "ts-catalog-page.h"
#include "ts-catalog-query.h"
#include "ts-catalog-util.h"
#include "ts-movie.h"
#include "ts-yts-provider.h"

/* The API allows 1 to 50. */
#define DEFAULT_PAGE_SIZE 20
#define MAX_PAGE_SIZE     50

struct _TsYtsProvider
{
  TsHttpProvider parent_instance;

  char          *base_url;
};

static void provider_iface_init (TsCatalogProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TsYtsProvider, ts_yts_provider, TS_TYPE_HTTP_PROVIDER,
  G_IMPLEMENT_INTERFACE (TS_TYPE_CATALOG_PROVIDER, provider_iface_init))

enum {
  PROP_0,
  PROP_BASE_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The genre and quality values list_movies.json accepts. */
static const char * const genres[] = {
  "Action", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Documentary", "Drama",
  "Family", "Fantasy", "Film-Noir", "History", "Horror", "Music", "Musical", "Mystery",
  "Romance", "Sci-Fi", "Sport", "Thriller", "War", "Western", NULL
};
static const char * const qualities[] = { "720p", "1080p", "2160p", "3D", NULL };

static void
ts_yts_provider_finalize (GObject *object)
{
  TsYtsProvider *self = TS_YTS_PROVIDER (object);

  g_free (self->base_url);

  G_OBJECT_CLASS (ts_yts_provider_parent_class)->finalize (object);
}

static void
ts_yts_provider_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TsYtsProvider *self = TS_YTS_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_yts_provider_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TsYtsProvider *self = TS_YTS_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_free (self->base_url);
      self->base_url = g_strdup (g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_yts_provider_class_init (TsYtsProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  TsHttpProviderClass *http_class = TS_HTTP_PROVIDER_CLASS (klass);

  object_class->finalize = ts_yts_provider_finalize;
  object_class->get_property = ts_yts_provider_get_property;
  object_class->set_property = ts_yts_provider_set_property;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  http_class->default_page_size = DEFAULT_PAGE_SIZE;
  http_class->max_page_size = MAX_PAGE_SIZE;
}

static void
ts_yts_provider_init (TsYtsProvider *self)
{
}

TsYtsProvider *
ts_yts_provider_new (const char *base_url)
{
  g_return_val_if_fail (base_url != NULL, NULL);

  return g_object_new (TS_TYPE_YTS_PROVIDER, "base-url", base_url, NULL);
}

const char *
ts_yts_provider_get_base_url (TsYtsProvider *self)
{
  g_return_val_if_fail (TS_IS_YTS_PROVIDER (self), NULL);
  return self->base_url;
}

static void
append_param (GString    *url,
              const char *name,
              const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_printf (url, "&%s=%s", name, escaped);
}

char *
ts_yts_provider_build_list_url (TsYtsProvider        *self,
                                const TsCatalogQuery *query,
                                guint                 page)
{
  g_autoptr(TsCatalogQuery) default_query = NULL;
  g_autofree char *prefix = NULL;
  const char *sort_by = "date_added";
  const char *order_by = "desc";
  GString *url;
  double min_rating;

  g_return_val_if_fail (TS_IS_YTS_PROVIDER (self), NULL);

  if (query == NULL)
    query = default_query = ts_catalog_query_new ();

  switch (ts_catalog_query_get_sort (query))
    {
    case TS_CATALOG_SORT_RATING:
      sort_by = "rating";
      break;
    case TS_CATALOG_SORT_YEAR:
      sort_by = "year";
      break;
    case TS_CATALOG_SORT_TITLE:
      sort_by = "title";
      order_by = "asc";
      break;
    case TS_CATALOG_SORT_POPULAR:
      sort_by = "download_count";
      break;
    case TS_CATALOG_SORT_NEWEST:
    default:
      break;
    }

  prefix = ts_catalog_build_url (self->base_url, "/list_movies.json?");
  url = g_string_new (prefix);
  g_string_append_printf (url, "limit=%u&page=%u",
                          ts_http_provider_get_page_size (TS_HTTP_PROVIDER (self)), MAX (page, 1));
  append_param (url, "sort_by", sort_by);
  append_param (url, "order_by", order_by);
  /* The API takes a whole number from 0 to 9. */
  min_rating = ts_catalog_query_get_min_rating (query);
  if (min_rating > 0)
    g_string_append_printf (url, "&minimum_rating=%d", (int) MIN (floor (min_rating), 9));
  if (ts_catalog_query_get_search (query) != NULL)
    append_param (url, "query_term", ts_catalog_query_get_search (query));
  if (ts_catalog_query_get_genre (query) != NULL)
    append_param (url, "genre", ts_catalog_query_get_genre (query));
  if (ts_catalog_query_get_quality (query) != NULL)
    append_param (url, "quality", ts_catalog_query_get_quality (query));
  return g_string_free (url, FALSE);
}

static gpointer
parse_list (GBytes    *body,
            gpointer   user_data,
            GError   **error)
{
  gsize length;
  const char *text = g_bytes_get_data (body, &length);

  return ts_yts_parse_list (text, length, GPOINTER_TO_UINT (user_data), error);
}

static gpointer
parse_details (GBytes    *body,
               gpointer   user_data,
               GError   **error)
{
  gsize length;
  const char *text = g_bytes_get_data (body, &length);

  return ts_yts_parse_details (text, length, error);
}

static const char *
yts_get_id (TsCatalogProvider *provider)
{
  return "yts";
}

static const char *
yts_get_name (TsCatalogProvider *provider)
{
  return _("YTS");
}

static char *
yts_dup_cache_key (TsCatalogProvider *provider)
{
  return g_strconcat ("yts\n", TS_YTS_PROVIDER (provider)->base_url, NULL);
}

static const char * const *
yts_get_genres (TsCatalogProvider *provider)
{
  return genres;
}

static const char * const *
yts_get_qualities (TsCatalogProvider *provider)
{
  return qualities;
}

static void
yts_list_async (TsCatalogProvider    *provider,
                const TsCatalogQuery *query,
                guint                 page,
                GCancellable         *cancellable,
                GAsyncReadyCallback   callback,
                gpointer              user_data)
{
  TsYtsProvider *self = TS_YTS_PROVIDER (provider);
  g_autofree char *url = ts_yts_provider_build_list_url (self, query, page);

  ts_http_provider_fetch_async (TS_HTTP_PROVIDER (self), url, parse_list,
                                GUINT_TO_POINTER (page), NULL, cancellable, callback, user_data);
}

static TsCatalogPage *
yts_list_finish (TsCatalogProvider  *provider,
                 GAsyncResult       *result,
                 GError            **error)
{
  return ts_http_provider_fetch_finish (TS_HTTP_PROVIDER (provider), result, error);
}

static void
yts_details_async (TsCatalogProvider   *provider,
                   TsMovie             *movie,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  TsYtsProvider *self = TS_YTS_PROVIDER (provider);
  g_autofree char *escaped = g_uri_escape_string (ts_movie_get_id (movie), NULL, FALSE);
  g_autofree char *path = g_strconcat ("/movie_details.json?movie_id=", escaped, NULL);
  g_autofree char *url = ts_catalog_build_url (self->base_url, path);

  ts_http_provider_fetch_async (TS_HTTP_PROVIDER (self), url, parse_details, NULL, NULL,
                                cancellable, callback, user_data);
}

static TsMovie *
yts_details_finish (TsCatalogProvider  *provider,
                    GAsyncResult       *result,
                    GError            **error)
{
  return ts_http_provider_fetch_finish (TS_HTTP_PROVIDER (provider), result, error);
}

static void
provider_iface_init (TsCatalogProviderInterface *iface)
{
  iface->get_id = yts_get_id;
  iface->get_name = yts_get_name;
  iface->dup_cache_key = yts_dup_cache_key;
  iface->get_genres = yts_get_genres;
  iface->get_qualities = yts_get_qualities;
  iface->list_async = yts_list_async;
  iface->list_finish = yts_list_finish;
  iface->details_async = yts_details_async;
  iface->details_finish = yts_details_finish;
}
