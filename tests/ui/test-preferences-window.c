/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TsPreferencesWindow on its own, against GSettings in memory: every control
 * follows its key both ways, spin buttons keep to the schema's ranges and
 * read and write their units, bad addresses are refused and marked, the
 * download folder row shows the folder in use, and one window serves one
 * parent. The window and the session must be finalized. Needs a display
 * (xvfb-run). */

#include "config.h"

#include <adwaita.h>
#include <locale.h>

#include "ts-preferences-window.h"
#include "ts-session.h"
#include "ts-test-util.h"
#include "ui-test-util.h"

typedef struct
{
  char                *dir;
  GSettings           *settings;
  TsSession           *session;
  TsPreferencesWindow *window;
} Fixture;

static gpointer
child (Fixture    *f,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (f->window),
                                                   TS_TYPE_PREFERENCES_WINDOW, name);

  g_assert_nonnull (object);
  return object;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *state = NULL;

  ui_test_use_system_icons ();

  f->dir = ts_test_make_tmp_dir ("ts-prefs");
  state = g_build_filename (f->dir, "state", NULL);
  f->settings = g_settings_new (APP_ID);
  /* Never started: the window only needs its settings and folder. */
  f->session = ts_session_new (f->settings, state);
  f->window = TS_PREFERENCES_WINDOW (ts_preferences_window_new (f->session));
  g_object_ref_sink (f->window);
  g_assert_true (ts_preferences_window_get_session (f->window) == f->session);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  ts_test_iterate_for (100);
  g_assert_finalize_object (f->window);
  g_assert_finalize_object (f->session);
  g_assert_finalize_object (f->settings);
  ts_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* Types @text into @spin as a person would and lets it parse it. */
static void
type_into_spin (GtkSpinButton *spin,
                const char    *text)
{
  gtk_editable_set_text (GTK_EDITABLE (spin), text);
  gtk_spin_button_update (spin);
}

static void
test_switches_and_combos (Fixture       *f,
                          gconstpointer  data)
{
  GtkSwitch *dht = child (f, "dht_switch");
  GtkSwitch *lan = child (f, "lan_sharing_switch");
  GtkSwitch *cache_mode = child (f, "cache_mode_switch");
  GtkWidget *cache_size_row = child (f, "cache_size_row");
  GtkWidget *cache_age_row = child (f, "cache_age_row");
  AdwComboRow *encryption = child (f, "encryption_row");
  AdwComboRow *provider = child (f, "catalog_provider_row");
  g_autofree char *mode = NULL;
  g_autofree char *catalog = NULL;

  /* The keys' defaults show. */
  g_assert_true (gtk_switch_get_active (dht));
  g_assert_false (gtk_switch_get_active (lan));
  g_assert_cmpuint (adw_combo_row_get_selected (encryption), ==, 0);
  g_assert_cmpuint (adw_combo_row_get_selected (provider), ==, 0);

  /* From the settings to the window... */
  g_settings_set_boolean (f->settings, "enable-dht", FALSE);
  g_assert_false (gtk_switch_get_active (dht));
  g_settings_set_string (f->settings, "encryption", "disabled");
  g_assert_cmpuint (adw_combo_row_get_selected (encryption), ==, 2);

  /* ...and back. */
  gtk_switch_set_active (lan, TRUE);
  g_assert_true (g_settings_get_boolean (f->settings, "lan-sharing"));
  adw_combo_row_set_selected (encryption, 1);
  mode = g_settings_get_string (f->settings, "encryption");
  g_assert_cmpstr (mode, ==, "required");
  adw_combo_row_set_selected (provider, 1);
  catalog = g_settings_get_string (f->settings, "catalog-provider");
  g_assert_cmpstr (catalog, ==, "yts");

  /* The cache limits are only editable in cache mode. */
  g_assert_false (gtk_widget_get_sensitive (cache_size_row));
  g_assert_false (gtk_widget_get_sensitive (cache_age_row));
  gtk_switch_set_active (cache_mode, TRUE);
  g_assert_true (g_settings_get_boolean (f->settings, "cache-mode"));
  g_assert_true (gtk_widget_get_sensitive (cache_size_row));
  g_assert_true (gtk_widget_get_sensitive (cache_age_row));
}

static void
test_spin_buttons (Fixture       *f,
                   gconstpointer  data)
{
  GtkSpinButton *download = child (f, "download_limit_spin");
  GtkSpinButton *port = child (f, "listen_port_spin");
  GtkSpinButton *connections = child (f, "connections_limit_spin");
  GtkSpinButton *readahead = child (f, "readahead_spin");
  GtkSpinButton *age = child (f, "cache_age_spin");
  GtkSpinButton *posters = child (f, "poster_cache_spin");
  GtkAdjustment *adjustment;

  /* The ranges are the schema's. */
  adjustment = gtk_spin_button_get_adjustment (connections);
  g_assert_cmpfloat (gtk_adjustment_get_lower (adjustment), ==, 10);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), ==, 5000);
  adjustment = gtk_spin_button_get_adjustment (port);
  g_assert_cmpfloat (gtk_adjustment_get_lower (adjustment), ==, 0);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), ==, 65535);

  /* Values with their units, and words where 0 means something. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (download)), ==, "Unlimited");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (port)), ==, "6881");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (readahead)), ==, "30 seconds");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (age)), ==, "30 days");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (posters)), ==, "200 MiB");

  gtk_spin_button_set_value (download, 1234);
  g_assert_cmpint (g_settings_get_int (f->settings, "download-limit"), ==, 1234);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (download)), ==, "1234 KiB/s");

  g_settings_set_int (f->settings, "listen-port", 0);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (port)), ==, "Automatic");
  g_settings_set_int (f->settings, "cache-max-age", 1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (age)), ==, "1 day");

  /* Typed text: a number with or without its unit, the word for 0... */
  type_into_spin (download, "250 KiB/s");
  g_assert_cmpint (g_settings_get_int (f->settings, "download-limit"), ==, 250);
  type_into_spin (download, "  unlimited ");
  g_assert_cmpint (g_settings_get_int (f->settings, "download-limit"), ==, 0);
  type_into_spin (readahead, "45");
  g_assert_cmpint (g_settings_get_int (f->settings, "streaming-readahead"), ==, 45);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (readahead)), ==, "45 seconds");

  /* ...while anything else changes nothing, and too much is the most. */
  type_into_spin (readahead, "soon");
  g_assert_cmpint (g_settings_get_int (f->settings, "streaming-readahead"), ==, 45);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (readahead)), ==, "45 seconds");
  type_into_spin (connections, "999999");
  g_assert_cmpint (g_settings_get_int (f->settings, "connections-limit"), ==, 5000);
}

static void
apply (AdwEntryRow *row,
       const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

static void
assert_setting (GSettings  *settings,
                const char *key,
                const char *expected)
{
  g_autofree char *value = g_settings_get_string (settings, key);

  g_assert_cmpstr (value, ==, expected);
}

static void
test_entries (Fixture       *f,
              gconstpointer  data)
{
  AdwEntryRow *archive_url = child (f, "archive_url_row");
  AdwEntryRow *archive_query = child (f, "archive_query_row");
  AdwEntryRow *yts_url = child (f, "yts_url_row");
  const char *refused[] = {
    "ftp://example.org/", "archive.org", "file:///etc/passwd", "http://", "https://[::1",
  };
  g_autoptr(GVariant) query = NULL;
  g_autofree char *default_query = NULL;

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (archive_url)), ==, "https://archive.org");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (yts_url)), ==, "");

  /* Refused, marked, and not written. */
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_test_message ("refusing “%s”", refused[i]);
      apply (archive_url, refused[i]);
      assert_setting (f->settings, "archive-url", "https://archive.org");
      g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (archive_url), "error"));
      g_assert_nonnull (gtk_widget_get_tooltip_text (GTK_WIDGET (archive_url)));
      gtk_editable_set_text (GTK_EDITABLE (archive_url), "");
      /* Editing clears the mark until the next apply. */
      g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (archive_url), "error"));
    }

  apply (yts_url, "javascript:alert(1)");
  assert_setting (f->settings, "yts-url", "");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (yts_url), "error"));

  /* Accepted, trimmed. */
  apply (yts_url, "  http://127.0.0.1:8080/api/v2  ");
  assert_setting (f->settings, "yts-url", "http://127.0.0.1:8080/api/v2");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (yts_url), "error"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (yts_url)), ==,
                   "http://127.0.0.1:8080/api/v2");
  apply (archive_url, "HTTPS://mirror.example.org/");
  assert_setting (f->settings, "archive-url", "HTTPS://mirror.example.org/");
  apply (archive_query, "collection:test_films");
  assert_setting (f->settings, "archive-query", "collection:test_films");

  /* Empty: the YTS catalog is off, the Internet Archive back to defaults. */
  apply (yts_url, "");
  assert_setting (f->settings, "yts-url", "");
  apply (archive_url, " ");
  assert_setting (f->settings, "archive-url", "https://archive.org");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (archive_url)), ==, "https://archive.org");
  apply (archive_query, "");
  query = g_settings_get_user_value (f->settings, "archive-query");
  g_assert_null (query);
  default_query = g_settings_get_string (f->settings, "archive-query");
  g_assert_true (g_str_has_prefix (default_query, "collection:feature_films"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (archive_query)), ==, default_query);

  /* Changed elsewhere: the row follows. */
  g_settings_set_string (f->settings, "archive-url", "https://other.example");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (archive_url)), ==,
                   "https://other.example");
}

static void
test_download_folder (Fixture       *f,
                      gconstpointer  data)
{
  AdwActionRow *row = child (f, "download_folder_row");
  GtkWidget *reset = child (f, "download_folder_reset_button");
  g_autofree char *films = g_build_filename (f->dir, "films", NULL);
  g_autofree char *effective = ts_session_dup_download_folder (f->session);
  g_autofree char *shown = NULL;

  /* The default, under the home folder, shown as such. */
  g_assert_true (g_str_has_prefix (effective, g_get_home_dir ()));
  shown = g_strconcat ("~", effective + strlen (g_get_home_dir ()), NULL);
  g_assert_true (g_str_has_suffix (shown, "/TorrentStream"));
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==, shown);
  g_assert_false (gtk_widget_get_visible (reset));

  g_settings_set_string (f->settings, "download-folder", films);
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==, films);
  g_assert_true (gtk_widget_get_visible (reset));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window),
                                             "prefs.reset-download-folder", NULL));
  assert_setting (f->settings, "download-folder", "");
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==, shown);
  g_assert_false (gtk_widget_get_visible (reset));
}

static guint
count_preferences_windows (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (TS_IS_PREFERENCES_WINDOW (toplevel))
        n++;
    }

  return n;
}

static void
test_present_for (Fixture       *f,
                  gconstpointer  data)
{
  GtkWindow *parent = GTK_WINDOW (gtk_window_new ());
  GtkWindow *prefs = NULL;
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint before = count_preferences_windows ();

  g_object_ref_sink (parent);
  gtk_window_present (parent);

  ts_preferences_window_present_for (parent, f->session);
  ts_preferences_window_present_for (parent, f->session);
  g_assert_cmpuint (count_preferences_windows (), ==, before + 1);

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (TS_IS_PREFERENCES_WINDOW (toplevel) && toplevel != GTK_WINDOW (f->window))
        prefs = toplevel;
    }
  g_assert_nonnull (prefs);
  g_assert_true (gtk_window_get_transient_for (prefs) == parent);
  g_assert_true (gtk_window_get_modal (prefs));
  g_object_add_weak_pointer (G_OBJECT (prefs), (gpointer *) &prefs);

  /* It goes with its parent. */
  gtk_window_destroy (parent);
  g_assert_finalize_object (parent);
  ts_test_iterate_for (50);
  g_assert_null (prefs);
  g_assert_cmpuint (count_preferences_windows (), ==, before);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add ("/ui/preferences/switches-and-combos", Fixture, NULL,
              fixture_set_up, test_switches_and_combos, fixture_tear_down);
  g_test_add ("/ui/preferences/spin-buttons", Fixture, NULL,
              fixture_set_up, test_spin_buttons, fixture_tear_down);
  g_test_add ("/ui/preferences/entries", Fixture, NULL,
              fixture_set_up, test_entries, fixture_tear_down);
  g_test_add ("/ui/preferences/download-folder", Fixture, NULL,
              fixture_set_up, test_download_folder, fixture_tear_down);
  g_test_add ("/ui/preferences/present-for", Fixture, NULL,
              fixture_set_up, test_present_for, fixture_tear_down);

  return g_test_run ();
}
