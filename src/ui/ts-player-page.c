/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ts-application.h"
#include "ts-format.h"
#include "ts-player-page.h"
#include "ts-seek-bar.h"
#include "ts-stream-reader.h"
#include "ts-torrent-file.h"
#include "ts-torrent-src.h"
#include "ts-torrent.h"

#define NS_PER_SECOND       G_GINT64_CONSTANT (1000000000)
#define HIDE_CONTROLS_S     3
#define SAVE_INTERVAL_S     5
#define RANGES_INTERVAL_MS  500
/* The spinner would only flicker for a seek in a file on disk. */
#define BUFFERING_DELAY_MS  400
#define SEEK_STEP_S         10
#define VOLUME_STEP         0.05
/* Not worth offering to resume a few seconds in, nor at the credits. */
#define RESUME_MIN          (5 * NS_PER_SECOND)
#define RESUME_MAX_FRACTION 0.95

typedef struct
{
  char          *label;
  char          *uri;
  TsTorrentFile *file;   /* NULL for a file the user picked from disk */
} SubtitleFile;

static void
subtitle_file_free (SubtitleFile *sub)
{
  g_free (sub->label);
  g_free (sub->uri);
  g_clear_object (&sub->file);
  g_free (sub);
}

struct _TsPlayerPage
{
  GtkWidget             parent_instance;

  TsPlayer             *player;
  TsLibrary            *library;
  TsStorageManager     *storage;
  char                 *held_hash;    /* held in storage while it plays */
  GCancellable         *cancellable;  /* of the current film */

  /* The film: a file of a torrent, or just a URI. */
  TsTorrent            *torrent;
  TsTorrentFile        *file;
  /* The reader torrentsrc will share, made as soon as the file is known:
   * its head and tail deadlines go out while playbin is still starting,
   * and it learns the film's duration for its bit rate. NULL for files
   * already on disk. */
  TsStreamReader       *reader;
  char                 *info_hash;
  guint                 file_index;
  char                 *title;

  gboolean              want_playing; /* what the user asked for */
  gboolean              started;      /* the film has been shown once */
  gint64                last_position;
  gint64                last_duration;
  gint64                saved_position;

  GPtrArray            *subtitle_files;
  int                   pending_subtitle; /* file waiting to become a track, -1 */
  char                 *subtitle;
  GtkFileChooserNative *chooser;
  AdwToast             *resume_toast;

  guint                 hide_id;
  guint                 save_id;
  guint                 ranges_id;
  guint                 buffering_id;
  guint                 click_id;

  GtkApplication       *inhibit_app;
  guint                 inhibit_cookie;
  GtkWindow            *window;
  double                motion_x;
  double                motion_y;
  guint                 over_controls;

  /* Template children */
  GtkStack             *stack;
  AdwToastOverlay      *toast_overlay;
  GtkWidget            *overlay;
  GtkPicture           *picture;
  GtkRevealer          *top_revealer;
  GtkWidget            *header_bar;
  AdwWindowTitle       *window_title;
  GtkRevealer          *buffering_revealer;
  GtkSpinner           *buffering_spinner;
  GtkLabel             *buffering_label;
  GtkLabel             *buffering_detail;
  GtkRevealer          *bottom_revealer;
  GtkWidget            *controls;
  GtkLabel             *position_label;
  TsSeekBar            *seek_bar;
  GtkLabel             *duration_label;
  GtkToggleButton      *mute_button;
  GtkAdjustment        *volume_adjustment;
  GtkButton            *play_button;
  GtkMenuButton        *more_button;
  GtkMenuButton        *audio_button;
  GtkMenuButton        *subtitle_button;
  GtkToggleButton      *fullscreen_button;
  AdwWindowTitle       *error_title;
  AdwStatusPage        *error_page;
  GMenu                *audio_section;
  GMenu                *subtitle_tracks_section;
  GMenu                *subtitle_files_section;
};

G_DEFINE_FINAL_TYPE (TsPlayerPage, ts_player_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LIBRARY,
  PROP_TITLE,
  PROP_AUDIO_TRACK,
  PROP_SUBTITLE,
  N_PROPS
};

enum {
  SIGNAL_CLOSE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void show_controls (TsPlayerPage *self);
static void update_subtitle_menu (TsPlayerPage *self);

/* Position ------------------------------------------------------------------ */

static void
save_position (TsPlayerPage *self,
               gboolean      force)
{
  gint64 position = self->last_position;

  if (self->library == NULL || self->info_hash == NULL || !self->started)
    return;

  /* The periodic save skips a position that barely moved. */
  if (!force && self->saved_position >= 0 &&
      ABS (position - self->saved_position) < NS_PER_SECOND)
    return;

  self->saved_position = position;
  ts_library_set_position (self->library, self->info_hash, self->file_index,
                           position, self->last_duration);
}

static gboolean
save_timeout_cb (gpointer user_data)
{
  save_position (user_data, FALSE);

  return G_SOURCE_CONTINUE;
}

/* Controls ------------------------------------------------------------------ */

static gboolean
menus_open (TsPlayerPage *self)
{
  GtkPopover *audio = gtk_menu_button_get_popover (self->audio_button);
  GtkPopover *subtitle = gtk_menu_button_get_popover (self->subtitle_button);
  GtkPopover *more = gtk_menu_button_get_popover (self->more_button);

  return (audio != NULL && gtk_widget_get_visible (GTK_WIDGET (audio))) ||
         (subtitle != NULL && gtk_widget_get_visible (GTK_WIDGET (subtitle))) ||
         (more != NULL && gtk_widget_get_visible (GTK_WIDGET (more)));
}

static gboolean
can_hide_controls (TsPlayerPage *self)
{
  return ts_player_get_state (self->player) == TS_PLAYER_STATE_PLAYING &&
         self->over_controls == 0 &&
         !menus_open (self) &&
         !ts_seek_bar_get_dragging (self->seek_bar) &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "video") == 0;
}

static void
set_controls_revealed (TsPlayerPage *self,
                       gboolean      revealed)
{
  if (revealed)
    {
      gtk_widget_set_visible (self->header_bar, TRUE);
      gtk_widget_set_visible (self->controls, TRUE);
    }
  gtk_revealer_set_reveal_child (self->top_revealer, revealed);
  gtk_revealer_set_reveal_child (self->bottom_revealer, revealed);
  /* No pointer over a playing film either. */
  gtk_widget_set_cursor_from_name (self->overlay, revealed ? NULL : "none");
}

/* Once the controls have faded out they are hidden for real, so that
 * neither the focus nor assistive technologies find them; any key or
 * motion brings them back. */
static void
revealed_cb (GtkRevealer  *revealer,
             GParamSpec   *pspec,
             TsPlayerPage *self)
{
  GtkWidget *child = gtk_revealer_get_child (revealer);
  GtkRoot *root;
  GtkWidget *focus;

  if (gtk_revealer_get_child_revealed (revealer) || gtk_revealer_get_reveal_child (revealer))
    return;

  /* Keys keep working: the focus stays inside the page. */
  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus != NULL && gtk_widget_is_ancestor (focus, child))
    gtk_widget_grab_focus (self->overlay);

  gtk_widget_set_visible (child, FALSE);
}

static gboolean
hide_timeout_cb (gpointer user_data)
{
  TsPlayerPage *self = user_data;

  self->hide_id = 0;
  if (can_hide_controls (self))
    set_controls_revealed (self, FALSE);

  return G_SOURCE_REMOVE;
}

static void
schedule_hide (TsPlayerPage *self)
{
  g_clear_handle_id (&self->hide_id, g_source_remove);
  if (ts_player_get_state (self->player) == TS_PLAYER_STATE_PLAYING)
    self->hide_id = g_timeout_add_seconds (HIDE_CONTROLS_S, hide_timeout_cb, self);
}

static void
show_controls (TsPlayerPage *self)
{
  set_controls_revealed (self, TRUE);
  schedule_hide (self);
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           TsPlayerPage             *self)
{
  /* X11 sends a motion event when something appears under a still pointer,
   * such as the controls themselves. */
  if (fabs (x - self->motion_x) < 1.0 && fabs (y - self->motion_y) < 1.0)
    return;

  self->motion_x = x;
  self->motion_y = y;
  show_controls (self);
}

static void
controls_enter_cb (GtkEventControllerMotion *controller,
                   double                    x,
                   double                    y,
                   TsPlayerPage             *self)
{
  self->over_controls++;
}

static void
controls_leave_cb (GtkEventControllerMotion *controller,
                   TsPlayerPage             *self)
{
  if (self->over_controls > 0)
    self->over_controls--;
  schedule_hide (self);
}

/* Buffering ----------------------------------------------------------------- */

static void
update_buffering_text (TsPlayerPage *self)
{
  int percent = ts_player_get_buffering_percent (self->player);
  g_autofree char *label = NULL;
  g_autofree char *detail = NULL;

  if (percent < 100)
    /* Translators: waiting for data, e.g. “Buffering… 42 %”. */
    label = g_strdup_printf (_("Buffering… %d %%"), percent);
  else
    label = g_strdup (_("Buffering…"));
  gtk_label_set_text (self->buffering_label, label);

  /* While the film is still coming, how fast it comes. */
  if (self->file != NULL && self->torrent != NULL &&
      ts_torrent_file_get_bytes_done (self->file) < ts_torrent_file_get_size (self->file))
    {
      g_autofree char *rate = ts_format_rate (ts_torrent_get_download_rate (self->torrent));
      guint peers = ts_torrent_get_peers (self->torrent);

      /* Translators: download rate and peer count, e.g. “1.2 MB/s · 3 peers”. */
      detail = g_strdup_printf (ngettext ("%s · %u peer", "%s · %u peers", peers), rate, peers);
    }
  gtk_label_set_text (self->buffering_detail, detail != NULL ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->buffering_detail), detail != NULL);
}

static gboolean
buffering_timeout_cb (gpointer user_data)
{
  TsPlayerPage *self = user_data;

  self->buffering_id = 0;
  update_buffering_text (self);
  gtk_spinner_start (self->buffering_spinner);
  gtk_revealer_set_reveal_child (self->buffering_revealer, TRUE);

  return G_SOURCE_REMOVE;
}

static void
update_buffering (TsPlayerPage *self)
{
  gboolean buffering = ts_player_get_state (self->player) == TS_PLAYER_STATE_BUFFERING;

  if (buffering)
    {
      if (gtk_revealer_get_reveal_child (self->buffering_revealer))
        update_buffering_text (self);
      else if (self->buffering_id == 0)
        self->buffering_id = g_timeout_add (BUFFERING_DELAY_MS, buffering_timeout_cb, self);
    }
  else
    {
      g_clear_handle_id (&self->buffering_id, g_source_remove);
      gtk_revealer_set_reveal_child (self->buffering_revealer, FALSE);
      gtk_spinner_stop (self->buffering_spinner);
    }
}

/* Downloaded parts ------------------------------------------------------------ */

static void
update_ranges (TsPlayerPage *self)
{
  g_autoptr(GArray) ranges = NULL;
  g_autoptr(GArray) fractions = NULL;
  const char *uri = ts_player_get_uri (self->player);
  gint64 size;

  if (self->file == NULL)
    {
      /* A file on disk is all there; of a web address we know nothing. */
      static const double all[] = { 0.0, 1.0 };

      if (uri != NULL && g_str_has_prefix (uri, "file:"))
        ts_seek_bar_set_ranges (self->seek_bar, all, 1);
      else
        ts_seek_bar_set_ranges (self->seek_bar, NULL, 0);
      return;
    }

  size = ts_torrent_file_get_size (self->file);
  ranges = ts_torrent_get_file_ranges (self->torrent, self->file_index);
  fractions = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; ranges != NULL && size > 0 && i < ranges->len; i++)
    {
      const TsByteRange *range = &g_array_index (ranges, TsByteRange, i);
      double start = (double) range->offset / (double) size;
      double end = (double) (range->offset + range->length) / (double) size;

      g_array_append_val (fractions, start);
      g_array_append_val (fractions, end);
    }

  ts_seek_bar_set_ranges (self->seek_bar, (const double *) fractions->data, fractions->len / 2);
}

static gboolean
ranges_timeout_cb (gpointer user_data)
{
  TsPlayerPage *self = user_data;

  self->ranges_id = 0;
  update_ranges (self);

  return G_SOURCE_REMOVE;
}

static void
pieces_changed_cb (TsPlayerPage *self)
{
  /* Pieces arrive many times a second; redraw a couple of times. */
  if (self->ranges_id == 0)
    self->ranges_id = g_timeout_add (RANGES_INTERVAL_MS, ranges_timeout_cb, self);
}

static void
torrent_status_cb (TsPlayerPage *self)
{
  if (gtk_revealer_get_reveal_child (self->buffering_revealer))
    update_buffering_text (self);
}

/* Screensaver ----------------------------------------------------------------- */

static void
update_inhibit (TsPlayerPage *self)
{
  gboolean want = self->want_playing &&
                  ts_player_get_state (self->player) != TS_PLAYER_STATE_STOPPED &&
                  gtk_widget_get_mapped (GTK_WIDGET (self));

  if (want && self->inhibit_cookie == 0 && self->window != NULL)
    {
      GtkApplication *app = gtk_window_get_application (self->window);

      if (app == NULL)
        return;

      self->inhibit_cookie = gtk_application_inhibit (app, self->window,
                                                      GTK_APPLICATION_INHIBIT_IDLE |
                                                      GTK_APPLICATION_INHIBIT_SUSPEND,
                                                      _("Playing a film"));
      if (self->inhibit_cookie != 0)
        self->inhibit_app = g_object_ref (app);
    }
  else if (!want && self->inhibit_cookie != 0)
    {
      gtk_application_uninhibit (self->inhibit_app, self->inhibit_cookie);
      self->inhibit_cookie = 0;
      g_clear_object (&self->inhibit_app);
    }
}

/* Player state ---------------------------------------------------------------- */

static void
update_play_button (TsPlayerPage *self)
{
  const char *label = self->want_playing ? _("Pause") : _("Play");

  gtk_button_set_icon_name (self->play_button,
                            self->want_playing ? "media-playback-pause-symbolic"
                                               : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button),
                               self->want_playing ? _("Pause (Space)") : _("Play (Space)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static void
set_want_playing (TsPlayerPage *self,
                  gboolean      want_playing)
{
  if (self->want_playing == want_playing)
    return;

  self->want_playing = want_playing;
  update_play_button (self);
  update_inhibit (self);

  if (want_playing && self->save_id == 0)
    self->save_id = g_timeout_add_seconds (SAVE_INTERVAL_S, save_timeout_cb, self);
  else if (!want_playing)
    g_clear_handle_id (&self->save_id, g_source_remove);
}

static void
player_state_cb (TsPlayerPage *self)
{
  TsPlayerState state = ts_player_get_state (self->player);

  if (state == TS_PLAYER_STATE_PLAYING || state == TS_PLAYER_STATE_PAUSED)
    self->started = TRUE;

  update_buffering (self);
  update_inhibit (self);

  if (state == TS_PLAYER_STATE_PLAYING)
    schedule_hide (self);
  else
    {
      g_clear_handle_id (&self->hide_id, g_source_remove);
      set_controls_revealed (self, TRUE);
    }
}

static void
player_position_cb (TsPlayerPage *self)
{
  gint64 position = ts_player_get_position (self->player);

  if (ts_player_get_state (self->player) != TS_PLAYER_STATE_STOPPED)
    self->last_position = position;
  ts_seek_bar_set_position (self->seek_bar, position);
}

static void
player_duration_cb (TsPlayerPage *self)
{
  gint64 duration = ts_player_get_duration (self->player);
  g_autofree char *text = ts_seek_bar_format_time (duration);

  if (duration > 0)
    self->last_duration = duration;
  if (duration > 0 && self->reader != NULL)
    ts_stream_reader_set_duration (self->reader, duration);
  ts_seek_bar_set_duration (self->seek_bar, duration);
  /* Translators: a duration not known yet. */
  gtk_label_set_text (self->duration_label, duration > 0 ? text : C_("duration", "--:--"));
}

static void
seek_bar_position_cb (TsPlayerPage *self)
{
  g_autofree char *text = ts_seek_bar_format_time (ts_seek_bar_get_position (self->seek_bar));

  gtk_label_set_text (self->position_label, text);
}

static void
seek_bar_seek_cb (TsPlayerPage *self,
                  gint64        position)
{
  ts_player_seek (self->player, position);
  show_controls (self);
}

static void
update_volume_icon (TsPlayerPage *self)
{
  double volume = ts_player_get_volume (self->player);
  const char *icon;

  if (ts_player_get_muted (self->player) || volume <= 0.0)
    icon = "audio-volume-muted-symbolic";
  else if (volume < 0.34)
    icon = "audio-volume-low-symbolic";
  else if (volume < 0.67)
    icon = "audio-volume-medium-symbolic";
  else
    icon = "audio-volume-high-symbolic";

  gtk_button_set_icon_name (GTK_BUTTON (self->mute_button), icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->mute_button),
                               ts_player_get_muted (self->player) ? _("Unmute (M)")
                                                                  : _("Mute (M)"));
}

static void
show_error (TsPlayerPage *self,
            const char   *message)
{
  save_position (self, TRUE);
  set_want_playing (self, FALSE);
  g_clear_handle_id (&self->buffering_id, g_source_remove);
  gtk_revealer_set_reveal_child (self->buffering_revealer, FALSE);
  if (self->resume_toast != NULL)
    adw_toast_dismiss (self->resume_toast);
  if (self->window != NULL && gtk_window_is_fullscreen (self->window))
    gtk_window_unfullscreen (self->window);

  adw_window_title_set_title (self->error_title, self->title != NULL ? self->title : "");
  adw_status_page_set_description (self->error_page, message);
  gtk_stack_set_visible_child_name (self->stack, "error");
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
player_error_cb (TsPlayerPage *self,
                 const GError *error)
{
  g_debug ("Playback failed: %s", error->message);
  show_error (self, error->message);
}

static void
player_eos_cb (TsPlayerPage *self)
{
  /* The player waits on the last frame; Play starts over. */
  self->last_position = MAX (self->last_duration, self->last_position);
  save_position (self, TRUE);
  set_want_playing (self, FALSE);
  show_controls (self);
}

/* Tracks ---------------------------------------------------------------------- */

/* Which of playbin's text tracks comes from the external subtitle file: its
 * pad is fed by the uridecodebin that reads the suburi. Playbin names no
 * order for them. */
static int
external_text_track (TsPlayerPage *self)
{
  const char *suburi = ts_player_get_suburi (self->player);
  GstElement *playbin = ts_player_get_pipeline (self->player);
  int n = 0;

  if (suburi == NULL)
    return -1;

  g_object_get (playbin, "n-text", &n, NULL);
  for (int i = 0; i < n; i++)
    {
      g_autoptr(GstPad) pad = NULL;
      g_autoptr(GstPad) peer = NULL;
      g_autoptr(GstElement) element = NULL;

      g_signal_emit_by_name (playbin, "get-text-pad", i, &pad);
      if (pad == NULL || (peer = gst_pad_get_peer (pad)) == NULL)
        continue;

      element = gst_pad_get_parent_element (peer);
      while (element != NULL)
        {
          GstObject *parent;

          if (g_object_class_find_property (G_OBJECT_GET_CLASS (element), "uri") != NULL)
            {
              g_autofree char *uri = NULL;

              g_object_get (element, "uri", &uri, NULL);
              if (g_strcmp0 (uri, suburi) == 0)
                return i;
            }

          parent = gst_object_get_parent (GST_OBJECT (element));
          gst_object_unref (element);
          element = GST_IS_ELEMENT (parent) ? GST_ELEMENT (parent) : NULL;
          if (element == NULL && parent != NULL)
            gst_object_unref (parent);
        }
    }

  return -1;
}

static int
find_subtitle_file (TsPlayerPage *self,
                    const char   *uri)
{
  for (guint i = 0; uri != NULL && i < self->subtitle_files->len; i++)
    {
      SubtitleFile *sub = g_ptr_array_index (self->subtitle_files, i);

      if (g_strcmp0 (sub->uri, uri) == 0)
        return (int) i;
    }

  return -1;
}

static void
update_subtitle_state (TsPlayerPage *self)
{
  int current = ts_player_get_current_text (self->player);
  g_autofree char *subtitle = NULL;

  if (current < 0)
    subtitle = g_strdup ("off");
  else if (current == external_text_track (self) &&
           find_subtitle_file (self, ts_player_get_suburi (self->player)) >= 0)
    subtitle = g_strdup_printf ("file:%d",
                                find_subtitle_file (self, ts_player_get_suburi (self->player)));
  else
    subtitle = g_strdup_printf ("track:%d", current);

  if (g_strcmp0 (self->subtitle, subtitle) == 0)
    return;

  g_free (self->subtitle);
  self->subtitle = g_steal_pointer (&subtitle);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBTITLE]);
}

static void
text_tracks_changed_cb (TsPlayerPage *self)
{
  /* A subtitle file just loaded becomes the track shown. */
  if (self->pending_subtitle >= 0)
    {
      int track = external_text_track (self);

      if (track >= 0)
        {
          self->pending_subtitle = -1;
          ts_player_set_current_text (self->player, track);
          /* Playbin links the file's parser after the restart's seek has
           * gone by, and the parser then runs from 0: seek it again. */
          ts_player_seek (self->player, ts_player_get_position (self->player));
        }
    }

  update_subtitle_menu (self);
  update_subtitle_state (self);
}

static void
current_audio_cb (TsPlayerPage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUDIO_TRACK]);
}

static void
update_audio_menu (TsPlayerPage *self)
{
  GListModel *tracks = ts_player_get_audio_tracks (self->player);
  guint n = g_list_model_get_n_items (tracks);

  g_menu_remove_all (self->audio_section);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMenuItem) item = NULL;
      g_autoptr(GtkStringObject) label = g_list_model_get_item (tracks, i);

      item = g_menu_item_new (gtk_string_object_get_string (label), NULL);
      g_menu_item_set_action_and_target_value (item, "player.audio-track",
                                               g_variant_new_int32 ((gint32) i));
      g_menu_append_item (self->audio_section, item);
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->audio_button), n > 0);
}

static void
update_subtitle_menu (TsPlayerPage *self)
{
  GListModel *tracks = ts_player_get_text_tracks (self->player);
  guint n = g_list_model_get_n_items (tracks);
  int external = external_text_track (self);

  g_menu_remove_all (self->subtitle_tracks_section);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMenuItem) item = NULL;
      g_autoptr(GtkStringObject) label = NULL;
      g_autofree char *target = NULL;

      /* The loaded file is listed below under its own name. */
      if ((int) i == external)
        continue;

      label = g_list_model_get_item (tracks, i);
      target = g_strdup_printf ("track:%u", i);
      item = g_menu_item_new (gtk_string_object_get_string (label), NULL);
      g_menu_item_set_action_and_target_value (item, "player.subtitle",
                                               g_variant_new_string (target));
      g_menu_append_item (self->subtitle_tracks_section, item);
    }

  g_menu_remove_all (self->subtitle_files_section);
  for (guint i = 0; i < self->subtitle_files->len; i++)
    {
      SubtitleFile *sub = g_ptr_array_index (self->subtitle_files, i);
      g_autoptr(GMenuItem) item = NULL;
      g_autofree char *target = g_strdup_printf ("file:%u", i);

      item = g_menu_item_new (sub->label, NULL);
      g_menu_item_set_action_and_target_value (item, "player.subtitle",
                                               g_variant_new_string (target));
      g_menu_append_item (self->subtitle_files_section, item);
    }
}

static void select_subtitle_file (TsPlayerPage *self,
                                  guint         index);

static void
subtitle_ready_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TsPlayerPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ts_torrent_wait_range_finish (TS_TORRENT (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message =
            g_strdup_printf (_("The subtitles could not be downloaded: %s"), error->message);
          /* Toast titles are Pango markup in libadwaita 1.2. */
          g_autofree char *escaped = g_markup_escape_text (message, -1);
          AdwToast *toast = adw_toast_new (escaped);

          adw_toast_overlay_add_toast (self->toast_overlay, toast);
        }
      return;
    }

  /* Unless the user picked something else meanwhile. */
  if (self->pending_subtitle >= 0)
    select_subtitle_file (self, (guint) self->pending_subtitle);
}

static void
select_subtitle_file (TsPlayerPage *self,
                      guint         index)
{
  SubtitleFile *sub;

  g_return_if_fail (index < self->subtitle_files->len);

  sub = g_ptr_array_index (self->subtitle_files, index);
  self->pending_subtitle = (int) index;

  /* A subtitle file of the torrent is tiny: fetch it first, then load it. */
  if (sub->file != NULL &&
      ts_torrent_file_get_bytes_done (sub->file) < ts_torrent_file_get_size (sub->file))
    {
      TsTorrent *torrent = ts_torrent_file_get_torrent (sub->file);
      gint64 size = ts_torrent_file_get_size (sub->file);

      if (torrent == NULL)
        return;
      if (ts_torrent_file_get_priority (sub->file) < TS_FILE_PRIORITY_HIGH)
        ts_torrent_file_set_priority (sub->file, TS_FILE_PRIORITY_HIGH);
      ts_torrent_set_range_deadlines (torrent, ts_torrent_file_get_index (sub->file),
                                      0, size, 0, 100);
      ts_torrent_wait_range_async (torrent, ts_torrent_file_get_index (sub->file), 0, size,
                                   self->cancellable, subtitle_ready_cb, g_object_ref (self));
      return;
    }

  if (g_strcmp0 (ts_player_get_suburi (self->player), sub->uri) == 0)
    {
      int track = external_text_track (self);

      if (track >= 0)
        {
          self->pending_subtitle = -1;
          ts_player_set_current_text (self->player, track);
        }
      return;
    }

  /* Playbin reads it when it restarts; the track is picked once it shows. */
  ts_player_set_suburi (self->player, sub->uri);
  update_subtitle_menu (self);
}

static void
set_subtitle (TsPlayerPage *self,
              const char   *subtitle)
{
  guint64 index = 0;

  if (subtitle == NULL || g_strcmp0 (subtitle, "off") == 0)
    {
      self->pending_subtitle = -1;
      ts_player_set_current_text (self->player, -1);
    }
  else if (g_str_has_prefix (subtitle, "track:") &&
           g_ascii_string_to_unsigned (subtitle + 6, 10, 0, G_MAXINT, &index, NULL))
    {
      self->pending_subtitle = -1;
      ts_player_set_current_text (self->player, (int) index);
    }
  else if (g_str_has_prefix (subtitle, "file:") &&
           g_ascii_string_to_unsigned (subtitle + 5, 10, 0, G_MAXINT, &index, NULL) &&
           index < self->subtitle_files->len)
    select_subtitle_file (self, (guint) index);
  else
    g_warning ("Unknown subtitle choice “%s”", subtitle);

  update_subtitle_state (self);
}

static void
add_subtitle_file (TsPlayerPage  *self,
                   const char    *label,
                   const char    *uri,
                   TsTorrentFile *file)
{
  SubtitleFile *sub = g_new0 (SubtitleFile, 1);

  sub->label = g_strdup (label);
  sub->uri = g_strdup (uri);
  sub->file = file != NULL ? g_object_ref (file) : NULL;
  g_ptr_array_add (self->subtitle_files, sub);
}

static char *
strip_extension (const char *name)
{
  const char *dot = strrchr (name, '.');

  if (dot == NULL || dot == name)
    return g_strdup (name);

  return g_strndup (name, dot - name);
}

/* Subtitles of the torrent that belong to the film: named after it
 * (Film.srt, Film.en.srt, Film_English.vtt), or any of them when the
 * torrent holds a single video. */
static void
collect_torrent_subtitles (TsPlayerPage *self)
{
  GListModel *files = ts_torrent_get_files (self->torrent);
  guint n = g_list_model_get_n_items (files);
  g_autofree char *stem = strip_extension (ts_torrent_file_get_name (self->file));
  gsize stem_length = strlen (stem);
  guint n_videos = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if (ts_torrent_file_is_video (file))
        n_videos++;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);
      g_autofree char *path = NULL;
      g_autofree char *uri = NULL;
      const char *name;

      if (!ts_torrent_file_is_subtitle (file))
        continue;

      name = ts_torrent_file_get_name (file);
      if (n_videos > 1 &&
          !(g_ascii_strncasecmp (name, stem, stem_length) == 0 &&
            name[stem_length] != '\0' && strchr ("._- ", name[stem_length]) != NULL))
        continue;

      path = ts_torrent_file_dup_disk_path (file);
      uri = g_filename_to_uri (path, NULL, NULL);
      if (uri != NULL)
        add_subtitle_file (self, name, uri, file);
    }
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     TsPlayerPage    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *name = g_file_get_basename (file);
      int index = find_subtitle_file (self, uri);

      if (index < 0)
        {
          add_subtitle_file (self, name, uri, NULL);
          index = (int) self->subtitle_files->len - 1;
          update_subtitle_menu (self);
        }
      select_subtitle_file (self, (guint) index);
      update_subtitle_state (self);
    }

  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static void
open_subtitle_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TsPlayerPage *self = TS_PLAYER_PAGE (widget);
  g_autoptr(GtkFileFilter) subtitles = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  static const char * const patterns[] = { "*.srt", "*.vtt", "*.ass", "*.ssa", "*.sub", NULL };

  gtk_menu_button_popdown (self->subtitle_button);
  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }

  if (self->window != NULL && gtk_window_is_fullscreen (self->window))
    gtk_window_unfullscreen (self->window);

  gtk_file_filter_set_name (subtitles, _("Subtitles"));
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (subtitles, patterns[i]);
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");

  self->chooser = gtk_file_chooser_native_new (_("Open Subtitle File"), self->window,
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), subtitles);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
  gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (self->chooser), subtitles);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* Actions --------------------------------------------------------------------- */

static void
toggle_playback (TsPlayerPage *self)
{
  if (ts_player_get_uri (self->player) == NULL ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "video") != 0)
    return;

  if (self->want_playing)
    {
      ts_player_pause (self->player);
      set_want_playing (self, FALSE);
      save_position (self, TRUE);
    }
  else
    {
      ts_player_play (self->player);
      set_want_playing (self, TRUE);
    }
  show_controls (self);
}

static void
play_pause_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  toggle_playback (TS_PLAYER_PAGE (widget));
}

static void
seek_relative (TsPlayerPage *self,
               gint64        seconds)
{
  gint64 position = ts_seek_bar_get_position (self->seek_bar);

  if (!ts_player_get_seekable (self->player))
    return;

  position = MAX (position + seconds * NS_PER_SECOND, 0);
  if (ts_player_get_duration (self->player) > 0)
    position = MIN (position, ts_player_get_duration (self->player));
  ts_seek_bar_set_position (self->seek_bar, position);
  ts_player_seek (self->player, position);
  show_controls (self);
}

static void
seek_relative_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  seek_relative (TS_PLAYER_PAGE (widget), g_variant_get_int64 (parameter));
}

static void
start_over_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TsPlayerPage *self = TS_PLAYER_PAGE (widget);

  if (self->resume_toast != NULL)
    adw_toast_dismiss (self->resume_toast);
  ts_seek_bar_set_position (self->seek_bar, 0);
  ts_player_seek (self->player, 0);
  if (!self->want_playing)
    toggle_playback (self);
}

static void
change_volume (TsPlayerPage *self,
               double        delta)
{
  ts_player_set_volume (self->player, ts_player_get_volume (self->player) + delta);
  if (delta > 0)
    ts_player_set_muted (self->player, FALSE);
  show_controls (self);
}

/* Fullscreen ------------------------------------------------------------------ */

static void
toggle_fullscreen (TsPlayerPage *self)
{
  if (self->window == NULL)
    return;

  if (gtk_window_is_fullscreen (self->window))
    gtk_window_unfullscreen (self->window);
  else
    gtk_window_fullscreen (self->window);
}

static void
window_fullscreen_cb (TsPlayerPage *self)
{
  gboolean fullscreen = self->window != NULL && gtk_window_is_fullscreen (self->window);

  gtk_toggle_button_set_active (self->fullscreen_button, fullscreen);
  gtk_button_set_icon_name (GTK_BUTTON (self->fullscreen_button),
                            fullscreen ? "view-restore-symbolic" : "view-fullscreen-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->fullscreen_button),
                               fullscreen ? _("Leave Fullscreen (F)") : _("Fullscreen (F)"));
  /* A fullscreen film has no window to minimize or close. */
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (self->header_bar), !fullscreen);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (self->header_bar), !fullscreen);
  show_controls (self);
}

static void
fullscreen_toggled_cb (TsPlayerPage *self)
{
  gboolean active = gtk_toggle_button_get_active (self->fullscreen_button);

  /* The button follows the window (see window_fullscreen_cb): only a
   * difference is a request. */
  if (self->window == NULL || active == gtk_window_is_fullscreen (self->window))
    return;

  if (active)
    gtk_window_fullscreen (self->window);
  else
    gtk_window_unfullscreen (self->window);
}

/* Input ----------------------------------------------------------------------- */

static gboolean
single_click_cb (gpointer user_data)
{
  TsPlayerPage *self = user_data;

  self->click_id = 0;
  toggle_playback (self);

  return G_SOURCE_REMOVE;
}

static void
video_pressed_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  TsPlayerPage    *self)
{
  g_clear_handle_id (&self->click_id, g_source_remove);

  if (n_press == 2)
    toggle_fullscreen (self);
  else if (n_press == 1)
    {
      int double_click_ms = 400;

      /* A click pauses, but only once it is clear that it is no double-click. */
      g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)),
                    "gtk-double-click-time", &double_click_ms, NULL);
      self->click_id = g_timeout_add (double_click_ms, single_click_cb, self);
    }
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                TsPlayerPage          *self)
{
  /* Any key shows where the focus is going. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "video") == 0)
    show_controls (self);

  /* Keys in an open menu are the menu's, shortcuts with modifiers the
   * window's. */
  if (menus_open (self) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK)) != 0 ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "video") != 0)
    return GDK_EVENT_PROPAGATE;

  switch (keyval)
    {
    case GDK_KEY_space:
    case GDK_KEY_KP_Space:
    case GDK_KEY_AudioPlay:
    case GDK_KEY_AudioPause:
      toggle_playback (self);
      return GDK_EVENT_STOP;

    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      seek_relative (self, -SEEK_STEP_S);
      return GDK_EVENT_STOP;

    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      seek_relative (self, SEEK_STEP_S);
      return GDK_EVENT_STOP;

    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      change_volume (self, VOLUME_STEP);
      return GDK_EVENT_STOP;

    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      change_volume (self, -VOLUME_STEP);
      return GDK_EVENT_STOP;

    case GDK_KEY_m:
    case GDK_KEY_M:
    case GDK_KEY_AudioMute:
      ts_player_set_muted (self->player, !ts_player_get_muted (self->player));
      show_controls (self);
      return GDK_EVENT_STOP;

    case GDK_KEY_f:
    case GDK_KEY_F:
    case GDK_KEY_F11:
      toggle_fullscreen (self);
      return GDK_EVENT_STOP;

    case GDK_KEY_Escape:
      if (self->window != NULL && gtk_window_is_fullscreen (self->window))
        {
          gtk_window_unfullscreen (self->window);
          return GDK_EVENT_STOP;
        }
      return GDK_EVENT_PROPAGATE;

    default:
      return GDK_EVENT_PROPAGATE;
    }
}

static void
back_clicked_cb (TsPlayerPage *self)
{
  ts_player_page_stop (self);
  g_signal_emit (self, signals[SIGNAL_CLOSE], 0);
}

/* Stream URL -------------------------------------------------------------------- */

/* Only a film of a torrent has a stream URL (not a file picked from disk). */
static void
update_stream_actions (TsPlayerPage *self)
{
  gboolean enabled = self->file != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.copy-stream-url", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.open-external", enabled);
}

static void
page_toast (TsPlayerPage *self,
            const char   *message)
{
  /* Toast titles are Pango markup in libadwaita 1.2. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (escaped));
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
  TsPlayerPage *self = TS_PLAYER_PAGE (widget);
  TsApplication *app = get_application ();
  g_autofree char *message = NULL;

  if (self->file == NULL || app == NULL)
    return;

  message = ts_application_copy_stream_url (app, widget, self->file);
  page_toast (self, message);
}

static void
open_external_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TsPlayerPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_name = NULL;

  app_name = ts_application_open_external_finish (TS_APPLICATION (source), result, &error);
  if (app_name == NULL)
    {
      page_toast (self, error->message);
      return;
    }

  /* Two players on one film: ours makes way. */
  if (ts_player_get_state (self->player) == TS_PLAYER_STATE_PLAYING)
    toggle_playback (self);
}

static void
open_external_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TsPlayerPage *self = TS_PLAYER_PAGE (widget);
  TsApplication *app = get_application ();

  if (self->file == NULL || app == NULL)
    return;

  ts_application_open_external_async (app, widget, self->file, NULL, open_external_cb,
                                      g_object_ref (self));
}

/* Playback -------------------------------------------------------------------- */

static void
forget_film (TsPlayerPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->torrent != NULL)
    g_signal_handlers_disconnect_by_data (self->torrent, self);
  g_clear_object (&self->reader);
  g_clear_object (&self->torrent);
  if (self->held_hash != NULL && self->storage != NULL)
    ts_storage_manager_release (self->storage, self->held_hash);
  g_clear_pointer (&self->held_hash, g_free);
  g_clear_object (&self->file);
  update_stream_actions (self);
  g_clear_pointer (&self->info_hash, g_free);
  /* Subtitles belong to the film they were chosen for. */
  if (self->player != NULL)
    ts_player_set_suburi (self->player, NULL);
  g_ptr_array_set_size (self->subtitle_files, 0);
  self->pending_subtitle = -1;

  g_clear_handle_id (&self->ranges_id, g_source_remove);
  g_clear_handle_id (&self->click_id, g_source_remove);
  if (self->resume_toast != NULL)
    adw_toast_dismiss (self->resume_toast);
  g_clear_object (&self->resume_toast);
}

static void
set_title (TsPlayerPage *self,
           const char   *title,
           const char   *subtitle)
{
  if (g_strcmp0 (self->title, title) != 0)
    {
      g_free (self->title);
      self->title = g_strdup (title);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
    }

  adw_window_title_set_title (self->window_title, title != NULL ? title : "");
  adw_window_title_set_subtitle (self->window_title, subtitle != NULL ? subtitle : "");
}

static void
start (TsPlayerPage *self,
       const char   *uri,
       gint64        resume)
{
  self->cancellable = g_cancellable_new ();
  self->started = FALSE;
  self->last_position = MAX (resume, 0);
  self->last_duration = -1;
  self->saved_position = -1;

  gtk_stack_set_visible_child_name (self->stack, "video");
  ts_seek_bar_set_duration (self->seek_bar, -1);
  ts_seek_bar_set_position (self->seek_bar, 0);
  ts_player_set_uri (self->player, uri);
  player_duration_cb (self);
  update_ranges (self);
  update_subtitle_menu (self);
  update_subtitle_state (self);

  if (resume > 0)
    {
      g_autofree char *time = ts_seek_bar_format_time (resume);
      /* Translators: %s is a time in the film, e.g. “Resuming from 12:34”. */
      g_autofree char *text = g_strdup_printf (_("Resuming from %s"), time);

      ts_player_seek (self->player, resume);
      ts_seek_bar_set_position (self->seek_bar, resume);

      self->resume_toast = adw_toast_new (text);
      adw_toast_set_button_label (self->resume_toast, _("Start Over"));
      adw_toast_set_action_name (self->resume_toast, "player.start-over");
      adw_toast_set_timeout (self->resume_toast, 8);
      adw_toast_overlay_add_toast (self->toast_overlay, g_object_ref (self->resume_toast));
    }

  ts_player_play (self->player);
  set_want_playing (self, TRUE);
  show_controls (self);
  gtk_widget_grab_focus (self->overlay);
}

static gboolean
file_is_complete (TsTorrentFile *file)
{
  return ts_torrent_file_get_size (file) > 0 &&
         ts_torrent_file_get_bytes_done (file) >= ts_torrent_file_get_size (file);
}

static gint64
resume_position (TsPlayerPage *self)
{
  TsLibraryItem *item;
  gint64 position;
  gint64 duration = -1;

  if (self->library == NULL)
    return -1;

  position = ts_library_get_position (self->library, self->info_hash, self->file_index);
  if (position < RESUME_MIN)
    return -1;

  item = ts_library_lookup (self->library, self->info_hash);
  if (item != NULL && ts_library_item_get_last_file (item) == (int) self->file_index)
    duration = ts_library_item_get_duration (item);
  if (duration > 0 && (double) position >= RESUME_MAX_FRACTION * (double) duration)
    return -1;

  return position;
}

static void
compute_title (TsPlayerPage *self)
{
  TsLibraryItem *item = self->library != NULL ?
                        ts_library_lookup (self->library, self->info_hash) : NULL;
  GListModel *files = ts_torrent_get_files (self->torrent);
  const char *name = ts_torrent_get_name (self->torrent);
  g_autofree char *file_title = strip_extension (ts_torrent_file_get_name (self->file));
  g_autofree char *torrent_title = NULL;
  guint n_videos = 0;

  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if (ts_torrent_file_is_video (file))
        n_videos++;
    }

  if (item != NULL && *ts_library_item_get_title (item) != '\0')
    torrent_title = g_strdup (ts_library_item_get_title (item));
  else if (name != NULL && *name != '\0')
    torrent_title = ts_file_kind_from_path (name) == TS_FILE_KIND_VIDEO ?
                    strip_extension (name) : g_strdup (name);

  /* One film: its name. Several (episodes): the file, under the torrent's. */
  if (n_videos > 1 || torrent_title == NULL)
    set_title (self, file_title, torrent_title);
  else
    set_title (self, torrent_title, NULL);
}

/* Object ---------------------------------------------------------------------- */

static void
ts_player_page_root (GtkWidget *widget)
{
  TsPlayerPage *self = TS_PLAYER_PAGE (widget);
  GtkRoot *root;

  GTK_WIDGET_CLASS (ts_player_page_parent_class)->root (widget);

  root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (root))
    {
      self->window = GTK_WINDOW (root);
      g_signal_connect_object (root, "notify::fullscreened",
                               G_CALLBACK (window_fullscreen_cb), self, G_CONNECT_SWAPPED);
      window_fullscreen_cb (self);
    }
}

static void
ts_player_page_unroot (GtkWidget *widget)
{
  TsPlayerPage *self = TS_PLAYER_PAGE (widget);

  if (self->window != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->window, window_fullscreen_cb, self);
      self->window = NULL;
    }

  GTK_WIDGET_CLASS (ts_player_page_parent_class)->unroot (widget);
}

static void
ts_player_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ts_player_page_parent_class)->map (widget);

  update_inhibit (TS_PLAYER_PAGE (widget));
}

static void
ts_player_page_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ts_player_page_parent_class)->unmap (widget);

  update_inhibit (TS_PLAYER_PAGE (widget));
}

static void
ts_player_page_dispose (GObject *object)
{
  TsPlayerPage *self = TS_PLAYER_PAGE (object);

  /* A window closed during playback still remembers where it was. */
  if (self->player != NULL)
    {
      save_position (self, TRUE);
      g_signal_handlers_disconnect_by_data (self->player, self);
      ts_player_stop (self->player);
    }
  self->want_playing = FALSE;
  update_inhibit (self);
  forget_film (self);

  g_clear_handle_id (&self->hide_id, g_source_remove);
  g_clear_handle_id (&self->save_id, g_source_remove);
  g_clear_handle_id (&self->buffering_id, g_source_remove);
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_PLAYER_PAGE);

  g_clear_object (&self->player);
  g_clear_object (&self->library);
  g_clear_object (&self->storage);

  G_OBJECT_CLASS (ts_player_page_parent_class)->dispose (object);
}

static void
ts_player_page_finalize (GObject *object)
{
  TsPlayerPage *self = TS_PLAYER_PAGE (object);

  g_clear_pointer (&self->subtitle_files, g_ptr_array_unref);
  g_free (self->subtitle);
  g_free (self->title);

  G_OBJECT_CLASS (ts_player_page_parent_class)->finalize (object);
}

static void
ts_player_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TsPlayerPage *self = TS_PLAYER_PAGE (object);

  switch (prop_id)
    {
    case PROP_LIBRARY:
      g_value_set_object (value, self->library);
      break;

    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;

    case PROP_AUDIO_TRACK:
      g_value_set_int (value, ts_player_get_current_audio (self->player));
      break;

    case PROP_SUBTITLE:
      g_value_set_string (value, self->subtitle);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_player_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TsPlayerPage *self = TS_PLAYER_PAGE (object);

  switch (prop_id)
    {
    case PROP_LIBRARY:
      ts_player_page_set_library (self, g_value_get_object (value));
      break;

    case PROP_AUDIO_TRACK:
      ts_player_set_current_audio (self->player, MAX (g_value_get_int (value), -1));
      break;

    case PROP_SUBTITLE:
      set_subtitle (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_player_page_class_init (TsPlayerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_player_page_dispose;
  object_class->finalize = ts_player_page_finalize;
  object_class->get_property = ts_player_page_get_property;
  object_class->set_property = ts_player_page_set_property;

  widget_class->root = ts_player_page_root;
  widget_class->unroot = ts_player_page_unroot;
  widget_class->map = ts_player_page_map;
  widget_class->unmap = ts_player_page_unmap;

  properties[PROP_LIBRARY] =
    g_param_spec_object ("library", NULL, NULL, TS_TYPE_LIBRARY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUDIO_TRACK] =
    g_param_spec_int ("audio-track", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBTITLE] =
    g_param_spec_string ("subtitle", NULL, NULL, "off",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CLOSE] =
    g_signal_new ("close", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /* Idempotent; the player needs it, whoever made the page. */
  gst_init (NULL, NULL);
  g_type_ensure (TS_TYPE_SEEK_BAR);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ts-player-page");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/TorrentStream/ts-player-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, stack);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, overlay);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, picture);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, top_revealer);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, header_bar);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, window_title);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, buffering_revealer);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, buffering_spinner);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, buffering_label);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, buffering_detail);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, bottom_revealer);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, controls);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, position_label);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, seek_bar);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, duration_label);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, mute_button);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, volume_adjustment);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, play_button);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, more_button);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, audio_button);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, subtitle_button);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, fullscreen_button);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, error_title);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, audio_section);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, subtitle_tracks_section);
  gtk_widget_class_bind_template_child (widget_class, TsPlayerPage, subtitle_files_section);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, seek_bar_seek_cb);
  gtk_widget_class_bind_template_callback (widget_class, seek_bar_position_cb);
  gtk_widget_class_bind_template_callback (widget_class, fullscreen_toggled_cb);

  gtk_widget_class_install_action (widget_class, "player.play-pause", NULL, play_pause_action);
  gtk_widget_class_install_action (widget_class, "player.seek-relative", "x",
                                   seek_relative_action);
  gtk_widget_class_install_action (widget_class, "player.start-over", NULL, start_over_action);
  gtk_widget_class_install_action (widget_class, "player.open-subtitle", NULL,
                                   open_subtitle_action);
  gtk_widget_class_install_action (widget_class, "player.copy-stream-url", NULL,
                                   copy_stream_url_action);
  gtk_widget_class_install_action (widget_class, "player.open-external", NULL,
                                   open_external_action);
  gtk_widget_class_install_property_action (widget_class, "player.audio-track", "audio-track");
  gtk_widget_class_install_property_action (widget_class, "player.subtitle", "subtitle");
}

static void
ts_player_page_init (TsPlayerPage *self)
{
  GtkEventController *controller;
  GtkGesture *click;
  GtkWidget *open_button;
  GtkWidget *open_label;
  GtkPopover *popover;

  self->subtitle_files = g_ptr_array_new_with_free_func ((GDestroyNotify) subtitle_file_free);
  self->subtitle = g_strdup ("off");
  self->pending_subtitle = -1;
  self->saved_position = -1;
  self->last_duration = -1;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Player"),
                                  -1);

  self->player = ts_player_new ();
  gtk_picture_set_paintable (self->picture, ts_player_get_paintable (self->player));

  g_signal_connect_object (self->player, "notify::state", G_CALLBACK (player_state_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "notify::position", G_CALLBACK (player_position_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "notify::duration", G_CALLBACK (player_duration_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "notify::buffering-percent",
                           G_CALLBACK (update_buffering), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "notify::volume", G_CALLBACK (update_volume_icon),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "notify::muted", G_CALLBACK (update_volume_icon),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "notify::current-audio",
                           G_CALLBACK (current_audio_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "notify::current-text",
                           G_CALLBACK (update_subtitle_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "notify::suburi",
                           G_CALLBACK (text_tracks_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "error", G_CALLBACK (player_error_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "eos", G_CALLBACK (player_eos_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (ts_player_get_audio_tracks (self->player), "items-changed",
                           G_CALLBACK (update_audio_menu), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (ts_player_get_text_tracks (self->player), "items-changed",
                           G_CALLBACK (text_tracks_changed_cb), self, G_CONNECT_SWAPPED);

  g_object_bind_property (self->player, "volume", self->volume_adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->player, "muted", self->mute_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  /* Keys first, before a focused button takes Space or a slider the arrows. */
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (self->overlay, controller);

  g_signal_connect_object (self->top_revealer, "notify::child-revealed",
                           G_CALLBACK (revealed_cb), self, 0);
  g_signal_connect_object (self->bottom_revealer, "notify::child-revealed",
                           G_CALLBACK (revealed_cb), self, 0);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (controls_enter_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (controls_leave_cb), self);
  gtk_widget_add_controller (self->controls, controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (controls_enter_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (controls_leave_cb), self);
  gtk_widget_add_controller (self->header_bar, controller);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (video_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->picture), GTK_EVENT_CONTROLLER (click));

  /* A button rather than a menu item, so that it has a name of its own. */
  open_label = gtk_label_new (_("Open Subtitle File…"));
  gtk_label_set_xalign (GTK_LABEL (open_label), 0.0f);
  open_button = gtk_button_new ();
  gtk_button_set_child (GTK_BUTTON (open_button), open_label);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (open_button), "player.open-subtitle");
  gtk_widget_add_css_class (open_button, "flat");
  gtk_widget_add_css_class (open_button, "ts-menu-button");
  gtk_accessible_update_property (GTK_ACCESSIBLE (open_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Open subtitle file"),
                                  -1);
  popover = gtk_menu_button_get_popover (self->subtitle_button);
  gtk_popover_menu_add_child (GTK_POPOVER_MENU (popover), open_button, "open-subtitle");

  /* Controls stay while a menu is open; closing it restarts the count. */
  g_signal_connect_object (popover, "closed", G_CALLBACK (schedule_hide), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_menu_button_get_popover (self->audio_button), "closed",
                           G_CALLBACK (schedule_hide), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_menu_button_get_popover (self->more_button), "closed",
                           G_CALLBACK (schedule_hide), self, G_CONNECT_SWAPPED);

  update_play_button (self);
  update_volume_icon (self);
  update_audio_menu (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.play-pause", FALSE);
  update_stream_actions (self);
}

GtkWidget *
ts_player_page_new (void)
{
  return g_object_new (TS_TYPE_PLAYER_PAGE, NULL);
}

TsLibrary *
ts_player_page_get_library (TsPlayerPage *self)
{
  g_return_val_if_fail (TS_IS_PLAYER_PAGE (self), NULL);

  return self->library;
}

void
ts_player_page_set_library (TsPlayerPage *self,
                            TsLibrary    *library)
{
  g_return_if_fail (TS_IS_PLAYER_PAGE (self));
  g_return_if_fail (library == NULL || TS_IS_LIBRARY (library));

  if (g_set_object (&self->library, library))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIBRARY]);
}

void
ts_player_page_set_storage_manager (TsPlayerPage     *self,
                                    TsStorageManager *storage)
{
  g_return_if_fail (TS_IS_PLAYER_PAGE (self));
  g_return_if_fail (storage == NULL || TS_IS_STORAGE_MANAGER (storage));

  if (self->storage == storage)
    return;

  /* A hold is released where it was taken. */
  if (self->held_hash != NULL && self->storage != NULL)
    ts_storage_manager_release (self->storage, self->held_hash);
  g_clear_pointer (&self->held_hash, g_free);
  g_set_object (&self->storage, storage);
}

TsPlayer *
ts_player_page_get_player (TsPlayerPage *self)
{
  g_return_val_if_fail (TS_IS_PLAYER_PAGE (self), NULL);

  return self->player;
}

const char *
ts_player_page_get_title (TsPlayerPage *self)
{
  g_return_val_if_fail (TS_IS_PLAYER_PAGE (self), NULL);

  return self->title;
}

void
ts_player_page_play_file (TsPlayerPage *self,
                          TsTorrent    *torrent,
                          guint         file_index)
{
  TsTorrentFile *file;
  g_autofree char *uri = NULL;

  g_return_if_fail (TS_IS_PLAYER_PAGE (self));
  g_return_if_fail (TS_IS_TORRENT (torrent));

  ts_player_page_stop (self);

  self->torrent = g_object_ref (torrent);
  self->info_hash = g_strdup (ts_torrent_get_info_hash (torrent));
  self->file_index = file_index;
  /* The cache must not delete what is playing. */
  if (self->storage != NULL)
    {
      self->held_hash = g_strdup (self->info_hash);
      ts_storage_manager_hold (self->storage, self->held_hash);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.play-pause", TRUE);

  file = ts_torrent_get_file (torrent, file_index);
  if (file == NULL)
    {
      set_title (self, ts_torrent_get_name (torrent), NULL);
      show_error (self, ts_torrent_has_metadata (torrent) ?
                        _("This file is not part of the download.") :
                        _("The download has not found its list of files yet. Try again once "
                          "it has."));
      return;
    }
  self->file = g_object_ref (file);
  update_stream_actions (self);
  compute_title (self);

  if (file_is_complete (file))
    {
      /* On disk already: straight from the file, no waiting on pieces. */
      g_autofree char *path = ts_torrent_file_dup_disk_path (file);

      uri = g_filename_to_uri (path, NULL, NULL);
    }
  else
    {
      ts_torrent_src_register ();
      ts_torrent_src_set_session (ts_torrent_get_session (torrent));
      uri = ts_torrent_src_uri_for (file);

      /* Watching it means downloading it. */
      if (ts_torrent_file_get_priority (file) == TS_FILE_PRIORITY_SKIP)
        ts_torrent_file_set_priority (file, TS_FILE_PRIORITY_NORMAL);
      if (ts_torrent_get_paused (torrent))
        ts_torrent_resume (torrent);
      /* After the priorities, so that its deadlines are what the engine
       * fetches first. */
      self->reader = ts_stream_reader_get_for_file (file);
    }

  if (uri == NULL)
    {
      show_error (self, _("The file’s name cannot be used on this system."));
      return;
    }

  collect_torrent_subtitles (self);
  g_signal_connect_object (torrent, "pieces-changed", G_CALLBACK (pieces_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (torrent, "notify::download-rate", G_CALLBACK (torrent_status_cb),
                           self, G_CONNECT_SWAPPED);

  start (self, uri, resume_position (self));
}

void
ts_player_page_play_uri (TsPlayerPage *self,
                         const char   *uri,
                         const char   *title)
{
  g_autofree char *fallback = NULL;

  g_return_if_fail (TS_IS_PLAYER_PAGE (self));
  g_return_if_fail (uri != NULL);

  ts_player_page_stop (self);

  if (title == NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (uri);
      g_autofree char *basename = g_file_get_basename (file);

      fallback = basename != NULL ? strip_extension (basename) : g_strdup (uri);
    }
  set_title (self, title != NULL ? title : fallback, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.play-pause", TRUE);

  start (self, uri, -1);
}

void
ts_player_page_stop (TsPlayerPage *self)
{
  g_return_if_fail (TS_IS_PLAYER_PAGE (self));

  save_position (self, TRUE);
  ts_player_stop (self->player);
  set_want_playing (self, FALSE);
  forget_film (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.play-pause", FALSE);

  if (self->window != NULL && gtk_window_is_fullscreen (self->window))
    gtk_window_unfullscreen (self->window);
}
