/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "ts-file-chooser-dialog.h"
#include "ts-open-flow.h"
#include "ts-session.h"
#include "ts-storage-manager.h"
#include "ts-torrent.h"
#include "ts-torrent-file.h"

/* Set on a torrent while an open flow decides about it, so that opening it
 * again meanwhile does not ask twice. */
#define BUSY_KEY "ts-open-flow-busy"
/* The task holds itself until finish(): the signal handlers that move the
 * flow on keep no reference of their own. */
#define SELF_KEY "ts-open-flow-self"

typedef struct
{
  GWeakRef   parent;
  TsSession *session;
  TsLibrary *library;
  char      *source;
  TsTorrent *torrent;
  /* Torrents the session added while our add was under way. */
  GPtrArray *added;
  gulong     added_id;
  gulong     metadata_id;
  gulong     removed_id;
  gulong     cancelled_id;
  gboolean   paused_by_us;
  gboolean   had_files;
  gboolean   owns_busy;
  gboolean   is_new;
  gboolean   done;
  TsOpenFlowAddedFunc added_func;
  gpointer   added_data;
  GtkWindow *dialog;
} OpenData;

static void
open_data_disconnect (OpenData *data)
{
  if (data->session != NULL)
    {
      g_clear_signal_handler (&data->added_id, data->session);
      g_clear_signal_handler (&data->removed_id, data->session);
    }
  if (data->torrent != NULL)
    g_clear_signal_handler (&data->metadata_id, data->torrent);
}

static void
open_data_free (gpointer p)
{
  OpenData *data = p;

  open_data_disconnect (data);
  if (data->torrent != NULL && data->owns_busy)
    g_object_set_data (G_OBJECT (data->torrent), BUSY_KEY, NULL);
  g_weak_ref_clear (&data->parent);
  g_clear_object (&data->session);
  g_clear_object (&data->library);
  g_clear_object (&data->torrent);
  g_clear_pointer (&data->added, g_ptr_array_unref);
  g_free (data->source);
  g_free (data);
}

static void
finish (GTask  *task,
        GError *error)
{
  g_autoptr(GTask) keep = g_object_ref (task);
  OpenData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (data->done)
    {
      g_clear_error (&error);
      return;
    }
  data->done = TRUE;

  open_data_disconnect (data);
  if (cancellable != NULL && data->cancelled_id != 0)
    g_cancellable_disconnect (cancellable, data->cancelled_id);
  data->cancelled_id = 0;
  if (data->torrent != NULL && data->owns_busy)
    g_object_set_data (G_OBJECT (data->torrent), BUSY_KEY, NULL);
  data->owns_busy = FALSE;

  if (data->dialog != NULL)
    {
      GtkWindow *dialog = g_steal_pointer (&data->dialog);

      g_signal_handlers_disconnect_by_data (dialog, task);
      gtk_window_destroy (dialog);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (data->torrent), g_object_unref);

  g_object_set_data (G_OBJECT (task), SELF_KEY, NULL);
}

/* Takes the new torrent out again, as if it had never been added: with
 * what it downloaded meanwhile, unless some of its files were there before
 * (they may be the user's, from an earlier download). */
static void
undo_add (OpenData *data)
{
  TsTorrent *torrent = data->torrent;
  g_autofree char *hash = g_strdup (ts_torrent_get_info_hash (torrent));

  /* Our own removal is not the user's. */
  g_clear_signal_handler (&data->removed_id, data->session);

  if (!ts_torrent_is_removed (torrent))
    ts_session_remove (data->session, torrent, !data->had_files);
  if (data->library != NULL)
    ts_library_forget (data->library, hash);
}

static void
start (OpenData *data)
{
  if (data->library != NULL)
    ts_library_set_preloaded (data->library, ts_torrent_get_info_hash (data->torrent), TRUE);
  if (data->paused_by_us)
    ts_torrent_resume (data->torrent);
  data->paused_by_us = FALSE;
}

static void
dialog_response_cb (TsFileChooserDialog *dialog,
                    const char          *response,
                    GTask               *task)
{
  g_autoptr(GTask) keep = g_object_ref (task);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *priorities = NULL;
  guint n = 0;

  /* The dialog destroys itself after this. */
  g_signal_handlers_disconnect_by_data (dialog, task);
  data->dialog = NULL;

  if (data->done)
    return;
  if (ts_torrent_is_removed (data->torrent))
    {
      finish (task, g_error_new_literal (TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED,
                                         _("The torrent was removed")));
      return;
    }

  /* Cancel, Escape, or the window closing under the dialog: the user never
   * said yes. */
  if (g_strcmp0 (response, "download") != 0)
    {
      undo_add (data);
      finish (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                         _("The torrent was not added")));
      return;
    }

  priorities = ts_file_chooser_dialog_dup_priorities (dialog, &n);
  if (!ts_storage_check_fits (ts_torrent_get_name (data->torrent),
                              ts_torrent_get_save_path (data->torrent),
                              ts_file_chooser_dialog_get_needed (dialog),
                              ts_file_chooser_dialog_get_free_bytes (dialog), &error))
    {
      undo_add (data);
      finish (task, g_steal_pointer (&error));
      return;
    }
  ts_torrent_set_file_priorities (data->torrent, priorities, n);
  start (data);
  finish (task, NULL);
}

static void
query_free_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkWindow) parent = NULL;
  guint64 free_bytes = G_MAXUINT64;
  gboolean fits;

  if (!ts_storage_query_free_finish (result, &free_bytes, &error))
    {
      /* Not knowing is no reason to refuse: libtorrent reports a full disk
       * as an error of the torrent anyway. */
      g_debug ("Free space of %s unknown: %s", ts_torrent_get_save_path (data->torrent),
               error->message);
      free_bytes = G_MAXUINT64;
      g_clear_error (&error);
    }

  if (data->done)
    return;
  if (ts_torrent_is_removed (data->torrent))
    {
      finish (task, g_error_new_literal (TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED,
                                         _("The torrent was removed")));
      return;
    }

  fits = ts_storage_check_fits (ts_torrent_get_name (data->torrent),
                                ts_torrent_get_save_path (data->torrent),
                                ts_storage_bytes_needed (data->torrent, NULL, 0),
                                free_bytes, &error);
  parent = g_weak_ref_get (&data->parent);

  if (g_list_model_get_n_items (ts_torrent_get_files (data->torrent)) > 1 &&
      parent != NULL && gtk_widget_get_visible (GTK_WIDGET (parent)))
    {
      TsFileChooserDialog *dialog;

      /* The dialog tells what does not fit and lets the user choose less;
       * nothing more is fetched meanwhile. */
      if (!fits && !ts_torrent_get_paused (data->torrent))
        {
          ts_torrent_pause (data->torrent);
          data->paused_by_us = TRUE;
        }

      dialog = ts_file_chooser_dialog_new (parent, data->torrent, free_bytes);
      data->dialog = GTK_WINDOW (dialog);
      g_signal_connect (dialog, "response", G_CALLBACK (dialog_response_cb), task);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  if (!fits)
    {
      undo_add (data);
      finish (task, g_steal_pointer (&error));
      return;
    }

  start (data);
  finish (task, NULL);
}

typedef struct
{
  GPtrArray *paths;
  gboolean   any_exists;
} ExistsJob;

static void
exists_job_free (gpointer p)
{
  ExistsJob *job = p;

  g_ptr_array_unref (job->paths);
  g_free (job);
}

static void
exists_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExistsJob *job = task_data;

  for (guint i = 0; i < job->paths->len && !job->any_exists; i++)
    job->any_exists = g_file_test (g_ptr_array_index (job->paths, i), G_FILE_TEST_EXISTS);
  g_task_return_boolean (task, TRUE);
}

static void
exists_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  OpenData *data = g_task_get_task_data (task);
  ExistsJob *job = g_task_get_task_data (G_TASK (result));

  data->had_files = job->any_exists;
  if (data->done)
    {
      g_object_unref (task);
      return;
    }

  /* Hands its reference on. */
  ts_storage_query_free_async (ts_torrent_get_save_path (data->torrent),
                               g_task_get_cancellable (task), query_free_cb, task);
}

static void
have_metadata (GTask *task)
{
  OpenData *data = g_task_get_task_data (task);
  GListModel *files = ts_torrent_get_files (data->torrent);
  g_autoptr(GTask) job_task = NULL;
  ExistsJob *job;
  guint n = g_list_model_get_n_items (files);

  g_clear_signal_handler (&data->metadata_id, data->torrent);

  /* At once the film and its subtitles, not everything: the torrent keeps
   * running (pausing it before its first announce loses the peers), and
   * the user may change the choice. */
  if (n > 1)
    {
      g_autofree gboolean *selected = ts_file_selection_default (data->torrent, NULL);
      g_autofree guint8 *priorities = g_new0 (guint8, n + 1);

      for (guint i = 0; i < n; i++)
        priorities[i] = selected[i] ? TS_FILE_PRIORITY_NORMAL : TS_FILE_PRIORITY_SKIP;
      ts_torrent_set_file_priorities (data->torrent, priorities, n);
    }

  /* Whether files of the torrent were on disk before it came, which a
   * cancel must then keep. */
  job = g_new0 (ExistsJob, 1);
  job->paths = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      g_ptr_array_add (job->paths, ts_torrent_file_dup_disk_path (file));
    }

  job_task = g_task_new (NULL, g_task_get_cancellable (task), exists_done_cb,
                         g_object_ref (task));
  g_task_set_source_tag (job_task, have_metadata);
  g_task_set_task_data (job_task, job, exists_job_free);
  g_task_run_in_thread (job_task, exists_thread);
}

static void
metadata_received_cb (TsTorrent *torrent,
                      GTask     *task)
{
  have_metadata (task);
}

static void
torrent_removed_cb (TsSession *session,
                    TsTorrent *torrent,
                    GTask     *task)
{
  OpenData *data = g_task_get_task_data (task);

  if (torrent != data->torrent)
    return;
  finish (task, g_error_new_literal (TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED,
                                     _("The torrent was removed")));
}

static void
torrent_added_cb (TsSession *session,
                  TsTorrent *torrent,
                  GTask     *task)
{
  OpenData *data = g_task_get_task_data (task);

  g_ptr_array_add (data->added, g_object_ref (torrent));
}

static gboolean
cancelled_idle_cb (gpointer user_data)
{
  GTask *task = user_data;

  /* A torrent waiting for the user's choice stays, paused. */
  finish (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     _("Opening the torrent was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable,
              GTask        *task)
{
  OpenData *data = g_task_get_task_data (task);

  /* From g_cancellable_cancel(), maybe on another thread: finishing here
   * would disconnect the handler from inside its own emission. */
  data->cancelled_id = 0;
  g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT, cancelled_idle_cb,
                              g_object_ref (task), g_object_unref);
}

static void
add_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean is_new;

  g_clear_signal_handler (&data->added_id, data->session);
  data->torrent = ts_session_add_finish (TS_SESSION (object), result, &error);

  if (data->done)
    return;
  if (data->torrent == NULL)
    {
      finish (task, g_steal_pointer (&error));
      return;
    }

  is_new = g_ptr_array_find (data->added, data->torrent, NULL);
  g_clear_pointer (&data->added, g_ptr_array_unref);
  data->is_new = is_new;

  if (data->added_func != NULL)
    data->added_func (data->torrent, is_new, data->added_data);
  if (data->done)
    return;

  /* Already there (or being decided about): nothing to ask. */
  if (!is_new || g_object_get_data (G_OBJECT (data->torrent), BUSY_KEY) != NULL)
    {
      finish (task, NULL);
      return;
    }

  g_object_set_data (G_OBJECT (data->torrent), BUSY_KEY, GINT_TO_POINTER (TRUE));
  data->owns_busy = TRUE;
  data->removed_id = g_signal_connect (data->session, "torrent-removed",
                                       G_CALLBACK (torrent_removed_cb), task);

  if (ts_torrent_has_metadata (data->torrent))
    {
      have_metadata (task);
      return;
    }

  /* A magnet link: its files are known once peers sent the metadata. */
  data->metadata_id = g_signal_connect (data->torrent, "metadata-received",
                                        G_CALLBACK (metadata_received_cb), task);
}

void
ts_open_flow_async (GtkWindow           *parent,
                    TsSession           *session,
                    TsLibrary           *library,
                    const char          *source,
                    GCancellable        *cancellable,
                    TsOpenFlowAddedFunc  added_func,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpenData *data;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (TS_IS_SESSION (session));
  g_return_if_fail (library == NULL || TS_IS_LIBRARY (library));
  g_return_if_fail (source != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_open_flow_async);
  /* The flow may still be waiting for the user when it is cancelled. */
  g_task_set_check_cancellable (task, FALSE);

  data = g_new0 (OpenData, 1);
  g_weak_ref_init (&data->parent, parent);
  data->session = g_object_ref (session);
  data->library = library != NULL ? g_object_ref (library) : NULL;
  data->source = g_strdup (source);
  data->added = g_ptr_array_new_with_free_func (g_object_unref);
  data->added_func = added_func;
  data->added_data = user_data;
  g_task_set_task_data (task, data, open_data_free);
  g_object_set_data_full (G_OBJECT (task), SELF_KEY, g_object_ref (task), g_object_unref);

  data->added_id = g_signal_connect (session, "torrent-added", G_CALLBACK (torrent_added_cb),
                                     task);
  if (cancellable != NULL)
    data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
                                                task, NULL);

  ts_session_add_async (session, source, cancellable, add_cb, g_object_ref (task));
}

TsTorrent *
ts_open_flow_finish (GAsyncResult  *result,
                     gboolean      *is_new,
                     GError       **error)
{
  OpenData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (is_new != NULL)
    *is_new = data->is_new;
  return g_task_propagate_pointer (G_TASK (result), error);
}
