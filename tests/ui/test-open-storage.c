/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening torrents and disk space, on a real loopback-only TsSession with
 * no peers: the default choice of files, the open flow (new, again, no
 * space, bad input: nothing changes), the file choice dialog, the free
 * space figure, the cache policy and the cache manager (what it deletes
 * and what it never deletes), dropping torrents on the window, and the
 * Continue Watching row. Every object
 * is checked to be finalized. Needs a display (xvfb-run). */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "ts-continue-row.h"
#include "ts-file-chooser-dialog.h"
#include "ts-library.h"
#include "ts-open-flow.h"
#include "ts-session.h"
#include "ts-storage-manager.h"
#include "ts-test-util.h"
#include "ui-test-util.h"
#include "ts-torrent-file.h"
#include "ts-torrent.h"
#include "ts-window.h"

#define TIMEOUT_S    30
#define PIECE_LENGTH 16384
#define DAY          (24 * 60 * 60)
#define GIB          (G_GINT64_CONSTANT (1) << 30)

/* Torrents of zero bytes, bencoded by hand --------------------------------------------- */

typedef struct
{
  const char *path;   /* inside the torrent, '/'-separated */
  gsize       size;
} FileSpec;

static void
bencode_string (GString    *out,
                const char *text)
{
  g_string_append_printf (out, "%zu:%s", strlen (text), text);
}

/* A multi-file torrent @name of zero-filled files (one file: single-file
 * layout). */
static GBytes *
make_torrent (const char     *name,
              const FileSpec *files,
              guint           n_files)
{
  g_autoptr(GString) pieces = g_string_new (NULL);
  g_autofree guint8 *zeros = g_malloc0 (PIECE_LENGTH);
  GString *out = g_string_new ("d4:infod");
  gsize total = 0;

  for (guint i = 0; i < n_files; i++)
    total += files[i].size;
  for (gsize offset = 0; offset < total; offset += PIECE_LENGTH)
    {
      g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
      guint8 digest[20];
      gsize digest_len = sizeof digest;

      g_checksum_update (sha1, zeros, MIN (PIECE_LENGTH, total - offset));
      g_checksum_get_digest (sha1, digest, &digest_len);
      g_string_append_len (pieces, (const char *) digest, digest_len);
    }

  if (n_files == 1)
    g_string_append_printf (out, "6:lengthi%" G_GSIZE_FORMAT "e", files[0].size);
  else
    {
      g_string_append (out, "5:filesl");
      for (guint i = 0; i < n_files; i++)
        {
          g_auto(GStrv) parts = g_strsplit (files[i].path, "/", -1);

          g_string_append_printf (out, "d6:lengthi%" G_GSIZE_FORMAT "e4:pathl", files[i].size);
          for (guint j = 0; parts[j] != NULL; j++)
            bencode_string (out, parts[j]);
          g_string_append (out, "ee");
        }
      g_string_append (out, "e");
    }
  g_string_append (out, "4:name");
  bencode_string (out, name);
  g_string_append_printf (out, "12:piece lengthi%de6:pieces%" G_GSIZE_FORMAT ":", PIECE_LENGTH,
                          pieces->len);
  g_string_append_len (out, pieces->str, pieces->len);
  g_string_append (out, "ee");

  return g_string_free_to_bytes (out);
}

/* Fixture: a started session and a library in private folders ------------------------- */

typedef struct
{
  char      *dir;
  char      *downloads;
  char      *library_path;
  GSettings *settings;
  TsSession *session;
  TsLibrary *library;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *state = NULL;
  g_autoptr(GError) error = NULL;

  f->dir = ts_test_make_tmp_dir ("ts-open-storage");
  f->downloads = g_build_filename (f->dir, "downloads", NULL);
  state = g_build_filename (f->dir, "state", NULL);
  f->library_path = g_build_filename (state, "library.json", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->downloads, 0700), ==, 0);

  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "download-folder", f->downloads);
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
  if (f->library != NULL)
    g_assert_finalize_object (f->library);
  g_assert_finalize_object (f->session);
  g_assert_finalize_object (f->settings);
  g_unsetenv ("TS_TEST_FREE_SPACE");
  ts_test_rm_rf (f->dir);
  g_free (f->library_path);
  g_free (f->downloads);
  g_free (f->dir);
}

static TsTorrent *
add_bytes (Fixture *f,
           GBytes  *bytes)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TsTorrent *torrent;

  ts_session_add_bytes_async (f->session, bytes, NULL, ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, TIMEOUT_S);
  torrent = ts_session_add_finish (f->session, result, &error);
  g_assert_no_error (error);
  return torrent;
}

static char *
write_torrent_file (Fixture    *f,
                    const char *file_name,
                    GBytes     *bytes)
{
  char *path = g_build_filename (f->dir, file_name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return path;
}

static guint
n_torrents (Fixture *f)
{
  return g_list_model_get_n_items (ts_session_get_torrents (f->session));
}

static gboolean
n_torrents_is_one (gpointer user_data)
{
  return n_torrents (user_data) == 1;
}

/* Default choice ------------------------------------------------------------------------- */

static const FileSpec film_files[] = {
  { "film.mkv", 40 * PIECE_LENGTH },
  { "film.en.srt", 1000 },
  { "Subs/other.srt", 900 },
  { "sample.mkv", 2 * PIECE_LENGTH },
  { "notes.txt", 300 },
};

static gboolean *
selection_by_path (TsTorrent *torrent)
{
  guint n = 0;

  return ts_file_selection_default (torrent, &n);
}

static gboolean
selected (TsTorrent  *torrent,
          gboolean   *selection,
          const char *path)
{
  GListModel *files = ts_torrent_get_files (torrent);

  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if (g_str_has_suffix (ts_torrent_file_get_path (file), path))
        return selection[i];
    }
  g_assert_not_reached ();
  return FALSE;
}

static void
test_default_selection (Fixture       *f,
                        gconstpointer  data)
{
  const FileSpec two_films[] = {
    { "a.mkv", 30 * PIECE_LENGTH },
    { "b.mkv", 28 * PIECE_LENGTH },
    { "a.srt", 500 },
    { "b.srt", 500 },
    { "a - English.srt", 500 },
  };
  const FileSpec no_video[] = {
    { "one.mp3", 3000 },
    { "two.txt", 100 },
  };
  g_autoptr(GBytes) bytes1 = make_torrent ("Film", film_files, G_N_ELEMENTS (film_files));
  g_autoptr(GBytes) bytes2 = make_torrent ("Two", two_films, G_N_ELEMENTS (two_films));
  g_autoptr(GBytes) bytes3 = make_torrent ("Sounds", no_video, G_N_ELEMENTS (no_video));
  g_autoptr(TsTorrent) film = add_bytes (f, bytes1);
  g_autoptr(TsTorrent) two = add_bytes (f, bytes2);
  g_autoptr(TsTorrent) sounds = add_bytes (f, bytes3);
  g_autofree gboolean *s1 = selection_by_path (film);
  g_autofree gboolean *s2 = selection_by_path (two);
  g_autofree gboolean *s3 = selection_by_path (sounds);

  /* One film: its subtitles, whatever their names, in its folder or a
   * subtitles folder beside it; not the sample, not the notes. */
  g_assert_true (selected (film, s1, "/film.mkv"));
  g_assert_true (selected (film, s1, "/film.en.srt"));
  g_assert_true (selected (film, s1, "/Subs/other.srt"));
  g_assert_false (selected (film, s1, "/sample.mkv"));
  g_assert_false (selected (film, s1, "/notes.txt"));

  /* Two films: the largest, and only the subtitles named after it. */
  g_assert_true (selected (two, s2, "/a.mkv"));
  g_assert_true (selected (two, s2, "/a.srt"));
  g_assert_true (selected (two, s2, "/a - English.srt"));
  g_assert_false (selected (two, s2, "/b.mkv"));
  g_assert_false (selected (two, s2, "/b.srt"));

  /* No video: everything. */
  g_assert_true (selected (sounds, s3, "/one.mp3"));
  g_assert_true (selected (sounds, s3, "/two.txt"));

  ts_session_remove (f->session, film, FALSE);
  ts_session_remove (f->session, two, FALSE);
  ts_session_remove (f->session, sounds, FALSE);
}

/* The open flow --------------------------------------------------------------------------- */

static TsTorrent *
open_flow (Fixture     *f,
           const char  *source,
           gboolean    *is_new,
           GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ts_open_flow_async (NULL, f->session, f->library, source, NULL, NULL,
                      ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, TIMEOUT_S);
  return ts_open_flow_finish (result, is_new, error);
}

/* film.mkv, film.en.srt and Subs/other.srt; not sample.mkv nor notes.txt. */
static gboolean
priorities_applied (gpointer user_data)
{
  TsTorrent *torrent = user_data;
  GListModel *files = ts_torrent_get_files (torrent);
  const gboolean wanted[] = { TRUE, TRUE, TRUE, FALSE, FALSE };

  g_assert_cmpuint (g_list_model_get_n_items (files), ==, G_N_ELEMENTS (wanted));
  for (guint i = 0; i < G_N_ELEMENTS (wanted); i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if ((ts_torrent_file_get_priority (file) > 0) != wanted[i])
        return FALSE;
    }
  return TRUE;
}

static void
test_open_flow (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_torrent ("Film", film_files, G_N_ELEMENTS (film_files));
  const FileSpec big_file[] = { { "big.mkv", 64 * PIECE_LENGTH } };
  g_autoptr(GBytes) big_bytes = make_torrent ("big.mkv", big_file, 1);
  g_autofree char *path = write_torrent_file (f, "film.torrent", bytes);
  g_autofree char *big_path = write_torrent_file (f, "big.torrent", big_bytes);
  g_autoptr(GBytes) bad_bytes = g_bytes_new_static ("d4:infoi3e", 10);
  g_autofree char *bad_path = write_torrent_file (f, "bad.torrent", bad_bytes);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(TsTorrent) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *list_before = NULL;
  g_autofree char *list_path = g_build_filename (f->dir, "state", "torrents.list", NULL);
  TsLibraryItem *item;
  gboolean is_new = FALSE;

  f->library = ts_library_new (f->library_path);

  /* New: added, the default choice applied, preloaded in the library. */
  torrent = open_flow (f, path, &is_new, &error);
  g_assert_no_error (error);
  g_assert_true (TS_IS_TORRENT (torrent));
  g_assert_true (is_new);
  g_assert_false (ts_torrent_get_paused (torrent));
  ts_test_wait_for (priorities_applied, torrent, TIMEOUT_S, "the default choice of files");
  item = ts_library_lookup (f->library, ts_torrent_get_info_hash (torrent));
  g_assert_nonnull (item);
  g_assert_true (ts_library_item_get_preloaded (item));

  /* Again: the same torrent, nothing asked. */
  again = open_flow (f, path, &is_new, &error);
  g_assert_no_error (error);
  g_assert_true (again == torrent);
  g_assert_false (is_new);
  g_assert_cmpuint (n_torrents (f), ==, 1);

  /* Bad input and too little space: refused, and nothing changes. */
  g_clear_object (&again);
  again = open_flow (f, "magnet:?xt=urn:btih:nothex", NULL, &error);
  g_assert_null (again);
  g_assert_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_MAGNET);
  g_assert_nonnull (strstr (error->message, "nothex"));
  g_clear_error (&error);

  again = open_flow (f, bad_path, NULL, &error);
  g_assert_null (again);
  g_assert_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_TORRENT);
  g_clear_error (&error);

  g_setenv ("TS_TEST_FREE_SPACE", "1000", TRUE);
  again = open_flow (f, big_path, NULL, &error);
  g_assert_null (again);
  g_assert_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NO_SPACE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "“big.mkv”"));
  g_assert_nonnull (strstr (error->message, "1.0\u00a0MB"));
  g_assert_nonnull (strstr (error->message, "1.0\u00a0kB"));
  g_assert_nonnull (strstr (error->message, f->downloads));
  g_clear_error (&error);
  g_unsetenv ("TS_TEST_FREE_SPACE");

  g_assert_cmpuint (n_torrents (f), ==, 1);
  {
    g_autofree char *film_section = g_strdup_printf ("[%s]", ts_torrent_get_info_hash (torrent));
    g_auto(GStrv) lines = NULL;
    guint n_sections = 0;

    /* The saved list is written on a worker: once it settled, it holds the
     * first torrent and nothing else. */
    ts_test_iterate_for (1000);
    g_assert_true (g_file_get_contents (list_path, &list_before, NULL, NULL));
    lines = g_strsplit (list_before, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      if (lines[i][0] == '[' && g_strcmp0 (lines[i], "[TorrentStream]") != 0)
        {
          g_assert_cmpstr (lines[i], ==, film_section);
          n_sections++;
        }
    g_assert_cmpuint (n_sections, ==, 1);
  }
  {
    g_autoptr(GDir) dir = g_dir_open (f->downloads, 0, NULL);

    /* Only the first torrent's folder may be there. */
    for (const char *name; dir != NULL && (name = g_dir_read_name (dir)) != NULL;)
      g_assert_cmpstr (name, ==, "Film");
  }

  ts_session_remove (f->session, torrent, TRUE);
  /* Removed torrents are forgotten by the application; here, by hand. */
  ts_library_forget (f->library, ts_torrent_get_info_hash (torrent));
}

/* Dropping on the window ------------------------------------------------------------------- */

static GtkDropTarget *
find_drop_target (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  return NULL;
}

static gboolean
drop (GtkDropTarget *target,
      const GValue  *value)
{
  gboolean accepted = FALSE;

  g_signal_emit_by_name (target, "drop", value, 10.0, 10.0, &accepted);
  return accepted;
}

typedef struct
{
  Fixture    *f;
  const char *hash;
} HashWait;

static gboolean
torrent_in_session (gpointer user_data)
{
  HashWait *wait = user_data;

  return ts_session_lookup (wait->f->session, wait->hash) != NULL;
}

static void
test_drop (Fixture       *f,
           gconstpointer  data)
{
  const FileSpec one[] = { { "dropped.mkv", 3 * PIECE_LENGTH } };
  g_autoptr(GBytes) bytes = make_torrent ("dropped.mkv", one, 1);
  g_autofree char *path = write_torrent_file (f, "dropped.torrent", bytes);
  TsWindow *window = ts_window_new (NULL, f->session);
  GtkDropTarget *target;
  GValue value = G_VALUE_INIT;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GSList *files = g_slist_prepend (NULL, file);
  HashWait wait = { f, NULL };
  const char *magnet_hash = "0123456789abcdef0123456789abcdef01234567";

  g_object_ref_sink (window);
  gtk_window_present (GTK_WINDOW (window));
  target = find_drop_target (GTK_WIDGET (window));
  g_assert_nonnull (target);

  /* A .torrent file from the file manager. */
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_set_boxed (&value, files);
  g_assert_true (drop (target, &value));
  g_value_unset (&value);
  g_slist_free (files);
  ts_test_wait_for (n_torrents_is_one, f, TIMEOUT_S, "the dropped file's torrent");

  /* A magnet link from a browser. */
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567");
  g_assert_true (drop (target, &value));
  wait.hash = magnet_hash;
  ts_test_wait_for (torrent_in_session, &wait, TIMEOUT_S, "the dropped magnet's torrent");

  /* Text that is no torrent: refused. */
  g_value_set_string (&value, "just some words");
  g_assert_false (drop (target, &value));
  g_value_unset (&value);
  ts_test_iterate_for (200);
  g_assert_cmpuint (n_torrents (f), ==, 2);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);

  for (guint i = n_torrents (f); i > 0; i--)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (ts_session_get_torrents (f->session),
                                                            i - 1);

      ts_session_remove (f->session, torrent, TRUE);
    }
}

/* The file choice dialog ------------------------------------------------------------------ */

static void
test_file_chooser_dialog (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_torrent ("Film", film_files, G_N_ELEMENTS (film_files));
  g_autoptr(TsTorrent) torrent = add_bytes (f, bytes);
  TsFileChooserDialog *dialog;
  g_autofree guint8 *priorities = NULL;
  guint64 film_size = 40 * PIECE_LENGTH + 1000 + 900;
  guint n = 0;

  /* Room for the film and its subtitles, not for the sample too. */
  dialog = ts_file_chooser_dialog_new (NULL, torrent, film_size + 100);
  g_object_ref_sink (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_cmpuint (ts_file_chooser_dialog_get_needed (dialog), ==, film_size);
  g_assert_cmpuint (ts_file_chooser_dialog_get_free_bytes (dialog), ==, film_size + 100);

  priorities = ts_file_chooser_dialog_dup_priorities (dialog, &n);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpuint (priorities[0] + priorities[1] + priorities[2], ==,
                    3 * TS_FILE_PRIORITY_NORMAL);
  g_assert_cmpuint (priorities[3] + priorities[4], ==, 0);

  /* The sample too: it no longer fits. */
  ts_file_chooser_dialog_set_selected (dialog, 3, TRUE);
  g_assert_cmpuint (ts_file_chooser_dialog_get_needed (dialog), ==, film_size + 2 * PIECE_LENGTH);
  g_clear_pointer (&priorities, g_free);
  priorities = ts_file_chooser_dialog_dup_priorities (dialog, &n);
  g_assert_cmpuint (priorities[3], ==, TS_FILE_PRIORITY_NORMAL);

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
  ts_session_remove (f->session, torrent, FALSE);
}

/* Free space ------------------------------------------------------------------------------ */

static void
query_free (const char *folder,
            guint64    *free_bytes,
            GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ts_storage_query_free_async (folder, NULL, ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, TIMEOUT_S);
  ts_storage_query_free_finish (result, free_bytes, error);
}

static void
test_free_space (void)
{
  g_autoptr(GError) error = NULL;
  guint64 free_bytes = 0;
  g_autofree char *missing = g_build_filename (g_get_tmp_dir (), "ts-no-such-folder", "deeper",
                                               NULL);

  /* A folder that does not exist yet: its nearest parent's filesystem. */
  query_free (missing, &free_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (free_bytes, >, 0);

  g_setenv ("TS_TEST_FREE_SPACE", "123456", TRUE);
  query_free (missing, &free_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (free_bytes, ==, 123456);
  g_unsetenv ("TS_TEST_FREE_SPACE");

  g_assert_true (ts_storage_check_fits ("Film", "/films", 10, 10, &error));
  g_assert_no_error (error);
  g_assert_false (ts_storage_check_fits ("Film", "/films", 2000000, 1000, &error));
  g_assert_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NO_SPACE);
  g_assert_cmpstr (error->message, ==,
                   "Not enough free space for “Film”: it needs 2.0\u00a0MB, but only "
                   "1.0\u00a0kB are free in “/films”");
}

/* Cache policy ------------------------------------------------------------------------------ */

static void
assert_plan (const TsCacheEntry *entries,
             guint               n,
             gint64              size_limit,
             gint64              max_age,
             const char         *expected)
{
  g_autoptr(GArray) plan = ts_cache_plan (entries, n, size_limit, max_age, 1000 * DAY);
  g_autoptr(GString) got = g_string_new (NULL);

  for (guint i = 0; i < plan->len; i++)
    {
      if (i > 0)
        g_string_append_c (got, ' ');
      g_string_append (got, entries[g_array_index (plan, guint, i)].info_hash);
    }
  g_assert_cmpstr (got->str, ==, expected);
}

static void
test_cache_plan (void)
{
  const gint64 now = 1000 * DAY;
  const TsCacheEntry entries[] = {
    { "new-watched",   5 * GIB, now - 1 * DAY,  TRUE,  FALSE },
    { "old-watched",   5 * GIB, now - 5 * DAY,  TRUE,  FALSE },
    { "oldest",        5 * GIB, now - 9 * DAY,  FALSE, FALSE },
    { "playing",       5 * GIB, now - 20 * DAY, TRUE,  TRUE },
    { "ancient",       1 * GIB, now - 60 * DAY, FALSE, FALSE },
  };

  assert_plan (NULL, 0, 10 * GIB, 30 * DAY, "");
  /* Nothing over the limits. */
  assert_plan (entries, G_N_ELEMENTS (entries), 100 * GIB, 100 * DAY, "");
  /* Age: only what is not kept. */
  assert_plan (entries, G_N_ELEMENTS (entries), 0, 30 * DAY, "ancient");
  /* Size: watched first, least recently used first, then the unwatched
   * ones the same way; the kept one counts but stays. 21 GiB: out go
   * old-watched (16 left), new-watched (11), ancient (10). */
  assert_plan (entries, G_N_ELEMENTS (entries), 10 * GIB, 0, "old-watched new-watched ancient");
  assert_plan (entries, G_N_ELEMENTS (entries), 9 * GIB, 0,
               "old-watched new-watched ancient oldest");
  assert_plan (entries, G_N_ELEMENTS (entries), 17 * GIB, 0, "old-watched");
  /* Both: what is too old goes first, which counts for the size. */
  assert_plan (entries, G_N_ELEMENTS (entries), 20 * GIB, 30 * DAY, "ancient");
  assert_plan (entries, G_N_ELEMENTS (entries), 19 * GIB, 30 * DAY, "ancient old-watched");
  /* Everything kept: nothing goes, whatever the size. */
  {
    const TsCacheEntry kept[] = { { "mine", 50 * GIB, 0, TRUE, TRUE } };

    assert_plan (kept, 1, 1 * GIB, 1 * DAY, "");
  }
}

/* Cache manager ------------------------------------------------------------------------------ */

static void
write_library (Fixture     *f,
               const char  *json)
{
  g_autofree char *dir = g_path_get_dirname (f->library_path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (f->library_path, json, -1, &error);
  g_assert_no_error (error);
}

static void
test_cache_manager (Fixture       *f,
                    gconstpointer  data)
{
  const FileSpec one[] = { { "x.mkv", 2 * PIECE_LENGTH } };
  const char *names[] = { "watched-long-ago.mkv", "preloaded.mkv", "playing.mkv",
                          "recent.mkv", "unknown.mkv" };
  TsTorrent *torrents[G_N_ELEMENTS (names)];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(GString) json = g_string_new ("{\"version\": 1, \"items\": [");
  TsStorageManager *manager;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GBytes) bytes = make_torrent (names[i], one, 1);

      torrents[i] = add_bytes (f, bytes);
    }

  /* The library as an earlier run left it; the last torrent is unknown to
   * it (added some other way), so it is the user's. */
  for (guint i = 0; i < 4; i++)
    g_string_append_printf (json,
                            "%s{\"info-hash\": \"%s\", \"preloaded\": %s, \"watched\": %s, "
                            "\"last-file\": 0, \"last-played\": %" G_GINT64_FORMAT ", "
                            "\"added\": %" G_GINT64_FORMAT ", "
                            "\"files\": [{\"index\": 0, \"position\": 1, \"duration\": 2}]}",
                            i > 0 ? "," : "", ts_torrent_get_info_hash (torrents[i]),
                            i == 1 ? "true" : "false", i == 0 ? "true" : "false",
                            i == 3 ? now - 3600 : now - 90 * DAY, now - 100 * DAY);
  g_string_append (json, "]}");
  write_library (f, json->str);
  f->library = ts_library_new (f->library_path);

  g_settings_set_int (f->settings, "cache-max-age", 30);
  manager = ts_storage_manager_new (f->session, f->library, f->settings);
  ts_storage_manager_hold (manager, ts_torrent_get_info_hash (torrents[2]));

  /* Off: nothing happens. */
  g_assert_cmpuint (ts_storage_manager_run (manager), ==, 0);
  g_assert_cmpuint (n_torrents (f), ==, 5);

  /* On: only the old, watched, streamed-only one goes, and the library
   * forgets it. */
  g_settings_set_boolean (f->settings, "cache-mode", TRUE);
  g_assert_cmpuint (ts_storage_manager_run (manager), ==, 1);
  g_assert_true (ts_torrent_is_removed (torrents[0]));
  g_assert_null (ts_library_lookup (f->library, ts_torrent_get_info_hash (torrents[0])));
  for (guint i = 1; i < G_N_ELEMENTS (names); i++)
    g_assert_false (ts_torrent_is_removed (torrents[i]));

  /* Played no more: it goes too, by itself. */
  ts_storage_manager_release (manager, ts_torrent_get_info_hash (torrents[2]));
  ts_test_wait_for ((TsTestPredicate) ts_torrent_is_removed, torrents[2], TIMEOUT_S,
                    "the released torrent to be deleted");
  g_assert_false (ts_torrent_is_removed (torrents[1]));
  g_assert_false (ts_torrent_is_removed (torrents[3]));
  g_assert_false (ts_torrent_is_removed (torrents[4]));
  g_assert_cmpuint (n_torrents (f), ==, 3);

  g_assert_finalize_object (manager);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (!ts_torrent_is_removed (torrents[i]))
        ts_session_remove (f->session, torrents[i], TRUE);
      g_object_unref (torrents[i]);
    }
}

/* Continue Watching ------------------------------------------------------------------------- */

static void
test_continue_row (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *row = ts_continue_row_new ();
  g_autoptr(TsMovie) movie = ts_movie_new ("archive", "film");

  f->library = ts_library_new (f->library_path);
  ts_movie_set_title (movie, "A Film");

  g_object_ref_sink (row);
  gtk_window_set_child (GTK_WINDOW (window), row);
  gtk_window_present (GTK_WINDOW (window));

  /* Nothing to continue: hidden. */
  ts_continue_row_set_library (TS_CONTINUE_ROW (row), f->library);
  g_assert_false (gtk_widget_get_visible (row));

  ts_library_link_movie (f->library, "0123456789abcdef0123456789abcdef01234567", movie);
  g_assert_false (gtk_widget_get_visible (row));

  ts_library_set_position (f->library, "0123456789abcdef0123456789abcdef01234567", 0,
                           G_GINT64_CONSTANT (600) * 1000000000,
                           G_GINT64_CONSTANT (5400) * 1000000000);
  g_assert_true (gtk_widget_get_visible (row));
  ts_test_iterate_for (100);

  /* Watched: gone again. */
  ts_library_set_watched (f->library, "0123456789abcdef0123456789abcdef01234567", TRUE);
  g_assert_false (gtk_widget_get_visible (row));

  ts_continue_row_set_library (TS_CONTINUE_ROW (row), NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (row);
}

/* The isolated XDG_DATA_DIRS hide the icon themes, which the window's
 * widgets would miss (and warn about). */
int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);
  ui_test_use_system_icons ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  g_test_add_func ("/storage/free-space", test_free_space);
  g_test_add_func ("/storage/cache-plan", test_cache_plan);
  ADD ("/storage/cache-manager", test_cache_manager);
  ADD ("/open/default-selection", test_default_selection);
  ADD ("/open/flow", test_open_flow);
  ADD ("/open/file-chooser-dialog", test_file_chooser_dialog);
  ADD ("/open/drop", test_drop);
  ADD ("/library/continue-row", test_continue_row);

#undef ADD

  return g_test_run ();
}
