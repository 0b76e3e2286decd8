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

typedef struct
{
  GMainLoop    *loop;
  GSettings    *settings;
  TsSession    *session;
  GCancellable *cancellable;

  gboolean      exit_when_done;
  guint         n_inputs;
  guint         n_added;
  guint         pending_adds;
  gboolean      add_failed;
  gboolean      restored;
  gboolean      shutting_down;
  gboolean      shutdown_done;
  gboolean      shutdown_failed;

  guint         status_id;
  guint         sigint_id;
  guint         sigterm_id;
} TsHeadless;

typedef struct
{
  TsHeadless *headless;
  char       *input;
} AddData;

static void begin_shutdown (TsHeadless *self);

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
  GListModel *torrents = ts_session_get_torrents (self->session);
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
  GListModel *torrents = ts_session_get_torrents (self->session);
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
  GListModel *torrents = ts_session_get_torrents (self->session);
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
  if (self->shutting_down || self->pending_adds > 0 || !self->restored)
    return;

  /* Every given torrent was refused: there is nothing the user asked for
   * left to do. */
  if (self->n_inputs > 0 && self->n_added == 0)
    {
      begin_shutdown (self);
      return;
    }

  if (g_list_model_get_n_items (ts_session_get_torrents (self->session)) == 0)
    {
      g_printerr (_("torrentstream: nothing to download\n"));
      begin_shutdown (self);
      return;
    }

  if (self->exit_when_done && all_done (self))
    {
      print_status (self);
      if (any_failed (self))
        self->shutdown_failed = TRUE;
      begin_shutdown (self);
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

static void
maybe_quit (TsHeadless *self)
{
  /* Add callbacks still hold a pointer to us: wait for them too. */
  if (self->shutdown_done && self->pending_adds == 0)
    g_main_loop_quit (self->loop);
}

static void
shutdown_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  TsHeadless *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ts_session_shutdown_finish (TS_SESSION (object), result, &error))
    {
      g_printerr (_("torrentstream: could not save the session: %s\n"), error->message);
      self->shutdown_failed = TRUE;
    }

  self->shutdown_done = TRUE;
  maybe_quit (self);
}

static void
begin_shutdown (TsHeadless *self)
{
  if (self->shutting_down)
    return;

  self->shutting_down = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->status_id, g_source_remove);
  ts_session_shutdown_async (self->session, NULL, shutdown_cb, self);
}

static gboolean
signal_cb (gpointer user_data)
{
  TsHeadless *self = user_data;

  if (self->shutting_down)
    {
      /* A second Ctrl+C: the user does not want to wait for the save. */
      g_printerr (_("torrentstream: interrupted again, quitting without saving\n"));
      _exit (1);
    }

  begin_shutdown (self);

  return G_SOURCE_CONTINUE;
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
      self->add_failed = TRUE;
    }

  check_finished (self);
  maybe_quit (self);
}

static void
restored_cb (TsSession  *session,
             TsHeadless *self)
{
  self->restored = TRUE;
  check_finished (self);
}

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

/* Streaming without a window (--serve) ------------------------------------- */

typedef struct
{
  GMainLoop      *loop;
  GSettings      *settings;
  TsSession      *session;
  TsStreamServer *server;
  GCancellable   *cancellable;
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
  gboolean        failed;
  gboolean        shutting_down;
  gboolean        shutdown_done;

  guint           status_id;
  guint           sigint_id;
  guint           sigterm_id;
} TsServe;

static void serve_shutdown (TsServe *self);

static void
serve_maybe_quit (TsServe *self)
{
  if (self->shutdown_done && !self->adding)
    g_main_loop_quit (self->loop);
}

static void
serve_shutdown_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  TsServe *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ts_session_shutdown_finish (TS_SESSION (object), result, &error))
    {
      g_printerr (_("torrentstream: could not save the session: %s\n"), error->message);
      self->failed = TRUE;
    }

  self->shutdown_done = TRUE;
  serve_maybe_quit (self);
}

static void
serve_shutdown (TsServe *self)
{
  if (self->shutting_down)
    return;

  self->shutting_down = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->status_id, g_source_remove);
  if (self->torrent != NULL)
    g_clear_signal_handler (&self->metadata_id, self->torrent);

  /* Players first, so no request keeps a reader past the session. */
  ts_stream_server_stop (self->server);
  g_clear_object (&self->reader);
  ts_session_shutdown_async (self->session, NULL, serve_shutdown_cb, self);
}

static void
serve_fail (TsServe    *self,
            const char *message)
{
  g_printerr ("torrentstream: %s\n", message);
  self->failed = TRUE;
  /* Added only to be served: the user did not ask to download it. */
  if (self->torrent != NULL && self->torrent == self->added && self->file == NULL)
    ts_session_remove (self->session, self->torrent, TRUE);
  serve_shutdown (self);
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
serve_signal_cb (gpointer user_data)
{
  TsServe *self = user_data;

  if (self->shutting_down)
    {
      g_printerr (_("torrentstream: interrupted again, quitting without saving\n"));
      _exit (1);
    }

  serve_shutdown (self);
  return G_SOURCE_CONTINUE;
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
  if (!self->shutting_down)
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

  if (self->shutting_down)
    {
      serve_maybe_quit (self);
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
  if (self->shutting_down)
    return;

  self->adding = TRUE;
  ts_session_add_async (self->session, self->input, self->cancellable, serve_add_cb, self);
}

static int
serve_main (const char *input,
            int         file_index,
            guint       http_port,
            gboolean    loopback_only)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state_dir = NULL;
  TsServe self = { 0 };
  int status;

  self.settings = settings_new_checked (&error);
  if (self.settings == NULL)
    {
      g_printerr ("torrentstream: %s\n", error->message);
      return 1;
    }

  state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);
  self.session = ts_session_new (self.settings, state_dir);
  if (loopback_only)
    ts_session_set_loopback_only (self.session, TRUE);
  self.server = ts_stream_server_new (self.session);
  self.file_index = file_index;
  self.http_port = http_port;
  self.cancellable = g_cancellable_new ();
  self.loop = g_main_loop_new (NULL, FALSE);

  /* The port first: a busy one fails before anything is added or saved. */
  if (!ts_stream_server_start_on_port (self.server, http_port, &error))
    {
      g_printerr ("torrentstream: %s\n", error->message);
      status = 1;
      goto out;
    }

  /* The saved torrents come back first: then whatever is added while ours
   * is being added is ours, and new to the session. Connected before
   * starting: the session may restore synchronously. */
  self.input = resolve_input (input);
  g_signal_connect (self.session, "restored", G_CALLBACK (serve_restored_cb), &self);
  g_signal_connect (self.session, "torrent-added", G_CALLBACK (serve_torrent_added_cb), &self);

  if (!ts_session_start (self.session, &error))
    {
      g_printerr (_("torrentstream: cannot start the download engine: %s\n"), error->message);
      status = 1;
      goto out;
    }

  self.sigint_id = g_unix_signal_add (SIGINT, serve_signal_cb, &self);
  self.sigterm_id = g_unix_signal_add (SIGTERM, serve_signal_cb, &self);
  self.status_id = g_timeout_add (status_interval_ms (), serve_status_cb, &self);

  g_main_loop_run (self.loop);
  status = self.failed ? 1 : 0;

out:
  g_clear_handle_id (&self.status_id, g_source_remove);
  g_clear_handle_id (&self.sigint_id, g_source_remove);
  g_clear_handle_id (&self.sigterm_id, g_source_remove);
  if (self.torrent != NULL)
    g_signal_handlers_disconnect_by_data (self.torrent, &self);
  g_signal_handlers_disconnect_by_data (self.session, &self);
  ts_stream_server_stop (self.server);
  g_clear_object (&self.reader);
  g_clear_object (&self.file);
  g_clear_object (&self.torrent);
  g_clear_object (&self.server);
  g_clear_object (&self.session);
  g_clear_object (&self.settings);
  g_clear_object (&self.cancellable);
  g_clear_pointer (&self.loop, g_main_loop_unref);
  g_free (self.input);

  return status;
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
  g_autofree char *state_dir = NULL;
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

  self.settings = settings_new_checked (&error);
  if (self.settings == NULL)
    {
      g_printerr ("torrentstream: %s\n", error->message);
      return 1;
    }

  state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);
  self.session = ts_session_new (self.settings, state_dir);
  if (loopback_only)
    ts_session_set_loopback_only (self.session, TRUE);
  self.exit_when_done = exit_when_done;
  self.cancellable = g_cancellable_new ();
  self.loop = g_main_loop_new (NULL, FALSE);

  /* Connected before starting: the session may restore synchronously. */
  g_signal_connect (self.session, "restored", G_CALLBACK (restored_cb), &self);

  if (!ts_session_start (self.session, &error))
    {
      g_printerr (_("torrentstream: cannot start the download engine: %s\n"), error->message);
      g_signal_handlers_disconnect_by_data (self.session, &self);
      g_clear_object (&self.session);
      g_clear_object (&self.settings);
      g_clear_object (&self.cancellable);
      g_clear_pointer (&self.loop, g_main_loop_unref);
      return 1;
    }

  self.sigint_id = g_unix_signal_add (SIGINT, signal_cb, &self);
  self.sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &self);
  self.status_id = g_timeout_add (status_interval_ms (), status_tick_cb, &self);

  for (guint i = 0; inputs != NULL && inputs[i] != NULL; i++)
    {
      g_autofree char *source = resolve_input (inputs[i]);
      AddData *data = g_new0 (AddData, 1);

      data->headless = &self;
      data->input = g_strdup (inputs[i]);
      self.n_inputs++;
      self.pending_adds++;
      ts_session_add_async (self.session, source, self.cancellable, add_cb, data);
    }

  check_finished (&self);

  g_main_loop_run (self.loop);

  g_clear_handle_id (&self.status_id, g_source_remove);
  g_clear_handle_id (&self.sigint_id, g_source_remove);
  g_clear_handle_id (&self.sigterm_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (self.session, &self);

  status = (self.add_failed || self.shutdown_failed) ? 1 : 0;

  g_clear_object (&self.session);
  g_clear_object (&self.settings);
  g_clear_object (&self.cancellable);
  g_clear_pointer (&self.loop, g_main_loop_unref);

  return status;
}
