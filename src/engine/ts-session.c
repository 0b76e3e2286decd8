/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "ts-session-private.h"
#include "ts-state-store.h"
#include "ts-torrent-file.h"
#include "ts-torrent-private.h"

#define MAX_TORRENT_SIZE        (10 * 1024 * 1024)
#define READ_CHUNK              (64 * 1024)
#define HTTP_TIMEOUT_S          30
#define STATUS_INTERVAL_S       1
#define RESUME_INTERVAL_S       30
#define SEED_RESUME_TICKS       10      /* seeds: every 10th resume tick */
#define PIECE_SAVE_INTERVAL_S   5
#define STATE_INTERVAL_S        (5 * 60)
#define RESUME_WAIT_MS          (10 * 1000)
#define SHUTDOWN_POLL_MS        50
#define POKE_TICKS              3

struct _TsSession
{
  GObject          parent_instance;

  GSettings       *settings;
  char            *state_dir;
  gboolean         loopback_only;

  TsEngineShared  *shared;
  TsLtSession     *lt;              /* main-thread copy; NULL when not running */
  TsStateStore    *store;
  SoupSession     *soup;

  GListStore      *torrents;
  GHashTable      *by_hash;         /* info-hash -> TsTorrent in the model */
  GHashTable      *by_lt;           /* TsLtTorrent* -> TsTorrent, every live object */
  GHashTable      *adds;            /* cookie -> AddOp */
  GHashTable      *adds_by_hash;    /* info-hash -> AddOp (borrowed) */
  guint64          next_cookie;
  GArray          *kept_entries;    /* TsStateEntry that could not be restored */

  GQueue           events;          /* QueuedEvent, popped but not handled yet */

  GSource         *status_source;
  GSource         *resume_source;
  GSource         *state_source;
  GSource         *poll_source;     /* during shutdown: pop events without waiting for notify */
  guint            poke_ticks;
  gboolean         status_changed;  /* a status arrived since the last tick */
  gboolean         engine_idle;     /* libtorrent told to wake up less */
  guint            resume_interval;
  guint            resume_ticks;
  guint            piece_save_interval;

  guint            listen_port;
  gint64           download_rate;
  gint64           upload_rate;
  guint            n_active;

  int              resume_outstanding;
  GPtrArray       *save_waits;      /* SaveWait */

  guint            restore_pending;
  gboolean         restoring;
  gboolean         started;
  gboolean         shutting_down;
  gboolean         shut_down;
  GPtrArray       *shutdown_tasks;
  GSource         *shutdown_timeout;
};

G_DEFINE_FINAL_TYPE (TsSession, ts_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_STATE_DIR,
  PROP_DOWNLOAD_RATE,
  PROP_UPLOAD_RATE,
  PROP_LISTEN_PORT,
  PROP_TORRENTS,
  PROP_N_ACTIVE,
  N_PROPS
};

enum {
  SIGNAL_TORRENT_ADDED,
  SIGNAL_TORRENT_REMOVED,
  SIGNAL_TORRENT_FINISHED,
  SIGNAL_TORRENT_ERROR,
  SIGNAL_RESTORED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const char * const engine_keys[] = {
  "listen-port", "download-limit", "upload-limit", "enable-dht", "enable-lsd",
  "enable-upnp", "enable-natpmp", "encryption", "connections-limit", NULL
};

static void dispatch_events (TsSession *self);
static void write_list (TsSession *self);
static void check_save_waits (TsSession *self);
static void update_totals (TsSession *self);
static void ensure_status_timer (TsSession *self);

/* Shared state ------------------------------------------------------------------ */

TsEngineShared *
_ts_engine_shared_ref (TsEngineShared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

void
_ts_engine_shared_unref (TsEngineShared *shared)
{
  if (!g_atomic_ref_count_dec (&shared->ref_count))
    return;

  g_assert (shared->lt == NULL);
  g_rw_lock_clear (&shared->lock);
  g_main_context_unref (shared->context);
  g_free (shared);
}

static GSource *
attach_timeout (TsSession   *self,
                guint        interval_ms,
                gboolean     seconds,
                GSourceFunc  func,
                const char  *name)
{
  GSource *source = seconds ? g_timeout_source_new_seconds (interval_ms / 1000)
                            : g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_set_static_name (source, name);
  g_source_attach (source, self->shared->context);
  return source;
}

/* Events from libtorrent ------------------------------------------------------- */

/* A TsLtEvent copied out of the shim: alerts die at the next pop, and our
 * handlers run user code that may re-enter the main loop. */
typedef struct
{
  TsLtEventType  type;
  TsLtTorrent   *torrent;
  guint64        cookie;
  char          *error;
  char          *info_hash;
  int            piece;
  int            port;
  GBytes        *data;
  TsLtStatus    *statuses;
  int            n_statuses;
  gint64        *file_progress;
  int            n_files;
} QueuedEvent;

static void
queued_event_free (QueuedEvent *event)
{
  for (int i = 0; i < event->n_statuses; i++)
    {
      g_free ((char *) event->statuses[i].error);
      g_free ((char *) event->statuses[i].name);
      g_free ((guint8 *) event->statuses[i].pieces);
    }
  g_free (event->statuses);
  g_free (event->error);
  g_free (event->info_hash);
  g_clear_pointer (&event->data, g_bytes_unref);
  g_free (event->file_progress);
  g_free (event);
}

static void
on_lt_event (const TsLtEvent *event,
             void            *user_data)
{
  TsSession *self = user_data;
  QueuedEvent *copy = g_new0 (QueuedEvent, 1);

  copy->type = event->type;
  copy->torrent = event->torrent;
  copy->cookie = event->cookie;
  copy->error = g_strdup (event->error);
  copy->info_hash = g_strdup (event->info_hash);
  copy->piece = event->piece;
  copy->port = event->port;
  if (event->data != NULL)
    copy->data = g_bytes_new (event->data, event->len);

  if (event->statuses != NULL && event->n_statuses > 0)
    {
      copy->n_statuses = event->n_statuses;
      copy->statuses = g_new0 (TsLtStatus, event->n_statuses);
      for (int i = 0; i < event->n_statuses; i++)
        {
          const TsLtStatus *src = &event->statuses[i];
          TsLtStatus *dst = &copy->statuses[i];

          *dst = *src;
          dst->error = g_strdup (src->error);
          dst->name = g_strdup (src->name);
          dst->pieces = src->pieces != NULL && src->num_pieces > 0
                        ? g_memdup2 (src->pieces, ((gsize) src->num_pieces + 7) / 8)
                        : NULL;
        }
    }

  if (event->file_progress != NULL && event->n_files > 0)
    {
      copy->n_files = event->n_files;
      copy->file_progress = g_memdup2 (event->file_progress,
                                       sizeof (gint64) * (gsize) event->n_files);
    }

  g_queue_push_tail (&self->events, copy);
}

static gboolean
dispatch_cb (gpointer user_data)
{
  TsEngineShared *shared = user_data;

  /* Cleared before popping: a notify during the pop queues a new dispatch. */
  g_atomic_int_set (&shared->wake_pending, 0);
  if (shared->session != NULL && shared->alive)
    dispatch_events (shared->session);
  return G_SOURCE_REMOVE;
}

/* libtorrent's threads (and sometimes our own calls into it): only wake
 * the main context, once. */
static void
on_lt_notify (void *user_data)
{
  TsEngineShared *shared = user_data;
  GSource *source;

  if (!g_atomic_int_compare_and_exchange (&shared->wake_pending, 0, 1))
    return;

  /* Never g_main_context_invoke(): it could dispatch right here. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, dispatch_cb, _ts_engine_shared_ref (shared),
                         (GDestroyNotify) _ts_engine_shared_unref);
  g_source_set_static_name (source, "[ts-session] dispatch");
  g_source_attach (source, shared->context);
  g_source_unref (source);
}

/* Settings ---------------------------------------------------------------------- */

static int
kib_to_bytes (int kib)
{
  gint64 bytes = (gint64) MAX (kib, 0) * 1024;

  return (int) MIN (bytes, G_MAXINT);
}

/* @listen receives the string settings->listen_interfaces points to. */
static void
fill_settings (TsSession    *self,
               TsLtSettings *settings,
               char        **listen)
{
  g_autofree char *encryption = g_settings_get_string (self->settings, "encryption");
  int port = g_settings_get_int (self->settings, "listen-port");

  memset (settings, 0, sizeof *settings);
  settings->download_rate_limit =
    kib_to_bytes (g_settings_get_int (self->settings, "download-limit"));
  settings->upload_rate_limit =
    kib_to_bytes (g_settings_get_int (self->settings, "upload-limit"));
  settings->connections_limit = MAX (g_settings_get_int (self->settings, "connections-limit"), 0);
  settings->encryption = g_str_equal (encryption, "required") ? TS_LT_ENCRYPTION_REQUIRED
                         : g_str_equal (encryption, "disabled") ? TS_LT_ENCRYPTION_DISABLED
                         : TS_LT_ENCRYPTION_PREFERRED;

  if (self->loopback_only)
    {
      const char *env_port = g_getenv ("TS_LISTEN_PORT");
      guint64 loopback_port = 0;

      if (env_port != NULL && env_port[0] != '\0'
          && !g_ascii_string_to_unsigned (env_port, 10, 0, 65535, &loopback_port, NULL))
        {
          g_warning ("Ignoring TS_LISTEN_PORT=“%s”: not a port number", env_port);
          loopback_port = 0;
        }

      /* Port 0: an ephemeral port, read back from the listen event. */
      *listen = g_strdup_printf ("127.0.0.1:%u", (guint) loopback_port);
      settings->outgoing_interfaces = "127.0.0.1";
      settings->enable_dht = FALSE;
      settings->enable_lsd = FALSE;
      settings->enable_upnp = FALSE;
      settings->enable_natpmp = FALSE;
      /* Every peer is local here: configured limits must still apply. */
      settings->rate_limit_local = TRUE;
    }
  else
    {
      *listen = g_strdup_printf ("0.0.0.0:%d,[::]:%d", port, port);
      settings->outgoing_interfaces = NULL;
      settings->enable_dht = g_settings_get_boolean (self->settings, "enable-dht");
      settings->enable_lsd = g_settings_get_boolean (self->settings, "enable-lsd");
      settings->enable_upnp = g_settings_get_boolean (self->settings, "enable-upnp");
      settings->enable_natpmp = g_settings_get_boolean (self->settings, "enable-natpmp");
      settings->rate_limit_local = FALSE;
    }
  settings->listen_interfaces = *listen;
  settings->idle = self->engine_idle;
}

static void
apply_settings (TsSession *self)
{
  g_autofree char *listen = NULL;
  TsLtSettings settings;

  if (self->lt == NULL || self->shutting_down)
    return;

  fill_settings (self, &settings, &listen);
  ts_lt_session_apply_settings (self->lt, &settings);
  g_debug ("Applied engine settings: listen on %s, download limit %d B/s, upload limit %d B/s",
           listen, settings.download_rate_limit, settings.upload_rate_limit);
}

static void
on_settings_changed (GSettings  *settings,
                     const char *key,
                     TsSession  *self)
{
  if (key == NULL || g_strv_contains (engine_keys, key))
    apply_settings (self);
}

/* Torrents and their bookkeeping ------------------------------------------------- */

static TsTorrent *
torrent_for_lt (TsSession   *self,
                TsLtTorrent *lt)
{
  if (lt == NULL)
    return NULL;
  /* By pointer, never through the shim: the TsLtTorrent may be freed. */
  return g_hash_table_lookup (self->by_lt, lt);
}

void
_ts_session_forget_torrent (TsSession *self,
                            TsTorrent *torrent)
{
  if (self->by_lt != NULL && torrent->lt != NULL
      && g_hash_table_lookup (self->by_lt, torrent->lt) == torrent)
    g_hash_table_remove (self->by_lt, torrent->lt);
}

static void
update_n_active (TsSession *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  guint n_active = 0;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      if (torrent->lt_active && !torrent->removed)
        n_active++;
    }

  if (n_active != self->n_active)
    {
      self->n_active = n_active;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ACTIVE]);
    }
  if (n_active > 0)
    ensure_status_timer (self);
}

static void
update_totals (TsSession *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  gint64 down = 0, up = 0;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      down += ts_torrent_get_download_rate (torrent);
      up += ts_torrent_get_upload_rate (torrent);
    }

  g_object_freeze_notify (G_OBJECT (self));
  if (down != self->download_rate)
    {
      self->download_rate = down;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_RATE]);
    }
  if (up != self->upload_rate)
    {
      self->upload_rate = up;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOAD_RATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_engine_idle (TsSession *self,
                 gboolean   idle)
{
  if (self->engine_idle == idle)
    return;
  self->engine_idle = idle;
  apply_settings (self);
}

static gboolean
status_tick_cb (gpointer user_data)
{
  TsSession *self = user_data;
  gboolean changed = self->status_changed;
  gboolean posted = FALSE;
  gboolean working = FALSE;
  guint n_items;

  if (self->lt == NULL || self->shutting_down)
    {
      g_clear_pointer (&self->status_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  /* Each file-progress request posts a status update too: one is enough. */
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      if (torrent->lt_active && torrent->has_metadata && _ts_torrent_is_live (torrent))
        {
          ts_lt_torrent_post_file_progress (torrent->lt);
          posted = TRUE;
        }
      if (torrent->lt_active && _ts_torrent_is_live (torrent)
          && torrent->state != TS_TORRENT_STATE_SEEDING)
        working = TRUE;
    }
  if (!posted)
    ts_lt_session_post_updates (self->lt);
  self->status_changed = FALSE;

  /* Downloads and checks change by themselves. A seed changes only while
   * peers come, and then libtorrent reports it, which restarts this timer:
   * after a quiet second, stop, so an idle app does not wake up. */
  if (!working && !changed && self->poke_ticks == 0)
    {
      g_clear_pointer (&self->status_source, g_source_unref);
      set_engine_idle (self, TRUE);
      return G_SOURCE_REMOVE;
    }
  if (self->poke_ticks > 0)
    self->poke_ticks--;
  return G_SOURCE_CONTINUE;
}

static void
ensure_status_timer (TsSession *self)
{
  if (self->status_source != NULL || self->lt == NULL || self->shutting_down)
    return;
  self->status_source = attach_timeout (self, STATUS_INTERVAL_S * 1000, TRUE,
                                        status_tick_cb, "[ts-session] status");
  set_engine_idle (self, FALSE);
}

void
_ts_session_torrent_poked (TsSession *self,
                           TsTorrent *torrent)
{
  g_return_if_fail (TS_IS_SESSION (self));

  if (self->lt == NULL || self->shutting_down)
    return;

  if (torrent != NULL && _ts_torrent_is_live (torrent))
    ts_lt_torrent_post_status (torrent->lt);
  self->poke_ticks = POKE_TICKS;
  update_n_active (self);
  ensure_status_timer (self);
}

/* Resume data ----------------------------------------------------------------------- */

void
_ts_session_request_resume_data (TsSession *self,
                                 TsTorrent *torrent,
                                 gboolean   only_if_modified)
{
  g_return_if_fail (TS_IS_SESSION (self));
  g_return_if_fail (TS_IS_TORRENT (torrent));

  if (self->lt == NULL || !_ts_torrent_is_live (torrent))
    return;

  ts_lt_torrent_save_resume_data (torrent->lt, only_if_modified);
  torrent->resume_pending++;
  self->resume_outstanding++;
}

static void
resume_answered (TsSession *self,
                 TsTorrent *torrent)
{
  if (torrent->resume_pending > 0)
    {
      torrent->resume_pending--;
      self->resume_outstanding--;
    }
}

static gboolean
piece_save_cb (gpointer user_data)
{
  TsTorrent *torrent = user_data;

  g_clear_pointer (&torrent->piece_save_source, g_source_unref);
  torrent->last_piece_save = g_get_monotonic_time ();
  if (torrent->session != NULL)
    _ts_session_request_resume_data (torrent->session, torrent, TRUE);
  return G_SOURCE_REMOVE;
}

/* Saving after verified pieces is what lets a killed app keep them; at
 * most once per interval and torrent. */
static void
schedule_piece_save (TsSession *self,
                     TsTorrent *torrent)
{
  gint64 now = g_get_monotonic_time ();
  gint64 interval = (gint64) self->piece_save_interval * G_USEC_PER_SEC;
  gint64 wait;

  if (torrent->piece_save_source != NULL || torrent->removed || self->shutting_down)
    return;

  wait = torrent->last_piece_save + interval - now;
  if (torrent->last_piece_save == 0 || wait <= 0)
    {
      torrent->last_piece_save = now;
      _ts_session_request_resume_data (self, torrent, TRUE);
      return;
    }

  torrent->piece_save_source = g_timeout_source_new ((guint) (wait / 1000) + 1);
  g_source_set_callback (torrent->piece_save_source, piece_save_cb, torrent, NULL);
  g_source_set_static_name (torrent->piece_save_source, "[ts-session] piece save");
  g_source_attach (torrent->piece_save_source, self->shared->context);
}

static gboolean
resume_tick_cb (gpointer user_data)
{
  TsSession *self = user_data;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  /* libtorrent calls a torrent modified after every second it is active,
   * and for a seed that is only its counters: writing all seeds (with
   * fsync) every tick would keep an idle app busy. */
  gboolean seeds_too = ++self->resume_ticks % SEED_RESUME_TICKS == 0;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      if (torrent->has_metadata && (seeds_too || torrent->state != TS_TORRENT_STATE_SEEDING))
        _ts_session_request_resume_data (self, torrent, TRUE);
    }
  /* The status timer sleeps while nothing changes; a seed that started
   * serving a peer it dialled itself is noticed here at the latest. */
  if (self->lt != NULL && self->status_source == NULL)
    ts_lt_session_post_updates (self->lt);
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  TsEngineShared *shared;
  TsStateStore   *store;
} SaveStateData;

static void
save_state_data_free (gpointer p)
{
  SaveStateData *data = p;

  _ts_engine_shared_unref (data->shared);
  ts_state_store_unref (data->store);
  g_free (data);
}

/* Worker: ts_lt_session_save_state() blocks on libtorrent's thread. */
static void
save_state_func (gpointer p)
{
  SaveStateData *data = p;
  void *buf = NULL;
  size_t len = 0;

  g_rw_lock_reader_lock (&data->shared->lock);
  if (data->shared->lt != NULL)
    buf = ts_lt_session_save_state (data->shared->lt, &len);
  g_rw_lock_reader_unlock (&data->shared->lock);

  if (buf != NULL)
    ts_state_store_write_session_state_sync (data->store, buf, len);
  free (buf);
}

static void
queue_save_state (TsSession *self)
{
  SaveStateData *data = g_new0 (SaveStateData, 1);

  data->shared = _ts_engine_shared_ref (self->shared);
  data->store = ts_state_store_ref (self->store);
  ts_state_store_run (self->store, save_state_func, NULL, data, save_state_data_free);
}

static gboolean
state_tick_cb (gpointer user_data)
{
  queue_save_state (user_data);
  return G_SOURCE_CONTINUE;
}

/* Add operations ------------------------------------------------------------------- */

typedef struct
{
  guint64         cookie;
  char           *info_hash;
  TsLtAddParams  *params;     /* until handed to the shim */
  GPtrArray      *tasks;      /* GTask waiting for this add */
  char           *name;       /* a restored torrent's listed name, or NULL */
  gint64          added_time;
  gboolean        restore;
  gboolean        posted;
  gboolean        aborted;    /* the session is going away */
} AddOp;

static void
add_op_free (gpointer p)
{
  AddOp *op = p;

  g_clear_pointer (&op->params, ts_lt_add_params_free);
  g_clear_pointer (&op->tasks, g_ptr_array_unref);
  g_free (op->info_hash);
  g_free (op->name);
  g_free (op);
}

static void
keep_entry (TsSession          *self,
            const TsStateEntry *entry)
{
  TsStateEntry copy = {
    .info_hash = g_strdup (entry->info_hash),
    .name = g_strdup (entry->name),
    .added_time = entry->added_time,
  };

  g_array_append_val (self->kept_entries, copy);
}

static void
write_list (TsSession *self)
{
  g_autoptr(GArray) entries = NULL;
  GHashTableIter iter;
  gpointer value;
  guint n_items;

  if (self->store == NULL)
    return;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  entries = g_array_new (FALSE, TRUE, sizeof (TsStateEntry));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);
      TsStateEntry entry = {
        .info_hash = torrent->info_hash,
        .name = torrent->name,
        .added_time = torrent->added_time,
      };

      g_array_append_val (entries, entry);
    }

  /* Torrents whose state could not be read stay listed: their files are
   * the user's data, and a later version may read them. */
  for (guint i = 0; i < self->kept_entries->len; i++)
    {
      const TsStateEntry *kept = &g_array_index (self->kept_entries, TsStateEntry, i);

      if (!g_hash_table_contains (self->by_hash, kept->info_hash))
        g_array_append_val (entries, *kept);
    }

  /* So do torrents still being restored (the app may quit before). */
  g_hash_table_iter_init (&iter, self->adds);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AddOp *op = value;
      TsStateEntry entry = {
        .info_hash = op->info_hash,
        .name = op->name,
        .added_time = op->added_time,
      };

      if (op->restore && !g_hash_table_contains (self->by_hash, op->info_hash))
        g_array_append_val (entries, entry);
    }

  ts_state_store_write_list (self->store, (TsStateEntry *) (gpointer) entries->data, entries->len);
}

static void
maybe_emit_restored (TsSession *self)
{
  if (!self->restoring || self->restore_pending > 0)
    return;

  self->restoring = FALSE;
  write_list (self);
  g_signal_emit (self, signals[SIGNAL_RESTORED], 0);
}

/* Removes @op from the tables and completes its tasks; frees it. */
static void
finish_add_op (TsSession *self,
               AddOp     *op,
               TsTorrent *torrent,
               GError    *error)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&op->tasks);
  gboolean restore = op->restore;

  if (restore && error != NULL && !op->aborted)
    {
      TsStateEntry entry = {
        .info_hash = op->info_hash,
        .name = op->name,
        .added_time = op->added_time,
      };

      /* Listed still: the reason may pass (a drive not mounted ...). */
      g_warning ("Could not restore the torrent %s: %s", op->info_hash, error->message);
      keep_entry (self, &entry);
    }

  if (g_hash_table_lookup (self->adds_by_hash, op->info_hash) == op)
    g_hash_table_remove (self->adds_by_hash, op->info_hash);
  g_hash_table_remove (self->adds, &op->cookie);   /* frees op */

  for (guint i = 0; tasks != NULL && i < tasks->len; i++)
    {
      GTask *task = tasks->pdata[i];

      if (torrent != NULL)
        g_task_return_pointer (task, g_object_ref (torrent), g_object_unref);
      else
        g_task_return_error (task, g_error_copy (error));
    }

  if (restore && self->restore_pending > 0)
    {
      self->restore_pending--;
      maybe_emit_restored (self);
    }
}

static void
fail_all_adds (TsSession  *self,
               const char *message)
{
  g_autoptr(GList) ops = g_hash_table_get_values (self->adds);
  g_autoptr(GError) error = g_error_new_literal (TS_ENGINE_ERROR, TS_ENGINE_ERROR_ADD_FAILED,
                                                 message);

  for (GList *l = ops; l != NULL; l = l->next)
    ((AddOp *) l->data)->aborted = TRUE;
  for (GList *l = ops; l != NULL; l = l->next)
    finish_add_op (self, l->data, NULL, error);
}

static void
on_add_finished (TsSession   *self,
                 QueuedEvent *event)
{
  AddOp *op = g_hash_table_lookup (self->adds, &event->cookie);
  g_autoptr(TsTorrent) torrent = NULL;
  TsTorrent *existing;

  if (op == NULL)
    {
      g_warning ("The torrent engine answered an add that is not pending");
      return;
    }

  if (event->torrent == NULL)
    {
      g_autoptr(GError) error = g_error_new (TS_ENGINE_ERROR, TS_ENGINE_ERROR_ADD_FAILED,
                                             _("Could not add the torrent: %s"),
                                             event->error != NULL ? event->error
                                             : _("unknown error"));

      finish_add_op (self, op, NULL, error);
      return;
    }

  existing = torrent_for_lt (self, event->torrent);
  if (existing != NULL && !existing->removed)
    {
      finish_add_op (self, op, existing, NULL);
      return;
    }

  torrent = _ts_torrent_new (self, self->shared, event->torrent, op->added_time);
  torrent->restored = op->restore;
  g_hash_table_insert (self->by_lt, event->torrent, torrent);

  existing = g_hash_table_lookup (self->by_hash, torrent->info_hash);
  if (existing != NULL)
    {
      /* libtorrent knew it under another hash form; keep the one we have. */
      finish_add_op (self, op, existing, NULL);
      return;
    }

  g_hash_table_insert (self->by_hash, g_strdup (torrent->info_hash), torrent);
  g_list_store_append (self->torrents, torrent);

  if (!op->restore)
    {
      write_list (self);
      /* A new torrent's resume file exists from the start, metadata or not. */
      _ts_session_request_resume_data (self, torrent, FALSE);
    }
  if (torrent->has_metadata && _ts_torrent_is_live (torrent))
    ts_lt_torrent_post_file_progress (torrent->lt);

  torrent->lt_active = TRUE;
  _ts_session_torrent_poked (self, torrent);

  g_signal_emit (self, signals[SIGNAL_TORRENT_ADDED], 0, torrent);
  finish_add_op (self, op, torrent, NULL);
}

static void
handle_event (TsSession   *self,
              QueuedEvent *event)
{
  TsTorrent *torrent = NULL;

  if (event->type != TS_LT_EVENT_ADD_FINISHED && event->type != TS_LT_EVENT_STATUS)
    torrent = torrent_for_lt (self, event->torrent);

  switch (event->type)
    {
    case TS_LT_EVENT_ADD_FINISHED:
      on_add_finished (self, event);
      break;

    case TS_LT_EVENT_METADATA:
      if (torrent != NULL && _ts_torrent_load_metadata (torrent))
        {
          write_list (self);
          _ts_session_request_resume_data (self, torrent, FALSE);
          if (_ts_torrent_is_live (torrent))
            ts_lt_torrent_post_file_progress (torrent->lt);
          _ts_session_torrent_poked (self, torrent);
        }
      break;

    case TS_LT_EVENT_STATUS:
      self->status_changed = TRUE;
      for (int i = 0; i < event->n_statuses; i++)
        {
          TsTorrent *t = torrent_for_lt (self, event->statuses[i].torrent);

          if (t != NULL)
            _ts_torrent_update_status (t, &event->statuses[i]);
        }
      update_totals (self);
      update_n_active (self);
      break;

    case TS_LT_EVENT_PIECE_FINISHED:
      if (torrent != NULL && !torrent->removed)
        {
          _ts_torrent_piece_finished (torrent, event->piece);
          schedule_piece_save (self, torrent);
        }
      break;

    case TS_LT_EVENT_FINISHED:
      if (torrent != NULL && !torrent->removed)
        {
          _ts_session_request_resume_data (self, torrent, FALSE);
          _ts_session_torrent_poked (self, torrent);
          _ts_torrent_emit_finished (torrent);
          g_signal_emit (self, signals[SIGNAL_TORRENT_FINISHED], 0, torrent);
        }
      break;

    case TS_LT_EVENT_ERROR:
      if (torrent != NULL && !torrent->removed)
        {
          const char *message = event->error != NULL ? event->error : _("Unknown error");

          _ts_torrent_set_error (torrent, message);
          g_signal_emit (self, signals[SIGNAL_TORRENT_ERROR], 0, torrent, message);
          _ts_session_torrent_poked (self, torrent);
        }
      else if (event->torrent == NULL)
        g_warning ("Torrent engine: %s", event->error != NULL ? event->error : "unknown error");
      break;

    case TS_LT_EVENT_RESUME_DATA:
      if (torrent != NULL && !torrent->removed)
        {
          resume_answered (self, torrent);
          if (event->data != NULL && g_bytes_get_size (event->data) > 0)
            ts_state_store_write_resume (self->store, torrent->info_hash, event->data);
        }
      break;

    case TS_LT_EVENT_RESUME_DATA_FAILED:
      if (torrent != NULL && !torrent->removed)
        {
          resume_answered (self, torrent);
          if (event->error != NULL)
            g_debug ("No resume data for %s: %s", torrent->info_hash, event->error);
        }
      break;

    case TS_LT_EVENT_REMOVED:
      /* The TsLtTorrent is freed with its TsTorrent. */
      break;

    case TS_LT_EVENT_FILES_DELETED:
      /* Not a warning: the torrent is gone either way, and the usual cause
       * is a folder that still holds files of the user's own. */
      if (event->error != NULL)
        g_message ("Some files of the removed torrent %s were left on disk: %s",
                   event->info_hash != NULL ? event->info_hash : "", event->error);
      break;

    case TS_LT_EVENT_LISTEN:
      if (event->port > 0)
        {
          if ((guint) event->port != self->listen_port)
            {
              self->listen_port = (guint) event->port;
              g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTEN_PORT]);
            }
        }
      else
        g_warning ("Could not listen for incoming connections: %s",
                   event->error != NULL ? event->error : "unknown error");
      break;

    case TS_LT_EVENT_FILE_PROGRESS:
      if (torrent != NULL && event->file_progress != NULL)
        _ts_torrent_update_file_progress (torrent, event->file_progress, event->n_files);
      break;

    case TS_LT_EVENT_PAUSED:
    case TS_LT_EVENT_RESUMED:
      if (torrent != NULL && !torrent->removed)
        _ts_session_torrent_poked (self, torrent);
      break;

    case TS_LT_EVENT_CHECKED:
      if (torrent != NULL && !torrent->removed)
        {
          _ts_torrent_checked (torrent);
          _ts_session_torrent_poked (self, torrent);
        }
      break;

    default:
      break;
    }

  if (event->type == TS_LT_EVENT_RESUME_DATA || event->type == TS_LT_EVENT_RESUME_DATA_FAILED)
    check_save_waits (self);
}

static void
dispatch_events (TsSession *self)
{
  g_autoptr(GPtrArray) flush = NULL;
  QueuedEvent *event;
  GHashTableIter iter;
  gpointer value;

  if (self->lt == NULL)
    return;

  g_object_ref (self);

  ts_lt_session_pop_events (self->lt, on_lt_event, self);

  /* One queue for the session: if a handler re-enters the main loop and
   * a nested dispatch runs, events are still handled in order. */
  while ((event = g_queue_pop_head (&self->events)) != NULL)
    {
      handle_event (self, event);
      queued_event_free (event);
    }

  flush = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->by_lt);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      TsTorrent *torrent = value;

      if (torrent->pieces_pending || torrent->waiters.length > 0)
        g_ptr_array_add (flush, g_object_ref (torrent));
    }
  for (guint i = 0; i < flush->len; i++)
    _ts_torrent_flush (flush->pdata[i]);

  g_object_unref (self);
}

/* Adding: from a source to add parameters ----------------------------------------- */

typedef struct
{
  TsSession  *self;
  guint64     cookie;
  char       *folder;
  GError     *error;
} FolderData;

static void
folder_data_free (gpointer p)
{
  FolderData *data = p;

  g_free (data->folder);
  g_clear_error (&data->error);
  g_free (data);
}

/* Store worker. */
static void
make_folder_func (gpointer p)
{
  FolderData *data = p;
  g_autoptr(GFile) folder = g_file_new_for_path (data->folder);
  g_autoptr(GError) error = NULL;

  if (!g_file_make_directory_with_parents (folder, NULL, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    data->error = g_error_new (TS_ENGINE_ERROR, TS_ENGINE_ERROR_IO,
                               _("Could not create the download folder “%s”: %s"),
                               data->folder, error->message);
}

static void
make_folder_done (gpointer p)
{
  FolderData *data = p;
  TsSession *self = data->self;
  AddOp *op = g_hash_table_lookup (self->adds, &data->cookie);
  TsLtAddParams *params;

  if (op == NULL)
    return;

  if (data->error != NULL)
    {
      finish_add_op (self, op, NULL, data->error);
      return;
    }
  if (self->lt == NULL || self->shutting_down)
    {
      g_autoptr(GError) error = g_error_new_literal (TS_ENGINE_ERROR, TS_ENGINE_ERROR_ADD_FAILED,
                                                     _("The torrent engine is shutting down"));

      finish_add_op (self, op, NULL, error);
      return;
    }

  params = g_steal_pointer (&op->params);
  op->posted = TRUE;
  ts_lt_session_add (self->lt, params, op->cookie);
}

static AddOp *
start_add_op (TsSession     *self,
              TsLtAddParams *params,
              const char    *info_hash,
              const char    *name,
              gint64         added_time,
              gboolean       restore)
{
  AddOp *op = g_new0 (AddOp, 1);
  const char *save_path = ts_lt_add_params_get_save_path (params);
  FolderData *data;

  op->cookie = ++self->next_cookie;
  op->info_hash = g_strdup (info_hash);
  op->name = g_strdup (name);
  op->params = params;
  op->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  op->added_time = added_time;
  op->restore = restore;
  g_hash_table_insert (self->adds, &op->cookie, op);
  g_hash_table_insert (self->adds_by_hash, op->info_hash, op);

  data = g_new0 (FolderData, 1);
  data->self = self;
  data->cookie = op->cookie;
  if (save_path == NULL || save_path[0] == '\0')
    {
      data->folder = ts_session_dup_download_folder (self);
      ts_lt_add_params_set_save_path (params, data->folder);
    }
  else
    data->folder = g_strdup (save_path);

  /* On the store's worker: off the main thread, and its completions are
   * dropped once the session is gone. */
  ts_state_store_run (self->store, make_folder_func, make_folder_done, data, folder_data_free);
  return op;
}

/* Takes @params. */
static void
add_params (TsSession     *self,
            GTask         *task,
            TsLtAddParams *params)
{
  g_autofree char *raw_hash = ts_lt_add_params_get_info_hash (params);
  g_autofree char *info_hash = NULL;
  TsTorrent *existing;
  AddOp *op;

  if (raw_hash == NULL || raw_hash[0] == '\0')
    {
      ts_lt_add_params_free (params);
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_TORRENT,
                               _("The torrent has no info-hash"));
      return;
    }
  info_hash = g_ascii_strdown (raw_hash, -1);
  free (g_steal_pointer (&raw_hash));

  existing = g_hash_table_lookup (self->by_hash, info_hash);
  if (existing != NULL)
    {
      ts_lt_add_params_free (params);
      g_task_return_pointer (task, g_object_ref (existing), g_object_unref);
      return;
    }

  if (self->lt == NULL || self->shutting_down)
    {
      ts_lt_add_params_free (params);
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_ADD_FAILED,
                               self->started ? _("The torrent engine is shutting down")
                                             : _("The torrent engine is not running"));
      return;
    }

  /* Two adds of one torrent at once share the first one's result. */
  op = g_hash_table_lookup (self->adds_by_hash, info_hash);
  if (op != NULL)
    {
      ts_lt_add_params_free (params);
      g_ptr_array_add (op->tasks, g_object_ref (task));
      return;
    }

  op = start_add_op (self, params, info_hash, NULL, g_get_real_time () / G_USEC_PER_SEC, FALSE);
  g_ptr_array_add (op->tasks, g_object_ref (task));
}

/* A short form of a user's input for messages. */
static char *
display_source (const char *source)
{
  g_autofree char *valid = g_utf8_make_valid (source, -1);

  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  glong len = g_utf8_strlen (valid, -1);

  if (len <= 80)
    return g_steal_pointer (&valid);
  /* Keep both ends: a file's name and a link's start say the most. */
  start = g_utf8_substring (valid, 0, 30);
  end = g_utf8_substring (valid, len - 49, len);
  return g_strconcat (start, "…", end, NULL);
}

static gboolean
looks_like_html (const guint8 *data,
                 gsize         len)
{
  gsize i = 0;

  if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
    i = 3;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  return i < len && data[i] == '<';
}

typedef struct
{
  char        *label;     /* for messages: a URL or a file name */
  char        *host;      /* for HTTP */
  gboolean     http;
  gboolean     html;      /* the server said text/html */
  GInputStream *stream;
  GByteArray  *buffer;
} FetchData;

static void
fetch_data_free (gpointer p)
{
  FetchData *data = p;

  g_free (data->label);
  g_free (data->host);
  g_clear_object (&data->stream);
  g_clear_pointer (&data->buffer, g_byte_array_unref);
  g_free (data);
}

/* @label: the URL or file name, or NULL for data handed over in memory. */
static void
add_from_bytes (TsSession  *self,
                GTask      *task,
                GBytes     *bytes,
                const char *label,
                gboolean    http,
                gboolean    html)
{
  g_autofree char *display = label != NULL ? display_source (label) : NULL;
  g_autofree char *message = NULL;
  char *lt_error = NULL;
  TsLtAddParams *params;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  if (len == 0)
    {
      if (label == NULL)
        message = g_strdup (_("The torrent data is empty"));
      else if (http)
        message = g_strdup_printf (_("The address “%s” returned nothing"), display);
      else
        message = g_strdup_printf (_("The file “%s” is empty"), display);
      g_task_return_error (task, g_error_new_literal (TS_ENGINE_ERROR,
                                                      TS_ENGINE_ERROR_INVALID_TORRENT, message));
      return;
    }

  params = ts_lt_add_params_from_torrent_data (data, len, &lt_error);
  if (params == NULL)
    {
      const char *reason = lt_error != NULL ? lt_error : _("unknown error");

      if (html || looks_like_html (data, len))
        {
          if (label == NULL)
            message = g_strdup (_("The data is a web page, not a torrent file"));
          else if (http)
            message = g_strdup_printf (_("The address “%s” returned a web page, not a torrent file"),
                                       display);
          else
            message = g_strdup_printf (_("“%s” is a web page, not a torrent file"), display);
        }
      else if (label == NULL)
        message = g_strdup_printf (_("Could not add the torrent: %s"), reason);
      else
        message = g_strdup_printf (_("Could not add “%s”: %s"), display, reason);

      free (lt_error);
      g_task_return_error (task, g_error_new_literal (TS_ENGINE_ERROR,
                                                      TS_ENGINE_ERROR_INVALID_TORRENT, message));
      return;
    }
  free (lt_error);

  add_params (self, task, params);
}

static void read_next_chunk (GTask *task);

static void
on_chunk_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  g_autofree char *display = display_source (data->label);

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (data->http)
        g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NETWORK,
                                 _("Could not download the torrent: %s"), error->message);
      else
        g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_IO,
                                 _("Could not read “%s”: %s"), display, error->message);
      return;
    }

  if (g_bytes_get_size (chunk) == 0)
    {
      g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&data->buffer));

      g_input_stream_close_async (data->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      add_from_bytes (g_task_get_source_object (task), task, bytes, data->label,
                      data->http, data->html);
      return;
    }

  if (data->buffer->len + g_bytes_get_size (chunk) > MAX_TORRENT_SIZE)
    {
      g_input_stream_close_async (data->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_TOO_LARGE,
                               _("“%s” is larger than %d MiB, too large for a torrent file"),
                               display, MAX_TORRENT_SIZE / (1024 * 1024));
      return;
    }

  g_byte_array_append (data->buffer, g_bytes_get_data (chunk, NULL),
                       (guint) g_bytes_get_size (chunk));
  read_next_chunk (g_steal_pointer (&task));
}

/* Takes the reference to @task. */
static void
read_next_chunk (GTask *task)
{
  FetchData *data = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (data->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_chunk_read, task);
}

static void
on_http_sent (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *display = display_source (data->label);
  const char *content_type;
  goffset length;
  guint status;

  stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (stream == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NETWORK,
                                 _("Could not reach %s: %s"), data->host, error->message);
      return;
    }

  status = soup_message_get_status (msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      const char *reason = soup_message_get_reason_phrase (msg);

      if (reason == NULL || reason[0] == '\0')
        reason = soup_status_get_phrase (status);
      g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NETWORK,
                               _("Could not download the torrent: %u %s"), status,
                               reason != NULL ? reason : "");
      return;
    }

  length = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
  if (length > MAX_TORRENT_SIZE)
    {
      g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_TOO_LARGE,
                               _("“%s” is larger than %d MiB, too large for a torrent file"),
                               display, MAX_TORRENT_SIZE / (1024 * 1024));
      return;
    }

  content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg),
                                                        NULL);
  data->html = content_type != NULL
               && (g_ascii_strcasecmp (content_type, "text/html") == 0
                   || g_ascii_strcasecmp (content_type, "application/xhtml+xml") == 0);
  data->stream = g_steal_pointer (&stream);
  data->buffer = g_byte_array_new ();
  read_next_chunk (g_steal_pointer (&task));
}

static void
fetch_http (TsSession  *self,
            GTask      *task,
            const char *url)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *display = display_source (url);
  FetchData *data;

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_INPUT,
                               _("“%s” is not a valid web address"), display);
      return;
    }

  msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  soup_message_headers_append (soup_message_get_request_headers (msg), "Accept",
                               "application/x-bittorrent, */*;q=0.5");

  data = g_new0 (FetchData, 1);
  data->label = g_strdup (url);
  data->host = g_strdup (g_uri_get_host (uri));
  data->http = TRUE;
  g_task_set_task_data (task, data, fetch_data_free);

  soup_session_send_async (self->soup, msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                           on_http_sent, g_object_ref (task));
}

static void
on_file_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autofree char *display = display_source (data->label);

  stream = g_file_read_finish (G_FILE (source), result, &error);
  if (stream == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NOT_FOUND,
                                 _("The file “%s” does not exist"), display);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY))
        g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_INPUT,
                                 _("“%s” is a folder, not a torrent file"), display);
      else
        g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_IO,
                                 _("Could not read “%s”: %s"), display, error->message);
      return;
    }

  data->stream = G_INPUT_STREAM (g_steal_pointer (&stream));
  data->buffer = g_byte_array_new ();
  read_next_chunk (g_steal_pointer (&task));
}

static void
read_file (GTask *task,
           GFile *file)
{
  FetchData *data = g_new0 (FetchData, 1);

  data->label = g_file_get_parse_name (file);
  g_task_set_task_data (task, data, fetch_data_free);
  g_file_read_async (file, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                     on_file_read, g_object_ref (task));
}

static void
on_maybe_file_info (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const char *input = g_object_get_data (G_OBJECT (task), "ts-source");
  g_autofree char *display = display_source (input);

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (info == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_INPUT,
                               _("“%s” is not a magnet link, a .torrent file or a torrent address"),
                               display);
      return;
    }
  read_file (task, G_FILE (source));
}

static gboolean
is_hex (const char *s,
        gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_base32 (const char *s,
           gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!(g_ascii_isalpha (s[i]) || (s[i] >= '2' && s[i] <= '7')))
      return FALSE;
  return TRUE;
}

static gboolean
has_prefix_ci (const char *s,
               const char *prefix)
{
  return g_ascii_strncasecmp (s, prefix, strlen (prefix)) == 0;
}

static void
add_magnet (TsSession  *self,
            GTask      *task,
            const char *uri,
            const char *input)
{
  char *lt_error = NULL;
  TsLtAddParams *params = ts_lt_add_params_from_magnet (uri, &lt_error);

  if (params == NULL)
    {
      g_autofree char *display = display_source (input);

      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_MAGNET,
                               _("Could not add “%s”: %s"), display,
                               lt_error != NULL ? lt_error : _("unknown error"));
      free (lt_error);
      return;
    }
  free (lt_error);
  add_params (self, task, params);
}

void
ts_session_add_async (TsSession           *self,
                      const char          *source,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *input = NULL;
  g_autofree char *display = NULL;
  gsize len;

  g_return_if_fail (TS_IS_SESSION (self));
  g_return_if_fail (source != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_session_add_async);

  input = g_strstrip (g_strdup (source));
  display = display_source (input);
  len = strlen (input);
  g_object_set_data_full (G_OBJECT (task), "ts-source", g_strdup (input), g_free);

  if (len == 0)
    {
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_INPUT,
                               _("Nothing to add: enter a magnet link, a .torrent file or a "
                                 "torrent address"));
      return;
    }

  if (has_prefix_ci (input, "magnet:"))
    {
      add_magnet (self, task, input, input);
      return;
    }

  if ((len == 40 && is_hex (input, len)) || (len == 32 && is_base32 (input, len)))
    {
      g_autofree char *magnet = g_strconcat ("magnet:?xt=urn:btih:", input, NULL);

      add_magnet (self, task, magnet, input);
      return;
    }
  if (len == 64 && is_hex (input, len))
    {
      /* A v2 info-hash: a SHA-256 multihash (0x12, 32 bytes). */
      g_autofree char *magnet = g_strconcat ("magnet:?xt=urn:btmh:1220", input, NULL);

      add_magnet (self, task, magnet, input);
      return;
    }

  if (has_prefix_ci (input, "http://") || has_prefix_ci (input, "https://"))
    {
      fetch_http (self, task, input);
      return;
    }

  if (has_prefix_ci (input, "file:"))
    {
      g_autoptr(GFile) file = g_file_new_for_uri (input);

      if (g_file_peek_path (file) == NULL)
        {
          g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_INPUT,
                                   _("“%s” is not a local file address"), display);
          return;
        }
      read_file (task, file);
      return;
    }

  if (strstr (input, "://") != NULL)
    {
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_INPUT,
                               _("“%s” is not a magnet link, a .torrent file or a torrent address"),
                               display);
      return;
    }

  if (g_path_is_absolute (input) || strchr (input, '/') != NULL || input[0] == '~'
      || g_str_has_suffix (input, ".torrent"))
    {
      g_autoptr(GFile) file = NULL;

      if (input[0] == '~' && (input[1] == '/' || input[1] == '\0'))
        {
          g_autofree char *expanded = g_build_filename (g_get_home_dir (), input + 1, NULL);

          file = g_file_new_for_path (expanded);
        }
      else
        file = g_file_new_for_path (input);
      read_file (task, file);
      return;
    }

  /* A bare word may still be a file in the current folder. */
  {
    g_autoptr(GFile) file = g_file_new_for_path (input);

    g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                             G_PRIORITY_DEFAULT, cancellable, on_maybe_file_info,
                             g_object_ref (task));
  }
}

TsTorrent *
ts_session_add_finish (TsSession     *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (TS_IS_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ts_session_add_bytes_async (TsSession           *self,
                            GBytes              *torrent_data,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TS_IS_SESSION (self));
  g_return_if_fail (torrent_data != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  /* Finished with ts_session_add_finish(). */
  g_task_set_source_tag (task, ts_session_add_async);

  if (g_task_return_error_if_cancelled (task))
    return;
  add_from_bytes (self, task, torrent_data, NULL, FALSE, FALSE);
}

/* Removing ---------------------------------------------------------------------------- */

void
ts_session_remove (TsSession *self,
                   TsTorrent *torrent,
                   gboolean   delete_files)
{
  g_autoptr(TsTorrent) keep = NULL;
  guint position;

  g_return_if_fail (TS_IS_SESSION (self));
  g_return_if_fail (TS_IS_TORRENT (torrent));

  if (torrent->removed || !g_list_store_find (self->torrents, torrent, &position))
    return;

  keep = g_object_ref (torrent);
  g_list_store_remove (self->torrents, position);
  g_hash_table_remove (self->by_hash, torrent->info_hash);

  /* Its unanswered resume requests no longer hold up a save. */
  self->resume_outstanding -= torrent->resume_pending;
  torrent->resume_pending = 0;

  if (self->lt != NULL && torrent->lt != NULL)
    ts_lt_torrent_remove (torrent->lt, delete_files);
  _ts_torrent_mark_removed (torrent, _("The torrent was removed"));

  ts_state_store_delete_resume (self->store, torrent->info_hash);
  write_list (self);

  update_n_active (self);
  update_totals (self);
  g_signal_emit (self, signals[SIGNAL_TORRENT_REMOVED], 0, torrent);
  check_save_waits (self);
}

void
ts_session_pause_all (TsSession *self)
{
  guint n_items;

  g_return_if_fail (TS_IS_SESSION (self));

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      ts_torrent_pause (torrent);
    }
}

void
ts_session_resume_all (TsSession *self)
{
  guint n_items;

  g_return_if_fail (TS_IS_SESSION (self));

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      ts_torrent_resume (torrent);
    }
}

/* Saving -------------------------------------------------------------------------------- */

/* Waits until every resume request is answered (or RESUME_WAIT_MS passed),
 * then until the store wrote everything queued before. */
typedef struct
{
  TsSession  *self;
  GTask      *task;          /* NULL for the shutdown's wait */
  GSource    *timeout;
  gboolean    flushing;
} SaveWait;

static void
save_wait_free (gpointer p)
{
  SaveWait *wait = p;

  g_clear_pointer (&wait->timeout, _ts_source_destroy);
  g_clear_object (&wait->task);
  g_free (wait);
}

static void shutdown_resume_done (TsSession *self);

static void
noop_func (gpointer data)
{
}

static gboolean
shutdown_resume_done_cb (gpointer user_data)
{
  shutdown_resume_done (user_data);
  return G_SOURCE_REMOVE;
}

static void
save_flushed (gpointer p)
{
  GTask *task = p;

  g_task_return_boolean (task, TRUE);
}

static void
finish_save_wait (TsSession *self,
                  SaveWait  *wait)
{
  if (wait->flushing)
    return;
  wait->flushing = TRUE;
  g_clear_pointer (&wait->timeout, _ts_source_destroy);

  if (wait->task == NULL)
    {
      GSource *source = g_idle_source_new ();

      /* Not from inside an event handler: the rest of the shutdown pops
       * events itself. The shutdown's tasks keep the session alive. */
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, shutdown_resume_done_cb, self, NULL);
      g_source_set_static_name (source, "[ts-session] shutdown");
      g_source_attach (source, self->shared->context);
      g_source_unref (source);
      g_ptr_array_remove (self->save_waits, wait);
      return;
    }

  write_list (self);
  /* Completes after every write queued so far. */
  ts_state_store_run (self->store, noop_func, save_flushed,
                      g_steal_pointer (&wait->task), g_object_unref);
  g_ptr_array_remove (self->save_waits, wait);
}

static void
check_save_waits (TsSession *self)
{
  g_autoptr(GPtrArray) ready = NULL;

  if (self->resume_outstanding > 0 || self->save_waits->len == 0)
    return;

  /* Not g_ptr_array_copy(): the copy would free the waits too. */
  ready = g_ptr_array_new ();
  for (guint i = 0; i < self->save_waits->len; i++)
    g_ptr_array_add (ready, self->save_waits->pdata[i]);
  for (guint i = 0; i < ready->len; i++)
    finish_save_wait (self, ready->pdata[i]);
}

static gboolean
save_wait_timeout_cb (gpointer user_data)
{
  SaveWait *wait = user_data;
  TsSession *self = wait->self;

  g_warning ("Gave up waiting for the resume data of %d torrent(s)", self->resume_outstanding);
  g_clear_pointer (&wait->timeout, g_source_unref);
  finish_save_wait (self, wait);
  return G_SOURCE_REMOVE;
}

static void
add_save_wait (TsSession *self,
               GTask     *task)
{
  SaveWait *wait = g_new0 (SaveWait, 1);

  wait->self = self;
  wait->task = task;
  wait->timeout = g_timeout_source_new (RESUME_WAIT_MS);
  g_source_set_callback (wait->timeout, save_wait_timeout_cb, wait, NULL);
  g_source_set_static_name (wait->timeout, "[ts-session] resume wait");
  g_source_attach (wait->timeout, self->shared->context);
  g_ptr_array_add (self->save_waits, wait);
  check_save_waits (self);
}

void
ts_session_save_async (TsSession           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  guint n_items;

  g_return_if_fail (TS_IS_SESSION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_session_save_async);

  if (self->lt == NULL || self->shutting_down)
    {
      /* Not running: everything there is was saved already. */
      g_task_return_boolean (task, TRUE);
      return;
    }

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      _ts_session_request_resume_data (self, torrent, TRUE);
    }

  add_save_wait (self, g_steal_pointer (&task));
}

gboolean
ts_session_save_finish (TsSession     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (TS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Shutting down --------------------------------------------------------------------------- */

/* Store worker: after everything queued before, frees the shim session. */
static void
teardown_func (gpointer p)
{
  TsEngineShared *shared = p;
  TsLtSession *lt;

  /* Waits for workers still inside ts_lt_torrent_have_range(), and keeps
   * TsTorrent finalizers (ts_lt_torrent_free() edits the shim's table of
   * torrents) out while the shim session goes. */
  g_rw_lock_writer_lock (&shared->lock);
  lt = g_steal_pointer (&shared->lt);
  if (lt != NULL)
    ts_lt_session_free (lt);
  g_rw_lock_writer_unlock (&shared->lock);
}

static gpointer
teardown_thread (gpointer data)
{
  teardown_func (data);
  return NULL;
}

static void
detach_torrents (TsSession  *self,
                 const char *reason)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->by_lt);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (all, g_object_ref (value));
  for (guint i = 0; i < all->len; i++)
    _ts_torrent_mark_removed (all->pdata[i], reason);
}

static void
teardown_done (gpointer p)
{
  TsSession *self = TS_SESSION (p);
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->shutdown_tasks);

  self->shut_down = TRUE;
  self->shutting_down = FALSE;

  for (guint i = 0; tasks != NULL && i < tasks->len; i++)
    g_task_return_boolean (tasks->pdata[i], TRUE);
}

static void
stop_timers (TsSession *self)
{
  g_clear_pointer (&self->status_source, _ts_source_destroy);
  g_clear_pointer (&self->resume_source, _ts_source_destroy);
  g_clear_pointer (&self->state_source, _ts_source_destroy);
  g_clear_pointer (&self->poll_source, _ts_source_destroy);
  g_clear_pointer (&self->shutdown_timeout, _ts_source_destroy);
}

/* Every resume answer is in (or the wait timed out): write the rest and
 * tear libtorrent down on the store's worker. */
static void
shutdown_resume_done (TsSession *self)
{
  /* Last look: answers that arrived since the last dispatch. */
  if (self->lt != NULL)
    dispatch_events (self);

  stop_timers (self);
  write_list (self);
  queue_save_state (self);

  fail_all_adds (self, _("The torrent engine is shutting down"));
  detach_torrents (self, _("The torrent session was closed"));

  self->lt = NULL;
  self->shared->alive = FALSE;
  update_n_active (self);

  ts_state_store_run (self->store, teardown_func, NULL,
                      _ts_engine_shared_ref (self->shared), (GDestroyNotify) _ts_engine_shared_unref);
  /* The shutdown's tasks keep the session alive until this runs. */
  ts_state_store_run (self->store, noop_func, teardown_done, self, NULL);
}

static gboolean
shutdown_poll_cb (gpointer user_data)
{
  TsSession *self = user_data;

  /* The shim may stop notifying once the session is paused: pop anyway. */
  dispatch_events (self);
  return G_SOURCE_CONTINUE;
}

void
ts_session_shutdown_async (TsSession           *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  guint n_items;

  g_return_if_fail (TS_IS_SESSION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_session_shutdown_async);
  /* Shutting down is not undone by a cancel. */
  g_task_set_check_cancellable (task, FALSE);

  if (self->shutdown_tasks != NULL)
    {
      g_ptr_array_add (self->shutdown_tasks, g_steal_pointer (&task));
      return;
    }
  if (self->lt == NULL)
    {
      self->shut_down = TRUE;
      fail_all_adds (self, _("The torrent engine is shutting down"));
      g_task_return_boolean (task, TRUE);
      return;
    }

  self->shutting_down = TRUE;
  self->shutdown_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->shutdown_tasks, g_steal_pointer (&task));

  g_clear_pointer (&self->status_source, _ts_source_destroy);
  g_clear_pointer (&self->resume_source, _ts_source_destroy);
  g_clear_pointer (&self->state_source, _ts_source_destroy);

  /* Stop transfers without touching each torrent's own paused flag, so
   * the resume data brings them back as they were. */
  ts_lt_session_pause_all (self->lt);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(TsTorrent) torrent = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      g_clear_pointer (&torrent->piece_save_source, _ts_source_destroy);
      _ts_session_request_resume_data (self, torrent, FALSE);
    }

  self->poll_source = attach_timeout (self, SHUTDOWN_POLL_MS, FALSE, shutdown_poll_cb,
                                      "[ts-session] shutdown poll");
  add_save_wait (self, NULL);
}

gboolean
ts_session_shutdown_finish (TsSession     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (TS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_shutdown_sync_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  gboolean *done = user_data;

  ts_session_shutdown_finish (TS_SESSION (source), result, NULL);
  *done = TRUE;
}

void
ts_session_shutdown_sync (TsSession *self)
{
  g_autoptr(GMainContext) context = NULL;
  gboolean done = FALSE;

  g_return_if_fail (TS_IS_SESSION (self));

  context = g_main_context_ref_thread_default ();
  ts_session_shutdown_async (self, NULL, on_shutdown_sync_done, &done);
  while (!done)
    g_main_context_iteration (context, TRUE);
}

/* Starting and restoring ---------------------------------------------------------------- */

typedef struct
{
  TsSession    *self;
  TsStateStore *store;
  GPtrArray    *items;    /* TsStateItem */
} RestoreData;

static void
restore_data_free (gpointer p)
{
  RestoreData *data = p;

  g_clear_pointer (&data->items, g_ptr_array_unref);
  ts_state_store_unref (data->store);
  g_free (data);
}

static void
restore_read_func (gpointer p)
{
  RestoreData *data = p;

  data->items = ts_state_store_read_all (data->store);
}

static void
restore_read_done (gpointer p)
{
  RestoreData *data = p;
  TsSession *self = data->self;

  for (guint i = 0; data->items != NULL && i < data->items->len; i++)
    {
      TsStateItem *item = data->items->pdata[i];
      g_autofree char *path = ts_state_store_dup_resume_path (self->store, item->entry.info_hash);
      g_autofree char *raw_hash = NULL;
      g_autofree char *info_hash = NULL;
      TsLtAddParams *params = NULL;
      char *lt_error = NULL;

      if (self->lt == NULL || self->shutting_down)
        break;

      if (item->problem != NULL)
        {
          g_warning ("Could not read the saved state of the torrent %s (“%s”): %s. It was left "
                     "in place and the torrent was not restored.",
                     item->entry.info_hash, path, item->problem);
          keep_entry (self, &item->entry);
          continue;
        }

      if (item->resume != NULL)
        {
          gsize len;
          const void *bytes = g_bytes_get_data (item->resume, &len);

          params = ts_lt_add_params_from_resume_data (bytes, len, &lt_error);
          if (params == NULL)
            {
              g_warning ("The saved state of the torrent %s (“%s”) is damaged: %s. It was left "
                         "in place and the torrent was not restored.",
                         item->entry.info_hash, path, lt_error != NULL ? lt_error : "unknown error");
              free (lt_error);
              keep_entry (self, &item->entry);
              continue;
            }
        }
      else
        {
          /* Listed but never saved (the app stopped right after adding a
           * magnet): its info-hash is enough to fetch it again. */
          g_autofree char *magnet = g_strdup_printf ("magnet:?xt=urn:btih:%s", item->entry.info_hash);

          if (strlen (item->entry.info_hash) == 64)
            {
              g_free (magnet);
              magnet = g_strdup_printf ("magnet:?xt=urn:btmh:1220%s", item->entry.info_hash);
            }
          if (item->entry.name != NULL)
            {
              g_autofree char *escaped = g_uri_escape_string (item->entry.name, NULL, FALSE);
              char *with_name = g_strconcat (magnet, "&dn=", escaped, NULL);

              g_free (magnet);
              magnet = with_name;
            }
          g_message ("No saved state for the torrent %s: adding it again by its info-hash",
                     item->entry.info_hash);
          params = ts_lt_add_params_from_magnet (magnet, &lt_error);
          if (params == NULL)
            {
              g_warning ("Could not restore the torrent %s: %s", item->entry.info_hash,
                         lt_error != NULL ? lt_error : "unknown error");
              free (lt_error);
              keep_entry (self, &item->entry);
              continue;
            }
        }
      free (lt_error);

      raw_hash = ts_lt_add_params_get_info_hash (params);
      info_hash = raw_hash != NULL ? g_ascii_strdown (raw_hash, -1) : NULL;
      free (g_steal_pointer (&raw_hash));
      if (info_hash == NULL || g_hash_table_contains (self->by_hash, info_hash)
          || g_hash_table_contains (self->adds_by_hash, info_hash))
        {
          ts_lt_add_params_free (params);
          continue;
        }

      self->restore_pending++;
      start_add_op (self, params, info_hash, item->entry.name,
                    item->entry.added_time > 0 ? item->entry.added_time
                                               : g_get_real_time () / G_USEC_PER_SEC,
                    TRUE);
    }

  maybe_emit_restored (self);
}

static guint
interval_from_env (const char *name,
                   guint       fallback)
{
  const char *value = g_getenv (name);
  guint64 seconds;

  if (value == NULL || value[0] == '\0')
    return fallback;
  if (!g_ascii_string_to_unsigned (value, 10, 1, 24 * 60 * 60, &seconds, NULL))
    {
      g_warning ("Ignoring %s=“%s”: not a number of seconds", name, value);
      return fallback;
    }
  return (guint) seconds;
}

gboolean
ts_session_start (TsSession  *self,
                  GError    **error)
{
  g_autoptr(GBytes) state = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *listen = NULL;
  TsLtSettings settings;
  TsLtSession *lt;
  RestoreData *data;
  gsize state_len = 0;
  const void *state_data = NULL;

  g_return_val_if_fail (TS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->shut_down || self->shutting_down)
    {
      g_set_error_literal (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_IO,
                           _("The torrent engine was shut down and cannot start again"));
      return FALSE;
    }
  if (self->started)
    return TRUE;

  if (!ts_state_store_ensure_dir (self->store, &local_error))
    {
      g_set_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_IO,
                   _("Could not start the torrent engine: %s"), local_error->message);
      return FALSE;
    }

  /* A small file read once at start-up; libtorrent needs it to start. */
  state = ts_state_store_read_session_state (self->store);
  if (state != NULL)
    state_data = g_bytes_get_data (state, &state_len);

  fill_settings (self, &settings, &listen);
  lt = ts_lt_session_new (&settings, state_data, state_len, on_lt_notify, self->shared);
  if (lt == NULL && state != NULL)
    {
      g_warning ("The torrent engine did not accept its saved state; starting afresh");
      lt = ts_lt_session_new (&settings, NULL, 0, on_lt_notify, self->shared);
    }
  if (lt == NULL)
    {
      g_set_error_literal (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_IO,
                           _("Could not start the torrent engine"));
      return FALSE;
    }

  g_rw_lock_writer_lock (&self->shared->lock);
  self->shared->lt = lt;
  g_rw_lock_writer_unlock (&self->shared->lock);
  self->shared->alive = TRUE;
  self->lt = lt;
  self->started = TRUE;

  g_debug ("Started libtorrent %s, listening on %s", ts_lt_version (), listen);

  self->resume_source = attach_timeout (self, self->resume_interval * 1000, TRUE,
                                        resume_tick_cb, "[ts-session] resume data");
  self->state_source = attach_timeout (self, STATE_INTERVAL_S * 1000, TRUE,
                                       state_tick_cb, "[ts-session] session state");
  /* Runs until the restored torrents are quiet, then lets libtorrent idle. */
  ensure_status_timer (self);

  self->restoring = TRUE;
  data = g_new0 (RestoreData, 1);
  data->self = self;
  data->store = ts_state_store_ref (self->store);
  ts_state_store_run (self->store, restore_read_func, restore_read_done, data, restore_data_free);

  /* Events may already wait (the listen result). */
  on_lt_notify (self->shared);
  return TRUE;
}

void
ts_session_set_loopback_only (TsSession *self,
                              gboolean   loopback_only)
{
  g_return_if_fail (TS_IS_SESSION (self));

  loopback_only = !!loopback_only;
  if (self->loopback_only == loopback_only)
    return;
  self->loopback_only = loopback_only;
  apply_settings (self);
}

/* GObject --------------------------------------------------------------------------------- */

static void
ts_session_constructed (GObject *object)
{
  TsSession *self = (TsSession *) object;
  const char *loopback = g_getenv ("TS_LOOPBACK_ONLY");

  G_OBJECT_CLASS (ts_session_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));

  if (self->state_dir == NULL)
    self->state_dir = g_build_filename (g_get_user_data_dir (), "torrentstream", NULL);

  self->loopback_only = loopback != NULL && loopback[0] != '\0' && !g_str_equal (loopback, "0");
  self->resume_interval = interval_from_env ("TS_RESUME_SAVE_INTERVAL", RESUME_INTERVAL_S);
  self->piece_save_interval = MIN (PIECE_SAVE_INTERVAL_S, self->resume_interval);

  self->shared = g_new0 (TsEngineShared, 1);
  g_atomic_ref_count_init (&self->shared->ref_count);
  g_rw_lock_init (&self->shared->lock);
  self->shared->context = g_main_context_ref_thread_default ();
  self->shared->session = self;

  self->store = ts_state_store_new (self->state_dir, self->shared->context);

  self->soup = soup_session_new_with_options ("timeout", HTTP_TIMEOUT_S,
                                              "idle-timeout", HTTP_TIMEOUT_S,
                                              "user-agent", "TorrentStream/" VERSION " ",
                                              NULL);

  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed), self, 0);
}

static void
ts_session_dispose (GObject *object)
{
  TsSession *self = (TsSession *) object;

  stop_timers (self);

  if (self->shared != NULL)
    self->shared->session = NULL;

  self->restoring = FALSE;
  if (self->adds != NULL)
    fail_all_adds (self, _("The torrent session was closed"));
  if (self->save_waits != NULL)
    g_ptr_array_set_size (self->save_waits, 0);
  if (self->by_lt != NULL)
    detach_torrents (self, _("The torrent session was closed"));

  if (self->lt != NULL)
    {
      /* Never shut down: free libtorrent anyway, on a thread as it blocks. */
      GThread *thread;

      self->lt = NULL;
      self->shared->alive = FALSE;
      ts_lt_session_pause_all (self->shared->lt);
      ts_state_store_close (self->store);
      thread = g_thread_new ("ts-lt-teardown", teardown_thread, self->shared);
      g_thread_join (thread);
    }
  else if (self->store != NULL)
    ts_state_store_close (self->store);

  g_queue_clear_full (&self->events, (GDestroyNotify) queued_event_free);
  if (self->soup != NULL)
    soup_session_abort (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->torrents);
  g_clear_pointer (&self->by_hash, g_hash_table_unref);

  G_OBJECT_CLASS (ts_session_parent_class)->dispose (object);
}

static void
ts_session_finalize (GObject *object)
{
  TsSession *self = (TsSession *) object;

  g_clear_pointer (&self->by_lt, g_hash_table_unref);
  g_clear_pointer (&self->adds_by_hash, g_hash_table_unref);
  g_clear_pointer (&self->adds, g_hash_table_unref);
  g_clear_pointer (&self->save_waits, g_ptr_array_unref);
  g_clear_pointer (&self->shutdown_tasks, g_ptr_array_unref);
  g_clear_pointer (&self->kept_entries, g_array_unref);
  g_clear_pointer (&self->store, ts_state_store_unref);
  g_clear_pointer (&self->shared, _ts_engine_shared_unref);
  g_clear_object (&self->settings);
  g_free (self->state_dir);

  G_OBJECT_CLASS (ts_session_parent_class)->finalize (object);
}

static void
ts_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TsSession *self = TS_SESSION (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_STATE_DIR:
      g_value_set_string (value, self->state_dir);
      break;
    case PROP_DOWNLOAD_RATE:
      g_value_set_int64 (value, self->download_rate);
      break;
    case PROP_UPLOAD_RATE:
      g_value_set_int64 (value, self->upload_rate);
      break;
    case PROP_LISTEN_PORT:
      g_value_set_uint (value, self->listen_port);
      break;
    case PROP_TORRENTS:
      g_value_set_object (value, self->torrents);
      break;
    case PROP_N_ACTIVE:
      g_value_set_uint (value, self->n_active);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_session_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TsSession *self = TS_SESSION (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_STATE_DIR:
      self->state_dir = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_session_class_init (TsSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = ts_session_constructed;
  object_class->dispose = ts_session_dispose;
  object_class->finalize = ts_session_finalize;
  object_class->get_property = ts_session_get_property;
  object_class->set_property = ts_session_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE_DIR] =
    g_param_spec_string ("state-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DOWNLOAD_RATE] =
    g_param_spec_int64 ("download-rate", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_UPLOAD_RATE] =
    g_param_spec_int64 ("upload-rate", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_LISTEN_PORT] =
    g_param_spec_uint ("listen-port", NULL, NULL, 0, 65535, 0, ro);
  properties[PROP_TORRENTS] =
    g_param_spec_object ("torrents", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ACTIVE] =
    g_param_spec_uint ("n-active", NULL, NULL, 0, G_MAXUINT, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_TORRENT_ADDED] =
    g_signal_new ("torrent-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TS_TYPE_TORRENT);
  signals[SIGNAL_TORRENT_REMOVED] =
    g_signal_new ("torrent-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TS_TYPE_TORRENT);
  signals[SIGNAL_TORRENT_FINISHED] =
    g_signal_new ("torrent-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TS_TYPE_TORRENT);
  signals[SIGNAL_TORRENT_ERROR] =
    g_signal_new ("torrent-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, TS_TYPE_TORRENT, G_TYPE_STRING);
  signals[SIGNAL_RESTORED] =
    g_signal_new ("restored", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ts_session_init (TsSession *self)
{
  self->torrents = g_list_store_new (TS_TYPE_TORRENT);
  self->by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->by_lt = g_hash_table_new (NULL, NULL);
  self->adds = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, add_op_free);
  self->adds_by_hash = g_hash_table_new (g_str_hash, g_str_equal);
  self->kept_entries = g_array_new (FALSE, TRUE, sizeof (TsStateEntry));
  g_array_set_clear_func (self->kept_entries, (GDestroyNotify) ts_state_entry_clear);
  self->save_waits = g_ptr_array_new_with_free_func (save_wait_free);
  g_queue_init (&self->events);
  self->resume_interval = RESUME_INTERVAL_S;
  self->piece_save_interval = PIECE_SAVE_INTERVAL_S;
}

/* Public API ---------------------------------------------------------------------------- */

TsSession *
ts_session_new (GSettings  *settings,
                const char *state_dir)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (TS_TYPE_SESSION,
                       "settings", settings,
                       "state-dir", state_dir,
                       NULL);
}

GSettings *
ts_session_get_settings (TsSession *self)
{
  g_return_val_if_fail (TS_IS_SESSION (self), NULL);
  return self->settings;
}

const char *
ts_session_get_state_dir (TsSession *self)
{
  g_return_val_if_fail (TS_IS_SESSION (self), NULL);
  return self->state_dir;
}

GListModel *
ts_session_get_torrents (TsSession *self)
{
  g_return_val_if_fail (TS_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->torrents);
}

TsTorrent *
ts_session_lookup (TsSession  *self,
                   const char *info_hash)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (TS_IS_SESSION (self), NULL);

  if (info_hash == NULL || self->by_hash == NULL)
    return NULL;
  key = g_ascii_strdown (info_hash, -1);
  return g_hash_table_lookup (self->by_hash, key);
}

guint
ts_session_get_listen_port (TsSession *self)
{
  g_return_val_if_fail (TS_IS_SESSION (self), 0);
  return self->listen_port;
}

gint64
ts_session_get_download_rate (TsSession *self)
{
  g_return_val_if_fail (TS_IS_SESSION (self), 0);
  return self->download_rate;
}

gint64
ts_session_get_upload_rate (TsSession *self)
{
  g_return_val_if_fail (TS_IS_SESSION (self), 0);
  return self->upload_rate;
}

char *
ts_session_dup_download_folder (TsSession *self)
{
  g_autofree char *folder = NULL;
  const char *videos;

  g_return_val_if_fail (TS_IS_SESSION (self), NULL);

  folder = g_settings_get_string (self->settings, "download-folder");
  if (folder != NULL && folder[0] != '\0')
    {
      if (folder[0] == '~' && (folder[1] == '/' || folder[1] == '\0'))
        return g_build_filename (g_get_home_dir (), folder + 1, NULL);
      if (g_str_has_prefix (folder, "file://"))
        {
          g_autoptr(GFile) file = g_file_new_for_uri (folder);

          if (g_file_peek_path (file) != NULL)
            return g_file_get_path (file);
        }
      return g_steal_pointer (&folder);
    }

  videos = g_get_user_special_dir (G_USER_DIRECTORY_VIDEOS);
  if (videos != NULL && videos[0] != '\0')
    return g_build_filename (videos, "TorrentStream", NULL);
  return g_build_filename (g_get_home_dir (), "Videos", "TorrentStream", NULL);
}
