/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ts-application.h"
#include "ts-browse-page.h"
#include "ts-catalog-page.h"
#include "ts-catalog-provider.h"
#include "ts-catalog-query.h"
#include "ts-continue-row.h"
#include "ts-movie.h"
#include "ts-movie-page.h"
#include "ts-movie-tile.h"
#include "ts-poster-cache.h"
#include "ts-session.h"

/* The next page is fetched when the end is this many screens away. */
#define PREFETCH_SCREENS 2.0
/* As in ts-browse-page.ui: wider, the cells grow instead. */
#define MAX_COLUMNS      12
/* Posters load for the screen in view and this many screens above and
 * below it, not for every tile the grid keeps bound (see fit_columns). */
#define POSTER_SCREENS   1.5
/* The memory cache keeps the posters of this many screens of tiles: those
 * near the view, which the tiles hold anyway, and some more, so that
 * turning back shows them at once. A fixed 200 had the memory grow for the
 * first 500 films where 10 were on screen. */
#define POSTER_MEMORY_SCREENS 6
/* Frames to wait for the grid to lay tiles out in view. */
#define POSTER_TRIES 30

/* The minimum ratings the drop-down offers, in its order. */
static const double min_ratings[] = { 0, 5, 6, 7, 8, 9 };

/* The catalog-provider values, in the order of the drop-down. */
static const char * const provider_ids[] = { "archive", "yts" };

struct _TsBrowsePage
{
  GtkWidget          parent_instance;

  TsSession         *session;
  GSettings         *settings;
  TsCatalogProvider *provider;
  TsPosterCache     *poster_cache;
  TsCatalogQuery    *query;
  gboolean           started;
  guint              provider_idle_id;

  /* The films shown, and their ids (pages may overlap when the catalog
   * changes between two requests). */
  GListStore        *movies;
  GHashTable        *movie_ids;

  /* The requests of the current query; a new query cancels them. */
  GCancellable      *cancellable;
  guint              generation;
  guint              next_page;
  gboolean           has_more;
  gboolean           loading;
  /* Loading a further page failed: wait for Retry. */
  gboolean           page_failed;
  AdwToast          *page_toast;
  /* Filling the drop-downs in code: not a new query. */
  gboolean           updating_filters;
  /* Checks the scroll position once new films are laid out. */
  guint              check_tick_id;
  gboolean           check_tick_seen;
  guint              posters_tick_id;
  guint              posters_tries;
  /* The grid's list items, from setup to teardown (not owned). */
  GPtrArray         *list_items;
  gboolean           relaying_out;
  /* Between the frame clock's before-paint and after-paint: GTK lays the
   * grid out itself then (see relayout_grid ()). */
  GdkFrameClock     *paint_clock;
  gulong             before_paint_handler;
  gulong             after_paint_handler;
  gboolean           in_frame;

  /* TS_BENCH_TRACE: the frame clock watched, and the screen last reported. */
  GdkFrameClock     *trace_clock;
  gulong             trace_handler;
  double             trace_value;
  guint              trace_items;

  GtkWidget         *movie_page;

  AdwToastOverlay   *toast_overlay;
  AdwLeaflet        *leaflet;
  GtkWidget         *grid_page;
  GtkSearchEntry    *search_entry;
  GtkDropDown       *sort_dropdown;
  GtkDropDown       *genre_dropdown;
  GtkDropDown       *rating_dropdown;
  GtkDropDown       *provider_dropdown;
  GtkRevealer       *offline_revealer;
  GtkLabel          *offline_label;
  GtkStack          *content_stack;
  GtkSpinner        *loading_spinner;
  GtkScrolledWindow *scroller;
  GtkGridView       *grid;
  GtkRevealer       *more_revealer;
  GtkSpinner        *more_spinner;
  AdwStatusPage     *error_page;
};

G_DEFINE_FINAL_TYPE (TsBrowsePage, ts_browse_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_PROVIDER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* TS_BENCH_TRACE is set (bench/browse-bench.py). */
static gboolean bench_trace;

static void fetch_next_page (TsBrowsePage *self);
static void reload          (TsBrowsePage *self);

/* States ------------------------------------------------------------------- */

static void
show_content (TsBrowsePage *self,
              const char   *name)
{
  gtk_spinner_set_spinning (self->loading_spinner, g_str_equal (name, "loading"));
  gtk_stack_set_visible_child_name (self->content_stack, name);
}

static void
show_error (TsBrowsePage *self,
            const GError *error)
{
  adw_status_page_set_description (self->error_page, error->message);
  show_content (self, "error");
}

static void
set_more_loading (TsBrowsePage *self,
                  gboolean      loading)
{
  gtk_spinner_set_spinning (self->more_spinner, loading);
  gtk_revealer_set_reveal_child (self->more_revealer, loading);
}

static void
show_offline (TsBrowsePage  *self,
              TsCatalogPage *page)
{
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *date = NULL;
  g_autofree char *text = NULL;

  when = g_date_time_new_from_unix_local (ts_catalog_page_get_fetched_at (page));
  if (when != NULL)
    date = g_date_time_format (when, "%x");
  if (date != NULL)
    /* Translators: %s is a date. */
    text = g_strdup_printf (_("You are offline. These films were saved on %s."), date);
  else
    text = g_strdup (_("You are offline. These films were saved earlier."));

  gtk_label_set_label (self->offline_label, text);
  gtk_revealer_set_reveal_child (self->offline_revealer, TRUE);
}

static void
dismiss_page_toast (TsBrowsePage *self)
{
  if (self->page_toast != NULL)
    adw_toast_dismiss (self->page_toast);
  g_clear_object (&self->page_toast);
}

/* Loading pages ------------------------------------------------------------ */

/* A request does not keep the page alive: the page cancels its requests
 * when it goes. */
typedef struct
{
  GWeakRef  self;
  guint     generation;
  guint     page;
  GError   *error;
} Request;

static Request *
request_new (TsBrowsePage *self,
             guint         page)
{
  Request *request = g_new0 (Request, 1);

  g_weak_ref_init (&request->self, self);
  request->generation = self->generation;
  request->page = page;
  return request;
}

static void
request_free (Request *request)
{
  g_weak_ref_clear (&request->self);
  g_clear_error (&request->error);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

/* The page, if the answer is still wanted. */
static TsBrowsePage *
request_get_page (Request      *request,
                  const GError *error)
{
  TsBrowsePage *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;
  self = g_weak_ref_get (&request->self);
  if (self != NULL && request->generation != self->generation)
    g_clear_object (&self);
  return self;
}

static void
check_scroll (TsBrowsePage *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  double page_size = gtk_adjustment_get_page_size (adjustment);
  double remaining = gtk_adjustment_get_upper (adjustment)
                     - gtk_adjustment_get_value (adjustment) - page_size;

  if (page_size <= 0)
    return;
  if (remaining < PREFETCH_SCREENS * page_size)
    fetch_next_page (self);
}

/* The grid's widget holding @item's tile, NULL before it has one. */
static GtkWidget *
item_cell (GtkListItem *item)
{
  return gtk_widget_get_parent (gtk_list_item_get_child (item));
}

/* GtkGridView keeps 30 rows of tiles bound around the place in view, 30
 * times its max-columns whatever the width: with 12, some 360 tiles with
 * their posters, loaded and drawn, where 10 were on screen. So max-columns
 * follows the width: as many cells as fit, measured as the grid measures
 * them (the tile and its padding in style.css), never more than it shows.
 * Until the first tile is made the template's MAX_COLUMNS stays. */
static gboolean
fit_columns (TsBrowsePage *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_hadjustment (self->scroller);
  double width = gtk_adjustment_get_page_size (adjustment);
  GtkWidget *cell = NULL;
  int min, nat;
  guint columns;

  for (guint i = 0; i < self->list_items->len && cell == NULL; i++)
    cell = item_cell (g_ptr_array_index (self->list_items, i));
  if (width <= 0 || cell == NULL)
    return FALSE;

  gtk_widget_measure (cell, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  if (gtk_scrollable_get_hscroll_policy (GTK_SCROLLABLE (self->grid)) == GTK_SCROLL_NATURAL)
    min = nat;
  columns = CLAMP ((guint) (width / MAX (min, 1)), 1, MAX_COLUMNS);
  if (columns == gtk_grid_view_get_max_columns (self->grid))
    return FALSE;
  gtk_grid_view_set_max_columns (self->grid, columns);
  return TRUE;
}

#if !GTK_CHECK_VERSION (4, 10, 0)
/* GTK 4.8's GtkGridView moves the range of tiles it keeps bound as soon as
 * the scroll position changes, but sizes its rows only when it is laid
 * out: a second change before that (a fast mouse wheel gives several in a
 * frame) looked for the new place among rows that no longer matched their
 * tiles. It warned "ran out of items" and "failed to scroll", and the view
 * leapt ahead or went blank. Laying the grid out again right after each
 * change keeps the two in step (GTK 4.10 rewrote this part). */
static void
relayout_grid (TsBrowsePage *self)
{
  GtkWidget *grid = GTK_WIDGET (self->grid);
  GtkAllocation allocation;

  /* Laying out sets the position again, which comes back here; during a
   * frame's layout GTK lays the grid out itself, and a change from its
   * update phase (kinetic scrolling) is alone before that layout. */
  if (self->relaying_out || self->in_frame || !gtk_widget_get_mapped (grid))
    return;
  self->relaying_out = TRUE;
  gtk_widget_get_allocation (grid, &allocation);
  gtk_widget_size_allocate (grid, &allocation, -1);
  self->relaying_out = FALSE;
}

static void
frame_started_cb (TsBrowsePage *self)
{
  self->in_frame = TRUE;
}

static void
frame_ended_cb (TsBrowsePage *self)
{
  self->in_frame = FALSE;
}

static void
watch_frames (TsBrowsePage  *self,
              GdkFrameClock *clock)
{
  if (self->paint_clock != NULL)
    {
      g_clear_signal_handler (&self->before_paint_handler, self->paint_clock);
      g_clear_signal_handler (&self->after_paint_handler, self->paint_clock);
      g_clear_object (&self->paint_clock);
    }
  self->in_frame = FALSE;
  if (clock == NULL)
    return;
  self->paint_clock = g_object_ref (clock);
  self->before_paint_handler = g_signal_connect_swapped (clock, "before-paint",
                                                         G_CALLBACK (frame_started_cb), self);
  self->after_paint_handler = g_signal_connect_swapped (clock, "after-paint",
                                                        G_CALLBACK (frame_ended_cb), self);
}
#endif

/* A list item whose tile the grid has laid out in view, to measure the
 * rows from. */
static GtkListItem *
find_item_in_view (TsBrowsePage    *self,
                   graphene_rect_t *bounds)
{
  for (guint i = 0; i < self->list_items->len; i++)
    {
      GtkListItem *item = g_ptr_array_index (self->list_items, i);
      GtkWidget *cell = item_cell (item);

      if (gtk_list_item_get_item (item) != NULL && cell != NULL && gtk_widget_get_mapped (cell)
          && gtk_widget_compute_bounds (cell, GTK_WIDGET (self->scroller), bounds)
          && bounds->size.width >= 1 && bounds->size.height >= 1)
        return item;
    }
  return NULL;
}

/* Which tiles want their posters, and how many the memory cache keeps. The
 * grid hides the tiles it keeps bound beyond the view and stops laying
 * them out, so their bounds are those of an earlier place: where a tile
 * is comes from its position in the list, rows being all alike. */
static gboolean
posters_tick_cb (GtkWidget     *widget,
                 GdkFrameClock *frame_clock,
                 gpointer       user_data)
{
  TsBrowsePage *self = TS_BROWSE_PAGE (user_data);
  double height = gtk_widget_get_height (GTK_WIDGET (self->scroller));
  double margin = POSTER_SCREENS * height;
  graphene_rect_t seen_bounds;
  GtkListItem *seen;
  guint columns, rows, textures, max_textures;
  double row_height;
  gint64 seen_row;

  if ((seen = find_item_in_view (self, &seen_bounds)) == NULL)
    {
      /* Between two layouts (the columns changed with the width, say): the
       * next frames will have tiles in view, but may not come for long. */
      if (++self->posters_tries < POSTER_TRIES && gtk_widget_get_mapped (widget))
        return G_SOURCE_CONTINUE;
      self->posters_tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  /* The first tiles are there to be measured; with other columns, the
   * next frame has the tiles in their places. */
  if (fit_columns (self))
    return G_SOURCE_CONTINUE;
  self->posters_tick_id = 0;

  row_height = seen_bounds.size.height;
  columns = MAX ((guint) (gtk_widget_get_width (GTK_WIDGET (self->scroller))
                          / seen_bounds.size.width), 1);
  seen_row = gtk_list_item_get_position (seen) / columns;
  for (guint i = 0; i < self->list_items->len; i++)
    {
      GtkListItem *item = g_ptr_array_index (self->list_items, i);
      guint position = gtk_list_item_get_position (item);
      double y;

      if (gtk_list_item_get_item (item) == NULL || position == GTK_INVALID_LIST_POSITION)
        continue;
      y = seen_bounds.origin.y + ((gint64) (position / columns) - seen_row) * row_height;
      ts_movie_tile_set_poster_wanted (TS_MOVIE_TILE (gtk_list_item_get_child (item)),
                                       y + row_height > -margin && y < height + margin);
    }

  rows = MAX ((guint) ceil (height / row_height), 1);
  textures = columns * rows * POSTER_MEMORY_SCREENS;
  g_object_get (self->poster_cache, "max-textures", &max_textures, NULL);
  if (textures != max_textures)
    g_object_set (self->poster_cache, "max-textures", textures, NULL);
  return G_SOURCE_REMOVE;
}

/* Once a frame at most: after scrolling, and after tiles were bound (their
 * place is known once they are laid out). */
static void
schedule_posters (TsBrowsePage *self)
{
  self->posters_tries = 0;
  if (self->posters_tick_id == 0)
    self->posters_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->grid),
                                                          posters_tick_cb, self, NULL);
}

static gboolean
check_scroll_tick_cb (GtkWidget     *widget,
                      GdkFrameClock *frame_clock,
                      gpointer       user_data)
{
  TsBrowsePage *self = TS_BROWSE_PAGE (user_data);

  /* The first tick comes before the layout of the new films. */
  if (!self->check_tick_seen)
    {
      self->check_tick_seen = TRUE;
      return G_SOURCE_CONTINUE;
    }

  self->check_tick_id = 0;
  check_scroll (self);
  return G_SOURCE_REMOVE;
}

/* The grid may still not fill two screens once the new films are laid out;
 * the adjustment notifies when it grows, but not when it stays the same. */
static void
schedule_check_scroll (TsBrowsePage *self)
{
  if (self->check_tick_id != 0)
    return;

  self->check_tick_seen = FALSE;
  self->check_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->grid),
                                                      check_scroll_tick_cb, self, NULL);
}

static void
append_page (TsBrowsePage  *self,
             TsCatalogPage *page)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = ts_catalog_page_get_n_movies (page);

  for (guint i = 0; i < n; i++)
    {
      TsMovie *movie = ts_catalog_page_get_movie (page, i);
      const char *id = ts_movie_get_id (movie);

      if (g_hash_table_contains (self->movie_ids, id))
        continue;
      g_hash_table_add (self->movie_ids, g_strdup (id));
      g_ptr_array_add (added, g_object_ref (movie));
    }

  g_list_store_splice (self->movies, g_list_model_get_n_items (G_LIST_MODEL (self->movies)),
                       0, added->pdata, added->len);
#if !GTK_CHECK_VERSION (4, 10, 0)
  /* Until laid out, the new films' rows have no height: a turn of the
   * wheel before that anchored the view at the last of them, a page on. */
  relayout_grid (self);
#endif

  self->next_page = ts_catalog_page_get_page (page) + 1;
  /* A page of nothing but films already shown ends the list too, rather
   * than fetching on and on. */
  self->has_more = ts_catalog_page_get_has_more (page) && (added->len > 0 || n == 0);

  if (g_list_model_get_n_items (G_LIST_MODEL (self->movies)) == 0)
    show_content (self, "empty");
  else
    show_content (self, "grid");
}

static void
cached_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(TsBrowsePage) self = NULL;
  g_autoptr(TsCatalogPage) page = NULL;
  g_autoptr(GError) error = NULL;

  page = ts_catalog_provider_list_cached_finish (TS_CATALOG_PROVIDER (object), result, &error);
  if ((self = request_get_page (request, error)) == NULL)
    return;

  self->loading = FALSE;
  if (page == NULL)
    {
      /* Nothing saved: the network error is what the person needs to see. */
      g_debug ("No saved films: %s", error->message);
      show_error (self, request->error);
      return;
    }

  append_page (self, page);
  /* The rest of the list needs the network: Retry brings it back. */
  self->has_more = FALSE;
  show_offline (self, page);
}

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(TsBrowsePage) self = NULL;
  g_autoptr(TsCatalogPage) page = NULL;
  g_autoptr(GError) error = NULL;

  page = ts_catalog_provider_list_finish (TS_CATALOG_PROVIDER (object), result, &error);
  if ((self = request_get_page (request, error)) == NULL)
    return;

  self->loading = FALSE;
  set_more_loading (self, FALSE);

  if (page != NULL)
    {
      append_page (self, page);
      schedule_check_scroll (self);
      return;
    }

  g_debug ("Page %u of the catalog: %s", request->page, error->message);

  if (request->page > 1)
    {
      g_autofree char *message = NULL;
      g_autofree char *escaped = NULL;

      /* Keep what is shown; offer to try again. */
      self->page_failed = TRUE;
      dismiss_page_toast (self);
      /* Translators: %s says why, e.g. “Could not connect”. */
      message = g_strdup_printf (_("Could not load more films: %s"), error->message);
      escaped = g_markup_escape_text (message, -1);
      self->page_toast = adw_toast_new (escaped);
      adw_toast_set_timeout (self->page_toast, 0);
      adw_toast_set_button_label (self->page_toast, _("Retry"));
      adw_toast_set_action_name (self->page_toast, "browse.retry-page");
      adw_toast_overlay_add_toast (self->toast_overlay, g_object_ref (self->page_toast));
      return;
    }

  if (g_error_matches (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_NETWORK) ||
      g_error_matches (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_TIMEOUT))
    {
      /* Offline: the films seen last time are better than nothing. */
      Request *cached = request_new (self, 1);

      cached->error = g_steal_pointer (&error);
      self->loading = TRUE;
      ts_catalog_provider_list_cached_async (self->provider, self->query, self->cancellable,
                                             cached_cb, cached);
      return;
    }

  show_error (self, error);
}

static void
fetch_next_page (TsBrowsePage *self)
{
  if (self->provider == NULL || self->loading || !self->has_more || self->page_failed)
    return;

  self->loading = TRUE;
  if (self->next_page > 1)
    set_more_loading (self, TRUE);
  ts_catalog_provider_list_async (self->provider, self->query, self->next_page,
                                  self->cancellable, list_cb,
                                  request_new (self, self->next_page));
}

static void
cancel_requests (TsBrowsePage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->generation++;
  self->loading = FALSE;
  set_more_loading (self, FALSE);
}

static void
reload (TsBrowsePage *self)
{
  cancel_requests (self);
  dismiss_page_toast (self);
  gtk_revealer_set_reveal_child (self->offline_revealer, FALSE);

  g_list_store_remove_all (self->movies);
  g_hash_table_remove_all (self->movie_ids);
  self->next_page = 1;
  self->has_more = TRUE;
  self->page_failed = FALSE;

  if (self->provider == NULL)
    return;

  show_content (self, "loading");
  fetch_next_page (self);
}

/* The query ------------------------------------------------------------------ */

static TsCatalogQuery *
build_query (TsBrowsePage *self)
{
  TsCatalogQuery *query = ts_catalog_query_new ();
  guint sort = gtk_drop_down_get_selected (self->sort_dropdown);
  guint genre = gtk_drop_down_get_selected (self->genre_dropdown);
  guint rating = gtk_drop_down_get_selected (self->rating_dropdown);
  GListModel *genres = gtk_drop_down_get_model (self->genre_dropdown);

  /* The drop-down lists the sort orders in the order of the enum. */
  if (sort <= TS_CATALOG_SORT_POPULAR)
    ts_catalog_query_set_sort (query, (TsCatalogSort) sort);
  ts_catalog_query_set_search (query, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  /* The first genre is “All genres”. */
  if (genres != NULL && genre != GTK_INVALID_LIST_POSITION && genre > 0)
    ts_catalog_query_set_genre (query,
                                gtk_string_list_get_string (GTK_STRING_LIST (genres), genre));
  if (rating < G_N_ELEMENTS (min_ratings))
    ts_catalog_query_set_min_rating (query, min_ratings[rating]);
  return query;
}

static void
query_changed_cb (TsBrowsePage *self)
{
  g_autoptr(TsCatalogQuery) query = NULL;

  if (self->updating_filters || !self->started)
    return;

  query = build_query (self);
  if (self->query != NULL && ts_catalog_query_equal (query, self->query))
    return;

  g_clear_pointer (&self->query, ts_catalog_query_free);
  self->query = g_steal_pointer (&query);
  reload (self);
}

static void
update_genres (TsBrowsePage *self)
{
  const char * const *genres = self->provider != NULL
                               ? ts_catalog_provider_get_genres (self->provider) : NULL;
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  GListModel *old = gtk_drop_down_get_model (self->genre_dropdown);
  g_autofree char *selected = NULL;
  guint position = 0;

  if (old != NULL && gtk_drop_down_get_selected (self->genre_dropdown) > 0 &&
      gtk_drop_down_get_selected (self->genre_dropdown) != GTK_INVALID_LIST_POSITION)
    selected = g_strdup (gtk_string_list_get_string (GTK_STRING_LIST (old),
                           gtk_drop_down_get_selected (self->genre_dropdown)));

  gtk_string_list_append (list, _("All genres"));
  for (guint i = 0; genres != NULL && genres[i] != NULL; i++)
    {
      gtk_string_list_append (list, genres[i]);
      if (g_strcmp0 (genres[i], selected) == 0)
        position = i + 1;
    }

  /* The genre the person chose stays when the new catalog has it too. */
  self->updating_filters = TRUE;
  gtk_drop_down_set_model (self->genre_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->genre_dropdown, position);
  self->updating_filters = FALSE;

  gtk_widget_set_visible (GTK_WIDGET (self->genre_dropdown), genres != NULL && genres[0] != NULL);
}

/* The provider --------------------------------------------------------------- */

static void
recreate_provider (TsBrowsePage *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *provider_id = NULL;

  g_clear_object (&self->provider);
  self->provider = ts_catalog_provider_new_for_settings (self->settings, &error);
  update_genres (self);

  g_clear_pointer (&self->query, ts_catalog_query_free);
  self->query = build_query (self);
  reload (self);

  if (self->provider == NULL)
    {
      provider_id = g_settings_get_string (self->settings, "catalog-provider");
      if (g_str_equal (provider_id, "yts") &&
          g_error_matches (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_ADDRESS))
        show_content (self, "setup");
      else
        show_error (self, error);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROVIDER]);
}

static gboolean
provider_idle_cb (gpointer user_data)
{
  TsBrowsePage *self = user_data;

  self->provider_idle_id = 0;
  recreate_provider (self);
  return G_SOURCE_REMOVE;
}

/* Several keys often change together (a test, a reset): one new provider. */
static void
catalog_setting_changed_cb (TsBrowsePage *self)
{
  if (self->provider_idle_id == 0)
    self->provider_idle_id = g_idle_add (provider_idle_cb, self);
}

static gboolean
provider_to_selected (GValue   *value,
                      GVariant *variant,
                      gpointer  user_data)
{
  const char *id = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (provider_ids); i++)
    if (g_str_equal (id, provider_ids[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
selected_to_provider (const GValue       *value,
                      const GVariantType *expected_type,
                      gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (provider_ids))
    return NULL;
  return g_variant_new_string (provider_ids[selected]);
}

/* Posters are decoded at the size a tile shows them, in
 * device pixels: full-size textures for a grid that keeps a few hundred
 * tiles alive took hundreds of megabytes. */
static void
update_poster_size (TsBrowsePage *self)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));

  if (self->poster_cache != NULL)
    ts_poster_cache_set_decode_size (self->poster_cache, TS_MOVIE_TILE_POSTER_WIDTH * scale,
                                     TS_MOVIE_TILE_POSTER_HEIGHT * scale);
}

static void
ensure_started (TsBrowsePage *self)
{
  static const char * const keys[] = {
    "changed::catalog-provider", "changed::archive-url", "changed::archive-query",
    "changed::yts-url",
  };

  if (self->started)
    return;

  if (self->session == NULL)
    {
      GApplication *app = g_application_get_default ();

      if (TS_IS_APPLICATION (app) && ts_application_get_session (TS_APPLICATION (app)) != NULL)
        ts_browse_page_set_session (self, ts_application_get_session (TS_APPLICATION (app)));
    }

  self->started = TRUE;
  self->settings = self->session != NULL
                   ? g_object_ref (ts_session_get_settings (self->session))
                   : g_settings_new (APP_ID);

  self->poster_cache = ts_poster_cache_new (NULL, 0);
  ts_poster_cache_bind_settings (self->poster_cache, self->settings);
  update_poster_size (self);
  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (update_poster_size), NULL);

  /* "Continue watching" above the grid; it hides itself when empty. */
  {
    GApplication *app = g_application_get_default ();

    if (TS_IS_APPLICATION (app) && ts_application_get_library (TS_APPLICATION (app)) != NULL)
      {
        GtkWidget *row = ts_continue_row_new ();

        ts_continue_row_set_library (TS_CONTINUE_ROW (row),
                                     ts_application_get_library (TS_APPLICATION (app)));
        ts_continue_row_set_poster_cache (TS_CONTINUE_ROW (row), self->poster_cache);
        gtk_box_insert_child_after (GTK_BOX (self->grid_page), row,
                                    GTK_WIDGET (self->offline_revealer));
      }
  }

  g_settings_bind_with_mapping (self->settings, "catalog-provider",
                                self->provider_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                provider_to_selected, selected_to_provider, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_signal_connect_object (self->settings, keys[i],
                             G_CALLBACK (catalog_setting_changed_cb), self, G_CONNECT_SWAPPED);

  recreate_provider (self);
}

/* The film page ----------------------------------------------------------- */

static void
remove_movie_page (TsBrowsePage *self)
{
  GtkWidget *page = g_steal_pointer (&self->movie_page);

  if (page == NULL)
    return;

  g_signal_handlers_disconnect_by_data (page, self);
  adw_leaflet_remove (self->leaflet, page);
  gtk_widget_grab_focus (GTK_WIDGET (self->grid));
}

/* Drops the film page once the way back to the grid is over (by the Back
 * button, a shortcut, or the leaflet's own swipe and mouse button). */
static void
leaflet_changed_cb (TsBrowsePage *self)
{
  if (self->movie_page == NULL ||
      adw_leaflet_get_visible_child (self->leaflet) == self->movie_page ||
      adw_leaflet_get_child_transition_running (self->leaflet))
    return;

  remove_movie_page (self);
}

static void
go_back (TsBrowsePage *self)
{
  if (self->movie_page == NULL ||
      adw_leaflet_get_visible_child (self->leaflet) != self->movie_page)
    return;

  adw_leaflet_set_visible_child (self->leaflet, self->grid_page);
}

static void
open_movie (TsBrowsePage *self,
            TsMovie      *movie)
{
  if (self->movie_page != NULL)
    remove_movie_page (self);

  self->movie_page = ts_movie_page_new (movie, self->provider, self->poster_cache, self->session);
  g_signal_connect_object (self->movie_page, "back", G_CALLBACK (go_back), self,
                           G_CONNECT_SWAPPED);
  adw_leaflet_append (self->leaflet, self->movie_page);
  adw_leaflet_set_visible_child (self->leaflet, self->movie_page);
  /* Keyboard users land on the new page (Escape goes back from there). */
  gtk_widget_grab_focus (self->movie_page);
}

static void
grid_activate_cb (TsBrowsePage *self,
                  guint         position)
{
  g_autoptr(TsMovie) movie = g_list_model_get_item (G_LIST_MODEL (self->movies), position);

  if (movie != NULL)
    open_movie (self, movie);
}

static void
tile_open_cb (TsBrowsePage *self,
              TsMovieTile  *tile)
{
  if (ts_movie_tile_get_movie (tile) != NULL)
    open_movie (self, ts_movie_tile_get_movie (tile));
}

/* The grid's tiles --------------------------------------------------------- */

static void
setup_tile_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               TsBrowsePage             *self)
{
  GtkWidget *tile = ts_movie_tile_new (self->poster_cache);

  g_signal_connect_object (tile, "open", G_CALLBACK (tile_open_cb), self, G_CONNECT_SWAPPED);
  gtk_list_item_set_child (item, tile);
  g_ptr_array_add (self->list_items, item);
}

static void
teardown_tile_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  TsBrowsePage             *self)
{
  g_ptr_array_remove_fast (self->list_items, item);
}

static void
bind_tile_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              TsBrowsePage             *self)
{
  TsMovieTile *tile = TS_MOVIE_TILE (gtk_list_item_get_child (item));

  ts_movie_tile_set_poster_cache (tile, self->poster_cache);
  /* Its place in view is not known yet: the next frame decides. */
  ts_movie_tile_set_poster_wanted (tile, FALSE);
  ts_movie_tile_set_movie (tile, gtk_list_item_get_item (item));
  schedule_posters (self);
}

static void
unbind_tile_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                TsBrowsePage             *self)
{
  /* Cancels the poster request: fast scrolling does not pile them up. */
  ts_movie_tile_set_movie (TS_MOVIE_TILE (gtk_list_item_get_child (item)), NULL);
}

/* Actions ------------------------------------------------------------------ */

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TsBrowsePage *self = TS_BROWSE_PAGE (widget);

  if (self->provider == NULL)
    recreate_provider (self);
  else
    reload (self);
}

static void
retry_page_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TsBrowsePage *self = TS_BROWSE_PAGE (widget);

  g_clear_object (&self->page_toast);
  self->page_failed = FALSE;
  fetch_next_page (self);
}

static void
use_archive_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TsBrowsePage *self = TS_BROWSE_PAGE (widget);

  if (self->settings != NULL)
    g_settings_set_string (self->settings, "catalog-provider", "archive");
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TsBrowsePage *self = TS_BROWSE_PAGE (widget);

  go_back (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* Benchmark trace ------------------------------------------------------------ */

/* After each painted frame: once every tile in view shows its poster, tell
 * the benchmark when (monotonic clock), once per scroll position and number
 * of films. Only with TS_BENCH_TRACE set. */
static void
trace_after_paint_cb (GdkFrameClock *clock,
                      TsBrowsePage  *self)
{
  GtkWidget *scroller = GTK_WIDGET (self->scroller);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  graphene_rect_t viewport = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (scroller),
                                                 gtk_widget_get_height (scroller));
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->movies));
  double value = gtk_adjustment_get_value (adjustment);
  guint n_shown = 0;
  TsMovie *first = NULL;
  TsMovie *last = NULL;
  graphene_point_t first_at = GRAPHENE_POINT_INIT (G_MAXFLOAT, G_MAXFLOAT);
  graphene_point_t last_at = GRAPHENE_POINT_INIT (-G_MAXFLOAT, -G_MAXFLOAT);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "grid") != 0 ||
      (value == self->trace_value && n_items == self->trace_items))
    return;

  for (GtkWidget *cell = gtk_widget_get_first_child (GTK_WIDGET (self->grid));
       cell != NULL;
       cell = gtk_widget_get_next_sibling (cell))
    {
      GtkWidget *tile = gtk_widget_get_first_child (cell);
      graphene_rect_t bounds;

      if (!TS_IS_MOVIE_TILE (tile) || !gtk_widget_get_mapped (tile) ||
          ts_movie_tile_get_movie (TS_MOVIE_TILE (tile)) == NULL ||
          !gtk_widget_compute_bounds (tile, scroller, &bounds) ||
          !graphene_rect_intersection (&bounds, &viewport, NULL))
        continue;
      if (!ts_movie_tile_get_poster_loaded (TS_MOVIE_TILE (tile)))
        return;
      n_shown++;
      /* The films in view, top left and bottom right, by their position. */
      if (bounds.origin.y < first_at.y ||
          (bounds.origin.y == first_at.y && bounds.origin.x < first_at.x))
        {
          first_at = bounds.origin;
          first = ts_movie_tile_get_movie (TS_MOVIE_TILE (tile));
        }
      if (bounds.origin.y > last_at.y ||
          (bounds.origin.y == last_at.y && bounds.origin.x > last_at.x))
        {
          last_at = bounds.origin;
          last = ts_movie_tile_get_movie (TS_MOVIE_TILE (tile));
        }
    }

  if (n_shown == 0)
    return;

  self->trace_value = value;
  self->trace_items = n_items;
  g_printerr ("ts-bench: posters-shown time_us=%" G_GINT64_FORMAT " value=%.0f page=%.0f"
              " upper=%.0f tiles=%u films=%u more=%d first=%s last=%s\n",
              g_get_monotonic_time (), value, gtk_adjustment_get_page_size (adjustment),
              gtk_adjustment_get_upper (adjustment), n_shown, n_items,
              self->has_more && !self->page_failed,
              ts_movie_get_id (first), ts_movie_get_id (last));
}

static void
trace_stop (TsBrowsePage *self)
{
  if (self->trace_clock != NULL)
    g_clear_signal_handler (&self->trace_handler, self->trace_clock);
  g_clear_object (&self->trace_clock);
}

static void
trace_start (TsBrowsePage *self)
{
  trace_stop (self);
  self->trace_clock = g_object_ref (gtk_widget_get_frame_clock (GTK_WIDGET (self)));
  self->trace_value = -1;
  self->trace_handler = g_signal_connect (self->trace_clock, "after-paint",
                                          G_CALLBACK (trace_after_paint_cb), self);
}

/* GObject ------------------------------------------------------------------ */

static void
ts_browse_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ts_browse_page_parent_class)->map (widget);

  /* Nothing is fetched for a window that opens on its downloads. */
  ensure_started (TS_BROWSE_PAGE (widget));

  if (bench_trace)
    trace_start (TS_BROWSE_PAGE (widget));
#if !GTK_CHECK_VERSION (4, 10, 0)
  watch_frames (TS_BROWSE_PAGE (widget), gtk_widget_get_frame_clock (widget));
#endif
}

static void
ts_browse_page_unmap (GtkWidget *widget)
{
  trace_stop (TS_BROWSE_PAGE (widget));
#if !GTK_CHECK_VERSION (4, 10, 0)
  watch_frames (TS_BROWSE_PAGE (widget), NULL);
#endif

  GTK_WIDGET_CLASS (ts_browse_page_parent_class)->unmap (widget);
}

static void
ts_browse_page_dispose (GObject *object)
{
  TsBrowsePage *self = TS_BROWSE_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  trace_stop (self);
#if !GTK_CHECK_VERSION (4, 10, 0)
  watch_frames (self, NULL);
#endif
  g_clear_handle_id (&self->provider_idle_id, g_source_remove);
  if (self->check_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->grid), self->check_tick_id);
  self->check_tick_id = 0;
  if (self->posters_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->grid), self->posters_tick_id);
  self->posters_tick_id = 0;
  g_clear_object (&self->page_toast);
  self->movie_page = NULL;

  gtk_widget_dispose_template (GTK_WIDGET (object), TS_TYPE_BROWSE_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->provider);
  g_clear_object (&self->poster_cache);
  g_clear_object (&self->settings);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (ts_browse_page_parent_class)->dispose (object);
}

static void
ts_browse_page_finalize (GObject *object)
{
  TsBrowsePage *self = TS_BROWSE_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->movies);
  g_clear_pointer (&self->movie_ids, g_hash_table_unref);
  g_clear_pointer (&self->list_items, g_ptr_array_unref);
  g_clear_pointer (&self->query, ts_catalog_query_free);

  G_OBJECT_CLASS (ts_browse_page_parent_class)->finalize (object);
}

static void
ts_browse_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TsBrowsePage *self = TS_BROWSE_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_PROVIDER:
      g_value_set_object (value, self->provider);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_browse_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TsBrowsePage *self = TS_BROWSE_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      ts_browse_page_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_browse_page_class_init (TsBrowsePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_browse_page_dispose;
  object_class->finalize = ts_browse_page_finalize;
  object_class->get_property = ts_browse_page_get_property;
  object_class->set_property = ts_browse_page_set_property;
  widget_class->map = ts_browse_page_map;
  widget_class->unmap = ts_browse_page_unmap;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, TS_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROVIDER] =
    g_param_spec_object ("provider", NULL, NULL, TS_TYPE_CATALOG_PROVIDER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "browse.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "browse.retry-page", NULL, retry_page_action);
  gtk_widget_class_install_action (widget_class, "browse.use-archive", NULL, use_archive_action);
  gtk_widget_class_install_action (widget_class, "browse.search", NULL, search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "browse.search", NULL);

  g_type_ensure (TS_TYPE_MOVIE_TILE);

  bench_trace = g_getenv ("TS_BENCH_TRACE") != NULL;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/TorrentStream/ts-browse-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, grid_page);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, genre_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, rating_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, provider_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, offline_label);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, content_stack);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, scroller);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, grid);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, more_revealer);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, more_spinner);
  gtk_widget_class_bind_template_child (widget_class, TsBrowsePage, error_page);
}

static void
ts_browse_page_init (TsBrowsePage *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  g_autoptr(GtkSelectionModel) selection = NULL;
  GtkAdjustment *adjustment;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->movies = g_list_store_new (TS_TYPE_MOVIE);
  self->movie_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->list_items = g_ptr_array_new ();
  self->next_page = 1;
  self->has_more = TRUE;

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_tile_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_tile_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_tile_cb), self);
  g_signal_connect (factory, "teardown", G_CALLBACK (teardown_tile_cb), self);
  selection = GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->movies))));
  gtk_grid_view_set_factory (self->grid, factory);
  gtk_grid_view_set_model (self->grid, selection);
  g_signal_connect_swapped (self->grid, "activate", G_CALLBACK (grid_activate_cb), self);

  /* The posters pass fits the columns to the width too. */
  g_signal_connect_object (gtk_scrolled_window_get_hadjustment (self->scroller),
                           "notify::page-size", G_CALLBACK (schedule_posters), self,
                           G_CONNECT_SWAPPED);

  adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
#if !GTK_CHECK_VERSION (4, 10, 0)
  /* After the grid's own handler, which was connected with the adjustment. */
  g_signal_connect_object (adjustment, "value-changed",
                           G_CALLBACK (relayout_grid), self, G_CONNECT_SWAPPED);
#endif
  g_signal_connect_object (adjustment, "value-changed",
                           G_CALLBACK (check_scroll), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "value-changed",
                           G_CALLBACK (schedule_posters), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "notify::page-size",
                           G_CALLBACK (schedule_posters), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "notify::upper",
                           G_CALLBACK (check_scroll), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "notify::page-size",
                           G_CALLBACK (check_scroll), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->leaflet, "notify::visible-child",
                           G_CALLBACK (leaflet_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->leaflet, "notify::child-transition-running",
                           G_CALLBACK (leaflet_changed_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_swapped (self->search_entry, "search-changed",
                            G_CALLBACK (query_changed_cb), self);
  g_signal_connect_swapped (self->sort_dropdown, "notify::selected",
                            G_CALLBACK (query_changed_cb), self);
  g_signal_connect_swapped (self->genre_dropdown, "notify::selected",
                            G_CALLBACK (query_changed_cb), self);
  g_signal_connect_swapped (self->rating_dropdown, "notify::selected",
                            G_CALLBACK (query_changed_cb), self);
}

GtkWidget *
ts_browse_page_new (void)
{
  return g_object_new (TS_TYPE_BROWSE_PAGE, NULL);
}

TsSession *
ts_browse_page_get_session (TsBrowsePage *self)
{
  g_return_val_if_fail (TS_IS_BROWSE_PAGE (self), NULL);

  return self->session;
}

void
ts_browse_page_set_session (TsBrowsePage *self,
                            TsSession    *session)
{
  g_return_if_fail (TS_IS_BROWSE_PAGE (self));
  g_return_if_fail (session == NULL || TS_IS_SESSION (session));

  if (g_set_object (&self->session, session))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

TsCatalogProvider *
ts_browse_page_get_provider (TsBrowsePage *self)
{
  g_return_val_if_fail (TS_IS_BROWSE_PAGE (self), NULL);

  return self->provider;
}

GListModel *
ts_browse_page_get_movies (TsBrowsePage *self)
{
  g_return_val_if_fail (TS_IS_BROWSE_PAGE (self), NULL);

  return G_LIST_MODEL (self->movies);
}
