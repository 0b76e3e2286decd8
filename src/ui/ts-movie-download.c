/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ts-movie-download.h"
#include "ts-movie-torrent.h"
#include "ts-session.h"
#include "ts-torrent.h"
#include "ts-torrent-file.h"

/* What playback needs first: the start, and the tail where MP4 files often
 * keep their index (see TECH-NOTES on qtdemux). */
#define HEAD_BYTES (8 * 1024 * 1024)
#define TAIL_BYTES (2 * 1024 * 1024)

static const char *
base_name (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash != NULL ? slash + 1 : path;
}

TsTorrentFile *
ts_movie_download_find_file (GListModel *files,
                             const char *file_hint)
{
  const char *wanted;
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (files), NULL);

  if (file_hint == NULL || *file_hint == '\0')
    return NULL;

  wanted = base_name (file_hint);
  n = g_list_model_get_n_items (files);

  /* The whole path first: an item may hold the same name in two folders. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);
      const char *path = ts_torrent_file_get_path (file);

      if (g_str_has_suffix (path, file_hint) &&
          (strlen (path) == strlen (file_hint) ||
           path[strlen (path) - strlen (file_hint) - 1] == '/'))
        return file;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if (g_strcmp0 (base_name (ts_torrent_file_get_path (file)), wanted) == 0)
        return file;
    }
  return NULL;
}

/* “film.srt”, “film.en.srt”, “film.mp4.srt”, “film_eng.vtt” go with
 * “film.mp4”. */
static gboolean
is_subtitle_of (TsTorrentFile *file,
                const char    *film_stem)
{
  g_autofree char *name = NULL;
  gsize stem_length = strlen (film_stem);
  char next;

  if (!ts_torrent_file_is_subtitle (file))
    return FALSE;

  name = g_utf8_casefold (base_name (ts_torrent_file_get_path (file)), -1);
  if (strncmp (name, film_stem, stem_length) != 0)
    return FALSE;
  next = name[stem_length];
  return next == '.' || next == '_' || next == '-' || next == ' ';
}

guint8 *
ts_movie_download_plan (GListModel    *files,
                        TsTorrentFile *film,
                        gboolean       keep_others)
{
  g_autofree char *stem = NULL;
  guint8 *priorities;
  char *dot;
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (files), NULL);
  g_return_val_if_fail (TS_IS_TORRENT_FILE (film), NULL);

  stem = g_utf8_casefold (base_name (ts_torrent_file_get_path (film)), -1);
  dot = strrchr (stem, '.');
  if (dot != NULL && dot != stem)
    *dot = '\0';

  n = g_list_model_get_n_items (files);
  priorities = g_new0 (guint8, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if (file == film || is_subtitle_of (file, stem))
        priorities[i] = MAX (ts_torrent_file_get_priority (file), TS_FILE_PRIORITY_NORMAL);
      else if (keep_others)
        priorities[i] = (guint8) ts_torrent_file_get_priority (file);
      else
        priorities[i] = TS_FILE_PRIORITY_SKIP;
    }
  return priorities;
}

/* The file selection, waiting for the metadata when it is not there yet.
 * It belongs to the torrent's signal handler, not to whoever asked. */
typedef struct
{
  char     *file_hint;
  gboolean  streaming;
  gboolean  keep_others;
  /* Paused by us until the selection is in effect. */
  gboolean  resume;
} Selection;

static void
selection_free (gpointer data,
                GClosure *closure)
{
  Selection *selection = data;

  g_free (selection->file_hint);
  g_free (selection);
}

/* A new torrent stays paused until libtorrent has taken in the selection:
 * it applies file priorities through its disk thread, and a torrent let go
 * before that asks its web seeds for every file. The wanted size, from the
 * next status update, tells; after HOLD_MAX_MS it goes anyway. */
#define HOLD_MAX_MS 5000

/* Does not keep a removed torrent alive. */
typedef struct
{
  GWeakRef   torrent;
  gint64     wanted_at_most;
  gulong     notify_id;
  guint      timeout_id;
} Hold;

static void
hold_release (Hold *hold)
{
  g_autoptr(TsTorrent) torrent = g_weak_ref_get (&hold->torrent);

  g_clear_handle_id (&hold->timeout_id, g_source_remove);
  if (torrent != NULL)
    {
      g_clear_signal_handler (&hold->notify_id, torrent);
      if (!ts_torrent_is_removed (torrent))
        ts_torrent_resume (torrent);
    }
  g_weak_ref_clear (&hold->torrent);
  g_free (hold);
}

static void
hold_size_wanted_cb (TsTorrent  *torrent,
                     GParamSpec *pspec,
                     Hold       *hold)
{
  gint64 wanted = ts_torrent_get_size_wanted (torrent);

  if (wanted > 0 && wanted <= hold->wanted_at_most)
    hold_release (hold);
}

static gboolean
hold_timeout_cb (gpointer user_data)
{
  Hold *hold = user_data;

  hold->timeout_id = 0;
  g_debug ("Letting a torrent go before its file selection showed");
  hold_release (hold);
  return G_SOURCE_REMOVE;
}

static void
hold_until_selected (TsTorrent *torrent,
                     gint64     selected_bytes,
                     guint      n_selected)
{
  Hold *hold = g_new0 (Hold, 1);
  gint64 piece = ts_torrent_get_piece_length (torrent);

  g_weak_ref_init (&hold->torrent, torrent);
  /* The pieces at the edges of the chosen files hold bytes of others. */
  hold->wanted_at_most = selected_bytes + 2 * piece * n_selected;
  hold->notify_id = g_signal_connect (torrent, "notify::size-wanted",
                                      G_CALLBACK (hold_size_wanted_cb), hold);
  hold->timeout_id = g_timeout_add (HOLD_MAX_MS, hold_timeout_cb, hold);
  hold_size_wanted_cb (torrent, NULL, hold);
}

static void
apply_selection (TsTorrent       *torrent,
                 const Selection *selection)
{
  GListModel *files = ts_torrent_get_files (torrent);
  TsTorrentFile *film = ts_movie_download_find_file (files, selection->file_hint);
  gint64 size, head, tail;
  guint index;

  if (film == NULL && selection->file_hint != NULL)
    /* A stale torrent without the catalog's file (see TECH-NOTES): the
     * biggest video it has is the best guess. */
    g_debug ("“%s” is not in torrent %s; choosing its main video",
             selection->file_hint, ts_torrent_get_info_hash (torrent));
  if (film == NULL)
    film = ts_torrent_get_main_video (torrent);
  if (film == NULL)
    {
      /* Nothing to choose: all of it, as the engine added it. */
      if (selection->resume)
        ts_torrent_resume (torrent);
      return;
    }

  g_debug ("Downloading “%s” of torrent %s", ts_torrent_file_get_path (film),
           ts_torrent_get_info_hash (torrent));
  if (selection->file_hint != NULL)
    {
      g_autofree guint8 *priorities = ts_movie_download_plan (files, film,
                                                              selection->keep_others);
      guint n = g_list_model_get_n_items (files);
      gint64 selected = 0;
      guint n_selected = 0;

      ts_torrent_set_file_priorities (torrent, priorities, n);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

          if (priorities[i] > 0)
            {
              selected += ts_torrent_file_get_size (file);
              n_selected++;
            }
        }
      if (selection->resume)
        hold_until_selected (torrent, selected, n_selected);
    }
  else if (selection->resume)
    {
      ts_torrent_resume (torrent);
    }

  if (!selection->streaming)
    return;

  index = ts_torrent_file_get_index (film);
  size = ts_torrent_file_get_size (film);
  head = MIN (size, HEAD_BYTES);
  tail = MIN (size - head, TAIL_BYTES);
  if (head > 0)
    ts_torrent_set_range_deadlines (torrent, index, 0, head, 1000, 50);
  if (tail > 0)
    ts_torrent_set_range_deadlines (torrent, index, size - tail, tail, 2000, 50);
}

static void
metadata_received_cb (TsTorrent *torrent,
                      Selection *selection)
{
  apply_selection (torrent, selection);
  /* Frees @selection. */
  g_signal_handlers_disconnect_by_data (torrent, selection);
}

typedef struct
{
  TsMovieTorrent *choice;
  gboolean        streaming;
  gboolean        existed;
  gboolean        tried_magnet;
} AddData;

static void
add_data_free (AddData *data)
{
  g_clear_object (&data->choice);
  g_free (data);
}

static void add_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data);

static void
start_add (GTask      *task,
           const char *source)
{
  ts_session_add_async (g_task_get_source_object (task), source,
                        g_task_get_cancellable (task), add_cb, task);
}

static void
add_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AddData *data = g_task_get_task_data (task);
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(GError) error = NULL;
  Selection *selection;

  torrent = ts_session_add_finish (TS_SESSION (object), result, &error);
  if (torrent == NULL)
    {
      const char *magnet = ts_movie_torrent_get_magnet (data->choice);

      /* A .torrent address that does not answer: the magnet link may still
       * find peers. */
      if (!data->tried_magnet && magnet != NULL &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          ts_movie_torrent_get_torrent_url (data->choice) != NULL)
        {
          g_debug ("Could not add %s (%s); trying the magnet link",
                   ts_movie_torrent_get_torrent_url (data->choice), error->message);
          data->tried_magnet = TRUE;
          start_add (g_steal_pointer (&task), magnet);
          return;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  selection = g_new0 (Selection, 1);
  selection->file_hint = g_strdup (ts_movie_torrent_get_file_hint (data->choice));
  selection->streaming = data->streaming;
  selection->keep_others = data->existed;

  /* A new torrent starts at once with every file wanted, and web seeds
   * take whole ranges of requests in the first moments; pausing drops
   * those, so that only the selection is fetched. (A magnet link downloads
   * nothing before its metadata, and must keep running to get it.) */
  if (!data->existed && (ts_torrent_has_metadata (torrent) || !data->tried_magnet) &&
      selection->file_hint != NULL && !ts_torrent_get_paused (torrent))
    {
      ts_torrent_pause (torrent);
      selection->resume = TRUE;
    }

  if (ts_torrent_has_metadata (torrent))
    {
      apply_selection (torrent, selection);
      selection_free (selection, NULL);
    }
  else
    {
      g_signal_connect_data (torrent, "metadata-received",
                             G_CALLBACK (metadata_received_cb), selection,
                             selection_free, 0);
    }

  g_task_return_pointer (task, g_steal_pointer (&torrent), g_object_unref);
}

void
ts_movie_download_async (TsSession           *session,
                         TsMovieTorrent      *choice,
                         gboolean             streaming,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *torrent_url, *magnet, *info_hash;
  AddData *data;

  g_return_if_fail (TS_IS_SESSION (session));
  g_return_if_fail (TS_IS_MOVIE_TORRENT (choice));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (session, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_movie_download_async);

  data = g_new0 (AddData, 1);
  data->choice = g_object_ref (choice);
  data->streaming = streaming;
  info_hash = ts_movie_torrent_get_info_hash (choice);
  data->existed = info_hash != NULL && ts_session_lookup (session, info_hash) != NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) add_data_free);

  /* The .torrent first: it has the file list at once, and the Internet
   * Archive's carry web seeds. */
  torrent_url = ts_movie_torrent_get_torrent_url (choice);
  magnet = ts_movie_torrent_get_magnet (choice);
  if (torrent_url == NULL)
    data->tried_magnet = TRUE;
  start_add (g_steal_pointer (&task), torrent_url != NULL ? torrent_url : magnet);
}

TsTorrent *
ts_movie_download_finish (TsSession     *session,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ts_movie_download_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
