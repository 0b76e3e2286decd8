/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "ts-application.h"
#include "ts-download-row.h"
#include "ts-format.h"
#include "ts-poster-cache.h"
#include "ts-renderer.h"
#include "ts-session.h"
#include "ts-torrent-file.h"
#include "ts-torrent.h"
#include "ts-window.h"

struct _TsDownloadRow
{
  GtkWidget       parent_instance;

  TsTorrent      *torrent;
  TsLibrary      *library;
  TsLibraryItem  *item;
  TsPosterCache  *poster_cache;
  GCancellable   *poster_cancellable;
  char           *poster_url;
  /* What the buttons' accessible labels were last built from. */
  char           *a11y_name;
  gboolean        a11y_paused;

  GtkBox         *card;
  GtkStack       *thumb_stack;
  GtkImage       *kind_icon;
  GtkPicture     *poster_picture;
  GtkLabel       *name_label;
  GtkLabel       *subtitle_label;
  GtkLabel       *state_label;
  GtkProgressBar *progress_bar;
  GtkButton      *play_button;
  GtkButton      *pause_button;
  GtkButton      *folder_button;
  GtkMenuButton  *more_button;
  GtkButton      *remove_button;
};

G_DEFINE_FINAL_TYPE (TsDownloadRow, ts_download_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TORRENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Style classes that tell the state apart; exactly one is set at a time. */
static const char *state_classes[] = {
  "fetching", "checking", "downloading", "seeding", "paused", "error",
};

static void
set_state_class (GtkWidget      *widget,
                 TsTorrentState  state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
    {
      if (i == (guint) state)
        gtk_widget_add_css_class (widget, state_classes[i]);
      else
        gtk_widget_remove_css_class (widget, state_classes[i]);
    }
}

/* The catalog's title when the torrent came from the catalog, else its
 * name (or its info-hash before a magnet's metadata). */
static const char *
display_name (TsDownloadRow *self)
{
  const char *name;

  if (self->item != NULL && *ts_library_item_get_title (self->item) != '\0')
    return ts_library_item_get_title (self->item);

  name = ts_torrent_get_name (self->torrent);
  if (name == NULL || *name == '\0')
    return ts_torrent_get_info_hash (self->torrent);

  return name;
}

/* Closures of the template's bindings ---------------------------------------------------- */

static char *
state_text (TsDownloadRow  *self,
            TsTorrentState  state,
            const char     *error_message)
{
  if (state == TS_TORRENT_STATE_ERROR && error_message != NULL && *error_message != '\0')
    /* Translators: a torrent failed; %s is the reason. */
    return g_strdup_printf (_("Error: %s"), error_message);

  return g_strdup (ts_format_state (state));
}

static char *
size_text (TsDownloadRow *self,
           gboolean       has_metadata,
           gint64         bytes_done,
           gint64         size_wanted)
{
  g_autofree char *done = NULL;
  g_autofree char *wanted = NULL;

  if (!has_metadata)
    return g_strdup ("");

  done = g_format_size (MAX (bytes_done, 0));
  wanted = g_format_size (MAX (size_wanted, 0));
  /* Translators: “120 MB of 700 MB”. */
  return g_strdup_printf (_("%s of %s"), done, wanted);
}

static char *
eta_text (TsDownloadRow  *self,
          TsTorrentState  state,
          gint64          eta)
{
  g_autofree char *text = NULL;

  if (state != TS_TORRENT_STATE_DOWNLOADING || (text = ts_format_eta (eta)) == NULL)
    return g_strdup ("");

  /* Translators: time left, e.g. “0:42 left”. */
  return g_strdup_printf (_("%s left"), text);
}

static gboolean
eta_visible (TsDownloadRow  *self,
             TsTorrentState  state,
             gint64          eta)
{
  return state == TS_TORRENT_STATE_DOWNLOADING && eta >= 0;
}

/* libtorrent's rates are averages that fade out slowly, and a torrent
 * that stopped changing gets no more updates: a paused torrent moves
 * nothing, a complete one downloads nothing. */
static char *
rates_text (TsDownloadRow  *self,
            TsTorrentState  state,
            gboolean        paused,
            gint64          download_rate,
            gint64          upload_rate)
{
  gboolean done = state == TS_TORRENT_STATE_SEEDING;
  g_autofree char *down = ts_format_rate (paused || done ? 0 : download_rate);
  g_autofree char *up = ts_format_rate (paused ? 0 : upload_rate);

  /* Translators: download and upload rates of one torrent. */
  return g_strdup_printf (_("↓ %s   ↑ %s"), down, up);
}

static char *
peers_text (TsDownloadRow  *self,
            TsTorrentState  state,
            guint           peers,
            guint           seeds)
{
  if (peers == 0 &&
      (state == TS_TORRENT_STATE_DOWNLOADING || state == TS_TORRENT_STATE_FETCHING_METADATA))
    return g_strdup (_("Looking for peers…"));

  return ts_format_peers (peers, seeds);
}

/* Playing needs the file list, to know which file is the film. */
static gboolean
play_sensitive (TsDownloadRow *self,
                gboolean       has_metadata)
{
  return has_metadata && self->torrent != NULL && ts_torrent_get_main_video (self->torrent) != NULL;
}

/* What the bindings cannot do ----------------------------------------------------------- */

static void
update_buttons (TsDownloadRow *self)
{
  const char *name = display_name (self);
  gboolean paused = ts_torrent_get_paused (self->torrent);
  g_autofree char *play_label = NULL;
  g_autofree char *pause_label = NULL;
  g_autofree char *folder_label = NULL;
  g_autofree char *remove_label = NULL;
  g_autofree char *more_label = NULL;

  /* Screen readers are told about every accessible change: only touch the
   * labels when they differ. */
  if (g_strcmp0 (name, self->a11y_name) == 0 && paused == self->a11y_paused)
    return;

  g_free (self->a11y_name);
  self->a11y_name = g_strdup (name);
  self->a11y_paused = paused;

  if (paused)
    {
      /* Translators: the accessible name of a button; %s is a torrent name. */
      pause_label = g_strdup_printf (_("Resume %s"), name);
      gtk_button_set_icon_name (self->pause_button, "media-playback-start-symbolic");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button), _("Resume"));
    }
  else
    {
      /* Translators: the accessible name of a button; %s is a torrent name. */
      pause_label = g_strdup_printf (_("Pause %s"), name);
      gtk_button_set_icon_name (self->pause_button, "media-playback-pause-symbolic");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button), _("Pause"));
    }

  /* Translators: the accessible name of a button; %s is a torrent name. */
  play_label = g_strdup_printf (_("Play %s"), name);
  /* Translators: the accessible name of a button; %s is a torrent name. */
  folder_label = g_strdup_printf (_("Open the folder of %s"), name);
  /* Translators: the accessible name of a button; %s is a torrent name. */
  remove_label = g_strdup_printf (_("Remove %s"), name);
  /* Translators: the accessible name of a menu button; %s is a torrent name. */
  more_label = g_strdup_printf (_("More actions for %s"), name);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, play_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->pause_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, pause_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->folder_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, folder_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->more_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, more_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->card),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  {
    /* Translators: the accessible name of a progress bar; %s is a torrent name. */
    g_autofree char *progress_label = g_strdup_printf (_("Progress of %s"), name);

    gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress_bar),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, progress_label, -1);
  }
}

static void
update_state (TsDownloadRow *self)
{
  TsTorrentState state = ts_torrent_get_state (self->torrent);

  set_state_class (GTK_WIDGET (self->state_label), state);
  set_state_class (GTK_WIDGET (self->kind_icon), state);
  set_state_class (GTK_WIDGET (self->progress_bar), state);
  update_buttons (self);
}

static const char *
kind_icon_name (TsTorrent *torrent)
{
  GListModel *files;
  gboolean audio = FALSE;

  if (!ts_torrent_has_metadata (torrent))
    return "folder-download-symbolic";
  if (ts_torrent_get_main_video (torrent) != NULL)
    return "video-x-generic-symbolic";

  files = ts_torrent_get_files (torrent);
  for (guint i = 0; i < g_list_model_get_n_items (files) && !audio; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      audio = ts_torrent_file_get_kind (file) == TS_FILE_KIND_AUDIO;
    }
  if (audio)
    return "audio-x-generic-symbolic";
  return g_list_model_get_n_items (files) > 1 ? "folder-symbolic" : "text-x-generic-symbolic";
}

static void
poster_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TsDownloadRow) self = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = ts_poster_cache_load_finish (TS_POSTER_CACHE (object), result, &error);
  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No poster for a download: %s", error->message);
      return;
    }

  gtk_picture_set_paintable (self->poster_picture, GDK_PAINTABLE (texture));
  gtk_stack_set_visible_child_name (self->thumb_stack, "poster");
}

static void
update_thumbnail (TsDownloadRow *self)
{
  const char *url = self->item != NULL ? ts_library_item_get_poster_url (self->item) : NULL;

  gtk_image_set_from_icon_name (self->kind_icon, kind_icon_name (self->torrent));

  if (url == NULL || *url == '\0' || self->poster_cache == NULL)
    {
      g_clear_pointer (&self->poster_url, g_free);
      gtk_stack_set_visible_child_name (self->thumb_stack, "icon");
      return;
    }

  if (g_strcmp0 (url, self->poster_url) == 0)
    return;

  g_free (self->poster_url);
  self->poster_url = g_strdup (url);
  g_cancellable_cancel (self->poster_cancellable);
  g_clear_object (&self->poster_cancellable);

  {
    g_autoptr(GdkTexture) texture = ts_poster_cache_lookup (self->poster_cache, url);

    if (texture != NULL)
      {
        gtk_picture_set_paintable (self->poster_picture, GDK_PAINTABLE (texture));
        gtk_stack_set_visible_child_name (self->thumb_stack, "poster");
        return;
      }
  }

  /* The icon until the poster is there. */
  gtk_stack_set_visible_child_name (self->thumb_stack, "icon");
  self->poster_cancellable = g_cancellable_new ();
  ts_poster_cache_load_async (self->poster_cache, url, self->poster_cancellable,
                              poster_loaded_cb, g_object_ref (self));
}

static void
update_title (TsDownloadRow *self)
{
  const char *name = display_name (self);
  g_autofree char *subtitle = NULL;

  gtk_label_set_text (self->name_label, name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), name);

  /* A catalog film: its year, and the torrent's own name when it says
   * something else. */
  if (self->item != NULL && *ts_library_item_get_title (self->item) != '\0')
    {
      int year = ts_library_item_get_year (self->item);
      const char *torrent_name = ts_torrent_get_name (self->torrent);
      gboolean show_name = torrent_name != NULL && g_strcmp0 (torrent_name, name) != 0 &&
                           ts_torrent_has_metadata (self->torrent);

      if (year > 0 && show_name)
        subtitle = g_strdup_printf ("%d · %s", year, torrent_name);
      else if (year > 0)
        subtitle = g_strdup_printf ("%d", year);
      else if (show_name)
        subtitle = g_strdup (torrent_name);
    }

  gtk_label_set_text (self->subtitle_label, subtitle != NULL ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), subtitle != NULL);
  update_buttons (self);
}

static void
item_changed_cb (TsDownloadRow *self)
{
  update_title (self);
  update_thumbnail (self);
}

static void
set_item (TsDownloadRow *self,
          TsLibraryItem *item)
{
  if (self->item == item)
    return;

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_set_object (&self->item, item);
  if (item != NULL)
    {
      g_signal_connect_object (item, "notify::title", G_CALLBACK (item_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (item, "notify::year", G_CALLBACK (item_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (item, "notify::poster-url", G_CALLBACK (item_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
}

/* The film may be linked after the row is shown (the browse page adds the
 * torrent first). */
static void
item_added_cb (TsLibrary     *library,
               TsLibraryItem *item,
               TsDownloadRow *self)
{
  if (self->torrent == NULL ||
      g_strcmp0 (ts_library_item_get_info_hash (item), ts_torrent_get_info_hash (self->torrent)) != 0)
    return;

  set_item (self, item);
  item_changed_cb (self);
}

static void
item_removed_cb (TsLibrary     *library,
                 TsLibraryItem *item,
                 TsDownloadRow *self)
{
  if (item != self->item)
    return;

  set_item (self, NULL);
  if (self->torrent != NULL)
    item_changed_cb (self);
}

/* Buttons -------------------------------------------------------------------------------- */

static void
play_clicked_cb (TsDownloadRow *self)
{
  TsTorrentFile *video;

  if (self->torrent == NULL || (video = ts_torrent_get_main_video (self->torrent)) == NULL)
    return;

  gtk_widget_activate_action (GTK_WIDGET (self), "win.play", "(su)",
                              ts_torrent_get_info_hash (self->torrent),
                              ts_torrent_file_get_index (video));
}

static void
pause_clicked_cb (TsDownloadRow *self)
{
  if (self->torrent == NULL)
    return;

  if (ts_torrent_get_paused (self->torrent))
    ts_torrent_resume (self->torrent);
  else
    ts_torrent_pause (self->torrent);
}

static void
toast (GtkWidget  *widget,
       const char *message)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (TS_IS_WINDOW (root))
    ts_window_add_toast (TS_WINDOW (root), message);
  else
    g_warning ("%s", message);
}

static void
launch_folder_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GtkWidget) widget = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the folder: %s"),
                                                  error->message);

      toast (widget, message);
    }
}

static void
launch_folder (GtkWidget  *widget,
               const char *folder_uri)
{
  g_autoptr(GAppLaunchContext) context =
    G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gtk_widget_get_display (widget)));

  ts_renderer_restore_environment (context);
  g_app_info_launch_default_for_uri_async (folder_uri, context, NULL, launch_folder_cb,
                                           g_object_ref (widget));
}

typedef struct
{
  GtkWidget *widget;
  char      *folder_uri;
} ShowItemsData;

static void
show_items_data_free (ShowItemsData *data)
{
  g_object_unref (data->widget);
  g_free (data->folder_uri);
  g_free (data);
}

static void
show_items_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ShowItemsData *data = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      /* No file manager that can select a file: open the folder. */
      g_debug ("FileManager1.ShowItems failed: %s", error->message);
      launch_folder (data->widget, data->folder_uri);
    }
  show_items_data_free (data);
}

/* The torrent's file or folder, selected in the file manager. */
static void
open_folder (TsDownloadRow *self)
{
  const char *save_path = ts_torrent_get_save_path (self->torrent);
  const char *name = ts_torrent_get_name (self->torrent);
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GFile) item = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autofree char *item_uri = NULL;
  ShowItemsData *data;
  const char *uris[2] = { NULL, NULL };

  if (save_path == NULL || *save_path == '\0')
    {
      toast (GTK_WIDGET (self), _("This download has no folder yet"));
      return;
    }

  folder = g_file_new_for_path (save_path);
  if (ts_torrent_has_metadata (self->torrent) && name != NULL && *name != '\0')
    item = g_file_get_child (folder, name);

  data = g_new0 (ShowItemsData, 1);
  data->widget = g_object_ref (GTK_WIDGET (self));
  data->folder_uri = g_file_get_uri (folder);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  /* Nothing downloaded yet, or no session bus: the folder itself. */
  if (bus == NULL || item == NULL || !g_file_query_exists (item, NULL))
    {
      launch_folder (data->widget, data->folder_uri);
      show_items_data_free (data);
      return;
    }

  item_uri = g_file_get_uri (item);
  uris[0] = item_uri;
  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", uris, ""), NULL,
                          G_DBUS_CALL_FLAGS_NONE, 5000, NULL, show_items_cb, data);
}

static void
folder_clicked_cb (TsDownloadRow *self)
{
  if (self->torrent != NULL)
    open_folder (self);
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    TsTorrent        *torrent)
{
  gboolean delete_files;

  if (g_strcmp0 (response, "keep") == 0)
    delete_files = FALSE;
  else if (g_strcmp0 (response, "delete") == 0)
    delete_files = TRUE;
  else
    return;

  /* The torrent may have gone away while the dialog was open. */
  if (ts_torrent_is_removed (torrent))
    return;

  ts_session_remove (ts_torrent_get_session (torrent), torrent, delete_files);
}

static void
torrent_closure_unref (gpointer  data,
                       GClosure *closure)
{
  g_object_unref (data);
}

static void
remove_clicked_cb (TsDownloadRow *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  if (self->torrent == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Remove Download?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s” will be removed from the list. Its downloaded "
                                    "files can be kept or deleted."),
                                  display_name (self));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete files"),
                                    "keep", _("_Keep files"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  /* The row may be recycled for another torrent while the dialog is open:
   * the dialog keeps its own reference. */
  g_signal_connect_data (dialog, "response", G_CALLBACK (remove_response_cb),
                         g_object_ref (self->torrent), torrent_closure_unref, 0);

  gtk_window_present (GTK_WINDOW (dialog));
}

/* Stream URL ---------------------------------------------------------------------------- */

/* What the stream actions offer: the film, else the first file. */
static TsTorrentFile *
stream_file (TsDownloadRow *self)
{
  TsTorrentFile *video;

  if (self->torrent == NULL || !ts_torrent_has_metadata (self->torrent))
    return NULL;
  video = ts_torrent_get_main_video (self->torrent);
  return video != NULL ? video : ts_torrent_get_file (self->torrent, 0);
}

static void
update_stream_actions (TsDownloadRow *self)
{
  gboolean enabled = stream_file (self) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.copy-stream-url", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.open-external", enabled);
}

static TsApplication *
get_application (void)
{
  GApplication *app = g_application_get_default ();

  return TS_IS_APPLICATION (app) ? TS_APPLICATION (app) : NULL;
}

static void
copy_stream_url_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TsDownloadRow *self = TS_DOWNLOAD_ROW (widget);
  TsTorrentFile *file = stream_file (self);
  TsApplication *app = get_application ();
  g_autofree char *message = NULL;

  if (file == NULL || app == NULL)
    return;

  message = ts_application_copy_stream_url (app, widget, file);
  toast (widget, message);
}

static void
open_external_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GtkWidget) widget = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_name = NULL;

  app_name = ts_application_open_external_finish (TS_APPLICATION (source), result, &error);
  if (app_name == NULL)
    toast (widget, error->message);
}

static void
open_external_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TsDownloadRow *self = TS_DOWNLOAD_ROW (widget);
  TsTorrentFile *file = stream_file (self);
  TsApplication *app = get_application ();

  if (file == NULL || app == NULL)
    return;

  ts_application_open_external_async (app, widget, file, NULL, open_external_cb,
                                      g_object_ref (widget));
}

/* Keyboard: Delete removes, whichever control of the row has the focus. */
static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  remove_clicked_cb (TS_DOWNLOAD_ROW (widget));
}

static void
toggle_pause_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  pause_clicked_cb (TS_DOWNLOAD_ROW (widget));
}

static void
ts_download_row_dispose (GObject *object)
{
  TsDownloadRow *self = TS_DOWNLOAD_ROW (object);
  GtkWidget *child;

  ts_download_row_set_torrent (self, NULL);
  ts_download_row_set_library (self, NULL);
  g_cancellable_cancel (self->poster_cancellable);
  g_clear_object (&self->poster_cancellable);
  g_clear_object (&self->poster_cache);
  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_DOWNLOAD_ROW);
  /* Template children that are not bound are still ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (ts_download_row_parent_class)->dispose (object);
}

static void
ts_download_row_finalize (GObject *object)
{
  TsDownloadRow *self = TS_DOWNLOAD_ROW (object);

  g_free (self->a11y_name);
  g_free (self->poster_url);

  G_OBJECT_CLASS (ts_download_row_parent_class)->finalize (object);
}

static void
ts_download_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TsDownloadRow *self = TS_DOWNLOAD_ROW (object);

  switch (prop_id)
    {
    case PROP_TORRENT:
      g_value_set_object (value, self->torrent);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_download_row_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TsDownloadRow *self = TS_DOWNLOAD_ROW (object);

  switch (prop_id)
    {
    case PROP_TORRENT:
      ts_download_row_set_torrent (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_download_row_class_init (TsDownloadRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_download_row_dispose;
  object_class->finalize = ts_download_row_finalize;
  object_class->get_property = ts_download_row_get_property;
  object_class->set_property = ts_download_row_set_property;

  properties[PROP_TORRENT] =
    g_param_spec_object ("torrent", NULL, NULL,
                         TS_TYPE_TORRENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/TorrentStream/ts-download-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, card);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, thumb_stack);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, kind_icon);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, poster_picture);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, play_button);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, folder_button);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, more_button);
  gtk_widget_class_bind_template_child (widget_class, TsDownloadRow, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, state_text);
  gtk_widget_class_bind_template_callback (widget_class, size_text);
  gtk_widget_class_bind_template_callback (widget_class, eta_text);
  gtk_widget_class_bind_template_callback (widget_class, eta_visible);
  gtk_widget_class_bind_template_callback (widget_class, rates_text);
  gtk_widget_class_bind_template_callback (widget_class, peers_text);
  gtk_widget_class_bind_template_callback (widget_class, play_sensitive);
  gtk_widget_class_bind_template_callback (widget_class, play_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, pause_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);

  gtk_widget_class_install_action (widget_class, "row.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "row.toggle-pause", NULL, toggle_pause_action);
  gtk_widget_class_install_action (widget_class, "row.copy-stream-url", NULL,
                                   copy_stream_url_action);
  gtk_widget_class_install_action (widget_class, "row.open-external", NULL,
                                   open_external_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "row.remove", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "row.remove", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "row.toggle-pause", NULL);
}

static void
ts_download_row_init (TsDownloadRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_stream_actions (self);
}

GtkWidget *
ts_download_row_new (void)
{
  return g_object_new (TS_TYPE_DOWNLOAD_ROW, NULL);
}

TsTorrent *
ts_download_row_get_torrent (TsDownloadRow *self)
{
  g_return_val_if_fail (TS_IS_DOWNLOAD_ROW (self), NULL);

  return self->torrent;
}

void
ts_download_row_set_torrent (TsDownloadRow *self,
                             TsTorrent     *torrent)
{
  g_return_if_fail (TS_IS_DOWNLOAD_ROW (self));
  g_return_if_fail (torrent == NULL || TS_IS_TORRENT (torrent));

  if (self->torrent == torrent)
    return;

  if (self->torrent != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->torrent, self);
      g_clear_object (&self->torrent);
    }
  set_item (self, NULL);
  g_clear_pointer (&self->a11y_name, g_free);
  g_clear_pointer (&self->poster_url, g_free);
  g_cancellable_cancel (self->poster_cancellable);
  g_clear_object (&self->poster_cancellable);
  gtk_picture_set_paintable (self->poster_picture, NULL);

  if (torrent != NULL)
    {
      self->torrent = g_object_ref (torrent);
      if (self->library != NULL)
        set_item (self, ts_library_lookup (self->library, ts_torrent_get_info_hash (torrent)));

      /* The figures follow through the template's bindings; these need
       * more than a label. */
      g_signal_connect_object (torrent, "notify::state", G_CALLBACK (update_state), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (torrent, "notify::paused", G_CALLBACK (update_buttons), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (torrent, "notify::name", G_CALLBACK (update_title), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (torrent, "metadata-received", G_CALLBACK (item_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (torrent, "metadata-received", G_CALLBACK (update_stream_actions),
                               self, G_CONNECT_SWAPPED);
      update_title (self);
      update_thumbnail (self);
      update_state (self);
    }
  update_stream_actions (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TORRENT]);
}

void
ts_download_row_set_library (TsDownloadRow *self,
                             TsLibrary     *library)
{
  g_return_if_fail (TS_IS_DOWNLOAD_ROW (self));
  g_return_if_fail (library == NULL || TS_IS_LIBRARY (library));

  if (self->library == library)
    return;

  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);
  g_set_object (&self->library, library);
  if (library != NULL)
    {
      g_signal_connect_object (library, "item-added", G_CALLBACK (item_added_cb), self, 0);
      g_signal_connect_object (library, "item-removed", G_CALLBACK (item_removed_cb), self, 0);
    }

  if (self->torrent != NULL)
    {
      set_item (self, library != NULL
                      ? ts_library_lookup (library, ts_torrent_get_info_hash (self->torrent))
                      : NULL);
      item_changed_cb (self);
    }
}

void
ts_download_row_set_poster_cache (TsDownloadRow *self,
                                  TsPosterCache *poster_cache)
{
  g_return_if_fail (TS_IS_DOWNLOAD_ROW (self));
  g_return_if_fail (poster_cache == NULL || TS_IS_POSTER_CACHE (poster_cache));

  if (g_set_object (&self->poster_cache, poster_cache) && self->torrent != NULL)
    {
      g_clear_pointer (&self->poster_url, g_free);
      update_thumbnail (self);
    }
}
