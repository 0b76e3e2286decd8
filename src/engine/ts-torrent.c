/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ts-engine-enums.h"
#include "ts-session.h"
#include "ts-torrent-file-private.h"
#include "ts-torrent-private.h"

/* A piece's hash passes before its last blocks are on disk: look again
 * every 20-50 ms for a while, then every half second. The waits between
 * looks are timers on the main thread, never sleeps in a pool thread. */
#define CONFIRM_FAST_ATTEMPTS 60
#define CONFIRM_FIRST_MS      20
#define CONFIRM_MAX_MS        50
#define CONFIRM_SLOW_MS       500

G_DEFINE_FINAL_TYPE (TsTorrent, ts_torrent, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INFO_HASH,
  PROP_NAME,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_DOWNLOAD_RATE,
  PROP_UPLOAD_RATE,
  PROP_PEERS,
  PROP_SEEDS,
  PROP_ETA,
  PROP_SIZE_WANTED,
  PROP_BYTES_DONE,
  PROP_ERROR_MESSAGE,
  PROP_HAS_METADATA,
  PROP_SAVE_PATH,
  PROP_PAUSED,
  N_PROPS
};

enum {
  SIGNAL_PIECES_CHANGED,
  SIGNAL_METADATA_RECEIVED,
  SIGNAL_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* A ts_torrent_wait_range_async() call. Main thread only. */
typedef struct
{
  int           ref_count;
  TsTorrent    *torrent;        /* owned by the task (source object) */
  GTask        *task;
  guint         first;
  guint         last;
  GSource      *cancel_source;
  GSource      *retry_source;
  GList        *link;           /* in torrent->waiters while waiting */
  gboolean      confirming;     /* a worker is asking libtorrent */
  TsTorrent    *confirm_hold;   /* keeps the TsLtTorrent alive for that worker */
  guint         attempts;       /* looks that found pieces not yet on disk */
  gboolean      done;
} RangeWaiter;

static RangeWaiter *
range_waiter_ref (RangeWaiter *waiter)
{
  waiter->ref_count++;
  return waiter;
}

static void
range_waiter_unref (RangeWaiter *waiter)
{
  if (--waiter->ref_count > 0)
    return;

  g_assert (waiter->link == NULL);
  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  if (waiter->retry_source != NULL)
    {
      g_source_destroy (waiter->retry_source);
      g_source_unref (waiter->retry_source);
    }
  g_clear_object (&waiter->task);
  g_free (waiter);
}

static void start_confirm (RangeWaiter *waiter);

/* Helpers ------------------------------------------------------------------- */

void
_ts_source_destroy (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static inline gboolean
bit_get (const guint8 *bits,
         guint         i)
{
  return (bits[i >> 3] & (0x80 >> (i & 7))) != 0;
}

static inline void
bit_set (guint8 *bits,
         guint   i)
{
  bits[i >> 3] |= (guint8) (0x80 >> (i & 7));
}

static inline void
bit_clear (guint8 *bits,
           guint   i)
{
  bits[i >> 3] &= (guint8) ~(0x80 >> (i & 7));
}

static gboolean
have_pieces (TsTorrent *self,
             guint      first,
             guint      last)
{
  if (self->have == NULL || last >= self->num_pieces)
    return FALSE;
  for (guint i = first; i <= last; i++)
    if (!bit_get (self->have, i))
      return FALSE;
  return TRUE;
}

/* Pieces a worker saw on disk stay there (until a re-check), so waits on
 * them complete without asking libtorrent again. */
static gboolean
confirmed_pieces (TsTorrent *self,
                  guint      first,
                  guint      last)
{
  if (self->confirmed == NULL || last >= self->num_pieces)
    return FALSE;
  for (guint i = first; i <= last; i++)
    if (!bit_get (self->confirmed, i))
      return FALSE;
  return TRUE;
}

static void
note_pieces (TsTorrent *self,
             guint      first,
             guint      last)
{
  if (!self->pieces_pending)
    {
      self->pieces_pending = TRUE;
      self->pending_first = first;
      self->pending_last = last;
      return;
    }
  self->pending_first = MIN (self->pending_first, first);
  self->pending_last = MAX (self->pending_last, last);
}

static guint
count_bits (const guint8 *bits,
            guint         n_bits)
{
  guint count = 0;

  for (guint i = 0; i < (n_bits + 7) / 8; i++)
    count += (guint) __builtin_popcount (bits[i]);
  return count;
}

static gboolean
is_padding (TsLtTorrent *lt,
            int          file,
            const char  *path)
{
  if (ts_lt_torrent_get_file_is_pad (lt, file))
    return TRUE;
  if (path == NULL)
    return FALSE;
  /* BEP 47 ".pad/N" files and the Internet Archive's "._____padding_file"
   * entries, which are not always flagged as padding. */
  return g_str_has_prefix (path, ".pad/") || strstr (path, "._____padding_file") != NULL;
}

static TsTorrentState
map_state (const TsLtStatus *status)
{
  if (status->has_error)
    return TS_TORRENT_STATE_ERROR;
  if (status->paused)
    return TS_TORRENT_STATE_PAUSED;

  switch (status->state)
    {
    case TS_LT_STATE_CHECKING_FILES:
    case TS_LT_STATE_CHECKING_RESUME_DATA:
      return TS_TORRENT_STATE_CHECKING;
    case TS_LT_STATE_DOWNLOADING_METADATA:
      return TS_TORRENT_STATE_FETCHING_METADATA;
    case TS_LT_STATE_FINISHED:
    case TS_LT_STATE_SEEDING:
      return TS_TORRENT_STATE_SEEDING;
    case TS_LT_STATE_DOWNLOADING:
    default:
      return TS_TORRENT_STATE_DOWNLOADING;
    }
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

#define SET_FIELD(self, field, value, prop)                                     \
  G_STMT_START {                                                                \
    if ((self)->field != (value))                                               \
      {                                                                         \
        (self)->field = (value);                                                \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);           \
      }                                                                         \
  } G_STMT_END

static void
update_eta (TsTorrent *self)
{
  gint64 eta;

  if (self->has_metadata && self->bytes_done >= self->size_wanted)
    eta = 0;
  else if (self->has_metadata && self->download_rate > 0)
    eta = (self->size_wanted - self->bytes_done + self->download_rate - 1) / self->download_rate;
  else
    eta = -1;

  SET_FIELD (self, eta, eta, PROP_ETA);
}

/* GObject ------------------------------------------------------------------- */

static void
ts_torrent_dispose (GObject *object)
{
  TsTorrent *self = (TsTorrent *) object;

  g_clear_pointer (&self->piece_save_source, _ts_source_destroy);

  G_OBJECT_CLASS (ts_torrent_parent_class)->dispose (object);
}

static void
ts_torrent_finalize (GObject *object)
{
  TsTorrent *self = (TsTorrent *) object;

  /* Every waiter holds a reference through its task. */
  g_assert (self->waiters.length == 0);

  if (self->session != NULL)
    {
      _ts_session_forget_torrent (self->session, self);
      g_object_remove_weak_pointer (G_OBJECT (self->session), (gpointer *) &self->session);
    }

  /* Freed only now: until the last reference goes, a worker may use it.
   * The lock keeps this out of a concurrent teardown of the shim session. */
  if (self->shared != NULL)
    {
      g_rw_lock_reader_lock (&self->shared->lock);
      g_clear_pointer (&self->lt, ts_lt_torrent_free);
      g_rw_lock_reader_unlock (&self->shared->lock);
    }
  g_clear_pointer (&self->lt, ts_lt_torrent_free);
  g_clear_pointer (&self->shared, _ts_engine_shared_unref);

  g_clear_object (&self->files);
  g_clear_pointer (&self->file_by_index, g_ptr_array_unref);
  g_free (self->priorities);
  g_free (self->file_offsets);
  g_free (self->file_sizes);
  g_free (self->have);
  g_free (self->confirmed);
  g_free (self->deadlines);
  g_free (self->info_hash);
  g_free (self->name);
  g_free (self->save_path);
  g_free (self->error_message);

  G_OBJECT_CLASS (ts_torrent_parent_class)->finalize (object);
}

static void
ts_torrent_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TsTorrent *self = TS_TORRENT (object);

  switch (prop_id)
    {
    case PROP_INFO_HASH:
      g_value_set_string (value, self->info_hash);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_DOWNLOAD_RATE:
      g_value_set_int64 (value, self->download_rate);
      break;
    case PROP_UPLOAD_RATE:
      g_value_set_int64 (value, self->upload_rate);
      break;
    case PROP_PEERS:
      g_value_set_uint (value, self->peers);
      break;
    case PROP_SEEDS:
      g_value_set_uint (value, self->seeds);
      break;
    case PROP_ETA:
      g_value_set_int64 (value, self->eta);
      break;
    case PROP_SIZE_WANTED:
      g_value_set_int64 (value, self->size_wanted);
      break;
    case PROP_BYTES_DONE:
      g_value_set_int64 (value, self->bytes_done);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_HAS_METADATA:
      g_value_set_boolean (value, self->has_metadata);
      break;
    case PROP_SAVE_PATH:
      g_value_set_string (value, self->save_path);
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_torrent_class_init (TsTorrentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ts_torrent_dispose;
  object_class->finalize = ts_torrent_finalize;
  object_class->get_property = ts_torrent_get_property;

  properties[PROP_INFO_HASH] =
    g_param_spec_string ("info-hash", NULL, NULL, NULL, flags);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TS_TYPE_TORRENT_STATE,
                       TS_TORRENT_STATE_FETCHING_METADATA, flags);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0, flags);
  properties[PROP_DOWNLOAD_RATE] =
    g_param_spec_int64 ("download-rate", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_UPLOAD_RATE] =
    g_param_spec_int64 ("upload-rate", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_PEERS] =
    g_param_spec_uint ("peers", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_SEEDS] =
    g_param_spec_uint ("seeds", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_ETA] =
    g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_SIZE_WANTED] =
    g_param_spec_int64 ("size-wanted", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_BYTES_DONE] =
    g_param_spec_int64 ("bytes-done", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, flags);
  properties[PROP_HAS_METADATA] =
    g_param_spec_boolean ("has-metadata", NULL, NULL, FALSE, flags);
  properties[PROP_SAVE_PATH] =
    g_param_spec_string ("save-path", NULL, NULL, NULL, flags);
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_PIECES_CHANGED] =
    g_signal_new ("pieces-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
  signals[SIGNAL_METADATA_RECEIVED] =
    g_signal_new ("metadata-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ts_torrent_init (TsTorrent *self)
{
  self->files = g_list_store_new (TS_TYPE_TORRENT_FILE);
  self->file_by_index = g_ptr_array_new ();
  self->eta = -1;
  self->state = TS_TORRENT_STATE_FETCHING_METADATA;
  g_queue_init (&self->waiters);
}

/* Internal API --------------------------------------------------------------- */

TsTorrent *
_ts_torrent_new (TsSession      *session,
                 TsEngineShared *shared,
                 TsLtTorrent    *lt,
                 gint64          added_time)
{
  TsTorrent *self = g_object_new (TS_TYPE_TORRENT, NULL);
  const char *name;

  self->session = session;
  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &self->session);
  self->shared = _ts_engine_shared_ref (shared);
  self->lt = lt;
  self->added_time = added_time;
  self->info_hash = g_ascii_strdown (ts_lt_torrent_get_info_hash (lt), -1);
  self->save_path = g_strdup (ts_lt_torrent_get_save_path (lt));

  /* Before the metadata, a magnet's display name (if any) is all we have. */
  name = ts_lt_torrent_get_name (lt);
  self->name = g_strdup (name != NULL && name[0] != '\0' ? name : self->info_hash);

  _ts_torrent_load_metadata (self);
  return self;
}

gboolean
_ts_torrent_is_live (TsTorrent *self)
{
  return !self->removed && self->lt != NULL && self->shared != NULL && self->shared->alive;
}

gboolean
_ts_torrent_load_metadata (TsTorrent *self)
{
  g_autofree gpointer *items = NULL;
  const uint8_t *initial;
  int n_initial = 0;
  int n_files;
  guint n_items = 0;
  gboolean pad_changed = FALSE;
  const char *name;
  int num_pieces, piece_length;

  if (self->has_metadata || self->lt == NULL || self->removed)
    return FALSE;
  if (!ts_lt_torrent_has_metadata (self->lt))
    return FALSE;

  n_files = ts_lt_torrent_get_n_files (self->lt);
  num_pieces = ts_lt_torrent_get_num_pieces (self->lt);
  piece_length = ts_lt_torrent_get_piece_length (self->lt);
  if (n_files < 0 || num_pieces < 0 || piece_length <= 0)
    {
      g_warning ("Torrent %s: the metadata has no usable file or piece layout", self->info_hash);
      return FALSE;
    }

  self->n_files = (guint) n_files;
  self->num_pieces = (guint) num_pieces;
  self->piece_length = (guint) piece_length;
  self->have = g_malloc0 ((self->num_pieces + 7) / 8 + 1);
  self->confirmed = g_malloc0 ((self->num_pieces + 7) / 8 + 1);
  self->deadlines = g_malloc0 ((self->num_pieces + 7) / 8 + 1);
  self->cancel_in_flight = TRUE;
  self->n_have = 0;
  self->priorities = g_malloc0 (self->n_files + 1);
  self->file_offsets = g_new0 (gint64, self->n_files + 1);
  self->file_sizes = g_new0 (gint64, self->n_files + 1);
  g_ptr_array_set_size (self->file_by_index, (int) self->n_files);

  initial = ts_lt_torrent_get_initial_file_priorities (self->lt, &n_initial);
  if (initial == NULL || n_initial != n_files)
    initial = NULL;

  items = g_new0 (gpointer, self->n_files + 1);
  for (guint i = 0; i < self->n_files; i++)
    {
      const char *path = ts_lt_torrent_get_file_path (self->lt, (int) i);

      self->file_offsets[i] = ts_lt_torrent_get_file_offset (self->lt, (int) i);
      self->file_sizes[i] = ts_lt_torrent_get_file_size (self->lt, (int) i);
      self->priorities[i] = initial != NULL ? MIN (initial[i], 7) : TS_FILE_PRIORITY_NORMAL;

      if (is_padding (self->lt, (int) i, path))
        {
          /* Padding is never worth downloading; keep it out of the model. */
          if (self->priorities[i] != TS_FILE_PRIORITY_SKIP
              && !ts_lt_torrent_get_file_is_pad (self->lt, (int) i))
            {
              self->priorities[i] = TS_FILE_PRIORITY_SKIP;
              pad_changed = TRUE;
            }
          self->file_by_index->pdata[i] = NULL;
          continue;
        }

      items[n_items] = _ts_torrent_file_new (self, i, path, self->file_sizes[i],
                                             self->priorities[i], self->save_path);
      self->file_by_index->pdata[i] = items[n_items];
      n_items++;
    }

  g_list_store_splice (self->files, 0, 0, items, n_items);
  for (guint i = 0; i < n_items; i++)
    g_object_unref (items[i]);

  if (pad_changed && _ts_torrent_is_live (self))
    ts_lt_torrent_set_file_priorities (self->lt, self->priorities, (int) self->n_files);

  g_object_freeze_notify (G_OBJECT (self));

  name = ts_lt_torrent_get_name (self->lt);
  if (name != NULL && name[0] != '\0' && set_string (&self->name, name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  if (set_string (&self->save_path, ts_lt_torrent_get_save_path (self->lt)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVE_PATH]);
  self->has_metadata = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_METADATA]);
  if (self->state == TS_TORRENT_STATE_FETCHING_METADATA)
    {
      self->state = TS_TORRENT_STATE_DOWNLOADING;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }

  g_object_thaw_notify (G_OBJECT (self));

  g_signal_emit (self, signals[SIGNAL_METADATA_RECEIVED], 0);
  return TRUE;
}

/* A status libtorrent took before it handled a pause or resume may come
 * after it: such a paused flag is stale for this long at most. */
#define PAUSE_CONFIRM_US (3 * G_USEC_PER_SEC)

void
_ts_torrent_update_status (TsTorrent        *self,
                           const TsLtStatus *status)
{
  TsLtStatus fresh;
  TsTorrentState state;

  if (self->removed)
    return;

  if (self->paused_request_at != 0)
    {
      if (status->paused == self->paused_requested
          || g_get_monotonic_time () - self->paused_request_at > PAUSE_CONFIRM_US)
        {
          self->paused_request_at = 0;
        }
      else
        {
          fresh = *status;
          fresh.paused = self->paused_requested;
          status = &fresh;
        }
    }

  if (status->has_metadata && !self->has_metadata)
    _ts_torrent_load_metadata (self);

  state = map_state (status);
  /* A paused torrent that is still checking its files keeps changing. */
  self->lt_active = !status->has_error
                    && (!status->paused || status->state == TS_LT_STATE_CHECKING_FILES
                        || status->state == TS_LT_STATE_CHECKING_RESUME_DATA);

  g_object_freeze_notify (G_OBJECT (self));

  if (!self->has_metadata && status->name != NULL && status->name[0] != '\0'
      && set_string (&self->name, status->name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);

  SET_FIELD (self, state, state, PROP_STATE);
  SET_FIELD (self, paused, status->paused ? TRUE : FALSE, PROP_PAUSED);
  SET_FIELD (self, progress, CLAMP (status->progress, 0.0, 1.0), PROP_PROGRESS);
  /* libtorrent posts no more updates for a paused or finished torrent, so its
   * last rates would stay on screen: nothing moves in those states. */
  SET_FIELD (self, download_rate,
             state == TS_TORRENT_STATE_DOWNLOADING || state == TS_TORRENT_STATE_FETCHING_METADATA
             ? MAX (status->download_rate, 0) : 0,
             PROP_DOWNLOAD_RATE);
  SET_FIELD (self, upload_rate,
             state == TS_TORRENT_STATE_PAUSED || state == TS_TORRENT_STATE_ERROR
             ? 0 : MAX (status->upload_rate, 0),
             PROP_UPLOAD_RATE);
  SET_FIELD (self, peers, (guint) MAX (status->num_peers, 0), PROP_PEERS);
  SET_FIELD (self, seeds, (guint) MAX (status->num_seeds, 0), PROP_SEEDS);
  SET_FIELD (self, size_wanted, MAX (status->total_wanted, 0), PROP_SIZE_WANTED);
  SET_FIELD (self, bytes_done, MAX (status->total_wanted_done, 0), PROP_BYTES_DONE);
  update_eta (self);

  if (status->has_error)
    {
      const char *message = status->error != NULL && status->error[0] != '\0'
                            ? status->error : _("Unknown error");

      if (set_string (&self->error_message, message))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }
  else if (self->error_message != NULL)
    {
      g_clear_pointer (&self->error_message, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }

  g_object_thaw_notify (G_OBJECT (self));

  if (status->pieces != NULL && self->have != NULL && status->num_pieces == (int) self->num_pieces)
    {
      /* While checking, libtorrent's map is the truth (pieces may vanish).
       * Otherwise merge: a piece whose hash passed may show up in our map
       * (from its piece-finished event) before the status lists it. */
      gboolean authoritative = state == TS_TORRENT_STATE_CHECKING;
      guint n_bytes = (self->num_pieces + 7) / 8;

      for (guint b = 0; b < n_bytes; b++)
        {
          guint8 added = status->pieces[b] & ~self->have[b];

          if (added != 0)
            {
              guint first = b * 8, last = b * 8 + 7;

              while ((added & (0x80 >> (first & 7))) == 0)
                first++;
              while ((added & (0x80 >> (last & 7))) == 0)
                last--;
              note_pieces (self, first, MIN (last, self->num_pieces - 1));
            }
          self->have[b] = authoritative ? status->pieces[b] : (self->have[b] | status->pieces[b]);
          self->confirmed[b] &= self->have[b];
        }
      if (self->num_pieces % 8 != 0)
        self->have[n_bytes - 1] &= (guint8) (0xff << (8 - self->num_pieces % 8));
      self->n_have = count_bits (self->have, self->num_pieces);
    }
}

void
_ts_torrent_piece_finished (TsTorrent *self,
                            int        piece)
{
  if (self->removed || self->have == NULL || piece < 0 || (guint) piece >= self->num_pieces)
    return;
  if (bit_get (self->have, (guint) piece))
    return;

  self->have[piece >> 3] |= (guint8) (0x80 >> (piece & 7));
  self->n_have++;
  note_pieces (self, (guint) piece, (guint) piece);
}

void
_ts_torrent_update_file_progress (TsTorrent    *self,
                                  const gint64 *progress,
                                  int           n)
{
  if (self->removed || !self->has_metadata || n != (int) self->n_files)
    return;

  for (guint i = 0; i < self->n_files; i++)
    {
      TsTorrentFile *file = g_ptr_array_index (self->file_by_index, i);

      if (file != NULL)
        _ts_torrent_file_set_bytes_done (file, progress[i]);
    }
}

void
_ts_torrent_set_error (TsTorrent  *self,
                       const char *message)
{
  if (message == NULL || message[0] == '\0')
    message = _("Unknown error");

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->error_message, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
  SET_FIELD (self, state, TS_TORRENT_STATE_ERROR, PROP_STATE);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_ts_torrent_emit_finished (TsTorrent *self)
{
  if (self->removed)
    return;
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

void
_ts_torrent_checked (TsTorrent *self)
{
  /* The status that follows carries the re-checked piece map. */
  if (_ts_torrent_is_live (self))
    ts_lt_torrent_post_status (self->lt);
}

static void
complete_waiter (RangeWaiter *waiter,
                 GError      *error)
{
  TsTorrent *self = waiter->torrent;
  GTask *task;

  if (waiter->done)
    {
      g_clear_error (&error);
      return;
    }
  waiter->done = TRUE;
  range_waiter_ref (waiter);

  if (waiter->link != NULL)
    {
      g_queue_delete_link (&self->waiters, waiter->link);
      waiter->link = NULL;
      range_waiter_unref (waiter);   /* the queue's reference */
    }
  if (waiter->cancel_source != NULL)
    g_source_destroy (waiter->cancel_source);
  if (waiter->retry_source != NULL)
    g_source_destroy (waiter->retry_source);

  task = g_steal_pointer (&waiter->task);
  range_waiter_unref (waiter);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
_ts_torrent_flush (TsTorrent *self)
{
  g_autoptr(GPtrArray) ready = NULL;

  g_object_ref (self);

  if (self->pieces_pending)
    {
      guint first = self->pending_first, last = self->pending_last;

      self->pieces_pending = FALSE;
      g_signal_emit (self, signals[SIGNAL_PIECES_CHANGED], 0, first, last);
    }

  /* Collect first: completing a wait runs user code that may add waiters. */
  ready = g_ptr_array_new_with_free_func ((GDestroyNotify) range_waiter_unref);
  for (GList *l = self->waiters.head; l != NULL; l = l->next)
    {
      RangeWaiter *waiter = l->data;

      if (!waiter->confirming && waiter->retry_source == NULL
          && have_pieces (self, waiter->first, waiter->last))
        g_ptr_array_add (ready, range_waiter_ref (waiter));
    }
  for (guint i = 0; i < ready->len; i++)
    {
      RangeWaiter *waiter = ready->pdata[i];

      if (!waiter->done && !waiter->confirming)
        start_confirm (waiter);
    }

  g_object_unref (self);
}

void
_ts_torrent_mark_removed (TsTorrent  *self,
                          const char *reason)
{
  if (self->removed)
    return;

  self->removed = TRUE;
  self->lt_active = FALSE;
  g_clear_pointer (&self->piece_save_source, _ts_source_destroy);

  g_object_ref (self);
  while (self->waiters.head != NULL)
    {
      RangeWaiter *waiter = range_waiter_ref (self->waiters.head->data);

      complete_waiter (waiter, g_error_new_literal (TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED,
                                                    reason != NULL ? reason
                                                    : _("The torrent was removed")));
      range_waiter_unref (waiter);
    }
  g_object_unref (self);
}

/* Waiting for ranges ------------------------------------------------------------- */

typedef enum {
  CONFIRM_OK,
  CONFIRM_NOT_YET,
  CONFIRM_GONE,
} ConfirmResult;

typedef struct
{
  TsEngineShared *shared;
  TsLtTorrent    *lt;           /* kept alive by the waiter's confirm_hold */
  guint           first;
  guint           last;
  guint8         *known;        /* one bit per piece of the range: on disk already */
  guint8         *found;        /* the worker's answer: seen on disk now */
  GCancellable   *cancellable;
} ConfirmData;

static void
confirm_data_free (gpointer p)
{
  ConfirmData *data = p;

  _ts_engine_shared_unref (data->shared);
  g_clear_object (&data->cancellable);
  g_free (data->known);
  g_free (data->found);
  g_free (data);
}

static void
confirm_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ConfirmData *data = task_data;
  ConfirmResult answer = CONFIRM_OK;

  /* Blocking round trips to libtorrent's thread, one per piece not known
   * yet; the lock keeps the shim session from going away meanwhile. */
  g_rw_lock_reader_lock (&data->shared->lock);
  if (data->shared->lt == NULL)
    answer = CONFIRM_GONE;
  for (guint p = data->first; answer == CONFIRM_OK && p <= data->last; p++)
    {
      guint bit = p - data->first;

      if (bit_get (data->known, bit))
        continue;
      if (g_cancellable_is_cancelled (data->cancellable)
          || !ts_lt_torrent_have_range (data->lt, (int) p, (int) p))
        answer = CONFIRM_NOT_YET;
      else
        data->found[bit >> 3] |= (guint8) (0x80 >> (bit & 7));
    }
  g_rw_lock_reader_unlock (&data->shared->lock);

  g_task_return_int (task, answer);
}

static gboolean
retry_cb (gpointer user_data)
{
  RangeWaiter *waiter = user_data;

  g_clear_pointer (&waiter->retry_source, g_source_unref);
  if (!waiter->done && have_pieces (waiter->torrent, waiter->first, waiter->last))
    start_confirm (waiter);
  return G_SOURCE_REMOVE;
}

static void
confirm_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RangeWaiter *waiter = user_data;
  TsTorrent *self = waiter->torrent;
  ConfirmData *data = g_task_get_task_data (G_TASK (result));
  ConfirmResult answer = (ConfirmResult) g_task_propagate_int (G_TASK (result), NULL);
  /* Dropped last: a cancelled wait no longer holds the torrent through its
   * task, and the worker used its TsLtTorrent until now. */
  g_autoptr(TsTorrent) hold = g_steal_pointer (&waiter->confirm_hold);
  guint delay;

  waiter->confirming = FALSE;

  /* What the worker saw on disk stays true, whoever still waits. */
  if (self->confirmed != NULL && data->last < self->num_pieces && !self->removed)
    for (guint p = data->first; p <= data->last; p++)
      if (bit_get (data->found, p - data->first) && bit_get (self->have, p))
        self->confirmed[p >> 3] |= (guint8) (0x80 >> (p & 7));

  if (waiter->done)
    {
      range_waiter_unref (waiter);
      return;
    }

  if (answer == CONFIRM_OK || confirmed_pieces (self, waiter->first, waiter->last))
    complete_waiter (waiter, NULL);
  else if (answer == CONFIRM_GONE || self->removed)
    complete_waiter (waiter, g_error_new_literal (TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED,
                                                  self->removed
                                                  ? _("The torrent was removed")
                                                  : _("The torrent session was closed")));
  else
    {
      /* Not on disk yet (or a re-check took pieces away): look again soon,
       * then less often, even if no new piece arrives meanwhile. */
      waiter->attempts++;
      delay = waiter->attempts < CONFIRM_FAST_ATTEMPTS
              ? MIN (CONFIRM_FIRST_MS + 10 * (waiter->attempts - 1), CONFIRM_MAX_MS)
              : CONFIRM_SLOW_MS;
      waiter->retry_source = g_timeout_source_new (delay);
      g_source_set_callback (waiter->retry_source, retry_cb, waiter, NULL);
      g_source_set_static_name (waiter->retry_source, "[ts-torrent] wait retry");
      g_source_attach (waiter->retry_source, self->shared->context);
    }

  range_waiter_unref (waiter);
}

static void
start_confirm (RangeWaiter *waiter)
{
  TsTorrent *self = waiter->torrent;
  g_autoptr(GTask) task = NULL;
  ConfirmData *data;
  guint n_bits;

  if (confirmed_pieces (self, waiter->first, waiter->last))
    {
      complete_waiter (waiter, NULL);
      return;
    }

  if (!_ts_torrent_is_live (self))
    {
      complete_waiter (waiter, g_error_new_literal (TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED,
                                                    self->removed
                                                    ? _("The torrent was removed")
                                                    : _("The torrent session was closed")));
      return;
    }

  n_bits = waiter->last - waiter->first + 1;
  data = g_new0 (ConfirmData, 1);
  data->shared = _ts_engine_shared_ref (self->shared);
  data->lt = self->lt;
  data->first = waiter->first;
  data->last = waiter->last;
  data->known = g_malloc0 (n_bits / 8 + 1);
  data->found = g_malloc0 (n_bits / 8 + 1);
  for (guint p = waiter->first; p <= waiter->last; p++)
    if (bit_get (self->confirmed, p))
      data->known[(p - waiter->first) >> 3] |= (guint8) (0x80 >> ((p - waiter->first) & 7));
  if (g_task_get_cancellable (waiter->task) != NULL)
    data->cancellable = g_object_ref (g_task_get_cancellable (waiter->task));

  waiter->confirming = TRUE;
  waiter->confirm_hold = g_object_ref (self);
  /* No source object: the worker must not hold the last reference to the
   * torrent (its finalize belongs on the main thread). */
  task = g_task_new (NULL, NULL, confirm_done, range_waiter_ref (waiter));
  g_task_set_source_tag (task, start_confirm);
  g_task_set_task_data (task, data, confirm_data_free);
  g_task_run_in_thread (task, confirm_thread);
}

static gboolean
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  RangeWaiter *waiter = user_data;
  GError *error = NULL;

  /* Runs on the torrent's main context: the task returns right away even
   * if a worker is still asking libtorrent. */
  g_cancellable_set_error_if_cancelled (cancellable, &error);
  complete_waiter (waiter, error);
  return G_SOURCE_REMOVE;
}

/* Public API ------------------------------------------------------------------ */

TsSession *
ts_torrent_get_session (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), NULL);
  return self->session;
}

const char *
ts_torrent_get_info_hash (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), NULL);
  return self->info_hash;
}

const char *
ts_torrent_get_name (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), NULL);
  return self->name;
}

TsTorrentState
ts_torrent_get_state (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), TS_TORRENT_STATE_ERROR);
  return self->state;
}

double
ts_torrent_get_progress (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), 0.0);
  return self->progress;
}

gint64
ts_torrent_get_download_rate (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), 0);
  return self->download_rate;
}

gint64
ts_torrent_get_upload_rate (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), 0);
  return self->upload_rate;
}

guint
ts_torrent_get_peers (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), 0);
  return self->peers;
}

guint
ts_torrent_get_seeds (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), 0);
  return self->seeds;
}

gint64
ts_torrent_get_eta (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), -1);
  return self->eta;
}

gint64
ts_torrent_get_size_wanted (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), 0);
  return self->size_wanted;
}

gint64
ts_torrent_get_bytes_done (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), 0);
  return self->bytes_done;
}

const char *
ts_torrent_get_error_message (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), NULL);
  return self->error_message;
}

gboolean
ts_torrent_has_metadata (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), FALSE);
  return self->has_metadata;
}

gboolean
ts_torrent_get_paused (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), FALSE);
  return self->paused;
}

const char *
ts_torrent_get_save_path (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), NULL);
  return self->save_path;
}

gboolean
ts_torrent_is_removed (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), TRUE);
  return self->removed;
}

GListModel *
ts_torrent_get_files (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), NULL);
  return G_LIST_MODEL (self->files);
}

TsTorrentFile *
ts_torrent_get_file (TsTorrent *self,
                     guint      index)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), NULL);

  if (index >= self->file_by_index->len)
    return NULL;
  return g_ptr_array_index (self->file_by_index, index);
}

TsTorrentFile *
ts_torrent_get_main_video (TsTorrent *self)
{
  TsTorrentFile *best = NULL;

  g_return_val_if_fail (TS_IS_TORRENT (self), NULL);

  for (guint i = 0; i < self->file_by_index->len; i++)
    {
      TsTorrentFile *file = g_ptr_array_index (self->file_by_index, i);

      if (file != NULL && ts_torrent_file_is_video (file)
          && (best == NULL || ts_torrent_file_get_size (file) > ts_torrent_file_get_size (best)))
        best = file;
    }
  return best;
}

void
ts_torrent_pause (TsTorrent *self)
{
  g_return_if_fail (TS_IS_TORRENT (self));

  if (!_ts_torrent_is_live (self))
    return;

  ts_lt_torrent_pause (self->lt);
  self->paused_requested = TRUE;
  self->paused_request_at = g_get_monotonic_time ();

  /* Show it at once; the next status confirms it. */
  g_object_freeze_notify (G_OBJECT (self));
  SET_FIELD (self, paused, TRUE, PROP_PAUSED);
  if (self->state != TS_TORRENT_STATE_ERROR)
    SET_FIELD (self, state, TS_TORRENT_STATE_PAUSED, PROP_STATE);
  SET_FIELD (self, download_rate, 0, PROP_DOWNLOAD_RATE);
  SET_FIELD (self, upload_rate, 0, PROP_UPLOAD_RATE);
  update_eta (self);
  g_object_thaw_notify (G_OBJECT (self));

  if (self->session != NULL)
    {
      _ts_session_request_resume_data (self->session, self, FALSE);
      _ts_session_torrent_poked (self->session, self);
    }
}

void
ts_torrent_resume (TsTorrent *self)
{
  g_return_if_fail (TS_IS_TORRENT (self));

  if (!_ts_torrent_is_live (self))
    return;

  ts_lt_torrent_resume (self->lt);
  self->paused_requested = FALSE;
  self->paused_request_at = g_get_monotonic_time ();
  SET_FIELD (self, paused, FALSE, PROP_PAUSED);
  self->lt_active = TRUE;

  if (self->session != NULL)
    {
      /* So that a crash does not bring it back paused. */
      _ts_session_request_resume_data (self->session, self, FALSE);
      _ts_session_torrent_poked (self->session, self);
    }
}

void
ts_torrent_force_recheck (TsTorrent *self)
{
  g_return_if_fail (TS_IS_TORRENT (self));

  if (!_ts_torrent_is_live (self))
    return;

  ts_lt_torrent_force_recheck (self->lt);

  /* Nothing counts as verified until the check says so again. */
  if (self->have != NULL)
    {
      memset (self->have, 0, (self->num_pieces + 7) / 8);
      memset (self->confirmed, 0, (self->num_pieces + 7) / 8);
      self->n_have = 0;
    }
  self->lt_active = TRUE;
  SET_FIELD (self, state, TS_TORRENT_STATE_CHECKING, PROP_STATE);

  if (self->session != NULL)
    _ts_session_torrent_poked (self->session, self);
}

/* "1.2.3.4:5" or "[::1]:5" to a canonical form, or NULL. */
static char *
parse_peer (const char *ip_port)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  const char *port_str;
  guint64 port;
  char *end = NULL;

  if (ip_port == NULL)
    return NULL;

  if (ip_port[0] == '[')
    {
      const char *close = strchr (ip_port, ']');

      if (close == NULL || close[1] != ':')
        return NULL;
      host = g_strndup (ip_port + 1, (gsize) (close - ip_port - 1));
      port_str = close + 2;
    }
  else
    {
      const char *colon = strrchr (ip_port, ':');

      if (colon == NULL)
        return NULL;
      host = g_strndup (ip_port, (gsize) (colon - ip_port));
      port_str = colon + 1;
      /* An IPv6 address needs brackets to carry a port. */
      if (strchr (host, ':') != NULL)
        return NULL;
    }

  if (!g_ascii_isdigit (port_str[0]))
    return NULL;
  port = g_ascii_strtoull (port_str, &end, 10);
  if (end == NULL || *end != '\0' || port == 0 || port > 65535)
    return NULL;

  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    return NULL;
  socket_address = g_inet_socket_address_new (address, (guint16) port);
  if (socket_address == NULL)
    return NULL;

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      g_autofree char *text = g_inet_address_to_string (address);

      return g_strdup_printf ("[%s]:%u", text, (guint) port);
    }
  else
    {
      g_autofree char *text = g_inet_address_to_string (address);

      return g_strdup_printf ("%s:%u", text, (guint) port);
    }
}

gboolean
ts_torrent_add_peer (TsTorrent   *self,
                     const char  *ip_port,
                     GError     **error)
{
  g_autofree char *peer = NULL;

  g_return_val_if_fail (TS_IS_TORRENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  peer = parse_peer (ip_port);
  if (peer == NULL)
    {
      g_set_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_PEER,
                   _("“%s” is not an address and port like 192.0.2.1:6881"),
                   ip_port != NULL ? ip_port : "");
      return FALSE;
    }

  if (!_ts_torrent_is_live (self))
    {
      g_set_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED,
                   _("The torrent “%s” is no longer in the session"), self->name);
      return FALSE;
    }

  if (!ts_lt_torrent_connect_peer (self->lt, peer))
    {
      g_set_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_INVALID_PEER,
                   _("Could not connect to the peer %s"), peer);
      return FALSE;
    }

  if (self->session != NULL)
    _ts_session_torrent_poked (self->session, self);
  return TRUE;
}

static void
apply_priorities (TsTorrent    *self,
                  const guint8 *priorities)
{
  if (memcmp (self->priorities, priorities, self->n_files) == 0)
    return;

  memcpy (self->priorities, priorities, self->n_files);

  if (_ts_torrent_is_live (self))
    ts_lt_torrent_set_file_priorities (self->lt, self->priorities, (int) self->n_files);

  g_object_ref (self);
  for (guint i = 0; i < self->n_files; i++)
    {
      TsTorrentFile *file = g_ptr_array_index (self->file_by_index, i);

      if (file != NULL)
        _ts_torrent_file_update_priority (file, self->priorities[i]);
    }

  if (self->session != NULL && _ts_torrent_is_live (self))
    {
      _ts_session_request_resume_data (self->session, self, FALSE);
      _ts_session_torrent_poked (self->session, self);
      /* size-wanted changes even when nothing else does. */
      ts_lt_torrent_post_status (self->lt);
    }
  g_object_unref (self);
}

void
ts_torrent_set_file_priority (TsTorrent *self,
                              guint      file_index,
                              guint      priority)
{
  g_autofree guint8 *priorities = NULL;

  g_return_if_fail (TS_IS_TORRENT (self));
  g_return_if_fail (self->has_metadata);
  g_return_if_fail (file_index < self->n_files);

  priorities = g_memdup2 (self->priorities, self->n_files + 1);
  priorities[file_index] = (guint8) MIN (priority, 7);
  apply_priorities (self, priorities);
}

void
ts_torrent_set_file_priorities (TsTorrent    *self,
                                const guint8 *priorities,
                                guint         n)
{
  g_autofree guint8 *copy = NULL;
  guint n_model;

  g_return_if_fail (TS_IS_TORRENT (self));
  g_return_if_fail (self->has_metadata);
  g_return_if_fail (priorities != NULL || n == 0);

  n_model = g_list_model_get_n_items (G_LIST_MODEL (self->files));
  copy = g_memdup2 (self->priorities, self->n_files + 1);

  if (n == self->n_files)
    {
      for (guint i = 0; i < n; i++)
        copy[i] = MIN (priorities[i], 7);
    }
  else if (n == n_model)
    {
      /* One per file of the model (padding left out). */
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(TsTorrentFile) file = g_list_model_get_item (G_LIST_MODEL (self->files), i);

          copy[ts_torrent_file_get_index (file)] = MIN (priorities[i], 7);
        }
    }
  else
    {
      g_critical ("ts_torrent_set_file_priorities: %u priorities for a torrent with %u files",
                  n, self->n_files);
      return;
    }

  apply_priorities (self, copy);
}

guint
ts_torrent_get_num_pieces (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), 0);
  return self->num_pieces;
}

guint
ts_torrent_get_piece_length (TsTorrent *self)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), 0);
  return self->piece_length;
}

gboolean
ts_torrent_have_piece (TsTorrent *self,
                       guint      piece)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), FALSE);

  if (self->have == NULL || piece >= self->num_pieces)
    return FALSE;
  return bit_get (self->have, piece);
}

/* The same arithmetic as libtorrent's file_storage::map_file(), on the
 * geometry cached at metadata time, so it works after the session closed. */
gboolean
ts_torrent_map_file_range (TsTorrent *self,
                           guint      file_index,
                           gint64     offset,
                           gint64     length,
                           guint     *first_piece,
                           guint     *last_piece)
{
  gint64 start, end;

  g_return_val_if_fail (TS_IS_TORRENT (self), FALSE);

  if (!self->has_metadata || file_index >= self->n_files || self->piece_length == 0)
    return FALSE;
  if (offset < 0 || length <= 0 || offset > self->file_sizes[file_index]
      || length > self->file_sizes[file_index] - offset)
    return FALSE;

  start = self->file_offsets[file_index] + offset;
  end = start + length - 1;
  if (end / self->piece_length >= self->num_pieces)
    return FALSE;

  if (first_piece != NULL)
    *first_piece = (guint) (start / self->piece_length);
  if (last_piece != NULL)
    *last_piece = (guint) (end / self->piece_length);
  return TRUE;
}

GArray *
ts_torrent_get_file_ranges (TsTorrent *self,
                            guint      file_index)
{
  GArray *ranges;
  gint64 file_start, file_end;
  guint first, last;

  g_return_val_if_fail (TS_IS_TORRENT (self), NULL);

  ranges = g_array_new (FALSE, FALSE, sizeof (TsByteRange));
  if (!self->has_metadata || file_index >= self->n_files || self->file_sizes[file_index] <= 0)
    return ranges;
  if (!ts_torrent_map_file_range (self, file_index, 0, self->file_sizes[file_index],
                                  &first, &last))
    return ranges;

  file_start = self->file_offsets[file_index];
  file_end = file_start + self->file_sizes[file_index];

  for (guint p = first; p <= last; p++)
    {
      gint64 start, end;
      TsByteRange *prev;

      if (!bit_get (self->have, p))
        continue;

      start = MAX ((gint64) p * self->piece_length, file_start) - file_start;
      end = MIN ((gint64) (p + 1) * self->piece_length, file_end) - file_start;
      prev = ranges->len > 0 ? &g_array_index (ranges, TsByteRange, ranges->len - 1) : NULL;
      if (prev != NULL && prev->offset + prev->length == start)
        prev->length += end - start;
      else
        {
          TsByteRange range = { start, end - start };

          g_array_append_val (ranges, range);
        }
    }

  return ranges;
}

gint64
ts_torrent_get_file_contiguous (TsTorrent *self,
                                guint      file_index,
                                gint64     offset)
{
  gint64 file_start, file_end, pos;
  guint piece;

  g_return_val_if_fail (TS_IS_TORRENT (self), 0);

  if (!self->has_metadata || file_index >= self->n_files || offset < 0
      || offset >= self->file_sizes[file_index])
    return 0;

  file_start = self->file_offsets[file_index];
  file_end = file_start + self->file_sizes[file_index];
  pos = file_start + offset;

  piece = (guint) (pos / self->piece_length);
  while (piece < self->num_pieces && (gint64) piece * self->piece_length < file_end
         && bit_get (self->have, piece))
    piece++;

  return MAX (MIN ((gint64) piece * self->piece_length, file_end) - pos, 0);
}

void
ts_torrent_set_range_deadlines (TsTorrent *self,
                                guint      file_index,
                                gint64     offset,
                                gint64     length,
                                int        deadline_ms,
                                int        step_ms)
{
  g_autoptr(GArray) pieces = NULL;
  g_autoptr(GArray) deadlines = NULL;
  g_autoptr(GArray) pending = NULL;
  int keep_from = -1;
  guint first, last;

  g_return_if_fail (TS_IS_TORRENT (self));

  if (!_ts_torrent_is_live (self)
      || !ts_torrent_map_file_range (self, file_index, offset, length, &first, &last))
    return;

  pieces = g_array_new (FALSE, FALSE, sizeof (int));
  deadlines = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint p = first; p <= last; p++)
    {
      gint64 deadline = (gint64) MAX (deadline_ms, 0) + (gint64) (p - first) * MAX (step_ms, 0);
      int piece = (int) p, due = (int) MIN (deadline, G_MAXINT);

      if (bit_get (self->have, p))
        continue;
      g_array_append_val (pieces, piece);
      g_array_append_val (deadlines, due);
    }
  if (pieces->len == 0)
    return;

  /* Whether libtorrent may still have pieces with deadlines (it looks
   * again on its own thread: this side learns of new pieces later), and
   * where the pieces with deadlines since the last clearing begin. */
  pending = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint p = 0; p < self->num_pieces; p++)
    {
      int piece = (int) p;

      if (!bit_get (self->deadlines, p))
        continue;
      if (keep_from < 0)
        keep_from = piece;
      if (!bit_get (self->have, p))
        g_array_append_val (pending, piece);
    }
  if (keep_from < 0 || g_array_index (pieces, int, 0) < keep_from)
    keep_from = g_array_index (pieces, int, 0);
  for (guint i = 0; i < pieces->len; i++)
    bit_set (self->deadlines, (guint) g_array_index (pieces, int, i));

  /* Once every piece with a deadline is in, libtorrent cancels what is in
   * flight as the next deadline goes in: the read-ahead the player needs
   * next, asked for again only once the peers answer the cancels. That
   * stays, from where the deadlines begin; what is in flight behind them
   * (the old place, after a seek) goes. Only a seek (after
   * ts_torrent_clear_all_deadlines()) and the start of streaming cancel
   * all of it. */
  ts_lt_torrent_set_piece_deadlines (self->lt, (const int *) pieces->data,
                                     (const int *) deadlines->data, (int) pieces->len,
                                     (const int *) pending->data, (int) pending->len,
                                     self->cancel_in_flight ? -1 : keep_from);
  self->cancel_in_flight = FALSE;
}

void
ts_torrent_clear_range_deadlines (TsTorrent *self,
                                  guint      file_index,
                                  gint64     offset,
                                  gint64     length)
{
  guint first, last;

  g_return_if_fail (TS_IS_TORRENT (self));

  if (!_ts_torrent_is_live (self)
      || !ts_torrent_map_file_range (self, file_index, offset, length, &first, &last))
    return;

  for (guint p = first; p <= last; p++)
    if (!bit_get (self->have, p))
      {
        ts_lt_torrent_reset_piece_deadline (self->lt, (int) p);
        bit_clear (self->deadlines, p);
      }
}

void
ts_torrent_clear_all_deadlines (TsTorrent *self)
{
  g_return_if_fail (TS_IS_TORRENT (self));

  if (!_ts_torrent_is_live (self))
    return;
  ts_lt_torrent_clear_piece_deadlines (self->lt);
  if (self->deadlines != NULL)
    memset (self->deadlines, 0, (self->num_pieces + 7) / 8);
  self->cancel_in_flight = TRUE;
}

void
ts_torrent_set_sequential (TsTorrent *self,
                           gboolean   sequential)
{
  g_return_if_fail (TS_IS_TORRENT (self));

  if (!_ts_torrent_is_live (self))
    return;
  ts_lt_torrent_set_sequential (self->lt, sequential);
  /* Streaming begins: what the player reads first goes before whatever
   * was on its way. */
  if (sequential)
    self->cancel_in_flight = TRUE;
}

void
ts_torrent_wait_range_async (TsTorrent           *self,
                             guint                file_index,
                             gint64               offset,
                             gint64               length,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RangeWaiter *waiter;
  guint first, last;

  g_return_if_fail (TS_IS_TORRENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_torrent_wait_range_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (self->removed)
    {
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED,
                               _("The torrent “%s” was removed"), self->name);
      return;
    }
  if (!self->has_metadata || file_index >= self->n_files)
    {
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NOT_FOUND,
                               _("The torrent “%s” has no file number %u"),
                               self->name, file_index);
      return;
    }
  if (length == 0 && offset >= 0 && offset <= self->file_sizes[file_index])
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!ts_torrent_map_file_range (self, file_index, offset, length, &first, &last))
    {
      g_task_return_new_error (task, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NOT_FOUND,
                               _("Bytes %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                                 " are outside of the file (%" G_GINT64_FORMAT " bytes)"),
                               offset, offset + length, self->file_sizes[file_index]);
      return;
    }

  waiter = g_new0 (RangeWaiter, 1);
  waiter->ref_count = 1;
  waiter->torrent = self;
  waiter->task = g_steal_pointer (&task);
  waiter->first = first;
  waiter->last = last;

  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (waiter_cancelled_cb),
                             range_waiter_ref (waiter), (GDestroyNotify) range_waiter_unref);
      g_source_set_static_name (waiter->cancel_source, "[ts-torrent] wait cancelled");
      g_source_attach (waiter->cancel_source, self->shared->context);
    }

  /* The queue's reference. */
  g_queue_push_tail (&self->waiters, waiter);
  waiter->link = self->waiters.tail;

  if (have_pieces (self, first, last))
    start_confirm (waiter);
}

gboolean
ts_torrent_wait_range_finish (TsTorrent     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (TS_IS_TORRENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
