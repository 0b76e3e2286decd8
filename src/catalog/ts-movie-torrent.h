/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ts-catalog-types.h"

G_BEGIN_DECLS

/* One way to get a film: a quality or format choice. Immutable; set every
 * field at construction with g_object_new(). */
#define TS_TYPE_MOVIE_TORRENT (ts_movie_torrent_get_type ())

G_DECLARE_FINAL_TYPE (TsMovieTorrent, ts_movie_torrent, TS, MOVIE_TORRENT, GObject)

/* "1080p · BluRay", "MP4 · 480p" */
const char *ts_movie_torrent_get_label       (TsMovieTorrent *self);
/* Bytes, -1 when unknown. */
gint64      ts_movie_torrent_get_size        (TsMovieTorrent *self);
/* -1 when unknown. */
int         ts_movie_torrent_get_seeds       (TsMovieTorrent *self);
int         ts_movie_torrent_get_peers       (TsMovieTorrent *self);
/* Each may be NULL; at least one of magnet and torrent-url is set. */
const char *ts_movie_torrent_get_magnet      (TsMovieTorrent *self);
const char *ts_movie_torrent_get_torrent_url (TsMovieTorrent *self);
/* 40 lowercase hex digits. */
const char *ts_movie_torrent_get_info_hash   (TsMovieTorrent *self);
/* The path inside the torrent to play when the torrent holds more than the
 * film (Internet Archive items); NULL to let the player pick. */
const char *ts_movie_torrent_get_file_hint   (TsMovieTorrent *self);

G_END_DECLS
