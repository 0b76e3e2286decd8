/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TsStreamReader against a real, rate-limited python3-libtorrent seeder. */
#include <string.h>

#include "stream-test-util.h"
#include "ts-stream-reader.h"

#define KIB 1024
#define MIB (1024 * 1024)

typedef struct {
  GAsyncResult *result;
} Pending;

static GBytes *
read_wait (TsStreamReader *reader,
           guint           cursor,
           gint64          offset,
           gsize           count,
           GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ts_stream_reader_read_async (reader, cursor, offset, count, NULL, ts_test_async_result_cb,
                               &result);
  result = ts_test_wait_result (&result, STREAM_TEST_TIMEOUT_S);
  return ts_stream_reader_read_finish (reader, result, error);
}

/* Reads [offset, end) with the async API in chunks and compares with the
 * source. Returns how many reads it took. */
static guint
read_and_compare (TsStreamReader *reader,
                  guint           cursor,
                  GBytes         *source,
                  gint64          offset,
                  gint64          end)
{
  const guint8 *expected = g_bytes_get_data (source, NULL);
  guint reads = 0;

  while (offset < end)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = read_wait (reader, cursor, offset, 256 * KIB, &error);
      gsize n;

      g_assert_no_error (error);
      n = g_bytes_get_size (bytes);
      g_assert_cmpuint (n, >, 0);
      g_assert_cmpuint (n, <=, 256 * KIB);
      if (memcmp (g_bytes_get_data (bytes, NULL), expected + offset, n) != 0)
        g_error ("bytes %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT " differ from the source",
                 offset, offset + (gint64) n);
      offset += n;
      reads++;
    }

  return reads;
}

/* Reading a file (one that starts inside a piece) while it downloads from a
 * slow seeder: a read in the middle gets its data long before the rest of
 * the file is there, bytes are the seeder's, never zeros. */
static void
test_read_while_downloading (void)
{
  /* 8 MiB at 384 KiB/s: about 21 s for all of it. */
  TsTestSwarmOptions options = { .layout = "multi", .size = 8 * MIB, .seed = "reader",
                                 .rate = 384 * KIB };
  StreamTest *st = stream_test_new (&options);
  TsTorrentFile *file = stream_test_file (st, "trailer.mkv");
  g_autoptr(GBytes) source = stream_test_source_bytes (st, file);
  TsStreamReader *reader;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) eof = NULL;
  gint64 size = ts_torrent_file_get_size (file);
  gint64 middle = size / 2 + 777;
  double progress;
  guint cursor;

  reader = ts_stream_reader_get_for_file (file);
  g_assert_true (ts_stream_reader_get_for_file (file) == reader);
  g_object_unref (reader);
  g_assert_cmpint (ts_stream_reader_get_size (reader), ==, size);
  g_assert_cmpint (g_bytes_get_size (source), ==, size);

  cursor = ts_stream_reader_open_cursor (reader);

  /* Jump into the middle: those pieces come first. */
  read_and_compare (reader, cursor, source, middle, middle + 512 * KIB);
  progress = ts_torrent_get_progress (st->torrent);
  g_test_message ("middle read with the torrent at %.0f %%", progress * 100);
  g_assert_cmpfloat (progress, <, 0.6);

  /* The head, where a demuxer starts. */
  read_and_compare (reader, cursor, source, 0, 256 * KIB);

  /* The end of the file reads as empty. */
  eof = read_wait (reader, cursor, size, 4096, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (eof), ==, 0);

  /* Everything, in order. */
  read_and_compare (reader, cursor, source, 0, size);

  ts_stream_reader_close_cursor (reader, cursor);
  stream_test_assert_finalized (reader);
  stream_test_free (st);
}

/* The window follows the bit rate and the read-ahead setting. */
static void
test_window (void)
{
  TsTestSwarmOptions options = { .layout = "single", .size = 16 * MIB, .seed = "window" };
  StreamTest *st = stream_test_new (&options);
  TsTorrentFile *file = stream_test_file (st, "film.mp4");
  TsStreamReader *reader = ts_stream_reader_new (file);

  /* 4 Mbit/s × 30 s = 15 MB. */
  g_assert_cmpint (ts_stream_reader_get_bitrate (reader), ==, 500000);
  g_assert_cmpint (ts_stream_reader_get_window (reader), ==, 15000000);

  /* 16 MiB over 100 s: 167772 B/s × 30 s. */
  ts_stream_reader_set_duration (reader, 100 * G_GINT64_CONSTANT (1000000000));
  g_assert_cmpint (ts_stream_reader_get_bitrate (reader), ==, 167772);
  g_assert_cmpint (ts_stream_reader_get_window (reader), ==, 167772 * 30);

  g_settings_set_int (st->settings, "streaming-readahead", 5);
  /* 838860 B is below the 2 MiB floor. */
  g_assert_cmpint (ts_stream_reader_get_window (reader), ==, 2 * MIB);

  /* Never more than the file. */
  g_settings_set_int (st->settings, "streaming-readahead", 300);
  ts_stream_reader_set_duration (reader, 2 * G_GINT64_CONSTANT (1000000000));
  g_assert_cmpint (ts_stream_reader_get_window (reader), ==, 16 * MIB);

  stream_test_assert_finalized (reader);
  stream_test_free (st);
}

typedef struct {
  TsStreamReader *reader;
  guint           cursor;
  gint64          offset;
  gsize           count;
  GCancellable   *cancellable;
  GBytes         *bytes;
  GError         *error;
  gint64          done_at;
} ThreadRead;

static gpointer
thread_read (gpointer data)
{
  ThreadRead *t = data;

  t->bytes = ts_stream_reader_read (t->reader, t->cursor, t->offset, t->count,
                                    t->cancellable, &t->error);
  t->done_at = g_get_monotonic_time ();
  return NULL;
}

static gboolean
thread_done (gpointer data)
{
  return ((ThreadRead *) data)->done_at != 0;
}

static gboolean
reader_complete (gpointer data)
{
  return ts_stream_reader_is_complete (data);
}

/* The blocking read (GStreamer's streaming thread): waits for data with the
 * main loop running, and a cancel ends it at once even while the main
 * thread is busy elsewhere (as in a state change to NULL). */
static void
test_blocking_read (void)
{
  /* 2 KiB/s: a 64 KiB piece needs half a minute. */
  TsTestSwarmOptions options = { .layout = "single", .size = 4 * MIB, .seed = "block",
                                 .rate = 2 * KIB };
  StreamTest *st = stream_test_new (&options);
  TsTorrentFile *file = stream_test_file (st, "film.mp4");
  g_autoptr(GBytes) source = stream_test_source_bytes (st, file);
  TsStreamReader *reader = ts_stream_reader_new (file);
  ThreadRead t = { reader, 0, 3 * MIB + 5, 100 * KIB, g_cancellable_new () };
  GThread *thread;
  gint64 cancelled_at;

  t.cursor = ts_stream_reader_open_cursor (reader);
  thread = g_thread_new ("reader", thread_read, &t);
  ts_test_iterate_for (2000);
  g_assert_cmpint (t.done_at, ==, 0);

  /* Cancel, and do not run the main loop. */
  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (t.cancellable);
  g_thread_join (thread);
  g_assert_cmpint (t.done_at - cancelled_at, <, G_USEC_PER_SEC / 2);
  g_assert_null (t.bytes);
  g_assert_error (t.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&t.error);
  g_clear_object (&t.cancellable);

  /* Now with data flowing: the read returns the bytes of the piece. */
  ts_test_swarm_set_rate (st->swarm, 0);
  t.done_at = 0;
  thread = g_thread_new ("reader", thread_read, &t);
  ts_test_wait_for (thread_done, &t, STREAM_TEST_TIMEOUT_S, "the blocking read never returned");
  g_thread_join (thread);
  g_assert_no_error (t.error);
  g_assert_cmpuint (g_bytes_get_size (t.bytes), >, 0);
  g_assert_cmpuint (g_bytes_get_size (t.bytes), <=, 100 * KIB);
  g_assert_true (memcmp (g_bytes_get_data (t.bytes, NULL),
                         (const guint8 *) g_bytes_get_data (source, NULL) + t.offset,
                         g_bytes_get_size (t.bytes)) == 0);
  g_clear_pointer (&t.bytes, g_bytes_unref);
  g_assert_false (ts_stream_reader_is_complete (reader));

  /* Once the file is complete a new reader reads from disk without the
   * main loop: the thread returns while the main thread only joins. */
  stream_test_wait_complete (st);
  ts_stream_reader_close_cursor (reader, t.cursor);
  stream_test_assert_finalized (reader);

  reader = ts_stream_reader_new (file);
  /* One confirmation of the whole file, then no more waits. */
  ts_test_wait_for (reader_complete, reader, 10, "the complete file was not confirmed");
  t.reader = reader;
  t.cursor = ts_stream_reader_open_cursor (reader);
  t.offset = 12345;
  t.count = 3 * MIB;
  t.done_at = 0;
  thread = g_thread_new ("reader", thread_read, &t);
  g_thread_join (thread);
  g_assert_no_error (t.error);
  g_assert_cmpuint (g_bytes_get_size (t.bytes), ==, 3 * MIB);
  g_assert_true (memcmp (g_bytes_get_data (t.bytes, NULL),
                         (const guint8 *) g_bytes_get_data (source, NULL) + t.offset,
                         3 * MIB) == 0);
  g_clear_pointer (&t.bytes, g_bytes_unref);

  ts_stream_reader_close_cursor (reader, t.cursor);
  stream_test_assert_finalized (reader);
  stream_test_free (st);
}

/* A torrent removed under a waiting read fails it with a message. */
static void
test_removed (void)
{
  TsTestSwarmOptions options = { .layout = "single", .size = 2 * MIB, .seed = "removed",
                                 .rate = 2 * KIB };
  StreamTest *st = stream_test_new (&options);
  TsTorrentFile *file = stream_test_file (st, "film.mp4");
  TsStreamReader *reader = ts_stream_reader_new (file);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint cursor = ts_stream_reader_open_cursor (reader);

  ts_stream_reader_read_async (reader, cursor, MIB, 64 * KIB, NULL, ts_test_async_result_cb,
                               &result);
  ts_test_iterate_for (1000);
  g_assert_null (result);

  ts_session_remove (st->session, st->torrent, TRUE);
  result = ts_test_wait_result (&result, 10);
  bytes = ts_stream_reader_read_finish (reader, result, &error);
  g_assert_null (bytes);
  g_assert_error (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_REMOVED);
  g_assert_cmpstr (error->message, !=, "");
  g_clear_object (&result);

  ts_stream_reader_close_cursor (reader, cursor);
  stream_test_assert_finalized (reader);
  stream_test_free (st);
}

/* Writes @path: an MP4's top-level boxes, 'ftyp', the index ('moov') of
 * @index_size bytes and the media data ('mdat'), with the index at the
 * front (moved there, "faststart") or at the end, as a muxer writes it
 * first. Random bytes inside the boxes; only their headers matter to the
 * reader. */
static void
write_mp4_boxes (const char *path,
                 gint64      size,
                 gint64      index_size,
                 gboolean    front)
{
  g_autofree guint8 *data = g_malloc (size);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261127);
  g_autoptr(GError) error = NULL;
  static const guint8 ftyp[24] = { 0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm',
                                   0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1' };
  gint64 ftyp_size = sizeof ftyp;
  gint64 mdat_size = size - ftyp_size - index_size;
  gint64 moov = front ? ftyp_size : size - index_size;
  gint64 mdat = front ? ftyp_size + index_size : ftyp_size;
  guint32 be;

  for (gint64 i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  memcpy (data, ftyp, sizeof ftyp);
  be = GUINT32_TO_BE ((guint32) mdat_size);
  memcpy (data + mdat, &be, 4);
  memcpy (data + mdat + 4, "mdat", 4);
  be = GUINT32_TO_BE ((guint32) index_size);
  memcpy (data + moov, &be, 4);
  memcpy (data + moov + 4, "moov", 4);
  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);
}

typedef struct {
  TsTorrent *torrent;
  gint64     offset;
  gint64     length;
} Range;

static gboolean
range_is_here (gpointer data)
{
  Range *range = data;

  return ts_torrent_get_file_contiguous (range->torrent, 0, range->offset) >= range->length;
}

static gboolean
progress_reached (gpointer data)
{
  StreamTest *st = data;

  return ts_torrent_get_progress (st->torrent) >= 0.25;
}

/* A reader of an MP4 asks for the end it needs. With the index at the end,
 * larger than the one piece of the tail asked for at the start of any other
 * file (as a long film's is), the whole index comes long before the rest of
 * the file, where in the file's order its first pieces would come last.
 * With the index at the front, the tail is not asked for: a quarter of the
 * file in, the last piece is still to come (asked for at the start, it
 * would have been among the first). */
static void
test_mp4_index (gconstpointer data)
{
  gboolean front = GPOINTER_TO_INT (data);
  g_autofree char *dir = ts_test_make_tmp_dir ("ts-stream-reader");
  g_autofree char *path = g_build_filename (dir, "film.mp4", NULL);
  gint64 size = 2 * MIB, index_size = 100 * KIB;
  TsStreamReader *reader;
  StreamTest *st;
  Range index;
  double progress;

  /* 16 KiB pieces at 64 KiB/s: 32 s for the whole file, the index is 7
   * pieces. */
  write_mp4_boxes (path, size, index_size, front);
  st = stream_test_new_for_content (dir, "film.mp4", 64 * KIB, 16 * KIB);
  reader = ts_stream_reader_get_for_file (stream_test_file (st, "film.mp4"));

  index = (Range) { st->torrent, front ? 24 : size - index_size, index_size };
  ts_test_wait_for (range_is_here, &index, STREAM_TEST_TIMEOUT_S, "the index never came");
  progress = ts_torrent_get_progress (st->torrent);
  g_test_message ("the index is here with the file at %.0f %%", progress * 100);
  g_assert_cmpfloat (progress, <, 0.5);

  if (front)
    {
      ts_test_wait_for (progress_reached, st, STREAM_TEST_TIMEOUT_S, "the download stalled");
      g_assert_false (ts_torrent_have_piece (st->torrent,
                                             ts_torrent_get_num_pieces (st->torrent) - 1));
    }

  stream_test_assert_finalized (reader);
  stream_test_free (st);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_setenv ("TS_LOOPBACK_ONLY", "1", TRUE);

  g_test_add_func ("/stream/reader/read-while-downloading", test_read_while_downloading);
  g_test_add_func ("/stream/reader/window", test_window);
  g_test_add_func ("/stream/reader/blocking-read", test_blocking_read);
  g_test_add_func ("/stream/reader/removed", test_removed);
  g_test_add_data_func ("/stream/reader/mp4-index-at-end", GINT_TO_POINTER (FALSE),
                        test_mp4_index);
  g_test_add_data_func ("/stream/reader/mp4-index-at-front", GINT_TO_POINTER (TRUE),
                        test_mp4_index);

  return g_test_run ();
}
