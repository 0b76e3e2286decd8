/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <math.h>

#include "ts-catalog-query.h"

struct _TsCatalogQuery
{
  TsCatalogSort  sort;
  char          *search;
  char          *genre;
  double         min_rating;
  char          *quality;
};

G_DEFINE_BOXED_TYPE (TsCatalogQuery, ts_catalog_query, ts_catalog_query_copy, ts_catalog_query_free)

G_DEFINE_QUARK (ts-catalog-error-quark, ts_catalog_error)

G_DEFINE_ENUM_TYPE (TsCatalogSort, ts_catalog_sort,
  G_DEFINE_ENUM_VALUE (TS_CATALOG_SORT_NEWEST, "newest"),
  G_DEFINE_ENUM_VALUE (TS_CATALOG_SORT_RATING, "rating"),
  G_DEFINE_ENUM_VALUE (TS_CATALOG_SORT_YEAR, "year"),
  G_DEFINE_ENUM_VALUE (TS_CATALOG_SORT_TITLE, "title"),
  G_DEFINE_ENUM_VALUE (TS_CATALOG_SORT_POPULAR, "popular"))

TsCatalogQuery *
ts_catalog_query_new (void)
{
  return g_new0 (TsCatalogQuery, 1);
}

TsCatalogQuery *
ts_catalog_query_copy (const TsCatalogQuery *self)
{
  TsCatalogQuery *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TsCatalogQuery, 1);
  copy->sort = self->sort;
  copy->search = g_strdup (self->search);
  copy->genre = g_strdup (self->genre);
  copy->min_rating = self->min_rating;
  copy->quality = g_strdup (self->quality);
  return copy;
}

void
ts_catalog_query_free (TsCatalogQuery *self)
{
  if (self == NULL)
    return;
  g_free (self->search);
  g_free (self->genre);
  g_free (self->quality);
  g_free (self);
}

gboolean
ts_catalog_query_equal (const TsCatalogQuery *a,
                        const TsCatalogQuery *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  return a->sort == b->sort &&
         g_strcmp0 (a->search, b->search) == 0 &&
         g_strcmp0 (a->genre, b->genre) == 0 &&
         a->min_rating == b->min_rating &&
         g_strcmp0 (a->quality, b->quality) == 0;
}

/* Trimmed copy, or NULL when nothing is left. */
static char *
normalize_text (const char *text)
{
  g_autofree char *copy = NULL;

  if (text == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (text));
  if (*copy == '\0')
    return NULL;
  return g_steal_pointer (&copy);
}

TsCatalogSort
ts_catalog_query_get_sort (const TsCatalogQuery *self)
{
  g_return_val_if_fail (self != NULL, TS_CATALOG_SORT_NEWEST);
  return self->sort;
}

void
ts_catalog_query_set_sort (TsCatalogQuery *self,
                           TsCatalogSort   sort)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (sort <= TS_CATALOG_SORT_POPULAR);
  self->sort = sort;
}

const char *
ts_catalog_query_get_search (const TsCatalogQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->search;
}

void
ts_catalog_query_set_search (TsCatalogQuery *self,
                             const char     *search)
{
  g_return_if_fail (self != NULL);
  g_free (self->search);
  self->search = normalize_text (search);
}

const char *
ts_catalog_query_get_genre (const TsCatalogQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->genre;
}

void
ts_catalog_query_set_genre (TsCatalogQuery *self,
                            const char     *genre)
{
  g_return_if_fail (self != NULL);
  g_free (self->genre);
  self->genre = normalize_text (genre);
}

double
ts_catalog_query_get_min_rating (const TsCatalogQuery *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->min_rating;
}

void
ts_catalog_query_set_min_rating (TsCatalogQuery *self,
                                 double          min_rating)
{
  g_return_if_fail (self != NULL);
  if (isnan (min_rating))
    min_rating = 0;
  self->min_rating = CLAMP (min_rating, 0.0, 10.0);
}

const char *
ts_catalog_query_get_quality (const TsCatalogQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->quality;
}

void
ts_catalog_query_set_quality (TsCatalogQuery *self,
                              const char     *quality)
{
  g_return_if_fail (self != NULL);
  g_free (self->quality);
  self->quality = normalize_text (quality);
}

char *
ts_catalog_query_to_key (const TsCatalogQuery *self)
{
  GEnumClass *klass;
  GEnumValue *value;
  char rating[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (self != NULL, NULL);

  klass = g_type_class_ref (TS_TYPE_CATALOG_SORT);
  value = g_enum_get_value (klass, self->sort);
  g_ascii_dtostr (rating, sizeof rating, self->min_rating);
  g_type_class_unref (klass);

  /* Only ever hashed into a file name: fields are split by a control
   * character that nobody types, so different queries give different keys. */
  return g_strdup_printf ("sort=%s\x1fsearch=%s\x1fgenre=%s\x1fmin=%s\x1fquality=%s",
                          value != NULL ? value->value_nick : "?",
                          self->search ? self->search : "",
                          self->genre ? self->genre : "",
                          rating,
                          self->quality ? self->quality : "");
}
