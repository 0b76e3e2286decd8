/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "ts-movie.h"
#include "ts-movie-torrent.h"

struct _TsMovie
{
  GObject     parent_instance;

  char       *id;
  char       *provider_id;
  char       *title;
  int         year;
  double      rating;
  guint       runtime;
  char      **genres;
  char       *synopsis;
  char       *poster_url;
  char       *backdrop_url;
  GListStore *torrents;
  gboolean    has_details;
};

G_DEFINE_FINAL_TYPE (TsMovie, ts_movie, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_PROVIDER_ID,
  PROP_TITLE,
  PROP_YEAR,
  PROP_RATING,
  PROP_RUNTIME,
  PROP_GENRES,
  PROP_SYNOPSIS,
  PROP_POSTER_URL,
  PROP_BACKDROP_URL,
  PROP_TORRENTS,
  PROP_HAS_DETAILS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ts_movie_dispose (GObject *object)
{
  TsMovie *self = TS_MOVIE (object);

  g_clear_object (&self->torrents);

  G_OBJECT_CLASS (ts_movie_parent_class)->dispose (object);
}

static void
ts_movie_finalize (GObject *object)
{
  TsMovie *self = TS_MOVIE (object);

  g_free (self->id);
  g_free (self->provider_id);
  g_free (self->title);
  g_strfreev (self->genres);
  g_free (self->synopsis);
  g_free (self->poster_url);
  g_free (self->backdrop_url);

  G_OBJECT_CLASS (ts_movie_parent_class)->finalize (object);
}

static void
ts_movie_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TsMovie *self = TS_MOVIE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_PROVIDER_ID:
      g_value_set_string (value, self->provider_id);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_YEAR:
      g_value_set_int (value, self->year);
      break;
    case PROP_RATING:
      g_value_set_double (value, self->rating);
      break;
    case PROP_RUNTIME:
      g_value_set_uint (value, self->runtime);
      break;
    case PROP_GENRES:
      g_value_set_boxed (value, self->genres);
      break;
    case PROP_SYNOPSIS:
      g_value_set_string (value, self->synopsis);
      break;
    case PROP_POSTER_URL:
      g_value_set_string (value, self->poster_url);
      break;
    case PROP_BACKDROP_URL:
      g_value_set_string (value, self->backdrop_url);
      break;
    case PROP_TORRENTS:
      g_value_set_object (value, self->torrents);
      break;
    case PROP_HAS_DETAILS:
      g_value_set_boolean (value, self->has_details);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_movie_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  TsMovie *self = TS_MOVIE (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_PROVIDER_ID:
      self->provider_id = g_value_dup_string (value);
      break;
    case PROP_TITLE:
      ts_movie_set_title (self, g_value_get_string (value));
      break;
    case PROP_YEAR:
      ts_movie_set_year (self, g_value_get_int (value));
      break;
    case PROP_RATING:
      ts_movie_set_rating (self, g_value_get_double (value));
      break;
    case PROP_RUNTIME:
      ts_movie_set_runtime (self, g_value_get_uint (value));
      break;
    case PROP_GENRES:
      ts_movie_set_genres (self, g_value_get_boxed (value));
      break;
    case PROP_SYNOPSIS:
      ts_movie_set_synopsis (self, g_value_get_string (value));
      break;
    case PROP_POSTER_URL:
      ts_movie_set_poster_url (self, g_value_get_string (value));
      break;
    case PROP_BACKDROP_URL:
      ts_movie_set_backdrop_url (self, g_value_get_string (value));
      break;
    case PROP_HAS_DETAILS:
      ts_movie_set_has_details (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_movie_class_init (TsMovieClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ts_movie_dispose;
  object_class->finalize = ts_movie_finalize;
  object_class->get_property = ts_movie_get_property;
  object_class->set_property = ts_movie_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, construct);
  properties[PROP_PROVIDER_ID] =
    g_param_spec_string ("provider-id", NULL, NULL, NULL, construct);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, rw);
  properties[PROP_YEAR] =
    g_param_spec_int ("year", NULL, NULL, 0, G_MAXINT, 0, rw);
  properties[PROP_RATING] =
    g_param_spec_double ("rating", NULL, NULL, -1, 10, -1, rw);
  properties[PROP_RUNTIME] =
    g_param_spec_uint ("runtime", NULL, NULL, 0, G_MAXUINT, 0, rw);
  properties[PROP_GENRES] =
    g_param_spec_boxed ("genres", NULL, NULL, G_TYPE_STRV, rw);
  properties[PROP_SYNOPSIS] =
    g_param_spec_string ("synopsis", NULL, NULL, NULL, rw);
  properties[PROP_POSTER_URL] =
    g_param_spec_string ("poster-url", NULL, NULL, NULL, rw);
  properties[PROP_BACKDROP_URL] =
    g_param_spec_string ("backdrop-url", NULL, NULL, NULL, rw);
  properties[PROP_TORRENTS] =
    g_param_spec_object ("torrents", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_DETAILS] =
    g_param_spec_boolean ("has-details", NULL, NULL, FALSE, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ts_movie_init (TsMovie *self)
{
  self->rating = -1;
  self->genres = g_new0 (char *, 1);
  self->torrents = g_list_store_new (TS_TYPE_MOVIE_TORRENT);
}

TsMovie *
ts_movie_new (const char *provider_id,
              const char *id)
{
  g_return_val_if_fail (provider_id != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return g_object_new (TS_TYPE_MOVIE, "provider-id", provider_id, "id", id, NULL);
}

const char *
ts_movie_get_id (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), NULL);
  return self->id;
}

const char *
ts_movie_get_provider_id (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), NULL);
  return self->provider_id;
}

/* Stores @text (NULL when empty) in @field; TRUE when it changed. */
static gboolean
set_text (char       **field,
          const char  *text)
{
  if (text != NULL && *text == '\0')
    text = NULL;
  if (g_strcmp0 (*field, text) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (text);
  return TRUE;
}

const char *
ts_movie_get_title (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), NULL);
  return self->title;
}

void
ts_movie_set_title (TsMovie    *self,
                    const char *title)
{
  g_return_if_fail (TS_IS_MOVIE (self));
  if (set_text (&self->title, title))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

int
ts_movie_get_year (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), 0);
  return self->year;
}

void
ts_movie_set_year (TsMovie *self,
                   int      year)
{
  g_return_if_fail (TS_IS_MOVIE (self));
  year = MAX (year, 0);
  if (self->year == year)
    return;
  self->year = year;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_YEAR]);
}

double
ts_movie_get_rating (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), -1);
  return self->rating;
}

void
ts_movie_set_rating (TsMovie *self,
                     double   rating)
{
  g_return_if_fail (TS_IS_MOVIE (self));
  /* NaN and negatives mean unknown. */
  if (!(rating >= 0))
    rating = -1;
  rating = MIN (rating, 10.0);
  if (self->rating == rating)
    return;
  self->rating = rating;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATING]);
}

guint
ts_movie_get_runtime (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), 0);
  return self->runtime;
}

void
ts_movie_set_runtime (TsMovie *self,
                      guint    runtime)
{
  g_return_if_fail (TS_IS_MOVIE (self));
  if (self->runtime == runtime)
    return;
  self->runtime = runtime;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNTIME]);
}

const char * const *
ts_movie_get_genres (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), NULL);
  return (const char * const *) self->genres;
}

void
ts_movie_set_genres (TsMovie            *self,
                     const char * const *genres)
{
  static const char * const empty[] = { NULL };

  g_return_if_fail (TS_IS_MOVIE (self));

  if (genres == NULL)
    genres = empty;
  if (g_strv_equal ((const char * const *) self->genres, genres))
    return;
  g_strfreev (self->genres);
  self->genres = g_strdupv ((char **) genres);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENRES]);
}

const char *
ts_movie_get_synopsis (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), NULL);
  return self->synopsis;
}

void
ts_movie_set_synopsis (TsMovie    *self,
                       const char *synopsis)
{
  g_return_if_fail (TS_IS_MOVIE (self));
  if (set_text (&self->synopsis, synopsis))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNOPSIS]);
}

const char *
ts_movie_get_poster_url (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), NULL);
  return self->poster_url;
}

void
ts_movie_set_poster_url (TsMovie    *self,
                         const char *url)
{
  g_return_if_fail (TS_IS_MOVIE (self));
  if (set_text (&self->poster_url, url))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSTER_URL]);
}

const char *
ts_movie_get_backdrop_url (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), NULL);
  return self->backdrop_url;
}

void
ts_movie_set_backdrop_url (TsMovie    *self,
                           const char *url)
{
  g_return_if_fail (TS_IS_MOVIE (self));
  if (set_text (&self->backdrop_url, url))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKDROP_URL]);
}

GListModel *
ts_movie_get_torrents (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), NULL);
  return G_LIST_MODEL (self->torrents);
}

void
ts_movie_set_torrents (TsMovie   *self,
                       GPtrArray *torrents)
{
  guint n_old;

  g_return_if_fail (TS_IS_MOVIE (self));

  /* One splice, so a bound list view sees one items-changed. */
  n_old = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  g_list_store_splice (self->torrents, 0, n_old,
                       torrents != NULL ? torrents->pdata : NULL,
                       torrents != NULL ? torrents->len : 0);
}

gboolean
ts_movie_get_has_details (TsMovie *self)
{
  g_return_val_if_fail (TS_IS_MOVIE (self), FALSE);
  return self->has_details;
}

void
ts_movie_set_has_details (TsMovie  *self,
                          gboolean  has_details)
{
  g_return_if_fail (TS_IS_MOVIE (self));
  has_details = !!has_details;
  if (self->has_details == has_details)
    return;
  self->has_details = has_details;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_DETAILS]);
}

void
ts_movie_update (TsMovie *self,
                 TsMovie *from)
{
  guint n_torrents;

  g_return_if_fail (TS_IS_MOVIE (self));
  g_return_if_fail (TS_IS_MOVIE (from));

  g_object_freeze_notify (G_OBJECT (self));

  if (from->title != NULL)
    ts_movie_set_title (self, from->title);
  if (from->year > 0)
    ts_movie_set_year (self, from->year);
  if (from->rating >= 0)
    ts_movie_set_rating (self, from->rating);
  if (from->runtime > 0)
    ts_movie_set_runtime (self, from->runtime);
  if (from->genres[0] != NULL)
    ts_movie_set_genres (self, (const char * const *) from->genres);
  if (from->synopsis != NULL)
    ts_movie_set_synopsis (self, from->synopsis);
  if (from->poster_url != NULL)
    ts_movie_set_poster_url (self, from->poster_url);
  if (from->backdrop_url != NULL)
    ts_movie_set_backdrop_url (self, from->backdrop_url);

  n_torrents = g_list_model_get_n_items (G_LIST_MODEL (from->torrents));
  if (n_torrents > 0)
    {
      g_autoptr(GPtrArray) torrents = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < n_torrents; i++)
        g_ptr_array_add (torrents, g_list_model_get_item (G_LIST_MODEL (from->torrents), i));
      ts_movie_set_torrents (self, torrents);
    }
  if (from->has_details)
    ts_movie_set_has_details (self, TRUE);

  g_object_thaw_notify (G_OBJECT (self));
}
