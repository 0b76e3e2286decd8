/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "ts-backdrop.h"

/* How strongly the backdrop shows through, and the colour wash. */
#define TEXTURE_OPACITY 0.35
#define TINT_ALPHA      0.45
/* Pixels sampled per side to find a poster's colour. */
#define SAMPLES         24

struct _TsBackdrop
{
  AdwBin      parent_instance;

  GdkTexture *texture;
  gboolean    has_tint;
  GdkRGBA     tint;
};

G_DEFINE_FINAL_TYPE (TsBackdrop, ts_backdrop, ADW_TYPE_BIN)

static void
ts_backdrop_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  TsBackdrop *self = TS_BACKDROP (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (width <= 0 || height <= 0)
    {
      GTK_WIDGET_CLASS (ts_backdrop_parent_class)->snapshot (widget, snapshot);
      return;
    }

  if (self->texture != NULL)
    {
      double texture_width = gdk_texture_get_width (self->texture);
      double texture_height = gdk_texture_get_height (self->texture);
      double scale = MAX (width / texture_width, height / texture_height);
      double scaled_width = texture_width * scale;
      double scaled_height = texture_height * scale;

      /* Cropped to fill, the top of the picture kept: faces are there. */
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
      gtk_snapshot_push_opacity (snapshot, TEXTURE_OPACITY);
      gtk_snapshot_append_texture (snapshot, self->texture,
                                   &GRAPHENE_RECT_INIT ((width - scaled_width) / 2, 0,
                                                        scaled_width, scaled_height));
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_pop (snapshot);
    }
  else if (self->has_tint)
    {
      GskColorStop stops[2];

      stops[0].offset = 0;
      stops[0].color = self->tint;
      stops[0].color.alpha = TINT_ALPHA;
      stops[1].offset = 1;
      stops[1].color = self->tint;
      stops[1].color.alpha = 0;
      gtk_snapshot_append_linear_gradient (snapshot,
                                           &GRAPHENE_RECT_INIT (0, 0, width, height),
                                           &GRAPHENE_POINT_INIT (0, 0),
                                           &GRAPHENE_POINT_INIT (0, height),
                                           stops, G_N_ELEMENTS (stops));
    }

  /* The child on top. */
  GTK_WIDGET_CLASS (ts_backdrop_parent_class)->snapshot (widget, snapshot);
}

static void
ts_backdrop_dispose (GObject *object)
{
  TsBackdrop *self = TS_BACKDROP (object);

  g_clear_object (&self->texture);

  G_OBJECT_CLASS (ts_backdrop_parent_class)->dispose (object);
}

static void
ts_backdrop_class_init (TsBackdropClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_backdrop_dispose;
  widget_class->snapshot = ts_backdrop_snapshot;

  gtk_widget_class_set_css_name (widget_class, "backdrop");
}

static void
ts_backdrop_init (TsBackdrop *self)
{
  /* The picture is cropped to the header. */
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
ts_backdrop_new (void)
{
  return g_object_new (TS_TYPE_BACKDROP, NULL);
}

void
ts_backdrop_set_texture (TsBackdrop *self,
                         GdkTexture *texture)
{
  g_return_if_fail (TS_IS_BACKDROP (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  if (g_set_object (&self->texture, texture))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

GdkTexture *
ts_backdrop_get_texture (TsBackdrop *self)
{
  g_return_val_if_fail (TS_IS_BACKDROP (self), NULL);

  return self->texture;
}

/* The mean colour of a grid of samples, in sRGB. A poster is small, and
 * this runs once per film page. */
void
ts_backdrop_set_poster (TsBackdrop *self,
                        GdkTexture *poster)
{
  g_autofree guchar *pixels = NULL;
  double red = 0, green = 0, blue = 0;
  int width, height;
  gsize stride;
  guint n = 0;

  g_return_if_fail (TS_IS_BACKDROP (self));
  g_return_if_fail (poster == NULL || GDK_IS_TEXTURE (poster));

  self->has_tint = FALSE;
  if (poster != NULL)
    {
      width = gdk_texture_get_width (poster);
      height = gdk_texture_get_height (poster);
      stride = (gsize) width * 4;
      pixels = g_malloc (stride * height);
      /* Native-endian 32-bit ARGB, premultiplied; posters are opaque. */
      gdk_texture_download (poster, pixels, stride);

      for (int sy = 0; sy < SAMPLES; sy++)
        for (int sx = 0; sx < SAMPLES; sx++)
          {
            int x = (int) ((sx + 0.5) * width / SAMPLES);
            int y = (int) ((sy + 0.5) * height / SAMPLES);
            guint32 pixel = *(guint32 *) (pixels + y * stride + x * 4);

            red += (pixel >> 16) & 0xff;
            green += (pixel >> 8) & 0xff;
            blue += pixel & 0xff;
            n++;
          }

      self->tint.red = red / n / 255.0;
      self->tint.green = green / n / 255.0;
      self->tint.blue = blue / n / 255.0;
      self->tint.alpha = 1;
      self->has_tint = TRUE;
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ts_backdrop_get_tint (TsBackdrop *self,
                      GdkRGBA    *color)
{
  g_return_val_if_fail (TS_IS_BACKDROP (self), FALSE);

  if (self->has_tint && color != NULL)
    *color = self->tint;
  return self->has_tint;
}
