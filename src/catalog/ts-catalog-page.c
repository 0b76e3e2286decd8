/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "ts-catalog-page.h"
#include "ts-movie.h"

struct _TsCatalogPage
{
  GObject     parent_instance;

  guint       page;
  guint       total;
  gboolean    has_more;
  gboolean    from_cache;
  gint64      fetched_at;
  GListStore *movies;
};

G_DEFINE_FINAL_TYPE (TsCatalogPage, ts_catalog_page, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PAGE,
  PROP_TOTAL,
  PROP_HAS_MORE,
  PROP_MOVIES,
  PROP_FROM_CACHE,
  PROP_FETCHED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ts_catalog_page_dispose (GObject *object)
{
  TsCatalogPage *self = TS_CATALOG_PAGE (object);

  g_clear_object (&self->movies);

  G_OBJECT_CLASS (ts_catalog_page_parent_class)->dispose (object);
}

static void
ts_catalog_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TsCatalogPage *self = TS_CATALOG_PAGE (object);

  switch (prop_id)
    {
    case PROP_PAGE:
      g_value_set_uint (value, self->page);
      break;
    case PROP_TOTAL:
      g_value_set_uint (value, self->total);
      break;
    case PROP_HAS_MORE:
      g_value_set_boolean (value, self->has_more);
      break;
    case PROP_MOVIES:
      g_value_set_object (value, self->movies);
      break;
    case PROP_FROM_CACHE:
      g_value_set_boolean (value, self->from_cache);
      break;
    case PROP_FETCHED_AT:
      g_value_set_int64 (value, self->fetched_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_catalog_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TsCatalogPage *self = TS_CATALOG_PAGE (object);

  switch (prop_id)
    {
    case PROP_PAGE:
      self->page = g_value_get_uint (value);
      break;
    case PROP_TOTAL:
      self->total = g_value_get_uint (value);
      break;
    case PROP_HAS_MORE:
      self->has_more = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_catalog_page_class_init (TsCatalogPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ts_catalog_page_dispose;
  object_class->get_property = ts_catalog_page_get_property;
  object_class->set_property = ts_catalog_page_set_property;

  properties[PROP_PAGE] =
    g_param_spec_uint ("page", NULL, NULL, 1, G_MAXUINT, 1, construct);
  properties[PROP_TOTAL] =
    g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0, construct);
  properties[PROP_HAS_MORE] =
    g_param_spec_boolean ("has-more", NULL, NULL, FALSE, construct);
  properties[PROP_MOVIES] =
    g_param_spec_object ("movies", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  properties[PROP_FROM_CACHE] =
    g_param_spec_boolean ("from-cache", NULL, NULL, FALSE, ro);
  properties[PROP_FETCHED_AT] =
    g_param_spec_int64 ("fetched-at", NULL, NULL, 0, G_MAXINT64, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ts_catalog_page_init (TsCatalogPage *self)
{
  self->page = 1;
  self->movies = g_list_store_new (TS_TYPE_MOVIE);
}

TsCatalogPage *
ts_catalog_page_new (guint    page,
                     guint    total,
                     gboolean has_more)
{
  return g_object_new (TS_TYPE_CATALOG_PAGE,
                       "page", MAX (page, 1),
                       "total", total,
                       "has-more", has_more,
                       NULL);
}

guint
ts_catalog_page_get_page (TsCatalogPage *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PAGE (self), 0);
  return self->page;
}

guint
ts_catalog_page_get_total (TsCatalogPage *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PAGE (self), 0);
  return self->total;
}

gboolean
ts_catalog_page_get_has_more (TsCatalogPage *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PAGE (self), FALSE);
  return self->has_more;
}

GListModel *
ts_catalog_page_get_movies (TsCatalogPage *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PAGE (self), NULL);
  return G_LIST_MODEL (self->movies);
}

guint
ts_catalog_page_get_n_movies (TsCatalogPage *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PAGE (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->movies));
}

TsMovie *
ts_catalog_page_get_movie (TsCatalogPage *self,
                           guint          position)
{
  TsMovie *movie;

  g_return_val_if_fail (TS_IS_CATALOG_PAGE (self), NULL);

  movie = g_list_model_get_item (G_LIST_MODEL (self->movies), position);
  /* Transfer none: the store keeps its own reference. */
  if (movie != NULL)
    g_object_unref (movie);
  return movie;
}

void
ts_catalog_page_add_movie (TsCatalogPage *self,
                           TsMovie       *movie)
{
  g_return_if_fail (TS_IS_CATALOG_PAGE (self));
  g_return_if_fail (TS_IS_MOVIE (movie));
  g_list_store_append (self->movies, movie);
}

gboolean
ts_catalog_page_get_from_cache (TsCatalogPage *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PAGE (self), FALSE);
  return self->from_cache;
}

gint64
ts_catalog_page_get_fetched_at (TsCatalogPage *self)
{
  g_return_val_if_fail (TS_IS_CATALOG_PAGE (self), 0);
  return self->fetched_at;
}

void
ts_catalog_page_set_cached (TsCatalogPage *self,
                            gboolean       from_cache,
                            gint64         fetched_at)
{
  g_return_if_fail (TS_IS_CATALOG_PAGE (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->from_cache != !!from_cache)
    {
      self->from_cache = !!from_cache;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROM_CACHE]);
    }
  if (self->fetched_at != fetched_at)
    {
      self->fetched_at = fetched_at;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FETCHED_AT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}
