/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The library: links to catalog films, positions and the watched state,
 * kept across restarts, damaged files, atomic coalesced writes, and a
 * process killed with SIGKILL (the child is this program started again with
 * --child MODE PATH). */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "ts-library.h"
#include "ts-movie.h"
#include "ts-test-util.h"

#define HASH_A "0123456789abcdef0123456789abcdef01234567"
#define HASH_B "89abcdef0123456789abcdef0123456789abcdef"
#define HASH_C "fedcba9876543210fedcba9876543210fedcba98"
#define SEC    G_GINT64_CONSTANT (1000000000)
#define TIMEOUT_S 20

typedef struct
{
  char *dir;
  char *path;
} Fixture;

/* The project logs structured, which g_test_expect_message() does not see
 * in GLib 2.74: warnings of the catalog domain are counted here instead, and
 * any that is not expected stays fatal. */
static gboolean expect_damaged;
static guint    n_damaged_warnings;

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
        message = fields[i].value;
    }

  if ((level & G_LOG_LEVEL_WARNING) && expect_damaged && g_strcmp0 (domain, "ts-catalog") == 0 &&
      message != NULL && strstr (message, "is damaged") != NULL)
    {
      g_test_message ("expected warning: %s", message);
      n_damaged_warnings++;
      return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = ts_test_make_tmp_dir ("ts-library");
  /* A folder that does not exist yet: the first write creates it. */
  f->path = g_build_filename (f->dir, "torrentstream", "library.json", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  ts_test_rm_rf (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static TsMovie *
make_movie (const char *id,
            const char *title,
            int         year)
{
  TsMovie *movie = ts_movie_new ("archive", id);
  g_autofree char *poster = g_strdup_printf ("https://example.org/%s.jpg", id);

  ts_movie_set_title (movie, title);
  ts_movie_set_year (movie, year);
  ts_movie_set_poster_url (movie, poster);
  return movie;
}

/* Checks the library and every item it handed out go away with it. */
static void
finalize_library (TsLibrary *library)
{
  GHashTable *weak = g_hash_table_new (NULL, NULL);
  const char *hashes[] = { HASH_A, HASH_B, HASH_C };
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < G_N_ELEMENTS (hashes); i++)
    {
      TsLibraryItem *item = ts_library_lookup (library, hashes[i]);

      if (item != NULL)
        {
          gpointer *slot = g_new (gpointer, 1);

          *slot = item;
          g_object_add_weak_pointer (G_OBJECT (item), slot);
          g_hash_table_add (weak, slot);
        }
    }

  g_assert_finalize_object (library);

  g_hash_table_iter_init (&iter, weak);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_assert_null (*(gpointer *) key);
      g_free (key);
    }
  g_hash_table_unref (weak);
}

static gboolean
file_exists (gpointer user_data)
{
  return g_file_test (user_data, G_FILE_TEST_EXISTS);
}

/* Nothing is written until something changes; lookups of unknown
 * torrents say so. */
static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  TsLibrary *library = ts_library_new (f->path);

  g_assert_null (ts_library_lookup (library, HASH_A));
  g_assert_cmpint (ts_library_get_position (library, HASH_A, 0), ==, -1);
  g_assert_cmpuint (g_list_model_get_n_items (ts_library_get_continue_watching (library)), ==, 0);
  g_assert_cmpstr (ts_library_get_path (library), ==, f->path);
  ts_library_flush (library);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  finalize_library (library);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
}

/* Everything the contract lists comes back after a restart. */
static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TsMovie) movie = make_movie ("night_of_the_living_dead", "Night of the Living Dead",
                                         1968);
  TsLibrary *library = ts_library_new (f->path);
  TsLibraryItem *item;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;

  item = ts_library_link_movie (library, HASH_A, movie);
  g_assert_nonnull (item);
  g_assert_true (ts_library_lookup (library, HASH_A) == item);
  /* Info-hashes are matched whatever their case. */
  g_assert_true (ts_library_lookup (library, "0123456789ABCDEF0123456789ABCDEF01234567") == item);
  g_assert_cmpstr (ts_library_item_get_title (item), ==, "Night of the Living Dead");
  g_assert_cmpint (ts_library_item_get_year (item), ==, 1968);
  g_assert_cmpstr (ts_library_item_get_provider_id (item), ==, "archive");
  g_assert_cmpstr (ts_library_item_get_movie_id (item), ==, "night_of_the_living_dead");
  g_assert_cmpint (ts_library_item_get_added (item), >=, before);

  ts_library_set_position (library, HASH_A, 2, 600 * SEC, 5760 * SEC);
  ts_library_set_position (library, HASH_A, 0, 30 * SEC, 0);
  ts_library_set_position (library, HASH_A, 3, 42 * SEC, 100 * SEC);
  ts_library_set_preloaded (library, HASH_B, TRUE);
  ts_library_set_watched (library, HASH_C, TRUE);
  ts_library_set_position (library, HASH_C, 1, 7 * SEC, 0);

  g_assert_cmpint (ts_library_item_get_last_file (item), ==, 3);
  g_assert_cmpint (ts_library_item_get_position (item), ==, 42 * SEC);
  g_assert_cmpint (ts_library_item_get_duration (item), ==, 100 * SEC);
  g_assert_cmpint (ts_library_item_get_last_played (item), >=, before);

  ts_library_flush (library);
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));
  finalize_library (library);

  library = ts_library_new (f->path);
  item = ts_library_lookup (library, HASH_A);
  g_assert_nonnull (item);
  g_assert_cmpstr (ts_library_item_get_info_hash (item), ==, HASH_A);
  g_assert_cmpstr (ts_library_item_get_title (item), ==, "Night of the Living Dead");
  g_assert_cmpint (ts_library_item_get_year (item), ==, 1968);
  g_assert_cmpstr (ts_library_item_get_poster_url (item), ==,
                   "https://example.org/night_of_the_living_dead.jpg");
  g_assert_cmpstr (ts_library_item_get_provider_id (item), ==, "archive");
  g_assert_cmpstr (ts_library_item_get_movie_id (item), ==, "night_of_the_living_dead");
  g_assert_false (ts_library_item_get_preloaded (item));
  g_assert_false (ts_library_item_get_watched (item));
  g_assert_cmpint (ts_library_item_get_last_file (item), ==, 3);
  g_assert_cmpint (ts_library_item_get_position (item), ==, 42 * SEC);
  g_assert_cmpint (ts_library_item_get_duration (item), ==, 100 * SEC);
  g_assert_cmpint (ts_library_item_get_last_played (item), >=, before);
  g_assert_cmpint (ts_library_item_get_added (item), >=, before);
  g_assert_cmpint (ts_library_get_position (library, HASH_A, 2), ==, 600 * SEC);
  g_assert_cmpint (ts_library_get_position (library, HASH_A, 0), ==, 30 * SEC);
  g_assert_cmpint (ts_library_get_position (library, HASH_A, 3), ==, 42 * SEC);
  g_assert_cmpint (ts_library_get_position (library, HASH_A, 1), ==, -1);

  item = ts_library_lookup (library, HASH_B);
  g_assert_nonnull (item);
  g_assert_true (ts_library_item_get_preloaded (item));
  g_assert_cmpstr (ts_library_item_get_title (item), ==, "");
  g_assert_cmpint (ts_library_item_get_last_file (item), ==, -1);

  item = ts_library_lookup (library, HASH_C);
  g_assert_nonnull (item);
  g_assert_true (ts_library_item_get_watched (item));
  g_assert_cmpint (ts_library_get_position (library, HASH_C, 1), ==, 7 * SEC);

  /* Only HASH_A is started and not finished. */
  g_assert_cmpuint (g_list_model_get_n_items (ts_library_get_continue_watching (library)), ==, 1);

  /* Forgetting is kept too. */
  ts_library_forget (library, HASH_B);
  g_assert_null (ts_library_lookup (library, HASH_B));
  ts_library_flush (library);
  finalize_library (library);

  library = ts_library_new (f->path);
  g_assert_null (ts_library_lookup (library, HASH_B));
  g_assert_nonnull (ts_library_lookup (library, HASH_A));
  finalize_library (library);
}

/* Changes reach the disk by themselves, about a second later, in one write;
 * no temporary file is left behind. */
static void
test_coalesced_write (Fixture       *f,
                      gconstpointer  data)
{
  TsLibrary *library = ts_library_new (f->path);
  g_autofree char *folder = g_path_get_dirname (f->path);
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gint64 start = g_get_monotonic_time ();
  TsLibrary *reloaded;

  for (int i = 1; i <= 50; i++)
    ts_library_set_position (library, HASH_A, 0, i * SEC, 100 * SEC);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));

  ts_test_wait_for (file_exists, f->path, TIMEOUT_S, "the library to be written");
  /* Not at once: the changes were gathered. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * G_TIME_SPAN_MILLISECOND);

  reloaded = ts_library_new (f->path);
  g_assert_cmpint (ts_library_get_position (reloaded, HASH_A, 0), ==, 50 * SEC);
  finalize_library (reloaded);

  dir = g_dir_open (folder, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_cmpstr (name, ==, "library.json");

  /* Private: it says what the user watched. */
  {
    GStatBuf st;

    g_assert_cmpint (g_stat (f->path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  finalize_library (library);
}

static void
count_changes (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               guint      *changes)
{
  (*changes)++;
}

/* watched at 95 %; "Continue watching" holds started, unfinished items,
 * most recent first, and follows changes live. */
static void
test_continue_watching (Fixture       *f,
                        gconstpointer  data)
{
  TsLibrary *library = ts_library_new (f->path);
  GListModel *model = ts_library_get_continue_watching (library);
  g_autoptr(TsMovie) movie = make_movie ("a", "A", 2000);
  g_autoptr(TsLibraryItem) first = NULL;
  TsLibraryItem *item;
  guint changes = 0;

  g_assert_true (g_list_model_get_item_type (model) == TS_TYPE_LIBRARY_ITEM);
  g_signal_connect (model, "items-changed", G_CALLBACK (count_changes), &changes);

  /* Linked but not played: not started. */
  ts_library_link_movie (library, HASH_A, movie);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);

  ts_library_set_position (library, HASH_A, 0, 94 * SEC, 100 * SEC);
  item = ts_library_lookup (library, HASH_A);
  g_assert_false (ts_library_item_get_watched (item));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);

  ts_library_set_position (library, HASH_B, 0, 10 * SEC, 100 * SEC);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);

  /* Played in the same second: the order is still total and stable. */
  first = g_list_model_get_item (model, 0);

  /* Saving the position again and again does not reorder the model. */
  changes = 0;
  for (int i = 0; i < 5; i++)
    ts_library_set_position (library, ts_library_item_get_info_hash (first), 0,
                             (11 + i) * SEC, 100 * SEC);
  g_assert_cmpuint (changes, ==, 0);

  /* Passing 95 % marks it watched and takes it off the row. */
  ts_library_set_position (library, HASH_A, 0, 96 * SEC, 100 * SEC);
  g_assert_true (ts_library_item_get_watched (item));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  {
    g_autoptr(TsLibraryItem) left = g_list_model_get_item (model, 0);

    g_assert_cmpstr (ts_library_item_get_info_hash (left), ==, HASH_B);
  }

  /* Marked unwatched by hand: back on the row. */
  ts_library_set_watched (library, HASH_A, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);

  /* The most recently played first (last-played has a 1 s resolution). */
  g_usleep (1100 * G_TIME_SPAN_MILLISECOND);
  ts_library_set_position (library, HASH_C, 0, 5 * SEC, 100 * SEC);
  {
    g_autoptr(TsLibraryItem) top = g_list_model_get_item (model, 0);

    g_assert_cmpstr (ts_library_item_get_info_hash (top), ==, HASH_C);
  }
  g_usleep (1100 * G_TIME_SPAN_MILLISECOND);
  ts_library_set_position (library, HASH_B, 0, 20 * SEC, 100 * SEC);
  {
    g_autoptr(TsLibraryItem) top = g_list_model_get_item (model, 0);
    g_autoptr(TsLibraryItem) second = g_list_model_get_item (model, 1);

    g_assert_cmpstr (ts_library_item_get_info_hash (top), ==, HASH_B);
    g_assert_cmpstr (ts_library_item_get_info_hash (second), ==, HASH_C);
  }

  ts_library_forget (library, HASH_B);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);

  g_signal_handlers_disconnect_by_func (model, count_changes, &changes);
  g_clear_object (&first);
  finalize_library (library);
}

static void
item_signal_cb (TsLibrary      *library,
                TsLibraryItem  *item,
                GPtrArray      *seen)
{
  g_ptr_array_add (seen, g_strdup (ts_library_item_get_info_hash (item)));
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

/* Items announce themselves: the downloads rows pick up a link made after
 * they were shown. */
static void
test_signals (Fixture       *f,
              gconstpointer  data)
{
  TsLibrary *library = ts_library_new (f->path);
  g_autoptr(TsMovie) movie = make_movie ("b", "B", 1950);
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  TsLibraryItem *item;
  guint notifies = 0;

  g_signal_connect (library, "item-added", G_CALLBACK (item_signal_cb), added);
  g_signal_connect (library, "item-removed", G_CALLBACK (item_signal_cb), removed);

  ts_library_set_preloaded (library, HASH_A, TRUE);
  g_assert_cmpuint (added->len, ==, 1);
  item = ts_library_lookup (library, HASH_A);
  g_signal_connect (item, "notify::title", G_CALLBACK (count_notify), &notifies);
  ts_library_link_movie (library, HASH_A, movie);
  ts_library_link_movie (library, HASH_A, movie);
  g_assert_cmpuint (added->len, ==, 1);
  g_assert_cmpuint (notifies, ==, 1);

  ts_library_forget (library, HASH_A);
  ts_library_forget (library, HASH_A);
  g_assert_cmpuint (removed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (removed, 0), ==, HASH_A);

  finalize_library (library);
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* A damaged file is moved aside as it was, the library starts empty and
 * the next write makes a good file. */
static void
test_damaged (Fixture       *f,
              gconstpointer  data)
{
  const char *damaged[] = {
    "{\"version\": 1, \"items\": [{\"info-hash\": \"" HASH_A "\", \"title\": \"Cut off",
    "not json at all",
    "[1, 2, 3]",
    "{\"version\": 99, \"items\": []}",
    "{\"version\": 1}",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      g_autofree char *broken = g_strconcat (f->path, ".broken", NULL);
      g_autofree char *kept = NULL;
      TsLibrary *library;

      g_test_message ("damaged file %u: “%s”", i, damaged[i]);
      write_file (f->path, damaged[i]);
      g_remove (broken);

      n_damaged_warnings = 0;
      expect_damaged = TRUE;
      library = ts_library_new (f->path);
      expect_damaged = FALSE;
      g_assert_cmpuint (n_damaged_warnings, ==, 1);

      g_assert_null (ts_library_lookup (library, HASH_A));
      g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
      g_assert_true (g_file_get_contents (broken, &kept, NULL, NULL));
      g_assert_cmpstr (kept, ==, damaged[i]);

      ts_library_set_position (library, HASH_B, 0, 3 * SEC, 0);
      ts_library_flush (library);
      finalize_library (library);

      /* A fresh start that loads without complaint. */
      library = ts_library_new (f->path);
      g_assert_cmpint (ts_library_get_position (library, HASH_B, 0), ==, 3 * SEC);
      finalize_library (library);
      g_remove (f->path);
    }
}

/* Odd entries (bad hash, wrong types) are skipped; the good ones load. */
static void
test_odd_entries (Fixture       *f,
                  gconstpointer  data)
{
  TsLibrary *library;
  TsLibraryItem *item;
  g_autofree char *broken = g_strconcat (f->path, ".broken", NULL);

  write_file (f->path,
              "{\"version\": 1, \"items\": ["
              "  {\"info-hash\": \"not a hash\", \"title\": \"X\"},"
              "  42,"
              "  {\"info-hash\": \"" HASH_A "\", \"title\": 7, \"year\": \"1968\","
              "   \"last-file\": 5, \"files\": [{\"index\": -3, \"position\": 9},"
              "   {\"index\": 1, \"position\": \"no\"}, \"junk\"]},"
              "  {\"info-hash\": \"" HASH_B "\", \"title\": \"Good\", \"year\": 1999,"
              "   \"last-file\": 0, \"last-played\": 1000,"
              "   \"files\": [{\"index\": 0, \"position\": 5000000000, \"duration\": 9000000000}]},"
              "  {\"info-hash\": \"" HASH_B "\", \"title\": \"Twice\"}"
              "]}");

  library = ts_library_new (f->path);
  g_assert_false (g_file_test (broken, G_FILE_TEST_EXISTS));

  item = ts_library_lookup (library, HASH_A);
  g_assert_nonnull (item);
  g_assert_cmpstr (ts_library_item_get_title (item), ==, "");
  g_assert_cmpint (ts_library_item_get_year (item), ==, 0);
  /* last-file names a file without a position. */
  g_assert_cmpint (ts_library_item_get_last_file (item), ==, -1);
  g_assert_cmpint (ts_library_get_position (library, HASH_A, 1), ==, 0);

  item = ts_library_lookup (library, HASH_B);
  g_assert_nonnull (item);
  g_assert_cmpstr (ts_library_item_get_title (item), ==, "Good");
  g_assert_cmpint (ts_library_item_get_position (item), ==, 5 * SEC);
  g_assert_cmpuint (g_list_model_get_n_items (ts_library_get_continue_watching (library)), ==, 1);

  finalize_library (library);
}

/* Kill -9 --------------------------------------------------------------------------------- */

static GSubprocess *
spawn_child (const char *mode,
             const char *path)
{
  g_autoptr(GSubprocessLauncher) launcher = ts_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_assert_nonnull (self_exe);
  process = g_subprocess_launcher_spawn (launcher, &error, self_exe, "--child", mode, path, NULL);
  g_assert_no_error (error);
  return process;
}

/* Reads one line from the child ("ready" when it is), bounded. */
static char *
read_child_line (GSubprocess *process)
{
  g_autoptr(GDataInputStream) lines =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *line;

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (lines), FALSE);
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL,
                                       ts_test_async_result_cb, &result);
  result = ts_test_wait_result (&result, TIMEOUT_S);
  line = g_data_input_stream_read_line_finish (lines, result, NULL, &error);
  g_assert_no_error (error);
  return line;
}

static void
kill_child (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (process, SIGKILL);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);
}

/* The child links a film and saves positions, waits until the coalesced
 * write is on disk (no flush) and is killed: all of it is there. */
static void
test_kill9 (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GSubprocess) child = spawn_child ("written", f->path);
  g_autofree char *line = read_child_line (child);
  TsLibrary *library;
  TsLibraryItem *item;

  g_assert_cmpstr (line, ==, "ready");
  kill_child (child);

  library = ts_library_new (f->path);
  item = ts_library_lookup (library, HASH_A);
  g_assert_nonnull (item);
  g_assert_cmpstr (ts_library_item_get_title (item), ==, "Killed Film");
  g_assert_cmpint (ts_library_item_get_year (item), ==, 1931);
  g_assert_cmpstr (ts_library_item_get_movie_id (item), ==, "killed");
  g_assert_cmpint (ts_library_get_position (library, HASH_A, 0), ==, 123 * SEC);
  g_assert_cmpint (ts_library_get_position (library, HASH_A, 4), ==, 4567 * SEC);
  g_assert_cmpint (ts_library_item_get_last_file (item), ==, 4);
  g_assert_true (ts_library_item_get_preloaded (ts_library_lookup (library, HASH_B)));
  finalize_library (library);
}

/* The child saves a new position every millisecond, so writes are nearly
 * always under way; killed at random moments, what it leaves always loads
 * (never .broken) and is never older than what was on disk at "ready". */
static void
test_kill9_while_writing (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *broken = g_strconcat (f->path, ".broken", NULL);
  g_autoptr(GRand) rand = g_rand_new ();

  for (int round = 0; round < 6; round++)
    {
      g_autoptr(GSubprocess) child = NULL;
      g_autofree char *line = NULL;
      TsLibrary *library;
      gint64 position;

      /* "ready" must mean this child's own first write. */
      g_remove (f->path);
      child = spawn_child ("hammer", f->path);
      line = read_child_line (child);
      g_assert_cmpstr (line, ==, "ready");
      g_usleep (g_rand_int_range (rand, 0, 1500) * G_TIME_SPAN_MILLISECOND);
      kill_child (child);

      library = ts_library_new (f->path);
      g_assert_false (g_file_test (broken, G_FILE_TEST_EXISTS));
      position = ts_library_get_position (library, HASH_A, 0);
      g_test_message ("round %d: position %" G_GINT64_FORMAT " ms", round, position / 1000000);
      g_assert_cmpint (position, >=, 1 * SEC);
      g_assert_cmpstr (ts_library_item_get_title (ts_library_lookup (library, HASH_A)), ==,
                       "Hammered");
      finalize_library (library);
    }
}

/* The child side ------------------------------------------------------------------------ */

static gint64
position_on_disk (const char *path,
                  guint       index)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *items;

  if (!json_parser_load_from_mapped_file (parser, path, NULL))
    return -1;
  items = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                        "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      JsonArray *files;

      if (g_strcmp0 (json_object_get_string_member (item, "info-hash"), HASH_A) != 0)
        continue;
      files = json_object_get_array_member (item, "files");
      for (guint j = 0; j < json_array_get_length (files); j++)
        {
          JsonObject *file = json_array_get_object_element (files, j);

          if (json_object_get_int_member (file, "index") == index)
            return json_object_get_int_member (file, "position");
        }
    }
  return -1;
}

static int
child_main (const char *mode,
            const char *path)
{
  g_autoptr(TsLibrary) library = ts_library_new (path);
  g_autoptr(TsMovie) movie = NULL;

  if (g_strcmp0 (mode, "written") == 0)
    {
      movie = make_movie ("killed", "Killed Film", 1931);
      ts_library_link_movie (library, HASH_A, movie);
      ts_library_set_position (library, HASH_A, 0, 123 * SEC, 1000 * SEC);
      ts_library_set_position (library, HASH_A, 4, 4567 * SEC, 6000 * SEC);
      ts_library_set_preloaded (library, HASH_B, TRUE);

      /* The write that the timer makes, not a flush. */
      while (position_on_disk (path, 4) != 4567 * SEC)
        g_main_context_iteration (NULL, TRUE);
      g_print ("ready\n");
      for (;;)
        g_main_context_iteration (NULL, TRUE);
    }

  if (g_strcmp0 (mode, "hammer") == 0)
    {
      gboolean ready = FALSE;

      movie = make_movie ("hammered", "Hammered", 2001);
      ts_library_link_movie (library, HASH_A, movie);
      for (gint64 ms = 1000; ; ms++)
        {
          ts_library_set_position (library, HASH_A, 0, ms * 1000000, 10000 * SEC);
          while (g_main_context_iteration (NULL, FALSE))
            ;
          if (!ready && position_on_disk (path, 0) >= 1 * SEC)
            {
              ready = TRUE;
              g_print ("ready\n");
            }
          g_usleep (1000);
        }
    }

  g_printerr ("unknown child mode %s\n", mode);
  return 2;
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && strcmp (argv[1], "--child") == 0)
    {
      /* stdout is a pipe: "ready" must not wait in a buffer. */
      setvbuf (stdout, NULL, _IONBF, 0);
      return child_main (argv[2], argv[3]);
    }

  g_log_set_writer_func (log_writer, NULL, NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/library/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("empty", test_empty);
  ADD ("restart", test_restart);
  ADD ("coalesced-write", test_coalesced_write);
  ADD ("continue-watching", test_continue_watching);
  ADD ("signals", test_signals);
  ADD ("damaged", test_damaged);
  ADD ("odd-entries", test_odd_entries);
  ADD ("kill9", test_kill9);
  ADD ("kill9-while-writing", test_kill9_while_writing);

#undef ADD

  return g_test_run ();
}
