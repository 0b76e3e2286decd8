/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "ts-application.h"
#include "ts-continue-row.h"
#include "ts-poster-cache.h"
#include "ts-session.h"
#include "ts-torrent.h"

/* One film of the strip ---------------------------------------------------------------- */

#define TS_TYPE_CONTINUE_ITEM (ts_continue_item_get_type ())
G_DECLARE_FINAL_TYPE (TsContinueItem, ts_continue_item, TS, CONTINUE_ITEM, GtkWidget)

struct _TsContinueItem
{
  GtkWidget       parent_instance;

  TsLibraryItem  *item;
  TsPosterCache  *poster_cache;
  GCancellable   *poster_cancellable;

  GtkWidget      *box;
  GtkImage       *placeholder;
  GtkPicture     *picture;
  GtkProgressBar *progress;
  GtkLabel       *title_label;
  GtkLabel       *left_label;
};

G_DEFINE_FINAL_TYPE (TsContinueItem, ts_continue_item, GTK_TYPE_WIDGET)

static void
ts_continue_item_dispose (GObject *object)
{
  TsContinueItem *self = TS_CONTINUE_ITEM (object);

  g_cancellable_cancel (self->poster_cancellable);
  g_clear_object (&self->poster_cancellable);
  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_clear_object (&self->item);
  g_clear_object (&self->poster_cache);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (ts_continue_item_parent_class)->dispose (object);
}

static void
ts_continue_item_class_init (TsContinueItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_continue_item_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "continueitem");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
ts_continue_item_init (TsContinueItem *self)
{
  GtkWidget *overlay = gtk_overlay_new ();
  GtkWidget *frame = gtk_overlay_new ();

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  /* The poster, a placeholder under it until it is there. */
  self->placeholder = GTK_IMAGE (gtk_image_new_from_icon_name ("video-x-generic-symbolic"));
  gtk_widget_add_css_class (GTK_WIDGET (self->placeholder), "ts-continue-placeholder");
  gtk_overlay_set_child (GTK_OVERLAY (frame), GTK_WIDGET (self->placeholder));
  self->picture = GTK_PICTURE (gtk_picture_new ());
  gtk_picture_set_content_fit (self->picture, GTK_CONTENT_FIT_COVER);
  gtk_picture_set_can_shrink (self->picture, TRUE);
  gtk_overlay_add_overlay (GTK_OVERLAY (frame), GTK_WIDGET (self->picture));
  gtk_widget_set_overflow (frame, GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (frame, "ts-continue-poster");
  /* A poster's 2:3, whatever the poster's own size. */
  gtk_widget_set_size_request (frame, 120, 180);

  gtk_overlay_set_child (GTK_OVERLAY (overlay), frame);
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->progress), GTK_ALIGN_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->progress), "osd");
  gtk_widget_add_css_class (GTK_WIDGET (self->progress), "ts-continue-progress");
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), GTK_WIDGET (self->progress));
  gtk_box_append (GTK_BOX (self->box), overlay);

  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->title_label, 0);
  gtk_label_set_ellipsize (self->title_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (self->title_label, 14);
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "heading");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->title_label));

  self->left_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->left_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->left_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->left_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->left_label), "numeric");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->left_label));
}

static char *
time_left_text (gint64 position,
                gint64 duration)
{
  gint64 minutes;

  if (duration <= 0)
    return g_strdup (_("Started"));

  minutes = MAX (duration - position, 0) / (G_GINT64_CONSTANT (60) * 1000000000);
  if (minutes >= 60)
    /* Translators: time left in a film, e.g. “1 h 12 min left”. */
    return g_strdup_printf (_("%d h %02d min left"), (int) (minutes / 60), (int) (minutes % 60));
  if (minutes >= 1)
    /* Translators: time left in a film. */
    return g_strdup_printf (ngettext ("%d min left", "%d min left", (int) minutes),
                            (int) minutes);
  return g_strdup (_("Almost done"));
}

static void
update_item (TsContinueItem *self)
{
  const char *title;
  gint64 position, duration;
  g_autofree char *left = NULL;
  g_autofree char *a11y = NULL;

  if (self->item == NULL)
    return;

  title = ts_library_item_get_title (self->item);
  if (*title == '\0')
    {
      /* Not from the catalog: the torrent's own name. */
      GApplication *app = g_application_get_default ();
      TsSession *session = TS_IS_APPLICATION (app) ? ts_application_get_session (TS_APPLICATION (app))
                                                   : NULL;
      TsTorrent *torrent = session != NULL
                           ? ts_session_lookup (session, ts_library_item_get_info_hash (self->item))
                           : NULL;

      title = torrent != NULL ? ts_torrent_get_name (torrent) : _("Untitled film");
    }
  position = ts_library_item_get_position (self->item);
  duration = ts_library_item_get_duration (self->item);
  left = time_left_text (position, duration);

  gtk_label_set_text (self->title_label, title);
  gtk_label_set_text (self->left_label, left);
  gtk_progress_bar_set_fraction (self->progress,
                                 duration > 0 ? CLAMP ((double) position / duration, 0, 1) : 0);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), duration > 0);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), title);

  /* Translators: the accessible name of a film to resume: “Title, 42 min left”. */
  a11y = g_strdup_printf (_("Continue %s, %s"), title, left);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
}

static void
poster_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TsContinueItem) self = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = ts_poster_cache_load_finish (TS_POSTER_CACHE (object), result, &error);
  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No poster to continue: %s", error->message);
      return;
    }

  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder), FALSE);
}

static void
update_poster (TsContinueItem *self)
{
  const char *url = self->item != NULL ? ts_library_item_get_poster_url (self->item) : NULL;
  g_autoptr(GdkTexture) texture = NULL;

  g_cancellable_cancel (self->poster_cancellable);
  g_clear_object (&self->poster_cancellable);
  gtk_picture_set_paintable (self->picture, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder), TRUE);

  if (url == NULL || *url == '\0' || self->poster_cache == NULL)
    return;

  texture = ts_poster_cache_lookup (self->poster_cache, url);
  if (texture != NULL)
    {
      gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
      gtk_widget_set_visible (GTK_WIDGET (self->placeholder), FALSE);
      return;
    }

  self->poster_cancellable = g_cancellable_new ();
  ts_poster_cache_load_async (self->poster_cache, url, self->poster_cancellable,
                              poster_loaded_cb, g_object_ref (self));
}

static void
ts_continue_item_set_item (TsContinueItem *self,
                           TsLibraryItem  *item,
                           TsPosterCache  *poster_cache)
{
  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_set_object (&self->item, item);
  g_set_object (&self->poster_cache, poster_cache);

  if (item != NULL)
    {
      g_signal_connect_object (item, "notify::position", G_CALLBACK (update_item), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (item, "notify::duration", G_CALLBACK (update_item), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (item, "notify::title", G_CALLBACK (update_item), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (item, "notify::poster-url", G_CALLBACK (update_poster), self,
                               G_CONNECT_SWAPPED);
      update_item (self);
    }
  update_poster (self);
}

/* The row -------------------------------------------------------------------------------- */

struct _TsContinueRow
{
  GtkWidget      parent_instance;

  TsLibrary     *library;
  TsPosterCache *poster_cache;

  GtkListView   *list_view;
};

G_DEFINE_FINAL_TYPE (TsContinueRow, ts_continue_row, GTK_TYPE_WIDGET)

static void
setup_item_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               TsContinueRow            *self)
{
  gtk_list_item_set_child (list_item, g_object_new (TS_TYPE_CONTINUE_ITEM, NULL));
}

static void
bind_item_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              TsContinueRow            *self)
{
  ts_continue_item_set_item (TS_CONTINUE_ITEM (gtk_list_item_get_child (list_item)),
                             gtk_list_item_get_item (list_item), self->poster_cache);
}

static void
unbind_item_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                TsContinueRow            *self)
{
  ts_continue_item_set_item (TS_CONTINUE_ITEM (gtk_list_item_get_child (list_item)), NULL, NULL);
}

static void
activate_cb (TsContinueRow *self,
             guint          position)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (self->list_view));
  g_autoptr(TsLibraryItem) item = g_list_model_get_item (model, position);

  if (item == NULL)
    return;

  gtk_widget_activate_action (GTK_WIDGET (self), "app.play-torrent", "s",
                              ts_library_item_get_info_hash (item));
}

static void
update_visible (TsContinueRow *self)
{
  GtkSelectionModel *model = gtk_list_view_get_model (self->list_view);

  gtk_widget_set_visible (GTK_WIDGET (self),
                          model != NULL && g_list_model_get_n_items (G_LIST_MODEL (model)) > 0);
}

static void
ts_continue_row_dispose (GObject *object)
{
  TsContinueRow *self = TS_CONTINUE_ROW (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_CONTINUE_ROW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->library);
  g_clear_object (&self->poster_cache);

  G_OBJECT_CLASS (ts_continue_row_parent_class)->dispose (object);
}

static void
ts_continue_row_class_init (TsContinueRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_continue_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/TorrentStream/ts-continue-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TsContinueRow, list_view);
  gtk_widget_class_bind_template_callback (widget_class, setup_item_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_item_cb);
  gtk_widget_class_bind_template_callback (widget_class, unbind_item_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
}

static void
ts_continue_row_init (TsContinueRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ts_continue_row_new (void)
{
  return g_object_new (TS_TYPE_CONTINUE_ROW, NULL);
}

void
ts_continue_row_set_library (TsContinueRow *self,
                             TsLibrary     *library)
{
  g_autoptr(GtkSelectionModel) model = NULL;
  GtkSelectionModel *old;

  g_return_if_fail (TS_IS_CONTINUE_ROW (self));
  g_return_if_fail (library == NULL || TS_IS_LIBRARY (library));

  if (self->library == library)
    return;

  old = gtk_list_view_get_model (self->list_view);
  if (old != NULL)
    g_signal_handlers_disconnect_by_data (old, self);
  g_set_object (&self->library, library);

  if (library != NULL)
    {
      model = GTK_SELECTION_MODEL (
        gtk_no_selection_new (g_object_ref (ts_library_get_continue_watching (library))));
      g_signal_connect_object (model, "items-changed", G_CALLBACK (update_visible), self,
                               G_CONNECT_SWAPPED);
    }
  gtk_list_view_set_model (self->list_view, model);
  update_visible (self);
}

void
ts_continue_row_set_poster_cache (TsContinueRow *self,
                                  TsPosterCache *poster_cache)
{
  g_autoptr(GtkSelectionModel) model = NULL;

  g_return_if_fail (TS_IS_CONTINUE_ROW (self));
  g_return_if_fail (poster_cache == NULL || TS_IS_POSTER_CACHE (poster_cache));

  if (!g_set_object (&self->poster_cache, poster_cache))
    return;

  /* Rebinds the items, which take the cache when bound. */
  model = gtk_list_view_get_model (self->list_view);
  if (model != NULL)
    {
      g_object_ref (model);
      gtk_list_view_set_model (self->list_view, NULL);
      gtk_list_view_set_model (self->list_view, model);
    }
}
