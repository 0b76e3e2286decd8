/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The poster cache against a local SoupServer serving generated PNGs. */

#include "config.h"

#include <string.h>

#include "catalog-test-server.h"
#include "ts-catalog.h"

#define WAIT_MS 10000
#define POSTER_W 40
#define POSTER_H 60

typedef struct {
  TestServer    *server;
  TsPosterCache *cache;
  char          *directory;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = test_server_new ();
  fixture->directory = g_build_filename (g_get_user_cache_dir (), "posters-test", NULL);
  fixture->cache = ts_poster_cache_new (fixture->directory, 0);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (fixture->cache);
  test_server_free (fixture->server);
  g_free (fixture->directory);
}

static char *
poster_url (Fixture    *fixture,
            const char *mode,
            const char *name)
{
  g_autofree char *path = g_strdup_printf ("/%s/poster/%s", mode, name);

  return test_server_url (fixture->server, path);
}

static char *
poster_file (Fixture    *fixture,
             const char *url)
{
  g_autofree char *name = g_compute_checksum_for_string (G_CHECKSUM_SHA1, url, -1);

  return g_build_filename (fixture->directory, name, NULL);
}

static GdkTexture *
load_sync (Fixture       *fixture,
           const char    *url,
           GCancellable  *cancellable,
           GError       **error)
{
  TestAsync async = { 0 };
  GdkTexture *texture;

  ts_poster_cache_load_async (fixture->cache, url, cancellable, test_async_cb, &async);
  test_wait_for (&async.done, WAIT_MS);
  texture = ts_poster_cache_load_finish (fixture->cache, async.result, error);
  test_async_clear (&async);
  return texture;
}

/* The texture is the generated poster: right size, right colour. */
static void
assert_poster (GdkTexture *texture,
               const char *name)
{
  g_autofree char *rest = g_strdup_printf ("poster/%s", name);
  guint8 *pixels = g_malloc (POSTER_W * POSTER_H * 4);
  guint8 rgb[3];

  g_assert_true (GDK_IS_TEXTURE (texture));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, POSTER_W);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, POSTER_H);
  /* Downloads as B8G8R8A8 premultiplied (native-endian ARGB32); opaque, so
   * premultiplication changes nothing. */
  gdk_texture_download (texture, pixels, POSTER_W * 4);
  test_png_color (rest, rgb);
  for (int i = 0; i < POSTER_W * POSTER_H; i += 97)
    {
      g_assert_cmpuint (pixels[i * 4 + 2], ==, rgb[0]);
      g_assert_cmpuint (pixels[i * 4 + 1], ==, rgb[1]);
      g_assert_cmpuint (pixels[i * 4 + 0], ==, rgb[2]);
      g_assert_cmpuint (pixels[i * 4 + 3], ==, 0xff);
    }
  g_free (pixels);
}

/* With a decoding box, posters come at the size a tile shows them: the
 * 40×60 poster fits 20×20 as 13×20 (its shape kept), in the colour it has,
 * from the network and from disk alike; one smaller than the box keeps its
 * size. Garbage still fails with the poster error. */
static void
test_decode_size (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *url = poster_url (fixture, "ok", "b.png");
  g_autofree char *bad_url = poster_url (fixture, "ok", "bad.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) small = NULL;
  g_autoptr(GdkTexture) again = NULL;
  g_autoptr(GdkTexture) full = NULL;
  g_autoptr(GdkTexture) bad = NULL;
  guint8 pixels[13 * 20 * 4];
  guint8 rgb[3];

  ts_poster_cache_set_decode_size (fixture->cache, 20, 20);
  small = load_sync (fixture, url, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (small), ==, 13);
  g_assert_cmpint (gdk_texture_get_height (small), ==, 20);
  gdk_texture_download (small, pixels, 13 * 4);
  test_png_color ("poster/b.png", rgb);
  g_assert_cmpuint (pixels[(10 * 13 + 6) * 4 + 2], ==, rgb[0]);
  g_assert_cmpuint (pixels[(10 * 13 + 6) * 4 + 1], ==, rgb[1]);
  g_assert_cmpuint (pixels[(10 * 13 + 6) * 4 + 0], ==, rgb[2]);
  g_assert_cmpuint (pixels[(10 * 13 + 6) * 4 + 3], ==, 0xff);

  /* From disk, decoded to the box again. */
  ts_poster_cache_clear_memory (fixture->cache);
  again = load_sync (fixture, url, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (again), ==, 13);
  g_assert_cmpuint (test_server_hits (fixture->server, "/ok/poster/b.png"), ==, 1);

  /* A box larger than the poster: its own size. */
  ts_poster_cache_clear_memory (fixture->cache);
  ts_poster_cache_set_decode_size (fixture->cache, 400, 600);
  full = load_sync (fixture, url, NULL, &error);
  g_assert_no_error (error);
  assert_poster (full, "b.png");

  bad = load_sync (fixture, bad_url, NULL, &error);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_IMAGE);
  g_assert_null (bad);
}

static void
test_memory_then_disk (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *url = poster_url (fixture, "ok", "a.png");
  g_autofree char *file = poster_file (fixture, url);
  g_autoptr(GError) error = NULL;
  GdkTexture *first;
  GdkTexture *second;
  GdkTexture *third;
  GdkTexture *lookup;

  g_assert_cmpstr (ts_poster_cache_get_directory (fixture->cache), ==, fixture->directory);
  g_assert_null (ts_poster_cache_lookup (fixture->cache, url));

  first = load_sync (fixture, url, NULL, &error);
  g_assert_no_error (error);
  assert_poster (first, "a.png");
  g_assert_cmpuint (test_server_hits (fixture->server, "/ok/poster/a.png"), ==, 1);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (ts_poster_cache_get_n_textures (fixture->cache), ==, 1);
  g_assert_cmpuint (ts_poster_cache_get_memory_bytes (fixture->cache), ==, POSTER_W * POSTER_H * 4);

  /* From memory: the very same texture, no request. */
  second = load_sync (fixture, url, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (second == first);
  lookup = ts_poster_cache_lookup (fixture->cache, url);
  g_assert_true (lookup == first);
  g_object_unref (lookup);
  g_assert_cmpuint (test_server_hits (fixture->server, "/ok/poster/a.png"), ==, 1);
  g_object_unref (second);

  /* From disk: a new texture, still no request. */
  ts_poster_cache_clear_memory (fixture->cache);
  g_assert_cmpuint (ts_poster_cache_get_n_textures (fixture->cache), ==, 0);
  g_assert_cmpuint (ts_poster_cache_get_memory_bytes (fixture->cache), ==, 0);
  g_assert_finalize_object (first);
  third = load_sync (fixture, url, NULL, &error);
  g_assert_no_error (error);
  assert_poster (third, "a.png");
  g_assert_cmpuint (test_server_hits (fixture->server, "/ok/poster/a.png"), ==, 1);
  g_assert_cmpuint (ts_poster_cache_get_n_textures (fixture->cache), ==, 1);

  /* A new cache on the same folder (the next start) still has it. */
  ts_poster_cache_clear_memory (fixture->cache);
  g_assert_finalize_object (third);
  g_assert_finalize_object (fixture->cache);
  fixture->cache = ts_poster_cache_new (fixture->directory, 0);
  third = load_sync (fixture, url, NULL, &error);
  g_assert_no_error (error);
  assert_poster (third, "a.png");
  g_assert_cmpuint (test_server_hits (fixture->server, "/ok/poster/a.png"), ==, 1);
  g_object_unref (third);

  /* A damaged file on disk is dropped and fetched again. */
  ts_poster_cache_clear_memory (fixture->cache);
  g_assert_true (g_file_set_contents (file, "garbage", -1, NULL));
  third = load_sync (fixture, url, NULL, &error);
  g_assert_no_error (error);
  assert_poster (third, "a.png");
  g_assert_cmpuint (test_server_hits (fixture->server, "/ok/poster/a.png"), ==, 2);
  g_object_unref (third);
}

typedef struct {
  TestAsync async;
  GdkTexture *texture;
  GError *error;
} Load;

static void
test_coalesce (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *url = poster_url (fixture, "slow", "b.png");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Load loads[5] = { 0 };

  /* Five tiles want the same poster at once; the first one goes away. */
  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    ts_poster_cache_load_async (fixture->cache, url, i == 0 ? cancellable : NULL,
                                test_async_cb, &loads[i].async);
  g_cancellable_cancel (cancellable);
  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    {
      test_wait_for (&loads[i].async.done, WAIT_MS);
      loads[i].texture = ts_poster_cache_load_finish (fixture->cache, loads[i].async.result,
                                                      &loads[i].error);
      test_async_clear (&loads[i].async);
    }

  g_assert_error (loads[0].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (loads[0].texture);
  g_clear_error (&loads[0].error);
  for (guint i = 1; i < G_N_ELEMENTS (loads); i++)
    {
      g_assert_no_error (loads[i].error);
      g_assert_true (loads[i].texture == loads[1].texture);
    }
  assert_poster (loads[1].texture, "b.png");
  g_assert_cmpuint (test_server_hits (fixture->server, "/slow/poster/b.png"), ==, 1);
  for (guint i = 1; i < G_N_ELEMENTS (loads); i++)
    g_object_unref (loads[i].texture);
}

static void
test_cancel_all (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *url = poster_url (fixture, "slow", "c.png");
  g_autofree char *file = poster_file (fixture, url);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;
  Load loads[2] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    ts_poster_cache_load_async (fixture->cache, url, cancellable, test_async_cb, &loads[i].async);
  g_cancellable_cancel (cancellable);
  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    {
      test_wait_for (&loads[i].async.done, WAIT_MS);
      loads[i].texture = ts_poster_cache_load_finish (fixture->cache, loads[i].async.result,
                                                      &loads[i].error);
      test_async_clear (&loads[i].async);
      g_assert_null (loads[i].texture);
      g_assert_error (loads[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&loads[i].error);
    }

  /* Already cancelled: fails at once. */
  texture = load_sync (fixture, url, cancellable, &error);
  g_assert_null (texture);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Asking again starts afresh rather than joining the cancelled one. */
  texture = load_sync (fixture, url, NULL, &error);
  g_assert_no_error (error);
  assert_poster (texture, "c.png");
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_object_unref (texture);
}

static void
test_invalid (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *url = poster_url (fixture, "ok", "bad.png");
  g_autofree char *missing = poster_url (fixture, "404", "d.png");
  g_autofree char *big = poster_url (fixture, "big", "d.png");
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;

  texture = load_sync (fixture, url, NULL, &error);
  g_assert_null (texture);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_IMAGE);
  g_assert_cmpstr (error->message, ==, "The poster is not a valid image");
  g_clear_error (&error);
  g_assert_false (g_file_test (fixture->directory, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (ts_poster_cache_get_n_textures (fixture->cache), ==, 0);

  /* Errors are not cached either: the next load asks again. */
  texture = load_sync (fixture, url, NULL, &error);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_IMAGE);
  g_clear_error (&error);
  g_assert_cmpuint (test_server_hits (fixture->server, "/ok/poster/bad.png"), ==, 2);

  texture = load_sync (fixture, missing, NULL, &error);
  g_assert_null (texture);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_HTTP);
  g_clear_error (&error);

  texture = load_sync (fixture, big, NULL, &error);
  g_assert_null (texture);
  g_assert_error (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_TOO_LARGE);
  g_clear_error (&error);

  g_assert_false (g_file_test (fixture->directory, G_FILE_TEST_EXISTS));
}

static void
test_disk_eviction (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *names[] = { "e1.png", "e2.png", "e3.png", "e4.png" };
  char *urls[4];
  char *files[4];
  gsize largest = 0, smallest = G_MAXSIZE;
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *rest = g_strdup_printf ("poster/%s", names[i]);
      g_autoptr(GBytes) png = test_make_png (rest, POSTER_W, POSTER_H);

      largest = MAX (largest, g_bytes_get_size (png));
      smallest = MIN (smallest, g_bytes_get_size (png));
      urls[i] = poster_url (fixture, "ok", names[i]);
      files[i] = poster_file (fixture, urls[i]);
    }
  /* Room for two and a half; three overflow it; eviction goes down to 90 %,
   * which still holds two. */
  g_assert_cmpuint (smallest * 3, >, largest * 5 / 2);
  ts_poster_cache_set_max_disk_bytes (fixture->cache, largest * 5 / 2);
  g_assert_cmpuint (ts_poster_cache_get_max_disk_bytes (fixture->cache), ==, largest * 5 / 2);

  for (guint i = 0; i < 3; i++)
    {
      texture = load_sync (fixture, urls[i], NULL, &error);
      g_assert_no_error (error);
      g_object_unref (texture);
    }
  g_assert_false (g_file_test (files[0], G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (files[1], G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (files[2], G_FILE_TEST_EXISTS));

  /* Using e2 from disk makes e3 the least recently used. */
  ts_poster_cache_clear_memory (fixture->cache);
  texture = load_sync (fixture, urls[1], NULL, &error);
  g_assert_no_error (error);
  g_object_unref (texture);
  g_assert_cmpuint (test_server_hits (fixture->server, "/ok/poster/e2.png"), ==, 1);
  texture = load_sync (fixture, urls[3], NULL, &error);
  g_assert_no_error (error);
  g_object_unref (texture);
  g_assert_true (g_file_test (files[1], G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (files[2], G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (files[3], G_FILE_TEST_EXISTS));

  /* Files that are not ours are left alone. */
  {
    g_autofree char *other = g_build_filename (fixture->directory, "README", NULL);

    g_assert_true (g_file_set_contents (other, "not a poster", -1, NULL));
    ts_poster_cache_clear_memory (fixture->cache);
    texture = load_sync (fixture, urls[0], NULL, &error);
    g_assert_no_error (error);
    g_object_unref (texture);
    g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (files[0], G_FILE_TEST_EXISTS));
  }

  for (guint i = 0; i < 4; i++)
    {
      g_free (urls[i]);
      g_free (files[i]);
    }
}

static void
test_memory_bounds (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GdkTexture *textures[6];
  char *urls[6];

  g_object_set (fixture->cache, "max-textures", 3, NULL);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("m%u.png", i);

      urls[i] = poster_url (fixture, "ok", name);
      textures[i] = load_sync (fixture, urls[i], NULL, &error);
      g_assert_no_error (error);
      g_object_add_weak_pointer (G_OBJECT (textures[i]), (gpointer *) &textures[i]);
      g_object_unref (textures[i]);
      g_assert_cmpuint (ts_poster_cache_get_n_textures (fixture->cache), ==, MIN (i + 1, 3));
    }
  /* The three oldest are gone from memory, freed. */
  for (guint i = 0; i < 3; i++)
    {
      g_assert_null (textures[i]);
      g_assert_null (ts_poster_cache_lookup (fixture->cache, urls[i]));
    }
  for (guint i = 3; i < 6; i++)
    g_assert_nonnull (textures[i]);

  /* A byte cap of two posters. */
  g_object_set (fixture->cache, "max-textures", 100, "max-memory-bytes",
                (guint64) POSTER_W * POSTER_H * 4 * 2, NULL);
  g_assert_cmpuint (ts_poster_cache_get_n_textures (fixture->cache), ==, 2);
  g_assert_null (textures[3]);
  g_assert_cmpuint (ts_poster_cache_get_memory_bytes (fixture->cache), ==, POSTER_W * POSTER_H * 4 * 2);

  /* A lookup keeps a poster fresh: m4 survives the next one, m5 does not. */
  g_object_unref (ts_poster_cache_lookup (fixture->cache, urls[4]));
  textures[0] = load_sync (fixture, urls[0], NULL, &error);
  g_assert_no_error (error);
  g_object_unref (textures[0]);
  g_assert_null (textures[5]);
  g_assert_nonnull (textures[4]);

  for (guint i = 0; i < 6; i++)
    g_free (urls[i]);
  ts_poster_cache_clear_memory (fixture->cache);
  g_assert_null (textures[4]);
}

static void
test_settings (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new ("org.example.TorrentStream");

  ts_poster_cache_bind_settings (fixture->cache, settings);
  g_assert_cmpuint (ts_poster_cache_get_max_disk_bytes (fixture->cache), ==,
                    (guint64) g_settings_get_int (settings, "poster-cache-size") * 1024 * 1024);
  g_settings_set_int (settings, "poster-cache-size", 3);
  g_assert_cmpuint (ts_poster_cache_get_max_disk_bytes (fixture->cache), ==, 3 * 1024 * 1024);
}

int
main (int   argc,
      char *argv[])
{
  /* The private XDG dirs hide the schema the GNOME proxy module needs. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("TS_LOOPBACK_ONLY", "1", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/catalog/posters/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("memory-then-disk", test_memory_then_disk);
  ADD ("coalesce", test_coalesce);
  ADD ("cancel-all", test_cancel_all);
  ADD ("invalid", test_invalid);
  ADD ("disk-eviction", test_disk_eviction);
  ADD ("memory-bounds", test_memory_bounds);
  ADD ("settings", test_settings);
  ADD ("decode-size", test_decode_size);

#undef ADD

  return g_test_run ();
}
