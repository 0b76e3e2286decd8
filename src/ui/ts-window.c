/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "ts-browse-page.h"
#include "ts-downloads-page.h"
#include "ts-application.h"
#include "ts-open-controller.h"
#include "ts-player-page.h"
#include "ts-torrent.h"
#include "ts-session.h"
#include "ts-window.h"

struct _TsWindow
{
  AdwApplicationWindow  parent_instance;

  TsSession            *session;
  gulong                restored_id;

  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *stack;
  AdwViewStackPage     *downloads_stack_page;
  TsDownloadsPage      *downloads_page;

  /* The player covers the whole window, header bar included. */
  GtkStack             *main_stack;
  TsPlayerPage         *player_page;
};

G_DEFINE_FINAL_TYPE (TsWindow, ts_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
session_restored_cb (TsWindow *self)
{
  g_clear_signal_handler (&self->restored_id, self->session);

  if (g_list_model_get_n_items (ts_session_get_torrents (self->session)) > 0 &&
      g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "browse") == 0)
    ts_window_show_downloads (self);
}

/* The application's library (none in tests that run without one). */
static TsLibrary *
window_library (TsWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return TS_IS_APPLICATION (app) ? ts_application_get_library (TS_APPLICATION (app)) : NULL;
}

static void
show_player (TsWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  ts_player_page_set_library (self->player_page, window_library (self));
  if (TS_IS_APPLICATION (app))
    ts_player_page_set_storage_manager (self->player_page,
                                        ts_application_get_storage_manager (TS_APPLICATION (app)));
  gtk_widget_set_visible (GTK_WIDGET (self->player_page), TRUE);
  gtk_stack_set_visible_child (self->main_stack, GTK_WIDGET (self->player_page));
}

static void
player_close_cb (TsWindow *self)
{
  gtk_stack_set_visible_child_name (self->main_stack, "main");
}

/* Hidden, the idle player is not in the accessibility tree, where its
 * buttons would stand beside the visible page's. */
static void
main_stack_transition_cb (TsWindow *self)
{
  if (!gtk_stack_get_transition_running (self->main_stack) &&
      gtk_stack_get_visible_child (self->main_stack) != GTK_WIDGET (self->player_page))
    gtk_widget_set_visible (GTK_WIDGET (self->player_page), FALSE);
}

static void
play_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TsWindow *self = TS_WINDOW (widget);
  const char *info_hash = NULL;
  guint32 file_index = 0;
  TsTorrent *torrent;

  g_variant_get (parameter, "(&su)", &info_hash, &file_index);
  torrent = ts_session_lookup (self->session, info_hash);
  if (torrent == NULL)
    {
      ts_window_add_toast (self, _("This download is no longer in the list."));
      return;
    }

  ts_window_play_file (self, torrent, file_index);
}

static void
ts_window_constructed (GObject *object)
{
  TsWindow *self = TS_WINDOW (object);
  GSettings *settings = ts_session_get_settings (self->session);

  G_OBJECT_CLASS (ts_window_parent_class)->constructed (object);

  ts_downloads_page_set_session (self->downloads_page, self->session);

  /* The number of running downloads as a badge on the view switcher. */
  g_object_bind_property (self->session, "n-active",
                          self->downloads_stack_page, "badge-number",
                          G_BINDING_SYNC_CREATE);

  /* GTK keeps default-width/height at the unmaximized size. */
  g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  /* Open on the downloads when there are some, now or once the saved ones
   * are back. */
  if (g_list_model_get_n_items (ts_session_get_torrents (self->session)) > 0)
    ts_window_show_downloads (self);
  else
    self->restored_id = g_signal_connect_object (self->session, "restored",
                                                 G_CALLBACK (session_restored_cb), self,
                                                 G_CONNECT_SWAPPED);
}

static void
ts_window_dispose (GObject *object)
{
  TsWindow *self = TS_WINDOW (object);

  if (self->session != NULL)
    g_clear_signal_handler (&self->restored_id, self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_WINDOW);

  G_OBJECT_CLASS (ts_window_parent_class)->dispose (object);
}

static void
ts_window_finalize (GObject *object)
{
  TsWindow *self = TS_WINDOW (object);

  g_clear_object (&self->session);

  G_OBJECT_CLASS (ts_window_parent_class)->finalize (object);
}

static void
ts_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  TsWindow *self = TS_WINDOW (object);

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
ts_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  TsWindow *self = TS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_window_class_init (TsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ts_window_constructed;
  object_class->dispose = ts_window_dispose;
  object_class->finalize = ts_window_finalize;
  object_class->get_property = ts_window_get_property;
  object_class->set_property = ts_window_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         TS_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TS_TYPE_BROWSE_PAGE);
  g_type_ensure (TS_TYPE_DOWNLOADS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/TorrentStream/ts-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TsWindow, downloads_stack_page);
  gtk_widget_class_bind_template_child (widget_class, TsWindow, downloads_page);

  /* ("info-hash", file index) */
  gtk_widget_class_install_action (widget_class, "win.play", "(su)", play_action);
}

static void
ts_window_init (TsWindow *self)
{
  g_autoptr(GtkWidget) content = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The player is a page over everything the template holds. */
  content = g_object_ref (adw_application_window_get_content (ADW_APPLICATION_WINDOW (self)));
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self), NULL);
  self->main_stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_transition_type (self->main_stack, GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  gtk_stack_add_named (self->main_stack, content, "main");
  self->player_page = TS_PLAYER_PAGE (ts_player_page_new ());
  gtk_stack_add_named (self->main_stack, GTK_WIDGET (self->player_page), "player");
  gtk_widget_set_visible (GTK_WIDGET (self->player_page), FALSE);
  g_signal_connect_object (self->main_stack, "notify::transition-running",
                           G_CALLBACK (main_stack_transition_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player_page, "close", G_CALLBACK (player_close_cb), self,
                           G_CONNECT_SWAPPED);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self),
                                      GTK_WIDGET (self->main_stack));

  /* Ctrl+O, Ctrl+V and dropped files or links. */
  ts_open_controller_attach (self);
}

TsWindow *
ts_window_new (GtkApplication *application,
               TsSession      *session)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (TS_IS_SESSION (session), NULL);

  return g_object_new (TS_TYPE_WINDOW,
                       "application", application,
                       "session", session,
                       NULL);
}

TsSession *
ts_window_get_session (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), NULL);

  return self->session;
}

void
ts_window_add_toast (TsWindow   *self,
                     const char *message)
{
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  g_return_if_fail (TS_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  /* Toast titles are Pango markup in libadwaita 1.2. */
  escaped = g_markup_escape_text (message, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
ts_window_show_downloads (TsWindow *self)
{
  g_return_if_fail (TS_IS_WINDOW (self));

  adw_view_stack_set_visible_child_name (self->stack, "downloads");
}

void
ts_window_play_file (TsWindow  *self,
                     TsTorrent *torrent,
                     guint      file_index)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  g_return_if_fail (TS_IS_TORRENT (torrent));

  show_player (self);
  ts_player_page_play_file (self->player_page, torrent, file_index);
}

void
ts_window_play_uri (TsWindow   *self,
                    const char *uri,
                    const char *title)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  g_return_if_fail (uri != NULL);

  show_player (self);
  ts_player_page_play_uri (self->player_page, uri, title);
}
