/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ts-application.h"
#include "ts-open-controller.h"
#include "ts-open-flow.h"
#include "ts-session.h"
#include "ts-torrent.h"

#define CONTROLLER_KEY "ts-open-controller"

/* Per window: cancelled when the window goes, which ends the flows still
 * waiting for metadata. */
typedef struct
{
  GCancellable    *cancellable;
  GtkNativeDialog *file_chooser;   /* while shown */
} Controller;

static void
controller_free (gpointer p)
{
  Controller *controller = p;

  if (controller->file_chooser != NULL)
    {
      gtk_native_dialog_destroy (controller->file_chooser);
      g_clear_object (&controller->file_chooser);
    }
  g_cancellable_cancel (controller->cancellable);
  g_clear_object (&controller->cancellable);
  g_free (controller);
}

static Controller *
get_controller (TsWindow *window)
{
  return g_object_get_data (G_OBJECT (window), CONTROLLER_KEY);
}

static TsLibrary *
window_library (TsWindow *window)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (window));

  if (TS_IS_APPLICATION (app))
    return ts_application_get_library (TS_APPLICATION (app));
  return NULL;
}

/* One open ------------------------------------------------------------------------------- */

typedef struct
{
  GWeakRef        window;
  GApplication   *app;      /* held until the torrent is in the session */
} OpenRequest;

static void
release_app (OpenRequest *request)
{
  if (request->app == NULL)
    return;
  g_application_release (request->app);
  g_clear_object (&request->app);
}

static void
open_request_free (OpenRequest *request)
{
  release_app (request);
  g_weak_ref_clear (&request->window);
  g_free (request);
}

static void
added_cb (TsTorrent *torrent,
          gboolean   is_new,
          gpointer   user_data)
{
  OpenRequest *request = user_data;
  g_autoptr(TsWindow) window = g_weak_ref_get (&request->window);

  release_app (request);
  if (window == NULL)
    return;

  ts_window_show_downloads (window);
  if (!is_new)
    {
      g_autofree char *message =
        /* Translators: %s is a torrent's name. */
        g_strdup_printf (_("“%s” is already in your downloads"), ts_torrent_get_name (torrent));

      ts_window_add_toast (window, message);
    }
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  OpenRequest *request = user_data;
  g_autoptr(TsWindow) window = g_weak_ref_get (&request->window);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(GError) error = NULL;

  torrent = ts_open_flow_finish (result, NULL, &error);
  open_request_free (request);

  if (torrent != NULL || window == NULL)
    return;

  /* The user's own doing: nothing to tell. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED))
    return;

  g_debug ("Could not open a torrent: %s", error->message);

  /* Something to act on, with a folder name too long for a toast. */
  if (g_error_matches (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NO_SPACE))
    {
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (window),
                                                  _("Torrent Not Added"), NULL);

      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog), "%s. %s", error->message,
                                      _("Free some space, or choose another download folder "
                                        "in Preferences."));
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  /* The engine's messages are whole sentences that name the input. */
  ts_window_add_toast (window, error->message);
}

void
ts_open_source (TsWindow   *window,
                const char *source)
{
  Controller *controller;
  OpenRequest *request;
  GtkApplication *app;

  g_return_if_fail (TS_IS_WINDOW (window));
  g_return_if_fail (source != NULL);

  controller = get_controller (window);
  g_return_if_fail (controller != NULL);

  request = g_new0 (OpenRequest, 1);
  g_weak_ref_init (&request->window, window);
  app = gtk_window_get_application (GTK_WINDOW (window));
  if (app != NULL)
    {
      /* A torrent handed over by a second launch is not lost if the window
       * closes before it is added. */
      request->app = G_APPLICATION (g_object_ref (app));
      g_application_hold (request->app);
    }

  ts_open_flow_async (GTK_WINDOW (window), ts_window_get_session (window),
                      window_library (window), source, controller->cancellable,
                      added_cb, open_done_cb, request);
}

static gboolean
is_hash_text (const char *text)
{
  gsize len = strlen (text);

  if (len != 32 && len != 40 && len != 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (len == 32 ? !g_ascii_isalnum (text[i]) : !g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

static gboolean
looks_like_torrent (const char *text)
{
  return g_ascii_strncasecmp (text, "magnet:", 7) == 0 ||
         g_ascii_strncasecmp (text, "http://", 7) == 0 ||
         g_ascii_strncasecmp (text, "https://", 8) == 0 ||
         (g_ascii_strncasecmp (text, "file://", 7) == 0 && g_str_has_suffix (text, ".torrent")) ||
         (g_path_is_absolute (text) && g_str_has_suffix (text, ".torrent")) ||
         is_hash_text (text);
}

guint
ts_open_text (TsWindow   *window,
              const char *text)
{
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_return_val_if_fail (TS_IS_WINDOW (window), 0);

  if (text == NULL)
    return 0;

  lines = g_strsplit_set (text, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (*line == '\0' || *line == '#' || !looks_like_torrent (line))
        continue;
      ts_open_source (window, line);
      n++;
    }

  return n;
}

static guint
open_files (TsWindow *window,
            GSList   *files)
{
  guint n = 0;

  for (GSList *l = files; l != NULL; l = l->next)
    {
      GFile *file = l->data;
      g_autofree char *source = g_file_peek_path (file) != NULL ? g_file_get_path (file)
                                                              : g_file_get_uri (file);

      ts_open_source (window, source);
      n++;
    }

  return n;
}

/* Open dialog ------------------------------------------------------------------------------ */

static void
file_chooser_response_cb (GtkNativeDialog *dialog,
                          int              response,
                          TsWindow        *window)
{
  Controller *controller = get_controller (window);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      GSList *list = NULL;

      for (guint i = g_list_model_get_n_items (files); i > 0; i--)
        list = g_slist_prepend (list, g_list_model_get_item (files, i - 1));
      open_files (window, list);
      g_slist_free_full (list, g_object_unref);
    }

  gtk_native_dialog_destroy (dialog);
  if (controller != NULL && controller->file_chooser == dialog)
    g_clear_object (&controller->file_chooser);
}

static void
open_torrent_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  TsWindow *window = user_data;
  Controller *controller = get_controller (window);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) torrents = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  if (controller->file_chooser != NULL)
    return;

  chooser = gtk_file_chooser_native_new (_("Open Torrent"), GTK_WINDOW (window),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);

  gtk_file_filter_set_name (torrents, _("Torrent Files"));
  gtk_file_filter_add_mime_type (torrents, "application/x-bittorrent");
  gtk_file_filter_add_suffix (torrents, "torrent");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), torrents);
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (chooser), torrents);

  g_signal_connect_object (chooser, "response", G_CALLBACK (file_chooser_response_cb), window, 0);
  controller->file_chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Paste ------------------------------------------------------------------------------------ */

static void
paste_text_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TsWindow) window = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);

  if (text == NULL)
    {
      g_debug ("Could not read the clipboard: %s", error != NULL ? error->message : "empty");
      ts_window_add_toast (window, _("The clipboard holds no magnet link or torrent address"));
      return;
    }

  if (ts_open_text (window, text) == 0)
    ts_window_add_toast (window, _("The clipboard holds no magnet link or torrent address"));
}

static void
paste_files_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TsWindow) window = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  if (value == NULL || open_files (window, g_value_get_boxed (value)) == 0)
    ts_window_add_toast (window, _("The clipboard holds no magnet link or torrent address"));
}

static void
paste_torrent_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  TsWindow *window = user_data;
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (window));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  /* A .torrent copied in the file manager comes as a file list. */
  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                    paste_files_cb, g_object_ref (window));
  else
    gdk_clipboard_read_text_async (clipboard, NULL, paste_text_cb, g_object_ref (window));
}

/* Ctrl+V belongs to a text field that has the focus. */
static gboolean
paste_shortcut_cb (GtkWidget *widget,
                   GVariant  *args,
                   gpointer   user_data)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (widget));

  if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus)))
    return FALSE;

  g_action_group_activate_action (G_ACTION_GROUP (widget), "paste-torrent", NULL);
  return TRUE;
}

/* Drop ------------------------------------------------------------------------------------- */

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         TsWindow      *window)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return open_files (window, g_value_get_boxed (value)) > 0;

  if (G_VALUE_HOLDS_STRING (value))
    {
      if (ts_open_text (window, g_value_get_string (value)) > 0)
        return TRUE;
      ts_window_add_toast (window, _("Only torrent files and magnet links can be dropped here"));
    }

  return FALSE;
}

static const GActionEntry window_actions[] = {
  { "open-torrent", open_torrent_activated, NULL, NULL, NULL },
  { "paste-torrent", paste_torrent_activated, NULL, NULL, NULL },
};

void
ts_open_controller_attach (TsWindow *window)
{
  Controller *controller;
  GtkEventController *shortcuts;
  GtkDropTarget *drop;
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_STRING };

  g_return_if_fail (TS_IS_WINDOW (window));
  g_return_if_fail (get_controller (window) == NULL);

  controller = g_new0 (Controller, 1);
  controller->cancellable = g_cancellable_new ();
  g_object_set_data_full (G_OBJECT (window), CONTROLLER_KEY, controller, controller_free);

  g_action_map_add_action_entries (G_ACTION_MAP (window), window_actions,
                                   G_N_ELEMENTS (window_actions), window);

  /* Bubble phase: a focused text field sees Ctrl+V first and keeps it. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_o, GDK_CONTROL_MASK),
                      gtk_named_action_new ("win.open-torrent")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_v, GDK_CONTROL_MASK),
                      gtk_callback_action_new (paste_shortcut_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (window), shortcuts);

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), window);
  gtk_widget_add_controller (GTK_WIDGET (window), GTK_EVENT_CONTROLLER (drop));
}
