/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "ts-format.h"
#include "ts-headless.h"
#include "ts-session.h"
#include "ts-stream-reader.h"
#include "ts-stream-server.h"
#include "ts-torrent-file.h"
#include "ts-torrent.h"

#define DEFAULT_INTERVAL_MS 2000
/* Option values no one can type: "not given". */
#define NO_FILE_INDEX       G_MININT
#define NO_HTTP_PORT        G_MININT

/* What both modes share: a session on the user's settings and state, a
 * status line now and then, and an orderly shutdown that saves the state
 * on SIGINT/SIGTERM (a second signal quits without saving). */
typedef struct
{
  GMainLoop    *loop;
  GSettings    *settings;
  TsSession    *session;
  GCancellable *cancellable;

  gboolean      shutting_down;
  gboolean      shutdown_done;
  gboolean      failed;

  guint         status_id;
  guint         sigint_id;
  guint         sigterm_id;

  /* The mode: its teardown before the session shuts down, and whether it
   * still waits for a callback holding a pointer to it. */
  gpointer      mode;
  void        (*teardown) (gpointer mode);
  gboolean    (*busy)     (gpointer mode);
} Run;

typedef struct
{
  Run           run;

  gboolean      exit_when_done;
  guint         n_inputs;
  guint         n_added;
  guint         pending_adds;
  gboolean      restored;
} TsHeadless;

typedef struct
{
  TsHeadless *headless;
  char       *input;
} AddData;


static void
add_data_free (AddData *data)
{
  g_free (data->input);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AddData, add_data_free)

static guint
status_interval_ms (void)
{
  const char *env = g_getenv ("TS_HEADLESS_INTERVAL");
  char *end = NULL;
  double seconds;

  if (env == NULL || *env == '\0')
    return DEFAULT_INTERVAL_MS;

  seconds = g_ascii_strtod (env, &end);
  if (end == env || *end != '\0' || !(seconds >= 0.05 && seconds <= 3600.0))
    {
      g_printerr (_("torrentstream: ignoring TS_HEADLESS_INTERVAL=“%s”: "
                    "expected seconds between 0.05 and 3600\n"), env);
      return DEFAULT_INTERVAL_MS;
    }

  return (guint) (seconds * 1000.0 + 0.5);
}

/* A command-line argument as the session expects it: URIs and bare
 * info-hashes as they are, paths made absolute against the current folder. */
static GSettings *
settings_new_checked (GError **error)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);

  if (schema == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The settings schema “%s” is not installed"), APP_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

/* The session, not started yet. */
static gboolean
run_open (Run       *run,
          gboolean   loopback_only,
          GError   **error)
{
  g_autofree char *state_dir = NULL;

  run->settings = settings_new_checked (error);
  if (run->settings == NULL)
    return FALSE;

  state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);
  run->session = ts_session_new (run->settings, state_dir);
  if (loopback_only)
    ts_session_set_loopback_only (run->session, TRUE);
  run->cancellable = g_cancellable_new ();
  run->loop = g_main_loop_new (NULL, FALSE);
  return TRUE;
}

static void
run_maybe_quit (Run *run)
{
  /* Callbacks of the mode may still hold a pointer to it: wait for them. */
  if (run->shutdown_done && !run->busy (run->mode))
    g_main_loop_quit (run->loop);
}

static void
run_shutdown_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  if (!ts_session_shutdown_finish (TS_SESSION (object), result, &error))
    {
      g_printerr (_("torrentstream: could not save the session: %s\n"), error->message);
      run->failed = TRUE;
    }

  run->shutdown_done = TRUE;
  run_maybe_quit (run);
}

static void
run_shutdown (Run *run)
{
  if (run->shutting_down)
    return;

  run->shutting_down = TRUE;
  g_cancellable_cancel (run->cancellable);
  g_clear_handle_id (&run->status_id, g_source_remove);
  run->teardown (run->mode);
  ts_session_shutdown_async (run->session, NULL, run_shutdown_cb, run);
}

static gboolean
run_signal_cb (gpointer user_data)
{
  Run *run = user_data;

  if (run->shutting_down)
    {
      /* A second Ctrl+C: the user does not want to wait for the save. */
      g_printerr (_("torrentstream: interrupted again, quitting without saving\n"));
      _exit (1);
    }

  run_shutdown (run);
  return G_SOURCE_CONTINUE;
}

/* Starts the session, then the signals and the status line; says why not. */
static gboolean
run_start (Run         *run,
           GSourceFunc  status_cb,
           GError     **error)
{
  if (!ts_session_start (run->session, error))
    {
      g_printerr (_("torrentstream: cannot start the download engine: %s\n"), (*error)->message);
      return FALSE;
    }

  run->sigint_id = g_unix_signal_add (SIGINT, run_signal_cb, run);
  run->sigterm_id = g_unix_signal_add (SIGTERM, run_signal_cb, run);
  run->status_id = g_timeout_add (status_interval_ms (), status_cb, run->mode);
  return TRUE;
}

static void
run_clear (Run *run)
{
  g_clear_handle_id (&run->status_id, g_source_remove);
  g_clear_handle_id (&run->sigint_id, g_source_remove);
  g_clear_handle_id (&run->sigterm_id, g_source_remove);
  if (run->session != NULL)
    g_signal_handlers_disconnect_by_data (run->session, run->mode);
  g_clear_object (&run->session);
  g_clear_object (&run->settings);
  g_clear_object (&run->cancellable);
  g_clear_pointer (&run->loop, g_main_loop_unref);
}

static char *
resolve_input (const char *input)
{
  if (g_uri_peek_scheme (input) != NULL || g_path_is_absolute (input))
    return g_strdup (input);

  if (strchr (input, G_DIR_SEPARATOR) != NULL || strchr (input, '.') != NULL ||
      g_file_test (input, G_FILE_TEST_EXISTS))
    return g_canonicalize_filename (input, NULL);

  return g_strdup (input);
}

static char *
format_status_line (TsTorrent *torrent)
{
  TsTorrentState state = ts_torrent_get_state (torrent);
  const char *name = ts_torrent_get_name (torrent);
  g_autofree char *state_text = NULL;
  g_autofree char *down = ts_format_rate (ts_torrent_get_download_rate (torrent));
  g_autofree char *up = ts_format_rate (ts_torrent_get_upload_rate (torrent));
  g_autofree char *peers = ts_format_peers (ts_torrent_get_peers (torrent),
                                            ts_torrent_get_seeds (torrent));
  g_autofree char *eta = NULL;
  g_autofree char *eta_text = NULL;

  if (name == NULL || *name == '\0')
    name = ts_torrent_get_info_hash (torrent);

  if (state == TS_TORRENT_STATE_ERROR && ts_torrent_get_error_message (torrent) != NULL)
    /* Translators: the state of a failed torrent in the headless status line. */
    state_text = g_strdup_printf (_("error: %s"), ts_torrent_get_error_message (torrent));
  else
    state_text = g_utf8_strdown (ts_format_state (state), -1);

  if (state == TS_TORRENT_STATE_DOWNLOADING)
    eta = ts_format_eta (ts_torrent_get_eta (torrent));
  if (eta != NULL)
    /* Translators: estimated time left, e.g. “ETA 0:42”. */
    eta_text = g_strdup_printf (_(" — ETA %s"), eta);

  /* Translators: the headless status line: percent done, name, state,
   * download rate, upload rate, peers, and an optional “ — ETA 0:42”. */
  return g_strdup_printf (_("[%5.1f%%] %s — %s — ↓ %s ↑ %s — %s%s"),
                          CLAMP (ts_torrent_get_progress (torrent), 0.0, 1.0) * 100.0,
                          name, state_text, down, up, peers, eta_text != NULL ? eta_text : "");
}

static void
print_status (TsHeadless *self)
{
  GListModel *torrents = ts_session_get_torrents (self->run.session);
  guint n = g_list_model_get_n_items (torrents);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (torrents, i);
      g_autofree char *line = format_status_line (torrent);

      g_print ("%s\n", line);
    }

  fflush (stdout);
}

/* Done when every torrent that is not paused is complete (or failed): a
 * torrent that is still fetching its metadata is not. */
static gboolean
all_done (TsHeadless *self)
{
  GListModel *torrents = ts_session_get_torrents (self->run.session);
  guint n = g_list_model_get_n_items (torrents);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (torrents, i);
      TsTorrentState state = ts_torrent_get_state (torrent);

      if (state != TS_TORRENT_STATE_SEEDING &&
          state != TS_TORRENT_STATE_ERROR &&
          state != TS_TORRENT_STATE_PAUSED)
        return FALSE;
    }

  return TRUE;
}

static gboolean
any_failed (TsHeadless *self)
{
  GListModel *torrents = ts_session_get_torrents (self->run.session);
  guint n = g_list_model_get_n_items (torrents);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (torrents, i);

      if (ts_torrent_get_state (torrent) == TS_TORRENT_STATE_ERROR)
        return TRUE;
    }

  return FALSE;
}

static void
check_finished (TsHeadless *self)
{
  if (self->run.shutting_down || self->pending_adds > 0 || !self->restored)
    return;

  /* Every given torrent was refused: there is nothing the user asked for
   * left to do. */
  if (self->n_inputs > 0 && self->n_added == 0)
    {
      run_shutdown (&self->run);
      return;
    }

  if (g_list_model_get_n_items (ts_session_get_torrents (self->run.session)) == 0)
    {
      g_printerr (_("torrentstream: nothing to download\n"));
      run_shutdown (&self->run);
      return;
    }

  if (self->exit_when_done && all_done (self))
    {
      print_status (self);
      if (any_failed (self))
        self->run.failed = TRUE;
      run_shutdown (&self->run);
    }
}

static gboolean
status_tick_cb (gpointer user_data)
{
  TsHeadless *self = user_data;

  print_status (self);
  check_finished (self);

  return G_SOURCE_CONTINUE;
}

static gboolean
headless_busy (gpointer mode)
{
  TsHeadless *self = mode;

  return self->pending_adds > 0;
}

static void
headless_teardown (gpointer mode)
{
}

static void
add_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(AddData) data = user_data;
  TsHeadless *self = data->headless;
  g_autoptr(TsTorrent) torrent = NULL;
  g_autoptr(GError) error = NULL;

  self->pending_adds--;

  torrent = ts_session_add_finish (TS_SESSION (object), result, &error);
  if (torrent != NULL)
    {
      self->n_added++;
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* The engine's messages are whole sentences that name the input. */
      g_printerr ("torrentstream: %s\n", error->message);
      self->run.failed = TRUE;
    }

  check_finished (self);
  run_maybe_quit (&self->run);
}

static void
restored_cb (TsSession  *session,
             TsHeadless *self)
{
  self->restored = TRUE;
  check_finished (self);
}

/* Streaming without a window (--serve) ------------------------------------- */

typedef struct
{
  Run             run;
  TsStreamServer *server;
  char           *input;
  int             file_index;   /* -1: the largest video */
  guint           http_port;

  TsTorrent      *torrent;
  TsTorrent      *added;        /* new to the session: not kept if serving fails */
  TsTorrentFile  *file;
  /* Held while serving: its head and tail deadlines are set the moment the
   * file is chosen, before any player asks, and its cursors are shared with
   * the server's requests. */
  TsStreamReader *reader;
  gulong          metadata_id;

  gboolean        adding;
} TsServe;

static gboolean
serve_busy (gpointer mode)
{
  TsServe *self = mode;

  return self->adding;
}

static void
serve_teardown (gpointer mode)
{
  TsServe *self = mode;

  if (self->torrent != NULL)
    g_clear_signal_handler (&self->metadata_id, self->torrent);
  /* Players first, so no request keeps a reader past the session. */
  ts_stream_server_stop (self->server);
  g_clear_object (&self->reader);
}

static void
serve_fail (TsServe    *self,
            const char *message)
{
  g_printerr ("torrentstream: %s\n", message);
  self->run.failed = TRUE;
  /* Added only to be served: the user did not ask to download it. */
  if (self->torrent != NULL && self->torrent == self->added && self->file == NULL)
    ts_session_remove (self->run.session, self->torrent, TRUE);
  run_shutdown (&self->run);
}

static void
serve_torrent_added_cb (TsSession *session,
                        TsTorrent *torrent,
                        TsServe   *self)
{
  /* The saved torrents are back before we add ours: nothing else adds. */
  if (self->adding && self->added == NULL)
    self->added = torrent;
}

static gboolean
serve_status_cb (gpointer user_data)
{
  TsServe *self = user_data;
  g_autofree char *line = NULL;
  g_autofree char *players = NULL;
  guint n;

  if (self->torrent == NULL)
    return G_SOURCE_CONTINUE;

  /* stdout carries the URL only: whoever starts us reads its first line. */
  n = ts_stream_server_get_n_clients (self->server);
  line = format_status_line (self->torrent);
  /* Translators: after the status line in --serve mode: players reading now. */
  players = g_strdup_printf (ngettext ("%u player", "%u players", n), n);
  g_printerr ("%s — %s\n", line, players);
  return G_SOURCE_CONTINUE;
}

/* The files to choose from, for messages. */
static char *
describe_files (TsTorrent *torrent)
{
  GListModel *files = ts_torrent_get_files (torrent);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);
      g_autofree char *size = g_format_size (ts_torrent_file_get_size (file));

      g_string_append_printf (text, "\n  --file %u   %s (%s)", ts_torrent_file_get_index (file),
                              ts_torrent_file_get_path (file), size);
    }

  return g_string_free (text, FALSE);
}

/* Only the served file downloads: every byte the seeders send should be
 * one the player can use. A torrent that was in the session already keeps
 * the files its user chose (the reader wants the served one anyway). */
static void
apply_streaming_priorities (TsServe *self)
{
  GListModel *files = ts_torrent_get_files (self->torrent);
  guint n = g_list_model_get_n_items (files);
  g_autofree guint8 *priorities = g_new0 (guint8, MAX (n, 1));

  if (self->torrent != self->added)
    return;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TsTorrentFile) file = g_list_model_get_item (files, i);

      if (file != self->file)
        priorities[i] = TS_FILE_PRIORITY_SKIP;
      else
        priorities[i] = MAX (ts_torrent_file_get_priority (file), TS_FILE_PRIORITY_NORMAL);
    }

  ts_torrent_set_file_priorities (self->torrent, priorities, n);
}

static void
serve_file (TsServe *self)
{
  g_autofree char *url = NULL;
  g_autofree char *size = NULL;

  if (self->file_index >= 0)
    {
      self->file = ts_torrent_get_file (self->torrent, (guint) self->file_index);
      if (self->file == NULL)
        {
          g_autofree char *choices = describe_files (self->torrent);
          g_autofree char *message =
            g_strdup_printf (_("“%s” has no file number %d. Its files are:%s"),
                             ts_torrent_get_name (self->torrent), self->file_index, choices);

          serve_fail (self, message);
          return;
        }
      g_object_ref (self->file);
    }
  else
    {
      self->file = ts_torrent_get_main_video (self->torrent);
      if (self->file == NULL)
        {
          g_autofree char *choices = describe_files (self->torrent);
          g_autofree char *message =
            g_strdup_printf (_("“%s” has no video file. Choose a file with --file:%s"),
                             ts_torrent_get_name (self->torrent), choices);

          serve_fail (self, message);
          return;
        }
      g_object_ref (self->file);
    }

  /* Priorities before the reader, so that its deadlines, not rarest-first
   * requests for other files, lead from the first request on. */
  apply_streaming_priorities (self);
  self->reader = ts_stream_reader_get_for_file (self->file);

  url = ts_stream_server_dup_url (self->server, self->file);
  g_print ("%s\n", url);
  fflush (stdout);

  size = g_format_size (ts_torrent_file_get_size (self->file));
  g_printerr (_("torrentstream: serving “%s” (%s) until interrupted\n"),
              ts_torrent_file_get_path (self->file), size);
}

static void
serve_pieces_cb (TsTorrent *torrent,
                 guint      first,
                 guint      last,
                 TsServe   *self)
{
  g_debug ("pieces %u-%u arrived", first, last);
}

static void
serve_metadata_cb (TsTorrent *torrent,
                   TsServe   *self)
{
  g_clear_signal_handler (&self->metadata_id, torrent);
  if (!self->run.shutting_down)
    serve_file (self);
}

static void
serve_add_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  TsServe *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TsTorrent) torrent = NULL;

  self->adding = FALSE;
  torrent = ts_session_add_finish (TS_SESSION (object), result, &error);

  if (self->run.shutting_down)
    {
      run_maybe_quit (&self->run);
      return;
    }

  if (torrent == NULL)
    {
      serve_fail (self, error->message);
      return;
    }

  self->torrent = g_steal_pointer (&torrent);
  g_signal_connect (self->torrent, "pieces-changed", G_CALLBACK (serve_pieces_cb), self);
  /* A paused saved torrent would never deliver. */
  if (ts_torrent_get_paused (self->torrent))
    ts_torrent_resume (self->torrent);

  if (ts_torrent_has_metadata (self->torrent))
    serve_file (self);
  else
    {
      g_printerr (_("torrentstream: fetching the file list of “%s” from peers…\n"),
                  ts_torrent_get_name (self->torrent));
      self->metadata_id = g_signal_connect (self->torrent, "metadata-received",
                                            G_CALLBACK (serve_metadata_cb), self);
    }
}

static void
serve_restored_cb (TsSession *session,
                   TsServe   *self)
{
  g_signal_handlers_disconnect_by_func (session, serve_restored_cb, self);
  if (self->run.shutting_down)
    return;

  self->adding = TRUE;
  ts_session_add_async (self->run.session, self->input, self->run.cancellable, serve_add_cb, self);
}

static int
serve_main (const char *input,
            int         file_index,
            guint       http_port,
            gboolean    loopback_only)
{
  g_autoptr(GError) error = NULL;
  TsServe self = { 0 };
  gboolean ok;

  self.run.mode = &self;
  self.run.busy = serve_busy;
  self.run.teardown = serve_teardown;
  if (!run_open (&self.run, loopback_only, &error))
    {
      g_printerr ("torrentstream: %s\n", error->message);
      return 1;
    }

  self.server = ts_stream_server_new (self.run.session);
  self.file_index = file_index;
  self.http_port = http_port;
  self.input = resolve_input (input);

  /* The port first: a busy one fails before anything is added or saved. */
  ok = ts_stream_server_start_on_port (self.server, http_port, &error);
  if (!ok)
    g_printerr ("torrentstream: %s\n", error->message);
  else
    {
      /* The saved torrents come back first: then whatever is added while
       * ours is being added is ours, and new to the session. Connected
       * before starting: the session may restore synchronously. */
      g_signal_connect (self.run.session, "restored", G_CALLBACK (serve_restored_cb), &self);
      g_signal_connect (self.run.session, "torrent-added",
                        G_CALLBACK (serve_torrent_added_cb), &self);
      ok = run_start (&self.run, serve_status_cb, &error);
    }
  if (ok)
    g_main_loop_run (self.run.loop);

  if (self.torrent != NULL)
    g_signal_handlers_disconnect_by_data (self.torrent, &self);
  ts_stream_server_stop (self.server);
  g_clear_object (&self.reader);
  g_clear_object (&self.file);
  g_clear_object (&self.torrent);
  g_clear_object (&self.server);
  g_free (self.input);
  run_clear (&self.run);

  return ok && !self.run.failed ? 0 : 1;
}

int
ts_headless_main (int    argc,
                  char **argv)
{
  gboolean headless = FALSE;
  gboolean exit_when_done = FALSE;
  gboolean loopback_only = FALSE;
  g_autofree char *serve = NULL;
  int file_index = NO_FILE_INDEX;
  int http_port = NO_HTTP_PORT;
  g_auto(GStrv) inputs = NULL;
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless,
      N_("Download without a window"), NULL },
    { "exit-when-done", 0, 0, G_OPTION_ARG_NONE, &exit_when_done,
      N_("Exit once every torrent is complete (paused ones are not waited for)"), NULL },
    { "serve", 0, 0, G_OPTION_ARG_FILENAME, &serve,
      N_("Stream one file of TORRENT over HTTP on 127.0.0.1 while it downloads; "
         "the first line on standard output is its URL"), N_("TORRENT") },
    { "file", 0, 0, G_OPTION_ARG_INT, &file_index,
      N_("With --serve: the file to stream (default: the largest video)"), N_("N") },
    { "http-port", 0, 0, G_OPTION_ARG_INT, &http_port,
      N_("With --serve: the HTTP port (default: any free one)"), N_("PORT") },
    { "loopback-only", 0, 0, G_OPTION_ARG_NONE, &loopback_only,
      N_("Use 127.0.0.1 only: no DHT, LSD, UPnP or NAT-PMP (as TS_LOOPBACK_ONLY=1)"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs,
      NULL, N_("[TORRENT…]") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  TsHeadless self = { 0 };
  int status;

  /* Translators: follows “torrentstream [OPTION…] [TORRENT…]” in --help. */
  context = g_option_context_new (_("— download or stream torrents without a window"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Downloads the given torrents and the saved ones, printing their progress every\n"
      "two seconds (the TS_HEADLESS_INTERVAL environment variable sets the seconds).\n"
      "A TORRENT is a magnet link, an info-hash, a .torrent file or its http(s) URL."));
  g_option_context_set_description (context,
    _("torrentstream --serve TORRENT [--file N] [--http-port PORT] streams one file\n"
      "to a player that takes a URL, e.g. `mpv \"$(torrentstream --serve FILE | head -1)\"`;\n"
      "progress goes to standard error.\n"
      "\n"
      "Ctrl+C or SIGTERM saves the state and exits.\n"
      "\n"
      "Exit status: 0 on success. 1 when a TORRENT cannot be added (the others are\n"
      "still downloaded; when none can be added, torrentstream stops at once), when\n"
      "a torrent failed, when the file to serve does not exist, or when the state\n"
      "could not be saved."));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("torrentstream: %s\n", error->message);
      g_printerr (_("Try “torrentstream --headless --help” for more information.\n"));
      return 1;
    }

  if (serve != NULL || file_index != NO_FILE_INDEX || http_port != NO_HTTP_PORT)
    {
      const char *problem = NULL;

      if (serve == NULL)
        problem = _("--file and --http-port go with --serve TORRENT");
      else if (*serve == '\0')
        problem = _("--serve needs a torrent: a magnet link, an info-hash, a .torrent file or its URL");
      else if (headless || exit_when_done || (inputs != NULL && inputs[0] != NULL))
        problem = _("--serve streams one torrent and takes no other torrents, "
                    "--headless or --exit-when-done");
      else if (file_index != NO_FILE_INDEX && file_index < 0)
        problem = _("--file takes a file number (0 is the first file)");
      else if (http_port != NO_HTTP_PORT && (http_port < 0 || http_port > 65535))
        problem = _("--http-port takes a port number from 0 to 65535");

      if (problem != NULL)
        {
          g_printerr ("torrentstream: %s\n", problem);
          g_printerr (_("Try “torrentstream --headless --help” for more information.\n"));
          return 1;
        }

      return serve_main (serve, file_index == NO_FILE_INDEX ? -1 : file_index,
                         http_port == NO_HTTP_PORT ? 0 : (guint) http_port, loopback_only);
    }

  self.run.mode = &self;
  self.run.busy = headless_busy;
  self.run.teardown = headless_teardown;
  if (!run_open (&self.run, loopback_only, &error))
    {
      g_printerr ("torrentstream: %s\n", error->message);
      return 1;
    }
  self.exit_when_done = exit_when_done;

  /* Connected before starting: the session may restore synchronously. */
  g_signal_connect (self.run.session, "restored", G_CALLBACK (restored_cb), &self);
  if (!run_start (&self.run, status_tick_cb, &error))
    {
      run_clear (&self.run);
      return 1;
    }

  for (guint i = 0; inputs != NULL && inputs[i] != NULL; i++)
    {
      g_autofree char *source = resolve_input (inputs[i]);
      AddData *data = g_new0 (AddData, 1);

      data->headless = &self;
      data->input = g_strdup (inputs[i]);
      self.n_inputs++;
      self.pending_adds++;
      ts_session_add_async (self.run.session, source, self.run.cancellable, add_cb, data);
    }

  check_finished (&self);

  g_main_loop_run (self.run.loop);

  status = self.run.failed ? 1 : 0;
  run_clear (&self.run);

  return status;
}
