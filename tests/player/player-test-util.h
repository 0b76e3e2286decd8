/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Runs a gst-launch style @description whose filesink location is "@PATH@"
 * (written to @path) until EOS; fails the test on error or after 60 s. */
void      player_test_make_media   (const char *description,
                                    const char *path);

/* Iterates the thread-default main context until @condition holds or
 * @timeout_ms passed. Returns whether it holds. */
gboolean  player_test_wait         (gboolean  (*condition) (gpointer data),
                                    gpointer    data,
                                    guint       timeout_ms);

/* Drops the caller's reference to @object and checks it is finalized. A
 * GStreamer streaming thread may still hold a pipeline for a moment after
 * the state change to NULL returned, so this waits up to 5 s. */
void      player_test_assert_finalized (gpointer object);

/* A temporary directory for this test, removed by player_test_cleanup(). */
const char *player_test_dir        (void);
void      player_test_cleanup      (void);

G_END_DECLS
