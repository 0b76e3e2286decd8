/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ts-archive-provider.h"
#include "ts-catalog-http.h"
#include "ts-catalog-page.h"
#include "ts-catalog-query.h"
#include "ts-catalog-util.h"
#include "ts-movie.h"

/* The advanced search allows far more, but a page of 50 comes quickly. */
#define DEFAULT_PAGE_SIZE 50
#define MAX_PAGE_SIZE     500

struct _TsArchiveProvider
{
  TsHttpProvider parent_instance;

  char          *base_url;
  char          *query;
};

static void provider_iface_init (TsCatalogProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TsArchiveProvider, ts_archive_provider, TS_TYPE_HTTP_PROVIDER,
  G_IMPLEMENT_INTERFACE (TS_TYPE_CATALOG_PROVIDER, provider_iface_init))

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_QUERY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Subjects common in feature_films; IA subjects are free text, so these are
 * searched as phrases. */
static const char * const genres[] = {
  "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
  "Film Noir", "Horror", "Musical", "Mystery", "Romance", "Science Fiction", "Silent",
  "Thriller", "War", "Western", NULL
};

static void
ts_archive_provider_finalize (GObject *object)
{
  TsArchiveProvider *self = TS_ARCHIVE_PROVIDER (object);

  g_free (self->base_url);
  g_free (self->query);

  G_OBJECT_CLASS (ts_archive_provider_parent_class)->finalize (object);
}

static void
ts_archive_provider_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TsArchiveProvider *self = TS_ARCHIVE_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_QUERY:
      g_value_set_string (value, self->query);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_archive_provider_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  TsArchiveProvider *self = TS_ARCHIVE_PROVIDER (object);
  const char *text;

  switch (prop_id)
    {
    case PROP_BASE_URL:
      text = g_value_get_string (value);
      g_free (self->base_url);
      self->base_url = g_strdup (text != NULL && *text != '\0' ? text : TS_ARCHIVE_DEFAULT_URL);
      break;
    case PROP_QUERY:
      text = g_value_get_string (value);
      g_free (self->query);
      self->query = g_strdup (text != NULL && *text != '\0' ? text : TS_ARCHIVE_DEFAULT_QUERY);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_archive_provider_class_init (TsArchiveProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  TsHttpProviderClass *http_class = TS_HTTP_PROVIDER_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ts_archive_provider_finalize;
  object_class->get_property = ts_archive_provider_get_property;
  object_class->set_property = ts_archive_provider_set_property;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, TS_ARCHIVE_DEFAULT_URL, construct);
  properties[PROP_QUERY] =
    g_param_spec_string ("query", NULL, NULL, TS_ARCHIVE_DEFAULT_QUERY, construct);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  http_class->default_page_size = DEFAULT_PAGE_SIZE;
  http_class->max_page_size = MAX_PAGE_SIZE;
}

static void
ts_archive_provider_init (TsArchiveProvider *self)
{
}

TsArchiveProvider *
ts_archive_provider_new (const char *base_url,
                         const char *query)
{
  return g_object_new (TS_TYPE_ARCHIVE_PROVIDER,
                       "base-url", base_url,
                       "query", query,
                       NULL);
}

const char *
ts_archive_provider_get_base_url (TsArchiveProvider *self)
{
  g_return_val_if_fail (TS_IS_ARCHIVE_PROVIDER (self), NULL);
  return self->base_url;
}

const char *
ts_archive_provider_get_query (TsArchiveProvider *self)
{
  g_return_val_if_fail (TS_IS_ARCHIVE_PROVIDER (self), NULL);
  return self->query;
}

/* Makes user text literal for Lucene: escapes its syntax and lowercases the
 * operators, so "Night AND Day" searches for three words. */
static void
append_escaped_terms (GString    *out,
                      const char *text)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \t\n\r", -1);
  gboolean first = TRUE;

  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *word = words[i];

      if (*word == '\0')
        continue;
      if (!first)
        g_string_append_c (out, ' ');
      first = FALSE;
      if (strcmp (word, "AND") == 0 || strcmp (word, "OR") == 0 || strcmp (word, "NOT") == 0)
        {
          g_autofree char *lower = g_ascii_strdown (word, -1);

          g_string_append (out, lower);
          continue;
        }
      for (const char *p = word; *p != '\0'; p++)
        {
          if (strchr ("+-&|!(){}[]^\"~*?:\\/", *p) != NULL)
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
    }
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
ts_archive_provider_build_list_url (TsArchiveProvider    *self,
                                    const TsCatalogQuery *query,
                                    guint                 page)
{
  static const char * const fields[] = {
    "identifier", "title", "year", "avg_rating", "downloads", "subject", "description",
    "runtime", NULL
  };
  g_autoptr(TsCatalogQuery) default_query = NULL;
  g_autoptr(GString) q = g_string_new (NULL);
  g_autofree char *escaped_q = NULL;
  g_autofree char *prefix = NULL;
  char number[32];
  const char *sort;
  GString *url;

  g_return_val_if_fail (TS_IS_ARCHIVE_PROVIDER (self), NULL);

  if (query == NULL)
    query = default_query = ts_catalog_query_new ();

  g_string_append_printf (q, "(%s)", self->query);
  if (ts_catalog_query_get_search (query) != NULL)
    {
      g_string_append (q, " AND (");
      append_escaped_terms (q, ts_catalog_query_get_search (query));
      g_string_append_c (q, ')');
    }
  if (ts_catalog_query_get_genre (query) != NULL)
    {
      g_string_append (q, " AND subject:\"");
      for (const char *p = ts_catalog_query_get_genre (query); *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (q, '\\');
          g_string_append_c (q, *p);
        }
      g_string_append_c (q, '"');
    }
  if (ts_catalog_query_get_min_rating (query) > 0)
    {
      char stars[G_ASCII_DTOSTR_BUF_SIZE];

      /* avg_rating counts stars out of 5. */
      g_ascii_formatd (stars, sizeof stars, "%.1f", ts_catalog_query_get_min_rating (query) / 2);
      g_string_append_printf (q, " AND avg_rating:[%s TO 5]", stars);
    }

  switch (ts_catalog_query_get_sort (query))
    {
    case TS_CATALOG_SORT_RATING:
      sort = "avg_rating desc";
      break;
    case TS_CATALOG_SORT_YEAR:
      sort = "year desc";
      break;
    case TS_CATALOG_SORT_TITLE:
      sort = "titleSorter asc";
      break;
    case TS_CATALOG_SORT_POPULAR:
      sort = "downloads desc";
      break;
    case TS_CATALOG_SORT_NEWEST:
    default:
      sort = "addeddate desc";
      break;
    }

  escaped_q = g_uri_escape_string (q->str, NULL, FALSE);
  prefix = ts_catalog_build_url (self->base_url, "/advancedsearch.php?q=");
  url = g_string_new (prefix);
  g_string_append (url, escaped_q);
  for (guint i = 0; fields[i] != NULL; i++)
    append_param (url, "fl%5B%5D", fields[i]);
  g_snprintf (number, sizeof number, "%u",
              ts_http_provider_get_page_size (TS_HTTP_PROVIDER (self)));
  append_param (url, "rows", number);
  g_snprintf (number, sizeof number, "%u", MAX (page, 1));
  append_param (url, "page", number);
  append_param (url, "sort%5B%5D", sort);
  append_param (url, "output", "json");
  return g_string_free (url, FALSE);
}

typedef struct {
  char  *base_url;
  char  *identifier;
  guint  page;
  guint  rows;
} ParseData;

static void
parse_data_free (ParseData *data)
{
  g_free (data->base_url);
  g_free (data->identifier);
  g_free (data);
}

static gpointer
parse_list (GBytes    *body,
            gpointer   user_data,
            GError   **error)
{
  ParseData *data = user_data;
  gsize length;
  const char *text = g_bytes_get_data (body, &length);

  return ts_archive_parse_search (data->base_url, text, length, data->page, data->rows, error);
}

static gpointer
parse_details (GBytes    *body,
               gpointer   user_data,
               GError   **error)
{
  ParseData *data = user_data;
  gsize length;
  const char *text = g_bytes_get_data (body, &length);

  return ts_archive_parse_metadata (data->base_url, data->identifier, text, length, error);
}

static const char *
archive_get_id (TsCatalogProvider *provider)
{
  return "archive";
}

static const char *
archive_get_name (TsCatalogProvider *provider)
{
  return _("Internet Archive");
}

static char *
archive_dup_cache_key (TsCatalogProvider *provider)
{
  TsArchiveProvider *self = TS_ARCHIVE_PROVIDER (provider);

  return g_strconcat ("archive\n", self->base_url, "\n", self->query, NULL);
}

static const char * const *
archive_get_genres (TsCatalogProvider *provider)
{
  return genres;
}

static void
archive_list_async (TsCatalogProvider    *provider,
                    const TsCatalogQuery *query,
                    guint                 page,
                    GCancellable         *cancellable,
                    GAsyncReadyCallback   callback,
                    gpointer              user_data)
{
  TsArchiveProvider *self = TS_ARCHIVE_PROVIDER (provider);
  g_autofree char *url = ts_archive_provider_build_list_url (self, query, page);
  ParseData *data = g_new0 (ParseData, 1);

  data->base_url = g_strdup (self->base_url);
  data->page = page;
  data->rows = ts_http_provider_get_page_size (TS_HTTP_PROVIDER (self));
  ts_http_provider_fetch_async (TS_HTTP_PROVIDER (self), url, parse_list, data,
                                (GDestroyNotify) parse_data_free,
                                cancellable, callback, user_data);
}

static TsCatalogPage *
archive_list_finish (TsCatalogProvider  *provider,
                     GAsyncResult       *result,
                     GError            **error)
{
  return ts_http_provider_fetch_finish (TS_HTTP_PROVIDER (provider), result, error);
}

static void
archive_details_async (TsCatalogProvider   *provider,
                       TsMovie             *movie,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  TsArchiveProvider *self = TS_ARCHIVE_PROVIDER (provider);
  g_autofree char *escaped = g_uri_escape_string (ts_movie_get_id (movie), NULL, FALSE);
  g_autofree char *path = g_strconcat ("/metadata/", escaped, NULL);
  g_autofree char *url = ts_catalog_build_url (self->base_url, path);
  ParseData *data = g_new0 (ParseData, 1);

  data->base_url = g_strdup (self->base_url);
  data->identifier = g_strdup (ts_movie_get_id (movie));
  ts_http_provider_fetch_async (TS_HTTP_PROVIDER (self), url, parse_details, data,
                                (GDestroyNotify) parse_data_free,
                                cancellable, callback, user_data);
}

static TsMovie *
archive_details_finish (TsCatalogProvider  *provider,
                        GAsyncResult       *result,
                        GError            **error)
{
  return ts_http_provider_fetch_finish (TS_HTTP_PROVIDER (provider), result, error);
}

static void
provider_iface_init (TsCatalogProviderInterface *iface)
{
  iface->get_id = archive_get_id;
  iface->get_name = archive_get_name;
  iface->dup_cache_key = archive_dup_cache_key;
  iface->get_genres = archive_get_genres;
  iface->list_async = archive_list_async;
  iface->list_finish = archive_list_finish;
  iface->details_async = archive_details_async;
  iface->details_finish = archive_details_finish;
}
