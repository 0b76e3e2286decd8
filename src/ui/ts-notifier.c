/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "ts-notifier.h"
#include "ts-session.h"
#include "ts-torrent.h"
#include "ts-torrent-file.h"
#include "ts-window.h"

/* Set on a torrent seen downloading in this run: a complete download that
 * is merely restored at start-up is no news. */
#define WAS_INCOMPLETE_KEY "ts-notifier-was-incomplete"

struct _TsNotifier
{
  GObject         parent_instance;

  GtkApplication *application;   /* weak: the application owns us */
  TsSession      *session;
  TsLibrary      *library;
  gboolean        restored;
};

G_DEFINE_FINAL_TYPE (TsNotifier, ts_notifier, G_TYPE_OBJECT)

static void
mark_incomplete (TsTorrent *torrent)
{
  g_object_set_data (G_OBJECT (torrent), WAS_INCOMPLETE_KEY, GINT_TO_POINTER (TRUE));
}

static void
state_changed_cb (TsTorrent  *torrent,
                  GParamSpec *pspec,
                  TsNotifier *self)
{
  TsTorrentState state = ts_torrent_get_state (torrent);

  if (state == TS_TORRENT_STATE_DOWNLOADING || state == TS_TORRENT_STATE_FETCHING_METADATA)
    mark_incomplete (torrent);
}

static void
torrent_added_cb (TsSession  *session,
                  TsTorrent  *torrent,
                  TsNotifier *self)
{
  /* New since start-up: whatever it becomes is news. */
  if (self->restored)
    mark_incomplete (torrent);
  g_signal_connect_object (torrent, "notify::state", G_CALLBACK (state_changed_cb), self, 0);
}

static void
restored_cb (TsNotifier *self)
{
  self->restored = TRUE;
}

/* The catalog title when the torrent came from the catalog. */
static const char *
display_title (TsNotifier *self,
               TsTorrent  *torrent)
{
  TsLibraryItem *item = self->library != NULL
                        ? ts_library_lookup (self->library, ts_torrent_get_info_hash (torrent))
                        : NULL;

  if (item != NULL && *ts_library_item_get_title (item) != '\0')
    return ts_library_item_get_title (item);
  return ts_torrent_get_name (torrent);
}

static void
torrent_finished_cb (TsSession  *session,
                     TsTorrent  *torrent,
                     TsNotifier *self)
{
  const char *hash = ts_torrent_get_info_hash (torrent);
  TsLibraryItem *item = self->library != NULL ? ts_library_lookup (self->library, hash) : NULL;
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = NULL;
  g_autofree char *body = NULL;

  if (self->application == NULL ||
      g_object_get_data (G_OBJECT (torrent), WAS_INCOMPLETE_KEY) == NULL)
    return;
  g_object_set_data (G_OBJECT (torrent), WAS_INCOMPLETE_KEY, NULL);

  /* A film that was only streamed finishing is no event for the user. */
  if (item != NULL && !ts_library_item_get_preloaded (item))
    return;

  notification = g_notification_new (_("Download Complete"));
  /* Translators: %s is a film's title or a torrent's name. */
  body = g_strdup_printf (_("“%s” is ready to watch."), display_title (self, torrent));
  g_notification_set_body (notification, body);

  if (ts_torrent_get_main_video (torrent) != NULL)
    {
      g_notification_set_default_action_and_target (notification, "app.play-torrent", "s", hash);
      g_notification_add_button_with_target (notification, _("Play"), "app.play-torrent", "s",
                                             hash);
    }
  else
    g_notification_set_default_action (notification, "app.show-downloads");

  id = g_strconcat ("finished-", hash, NULL);
  g_application_send_notification (G_APPLICATION (self->application), id, notification);
}

static void
torrent_error_cb (TsSession  *session,
                  TsTorrent  *torrent,
                  const char *message,
                  TsNotifier *self)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = NULL;
  g_autofree char *body = NULL;

  if (self->application == NULL)
    return;

  notification = g_notification_new (_("Download Failed"));
  if (message != NULL && *message != '\0')
    /* Translators: “Film”: the reason it failed. */
    body = g_strdup_printf (_("“%s”: %s"), display_title (self, torrent), message);
  else
    body = g_strdup_printf (_("“%s” could not be downloaded."), display_title (self, torrent));
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action (notification, "app.show-downloads");

  id = g_strconcat ("error-", ts_torrent_get_info_hash (torrent), NULL);
  g_application_send_notification (G_APPLICATION (self->application), id, notification);
}

/* Actions ---------------------------------------------------------------------------------- */

static TsWindow *
present_window (TsNotifier *self)
{
  GtkWindow *window;

  /* Makes the window if there is none. */
  g_application_activate (G_APPLICATION (self->application));
  window = gtk_application_get_active_window (self->application);
  if (!TS_IS_WINDOW (window))
    return NULL;
  gtk_window_present (window);
  return TS_WINDOW (window);
}

static void
show_downloads_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  TsNotifier *self = user_data;
  TsWindow *window;

  if (self->application == NULL || (window = present_window (self)) == NULL)
    return;
  ts_window_show_downloads (window);
}

static void
play_torrent_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  TsNotifier *self = user_data;
  const char *hash = g_variant_get_string (parameter, NULL);
  TsLibraryItem *item;
  TsTorrentFile *file = NULL;
  TsTorrent *torrent;
  TsWindow *window;

  if (self->application == NULL || (window = present_window (self)) == NULL)
    return;

  torrent = ts_session_lookup (self->session, hash);
  if (torrent == NULL)
    {
      ts_window_add_toast (window, _("This download is no longer in the list."));
      return;
    }

  /* Where the user was, else the film. */
  item = self->library != NULL ? ts_library_lookup (self->library, hash) : NULL;
  if (item != NULL && ts_library_item_get_last_file (item) >= 0)
    file = ts_torrent_get_file (torrent, (guint) ts_library_item_get_last_file (item));
  if (file == NULL)
    file = ts_torrent_get_main_video (torrent);
  if (file == NULL)
    {
      ts_window_show_downloads (window);
      ts_window_add_toast (window, _("This download has no video to play."));
      return;
    }

  ts_window_play_file (window, torrent, ts_torrent_file_get_index (file));
}

static const GActionEntry app_actions[] = {
  { "play-torrent", play_torrent_activated, "s", NULL, NULL },
  { "show-downloads", show_downloads_activated, NULL, NULL, NULL },
};

static void
ts_notifier_dispose (GObject *object)
{
  TsNotifier *self = TS_NOTIFIER (object);

  if (self->application != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (app_actions); i++)
        g_action_map_remove_action (G_ACTION_MAP (self->application), app_actions[i].name);
      g_object_remove_weak_pointer (G_OBJECT (self->application),
                                    (gpointer *) &self->application);
      self->application = NULL;
    }
  g_clear_object (&self->session);
  g_clear_object (&self->library);

  G_OBJECT_CLASS (ts_notifier_parent_class)->dispose (object);
}

static void
ts_notifier_class_init (TsNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ts_notifier_dispose;
}

static void
ts_notifier_init (TsNotifier *self)
{
}

TsNotifier *
ts_notifier_new (GtkApplication *application,
                 TsSession      *session,
                 TsLibrary      *library)
{
  TsNotifier *self;
  GListModel *torrents;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (TS_IS_SESSION (session), NULL);
  g_return_val_if_fail (library == NULL || TS_IS_LIBRARY (library), NULL);

  self = g_object_new (TS_TYPE_NOTIFIER, NULL);
  self->application = application;
  g_object_add_weak_pointer (G_OBJECT (application), (gpointer *) &self->application);
  self->session = g_object_ref (session);
  self->library = library != NULL ? g_object_ref (library) : NULL;

  /* The action entries hold a plain pointer: dispose removes them. */
  g_action_map_add_action_entries (G_ACTION_MAP (application), app_actions,
                                   G_N_ELEMENTS (app_actions), self);

  torrents = ts_session_get_torrents (session);
  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (torrents, i);

      g_signal_connect_object (torrent, "notify::state", G_CALLBACK (state_changed_cb), self, 0);
    }

  g_signal_connect_object (session, "torrent-added", G_CALLBACK (torrent_added_cb), self, 0);
  g_signal_connect_object (session, "restored", G_CALLBACK (restored_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "torrent-finished", G_CALLBACK (torrent_finished_cb), self, 0);
  g_signal_connect_object (session, "torrent-error", G_CALLBACK (torrent_error_cb), self, 0);
  return self;
}
