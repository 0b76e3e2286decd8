/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ts-engine-types.h"
#include "ts-library.h"
#include "ts-player.h"
#include "ts-storage-manager.h"

G_BEGIN_DECLS

#define TS_TYPE_PLAYER_PAGE (ts_player_page_get_type ())
G_DECLARE_FINAL_TYPE (TsPlayerPage, ts_player_page, TS, PLAYER_PAGE, GtkWidget)

/* The film player inside the window: the video over a black background,
 * with controls that hide while it plays, a seek bar that shows what is
 * downloaded, track menus, fullscreen and the keyboard (Space, ←/→, ↑/↓, M,
 * F, Esc). Remembers where playback stopped in the library, if it has one.
 *
 * Properties: library (TsLibrary, may be NULL), title (read-only),
 * audio-track (int, the player's index, -1 none), subtitle (string: "off",
 * "track:N" for the player's text track N, "file:N" for subtitle file N).
 *
 * Signals: "close": the user pressed Back; playback is already stopped and
 * the position saved. */
GtkWidget *ts_player_page_new         (void);

TsLibrary *ts_player_page_get_library (TsPlayerPage *self);
void       ts_player_page_set_library (TsPlayerPage *self,
                                       TsLibrary    *library);
/* While a film of a torrent plays, the torrent is held in @storage (its
 * cache mode never deletes it); may be NULL. */
void       ts_player_page_set_storage_manager (TsPlayerPage     *self,
                                               TsStorageManager *storage);
TsPlayer  *ts_player_page_get_player  (TsPlayerPage *self);
const char *ts_player_page_get_title  (TsPlayerPage *self);

/* Plays file @file_index of @torrent: straight from disk when it is
 * complete, through the torrent source (torrent://) while it downloads.
 * Offers to resume where it was left. */
void       ts_player_page_play_file   (TsPlayerPage *self,
                                       TsTorrent    *torrent,
                                       guint         file_index);
/* Plays any URI GStreamer knows (file://, http://); @title may be NULL. */
void       ts_player_page_play_uri    (TsPlayerPage *self,
                                       const char   *uri,
                                       const char   *title);
/* Saves the position and stops playback (leaving fullscreen). */
void       ts_player_page_stop        (TsPlayerPage *self);

G_END_DECLS
