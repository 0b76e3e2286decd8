/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The widgets on a real, loopback-only TsSession (no peers): the text
 * helpers, the downloads page following torrents live (added, paused,
 * resumed, removed) and the window's size kept in GSettings. Every widget
 * and the session must be finalized at the end. Needs a display
 * (xvfb-run). */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "ts-download-row.h"
#include "ts-downloads-page.h"
#include "ts-format.h"
#include "ts-session.h"
#include "ts-test-util.h"
#include "ui-test-util.h"
#include "ts-torrent.h"
#include "ts-window.h"

#define TIMEOUT_S    30
#define PIECE_LENGTH 16384

/* Text helpers ------------------------------------------------------------- */

static void
test_format_eta (void)
{
  g_autofree char *unknown = ts_format_eta (-1);
  g_autofree char *zero = ts_format_eta (0);
  g_autofree char *seconds = ts_format_eta (42);
  g_autofree char *minutes = ts_format_eta (12 * 60 + 5);
  g_autofree char *hours = ts_format_eta (3600 + 2 * 60 + 3);
  g_autofree char *days = ts_format_eta (3 * 24 * 3600 + 5);

  g_assert_null (unknown);
  g_assert_cmpstr (zero, ==, "0:00");
  g_assert_cmpstr (seconds, ==, "0:42");
  g_assert_cmpstr (minutes, ==, "12:05");
  g_assert_cmpstr (hours, ==, "1:02:03");
  g_assert_cmpstr (days, ==, "3 days");
}

static void
test_format_rates_and_peers (void)
{
  g_autofree char *rate = ts_format_rate (1200000);
  g_autofree char *negative = ts_format_rate (-5);
  g_autofree char *one = ts_format_peers (1, 1);
  g_autofree char *many = ts_format_peers (5, 2);

  g_assert_cmpstr (rate, ==, "1.2\u00a0MB/s");
  g_assert_cmpstr (negative, ==, "0 bytes/s");
  g_assert_cmpstr (one, ==, "1 peer (1 seed)");
  g_assert_cmpstr (many, ==, "5 peers (2 seeds)");
  g_assert_cmpstr (ts_format_state (TS_TORRENT_STATE_FETCHING_METADATA), ==,
                   "Fetching metadata");
  g_assert_cmpstr (ts_format_state (TS_TORRENT_STATE_PAUSED), ==, "Paused");
}

/* Fixture: a started session in private folders ------------------------------ */

typedef struct
{
  char      *dir;
  GSettings *settings;
  TsSession *session;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *downloads = NULL;
  g_autofree char *state = NULL;
  g_autoptr(GError) error = NULL;

  ui_test_use_system_icons ();

  f->dir = ts_test_make_tmp_dir ("ts-widgets");
  downloads = g_build_filename (f->dir, "downloads", NULL);
  state = g_build_filename (f->dir, "state", NULL);
  g_assert_cmpint (g_mkdir_with_parents (downloads, 0700), ==, 0);

  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "download-folder", downloads);
  g_settings_set_int (f->settings, "listen-port", 0);

  f->session = ts_session_new (f->settings, state);
  ts_session_set_loopback_only (f->session, TRUE);
  g_assert_true (ts_session_start (f->session, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  ts_session_shutdown_sync (f->session);
  g_assert_finalize_object (f->session);
  g_assert_finalize_object (f->settings);
  ts_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* A single-file torrent of @size zero bytes, bencoded by hand. */
static GBytes *
make_torrent (const char *name,
              gsize       size)
{
  g_autoptr(GString) pieces = g_string_new (NULL);
  g_autofree guint8 *zeros = g_malloc0 (PIECE_LENGTH);
  GString *out = g_string_new (NULL);

  for (gsize offset = 0; offset < size; offset += PIECE_LENGTH)
    {
      g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
      guint8 digest[20];
      gsize digest_len = sizeof digest;

      g_checksum_update (sha1, zeros, MIN (PIECE_LENGTH, size - offset));
      g_checksum_get_digest (sha1, digest, &digest_len);
      g_string_append_len (pieces, (const char *) digest, digest_len);
    }

  g_string_append_printf (out, "d4:infod6:lengthi%" G_GSIZE_FORMAT "e4:name%zu:%s"
                          "12:piece lengthi%de6:pieces%zu:",
                          size, strlen (name), name, PIECE_LENGTH, pieces->len);
  g_string_append_len (out, pieces->str, pieces->len);
  g_string_append (out, "ee");

  return g_string_free_to_bytes (out);
}

static TsTorrent *
add_torrent (Fixture    *f,
             const char *name)
{
  g_autoptr(GBytes) bytes = make_torrent (name, 4 * PIECE_LENGTH);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TsTorrent *torrent;

  ts_session_add_bytes_async (f->session, bytes, NULL, ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, TIMEOUT_S);
  torrent = ts_session_add_finish (f->session, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (torrent);

  return torrent;
}

/* Widget tree helpers -------------------------------------------------------- */

static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;

  return FALSE;
}

static TsDownloadRow *
find_row (GtkWidget *widget,
          TsTorrent *torrent)
{
  if (TS_IS_DOWNLOAD_ROW (widget) &&
      ts_download_row_get_torrent (TS_DOWNLOAD_ROW (widget)) == torrent)
    return TS_DOWNLOAD_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      TsDownloadRow *row = find_row (child, torrent);

      if (row != NULL)
        return row;
    }

  return NULL;
}

static GtkStack *
find_stack (GtkWidget *widget)
{
  if (GTK_IS_STACK (widget))
    return GTK_STACK (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkStack *stack = find_stack (child);

      if (stack != NULL)
        return stack;
    }

  return NULL;
}

typedef struct
{
  GtkWidget  *root;
  TsTorrent  *torrent;
  const char *text;
} RowWait;

static gboolean
row_shows (gpointer user_data)
{
  RowWait *wait = user_data;
  TsDownloadRow *row = find_row (wait->root, wait->torrent);

  return row != NULL && (wait->text == NULL || has_label (GTK_WIDGET (row), wait->text));
}

static gboolean
row_not_paused (gpointer user_data)
{
  RowWait *wait = user_data;
  TsDownloadRow *row = find_row (wait->root, wait->torrent);

  return row != NULL && !has_label (GTK_WIDGET (row), "Paused");
}

static gboolean
row_gone (gpointer user_data)
{
  RowWait *wait = user_data;

  return find_row (wait->root, wait->torrent) == NULL;
}

static gboolean
torrent_paused (gpointer user_data)
{
  return ts_torrent_get_state (user_data) == TS_TORRENT_STATE_PAUSED;
}

static gboolean
torrent_running (gpointer user_data)
{
  return ts_torrent_get_state (user_data) != TS_TORRENT_STATE_PAUSED;
}

/* The downloads page --------------------------------------------------------- */

static void
test_downloads_page_live (Fixture       *f,
                          gconstpointer  data)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = ts_downloads_page_new ();
  g_autoptr(TsTorrent) torrent = NULL;
  GtkStack *stack;
  RowWait wait = { 0 };

  g_object_ref_sink (page);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  gtk_window_set_child (GTK_WINDOW (window), page);
  ts_downloads_page_set_session (TS_DOWNLOADS_PAGE (page), f->session);
  g_assert_true (ts_downloads_page_get_session (TS_DOWNLOADS_PAGE (page)) == f->session);
  gtk_window_present (GTK_WINDOW (window));

  stack = find_stack (page);
  g_assert_nonnull (stack);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_true (has_label (page, "No downloads"));

  /* Added: a row appears by itself, with the name and the count. */
  torrent = add_torrent (f, "Widget test film.mkv");
  wait.root = page;
  wait.torrent = torrent;
  wait.text = "Widget test film.mkv";
  ts_test_wait_for (row_shows, &wait, TIMEOUT_S, "a row for the new torrent");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");
  g_assert_true (has_label (page, "1 download"));

  /* Paused elsewhere (not through the row): the row follows. */
  ts_torrent_pause (torrent);
  ts_test_wait_for (torrent_paused, torrent, TIMEOUT_S, "the torrent to pause");
  wait.text = "Paused";
  ts_test_wait_for (row_shows, &wait, TIMEOUT_S, "the row to say Paused");

  ts_torrent_resume (torrent);
  ts_test_wait_for (torrent_running, torrent, TIMEOUT_S, "the torrent to resume");
  ts_test_wait_for (row_not_paused, &wait, TIMEOUT_S, "the row to stop saying Paused");

  /* Removed: the row goes, the empty state comes back. */
  ts_session_remove (f->session, torrent, TRUE);
  ts_test_wait_for (row_gone, &wait, TIMEOUT_S, "the row to go away");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (page);
}

/* The window ------------------------------------------------------------------ */

static void
test_window_settings (Fixture       *f,
                      gconstpointer  data)
{
  TsWindow *window;

  g_settings_set_int (f->settings, "window-width", 900);
  g_settings_set_int (f->settings, "window-height", 650);
  g_settings_set_boolean (f->settings, "window-maximized", FALSE);

  window = ts_window_new (NULL, f->session);
  g_object_ref_sink (window);
  g_assert_true (ts_window_get_session (window) == f->session);

  /* Opens at the saved size, and keeps the new one. */
  {
    int width, height;

    gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
    g_assert_cmpint (width, ==, 900);
    g_assert_cmpint (height, ==, 650);
  }

  gtk_window_present (GTK_WINDOW (window));
  gtk_window_set_default_size (GTK_WINDOW (window), 700, 500);
  g_assert_cmpint (g_settings_get_int (f->settings, "window-width"), ==, 700);
  g_assert_cmpint (g_settings_get_int (f->settings, "window-height"), ==, 500);

  ts_window_add_toast (window, "A message with <markup> & ampersands");
  ts_window_show_downloads (window);
  ts_test_iterate_for (100);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/format/eta", test_format_eta);
  g_test_add_func ("/ui/format/rates-and-peers", test_format_rates_and_peers);
  g_test_add ("/ui/downloads-page/live", Fixture, NULL,
              fixture_set_up, test_downloads_page_live, fixture_tear_down);
  g_test_add ("/ui/window/settings", Fixture, NULL,
              fixture_set_up, test_window_settings, fixture_tear_down);

  return g_test_run ();
}
