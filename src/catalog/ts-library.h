/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ts-library.h: what the user has: which torrent came from which catalog film,
 * what was watched, and where playback stopped in each file. Persisted
 * atomically under $XDG_DATA_HOME/torrentstream/library.json, so it survives
 * restarts and crashes. One per application. */
#pragma once

#include <gio/gio.h>

#include "ts-movie.h"

G_BEGIN_DECLS

#define TS_TYPE_LIBRARY_ITEM (ts_library_item_get_type ())
G_DECLARE_FINAL_TYPE (TsLibraryItem, ts_library_item, TS, LIBRARY_ITEM, GObject)

/* One torrent the library knows. Properties (read-only, notified):
 * info-hash, title, year, poster-url, provider-id, movie-id (empty when the
 * torrent did not come from the catalog), preloaded (the user asked for the
 * whole download), last-file (index of the file last played, -1 none),
 * position (ns, in last-file), duration (ns), watched, last-played (unix s),
 * added (unix s). */
const char *ts_library_item_get_info_hash   (TsLibraryItem *self);
const char *ts_library_item_get_title       (TsLibraryItem *self);
int         ts_library_item_get_year        (TsLibraryItem *self);
const char *ts_library_item_get_poster_url  (TsLibraryItem *self);
const char *ts_library_item_get_provider_id (TsLibraryItem *self);
const char *ts_library_item_get_movie_id    (TsLibraryItem *self);
gboolean    ts_library_item_get_preloaded   (TsLibraryItem *self);
int         ts_library_item_get_last_file   (TsLibraryItem *self);
gint64      ts_library_item_get_position    (TsLibraryItem *self);
gint64      ts_library_item_get_duration    (TsLibraryItem *self);
gboolean    ts_library_item_get_watched     (TsLibraryItem *self);
gint64      ts_library_item_get_last_played (TsLibraryItem *self);
/* When the library first heard of the torrent (unix s; property "added"). */
gint64      ts_library_item_get_added       (TsLibraryItem *self);

#define TS_TYPE_LIBRARY (ts_library_get_type ())
G_DECLARE_FINAL_TYPE (TsLibrary, ts_library, TS, LIBRARY, GObject)

/* @path: the JSON file (normally g_get_user_data_dir()/torrentstream/library.json).
 * Loading is synchronous (small file, once at start-up); a damaged file is
 * kept aside as library.json.broken and the library starts empty, with a
 * g_warning. Writes are atomic, coalesced (~1 s) and off the main thread. */
TsLibrary     *ts_library_new                (const char   *path);
TsLibraryItem *ts_library_lookup             (TsLibrary    *self,
                                              const char   *info_hash);
/* Links a torrent to the catalog film it came from (creates the item). */
TsLibraryItem *ts_library_link_movie         (TsLibrary    *self,
                                              const char   *info_hash,
                                              TsMovie      *movie);
void           ts_library_set_preloaded      (TsLibrary    *self,
                                              const char   *info_hash,
                                              gboolean      preloaded);
/* Remembers the playback position (ns) in a file; watched becomes TRUE when
 * position passes 95 % of duration. Creates the item if needed. */
void           ts_library_set_position       (TsLibrary    *self,
                                              const char   *info_hash,
                                              guint         file_index,
                                              gint64        position,
                                              gint64        duration);
/* The remembered position (ns) in that file, or -1. */
gint64         ts_library_get_position       (TsLibrary    *self,
                                              const char   *info_hash,
                                              guint         file_index);
void           ts_library_set_watched        (TsLibrary    *self,
                                              const char   *info_hash,
                                              gboolean      watched);
void           ts_library_forget             (TsLibrary    *self,
                                              const char   *info_hash);
/* Items started but not finished, most recently played first (for the
 * "Continue watching" row). A live GListModel of TsLibraryItem. */
GListModel    *ts_library_get_continue_watching (TsLibrary *self);
/* Writes pending changes now (at shutdown). */
void           ts_library_flush              (TsLibrary    *self);
const char    *ts_library_get_path           (TsLibrary    *self);

/* Signals: "item-added" (TsLibraryItem*) when an item is created,
 * "item-removed" (TsLibraryItem*) after ts_library_forget(). */

G_END_DECLS
