/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ts-seek-bar.h"

#define NS_PER_SECOND G_GINT64_CONSTANT (1000000000)

struct _TsSeekBar
{
  GtkWidget      parent_instance;

  GtkWidget     *scale;
  GtkAdjustment *adjustment;
  GtkWidget     *preview;
  GtkWidget     *preview_label;
  GtkEventController *motion;

  gint64         duration;
  gint64         position;
  gboolean       dragging;
  double         hover_x;     /* where the preview points, -1 when hidden */

  GArray        *ranges;      /* doubles: start, end, start, end ... */
  double         downloaded;
  int            a11y_percent;
  gint64         a11y_second;
};

G_DEFINE_FINAL_TYPE (TsSeekBar, ts_seek_bar, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DURATION,
  PROP_POSITION,
  PROP_DRAGGING,
  PROP_DOWNLOADED,
  N_PROPS
};

enum {
  SIGNAL_SEEK,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

char *
ts_seek_bar_format_time (gint64 time)
{
  gint64 seconds = MAX (time, 0) / NS_PER_SECOND;

  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", seconds / 3600,
                            (int) (seconds / 60 % 60), (int) (seconds % 60));

  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

/* ns <-> the scale's unit (seconds, which is also what assistive
 * technologies read as its value). */
static double
to_seconds (gint64 time)
{
  return (double) time / NS_PER_SECOND;
}

static gint64
from_seconds (double seconds)
{
  return (gint64) (seconds * NS_PER_SECOND);
}

static void
update_value_text (TsSeekBar *self)
{
  gint64 second = self->position / NS_PER_SECOND;
  g_autofree char *position = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *text = NULL;

  /* Assistive technologies hear about every change: once a second is enough. */
  if (second == self->a11y_second)
    return;
  self->a11y_second = second;

  position = ts_seek_bar_format_time (self->position);
  if (self->duration > 0)
    {
      duration = ts_seek_bar_format_time (self->duration);
      /* Translators: a playback position, e.g. “1:23 of 1:45:00”. */
      text = g_strdup_printf (_("%s of %s"), position, duration);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->scale),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT,
                                  text != NULL ? text : position,
                                  -1);
}

static void
set_position_internal (TsSeekBar *self,
                       gint64     position)
{
  position = MAX (position, 0);
  if (self->duration > 0)
    position = MIN (position, self->duration);

  if (self->position == position)
    return;

  self->position = position;
  update_value_text (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
}

static void
set_dragging (TsSeekBar *self,
              gboolean   dragging)
{
  if (self->dragging == dragging)
    return;

  self->dragging = dragging;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAGGING]);
}

/* The trough in our coordinates, and the span the slider's centre travels
 * over it: with Adwaita's slider margins, all of it. */
static gboolean
get_track (TsSeekBar       *self,
           double          *x0,
           double          *x1,
           graphene_rect_t *trough_out)
{
  GtkWidget *child;
  graphene_rect_t trough;

  for (child = gtk_widget_get_first_child (self->scale);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_widget_get_css_name (child), "trough") == 0)
      break;

  if (child == NULL || !gtk_widget_compute_bounds (child, GTK_WIDGET (self), &trough) ||
      trough.size.width <= 1)
    return FALSE;

  *x0 = trough.origin.x;
  *x1 = trough.origin.x + trough.size.width;
  if (trough_out != NULL)
    *trough_out = trough;

  return TRUE;
}

static void
ts_seek_bar_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  TsSeekBar *self = TS_SEEK_BAR (widget);
  graphene_rect_t trough;
  GskRoundedRect clip;
  GdkRGBA color;
  GdkRGBA base;
  GdkRGBA done;
  double x0, x1;

  if (!get_track (self, &x0, &x1, &trough))
    {
      gtk_widget_snapshot_child (widget, self->scale, snapshot);
      return;
    }

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS

  /* The trough of the scale is transparent (style.css): the track and the
   * downloaded parts are drawn here, the played part and the knob by the
   * scale on top. */
  base = color;
  base.alpha *= 0.22f;
  done = color;
  done.alpha *= 0.5f;

  gsk_rounded_rect_init_from_rect (&clip, &trough, trough.size.height / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &clip);
  gtk_snapshot_append_color (snapshot, &base, &trough);

  for (guint i = 0; i + 1 < self->ranges->len; i += 2)
    {
      double start = g_array_index (self->ranges, double, i);
      double end = g_array_index (self->ranges, double, i + 1);
      double left = x0 + start * (x1 - x0);
      double right = x0 + end * (x1 - x0);

      /* A piece or two of a big film is narrower than a pixel: still show it. */
      if (right - left < 1.0)
        right = left + 1.0;

      gtk_snapshot_append_color (snapshot, &done,
                                 &GRAPHENE_RECT_INIT (left, trough.origin.y,
                                                      right - left, trough.size.height));
    }
  gtk_snapshot_pop (snapshot);

  gtk_widget_snapshot_child (widget, self->scale, snapshot);
}

static void
ts_seek_bar_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  TsSeekBar *self = TS_SEEK_BAR (widget);

  gtk_widget_measure (self->scale, orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
ts_seek_bar_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  TsSeekBar *self = TS_SEEK_BAR (widget);

  gtk_widget_allocate (self->scale, width, height, baseline, NULL);

  /* Popovers are not laid out by their parent's layout, only presented. */
  if (gtk_widget_get_visible (self->preview))
    gtk_popover_present (GTK_POPOVER (self->preview));
}

static void
show_preview (TsSeekBar *self,
              double     x)
{
  g_autofree char *text = NULL;
  double x0, x1;
  double fraction;
  graphene_rect_t trough;

  if (self->duration <= 0 || !get_track (self, &x0, &x1, &trough))
    return;

  fraction = CLAMP ((x - x0) / (x1 - x0), 0.0, 1.0);
  text = ts_seek_bar_format_time ((gint64) (fraction * (double) self->duration));
  gtk_label_set_text (GTK_LABEL (self->preview_label), text);

  self->hover_x = x0 + fraction * (x1 - x0);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->preview),
                               &(GdkRectangle) { (int) self->hover_x, (int) trough.origin.y, 1,
                                                 (int) trough.size.height });
  if (!gtk_widget_get_visible (self->preview))
    gtk_popover_popup (GTK_POPOVER (self->preview));
}

static void
hide_preview (TsSeekBar *self)
{
  self->hover_x = -1;
  if (gtk_widget_get_visible (self->preview))
    gtk_popover_popdown (GTK_POPOVER (self->preview));
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           TsSeekBar                *self)
{
  double our_x, our_y;

  /* The controller sits on the scale; the preview is placed in our space. */
  if (!gtk_widget_translate_coordinates (self->scale, GTK_WIDGET (self), x, y, &our_x, &our_y))
    return;

  show_preview (self, our_x);
}

static void
leave_cb (GtkEventControllerMotion *controller,
          TsSeekBar                *self)
{
  if (!self->dragging)
    hide_preview (self);
}

static gboolean
legacy_event_cb (GtkEventControllerLegacy *controller,
                 GdkEvent                 *event,
                 TsSeekBar                *self)
{
  /* GtkRange claims its drags, so no gesture of ours would see them end:
   * watch the raw presses and releases instead, without taking them. */
  switch ((int) gdk_event_get_event_type (event))
    {
    case GDK_BUTTON_PRESS:
    case GDK_TOUCH_BEGIN:
      if (self->duration > 0)
        set_dragging (self, TRUE);
      break;

    case GDK_BUTTON_RELEASE:
    case GDK_TOUCH_END:
    case GDK_TOUCH_CANCEL:
      set_dragging (self, FALSE);
      if (!gtk_event_controller_motion_contains_pointer (GTK_EVENT_CONTROLLER_MOTION (self->motion)))
        hide_preview (self);
      break;

    default:
      break;
    }

  return GDK_EVENT_PROPAGATE;
}

static gboolean
change_value_cb (GtkRange      *range,
                 GtkScrollType  scroll,
                 double         value,
                 TsSeekBar     *self)
{
  gint64 position;

  if (self->duration <= 0)
    return GDK_EVENT_STOP;

  value = CLAMP (value, 0.0, to_seconds (self->duration));
  position = from_seconds (value);
  set_position_internal (self, position);
  if (self->dragging && self->hover_x >= 0)
    {
      double x0, x1;

      if (get_track (self, &x0, &x1, NULL))
        show_preview (self, x0 + value / to_seconds (self->duration) * (x1 - x0));
    }

  g_signal_emit (self, signals[SIGNAL_SEEK], 0, position);

  /* The default handler moves the slider. */
  return GDK_EVENT_PROPAGATE;
}

static void
ts_seek_bar_dispose (GObject *object)
{
  TsSeekBar *self = TS_SEEK_BAR (object);

  g_clear_pointer (&self->preview, gtk_widget_unparent);
  g_clear_pointer (&self->scale, gtk_widget_unparent);

  G_OBJECT_CLASS (ts_seek_bar_parent_class)->dispose (object);
}

static void
ts_seek_bar_finalize (GObject *object)
{
  TsSeekBar *self = TS_SEEK_BAR (object);

  g_clear_pointer (&self->ranges, g_array_unref);

  G_OBJECT_CLASS (ts_seek_bar_parent_class)->finalize (object);
}

static void
ts_seek_bar_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TsSeekBar *self = TS_SEEK_BAR (object);

  switch (prop_id)
    {
    case PROP_DURATION:
      g_value_set_int64 (value, self->duration);
      break;

    case PROP_POSITION:
      g_value_set_int64 (value, self->position);
      break;

    case PROP_DRAGGING:
      g_value_set_boolean (value, self->dragging);
      break;

    case PROP_DOWNLOADED:
      g_value_set_double (value, self->downloaded);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_seek_bar_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TsSeekBar *self = TS_SEEK_BAR (object);

  switch (prop_id)
    {
    case PROP_DURATION:
      ts_seek_bar_set_duration (self, g_value_get_int64 (value));
      break;

    case PROP_POSITION:
      ts_seek_bar_set_position (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_seek_bar_class_init (TsSeekBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_seek_bar_dispose;
  object_class->finalize = ts_seek_bar_finalize;
  object_class->get_property = ts_seek_bar_get_property;
  object_class->set_property = ts_seek_bar_set_property;

  widget_class->snapshot = ts_seek_bar_snapshot;
  widget_class->measure = ts_seek_bar_measure;
  widget_class->size_allocate = ts_seek_bar_size_allocate;

  properties[PROP_DURATION] =
    g_param_spec_int64 ("duration", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POSITION] =
    g_param_spec_int64 ("position", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DRAGGING] =
    g_param_spec_boolean ("dragging", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DOWNLOADED] =
    g_param_spec_double ("downloaded", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_SEEK] =
    g_signal_new ("seek", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_css_name (widget_class, "ts-seek-bar");
}

static void
ts_seek_bar_init (TsSeekBar *self)
{
  GtkEventController *legacy;

  self->duration = -1;
  self->hover_x = -1;
  self->a11y_percent = -1;
  self->a11y_second = -1;
  self->ranges = g_array_new (FALSE, FALSE, sizeof (double));

  self->adjustment = gtk_adjustment_new (0, 0, 0, 1, 10, 0);
  self->scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, self->adjustment);
  gtk_scale_set_draw_value (GTK_SCALE (self->scale), FALSE);
  gtk_widget_set_hexpand (self->scale, TRUE);
  gtk_widget_set_sensitive (self->scale, FALSE);
  gtk_widget_set_parent (self->scale, GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->scale),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Seek"),
                                  -1);
  g_signal_connect (self->scale, "change-value", G_CALLBACK (change_value_cb), self);

  self->motion = gtk_event_controller_motion_new ();
  g_signal_connect (self->motion, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (self->motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (self->motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (self->scale, self->motion);

  legacy = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (legacy, GTK_PHASE_CAPTURE);
  g_signal_connect (legacy, "event", G_CALLBACK (legacy_event_cb), self);
  gtk_widget_add_controller (self->scale, legacy);

  /* The time under the pointer, above the bar. */
  self->preview_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->preview_label, "numeric");
  self->preview = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (self->preview), self->preview_label);
  gtk_popover_set_autohide (GTK_POPOVER (self->preview), FALSE);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->preview), FALSE);
  gtk_popover_set_position (GTK_POPOVER (self->preview), GTK_POS_TOP);
  gtk_widget_set_can_target (self->preview, FALSE);
  gtk_widget_set_can_focus (self->preview, FALSE);
  gtk_widget_add_css_class (self->preview, "ts-seek-preview");
  gtk_widget_set_parent (self->preview, GTK_WIDGET (self));
}

GtkWidget *
ts_seek_bar_new (void)
{
  return g_object_new (TS_TYPE_SEEK_BAR, NULL);
}

gint64
ts_seek_bar_get_duration (TsSeekBar *self)
{
  g_return_val_if_fail (TS_IS_SEEK_BAR (self), -1);

  return self->duration;
}

void
ts_seek_bar_set_duration (TsSeekBar *self,
                          gint64     duration)
{
  g_return_if_fail (TS_IS_SEEK_BAR (self));

  duration = MAX (duration, -1);
  if (duration == 0)
    duration = -1;
  if (self->duration == duration)
    return;

  self->duration = duration;
  gtk_adjustment_configure (self->adjustment,
                            to_seconds (MIN (self->position, MAX (duration, 0))),
                            0, duration > 0 ? to_seconds (duration) : 0,
                            1, 10, 0);
  gtk_widget_set_sensitive (self->scale, duration > 0);
  if (duration <= 0)
    hide_preview (self);
  self->a11y_second = -1;
  update_value_text (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DURATION]);
}

gint64
ts_seek_bar_get_position (TsSeekBar *self)
{
  g_return_val_if_fail (TS_IS_SEEK_BAR (self), 0);

  return self->position;
}

void
ts_seek_bar_set_position (TsSeekBar *self,
                          gint64     position)
{
  g_return_if_fail (TS_IS_SEEK_BAR (self));

  if (self->dragging)
    return;

  set_position_internal (self, position);
  /* Does not emit change-value: that is the user's alone. */
  gtk_adjustment_set_value (self->adjustment, to_seconds (self->position));
}

gboolean
ts_seek_bar_get_dragging (TsSeekBar *self)
{
  g_return_val_if_fail (TS_IS_SEEK_BAR (self), FALSE);

  return self->dragging;
}

void
ts_seek_bar_set_ranges (TsSeekBar    *self,
                        const double *ranges,
                        guint         n_ranges)
{
  double downloaded = 0.0;
  int percent;

  g_return_if_fail (TS_IS_SEEK_BAR (self));
  g_return_if_fail (ranges != NULL || n_ranges == 0);

  if (self->ranges->len == n_ranges * 2 &&
      (n_ranges == 0 || memcmp (self->ranges->data, ranges, n_ranges * 2 * sizeof (double)) == 0))
    return;

  g_array_set_size (self->ranges, 0);
  for (guint i = 0; i < n_ranges; i++)
    {
      double start = CLAMP (ranges[2 * i], 0.0, 1.0);
      double end = CLAMP (ranges[2 * i + 1], start, 1.0);

      g_array_append_val (self->ranges, start);
      g_array_append_val (self->ranges, end);
      downloaded += end - start;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));

  downloaded = CLAMP (downloaded, 0.0, 1.0);
  if (self->downloaded != downloaded)
    {
      self->downloaded = downloaded;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOADED]);
    }

  /* Rounded down, so that “100 %” means all of it. */
  percent = (int) (downloaded * 100.0);
  if (percent != self->a11y_percent)
    {
      g_autofree char *description = NULL;

      self->a11y_percent = percent;
      /* Translators: how much of the film is on disk, e.g. “42 % downloaded”. */
      description = g_strdup_printf (_("%d %% downloaded"), percent);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->scale),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                      -1);
    }
}

double
ts_seek_bar_get_downloaded (TsSeekBar *self)
{
  g_return_val_if_fail (TS_IS_SEEK_BAR (self), 0.0);

  return self->downloaded;
}
