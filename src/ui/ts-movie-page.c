/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "ts-backdrop.h"
#include "ts-catalog-provider.h"
#include "ts-movie.h"
#include "ts-movie-download.h"
#include "ts-movie-header-layout.h"
#include "ts-movie-page.h"
#include "ts-movie-text.h"
#include "ts-movie-torrent.h"
#include "ts-poster-cache.h"
#include "ts-session.h"
#include "ts-torrent.h"
#include "ts-torrent-file.h"
#include "ts-window.h"

/* The mouse's “back” button as X11 and Wayland number it. */
#define BACK_BUTTON 8

struct _TsMoviePage
{
  GtkWidget          parent_instance;

  TsMovie           *movie;
  TsCatalogProvider *provider;
  TsPosterCache     *poster_cache;
  TsSession         *session;

  /* Details and images; cancelled when the page goes away. */
  GCancellable      *cancellable;
  gboolean           loading_details;
  /* The versions in the order of the rows, and the chosen one. */
  GPtrArray         *choices;
  guint              chosen;
  /* The torrent of the chosen version, while it is in the session. */
  TsTorrent         *torrent;
  GBinding          *progress_binding;
  /* Adding to the session (the buttons wait). */
  gboolean           busy;
  /* Play was asked for before the file list of the torrent was known. */
  gboolean           play_pending;

  GtkWidget         *back_button;
  TsBackdrop        *backdrop;
  GtkWidget         *header_box;
  GtkImage          *poster_placeholder;
  GtkPicture        *poster;
  GtkLabel          *title_label;
  GtkWidget         *rating_badge;
  GtkLabel          *rating_label;
  GtkLabel          *facts_label;
  GtkWidget         *download_box;
  GtkLabel          *download_label;
  GtkProgressBar    *progress_bar;
  GtkWidget         *preload_button;
  GtkWidget         *downloads_button;
  GtkLabel          *synopsis_label;
  GtkStack          *torrents_stack;
  GtkSpinner        *details_spinner;
  AdwStatusPage     *details_error;
  GtkListBox        *torrents_list;
};

G_DEFINE_FINAL_TYPE (TsMoviePage, ts_movie_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MOVIE,
  PROP_PROVIDER,
  PROP_POSTER_CACHE,
  PROP_SESSION,
  PROP_TORRENT,
  N_PROPS
};

enum {
  BACK,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void load_details (TsMoviePage *self);

/* Toasts ------------------------------------------------------------------- */

static void
add_toast (TsMoviePage *self,
           const char  *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  if (overlay == NULL)
    {
      g_message ("%s", message);
      return;
    }

  /* Toast titles are Pango markup in libadwaita 1.2. */
  escaped = g_markup_escape_text (message, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

/* The chosen version and its download ------------------------------------- */

static TsMovieTorrent *
get_choice (TsMoviePage *self)
{
  if (self->chosen >= self->choices->len)
    return NULL;
  return g_ptr_array_index (self->choices, self->chosen);
}

/* Whether the chosen version's file is among what the torrent downloads: an
 * Internet Archive torrent holds every version of the film. */
static gboolean
choice_is_wanted (TsMoviePage *self)
{
  TsMovieTorrent *choice = get_choice (self);
  TsTorrentFile *file;

  if (self->torrent == NULL || choice == NULL)
    return FALSE;
  if (ts_movie_torrent_get_file_hint (choice) == NULL || !ts_torrent_has_metadata (self->torrent))
    return TRUE;

  file = ts_movie_download_find_file (ts_torrent_get_files (self->torrent),
                                      ts_movie_torrent_get_file_hint (choice));
  return file == NULL || ts_torrent_file_get_priority (file) > 0;
}

static void
update_actions (TsMoviePage *self)
{
  gboolean can_add = self->session != NULL && get_choice (self) != NULL && !self->busy;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "movie.play", can_add);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "movie.preload", can_add);
}

static void
update_download_state (TsMoviePage *self)
{
  TsTorrent *torrent = self->torrent;
  gboolean wanted = choice_is_wanted (self);
  g_autofree char *text = NULL;

  gtk_widget_set_visible (self->download_box, torrent != NULL);
  gtk_widget_set_visible (self->downloads_button, torrent != NULL);
  gtk_widget_set_visible (self->preload_button, !wanted);

  if (torrent == NULL)
    return;

  text = ts_movie_text_download_state (torrent);
  if (g_strcmp0 (gtk_label_get_label (self->download_label), text) != 0)
    gtk_label_set_label (self->download_label, text);

  if (ts_torrent_get_state (torrent) == TS_TORRENT_STATE_ERROR)
    gtk_widget_add_css_class (self->download_box, "error");
  else
    gtk_widget_remove_css_class (self->download_box, "error");
  if (ts_torrent_get_progress (torrent) >= 1.0)
    gtk_widget_add_css_class (self->download_box, "done");
  else
    gtk_widget_remove_css_class (self->download_box, "done");
}

/* Hands the chosen file to the window's player ("win.play"); without one,
 * says plainly that the film is only downloading. */
static void
play_torrent (TsMoviePage *self,
              TsTorrent   *torrent)
{
  TsMovieTorrent *choice = get_choice (self);
  TsTorrentFile *file = NULL;

  self->play_pending = FALSE;
  if (choice != NULL)
    file = ts_movie_download_find_file (ts_torrent_get_files (torrent),
                                        ts_movie_torrent_get_file_hint (choice));
  if (file == NULL)
    file = ts_torrent_get_main_video (torrent);
  if (file == NULL)
    {
      add_toast (self, _("This film has no video file that can be played"));
      return;
    }

  if (!gtk_widget_activate_action (GTK_WIDGET (self), "win.play", "(su)",
                                   ts_torrent_get_info_hash (torrent),
                                   ts_torrent_file_get_index (file)))
    add_toast (self, _("The film is downloading; play it from Downloads"));
}

static void
metadata_received_cb (TsMoviePage *self,
                      TsTorrent   *torrent)
{
  update_download_state (self);
  if (self->play_pending)
    play_torrent (self, torrent);
}

static void
set_torrent (TsMoviePage *self,
             TsTorrent   *torrent)
{
  if (self->torrent == torrent)
    {
      update_download_state (self);
      return;
    }

  if (self->torrent != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->torrent, self);
      g_clear_pointer (&self->progress_binding, g_binding_unbind);
    }
  g_set_object (&self->torrent, torrent);
  self->play_pending = FALSE;

  if (torrent != NULL)
    {
      g_signal_connect_object (torrent, "notify::state",
                               G_CALLBACK (update_download_state), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (torrent, "notify::progress",
                               G_CALLBACK (update_download_state), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (torrent, "notify::error-message",
                               G_CALLBACK (update_download_state), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (torrent, "metadata-received",
                               G_CALLBACK (metadata_received_cb), self, G_CONNECT_SWAPPED);
      self->progress_binding = g_object_bind_property (torrent, "progress",
                                                       self->progress_bar, "fraction",
                                                       G_BINDING_SYNC_CREATE);
    }

  update_download_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TORRENT]);
}

/* Follows the chosen version into the session and out of it. */
static void
track_choice (TsMoviePage *self)
{
  TsMovieTorrent *choice = get_choice (self);
  const char *info_hash = choice != NULL ? ts_movie_torrent_get_info_hash (choice) : NULL;
  TsTorrent *torrent = NULL;

  if (self->session != NULL && info_hash != NULL)
    torrent = ts_session_lookup (self->session, info_hash);
  if (torrent != NULL && ts_torrent_is_removed (torrent))
    torrent = NULL;
  set_torrent (self, torrent);
  update_actions (self);
}

static void
torrent_added_cb (TsMoviePage *self,
                  TsTorrent   *torrent)
{
  TsMovieTorrent *choice = get_choice (self);

  if (choice != NULL &&
      g_strcmp0 (ts_movie_torrent_get_info_hash (choice), ts_torrent_get_info_hash (torrent)) == 0)
    set_torrent (self, torrent);
}

static void
torrent_removed_cb (TsMoviePage *self,
                    TsTorrent   *torrent)
{
  if (torrent == self->torrent)
    set_torrent (self, NULL);
}

/* Versions ----------------------------------------------------------------- */

static void
choice_toggled_cb (GtkCheckButton *check,
                   TsMoviePage    *self)
{
  if (!gtk_check_button_get_active (check))
    return;

  self->chosen = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (check), "ts-index"));
  track_choice (self);
}

/* With the film already downloading, the version it downloads. */
static guint
find_downloading_choice (TsMoviePage *self)
{
  for (guint i = 0; self->session != NULL && i < self->choices->len; i++)
    {
      TsMovieTorrent *choice = g_ptr_array_index (self->choices, i);
      const char *info_hash = ts_movie_torrent_get_info_hash (choice);
      TsTorrent *torrent = info_hash != NULL ? ts_session_lookup (self->session, info_hash) : NULL;
      TsTorrentFile *file;

      if (torrent == NULL)
        continue;
      if (ts_movie_torrent_get_file_hint (choice) == NULL || !ts_torrent_has_metadata (torrent))
        return i;
      file = ts_movie_download_find_file (ts_torrent_get_files (torrent),
                                          ts_movie_torrent_get_file_hint (choice));
      if (file != NULL && ts_torrent_file_get_priority (file) > 0)
        return i;
    }
  return 0;
}

static void
rebuild_versions (TsMoviePage *self)
{
  GListModel *torrents = ts_movie_get_torrents (self->movie);
  GtkCheckButton *group = NULL;
  GtkWidget *child;
  guint n = g_list_model_get_n_items (torrents);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->torrents_list))) != NULL)
    gtk_list_box_remove (self->torrents_list, child);
  g_ptr_array_set_size (self->choices, 0);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->choices, g_list_model_get_item (torrents, i));
  self->chosen = find_downloading_choice (self);

  for (guint i = 0; i < n; i++)
    {
      TsMovieTorrent *choice = g_ptr_array_index (self->choices, i);
      g_autofree char *details = ts_movie_text_torrent_details (choice);
      g_autofree char *title = g_markup_escape_text (ts_movie_torrent_get_label (choice), -1);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      if (details != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), details);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      if (group != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
      else
        group = GTK_CHECK_BUTTON (check);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), i == self->chosen);
      g_object_set_data (G_OBJECT (check), "ts-index", GUINT_TO_POINTER (i));
      g_signal_connect (check, "toggled", G_CALLBACK (choice_toggled_cb), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      gtk_list_box_append (self->torrents_list, row);
    }

  track_choice (self);
}

/* What the catalog says -------------------------------------------------- */

typedef void (*ImageFunc) (TsMoviePage *self,
                           GdkTexture  *texture);

/* Loads do not keep the page alive; it cancels them when it goes. */
typedef struct
{
  GWeakRef  self;
  ImageFunc func;
} ImageLoad;

static void
image_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ImageLoad *load = user_data;
  g_autoptr(TsMoviePage) self = g_weak_ref_get (&load->self);
  ImageFunc func = load->func;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  g_weak_ref_clear (&load->self);
  g_free (load);
  texture = ts_poster_cache_load_finish (TS_POSTER_CACHE (object), result, &error);
  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not load an image of the film: %s", error->message);
      return;
    }
  if (self != NULL)
    func (self, texture);
}

static void
load_image (TsMoviePage *self,
            const char  *url,
            ImageFunc    func)
{
  g_autoptr(GdkTexture) texture = NULL;
  ImageLoad *load;

  if (self->poster_cache == NULL || url == NULL || *url == '\0')
    return;

  texture = ts_poster_cache_lookup (self->poster_cache, url);
  if (texture != NULL)
    {
      func (self, texture);
      return;
    }

  load = g_new0 (ImageLoad, 1);
  g_weak_ref_init (&load->self, self);
  load->func = func;
  ts_poster_cache_load_async (self->poster_cache, url, self->cancellable,
                              image_loaded_cb, load);
}

static void
show_poster (TsMoviePage *self,
             GdkTexture  *texture)
{
  gtk_picture_set_paintable (self->poster, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (self->poster_placeholder), FALSE);
  /* Without a backdrop, the poster's colour washes the header. */
  ts_backdrop_set_poster (self->backdrop, texture);
}

static void
show_backdrop (TsMoviePage *self,
               GdkTexture  *texture)
{
  ts_backdrop_set_texture (self->backdrop, texture);
}

static void
load_images (TsMoviePage *self)
{
  load_image (self, ts_movie_get_poster_url (self->movie), show_poster);
  load_image (self, ts_movie_get_backdrop_url (self->movie), show_backdrop);
}

static void
update_facts (TsMoviePage *self)
{
  g_autofree char *facts = ts_movie_text_facts (self->movie);
  g_autofree char *rating = ts_movie_text_rating (ts_movie_get_rating (self->movie));
  const char *synopsis = ts_movie_get_synopsis (self->movie);

  gtk_label_set_label (self->title_label, ts_movie_get_title (self->movie));
  gtk_label_set_label (self->facts_label, facts);
  gtk_widget_set_visible (GTK_WIDGET (self->facts_label), facts != NULL && *facts != '\0');
  gtk_label_set_label (self->rating_label, rating);
  gtk_widget_set_visible (self->rating_badge, rating != NULL);
  if (rating != NULL)
    {
      /* Translators: the accessible name of a rating; %s is like “7.4”. */
      g_autofree char *name = g_strdup_printf (_("Rated %s out of 10"), rating);

      gtk_accessible_update_property (GTK_ACCESSIBLE (self->rating_badge),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
    }
  gtk_label_set_label (self->synopsis_label, synopsis);
  gtk_widget_set_visible (GTK_WIDGET (self->synopsis_label),
                          synopsis != NULL && *synopsis != '\0');
}

static void
show_versions_state (TsMoviePage *self,
                     const char  *name)
{
  gtk_spinner_set_spinning (self->details_spinner, g_str_equal (name, "loading"));
  gtk_stack_set_visible_child_name (self->torrents_stack, name);
}

static void
details_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(TsMoviePage) self = g_weak_ref_get (weak);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_weak_ref_clear (weak);
  g_free (weak);
  ok = ts_catalog_provider_details_finish (TS_CATALOG_PROVIDER (object), result, &error);
  if (self == NULL)
    return;

  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->loading_details = FALSE;
      g_debug ("Details of %s: %s", ts_movie_get_id (self->movie), error->message);

      /* What the list brought may be enough to download the film. */
      if (g_list_model_get_n_items (ts_movie_get_torrents (self->movie)) > 0)
        {
          g_autofree char *message =
            g_strdup_printf (_("Could not load the film’s details: %s"), error->message);

          add_toast (self, message);
          rebuild_versions (self);
          show_versions_state (self, "list");
          return;
        }
      adw_status_page_set_description (self->details_error, error->message);
      show_versions_state (self, "error");
      return;
    }

  self->loading_details = FALSE;
  update_facts (self);
  load_images (self);
  rebuild_versions (self);
  show_versions_state (self, "list");
}

static void
load_details (TsMoviePage *self)
{
  GWeakRef *weak;

  if (self->loading_details)
    return;

  if (self->provider == NULL || ts_movie_get_has_details (self->movie))
    {
      rebuild_versions (self);
      if (self->choices->len > 0)
        {
          show_versions_state (self, "list");
          return;
        }
      adw_status_page_set_description (self->details_error,
                                       _("The catalog lists no torrent for this film."));
      show_versions_state (self, "error");
      return;
    }

  self->loading_details = TRUE;
  show_versions_state (self, "loading");
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  ts_catalog_provider_details_async (self->provider, self->movie, self->cancellable,
                                     details_cb, weak);
}

/* Actions ------------------------------------------------------------------ */

typedef struct
{
  GWeakRef  page;
  gboolean  streaming;
  char     *title;
} AddData;

static void
add_data_free (AddData *data)
{
  g_weak_ref_clear (&data->page);
  g_free (data->title);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AddData, add_data_free)

static void
download_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(AddData) data = user_data;
  g_autoptr(TsMoviePage) self = g_weak_ref_get (&data->page);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  /* The download goes on when the page has gone. */
  torrent = ts_movie_download_finish (TS_SESSION (object), result, &error);
  if (self == NULL)
    return;

  self->busy = FALSE;
  update_actions (self);

  if (torrent == NULL)
    {
      /* Translators: %s says why, e.g. “Could not connect”. */
      message = g_strdup_printf (_("Could not download the film: %s"), error->message);
      add_toast (self, message);
      return;
    }

  set_torrent (self, torrent);
  if (!data->streaming)
    {
      /* Translators: a toast; %s is a film title. */
      message = g_strdup_printf (_("Preloading %s"), data->title);
      add_toast (self, message);
      return;
    }

  /* A magnet link: the film file is known once the metadata arrives. */
  if (ts_torrent_has_metadata (torrent))
    play_torrent (self, torrent);
  else
    self->play_pending = TRUE;
}

static void
start_download (TsMoviePage *self,
                gboolean     streaming)
{
  TsMovieTorrent *choice = get_choice (self);
  AddData *data;

  if (self->session == NULL || choice == NULL || self->busy)
    return;

  data = g_new0 (AddData, 1);
  g_weak_ref_init (&data->page, self);
  data->streaming = streaming;
  data->title = g_strdup (ts_movie_get_title (self->movie));

  self->busy = TRUE;
  update_actions (self);
  /* Not cancelled with the page: the person asked for the download. */
  ts_movie_download_async (self->session, choice, streaming, NULL, download_cb, data);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  g_signal_emit (widget, signals[BACK], 0);
}

static void
play_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  start_download (TS_MOVIE_PAGE (widget), TRUE);
}

static void
preload_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  start_download (TS_MOVIE_PAGE (widget), FALSE);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  load_details (TS_MOVIE_PAGE (widget));
}

static void
show_downloads_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (TS_IS_WINDOW (root))
    ts_window_show_downloads (TS_WINDOW (root));
}

static void
back_button_pressed_cb (GtkGestureClick *gesture,
                        int              n_press,
                        double           x,
                        double           y,
                        TsMoviePage     *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  g_signal_emit (self, signals[BACK], 0);
}

/* GObject ------------------------------------------------------------------ */

/* Keyboard users start at Back, where Escape and Tab make sense. */
static gboolean
ts_movie_page_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (TS_MOVIE_PAGE (widget)->back_button);
}

static void
ts_movie_page_constructed (GObject *object)
{
  TsMoviePage *self = TS_MOVIE_PAGE (object);

  G_OBJECT_CLASS (ts_movie_page_parent_class)->constructed (object);

  g_return_if_fail (TS_IS_MOVIE (self->movie));

  if (self->session != NULL)
    {
      g_signal_connect_object (self->session, "torrent-added",
                               G_CALLBACK (torrent_added_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->session, "torrent-removed",
                               G_CALLBACK (torrent_removed_cb), self, G_CONNECT_SWAPPED);
    }

  update_facts (self);
  load_images (self);
  update_actions (self);
  load_details (self);
}

static void
ts_movie_page_dispose (GObject *object)
{
  TsMoviePage *self = TS_MOVIE_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  if (self->torrent != NULL)
    g_signal_handlers_disconnect_by_data (self->torrent, self);
  g_clear_pointer (&self->progress_binding, g_binding_unbind);
  g_clear_object (&self->torrent);
  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_MOVIE_PAGE);
  /* Template children that are not bound are still ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (ts_movie_page_parent_class)->dispose (object);
}

static void
ts_movie_page_finalize (GObject *object)
{
  TsMoviePage *self = TS_MOVIE_PAGE (object);

  g_clear_pointer (&self->choices, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->movie);
  g_clear_object (&self->provider);
  g_clear_object (&self->poster_cache);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (ts_movie_page_parent_class)->finalize (object);
}

static void
ts_movie_page_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TsMoviePage *self = TS_MOVIE_PAGE (object);

  switch (prop_id)
    {
    case PROP_MOVIE:
      g_value_set_object (value, self->movie);
      break;
    case PROP_PROVIDER:
      g_value_set_object (value, self->provider);
      break;
    case PROP_POSTER_CACHE:
      g_value_set_object (value, self->poster_cache);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_TORRENT:
      g_value_set_object (value, self->torrent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_movie_page_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TsMoviePage *self = TS_MOVIE_PAGE (object);

  switch (prop_id)
    {
    case PROP_MOVIE:
      self->movie = g_value_dup_object (value);
      break;
    case PROP_PROVIDER:
      self->provider = g_value_dup_object (value);
      break;
    case PROP_POSTER_CACHE:
      self->poster_cache = g_value_dup_object (value);
      break;
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_movie_page_class_init (TsMoviePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = ts_movie_page_constructed;
  object_class->dispose = ts_movie_page_dispose;
  object_class->finalize = ts_movie_page_finalize;
  object_class->get_property = ts_movie_page_get_property;
  object_class->set_property = ts_movie_page_set_property;
  widget_class->grab_focus = ts_movie_page_grab_focus;

  properties[PROP_MOVIE] =
    g_param_spec_object ("movie", NULL, NULL, TS_TYPE_MOVIE, construct);
  properties[PROP_PROVIDER] =
    g_param_spec_object ("provider", NULL, NULL, TS_TYPE_CATALOG_PROVIDER, construct);
  properties[PROP_POSTER_CACHE] =
    g_param_spec_object ("poster-cache", NULL, NULL, TS_TYPE_POSTER_CACHE, construct);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, TS_TYPE_SESSION, construct);
  properties[PROP_TORRENT] =
    g_param_spec_object ("torrent", NULL, NULL, TS_TYPE_TORRENT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[BACK] = g_signal_new ("back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "movie.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "movie.play", NULL, play_action);
  gtk_widget_class_install_action (widget_class, "movie.preload", NULL, preload_action);
  gtk_widget_class_install_action (widget_class, "movie.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "movie.show-downloads", NULL,
                                   show_downloads_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "movie.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                       "movie.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Left, GDK_ALT_MASK,
                                       "movie.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Back, 0, "movie.back", NULL);

  g_type_ensure (TS_TYPE_BACKDROP);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "moviepage");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/TorrentStream/ts-movie-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, back_button);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, backdrop);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, header_box);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, poster_placeholder);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, poster);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, title_label);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, rating_badge);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, rating_label);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, facts_label);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, download_box);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, download_label);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, preload_button);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, downloads_button);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, synopsis_label);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, torrents_stack);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, details_spinner);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, details_error);
  gtk_widget_class_bind_template_child (widget_class, TsMoviePage, torrents_list);
}

static void
ts_movie_page_init (TsMoviePage *self)
{
  GtkGesture *gesture;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->choices = g_ptr_array_new_with_free_func (g_object_unref);

  /* Poster beside the text, or above it on a narrow screen. */
  gtk_widget_set_layout_manager (self->header_box, ts_movie_header_layout_new (24, 320));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), BACK_BUTTON);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (gesture), GTK_PHASE_CAPTURE);
  g_signal_connect (gesture, "pressed", G_CALLBACK (back_button_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}

GtkWidget *
ts_movie_page_new (TsMovie           *movie,
                   TsCatalogProvider *provider,
                   TsPosterCache     *poster_cache,
                   TsSession         *session)
{
  g_return_val_if_fail (TS_IS_MOVIE (movie), NULL);
  g_return_val_if_fail (provider == NULL || TS_IS_CATALOG_PROVIDER (provider), NULL);
  g_return_val_if_fail (poster_cache == NULL || TS_IS_POSTER_CACHE (poster_cache), NULL);
  g_return_val_if_fail (session == NULL || TS_IS_SESSION (session), NULL);

  return g_object_new (TS_TYPE_MOVIE_PAGE,
                       "movie", movie,
                       "provider", provider,
                       "poster-cache", poster_cache,
                       "session", session,
                       NULL);
}

TsMovie *
ts_movie_page_get_movie (TsMoviePage *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_PAGE (self), NULL);

  return self->movie;
}

TsTorrent *
ts_movie_page_get_torrent (TsMoviePage *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_PAGE (self), NULL);

  return self->torrent;
}
