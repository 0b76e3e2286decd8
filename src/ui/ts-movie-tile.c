/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "ts-movie.h"
#include "ts-movie-text.h"
#include "ts-movie-tile.h"
#include "ts-poster-cache.h"

struct _TsMovieTile
{
  GtkWidget      parent_instance;

  TsMovie       *movie;
  TsPosterCache *poster_cache;
  /* The poster request of the film shown; cancelled when the tile is
   * recycled for another one. */
  GCancellable  *poster_cancellable;
  gboolean       poster_loaded;
  gboolean       poster_wanted;

  GtkWidget     *poster_frame;
  GtkImage      *placeholder;
  GtkPicture    *picture;
  GtkWidget     *rating_badge;
  GtkLabel      *rating_label;
  GtkLabel      *title_label;
  GtkLabel      *year_label;
};

G_DEFINE_FINAL_TYPE (TsMovieTile, ts_movie_tile, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MOVIE,
  PROP_POSTER_CACHE,
  PROP_POSTER_LOADED,
  N_PROPS
};

enum {
  OPEN,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_poster_loaded (TsMovieTile *self,
                   gboolean     loaded)
{
  if (self->poster_loaded == loaded)
    return;

  self->poster_loaded = loaded;
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder), !loaded);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSTER_LOADED]);
}

static void
show_texture (TsMovieTile *self,
              GdkTexture  *texture)
{
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  set_poster_loaded (self, texture != NULL);
}

static void
poster_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(TsMovieTile) self = g_weak_ref_get (weak);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  g_weak_ref_clear (weak);
  g_free (weak);
  texture = ts_poster_cache_load_finish (TS_POSTER_CACHE (object), result, &error);
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->poster_cancellable);
  if (texture == NULL)
    {
      /* The placeholder stays: a missing poster is not worth a message. */
      g_debug ("No poster for %s: %s",
               self->movie != NULL ? ts_movie_get_id (self->movie) : "?", error->message);
      return;
    }
  show_texture (self, texture);
}

static void
cancel_poster (TsMovieTile *self)
{
  g_cancellable_cancel (self->poster_cancellable);
  g_clear_object (&self->poster_cancellable);
}

static void
load_poster (TsMovieTile *self)
{
  g_autoptr(GdkTexture) texture = NULL;
  GWeakRef *weak;
  const char *url;

  cancel_poster (self);
  show_texture (self, NULL);

  if (self->movie == NULL || self->poster_cache == NULL || !self->poster_wanted)
    return;
  url = ts_movie_get_poster_url (self->movie);
  if (url == NULL || *url == '\0')
    return;

  /* Scrolling back over posters seen a moment ago: no flicker. */
  texture = ts_poster_cache_lookup (self->poster_cache, url);
  if (texture != NULL)
    {
      show_texture (self, texture);
      return;
    }

  /* The request does not keep a recycled or disposed tile alive. */
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  self->poster_cancellable = g_cancellable_new ();
  ts_poster_cache_load_async (self->poster_cache, url, self->poster_cancellable,
                              poster_loaded_cb, weak);
}

static void
update_text (TsMovieTile *self)
{
  g_autofree char *name = NULL;
  g_autofree char *rating = NULL;
  g_autofree char *year = NULL;
  g_autofree char *description = NULL;

  if (self->movie == NULL)
    {
      gtk_label_set_label (self->title_label, NULL);
      gtk_label_set_label (self->year_label, NULL);
      gtk_widget_set_visible (self->rating_badge, FALSE);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
      return;
    }

  name = ts_movie_text_accessible_name (self->movie);
  rating = ts_movie_text_rating (ts_movie_get_rating (self->movie));
  if (ts_movie_get_year (self->movie) > 0)
    year = g_strdup_printf ("%d", ts_movie_get_year (self->movie));
  if (rating != NULL)
    /* Translators: the accessible description of a film tile; %s is like “7.4”. */
    description = g_strdup_printf (_("Rated %s out of 10"), rating);

  gtk_label_set_label (self->title_label, ts_movie_get_title (self->movie));
  gtk_label_set_label (self->year_label, year);
  gtk_widget_set_visible (GTK_WIDGET (self->year_label), year != NULL);
  gtk_label_set_label (self->rating_label, rating);
  gtk_widget_set_visible (self->rating_badge, rating != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), ts_movie_get_title (self->movie));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                    description != NULL ? description : "",
                                  -1);
}

static void
movie_notify_cb (TsMovieTile *self,
                 GParamSpec  *pspec)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "poster-url"))
    load_poster (self);
  else if (g_str_equal (name, "title") || g_str_equal (name, "year") ||
           g_str_equal (name, "rating"))
    update_text (self);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TsMovieTile *self = TS_MOVIE_TILE (widget);

  if (self->movie != NULL)
    g_signal_emit (self, signals[OPEN], 0);
}

static void
ts_movie_tile_dispose (GObject *object)
{
  TsMovieTile *self = TS_MOVIE_TILE (object);
  GtkWidget *child;

  cancel_poster (self);
  if (self->movie != NULL)
    g_signal_handlers_disconnect_by_data (self->movie, self);
  g_clear_object (&self->movie);
  g_clear_object (&self->poster_cache);
  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_MOVIE_TILE);
  /* Template children that are not bound are still ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (ts_movie_tile_parent_class)->dispose (object);
}

static void
ts_movie_tile_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TsMovieTile *self = TS_MOVIE_TILE (object);

  switch (prop_id)
    {
    case PROP_MOVIE:
      g_value_set_object (value, self->movie);
      break;
    case PROP_POSTER_CACHE:
      g_value_set_object (value, self->poster_cache);
      break;
    case PROP_POSTER_LOADED:
      g_value_set_boolean (value, self->poster_loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_movie_tile_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TsMovieTile *self = TS_MOVIE_TILE (object);

  switch (prop_id)
    {
    case PROP_MOVIE:
      ts_movie_tile_set_movie (self, g_value_get_object (value));
      break;
    case PROP_POSTER_CACHE:
      ts_movie_tile_set_poster_cache (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_movie_tile_class_init (TsMovieTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_movie_tile_dispose;
  object_class->get_property = ts_movie_tile_get_property;
  object_class->set_property = ts_movie_tile_set_property;

  properties[PROP_MOVIE] =
    g_param_spec_object ("movie", NULL, NULL, TS_TYPE_MOVIE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POSTER_CACHE] =
    g_param_spec_object ("poster-cache", NULL, NULL, TS_TYPE_POSTER_CACHE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POSTER_LOADED] =
    g_param_spec_boolean ("poster-loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[OPEN] = g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /* Also what a screen reader offers on the tile; the grid activates it
   * with a click, Enter or Space. */
  gtk_widget_class_install_action (widget_class, "tile.open", NULL, open_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_css_name (widget_class, "movietile");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/TorrentStream/ts-movie-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, TsMovieTile, poster_frame);
  gtk_widget_class_bind_template_child (widget_class, TsMovieTile, placeholder);
  gtk_widget_class_bind_template_child (widget_class, TsMovieTile, picture);
  gtk_widget_class_bind_template_child (widget_class, TsMovieTile, rating_badge);
  gtk_widget_class_bind_template_child (widget_class, TsMovieTile, rating_label);
  gtk_widget_class_bind_template_child (widget_class, TsMovieTile, title_label);
  gtk_widget_class_bind_template_child (widget_class, TsMovieTile, year_label);
}

static void
ts_movie_tile_init (TsMovieTile *self)
{
  GtkLayoutManager *layout;

  self->poster_wanted = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_size_request (self->poster_frame, TS_MOVIE_TILE_POSTER_WIDTH,
                               TS_MOVIE_TILE_POSTER_HEIGHT);

  layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
}

GtkWidget *
ts_movie_tile_new (TsPosterCache *poster_cache)
{
  g_return_val_if_fail (poster_cache == NULL || TS_IS_POSTER_CACHE (poster_cache), NULL);

  return g_object_new (TS_TYPE_MOVIE_TILE, "poster-cache", poster_cache, NULL);
}

TsMovie *
ts_movie_tile_get_movie (TsMovieTile *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TILE (self), NULL);

  return self->movie;
}

void
ts_movie_tile_set_movie (TsMovieTile *self,
                         TsMovie     *movie)
{
  g_return_if_fail (TS_IS_MOVIE_TILE (self));
  g_return_if_fail (movie == NULL || TS_IS_MOVIE (movie));

  if (self->movie == movie)
    return;

  if (self->movie != NULL)
    g_signal_handlers_disconnect_by_data (self->movie, self);
  g_set_object (&self->movie, movie);
  if (movie != NULL)
    g_signal_connect_swapped (movie, "notify", G_CALLBACK (movie_notify_cb), self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tile.open", movie != NULL);
  update_text (self);
  load_poster (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MOVIE]);
}

TsPosterCache *
ts_movie_tile_get_poster_cache (TsMovieTile *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TILE (self), NULL);

  return self->poster_cache;
}

void
ts_movie_tile_set_poster_cache (TsMovieTile   *self,
                                TsPosterCache *poster_cache)
{
  g_return_if_fail (TS_IS_MOVIE_TILE (self));
  g_return_if_fail (poster_cache == NULL || TS_IS_POSTER_CACHE (poster_cache));

  if (!g_set_object (&self->poster_cache, poster_cache))
    return;

  load_poster (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSTER_CACHE]);
}

void
ts_movie_tile_set_poster_wanted (TsMovieTile *self,
                                 gboolean     wanted)
{
  g_return_if_fail (TS_IS_MOVIE_TILE (self));

  wanted = !!wanted;
  if (self->poster_wanted == wanted)
    return;
  self->poster_wanted = wanted;
  /* Let go: the texture stays in the poster cache's memory for a while. */
  if (!wanted || (!self->poster_loaded && self->poster_cancellable == NULL))
    load_poster (self);
}

gboolean
ts_movie_tile_get_poster_wanted (TsMovieTile *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TILE (self), FALSE);

  return self->poster_wanted;
}

gboolean
ts_movie_tile_get_poster_loaded (TsMovieTile *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TILE (self), FALSE);

  return self->poster_loaded;
}
