/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The GLib-only format readers of src/stream: where an MP4's index is, from
 * the first bytes (ts_mp4_find_index), and a file's type by its name. */
#include <string.h>

#include "ts-media-type.h"
#include "ts-mp4-index.h"

/* Appends a box header: 32-bit @size (0 and 1 as the format means them),
 * then @type, then for size 1 the 64-bit @large. */
static void
put_box (GByteArray *head,
         guint32     size,
         const char *type,
         guint64     large)
{
  guint32 be = GUINT32_TO_BE (size);

  g_byte_array_append (head, (const guint8 *) &be, 4);
  g_byte_array_append (head, (const guint8 *) type, 4);
  if (size == 1)
    {
      guint64 be64 = GUINT64_TO_BE (large);

      g_byte_array_append (head, (const guint8 *) &be64, 8);
    }
}

/* Pads @head with zeros to @length bytes. */
static void
pad (GByteArray *head,
     gsize       length)
{
  while (head->len < length)
    g_byte_array_append (head, (const guint8 *) "", 1);
}

static gboolean
find (GByteArray *head,
      gint64      file_size,
      gint64     *offset,
      gint64     *length)
{
  *offset = *length = -1;
  return ts_mp4_find_index (head->data, head->len, file_size, offset, length);
}

/* mp4mux faststart=true: ftyp, moov, then the media. */
static void
test_front (void)
{
  g_autoptr(GByteArray) head = g_byte_array_new ();
  gint64 offset, length;

  put_box (head, 32, "ftyp", 0);
  pad (head, 32);
  put_box (head, 36041, "moov", 0);
  pad (head, 36073);
  put_box (head, 853, "uuid", 0);
  pad (head, 36926);
  put_box (head, 31068413, "mdat", 0);
  pad (head, 65536);

  g_assert_true (find (head, 31105339, &offset, &length));
  g_assert_cmpint (offset, ==, 32);
  g_assert_cmpint (length, ==, 36041);

  /* Only the first box headers need to be there. */
  g_byte_array_set_size (head, 40);
  g_assert_true (find (head, 31105339, &offset, &length));
  g_assert_cmpint (offset, ==, 32);
  g_assert_cmpint (length, ==, 36041);
}

/* mp4mux as it writes by default: ftyp, free, the media, the index last
 * (the layout of ../shared/ttff-harness's moovend.mp4). */
static void
test_end (void)
{
  g_autoptr(GByteArray) head = g_byte_array_new ();
  gint64 offset, length;

  put_box (head, 32, "ftyp", 0);
  pad (head, 32);
  put_box (head, 8, "free", 0);
  put_box (head, 31068413, "mdat", 0);
  pad (head, 65536);

  g_assert_true (find (head, 31104494, &offset, &length));
  g_assert_cmpint (offset, ==, 31068453);
  g_assert_cmpint (length, ==, 31104494 - 31068453);
}

/* The media data with a 64-bit size, then the index. */
static void
test_large_size (void)
{
  g_autoptr(GByteArray) head = g_byte_array_new ();
  gint64 file_size = G_GINT64_CONSTANT (5) << 30;
  gint64 offset, length;

  put_box (head, 24, "ftyp", 0);
  pad (head, 24);
  put_box (head, 1, "mdat", (guint64) file_size - 24 - 4 * 1024 * 1024);
  pad (head, 4096);

  g_assert_true (find (head, file_size, &offset, &length));
  g_assert_cmpint (offset, ==, file_size - 4 * 1024 * 1024);
  g_assert_cmpint (length, ==, 4 * 1024 * 1024);
}

/* 'ftyp' and one more box, whose header is @size, @type (and @large), the
 * head @head_len bytes: none says where an index is. */
static void
assert_no_index (guint32     size,
                 const char *type,
                 guint64     large,
                 gsize       head_len,
                 gint64      file_size)
{
  g_autoptr(GByteArray) head = g_byte_array_new ();
  gint64 offset, length;

  put_box (head, 24, "ftyp", 0);
  pad (head, 24);
  put_box (head, size, type, large);
  pad (head, head_len);
  g_byte_array_set_size (head, head_len);
  g_assert_false (find (head, file_size, &offset, &length));
  g_assert_cmpint (offset, ==, -1);
  g_assert_cmpint (length, ==, -1);
}

/* What says nothing about an index: no answer, and nothing read past the
 * head or trusted past the file. */
static void
test_no_index (void)
{
  g_autoptr(GByteArray) head = g_byte_array_new ();
  gint64 offset, length;

  /* Not an MP4 (a Matroska file's EBML header). */
  g_byte_array_append (head, (const guint8 *) "\x1a\x45\xdf\xa3\x93\x42\x82\x88", 8);
  pad (head, 4096);
  g_assert_false (find (head, 1000000, &offset, &length));

  /* Too short to hold a box header, or nothing at all. */
  g_byte_array_set_size (head, 0);
  put_box (head, 24, "ftyp", 0);
  g_byte_array_set_size (head, 7);
  g_assert_false (find (head, 1000000, &offset, &length));
  g_byte_array_set_size (head, 0);
  g_assert_false (find (head, 1000000, &offset, &length));

  /* The media data runs to the end of the file (size 0): no index after it,
   * and none before. */
  assert_no_index (0, "mdat", 0, 4096, 1000000);
  /* A box smaller than its header. */
  assert_no_index (4, "free", 0, 4096, 1000000);
  /* A box past the end of the file. */
  assert_no_index (2000000, "mdat", 0, 4096, 1000000);
  /* A 64-bit size cut by the end of the head. */
  assert_no_index (1, "mdat", 500000, 36, 1000000);
  /* A box header cut by the end of the head. */
  assert_no_index (4000, "free", 0, 4030, 1000000);
  /* Every box there, none of them the index. */
  assert_no_index (1000, "mdat", 0, 1024, 1024);
}

static void
test_media_type (void)
{
  g_assert_cmpstr (ts_media_type_from_name ("Night.of.the.Living.Dead.1968.mp4"), ==, "video/mp4");
  g_assert_cmpstr (ts_media_type_from_name ("FILM.MKV"), ==, "video/x-matroska");
  g_assert_cmpstr (ts_media_type_from_name ("a/b/c.webm"), ==, "video/webm");
  g_assert_cmpstr (ts_media_type_from_name ("film.en.srt"), ==, "application/x-subrip");
  /* Only the end counts, and a name that is just the extension is none. */
  g_assert_cmpstr (ts_media_type_from_name ("film.mp4.part"), ==, "application/octet-stream");
  g_assert_cmpstr (ts_media_type_from_name (".mp4"), ==, "application/octet-stream");
  g_assert_cmpstr (ts_media_type_from_name ("README"), ==, "application/octet-stream");
  g_assert_cmpstr (ts_media_type_from_name (""), ==, "application/octet-stream");

  g_assert_true (ts_media_type_is_mp4 (ts_media_type_from_name ("film.mp4")));
  g_assert_true (ts_media_type_is_mp4 (ts_media_type_from_name ("film.mov")));
  g_assert_true (ts_media_type_is_mp4 (ts_media_type_from_name ("film.m4v")));
  g_assert_false (ts_media_type_is_mp4 (ts_media_type_from_name ("film.mkv")));
  g_assert_false (ts_media_type_is_mp4 ("application/octet-stream"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stream/mp4-index/front", test_front);
  g_test_add_func ("/stream/mp4-index/end", test_end);
  g_test_add_func ("/stream/mp4-index/large-size", test_large_size);
  g_test_add_func ("/stream/mp4-index/no-index", test_no_index);
  g_test_add_func ("/stream/media-type", test_media_type);

  return g_test_run ();
}
