/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk/gdk.h>
#include <gio/gio.h>

#include "ts-catalog-types.h"

G_BEGIN_DECLS

/* Posters by URL: a bounded in-memory texture cache in front of an on-disk
 * cache (one file per poster, named by the SHA-1 of its URL, least recently
 * used evicted over a byte cap) in front of the network. Requests for the
 * same URL share one download. Decoding and all disk work run on worker
 * threads. */
#define TS_TYPE_POSTER_CACHE (ts_poster_cache_get_type ())

G_DECLARE_FINAL_TYPE (TsPosterCache, ts_poster_cache, TS, POSTER_CACHE, GObject)

#define TS_POSTER_CACHE_DEFAULT_DISK_BYTES   (200 * 1024 * 1024)
#define TS_POSTER_CACHE_DEFAULT_TEXTURES     200
#define TS_POSTER_CACHE_DEFAULT_MEMORY_BYTES (64 * 1024 * 1024)

/* @directory: NULL for $XDG_CACHE_HOME/torrentstream/posters.
 * @max_disk_bytes: 0 for the default (the poster-cache-size setting is in
 * MiB). */
TsPosterCache *ts_poster_cache_new              (const char          *directory,
                                                 guint64              max_disk_bytes);

void           ts_poster_cache_load_async       (TsPosterCache       *self,
                                                 const char          *url,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GdkTexture    *ts_poster_cache_load_finish      (TsPosterCache       *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* The texture if it is in memory (transfer full), without any I/O: lets a
 * tile show a poster at once when it is recycled while scrolling. */
GdkTexture    *ts_poster_cache_lookup           (TsPosterCache       *self,
                                                 const char          *url);
/* Drops the in-memory textures (the disk cache stays). */
void           ts_poster_cache_clear_memory     (TsPosterCache       *self);
guint          ts_poster_cache_get_n_textures   (TsPosterCache       *self);
guint64        ts_poster_cache_get_memory_bytes (TsPosterCache       *self);

/* Keeps max-disk-bytes equal to the poster-cache-size setting (MiB). */
void           ts_poster_cache_bind_settings    (TsPosterCache       *self,
                                                 GSettings           *settings);

const char    *ts_poster_cache_get_directory    (TsPosterCache       *self);
guint64        ts_poster_cache_get_max_disk_bytes (TsPosterCache     *self);
void           ts_poster_cache_set_max_disk_bytes (TsPosterCache     *self,
                                                   guint64            max_disk_bytes);

/* Posters decoded from now on fit in @width × @height pixels (smaller ones
 * keep their size): what a tile shows. 0 × 0 (the default) keeps their own
 * size. */
void           ts_poster_cache_set_decode_size  (TsPosterCache     *self,
                                                 int                width,
                                                 int                height);

G_END_DECLS
