/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>

#include "ts-application.h"
#include "ts-library.h"
#include "ts-notifier.h"
#include "ts-open-controller.h"
#include "ts-storage-manager.h"
#include "ts-preferences-window.h"
#include "ts-renderer.h"
#include "ts-session.h"
#include "ts-stream-server.h"
#include "ts-torrent-file.h"
#include "ts-torrent-src.h"
#include "ts-torrent.h"
#include "ts-window.h"

struct _TsApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  TsSession      *session;
  TsLibrary      *library;
  TsStorageManager *storage;
  TsNotifier     *notifier;
  TsStreamServer *stream_server;
  /* Why the session could not start, shown once a window exists. */
  char           *start_error;
  /* A message for the user from before there was a window. */
  char           *pending_toast;

  guint           sigint_id;
  guint           sigterm_id;
  /* Checks the remembered GL of the display again, for the next start. */
  guint           renderer_refresh_id;
  GCancellable   *renderer_refresh;
};

/* This program answers the renderer's probe (main.c). */
static const char * const renderer_probe_argv[] = { "/proc/self/exe", TS_RENDERER_PROBE_ARG, NULL };
/* Late enough not to slow the first screen. */
#define RENDERER_REFRESH_DELAY_S 10

G_DEFINE_FINAL_TYPE (TsApplication, ts_application, ADW_TYPE_APPLICATION)

static TsWindow *
ts_application_ensure_window (TsApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (ts_window_new (GTK_APPLICATION (self), self->session));

      if (self->start_error != NULL)
        {
          g_autofree char *message =
            g_strdup_printf (_("The download engine could not start: %s"), self->start_error);

          ts_window_add_toast (TS_WINDOW (window), message);
        }
      if (self->pending_toast != NULL)
        {
          ts_window_add_toast (TS_WINDOW (window), self->pending_toast);
          g_clear_pointer (&self->pending_toast, g_free);
        }
    }

  return TS_WINDOW (window);
}

static void
ts_application_activate (GApplication *app)
{
  TsApplication *self = TS_APPLICATION (app);

  gtk_window_present (GTK_WINDOW (ts_application_ensure_window (self)));
}

/* 40 or 64 hex digits, or 32 base32 ones. */
static gboolean
looks_like_info_hash (const char *text)
{
  gsize length = strlen (text);

  if (length != 32 && length != 40 && length != 64)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (text[i]))
      return FALSE;

  return TRUE;
}

/* A magnet link or URL as it is, a local .torrent file by its path. */
static char *
source_from_file (GFile *file)
{
  const char *path = g_file_peek_path (file);
  g_autofree char *basename = NULL;

  if (path == NULL)
    return g_file_get_uri (file);

  /* A bare info-hash on the command line becomes a path below the current
   * folder: give the engine the hash back when no such file exists (one
   * stat of a local path). */
  basename = g_file_get_basename (file);
  if (basename != NULL && looks_like_info_hash (basename) &&
      !g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&basename);

  return g_strdup (path);
}

static void
ts_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  TsApplication *self = TS_APPLICATION (app);
  TsWindow *window = ts_application_ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));

  /* Through the same flow as the Open dialog: file choice, free space. */
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *source = source_from_file (files[i]);

      ts_open_source (window, source);
    }
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows;

  /* Close the windows first so they save their size. */
  while ((windows = gtk_application_get_windows (app)) != NULL)
    gtk_window_destroy (GTK_WINDOW (windows->data));

  g_application_quit (G_APPLICATION (app));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { _("The TorrentStream authors"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "modal", TRUE,
                        "application-icon", APP_ID,
                        "application-name", _("TorrentStream"),
                        "version", VERSION,
                        "developer-name", _("The TorrentStream authors"),
                        "developers", developers,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", _("© 2026 The TorrentStream authors"),
                        "website", "https://example.org/torrentstream",
                        "issue-url", "https://example.org/torrentstream/issues",
                        "comments", _("Watch films from BitTorrent while they download"),
                        /* Translators: put your names here, one per line. */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  TsApplication *self = user_data;
  TsWindow *window = ts_application_ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));
  ts_preferences_window_present_for (GTK_WINDOW (window), self->session);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL },
  { "about", about_activated, NULL, NULL, NULL },
  { "preferences", preferences_activated, NULL, NULL, NULL },
};

/* Logging out or Ctrl+C in a terminal: quit properly so the session saves
 * its state instead of dying with the signal. */
static gboolean
quit_signal_cb (gpointer user_data)
{
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "quit", NULL);

  return G_SOURCE_CONTINUE;
}

static void
torrent_removed_cb (TsSession *session,
                    TsTorrent *torrent,
                    TsLibrary *library)
{
  ts_library_forget (library, ts_torrent_get_info_hash (torrent));
}

/* Stream server ------------------------------------------------------------------ */

/* On the active window, or on the first one when there is none yet. */
static void
show_toast (TsApplication *self,
            const char    *message)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (TS_IS_WINDOW (window))
    {
      ts_window_add_toast (TS_WINDOW (window), message);
      return;
    }
  g_free (self->pending_toast);
  self->pending_toast = g_strdup (message);
}

static gboolean
ensure_stream_server (TsApplication  *self,
                      GError        **error)
{
  if (self->stream_server == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("The stream server is not running"));
      return FALSE;
    }
  if (ts_stream_server_get_port (self->stream_server) != 0)
    return TRUE;
  return ts_stream_server_start (self->stream_server, error);
}

/* Follows the setting live; a failure leaves the setting as it is (the user
 * asked for sharing) and says why sharing is off. */
static void
lan_sharing_changed_cb (TsApplication *self)
{
  gboolean wanted = g_settings_get_boolean (self->settings, "lan-sharing");
  g_autoptr(GError) error = NULL;

  if (self->stream_server == NULL)
    return;

  if (!ts_stream_server_set_lan_sharing (self->stream_server, wanted, &error))
    {
      g_message ("LAN sharing: %s", error->message);
      show_toast (self, error->message);
    }
}

char *
ts_application_copy_stream_url (TsApplication *self,
                                GtkWidget     *widget,
                                TsTorrentFile *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  g_return_val_if_fail (TS_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);
  g_return_val_if_fail (TS_IS_TORRENT_FILE (file), NULL);

  if (!ensure_stream_server (self, &error))
    return g_strdup_printf (_("No stream URL: %s"), error->message);

  url = ts_stream_server_dup_lan_url (self->stream_server, file);
  if (url != NULL)
    {
      gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), url);
      return g_strdup (_("Stream URL copied"));
    }

  url = ts_stream_server_dup_url (self->stream_server, file);
  if (url == NULL)
    return g_strdup (_("This file has no stream URL"));

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), url);
  /* Sharing is on, but there is no network to share on. */
  if (ts_stream_server_get_lan_sharing (self->stream_server))
    return g_strdup (_("Stream URL copied, for this computer only: it has no home network "
                       "address"));
  return g_strdup (_("Stream URL copied"));
}

/* The user's video app for @content_type: the default one unless that is
 * us, then the first recommended other one. */
static GAppInfo *
external_app_for (const char *content_type)
{
  g_autoptr(GAppInfo) fallback = g_app_info_get_default_for_type (content_type, TRUE);
  const char *own_id = APP_ID ".desktop";
  GList *recommended;
  GAppInfo *found = NULL;

  if (fallback != NULL && g_strcmp0 (g_app_info_get_id (fallback), own_id) != 0)
    return g_steal_pointer (&fallback);

  recommended = g_app_info_get_recommended_for_type (content_type);
  for (GList *l = recommended; l != NULL && found == NULL; l = l->next)
    if (g_app_info_supports_uris (l->data)
        && g_strcmp0 (g_app_info_get_id (l->data), own_id) != 0)
      found = g_object_ref (l->data);
  g_list_free_full (recommended, g_object_unref);
  return found;
}

static void
launch_uris_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_app_info_launch_uris_finish (G_APP_INFO (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (g_app_info_get_display_name (G_APP_INFO (source))),
                           g_free);
}

void
ts_application_open_external_async (TsApplication      *self,
                                    GtkWidget          *widget,
                                    TsTorrentFile      *file,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAppInfo) app = NULL;
  g_autoptr(GAppLaunchContext) context = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *url = NULL;
  GList uris = { NULL, NULL, NULL };

  g_return_if_fail (TS_IS_APPLICATION (self));
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (TS_IS_TORRENT_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_application_open_external_async);

  if (!ensure_stream_server (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  url = ts_stream_server_dup_url (self->stream_server, file);
  if (url == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("This file has no stream URL"));
      return;
    }

  /* By the name alone: the file may not be on disk yet. */
  content_type = g_content_type_guess (ts_torrent_file_get_name (file), NULL, 0, NULL);
  app = external_app_for (content_type);
  if (app == NULL)
    {
      g_autofree char *description = g_content_type_get_description (content_type);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("No other app is set to play %s from a web address"),
                               description);
      return;
    }

  /* The loopback URL: the player runs on this computer. */
  uris.data = url;
  context = G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gtk_widget_get_display (widget)));
  ts_renderer_restore_environment (context);
  g_app_info_launch_uris_async (app, &uris, context, cancellable, launch_uris_cb,
                                g_steal_pointer (&task));
}

char *
ts_application_open_external_finish (TsApplication *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  char *name;

  g_return_val_if_fail (TS_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  name = g_task_propagate_pointer (G_TASK (result), error);
  if (name == NULL)
    /* Translators: the rest says why, e.g. “No other app is set to play MPEG-4 video …”. */
    g_prefix_error (error, _("Could not open another player: "));
  return name;
}

static void
renderer_refreshed_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!ts_renderer_refresh_finish (result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Could not look at the display's GL again: %s", error->message);
}

static gboolean
renderer_refresh_cb (gpointer user_data)
{
  TsApplication *self = TS_APPLICATION (user_data);

  self->renderer_refresh_id = 0;
  ts_renderer_refresh_async (renderer_probe_argv, self->renderer_refresh,
                             renderer_refreshed_cb, NULL);
  return G_SOURCE_REMOVE;
}

static void
ts_application_startup (GApplication *app)
{
  TsApplication *self = TS_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *open_accels[] = { "<Control>o", NULL };
  g_autofree char *state_dir = NULL;
  g_autofree char *library_path = NULL;
  g_autoptr(GError) error = NULL;
  gboolean renderer_from_cache;

  /* Before GTK opens the display (in the parent's startup). */
  ts_renderer_choose (renderer_probe_argv, &renderer_from_cache);
  G_APPLICATION_CLASS (ts_application_parent_class)->startup (app);

  if (renderer_from_cache)
    {
      self->renderer_refresh = g_cancellable_new ();
      self->renderer_refresh_id = g_timeout_add_seconds (RENDERER_REFRESH_DELAY_S,
                                                         renderer_refresh_cb, self);
    }
  gtk_window_set_default_icon_name (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.open-torrent",
                                         open_accels);

  self->sigint_id = g_unix_signal_add (SIGINT, quit_signal_cb, self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, quit_signal_cb, self);

  self->settings = g_settings_new (APP_ID);
  state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);
  self->session = ts_session_new (self->settings, state_dir);
  library_path = g_build_filename (state_dir, "library.json", NULL);
  self->library = ts_library_new (library_path);

  if (!ts_session_start (self->session, &error))
    {
      g_warning ("Could not start the session: %s", error->message);
      self->start_error = g_strdup (error->message);
    }

  /* A removed download takes its place in the library with it. */
  g_signal_connect_object (self->session, "torrent-removed",
                           G_CALLBACK (torrent_removed_cb), self->library, 0);
  self->storage = ts_storage_manager_new (self->session, self->library, self->settings);
  self->notifier = ts_notifier_new (GTK_APPLICATION (self), self->session, self->library);

  /* Loopback only until the user shares on the LAN: cheap to start now. */
  self->stream_server = ts_stream_server_new (self->session);
  if (!ts_stream_server_start (self->stream_server, &error))
    {
      g_warning ("Could not start the stream server: %s", error->message);
      g_clear_error (&error);
    }
  g_signal_connect_object (self->settings, "changed::lan-sharing",
                           G_CALLBACK (lan_sharing_changed_cb), self, G_CONNECT_SWAPPED);
  lan_sharing_changed_cb (self);
}

static void
ts_application_shutdown (GApplication *app)
{
  TsApplication *self = TS_APPLICATION (app);

  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->renderer_refresh_id, g_source_remove);
  g_cancellable_cancel (self->renderer_refresh);

  /* Its clients read from torrents of the session. */
  if (self->stream_server != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->settings, self);
      ts_stream_server_stop (self->stream_server);
      g_clear_object (&self->stream_server);
    }

  /* Nothing is deleted or announced while the session winds down. */
  g_clear_object (&self->storage);
  g_clear_object (&self->notifier);

  /* Saves resume data and the torrent list before the process exits. */
  if (self->session != NULL && self->start_error == NULL)
    ts_session_shutdown_sync (self->session);
  /* torrent:// playback holds on to the session until told otherwise. */
  ts_torrent_src_set_session (NULL);
  if (self->library != NULL)
    ts_library_flush (self->library);

  G_APPLICATION_CLASS (ts_application_parent_class)->shutdown (app);
}

static void
ts_application_finalize (GObject *object)
{
  TsApplication *self = TS_APPLICATION (object);

  g_clear_object (&self->storage);
  g_clear_object (&self->notifier);
  g_clear_object (&self->stream_server);
  g_clear_object (&self->library);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_object (&self->renderer_refresh);
  g_clear_pointer (&self->start_error, g_free);
  g_clear_pointer (&self->pending_toast, g_free);

  G_OBJECT_CLASS (ts_application_parent_class)->finalize (object);
}

static void
ts_application_class_init (TsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = ts_application_finalize;

  app_class->startup = ts_application_startup;
  app_class->shutdown = ts_application_shutdown;
  app_class->activate = ts_application_activate;
  app_class->open = ts_application_open;
}

static void
ts_application_init (TsApplication *self)
{
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[TORRENT…]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
    _("Watch films from BitTorrent. A TORRENT (a magnet link, a .torrent file or its\n"
      "address) is added to the downloads of the running window."));

  /* Never reached: main() runs the headless mode before GApplication sees
   * its options. Listed so that --help mentions it. */
  g_application_add_main_option (G_APPLICATION (self), "headless", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE,
                                 _("Download without a window (see “--headless --help”)"),
                                 NULL);
}

TsApplication *
ts_application_new (void)
{
  return g_object_new (TS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/example/TorrentStream",
                       NULL);
}

TsSession *
ts_application_get_session (TsApplication *self)
{
  g_return_val_if_fail (TS_IS_APPLICATION (self), NULL);

  return self->session;
}

/* What the user has watched and where (created in startup, NULL before). */
TsLibrary *
ts_application_get_library (TsApplication *self)
{
  g_return_val_if_fail (TS_IS_APPLICATION (self), NULL);

  return self->library;
}

/* Cache mode; the player holds what it plays (created in startup, NULL
 * before). */
TsStorageManager *
ts_application_get_storage_manager (TsApplication *self)
{
  g_return_val_if_fail (TS_IS_APPLICATION (self), NULL);

  return self->storage;
}

/* Serves loopback from startup, the LAN while "lan-sharing" is on (created
 * in startup, NULL before). */
TsStreamServer *
ts_application_get_stream_server (TsApplication *self)
{
  g_return_val_if_fail (TS_IS_APPLICATION (self), NULL);

  return self->stream_server;
}
