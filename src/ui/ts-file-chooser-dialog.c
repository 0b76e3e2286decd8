/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ts-file-chooser-dialog.h"
#include "ts-storage-manager.h"
#include "ts-torrent.h"
#include "ts-torrent-file.h"

struct _TsFileChooserDialog
{
  AdwWindow       parent_instance;

  TsTorrent      *torrent;
  guint64         free_bytes;
  /* GtkCheckButton, one per file of the torrent's model */
  GPtrArray      *checks;
  gboolean        responded;
  gboolean        updating;

  GtkLabel       *name_label;
  GtkListBox     *list_box;
  GtkCheckButton *all_check;
  GtkLabel       *summary_label;
  GtkLabel       *space_label;
  GtkButton      *download_button;
};

G_DEFINE_FINAL_TYPE (TsFileChooserDialog, ts_file_chooser_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_RESPONSE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Default choice ------------------------------------------------------------------------- */

static char *
stem_of (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_utf8_casefold (base, -1);
}

static gboolean
is_subtitles_folder (const char *dir)
{
  g_autofree char *base = g_path_get_basename (dir);
  g_autofree char *folded = g_ascii_strdown (base, -1);

  return g_str_equal (folded, "sub") || g_str_equal (folded, "subs") ||
         g_str_equal (folded, "subtitles") || g_str_equal (folded, "subtitle");
}

/* "film.srt", "film.en.srt", "film_eng.srt", "film - English.srt" go with
 * "film.mkv". */
static gboolean
stem_matches (const char *video_stem,
              const char *sub_stem)
{
  gsize len = strlen (video_stem);

  if (!g_str_has_prefix (sub_stem, video_stem))
    return FALSE;
  return sub_stem[len] == '\0' || strchr ("._- [(", sub_stem[len]) != NULL;
}

gboolean *
ts_file_selection_default (TsTorrent *torrent,
                           guint     *n)
{
  GListModel *files;
  guint n_files;
  gboolean *selected;
  gint64 main_size = -1;
  guint main_index = 0;
  guint n_big_videos = 0;
  g_autofree char *main_stem = NULL;
  g_autofree char *main_dir = NULL;

  g_return_val_if_fail (TS_IS_TORRENT (torrent), NULL);

  files = ts_torrent_get_files (torrent);
  n_files = g_list_model_get_n_items (files);
  selected = g_new0 (gboolean, n_files + 1);
  if (n != NULL)
    *n = n_files;

  for (guint i = 0; i < n_files; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if (ts_torrent_file_is_video (file) && ts_torrent_file_get_size (file) > main_size)
        {
          main_size = ts_torrent_file_get_size (file);
          main_index = i;
        }
    }

  if (main_size < 0)
    {
      for (guint i = 0; i < n_files; i++)
        selected[i] = TRUE;
      return selected;
    }

  selected[main_index] = TRUE;
  {
    g_autoptr(TsTorrentFile) main_file = g_list_model_get_item (files, main_index);

    main_stem = stem_of (ts_torrent_file_get_path (main_file));
    main_dir = g_path_get_dirname (ts_torrent_file_get_path (main_file));
  }

  /* Samples and trailers are small beside the film. */
  for (guint i = 0; i < n_files; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if (ts_torrent_file_is_video (file) && ts_torrent_file_get_size (file) >= main_size / 10)
        n_big_videos++;
    }

  for (guint i = 0; i < n_files; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);
      g_autofree char *stem = NULL;
      g_autofree char *dir = NULL;

      if (!ts_torrent_file_is_subtitle (file))
        continue;

      stem = stem_of (ts_torrent_file_get_path (file));
      dir = g_path_get_dirname (ts_torrent_file_get_path (file));
      if (stem_matches (main_stem, stem))
        selected[i] = TRUE;
      /* With one film in the torrent, its subtitles need not share its name. */
      else if (n_big_videos == 1)
        {
          g_autofree char *parent = g_path_get_dirname (dir);

          if (g_str_equal (dir, main_dir) ||
              (is_subtitles_folder (dir) && g_str_equal (parent, main_dir)))
            selected[i] = TRUE;
        }
    }

  return selected;
}

/* Dialog --------------------------------------------------------------------------------- */

static void
respond (TsFileChooserDialog *self,
         const char          *response)
{
  if (self->responded)
    return;
  self->responded = TRUE;

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_RESPONSE], 0, response);
  gtk_window_destroy (GTK_WINDOW (self));
  g_object_unref (self);
}

guint64
ts_file_chooser_dialog_get_needed (TsFileChooserDialog *self)
{
  g_autofree guint8 *priorities = NULL;
  guint n = 0;

  g_return_val_if_fail (TS_IS_FILE_CHOOSER_DIALOG (self), 0);

  priorities = ts_file_chooser_dialog_dup_priorities (self, &n);
  return ts_storage_bytes_needed (self->torrent, priorities, n);
}

static void
update_summary (TsFileChooserDialog *self)
{
  guint n_selected = 0;
  guint64 needed;
  gint64 size = 0;
  g_autofree char *size_text = NULL;
  g_autofree char *summary = NULL;
  gboolean fits;

  for (guint i = 0; i < self->checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->checks, i)))
      {
        g_autoptr(TsTorrentFile) file = g_list_model_get_item (ts_torrent_get_files (self->torrent),
                                                               i);

        n_selected++;
        size += ts_torrent_file_get_size (file);
      }

  needed = ts_file_chooser_dialog_get_needed (self);
  fits = needed <= self->free_bytes;
  size_text = g_format_size (size);
  /* Translators: “2 of 6 files, 1.4 GB”. */
  summary = g_strdup_printf (ngettext ("%u of %u file, %s", "%u of %u files, %s", self->checks->len),
                             n_selected, self->checks->len, size_text);
  gtk_label_set_text (self->summary_label, summary);

  if (self->free_bytes == G_MAXUINT64)
    gtk_widget_set_visible (GTK_WIDGET (self->space_label), FALSE);
  else
    {
      g_autofree char *free_text = g_format_size (self->free_bytes);
      g_autofree char *space = NULL;

      if (fits)
        /* Translators: free disk space, e.g. “31 GB free”. */
        space = g_strdup_printf (_("%s free"), free_text);
      else
        {
          g_autofree char *needed_text = g_format_size (needed);

          /* Translators: “Not enough free space: 1.4 GB needed, 300 MB free”. */
          space = g_strdup_printf (_("Not enough free space: %s needed, %s free"),
                                   needed_text, free_text);
        }
      gtk_label_set_text (self->space_label, space);
      gtk_widget_set_visible (GTK_WIDGET (self->space_label), TRUE);
      if (fits)
        {
          gtk_widget_remove_css_class (GTK_WIDGET (self->space_label), "error");
          gtk_widget_add_css_class (GTK_WIDGET (self->space_label), "dim-label");
        }
      else
        {
          gtk_widget_remove_css_class (GTK_WIDGET (self->space_label), "dim-label");
          gtk_widget_add_css_class (GTK_WIDGET (self->space_label), "error");
        }
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->download_button), n_selected > 0 && fits);

  self->updating = TRUE;
  gtk_check_button_set_inconsistent (self->all_check,
                                     n_selected > 0 && n_selected < self->checks->len);
  gtk_check_button_set_active (self->all_check, n_selected == self->checks->len);
  self->updating = FALSE;
}

static void
all_toggled_cb (TsFileChooserDialog *self)
{
  gboolean active;

  if (self->updating)
    return;

  active = gtk_check_button_get_active (self->all_check);
  self->updating = TRUE;
  for (guint i = 0; i < self->checks->len; i++)
    gtk_check_button_set_active (g_ptr_array_index (self->checks, i), active);
  self->updating = FALSE;
  update_summary (self);
}

static void
check_toggled_cb (TsFileChooserDialog *self)
{
  if (!self->updating)
    update_summary (self);
}

static const char *
icon_for_file (TsTorrentFile *file)
{
  switch (ts_torrent_file_get_kind (file))
    {
    case TS_FILE_KIND_VIDEO:
      return "video-x-generic-symbolic";
    case TS_FILE_KIND_AUDIO:
      return "audio-x-generic-symbolic";
    case TS_FILE_KIND_SUBTITLE:
      return "media-view-subtitles-symbolic";
    case TS_FILE_KIND_OTHER:
    default:
      return "text-x-generic-symbolic";
    }
}

static void
add_file_row (TsFileChooserDialog *self,
              TsTorrentFile       *file,
              gboolean             selected)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_for_file (file));
  g_autofree char *size = g_format_size (MAX (ts_torrent_file_get_size (file), 0));
  g_autofree char *title = g_markup_escape_text (ts_torrent_file_get_path (file), -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), size);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 2);
  gtk_widget_set_tooltip_text (row, ts_torrent_file_get_path (file));

  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), selected);
  /* The row labels the check box with the file's path (it is the row's
   * activatable widget); the size goes with it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, size,
                                  -1);
  g_signal_connect_object (check, "toggled", G_CALLBACK (check_toggled_cb), self,
                           G_CONNECT_SWAPPED);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);

  gtk_widget_add_css_class (icon, "dim-label");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);

  gtk_list_box_append (self->list_box, row);
  g_ptr_array_add (self->checks, check);
}

static void
cancel_clicked_cb (TsFileChooserDialog *self)
{
  respond (self, "cancel");
}

static void
download_clicked_cb (TsFileChooserDialog *self)
{
  respond (self, "download");
}

static gboolean
ts_file_chooser_dialog_close_request (GtkWindow *window)
{
  respond (TS_FILE_CHOOSER_DIALOG (window), "cancel");
  return GTK_WINDOW_CLASS (ts_file_chooser_dialog_parent_class)->close_request (window);
}

static void
ts_file_chooser_dialog_dispose (GObject *object)
{
  TsFileChooserDialog *self = TS_FILE_CHOOSER_DIALOG (object);

  /* Destroyed with its parent window before anyone answered. */
  if (!self->responded)
    {
      self->responded = TRUE;
      g_signal_emit (self, signals[SIGNAL_RESPONSE], 0, "cancel");
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_FILE_CHOOSER_DIALOG);
  g_clear_object (&self->torrent);

  G_OBJECT_CLASS (ts_file_chooser_dialog_parent_class)->dispose (object);
}

static void
ts_file_chooser_dialog_finalize (GObject *object)
{
  TsFileChooserDialog *self = TS_FILE_CHOOSER_DIALOG (object);

  g_ptr_array_unref (self->checks);

  G_OBJECT_CLASS (ts_file_chooser_dialog_parent_class)->finalize (object);
}

static void
ts_file_chooser_dialog_class_init (TsFileChooserDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ts_file_chooser_dialog_dispose;
  object_class->finalize = ts_file_chooser_dialog_finalize;
  window_class->close_request = ts_file_chooser_dialog_close_request;

  signals[SIGNAL_RESPONSE] =
    g_signal_new ("response", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/TorrentStream/ts-file-chooser-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TsFileChooserDialog, name_label);
  gtk_widget_class_bind_template_child (widget_class, TsFileChooserDialog, list_box);
  gtk_widget_class_bind_template_child (widget_class, TsFileChooserDialog, all_check);
  gtk_widget_class_bind_template_child (widget_class, TsFileChooserDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, TsFileChooserDialog, space_label);
  gtk_widget_class_bind_template_child (widget_class, TsFileChooserDialog, download_button);
  gtk_widget_class_bind_template_callback (widget_class, all_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, download_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ts_file_chooser_dialog_init (TsFileChooserDialog *self)
{
  self->checks = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

TsFileChooserDialog *
ts_file_chooser_dialog_new (GtkWindow *parent,
                            TsTorrent *torrent,
                            guint64    free_bytes)
{
  TsFileChooserDialog *self;
  g_autofree gboolean *selected = NULL;
  GListModel *files;
  guint n = 0;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (TS_IS_TORRENT (torrent), NULL);

  self = g_object_new (TS_TYPE_FILE_CHOOSER_DIALOG,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->torrent = g_object_ref (torrent);
  self->free_bytes = free_bytes;

  gtk_label_set_text (self->name_label, ts_torrent_get_name (torrent));

  files = ts_torrent_get_files (torrent);
  selected = ts_file_selection_default (torrent, &n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      add_file_row (self, file, selected[i]);
    }

  update_summary (self);
  return self;
}

guint8 *
ts_file_chooser_dialog_dup_priorities (TsFileChooserDialog *self,
                                       guint               *n)
{
  guint8 *priorities;

  g_return_val_if_fail (TS_IS_FILE_CHOOSER_DIALOG (self), NULL);

  priorities = g_new0 (guint8, self->checks->len + 1);
  for (guint i = 0; i < self->checks->len; i++)
    priorities[i] = gtk_check_button_get_active (g_ptr_array_index (self->checks, i))
                    ? TS_FILE_PRIORITY_NORMAL : TS_FILE_PRIORITY_SKIP;
  if (n != NULL)
    *n = self->checks->len;
  return priorities;
}

guint64
ts_file_chooser_dialog_get_free_bytes (TsFileChooserDialog *self)
{
  g_return_val_if_fail (TS_IS_FILE_CHOOSER_DIALOG (self), G_MAXUINT64);

  return self->free_bytes;
}

void
ts_file_chooser_dialog_set_selected (TsFileChooserDialog *self,
                                     guint                index,
                                     gboolean             selected)
{
  g_return_if_fail (TS_IS_FILE_CHOOSER_DIALOG (self));
  g_return_if_fail (index < self->checks->len);

  gtk_check_button_set_active (g_ptr_array_index (self->checks, index), selected);
}
