/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-stream"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ts-media-type.h"
#include "ts-mp4-index.h"
#include "ts-session.h"
#include "ts-stream-reader.h"

#define DEFAULT_BITRATE    (4 * 1000 * 1000 / 8)   /* 4 Mbit/s in bytes/s */
#define DEFAULT_READAHEAD  30                      /* seconds */
#define MIN_WINDOW         (2 * 1024 * 1024)
#define MAX_WINDOW         (G_GINT64_CONSTANT (128) * 1024 * 1024)
#define MIN_WINDOW_PIECES  4
/* After a jump a window starts this small and doubles as the cursor moves
 * on: libtorrent requests the pieces with deadlines in random order, so
 * the fewer there are, the sooner the one the player waits for comes. */
#define RAMP_START_PIECES  1
/* Of the window, only this much ahead of the cursor has deadlines:
 * libtorrent 2.0.8 asks for the pieces with deadlines in any order (its
 * deadline pass runs once a second; in between, its usual picker takes
 * them as they come), so with more of them the piece the player needs next
 * comes seconds late. 30 s of deadlines stalled playback 3–4 s a minute
 * with the seeder at 1.5 times the bit rate (bench/stall.sh); 10 pieces,
 * ten seconds of a 2 Mbit/s film, still did now and then
 * (/player/torrent-src/steady-at-one-and-a-half). The rest of the window
 * is fetched in file order all the same: the torrent downloads
 * sequentially while a reader streams. */
#define URGENT_PIECES      4
#define URGENT_MAX         (8 * 1024 * 1024)
#define TAIL_DEADLINE_MS   500
/* An MP4's index found in its head is asked for whole, up to this much: a
 * long film's is megabytes, more than the one piece of each end asked for
 * at the start. Box headers are looked for in the first HEAD_READ bytes. */
#define MAX_INDEX          (G_GINT64_CONSTANT (64) * 1024 * 1024)
#define HEAD_READ          (64 * 1024)
/* The first bytes looked at before they are verified, how often, and for
 * how long at most (then the verified head decides alone). */
#define PEEK_BYTES         4096
#define PEEK_EVERY_US      (5 * 1000)
#define PEEK_FOR_US        (10 * G_USEC_PER_SEC)
#define MAX_READ           (4 * 1024 * 1024)
#define KEEP_PIECES        4                       /* of a window left by a jump */
#define WAITING_AFTER_US   (250 * 1000)

typedef struct {
  guint    id;
  gint64   position;
  gboolean update_queued;
  /* Where and when the window was last retargeted, to tell a cursor
   * moving at the film's pace from one that jumped. */
  gint64   base_position;
  gint64   base_time;
  /* How far the window may reach now (bytes), see RAMP_START_PIECES. */
  gint64   ramp;
  /* Reads step back now and then: a demuxer in pull mode reading its
   * tracks in turn. */
  gboolean interleaved;
  /* The last jump left the old window behind: a seek, not a demuxer
   * reading on faster than the film plays. */
  gboolean far;
  /* The byte range with deadlines; -1 when none. */
  gint64   win_start;
  gint64   win_end;
  /* The head of the window before the last jump, kept until the cursor
   * settles: demuxers probe the end (index) or the middle, then come
   * back. -1 when none. */
  gint64   prev_start;
  gint64   prev_end;
  gint64   prev_position;
} Cursor;

struct _TsStreamReader
{
  GObject        parent_instance;

  GMainContext  *context;
  GThread       *owner;
  TsTorrent     *torrent;
  TsTorrentFile *file;
  GSettings     *settings;
  char          *disk_path;
  guint          index;
  gint64         size;

  /* Geometry: byte k of the file is in piece first_piece + (k + lead) / piece_length. */
  gint64         piece_length;
  guint          first_piece;
  gint64         lead;
  guint          n_pieces;
  gint64         head_end;      /* the prefetched head; 0 when none */
  gint64         tail_start;    /* the prefetched tail; size when none */
  gboolean       streaming;     /* counted in the torrent's streaming readers */
  gboolean       interleaved;   /* an MP4: see Cursor.interleaved */
  GCancellable  *cancellable;   /* looking for an MP4's index */
  GCancellable  *peek_cancellable;
  gboolean       head_seen;     /* an MP4's head was read verified */

  GMutex         lock;
  /* Under lock. */
  guint8        *confirmed;     /* per piece of the file: verified and on disk */
  guint          n_confirmed;
  GHashTable    *cursors;       /* id → Cursor */
  guint          next_cursor;
  int            fd;
  gint64         duration;
  int            readahead;
};

G_DEFINE_FINAL_TYPE (TsStreamReader, ts_stream_reader, G_TYPE_OBJECT)

static GQuark reader_quark;
static GQuark count_quark;

/* Main thread. Readers streaming from a torrent, which downloads in file
 * order while there is one. */
static guint
streaming_readers (TsTorrent *torrent)
{
  return GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (torrent), count_quark));
}

static void
add_streaming_reader (TsTorrent *torrent,
                      int        delta)
{
  guint n = streaming_readers (torrent) + delta;

  g_object_set_qdata (G_OBJECT (torrent), count_quark, GUINT_TO_POINTER (n));
  if (n == (delta > 0 ? 1u : 0u) && !ts_torrent_is_removed (torrent))
    ts_torrent_set_sequential (torrent, n > 0);
}

/* Geometry ------------------------------------------------------------------ */

static guint
piece_of (TsStreamReader *self,
          gint64          offset)
{
  return (guint) ((offset + self->lead) / self->piece_length);
}

/* File offset where the piece holding @offset starts (clamped to 0). */
static gint64
piece_start (TsStreamReader *self,
             gint64          offset)
{
  return MAX ((gint64) piece_of (self, offset) * self->piece_length - self->lead, 0);
}

static gint64
piece_end (TsStreamReader *self,
           gint64          offset)
{
  return MIN ((gint64) (piece_of (self, offset) + 1) * self->piece_length - self->lead,
              self->size);
}

/* Called with the lock held: confirmed bytes from @offset, at most @count. */
static gint64
confirmed_run_locked (TsStreamReader *self,
                      gint64          offset,
                      gint64          count)
{
  gint64 end = offset;

  if (self->n_confirmed == self->n_pieces)
    return count;

  while (end < offset + count && self->confirmed[piece_of (self, end)])
    end = piece_end (self, end);

  return MIN (end, offset + count) - offset;
}

static void
mark_confirmed (TsStreamReader *self,
                gint64          offset,
                gint64          length)
{
  g_mutex_lock (&self->lock);
  for (guint p = piece_of (self, offset); p <= piece_of (self, offset + length - 1); p++)
    if (!self->confirmed[p])
      {
        self->confirmed[p] = TRUE;
        self->n_confirmed++;
      }
  g_mutex_unlock (&self->lock);
}

/* Windows ------------------------------------------------------------------- */

static gint64
bitrate_locked (TsStreamReader *self)
{
  if (self->duration >= G_GINT64_CONSTANT (1000000000))
    return MAX ((gint64) ((double) self->size * 1e9 / (double) self->duration), 1);
  return DEFAULT_BITRATE;
}

gint64
ts_stream_reader_get_bitrate (TsStreamReader *self)
{
  gint64 bitrate;

  g_return_val_if_fail (TS_IS_STREAM_READER (self), 0);

  g_mutex_lock (&self->lock);
  bitrate = bitrate_locked (self);
  g_mutex_unlock (&self->lock);
  return bitrate;
}

static gint64
window_locked (TsStreamReader *self)
{
  gint64 window = bitrate_locked (self) * self->readahead;
  gint64 min = MAX (MIN_WINDOW, MIN_WINDOW_PIECES * self->piece_length);

  return MIN (CLAMP (window, min, MAX (MAX_WINDOW, min)), self->size);
}

gint64
ts_stream_reader_get_window (TsStreamReader *self)
{
  gint64 window;

  g_return_val_if_fail (TS_IS_STREAM_READER (self), 0);

  g_mutex_lock (&self->lock);
  window = window_locked (self);
  g_mutex_unlock (&self->lock);
  return window;
}

typedef struct {
  gint64 start;
  gint64 end;
  gint64 position;
} Span;

/* Main thread. Deadlines for [start, end) read from @position onwards at
 * @bitrate: each piece is due when playback reaches it. */
static void
set_deadlines (TsStreamReader *self,
               gint64          start,
               gint64          end,
               gint64          position,
               gint64          bitrate)
{
  gint64 first_ms, step_ms;

  if (end <= start)
    return;

  first_ms = MAX (piece_start (self, start) - position, 0) * 1000 / bitrate;
  step_ms = MAX (self->piece_length * 1000 / bitrate, 1);
  ts_torrent_set_range_deadlines (self->torrent, self->index, start, end - start,
                                  (int) MIN (first_ms, G_MAXINT / 2),
                                  (int) MIN (step_ms, G_MAXINT / 2));
}

/* Main thread. Like set_deadlines(), but leaves out what a span in @others
 * reads sooner (its position is nearer): the more urgent deadline wins. */
static void
set_window_deadlines (TsStreamReader *self,
                      gint64          start,
                      gint64          end,
                      gint64          position,
                      gint64          bitrate,
                      GArray         *others,
                      guint           from)
{
  for (guint i = from; others != NULL && i < others->len; i++)
    {
      Span *o = &g_array_index (others, Span, i);

      if (o->position > position && o->start < end && o->end > start)
        {
          set_window_deadlines (self, start, MAX (start, o->start), position, bitrate, others, i + 1);
          set_window_deadlines (self, MIN (end, o->end), end, position, bitrate, others, i + 1);
          return;
        }
    }

  set_deadlines (self, start, end, position, bitrate);
}

/* Main thread. Clears [start, end) but keeps what the spans in @others
 * still cover. */
static void
clear_deadlines (TsStreamReader *self,
                 gint64          start,
                 gint64          end,
                 GArray         *others,
                 gint64          bitrate)
{
  if (end <= start)
    return;

  ts_torrent_clear_range_deadlines (self->torrent, self->index, start, end - start);

  for (guint i = 0; others != NULL && i < others->len; i++)
    {
      Span *o = &g_array_index (others, Span, i);
      gint64 a = MAX (start, o->start), b = MIN (end, o->end);

      if (a < b)
        set_window_deadlines (self, a, b, o->position, bitrate, others, 0);
    }
}

/* Called with the lock held: the windows of every cursor but @except, and
 * the tail asked for at the start (demuxers need it before they play). */
static GArray *
other_windows_locked (TsStreamReader *self,
                      guint           except)
{
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (Span));
  GHashTableIter iter;
  Cursor *c;

  if (self->head_end > 0)
    {
      Span head = { 0, self->head_end, 0 };

      g_array_append_val (spans, head);
    }
  if (self->tail_start < self->size)
    {
      /* As if read from a little before it: set again (after a jump), it
       * keeps coming after the head, as when the reader was made. */
      Span tail = { self->tail_start, self->size,
                    self->tail_start - bitrate_locked (self) * TAIL_DEADLINE_MS / 1000 };

      g_array_append_val (spans, tail);
    }

  g_hash_table_iter_init (&iter, self->cursors);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    if (c->id != except)
      {
        if (c->win_start >= 0)
          {
            Span span = { c->win_start, c->win_end, c->position };

            g_array_append_val (spans, span);
          }
        if (c->prev_start >= 0)
          {
            Span span = { c->prev_start, c->prev_end, c->prev_position };

            g_array_append_val (spans, span);
          }
      }

  return spans;
}

/* Called with the lock held, before every deadline goes: the other cursors
 * keep only the piece they read, and grow again as they read on. (Most
 * often the other one is the request a player has just given up for this
 * one, and its connection is not closed yet.) */
static void
shrink_other_windows_locked (TsStreamReader *self,
                             guint           except)
{
  GHashTableIter iter;
  Cursor *c;

  g_hash_table_iter_init (&iter, self->cursors);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    if (c->id != except && c->win_start >= 0)
      {
        c->ramp = RAMP_START_PIECES * self->piece_length;
        c->win_end = MAX (MIN (c->win_end, piece_end (self, MAX (c->position, c->win_start))),
                          c->win_start);
        c->prev_start = c->prev_end = -1;
      }
}

/* Main thread: moves a cursor's window to @offset.
 *
 * Deadlines are relative to the time they are set, so as long as the
 * cursor moves at about the bit rate, those set earlier stay right and
 * only the pieces entering the window at its far end need new ones. A
 * move backwards, out of the window, or ahead of that pace retargets the
 * window at once. What the old window had right ahead of the cursor is
 * kept (a few pieces) until the cursor settles, since demuxers probe the
 * index at the end or the middle of a file and come back; a user's seek
 * settles at once and drops it. */
static void
update_cursor (TsStreamReader *self,
               guint           id,
               gint64          offset)
{
  g_autoptr(GArray) others = NULL;
  gint64 old_start, old_end, old_position, new_end, bitrate, expected, now, window, win_start;
  gint64 drop_start = -1, drop_end = -1, trim_start = -1, trim_end = -1;
  gboolean jump, back, cancel, settling, probing, far;
  Span own;
  Cursor *c;

  g_mutex_lock (&self->lock);
  c = g_hash_table_lookup (self->cursors, GUINT_TO_POINTER (id));
  if (c == NULL || self->n_confirmed == self->n_pieces)
    {
      g_mutex_unlock (&self->lock);
      return;
    }

  now = g_get_monotonic_time ();
  old_position = c->position;
  c->position = offset;
  c->update_queued = FALSE;
  old_start = c->win_start;
  old_end = c->win_end;
  bitrate = bitrate_locked (self);
  window = MIN (window_locked (self),
                MAX (MIN (URGENT_PIECES * self->piece_length, URGENT_MAX),
                     MIN_WINDOW_PIECES * self->piece_length));
  expected = c->base_position
             + (gint64) ((double) bitrate * (double) (now - c->base_time) / G_USEC_PER_SEC);
  /* Demuxers step back a little between tracks: that is no seek. Reading
   * on from more than a second of film ahead of the last read, past the
   * window, or ahead of the pace the deadlines assume, is. */
  jump = old_start < 0 || offset < old_start - 2 * self->piece_length
         /* A demuxer in pull mode reading its tracks in turn reads a little
          * past a window that is still small (one piece after a start):
          * that is no seek, and retargeting would cancel what is in flight
          * on every such step. */
         || offset > old_end + 2 * self->piece_length
         || offset > old_position + MAX (2 * self->piece_length, bitrate)
         || offset > expected + MAX (2 * self->piece_length, bitrate);
  /* What is in flight is the film right after the window (the torrent
   * downloads in file order while streaming): wanted still by a demuxer
   * that reads on ahead of the pace, past the window, as
   * demuxers do when playback starts and they fill their queues. Only a
   * seek leaves it behind; cancelling it on every such step left the
   * requests for the next pieces to libtorrent's once-a-second pass and
   * stalled playback for seconds right after it began. */
  far = old_start < 0 || offset < old_start - 2 * self->piece_length
        || offset > old_end + window;
  if (jump)
    {
      c->ramp = RAMP_START_PIECES * self->piece_length;
      c->far = far;
    }
  else if (piece_of (self, offset) > piece_of (self, old_position))
    c->ramp = MIN (c->ramp * 2, window);
  else if (piece_of (self, offset) < piece_of (self, old_position))
    c->interleaved = TRUE;
  /* Ends on a piece boundary: a first window of one piece is the piece
   * the player waits for, not two. */
  new_end = MIN (MAX (piece_start (self, offset) + MIN (window, c->ramp), offset + 1), self->size);
  /* Such a demuxer reads the other tracks' samples near the place it
   * jumped to next, often from the piece before. */
  win_start = offset;
  if (jump && c->interleaved && piece_start (self, offset) > 0
      && offset - piece_start (self, offset) < self->piece_length / 2)
    win_start = piece_start (self, piece_start (self, offset) - 1);
  /* Right after a jump, before it reads on, a demuxer in pull mode reads
   * the other tracks' samples a little before the place it jumped to:
   * that piece is as urgent as the first. */
  settling = !jump && old_start >= 0 && old_position < c->base_position + self->piece_length
             && piece_of (self, offset) < piece_of (self, c->base_position);
  /* The only reader of the torrent may start over: see below. Not while a
   * demuxer starts, going between the head and the tail asked for when the
   * reader was made (looking for the index): what is in flight then is
   * what it needs, in the order it needs it. */
  probing = (old_start < 0 || old_position < self->head_end || old_position >= self->tail_start)
            && ((new_end <= self->head_end && win_start < self->head_end)
                || win_start >= self->tail_start);
  cancel = ((jump && far) || (settling && c->far)) && !probing && self->streaming
           && streaming_readers (self->torrent) == 1;

  /* Moving on at the pace, with the far end still in the same piece:
   * nothing new to ask for. This keeps small reads from calling into
   * libtorrent. */
  if (!jump && c->prev_start < 0 && piece_of (self, offset) >= piece_of (self, old_start)
      && piece_of (self, MAX (new_end - 1, 0)) == piece_of (self, MAX (old_end - 1, 0)))
    {
      g_mutex_unlock (&self->lock);
      return;
    }

  if (jump)
    {
      back = c->prev_start >= 0 && offset >= c->prev_start && offset < c->prev_end;

      /* An older kept head goes, unless we are back in it. */
      if (c->prev_start >= 0 && !back)
        {
          drop_start = c->prev_start;
          drop_end = c->prev_end;
        }

      /* The old window shrinks to the pieces right ahead of where it was.
       * Not when starting over: every piece with a deadline shares the
       * peers' bandwidth with the one the player now waits for (a seek
       * waited for five pieces instead of one), and a demuxer looking at
       * the head or the tail does not start over (see above). */
      c->prev_start = c->prev_end = -1;
      if (old_start >= 0 && !cancel)
        {
          gint64 keep_start = MAX (piece_start (self, MAX (old_position, old_start)), old_start);
          gint64 keep_end = MIN (keep_start + KEEP_PIECES * self->piece_length, old_end);

          trim_start = keep_end;
          trim_end = old_end;
          c->prev_start = keep_start;
          c->prev_end = keep_end;
          c->prev_position = MAX (old_position, old_start);
        }

      c->base_position = offset;
      c->base_time = now;
    }
  else if (c->prev_start >= 0)
    {
      /* Reading on from the new place: the cursor settled. */
      drop_start = c->prev_start;
      drop_end = c->prev_end;
      c->prev_start = c->prev_end = -1;
    }

  c->win_start = win_start;
  c->win_end = new_end;
  if (cancel)
    shrink_other_windows_locked (self, id);
  others = other_windows_locked (self, id);
  /* Clearing must not take what this cursor still wants either. */
  own = (Span) { win_start, new_end, offset };
  g_array_append_val (others, own);
  if (c->prev_start >= 0)
    {
      Span prev = { c->prev_start, c->prev_end, c->prev_position };

      g_array_append_val (others, prev);
    }
  g_mutex_unlock (&self->lock);

  g_debug ("cursor %u at %" G_GINT64_FORMAT ": %s, window up to %" G_GINT64_FORMAT,
           id, offset, jump ? "retargeted" : "sliding", new_end);

  if (cancel)
    {
      /* libtorrent cancels the requests in flight that have no deadline
       * when the first deadline goes into an empty set: after a jump the
       * read-ahead queued with the peers for the old place would arrive
       * before the piece the player now waits for. Then every span gets
       * its deadlines again. */
      g_debug ("cursor %u: the requests in flight without deadlines go", id);
      ts_torrent_clear_all_deadlines (self->torrent);
      for (guint i = 0; i < others->len; i++)
        {
          Span *o = &g_array_index (others, Span, i);

          set_window_deadlines (self, o->start, o->end, o->position, bitrate, others, 0);
        }
    }
  else if (jump)
    {
      clear_deadlines (self, drop_start, drop_end, others, bitrate);
      clear_deadlines (self, trim_start, trim_end, others, bitrate);
      set_window_deadlines (self, win_start, new_end, offset, bitrate, others, 0);
    }
  else
    {
      clear_deadlines (self, drop_start, drop_end, others, bitrate);
      /* Pieces skipped behind us lose their deadlines, the new ones at the
       * far end get theirs, and so do those of a step back (demuxers read
       * an audio sample a little before the video they just read). */
      clear_deadlines (self, old_start, piece_start (self, offset), others, bitrate);
      if (offset < old_start)
        set_window_deadlines (self, offset, MIN (old_start, new_end), offset, bitrate, others, 0);
      set_window_deadlines (self, MAX (old_end, offset), new_end, offset, bitrate, others, 0);
    }
}

typedef struct {
  TsStreamReader *reader;
  guint           cursor;
  gint64          offset;
} CursorUpdate;

static gboolean
cursor_update_cb (gpointer user_data)
{
  CursorUpdate *u = user_data;

  update_cursor (u->reader, u->cursor, u->offset);
  return G_SOURCE_REMOVE;
}

static void
cursor_update_free (gpointer user_data)
{
  CursorUpdate *u = user_data;

  g_object_unref (u->reader);
  g_free (u);
}

/* Runs @func on the main context, always through the loop (never in the
 * calling thread: the engine is not thread-safe). */
static void
run_on_main (TsStreamReader *self,
             GSourceFunc     func,
             gpointer        data,
             GDestroyNotify  notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[ts-stream] reader");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Any thread: the cursor read at @offset; the window follows on the main
 * thread when the read moved to another piece. */
static void
note_position (TsStreamReader *self,
               guint           id,
               gint64          offset)
{
  CursorUpdate *u;
  Cursor *c;

  if (g_thread_self () == self->owner)
    {
      update_cursor (self, id, offset);
      return;
    }

  g_mutex_lock (&self->lock);
  c = g_hash_table_lookup (self->cursors, GUINT_TO_POINTER (id));
  if (c == NULL || c->update_queued
      || (c->win_start >= 0 && piece_of (self, c->position) == piece_of (self, offset)))
    {
      if (c != NULL && c->update_queued)
        c->position = offset;
      g_mutex_unlock (&self->lock);
      return;
    }
  c->update_queued = TRUE;
  c->position = offset;
  g_mutex_unlock (&self->lock);

  u = g_new0 (CursorUpdate, 1);
  u->reader = g_object_ref (self);
  u->cursor = id;
  u->offset = offset;
  run_on_main (self, cursor_update_cb, u, cursor_update_free);
}

guint
ts_stream_reader_open_cursor (TsStreamReader *self)
{
  Cursor *c;

  g_return_val_if_fail (TS_IS_STREAM_READER (self), 0);

  c = g_new0 (Cursor, 1);
  c->win_start = c->win_end = -1;
  c->prev_start = c->prev_end = -1;
  c->interleaved = self->interleaved;

  g_mutex_lock (&self->lock);
  c->id = ++self->next_cursor;
  g_hash_table_insert (self->cursors, GUINT_TO_POINTER (c->id), c);
  g_mutex_unlock (&self->lock);

  return c->id;
}

typedef struct {
  TsStreamReader *reader;
  gint64          start;
  gint64          end;
  gint64          prev_start;
  gint64          prev_end;
} WindowRelease;

static gboolean
window_release_cb (gpointer user_data)
{
  WindowRelease *r = user_data;
  g_autoptr(GArray) others = NULL;
  gint64 bitrate;

  g_mutex_lock (&r->reader->lock);
  others = other_windows_locked (r->reader, 0);
  bitrate = bitrate_locked (r->reader);
  g_mutex_unlock (&r->reader->lock);

  clear_deadlines (r->reader, r->start, r->end, others, bitrate);
  clear_deadlines (r->reader, r->prev_start, r->prev_end, others, bitrate);
  return G_SOURCE_REMOVE;
}

static void
window_release_free (gpointer user_data)
{
  WindowRelease *r = user_data;

  g_object_unref (r->reader);
  g_free (r);
}

void
ts_stream_reader_close_cursor (TsStreamReader *self,
                               guint           cursor)
{
  WindowRelease *r;
  Cursor *c;

  g_return_if_fail (TS_IS_STREAM_READER (self));

  g_mutex_lock (&self->lock);
  c = g_hash_table_lookup (self->cursors, GUINT_TO_POINTER (cursor));
  if (c == NULL)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  r = g_new0 (WindowRelease, 1);
  r->start = c->win_start;
  r->end = c->win_end;
  r->prev_start = c->prev_start;
  r->prev_end = c->prev_end;
  g_hash_table_remove (self->cursors, GUINT_TO_POINTER (cursor));
  g_mutex_unlock (&self->lock);

  if (r->start < 0)
    {
      g_free (r);
      return;
    }

  r->reader = g_object_ref (self);
  if (g_thread_self () == self->owner)
    {
      window_release_cb (r);
      window_release_free (r);
    }
  else
    run_on_main (self, window_release_cb, r, window_release_free);
}

/* Disk ---------------------------------------------------------------------- */

/* Reads exactly [offset, offset + count) of the file on disk, which the
 * engine confirmed. A short read is an error, never zeros. */
static GBytes *
read_disk (TsStreamReader *self,
           gint64          offset,
           gsize           count,
           GError        **error)
{
  g_autofree guint8 *buf = g_malloc (count);
  gsize done = 0;
  int fd;

  g_mutex_lock (&self->lock);
  if (self->fd < 0)
    self->fd = g_open (self->disk_path, O_RDONLY | O_CLOEXEC, 0);
  fd = self->fd;
  g_mutex_unlock (&self->lock);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not open “%s”: %s"), self->disk_path, g_strerror (saved));
      return NULL;
    }

  while (done < count)
    {
      ssize_t n = pread (fd, buf + done, count - done, offset + (gint64) done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not read “%s”: %s"), self->disk_path, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("“%s” is shorter on disk than the downloaded data"), self->disk_path);
          return NULL;
        }
      done += n;
    }

  return g_bytes_new_take (g_steal_pointer (&buf), count);
}

/* Reads --------------------------------------------------------------------- */

typedef struct {
  guint  cursor;
  gint64 offset;
  gsize  count;
} ReadData;

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TsStreamReader *self = source_object;
  ReadData *data = task_data;
  GError *error = NULL;
  GBytes *bytes;

  bytes = read_disk (self, data->offset, data->count, &error);
  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

/* Main thread: how much to wait for at @offset. What the engine already has
 * (to be confirmed on disk) in one go, else up to the end of the piece, so
 * data flows as soon as each piece lands. */
static gsize
wait_length (TsStreamReader *self,
             gint64          offset,
             gsize           count)
{
  gint64 have = ts_torrent_get_file_contiguous (self->torrent, self->index, offset);

  if (have > 0)
    return MIN ((gint64) count, have);
  return MIN ((gint64) count, piece_end (self, offset) - offset);
}

static void
read_wait_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TsStreamReader *self = g_task_get_source_object (task);
  ReadData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!ts_torrent_wait_range_finish (TS_TORRENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  mark_confirmed (self, data->offset, data->count);
  g_task_run_in_thread (task, read_thread);
}

/* Clamps a read to the file; FALSE when at the end (nothing to read). */
static gboolean
clamp_read (TsStreamReader *self,
            gint64          offset,
            gsize          *count)
{
  if (offset >= self->size || *count == 0)
    return FALSE;
  *count = MIN ((gint64) MIN (*count, MAX_READ), self->size - offset);
  return TRUE;
}

void
ts_stream_reader_read_async (TsStreamReader      *self,
                             guint                cursor,
                             gint64               offset,
                             gsize                count,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ReadData *data;
  gint64 ready;

  g_return_if_fail (TS_IS_STREAM_READER (self));
  g_return_if_fail (offset >= 0);
  g_return_if_fail (g_thread_self () == self->owner);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_stream_reader_read_async);

  if (!clamp_read (self, offset, &count))
    {
      g_task_return_pointer (task, g_bytes_new (NULL, 0), (GDestroyNotify) g_bytes_unref);
      return;
    }

  update_cursor (self, cursor, offset);

  data = g_new0 (ReadData, 1);
  data->cursor = cursor;
  data->offset = offset;
  g_task_set_task_data (task, data, g_free);

  g_mutex_lock (&self->lock);
  ready = confirmed_run_locked (self, offset, count);
  g_mutex_unlock (&self->lock);

  if (ready > 0)
    {
      data->count = ready;
      g_task_run_in_thread (task, read_thread);
      return;
    }

  data->count = wait_length (self, offset, count);
  ts_torrent_wait_range_async (self->torrent, self->index, offset, data->count,
                               cancellable, read_wait_cb, g_steal_pointer (&task));
}

GBytes *
ts_stream_reader_read_finish (TsStreamReader  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (TS_IS_STREAM_READER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A blocking read's wait, shared by the reading thread and the main thread;
 * either may be the last to let go. */
typedef struct {
  gint            ref_count;
  TsStreamReader *reader;
  guint           cursor;
  gint64          offset;
  gsize           count;
  GCancellable   *cancellable;
  gint64          started;
  GMutex          lock;
  GCond           cond;
  gboolean        done;
  GError         *error;
} SyncWait;

static SyncWait *
sync_wait_ref (SyncWait *w)
{
  g_atomic_int_inc (&w->ref_count);
  return w;
}

static void
sync_wait_unref (gpointer data)
{
  SyncWait *w = data;

  if (!g_atomic_int_dec_and_test (&w->ref_count))
    return;
  g_object_unref (w->reader);
  g_clear_object (&w->cancellable);
  g_clear_error (&w->error);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  g_free (w);
}

static void
sync_wait_finish (SyncWait *w,
                  GError   *error)
{
  g_mutex_lock (&w->lock);
  w->done = TRUE;
  w->error = error;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
}

static void
sync_wait_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyncWait *w = user_data;
  GError *error = NULL;

  if (ts_torrent_wait_range_finish (TS_TORRENT (source), result, &error))
    {
      g_debug ("%" G_GSIZE_FORMAT " bytes at %" G_GINT64_FORMAT " came after %" G_GINT64_FORMAT
               " ms", w->count, w->offset, (g_get_monotonic_time () - w->started) / 1000);
      mark_confirmed (w->reader, w->offset, w->count);
    }
  sync_wait_finish (w, error);
  sync_wait_unref (w);
}

static gboolean
sync_wait_start (gpointer user_data)
{
  SyncWait *w = user_data;

  update_cursor (w->reader, w->cursor, w->offset);
  w->count = wait_length (w->reader, w->offset, w->count);
  w->started = g_get_monotonic_time ();
  ts_torrent_wait_range_async (w->reader->torrent, w->reader->index, w->offset, w->count,
                               w->cancellable, sync_wait_cb, sync_wait_ref (w));
  return G_SOURCE_REMOVE;
}

static void
sync_wait_cancelled (GCancellable *cancellable,
                     SyncWait     *w)
{
  g_mutex_lock (&w->lock);
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
}

GBytes *
ts_stream_reader_read (TsStreamReader  *self,
                       guint            cursor,
                       gint64           offset,
                       gsize            count,
                       GCancellable    *cancellable,
                       GError         **error)
{
  return ts_stream_reader_read_full (self, cursor, offset, count, cancellable, NULL, NULL, error);
}

GBytes *
ts_stream_reader_read_full (TsStreamReader    *self,
                            guint              cursor,
                            gint64             offset,
                            gsize              count,
                            GCancellable      *cancellable,
                            TsStreamWaitFunc   wait_func,
                            gpointer           user_data,
                            GError           **error)
{
  SyncWait *w;
  gulong handler = 0;
  gint64 ready, told_at;
  gboolean told = FALSE;
  gsize length;

  g_return_val_if_fail (TS_IS_STREAM_READER (self), NULL);
  g_return_val_if_fail (offset >= 0, NULL);
  g_return_val_if_fail (g_thread_self () != self->owner, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (!clamp_read (self, offset, &count))
    return g_bytes_new (NULL, 0);

  g_mutex_lock (&self->lock);
  ready = confirmed_run_locked (self, offset, count);
  g_mutex_unlock (&self->lock);

  if (ready > 0)
    {
      note_position (self, cursor, offset);
      return read_disk (self, offset, ready, error);
    }

  w = g_new0 (SyncWait, 1);
  w->ref_count = 2;   /* ours and the main thread's */
  w->reader = g_object_ref (self);
  w->cursor = cursor;
  w->offset = offset;
  w->count = count;
  w->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);

  run_on_main (self, sync_wait_start, w, sync_wait_unref);

  handler = g_cancellable_connect (w->cancellable, G_CALLBACK (sync_wait_cancelled), w, NULL);
  told_at = g_get_monotonic_time () + WAITING_AFTER_US;
  g_mutex_lock (&w->lock);
  while (!w->done && !g_cancellable_is_cancelled (w->cancellable))
    {
      if (told || wait_func == NULL)
        g_cond_wait (&w->cond, &w->lock);
      else if (!g_cond_wait_until (&w->cond, &w->lock, told_at) && !w->done)
        {
          g_mutex_unlock (&w->lock);
          wait_func (TRUE, user_data);
          told = TRUE;
          g_mutex_lock (&w->lock);
        }
    }
  g_mutex_unlock (&w->lock);
  g_cancellable_disconnect (w->cancellable, handler);
  if (told)
    wait_func (FALSE, user_data);

  /* Cancelled: return now; the main thread ends its wait on its own. */
  if (!w->done || g_cancellable_is_cancelled (w->cancellable))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
      sync_wait_unref (w);
      return NULL;
    }
  if (w->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&w->error));
      sync_wait_unref (w);
      return NULL;
    }

  length = w->count;
  sync_wait_unref (w);
  return read_disk (self, offset, length, error);
}

/* Object -------------------------------------------------------------------- */

static void
readahead_changed_cb (GSettings      *settings,
                      const char     *key,
                      TsStreamReader *self)
{
  int readahead = g_settings_get_int (settings, "streaming-readahead");

  g_mutex_lock (&self->lock);
  self->readahead = MAX (readahead, 1);
  g_mutex_unlock (&self->lock);
}

void
ts_stream_reader_set_duration (TsStreamReader *self,
                               gint64          duration)
{
  g_return_if_fail (TS_IS_STREAM_READER (self));

  g_mutex_lock (&self->lock);
  self->duration = MAX (duration, 0);
  g_mutex_unlock (&self->lock);
}

TsTorrent *
ts_stream_reader_get_torrent (TsStreamReader *self)
{
  g_return_val_if_fail (TS_IS_STREAM_READER (self), NULL);
  return self->torrent;
}

guint
ts_stream_reader_get_file_index (TsStreamReader *self)
{
  g_return_val_if_fail (TS_IS_STREAM_READER (self), 0);
  return self->index;
}

gboolean
ts_stream_reader_is_complete (TsStreamReader *self)
{
  gboolean complete;

  g_return_val_if_fail (TS_IS_STREAM_READER (self), FALSE);

  g_mutex_lock (&self->lock);
  complete = self->n_confirmed == self->n_pieces;
  g_mutex_unlock (&self->lock);
  return complete;
}

gint64
ts_stream_reader_get_size (TsStreamReader *self)
{
  g_return_val_if_fail (TS_IS_STREAM_READER (self), 0);
  return self->size;
}

/* libtorrent offers no file offset in the torrent, but maps bytes to
 * pieces: find where the file's first piece boundary falls. */
static void
learn_geometry (TsStreamReader *self)
{
  guint p0 = 0, p;
  gint64 lo, hi;

  self->piece_length = MAX (ts_torrent_get_piece_length (self->torrent), 1);
  ts_torrent_map_file_range (self->torrent, self->index, 0, 1, &p0, NULL);
  self->first_piece = p0;
  self->lead = 0;

  if (self->size > 1 && ts_torrent_map_file_range (self->torrent, self->index,
                                                   self->size - 1, 1, &p, NULL) && p > p0)
    {
      /* The smallest k whose piece is p0 + 1. */
      lo = 1;
      hi = MIN (self->piece_length, self->size - 1);
      while (lo < hi)
        {
          gint64 mid = lo + (hi - lo) / 2;

          ts_torrent_map_file_range (self->torrent, self->index, mid, 1, &p, NULL);
          if (p > p0)
            hi = mid;
          else
            lo = mid + 1;
        }
      self->lead = self->piece_length - lo;
    }

  self->n_pieces = self->size > 0 ? piece_of (self, self->size - 1) + 1 : 1;
  self->confirmed = g_new0 (guint8, self->n_pieces);
}

static void
whole_file_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TsStreamReader) self = user_data;

  if (ts_torrent_wait_range_finish (TS_TORRENT (source), result, NULL))
    mark_confirmed (self, 0, self->size);
}

typedef struct {
  TsTorrent *torrent;
  guint      index;
  GArray    *spans;
  gboolean   streaming;
} DeadlineCleanup;

static gboolean
deadline_cleanup_cb (gpointer user_data)
{
  DeadlineCleanup *d = user_data;

  if (!ts_torrent_is_removed (d->torrent))
    for (guint i = 0; i < d->spans->len; i++)
      {
        Span *span = &g_array_index (d->spans, Span, i);

        ts_torrent_clear_range_deadlines (d->torrent, d->index, span->start,
                                          span->end - span->start);
      }
  if (d->streaming)
    add_streaming_reader (d->torrent, -1);
  return G_SOURCE_REMOVE;
}

static void
deadline_cleanup_free (gpointer user_data)
{
  DeadlineCleanup *d = user_data;

  g_object_unref (d->torrent);
  g_array_unref (d->spans);
  g_free (d);
}

static void
ts_stream_reader_dispose (GObject *object)
{
  TsStreamReader *self = TS_STREAM_READER (object);

  /* Deadlines of cursors never closed, and the count of streaming readers,
   * on the main thread whichever thread let go last. (The head and tail
   * asked for at the start stay, an MP4's index with them: every reader of
   * the file starts with them, and another may have started by now.) */
  if (self->torrent != NULL
      && (self->streaming || (self->size > 0 && self->n_confirmed < self->n_pieces)))
    {
      DeadlineCleanup *d = g_new0 (DeadlineCleanup, 1);

      d->torrent = g_object_ref (self->torrent);
      d->index = self->index;
      d->streaming = self->streaming;
      self->streaming = FALSE;
      self->head_end = 0;              /* not windows */
      self->tail_start = self->size;
      d->spans = self->n_confirmed < self->n_pieces ? other_windows_locked (self, 0)
                                                    : g_array_new (FALSE, FALSE, sizeof (Span));

      if (d->spans->len == 0 && !d->streaming)
        deadline_cleanup_free (d);
      else if (g_thread_self () == self->owner)
        {
          deadline_cleanup_cb (d);
          deadline_cleanup_free (d);
        }
      else
        {
          GSource *source = g_idle_source_new ();

          g_source_set_callback (source, deadline_cleanup_cb, d, deadline_cleanup_free);
          g_source_attach (source, self->context);
          g_source_unref (source);
        }
    }
  g_hash_table_remove_all (self->cursors);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->peek_cancellable);
  g_clear_object (&self->peek_cancellable);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->file);
  g_clear_object (&self->torrent);

  G_OBJECT_CLASS (ts_stream_reader_parent_class)->dispose (object);
}

static void
ts_stream_reader_finalize (GObject *object)
{
  TsStreamReader *self = TS_STREAM_READER (object);

  if (self->fd >= 0)
    close (self->fd);
  g_hash_table_unref (self->cursors);
  g_free (self->confirmed);
  g_free (self->disk_path);
  g_mutex_clear (&self->lock);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (ts_stream_reader_parent_class)->finalize (object);
}

static void
ts_stream_reader_class_init (TsStreamReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ts_stream_reader_dispose;
  object_class->finalize = ts_stream_reader_finalize;

  reader_quark = g_quark_from_static_string ("ts-stream-reader");
  count_quark = g_quark_from_static_string ("ts-stream-reader-count");
}

/* The ends a demuxer reads first -------------------------------------------- */

static GWeakRef *
new_weak_ref (gpointer object)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, object);
  return ref;
}

static void
free_weak_ref (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}


/* Main thread: the tail, one piece, where MP4 keeps its index when it was
 * not moved to the front and Matroska its cues; due after the head. */
static void
ask_for_tail (TsStreamReader *self)
{
  g_autoptr(GArray) others = NULL;
  gint64 tail_start, bitrate;

  tail_start = piece_start (self, self->size - 1);
  if (tail_start < self->head_end)
    return;

  g_mutex_lock (&self->lock);
  if (!self->streaming || self->tail_start <= tail_start)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->tail_start = tail_start;
  bitrate = bitrate_locked (self);
  others = other_windows_locked (self, 0);
  g_mutex_unlock (&self->lock);

  set_window_deadlines (self, tail_start, self->size,
                        tail_start - bitrate * TAIL_DEADLINE_MS / 1000, bitrate, others, 0);
}

/* Main thread: asks for an MP4's whole index at [@offset, @offset +
 * @length): with the head when it starts there (moved to the front), as the
 * tail when it ends the file. An index at the front makes a tail asked for
 * before needless: that goes back to the file's order, behind the film. */
static void
prefetch_index (TsStreamReader *self,
                gint64          offset,
                gint64          length)
{
  g_autoptr(GArray) others = NULL;
  gint64 old_head, old_tail, index_start, index_end, bitrate;

  if (length <= 0 || length > MIN (MAX_INDEX, self->size / 2) || offset + length > self->size)
    return;
  index_start = piece_start (self, offset);
  index_end = piece_end (self, offset + length - 1);

  g_mutex_lock (&self->lock);
  old_head = self->head_end;
  old_tail = self->tail_start;
  if (!self->streaming || self->n_confirmed == self->n_pieces
      || (index_start > old_head && index_end < self->size))
    {
      /* In the middle of the file, an index is for the demuxer to find. */
      g_mutex_unlock (&self->lock);
      return;
    }
  if (index_start <= old_head)
    {
      self->head_end = MAX (old_head, index_end);
      if (self->head_end < old_tail)
        self->tail_start = self->size;
    }
  else
    self->tail_start = MIN (old_tail, index_start);
  bitrate = bitrate_locked (self);
  others = other_windows_locked (self, 0);
  g_mutex_unlock (&self->lock);

  g_debug ("the index is at %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " bytes", offset, length);
  if (index_start <= old_head)
    {
      set_window_deadlines (self, old_head, self->head_end, 0, bitrate, others, 0);
      if (self->tail_start != old_tail)
        clear_deadlines (self, old_tail, self->size, others, bitrate);
    }
  else
    {
      set_window_deadlines (self, self->tail_start, old_tail,
                            self->tail_start - bitrate * TAIL_DEADLINE_MS / 1000,
                            bitrate, others, 0);
    }
}

/* Main thread: what the first bytes of an MP4 say (verified or not yet):
 * the index, or else the tail as for any file. */
static void
look_at_head (TsStreamReader *self,
              GBytes         *head)
{
  gint64 offset, length;

  if (ts_mp4_find_index (g_bytes_get_data (head, NULL), g_bytes_get_size (head), self->size,
                         &offset, &length))
    prefetch_index (self, offset, length);
  else
    ask_for_tail (self);
}

/* A worker thread: up to @length bytes from the start of the file at
 * @path; NULL (with errno) when it cannot be opened or read. */
static GBytes *
read_file_head (const char *path,
                gsize       length)
{
  g_autofree guint8 *data = g_malloc (length);
  gsize done = 0;
  int fd, saved;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return NULL;
  while (done < length)
    {
      gssize n = pread (fd, data + done, length - done, (off_t) done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved = errno;
          close (fd);
          errno = saved;
          return NULL;
        }
      if (n == 0)
        break;
      done += (gsize) n;
    }
  close (fd);
  return g_bytes_new_take (g_steal_pointer (&data), done);
}

/* A worker thread: the first bytes of the file at @task_data (a path) as
 * soon as they are on disk, not yet verified: libtorrent writes each block
 * as it comes, and the first block of an MP4 tells where its index is, a
 * whole piece before the piece is verified. With the index at the front
 * the tail is not asked for at all; at the end, it is asked for right
 * after the head. Only where to ask comes of these bytes, never data. */
static void
peek_head_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  const char *path = task_data;
  gint64 give_up = g_get_monotonic_time () + PEEK_FOR_US;

  while (!g_cancellable_is_cancelled (cancellable) && g_get_monotonic_time () < give_up)
    {
      g_autoptr(GBytes) head = read_file_head (path, PEEK_BYTES);
      gsize n = 0;
      const guint8 *bytes = head != NULL ? g_bytes_get_data (head, &n) : NULL;

      if (n >= 8 && memcmp (bytes + 4, "ftyp", 4) == 0)
        {
          g_task_return_pointer (task, g_steal_pointer (&head), (GDestroyNotify) g_bytes_unref);
          return;
        }
      g_usleep (PEEK_EVERY_US);
    }

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "No MP4 head yet");
}

static void
peeked_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(TsStreamReader) self = g_weak_ref_get (ref);
  g_autoptr(GBytes) head = g_task_propagate_pointer (G_TASK (result), NULL);

  free_weak_ref (ref);
  /* The verified head may have been looked at first. */
  if (self != NULL && head != NULL && !self->head_seen)
    look_at_head (self, head);
}

/* A worker thread: the first bytes of the file, verified. */
static void
read_head_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TsStreamReader *self = source_object;
  GBytes *head = read_file_head (self->disk_path, GPOINTER_TO_SIZE (task_data));

  if (head == NULL)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "%s", g_strerror (saved));
      return;
    }
  g_task_return_pointer (task, head, (GDestroyNotify) g_bytes_unref);
}

static void
head_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TsStreamReader *self = TS_STREAM_READER (source);
  g_autoptr(GBytes) head = NULL;
  g_autoptr(GError) error = NULL;

  head = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->head_seen = TRUE;
  if (head != NULL)
    look_at_head (self, head);
  else
    {
      g_debug ("the head of the file could not be read: %s", error->message);
      ask_for_tail (self);
    }
}

/* Main thread: the head is verified; where is the index? */
static void
head_ready_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(TsStreamReader) self = g_weak_ref_get (ref);
  g_autoptr(GTask) task = NULL;
  gboolean ready;

  ready = ts_torrent_wait_range_finish (TS_TORRENT (source), result, NULL);
  free_weak_ref (ref);
  if (!ready || self == NULL || self->disk_path == NULL)
    return;

  g_cancellable_cancel (self->peek_cancellable);
  task = g_task_new (self, self->cancellable, head_read_cb, NULL);
  g_task_set_source_tag (task, head_ready_cb);
  g_task_set_task_data (task, GSIZE_TO_POINTER ((gsize) MIN (self->head_end, HEAD_READ)), NULL);
  g_task_run_in_thread (task, read_head_thread);
}

/* Main thread: an MP4's head is looked at twice: its first bytes as soon as
 * they are on disk (peek_head_thread), then verified. */
static void
look_for_index (TsStreamReader *self)
{
  g_autoptr(GTask) peek = NULL;
  GWeakRef *ref;

  self->cancellable = g_cancellable_new ();
  ref = new_weak_ref (self);
  ts_torrent_wait_range_async (self->torrent, self->index, 0, self->head_end, self->cancellable,
                               head_ready_cb, ref);

  if (self->disk_path == NULL)
    return;
  self->peek_cancellable = g_cancellable_new ();
  ref = new_weak_ref (self);
  /* Not the reader's task: a reader let go of does not wait for it. */
  peek = g_task_new (NULL, self->peek_cancellable, peeked_cb, ref);
  g_task_set_source_tag (peek, look_for_index);
  g_task_set_task_data (peek, g_strdup (self->disk_path), g_free);
  g_task_run_in_thread (peek, peek_head_thread);
}

static void
ts_stream_reader_init (TsStreamReader *self)
{
  g_mutex_init (&self->lock);
  self->cursors = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->fd = -1;
  self->readahead = DEFAULT_READAHEAD;
  self->context = g_main_context_ref_thread_default ();
  self->owner = g_thread_self ();
}

TsStreamReader *
ts_stream_reader_new (TsTorrentFile *file)
{
  TsStreamReader *self;
  TsSession *session;

  g_return_val_if_fail (TS_IS_TORRENT_FILE (file), NULL);
  g_return_val_if_fail (ts_torrent_file_get_torrent (file) != NULL, NULL);

  self = g_object_new (TS_TYPE_STREAM_READER, NULL);
  self->file = g_object_ref (file);
  self->torrent = g_object_ref (ts_torrent_file_get_torrent (file));
  self->index = ts_torrent_file_get_index (file);
  self->size = ts_torrent_file_get_size (file);
  self->disk_path = ts_torrent_file_dup_disk_path (file);
  learn_geometry (self);
  /* qtdemux in pull mode reads each track from its own sample table: after
   * a seek, the audio just before the video keyframe, often in the piece
   * before. Known from the name, the first seek asks for both at once
   * instead of learning it from the reads after the first start. */
  self->interleaved = ts_media_type_is_mp4 (ts_media_type_from_name (
                        ts_torrent_file_get_name (file)));

  session = ts_torrent_get_session (self->torrent);
  if (session != NULL && ts_session_get_settings (session) != NULL)
    {
      self->settings = g_object_ref (ts_session_get_settings (session));
      g_signal_connect (self->settings, "changed::streaming-readahead",
                        G_CALLBACK (readahead_changed_cb), self);
      readahead_changed_cb (self->settings, NULL, self);
    }

  self->tail_start = self->size;
  if (self->size == 0)
    return self;

  /* A skipped file never downloads: streaming it means wanting it. */
  if (ts_torrent_file_get_priority (file) == TS_FILE_PRIORITY_SKIP)
    ts_torrent_file_set_priority (file, TS_FILE_PRIORITY_NORMAL);

  /* The piece map is newer than the file's bytes-done (status updates). */
  if (ts_torrent_get_file_contiguous (self->torrent, self->index, 0) >= self->size
      || ts_torrent_file_get_bytes_done (file) >= self->size)
    {
      /* Complete already: confirm it once, then every read goes to disk. */
      ts_torrent_wait_range_async (self->torrent, self->index, 0, self->size, NULL,
                                   whole_file_cb, g_object_ref (self));
      return self;
    }

  /* From now on the pieces without deadlines come in file order. */
  self->streaming = TRUE;
  add_streaming_reader (self->torrent, 1);

  /* Demuxers look at both ends first: the head, and the tail where MP4 keeps
   * its index when it was not moved to the front, and Matroska its cues.
   * One piece of each, the head first: everything asked for now competes
   * for the first seconds, and the demuxer asks for more itself. An MP4
   * says which end it needs. */
  self->head_end = piece_end (self, 0);
  self->tail_start = self->size;
  ts_torrent_set_range_deadlines (self->torrent, self->index, 0, self->head_end, 0, 1);
  if (self->interleaved)
    look_for_index (self);
  else
    ask_for_tail (self);

  return self;
}

TsStreamReader *
ts_stream_reader_get_for_file (TsTorrentFile *file)
{
  TsStreamReader *reader;
  GWeakRef *ref;

  g_return_val_if_fail (TS_IS_TORRENT_FILE (file), NULL);

  g_type_ensure (TS_TYPE_STREAM_READER);
  ref = g_object_get_qdata (G_OBJECT (file), reader_quark);
  if (ref != NULL && (reader = g_weak_ref_get (ref)) != NULL)
    return reader;

  reader = ts_stream_reader_new (file);
  ref = new_weak_ref (reader);
  g_object_set_qdata_full (G_OBJECT (file), reader_quark, ref, free_weak_ref);
  return reader;
}
