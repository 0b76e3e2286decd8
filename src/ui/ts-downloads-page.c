/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "ts-application.h"
#include "ts-download-row.h"
#include "ts-downloads-page.h"
#include "ts-format.h"
#include "ts-poster-cache.h"
#include "ts-session.h"
#include "ts-torrent.h"

struct _TsDownloadsPage
{
  GtkWidget          parent_instance;

  TsSession         *session;
  TsLibrary         *library;
  TsPosterCache     *poster_cache;
  /* The window we are in, watched for its application (and library). */
  GtkWindow         *window;

  GtkStack          *stack;
  GtkListView       *list_view;
  GtkLabel          *count_label;
  GtkLabel          *totals_label;
  GtkButton         *all_button;
  AdwButtonContent  *all_button_content;
};

G_DEFINE_FINAL_TYPE (TsDownloadsPage, ts_downloads_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Summed like the rows show them: libtorrent's averaged rates linger on
 * torrents that are paused or complete, which get no more updates. */
static void
update_totals (TsDownloadsPage *self)
{
  g_autofree char *down = NULL;
  g_autofree char *up = NULL;
  g_autofree char *text = NULL;
  GListModel *torrents;
  gint64 down_rate = 0, up_rate = 0;

  if (self->session == NULL)
    return;

  torrents = ts_session_get_torrents (self->session);
  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (torrents, i);

      if (ts_torrent_get_paused (torrent))
        continue;
      if (ts_torrent_get_state (torrent) != TS_TORRENT_STATE_SEEDING)
        down_rate += ts_torrent_get_download_rate (torrent);
      up_rate += ts_torrent_get_upload_rate (torrent);
    }

  down = ts_format_rate (down_rate);
  up = ts_format_rate (up_rate);
  /* Translators: total download and upload rates. */
  text = g_strdup_printf (_("↓ %s   ↑ %s"), down, up);
  gtk_label_set_text (self->totals_label, text);
}

static gboolean
any_running (TsDownloadsPage *self)
{
  GListModel *torrents;

  if (self->session == NULL)
    return FALSE;

  torrents = ts_session_get_torrents (self->session);
  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (torrents, i);

      if (!ts_torrent_get_paused (torrent))
        return TRUE;
    }

  return FALSE;
}

/* One button for all: pause while something runs, else resume. */
static void
update_all_button (TsDownloadsPage *self)
{
  gboolean running = any_running (self);
  const char *label = running ? _("Pause All") : _("Resume All");

  adw_button_content_set_label (self->all_button_content, label);
  adw_button_content_set_icon_name (self->all_button_content,
                                    running ? "media-playback-pause-symbolic"
                                            : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->all_button),
                               running ? _("Pause every download")
                                       : _("Resume every download"));
}

static void
all_clicked_cb (TsDownloadsPage *self)
{
  if (self->session == NULL)
    return;

  if (any_running (self))
    ts_session_pause_all (self->session);
  else
    ts_session_resume_all (self->session);
  update_all_button (self);
}

static void
watch_torrent (TsDownloadsPage *self,
               TsTorrent       *torrent)
{
  if (g_signal_handler_find (torrent, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                             update_all_button, self) != 0)
    return;
  g_signal_connect_object (torrent, "notify::paused", G_CALLBACK (update_all_button), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (torrent, "notify::paused", G_CALLBACK (update_totals), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (torrent, "notify::state", G_CALLBACK (update_totals), self,
                           G_CONNECT_SWAPPED);
}

static void
torrents_changed_cb (TsDownloadsPage *self,
                     guint            position,
                     guint            removed,
                     guint            added,
                     GListModel      *torrents)
{
  guint n = g_list_model_get_n_items (torrents);
  g_autofree char *text = NULL;

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (torrents, i);

      watch_torrent (self, torrent);
    }

  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
  text = g_strdup_printf (ngettext ("%u download", "%u downloads", n), n);
  gtk_label_set_text (self->count_label, text);
  update_all_button (self);
  update_totals (self);
}

static void
update_count (TsDownloadsPage *self)
{
  GListModel *torrents = self->session != NULL ? ts_session_get_torrents (self->session) : NULL;

  if (torrents == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  torrents_changed_cb (self, 0, 0, g_list_model_get_n_items (torrents), torrents);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              TsDownloadsPage          *self)
{
  GtkWidget *row = ts_download_row_new ();

  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  ts_download_row_set_library (TS_DOWNLOAD_ROW (row), self->library);
  ts_download_row_set_poster_cache (TS_DOWNLOAD_ROW (row), self->poster_cache);
  gtk_list_item_set_child (item, row);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             TsDownloadsPage          *self)
{
  TsDownloadRow *row = TS_DOWNLOAD_ROW (gtk_list_item_get_child (item));

  /* The library may have come after the row was made. */
  ts_download_row_set_library (row, self->library);
  ts_download_row_set_poster_cache (row, self->poster_cache);
  ts_download_row_set_torrent (row, gtk_list_item_get_item (item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               TsDownloadsPage          *self)
{
  TsDownloadRow *row = TS_DOWNLOAD_ROW (gtk_list_item_get_child (item));

  ts_download_row_set_torrent (row, NULL);
}

/* Posters come from the library's links to catalog films, and the
 * library from the application of the window we are in. */
static void
set_library (TsDownloadsPage *self,
             TsLibrary       *library)
{
  if (!g_set_object (&self->library, library))
    return;

  if (library != NULL && self->poster_cache == NULL)
    self->poster_cache = ts_poster_cache_new (NULL, 0);

  /* Rebuilds the rows, which pick the library up. */
  {
    g_autoptr(GtkSelectionModel) model = gtk_list_view_get_model (self->list_view);

    if (model != NULL)
      {
        g_object_ref (model);
        gtk_list_view_set_model (self->list_view, NULL);
        gtk_list_view_set_model (self->list_view, model);
      }
  }
}

static void
window_application_cb (TsDownloadsPage *self)
{
  GtkApplication *app = self->window != NULL ? gtk_window_get_application (self->window) : NULL;

  set_library (self, TS_IS_APPLICATION (app) ? ts_application_get_library (TS_APPLICATION (app))
                                             : NULL);
}

static void
ts_downloads_page_root (GtkWidget *widget)
{
  TsDownloadsPage *self = TS_DOWNLOADS_PAGE (widget);
  GtkRoot *root;

  GTK_WIDGET_CLASS (ts_downloads_page_parent_class)->root (widget);

  root = gtk_widget_get_root (widget);
  if (!GTK_IS_WINDOW (root))
    return;

  self->window = GTK_WINDOW (root);
  g_signal_connect_object (root, "notify::application", G_CALLBACK (window_application_cb), self,
                           G_CONNECT_SWAPPED);
  window_application_cb (self);
}

static void
ts_downloads_page_unroot (GtkWidget *widget)
{
  TsDownloadsPage *self = TS_DOWNLOADS_PAGE (widget);

  if (self->window != NULL)
    g_signal_handlers_disconnect_by_func (self->window, window_application_cb, self);
  self->window = NULL;

  GTK_WIDGET_CLASS (ts_downloads_page_parent_class)->unroot (widget);
}

static void
ts_downloads_page_dispose (GObject *object)
{
  TsDownloadsPage *self = TS_DOWNLOADS_PAGE (object);
  GtkWidget *child;

  /* Unbinds the rows while the session is still alive. */
  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_DOWNLOADS_PAGE);
  /* Template children that are not bound are still ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  if (self->session != NULL)
    {
      GListModel *torrents = ts_session_get_torrents (self->session);

      for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
        {
          g_autoptr(TsTorrent) torrent = g_list_model_get_item (torrents, i);

          g_signal_handlers_disconnect_by_data (torrent, self);
        }
    }
  g_clear_object (&self->session);
  g_clear_object (&self->library);
  g_clear_object (&self->poster_cache);

  G_OBJECT_CLASS (ts_downloads_page_parent_class)->dispose (object);
}

static void
ts_downloads_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TsDownloadsPage *self = TS_DOWNLOADS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_downloads_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  TsDownloadsPage *self = TS_DOWNLOADS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      ts_downloads_page_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_downloads_page_class_init (TsDownloadsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_downloads_page_dispose;
  object_class->get_property = ts_downloads_page_get_property;
  object_class->set_property = ts_downloads_page_set_property;
  widget_class->root = ts_downloads_page_root;
  widget_class->unroot = ts_downloads_page_unroot;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         TS_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/TorrentStream/ts-downloads-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TsDownloadsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadsPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadsPage, totals_label);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadsPage, all_button);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadsPage, all_button_content);
  gtk_widget_class_bind_template_callback (widget_class, setup_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, unbind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, all_clicked_cb);
}

static void
ts_downloads_page_init (TsDownloadsPage *self)
{
  g_type_ensure (TS_TYPE_DOWNLOAD_ROW);

  gtk_widget_init_template (GTK_WIDGET (self));
  update_count (self);
}

GtkWidget *
ts_downloads_page_new (void)
{
  return g_object_new (TS_TYPE_DOWNLOADS_PAGE, NULL);
}

TsSession *
ts_downloads_page_get_session (TsDownloadsPage *self)
{
  g_return_val_if_fail (TS_IS_DOWNLOADS_PAGE (self), NULL);

  return self->session;
}

void
ts_downloads_page_set_session (TsDownloadsPage *self,
                               TsSession       *session)
{
  g_autoptr(GtkSelectionModel) model = NULL;

  g_return_if_fail (TS_IS_DOWNLOADS_PAGE (self));
  g_return_if_fail (session == NULL || TS_IS_SESSION (session));

  if (self->session == session)
    return;

  if (self->session != NULL)
    {
      GListModel *torrents = ts_session_get_torrents (self->session);

      for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
        {
          g_autoptr(TsTorrent) torrent = g_list_model_get_item (torrents, i);

          g_signal_handlers_disconnect_by_data (torrent, self);
        }
      g_signal_handlers_disconnect_by_data (torrents, self);
      g_signal_handlers_disconnect_by_data (self->session, self);
    }

  g_set_object (&self->session, session);

  if (session != NULL)
    {
      GListModel *torrents = ts_session_get_torrents (session);

      model = GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (torrents)));
      g_signal_connect_object (torrents, "items-changed",
                               G_CALLBACK (torrents_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "notify::download-rate",
                               G_CALLBACK (update_totals), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "notify::upload-rate",
                               G_CALLBACK (update_totals), self, G_CONNECT_SWAPPED);
    }

  gtk_list_view_set_model (self->list_view, model);
  update_count (self);
  update_totals (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}
