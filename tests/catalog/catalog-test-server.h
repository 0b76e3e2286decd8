/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A local catalog server for the tests: a real SoupServer on 127.0.0.1 that
 * serves the fixtures and misbehaves on request. The first path segment
 * picks the behaviour:
 *
 *   /ok/...         the fixture for the rest of the path
 *   /503/, /404/    that status
 *   /html/          an HTML page with status 200
 *   /halfjson/      the first half of the fixture
 *   /stall/         headers and 100 bytes, then nothing
 *   /hang/          nothing at all (no headers)
 *   /slow/          the fixture after 300 ms
 *   /big/           9 MiB with a Content-Length
 *   /chunked/       300 KiB, chunked
 *   /truncated/     Content-Length 5000, 100 bytes, then the connection closes
 *   /many/          as /ok/, but advancedsearch.php answers with 2000 generated
 *                   films, `rows` of them for `page`
 *
 * The rest of the path: advancedsearch.php, metadata/<id> ("missing" answers
 * []), api/v2/list_movies.json, api/v2/movie_details.json,
 * poster/<name>.png (a generated 40×60 PNG, or W×H for <name>-WxH.png;
 * "bad.png" is not an image). */
#pragma once

#include <gdk/gdk.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  SoupServer *server;
  char       *base;        /* "http://127.0.0.1:PORT" */
  GHashTable *hits;        /* path → count */
  guint       n_hits;
  char       *last_query;  /* raw query string of the last request */
  GPtrArray  *paused;      /* SoupServerMessage that we left waiting */
} TestServer;

TestServer *test_server_new          (void);
void        test_server_free         (TestServer *server);
char       *test_server_url          (TestServer *server,
                                      const char *path);
guint       test_server_hits         (TestServer *server,
                                      const char *path);
/* Stops listening; later connections are refused. */
void        test_server_disconnect   (TestServer *server);

char       *test_fixture_path        (const char *name);
GBytes     *test_fixture_bytes       (const char *name);
/* A solid-colour PNG, different for each name. */
GBytes     *test_make_png            (const char *name,
                                      int         width,
                                      int         height);
void        test_png_color           (const char *name,
                                      guint8      rgb[3]);

/* Iterates the default main context until *flag is TRUE; fails the test
 * after @timeout_ms. */
void        test_wait_for            (const gboolean *flag,
                                      guint           timeout_ms);
/* A port on 127.0.0.1 where nothing listens. */
guint16     test_closed_port         (void);

/* Collects the result of an async call. */
typedef struct {
  gboolean      done;
  GAsyncResult *result;
} TestAsync;

void        test_async_cb            (GObject      *source,
                                      GAsyncResult *result,
                                      gpointer      user_data);
void        test_async_clear         (TestAsync    *async);

G_END_DECLS
