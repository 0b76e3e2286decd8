/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ts-catalog-types.h"

G_BEGIN_DECLS

/* A film of a catalog. A list page fills in what the list answer carries;
 * ts_catalog_provider_details_async() fills in the rest (synopsis, runtime,
 * the torrents) and sets has-details. */
#define TS_TYPE_MOVIE (ts_movie_get_type ())

G_DECLARE_FINAL_TYPE (TsMovie, ts_movie, TS, MOVIE, GObject)

TsMovie            *ts_movie_new              (const char         *provider_id,
                                               const char         *id);

const char         *ts_movie_get_id           (TsMovie            *self);
const char         *ts_movie_get_provider_id  (TsMovie            *self);
const char         *ts_movie_get_title        (TsMovie            *self);
void                ts_movie_set_title        (TsMovie            *self,
                                               const char         *title);
/* 0 when unknown. */
int                 ts_movie_get_year         (TsMovie            *self);
void                ts_movie_set_year         (TsMovie            *self,
                                               int                 year);
/* 0 to 10; -1 when unknown. */
double              ts_movie_get_rating       (TsMovie            *self);
void                ts_movie_set_rating       (TsMovie            *self,
                                               double              rating);
/* Minutes; 0 when unknown. */
guint               ts_movie_get_runtime      (TsMovie            *self);
void                ts_movie_set_runtime      (TsMovie            *self,
                                               guint               runtime);
/* Never NULL (an empty list when unknown). */
const char * const *ts_movie_get_genres       (TsMovie            *self);
void                ts_movie_set_genres       (TsMovie            *self,
                                               const char * const *genres);
/* Plain text. */
const char         *ts_movie_get_synopsis     (TsMovie            *self);
void                ts_movie_set_synopsis     (TsMovie            *self,
                                               const char         *synopsis);
const char         *ts_movie_get_poster_url   (TsMovie            *self);
void                ts_movie_set_poster_url   (TsMovie            *self,
                                               const char         *url);
const char         *ts_movie_get_backdrop_url (TsMovie            *self);
void                ts_movie_set_backdrop_url (TsMovie            *self,
                                               const char         *url);
/* A list of TsMovieTorrent, best choice first. */
GListModel         *ts_movie_get_torrents     (TsMovie            *self);
void                ts_movie_set_torrents     (TsMovie            *self,
                                               GPtrArray          *torrents);
gboolean            ts_movie_get_has_details  (TsMovie            *self);
void                ts_movie_set_has_details  (TsMovie            *self,
                                               gboolean            has_details);

/* Copies every field that @from knows (non-empty strings, known numbers, a
 * non-empty torrent list) into @self, notifying once at the end. */
void                ts_movie_update           (TsMovie            *self,
                                               TsMovie            *from);

G_END_DECLS
