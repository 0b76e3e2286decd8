/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "ts-movie-header-layout.h"

struct _TsMovieHeaderLayout
{
  GtkLayoutManager parent_instance;

  int              spacing;
  int              min_text_width;
};

G_DEFINE_FINAL_TYPE (TsMovieHeaderLayout, ts_movie_header_layout, GTK_TYPE_LAYOUT_MANAGER)

/* The first two visible children: the poster and the text. */
static gboolean
get_children (GtkWidget  *widget,
              GtkWidget **poster,
              GtkWidget **text)
{
  *poster = *text = NULL;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_should_layout (child))
        continue;
      if (*poster == NULL)
        *poster = child;
      else if (*text == NULL)
        *text = child;
    }
  return *poster != NULL && *text != NULL;
}

static int
poster_width (GtkWidget *poster)
{
  int natural;

  gtk_widget_measure (poster, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
  return natural;
}

static gboolean
side_by_side (TsMovieHeaderLayout *self,
              GtkWidget           *poster,
              int                  width)
{
  return width < 0 || width - poster_width (poster) - self->spacing >= self->min_text_width;
}

static void
ts_movie_header_layout_measure (GtkLayoutManager *manager,
                                GtkWidget        *widget,
                                GtkOrientation    orientation,
                                int               for_size,
                                int              *minimum,
                                int              *natural,
                                int              *minimum_baseline,
                                int              *natural_baseline)
{
  TsMovieHeaderLayout *self = TS_MOVIE_HEADER_LAYOUT (manager);
  GtkWidget *poster, *text;
  int poster_min, poster_nat, text_min, text_nat;

  *minimum = *natural = 0;
  if (!get_children (widget, &poster, &text))
    return;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      gtk_widget_measure (poster, orientation, -1, &poster_min, &poster_nat, NULL, NULL);
      gtk_widget_measure (text, orientation, -1, &text_min, &text_nat, NULL, NULL);
      /* Stacked, the widest of the two; side by side, both. */
      *minimum = MAX (poster_min, text_min);
      *natural = poster_nat + self->spacing + MAX (text_nat, self->min_text_width);
      return;
    }

  if (side_by_side (self, poster, for_size))
    {
      int text_width = for_size < 0 ? -1 : for_size - poster_width (poster) - self->spacing;

      gtk_widget_measure (poster, orientation, -1, &poster_min, &poster_nat, NULL, NULL);
      gtk_widget_measure (text, orientation, text_width, &text_min, &text_nat, NULL, NULL);
      *minimum = MAX (poster_min, text_min);
      *natural = MAX (poster_nat, text_nat);
    }
  else
    {
      gtk_widget_measure (poster, orientation, -1, &poster_min, &poster_nat, NULL, NULL);
      gtk_widget_measure (text, orientation, for_size, &text_min, &text_nat, NULL, NULL);
      *minimum = poster_min + self->spacing + text_min;
      *natural = poster_nat + self->spacing + text_nat;
    }
}

static void
ts_movie_header_layout_allocate (GtkLayoutManager *manager,
                                 GtkWidget        *widget,
                                 int               width,
                                 int               height,
                                 int               baseline)
{
  TsMovieHeaderLayout *self = TS_MOVIE_HEADER_LAYOUT (manager);
  GtkWidget *poster, *text;
  int poster_w, poster_h, text_h;

  if (!get_children (widget, &poster, &text))
    return;

  gtk_widget_measure (poster, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &poster_w, NULL, NULL);
  gtk_widget_measure (poster, GTK_ORIENTATION_VERTICAL, poster_w, NULL, &poster_h, NULL, NULL);
  poster_w = MIN (poster_w, width);

  if (side_by_side (self, poster, width))
    {
      int text_x = poster_w + self->spacing;

      if (gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL)
        {
          gtk_widget_size_allocate (poster, &(GtkAllocation) { width - poster_w, 0,
                                                               poster_w, poster_h }, -1);
          gtk_widget_size_allocate (text, &(GtkAllocation) { 0, 0, width - text_x, height }, -1);
        }
      else
        {
          gtk_widget_size_allocate (poster, &(GtkAllocation) { 0, 0, poster_w, poster_h }, -1);
          gtk_widget_size_allocate (text, &(GtkAllocation) { text_x, 0, width - text_x, height },
                                    -1);
        }
      return;
    }

  gtk_widget_measure (text, GTK_ORIENTATION_VERTICAL, width, NULL, &text_h, NULL, NULL);
  gtk_widget_size_allocate (poster, &(GtkAllocation) { (width - poster_w) / 2, 0,
                                                       poster_w, poster_h }, -1);
  gtk_widget_size_allocate (text, &(GtkAllocation) { 0, poster_h + self->spacing,
                                                     width, MAX (text_h, height - poster_h - self->spacing) },
                            -1);
}

static GtkSizeRequestMode
ts_movie_header_layout_get_request_mode (GtkLayoutManager *manager,
                                         GtkWidget        *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
ts_movie_header_layout_class_init (TsMovieHeaderLayoutClass *klass)
{
  GtkLayoutManagerClass *layout_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  layout_class->measure = ts_movie_header_layout_measure;
  layout_class->allocate = ts_movie_header_layout_allocate;
  layout_class->get_request_mode = ts_movie_header_layout_get_request_mode;
}

static void
ts_movie_header_layout_init (TsMovieHeaderLayout *self)
{
}

GtkLayoutManager *
ts_movie_header_layout_new (int spacing,
                            int min_text_width)
{
  TsMovieHeaderLayout *self = g_object_new (TS_TYPE_MOVIE_HEADER_LAYOUT, NULL);

  self->spacing = MAX (spacing, 0);
  self->min_text_width = MAX (min_text_width, 0);
  return GTK_LAYOUT_MANAGER (self);
}
