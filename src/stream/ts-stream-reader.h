/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ts-torrent-file.h"
#include "ts-torrent.h"

G_BEGIN_DECLS

#define TS_TYPE_STREAM_READER (ts_stream_reader_get_type ())
G_DECLARE_FINAL_TYPE (TsStreamReader, ts_stream_reader, TS, STREAM_READER, GObject)

/* Reads one file of a torrent while it downloads.
 *
 * Each consumer (an HTTP response, a GStreamer source) opens a cursor. The
 * pieces ahead of each cursor get deadlines — the nearest most urgent — over
 * a window of the streaming-readahead setting's seconds at the film's bit
 * rate (size ÷ duration once known, else 4 Mbit/s), within bounds; only its
 * first pieces (about ten) at once, since libtorrent shares its requests
 * among all pieces with deadlines, and the rest of it comes in file order. The
 * window slides as the cursor moves; a seek drops the stale deadlines and
 * retargets at once, starting from the one piece the player waits for and
 * doubling as it reads on (libtorrent fetches the pieces with deadlines in
 * random order). The first and the last piece are asked for when the
 * reader is made (MP4 moov at the end, Matroska cues). While a reader
 * streams, the rest of the torrent downloads in file order, and the only
 * reader of a torrent cancels the requests in flight when it jumps (not
 * while a demuxer starts, going between that head and tail).
 *
 * Reads return only verified bytes (never zero-filled holes): they wait,
 * cancellably, until the engine has the data on disk, then read the file
 * off the main thread. Once a piece was confirmed, reads of it go straight
 * to disk; so does everything once the whole file is there.
 *
 * Made on the engine's (main) thread, which must run its main loop; the
 * blocking read is for other threads, the rest is thread-safe unless
 * noted. The engine is only ever called on the main thread. */

/* Main thread. A reader shared by everyone streaming @file. */
TsStreamReader *ts_stream_reader_get_for_file  (TsTorrentFile  *file);
/* Main thread. A reader of its own. */
TsStreamReader *ts_stream_reader_new           (TsTorrentFile  *file);

TsTorrent      *ts_stream_reader_get_torrent   (TsStreamReader *self);
guint           ts_stream_reader_get_file_index(TsStreamReader *self);
gint64          ts_stream_reader_get_size      (TsStreamReader *self);
/* Every piece of the file was confirmed on disk: reads need no waits. */
gboolean        ts_stream_reader_is_complete   (TsStreamReader *self);

/* The film's duration (ns), for the bit rate estimate; <= 0 for unknown.
 * The player learns it: whoever plays a file passes TsPlayer:duration to
 * ts_stream_reader_get_for_file (file), the reader the sources share. */
void            ts_stream_reader_set_duration  (TsStreamReader *self,
                                                gint64          duration);
/* Bytes per second assumed when sizing the read-ahead window. */
gint64          ts_stream_reader_get_bitrate   (TsStreamReader *self);
/* The window of a cursor at a position, in bytes. */
gint64          ts_stream_reader_get_window    (TsStreamReader *self);

/* A read position. Closing it releases its deadlines. */
guint           ts_stream_reader_open_cursor   (TsStreamReader *self);
void            ts_stream_reader_close_cursor  (TsStreamReader *self,
                                                guint           cursor);

/* Main thread. Up to @count bytes from @offset: fewer when only part is
 * there yet, an empty GBytes at the end of the file. Errors: the engine's
 * (TS_ENGINE_ERROR_REMOVED ...), G_IO_ERROR_CANCELLED, or an I/O error. */
void            ts_stream_reader_read_async    (TsStreamReader      *self,
                                                guint                cursor,
                                                gint64               offset,
                                                gsize                count,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
GBytes         *ts_stream_reader_read_finish   (TsStreamReader      *self,
                                                GAsyncResult        *result,
                                                GError             **error);

/* Any thread but the main one: the same, blocking. Cancelling returns at
 * once, whatever the main thread is doing. */
GBytes         *ts_stream_reader_read          (TsStreamReader      *self,
                                                guint                cursor,
                                                gint64               offset,
                                                gsize                count,
                                                GCancellable        *cancellable,
                                                GError             **error);

/* Called by ts_stream_reader_read_full() on the reading thread: with TRUE
 * when a read has waited for data for a moment (250 ms), with FALSE when
 * that wait ended. For buffering messages. */
typedef void  (*TsStreamWaitFunc)              (gboolean             waiting,
                                                gpointer             user_data);

GBytes         *ts_stream_reader_read_full     (TsStreamReader      *self,
                                                guint                cursor,
                                                gint64               offset,
                                                gsize                count,
                                                GCancellable        *cancellable,
                                                TsStreamWaitFunc     wait_func,
                                                gpointer             user_data,
                                                GError             **error);

G_END_DECLS
