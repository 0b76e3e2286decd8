/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The player page and its seek bar on a real display (xvfb-run): times as
 * text, the seek bar's position, downloaded parts and seeks, a film made
 * here with GStreamer played and paused in a window, and files that cannot
 * be played explained on the page. Every widget is checked to be
 * finalized. */

#include "config.h"

#include <adwaita.h>
#include <gst/gst.h>
#include <locale.h>

#include "ts-player-page.h"
#include "ts-seek-bar.h"
#include "ts-test-util.h"
#include "ui-test-util.h"

#define TIMEOUT_S 30
#define NS        G_GINT64_CONSTANT (1000000000)

/* Seek bar --------------------------------------------------------------------- */

static void
test_format_time (void)
{
  struct { gint64 time; const char *text; } cases[] = {
    { -5 * NS, "0:00" },
    { 0, "0:00" },
    { 999999999, "0:00" },
    { 42 * NS, "0:42" },
    { (12 * 60 + 5) * NS, "12:05" },
    { (3600 + 2 * 60 + 3) * NS, "1:02:03" },
    { (25 * 3600) * NS, "25:00:00" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = ts_seek_bar_format_time (cases[i].time);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
seek_cb (TsSeekBar *bar,
         gint64     position,
         gint64    *out)
{
  *out = position;
}

static void
test_seek_bar (void)
{
  GtkWidget *bar = ts_seek_bar_new ();
  GtkWidget *scale;
  const double ranges[] = { 0.0, 0.25, 0.5, 0.75 };
  const double all[] = { 0.0, 1.0 };
  gint64 sought = -1;
  gboolean handled = FALSE;

  g_object_ref_sink (bar);

  /* No duration yet: nothing to seek in. */
  g_assert_cmpint (ts_seek_bar_get_duration (TS_SEEK_BAR (bar)), ==, -1);
  scale = gtk_widget_get_first_child (bar);
  g_assert_true (GTK_IS_SCALE (scale));
  g_assert_false (gtk_widget_get_sensitive (scale));

  ts_seek_bar_set_duration (TS_SEEK_BAR (bar), 60 * NS);
  g_assert_true (gtk_widget_get_sensitive (scale));
  ts_seek_bar_set_position (TS_SEEK_BAR (bar), 10 * NS);
  g_assert_cmpint (ts_seek_bar_get_position (TS_SEEK_BAR (bar)), ==, 10 * NS);
  g_assert_cmpfloat_with_epsilon (gtk_range_get_value (GTK_RANGE (scale)), 10.0, 1e-9);
  ts_seek_bar_set_position (TS_SEEK_BAR (bar), 100 * NS);
  g_assert_cmpint (ts_seek_bar_get_position (TS_SEEK_BAR (bar)), ==, 60 * NS);

  /* The downloaded parts add up. */
  g_assert_cmpfloat (ts_seek_bar_get_downloaded (TS_SEEK_BAR (bar)), ==, 0.0);
  ts_seek_bar_set_ranges (TS_SEEK_BAR (bar), ranges, 2);
  g_assert_cmpfloat_with_epsilon (ts_seek_bar_get_downloaded (TS_SEEK_BAR (bar)), 0.5, 1e-9);
  ts_seek_bar_set_ranges (TS_SEEK_BAR (bar), all, 1);
  g_assert_cmpfloat_with_epsilon (ts_seek_bar_get_downloaded (TS_SEEK_BAR (bar)), 1.0, 1e-9);
  ts_seek_bar_set_ranges (TS_SEEK_BAR (bar), NULL, 0);
  g_assert_cmpfloat (ts_seek_bar_get_downloaded (TS_SEEK_BAR (bar)), ==, 0.0);

  /* The user moving the slider is a seek; setting the position is not. */
  g_signal_connect (bar, "seek", G_CALLBACK (seek_cb), &sought);
  ts_seek_bar_set_position (TS_SEEK_BAR (bar), 5 * NS);
  g_assert_cmpint (sought, ==, -1);
  g_signal_emit_by_name (scale, "change-value", GTK_SCROLL_JUMP, 20.0, &handled);
  g_assert_cmpint (sought, ==, 20 * NS);
  g_assert_cmpint (ts_seek_bar_get_position (TS_SEEK_BAR (bar)), ==, 20 * NS);

  /* Back to unknown: no seeking. */
  ts_seek_bar_set_duration (TS_SEEK_BAR (bar), -1);
  g_assert_false (gtk_widget_get_sensitive (scale));
  sought = -1;
  g_signal_emit_by_name (scale, "change-value", GTK_SCROLL_JUMP, 30.0, &handled);
  g_assert_cmpint (sought, ==, -1);

  g_assert_finalize_object (bar);
}

/* Player page ----------------------------------------------------------------- */

typedef struct
{
  char         *dir;
  GtkWidget    *window;
  TsPlayerPage *page;
  guint         closed;
} Fixture;

static void
close_cb (TsPlayerPage *page,
          Fixture      *f)
{
  f->closed++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = ts_test_make_tmp_dir ("ts-player-page-");
  f->window = gtk_window_new ();
  f->page = TS_PLAYER_PAGE (ts_player_page_new ());
  g_object_ref_sink (f->page);
  g_signal_connect (f->page, "close", G_CALLBACK (close_cb), f);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 800, 500);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->page));
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  TsPlayer *player = g_object_ref (ts_player_page_get_player (f->page));

  gtk_window_destroy (GTK_WINDOW (f->window));
  g_assert_finalize_object (f->page);
  /* The page owned the player. */
  g_assert_finalize_object (player);
  ts_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* Five seconds of a moving ball, made here. */
static char *
make_film (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "Test Film.mp4", NULL);
  g_autofree char *description = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  description = g_strdup_printf ("videotestsrc pattern=ball num-buffers=50 ! "
                                 "video/x-raw,width=320,height=240,framerate=10/1 ! "
                                 "x264enc speed-preset=ultrafast ! h264parse ! mp4mux ! "
                                 "filesink location=\"%s\"", path);
  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  message = gst_bus_timed_pop_filtered (bus, TIMEOUT_S * GST_SECOND,
                                        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  g_assert_cmpint (GST_MESSAGE_TYPE (message), ==, GST_MESSAGE_EOS);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  return g_filename_to_uri (path, NULL, NULL);
}

static GtkStack *
page_stack (Fixture *f)
{
  return GTK_STACK (gtk_widget_get_first_child (GTK_WIDGET (f->page)));
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = find_descendant (child, type)) != NULL)
        return found;
    }

  return NULL;
}

static gboolean
player_in_state (gpointer user_data)
{
  gpointer *args = user_data;

  return (int) ts_player_get_state (args[0]) == GPOINTER_TO_INT (args[1]);
}

#define wait_for_state(player, state, what) \
  ts_test_wait_for (player_in_state, ((gpointer[]) { (player), GINT_TO_POINTER (state) }), \
                    TIMEOUT_S, what)

static gboolean
frame_shown (gpointer user_data)
{
  return gdk_paintable_get_intrinsic_width (user_data) == 320;
}

static gboolean
position_past (gpointer user_data)
{
  return ts_player_get_position (user_data) > NS / 2;
}

static gboolean
error_shown (gpointer user_data)
{
  Fixture *f = user_data;

  return g_strcmp0 (gtk_stack_get_visible_child_name (page_stack (f)), "error") == 0;
}

static void
test_page_plays (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *uri = make_film (f);
  TsPlayer *player = ts_player_page_get_player (f->page);

  g_assert_true (ts_player_page_get_library (f->page) == NULL);
  ts_player_page_play_uri (f->page, uri, NULL);
  /* Named after the file. */
  g_assert_cmpstr (ts_player_page_get_title (f->page), ==, "Test Film");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (page_stack (f)), ==, "video");

  wait_for_state (player, TS_PLAYER_STATE_PLAYING, "the film to play");
  ts_test_wait_for (frame_shown, ts_player_get_paintable (player), TIMEOUT_S,
                    "a frame in the picture");
  ts_test_wait_for (position_past, player, TIMEOUT_S, "the film to move on");

  /* The page's Play/Pause action, as the button and Space use it. */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "player.play-pause", NULL);
  wait_for_state (player, TS_PLAYER_STATE_PAUSED, "Pause to pause");
  gtk_widget_activate_action (GTK_WIDGET (f->page), "player.play-pause", NULL);
  wait_for_state (player, TS_PLAYER_STATE_PLAYING, "Play to play again");

  /* Ten seconds back from about one: the start. */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "player.seek-relative", "x", (gint64) -10);
  g_assert_cmpint (ts_player_get_position (player), <, NS);

  /* Subtitles: none in this film, so off. */
  {
    g_autofree char *subtitle = NULL;

    g_object_get (f->page, "subtitle", &subtitle, NULL);
    g_assert_cmpstr (subtitle, ==, "off");
  }

  ts_player_page_stop (f->page);
  g_assert_cmpint (ts_player_get_state (player), ==, TS_PLAYER_STATE_STOPPED);
  g_assert_cmpuint (f->closed, ==, 0);
}

static void
test_page_errors (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *text_path = g_build_filename (f->dir, "notes.txt", NULL);
  g_autofree char *text_uri = g_filename_to_uri (text_path, NULL, NULL);
  g_autofree char *missing_path = g_build_filename (f->dir, "gone.mkv", NULL);
  g_autofree char *missing_uri = g_filename_to_uri (missing_path, NULL, NULL);
  g_autoptr(GError) error = NULL;
  AdwStatusPage *status;
  GtkWidget *back;

  g_file_set_contents (text_path, "These are notes, not a film.\n", -1, &error);
  g_assert_no_error (error);

  /* Not a video: said so on the page, in words. */
  ts_player_page_play_uri (f->page, text_uri, "Notes");
  ts_test_wait_for (error_shown, f, TIMEOUT_S, "the error page for a text file");
  status = ADW_STATUS_PAGE (find_descendant (GTK_WIDGET (page_stack (f)), ADW_TYPE_STATUS_PAGE));
  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_description (status), ==,
                   "This file is not a video that can be played.");

  /* Its Back button leaves the player. */
  back = find_descendant (GTK_WIDGET (status), GTK_TYPE_BUTTON);
  g_assert_nonnull (back);
  g_signal_emit_by_name (back, "clicked");
  g_assert_cmpuint (f->closed, ==, 1);
  g_assert_cmpint (ts_player_get_state (ts_player_page_get_player (f->page)), ==,
                   TS_PLAYER_STATE_STOPPED);

  /* A file that is not there. */
  ts_player_page_play_uri (f->page, missing_uri, NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (page_stack (f)), ==, "video");
  ts_test_wait_for (error_shown, f, TIMEOUT_S, "the error page for a missing file");
  g_assert_true (g_str_has_prefix (adw_status_page_get_description (status),
                                   "The video could not be found"));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);
  gst_init (&argc, &argv);
  ui_test_use_system_icons ();

  g_test_add_func ("/ui/seek-bar/format-time", test_format_time);
  g_test_add_func ("/ui/seek-bar/state", test_seek_bar);
  g_test_add ("/ui/player-page/plays", Fixture, NULL,
              fixture_set_up, test_page_plays, fixture_tear_down);
  g_test_add ("/ui/player-page/errors", Fixture, NULL,
              fixture_set_up, test_page_errors, fixture_tear_down);

  return g_test_run ();
}
