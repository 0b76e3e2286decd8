/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk/gdk.h>
#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  TS_PLAYER_STATE_STOPPED,
  TS_PLAYER_STATE_BUFFERING,
  TS_PLAYER_STATE_PAUSED,
  TS_PLAYER_STATE_PLAYING,
} TsPlayerState;

#define TS_PLAYER_ERROR (ts_player_error_quark ())

typedef enum {
  TS_PLAYER_ERROR_NOT_FOUND,       /* the file or address does not exist */
  TS_PLAYER_ERROR_READ,            /* it could not be read */
  TS_PLAYER_ERROR_NOT_MEDIA,       /* it is no video we know */
  TS_PLAYER_ERROR_MISSING_PLUGIN,  /* a decoder or demuxer is not installed */
  TS_PLAYER_ERROR_DECODE,          /* the data is damaged */
  TS_PLAYER_ERROR_FAILED,          /* anything else */
} TsPlayerError;

#define TS_TYPE_PLAYER (ts_player_get_type ())
G_DECLARE_FINAL_TYPE (TsPlayer, ts_player, TS, PLAYER, GObject)

/* A film player on playbin. Lives on the main context it was made on: the
 * bus is watched there and every property is notified there.
 *
 * Properties:
 *   uri, suburi (an external subtitle file, NULL for none),
 *   state (TsPlayerState, read-only),
 *   position, duration (nanoseconds, -1 when unknown; read-only),
 *   seekable (read-only), volume (0..1 on a cubic scale, as a slider shows
 *   it), muted, buffering-percent (read-only),
 *   paintable (GdkPaintable with the video, read-only),
 *   audio-tracks, text-tracks (GListModel of GtkStringObject labels,
 *   read-only), current-audio, current-text (index, -1 for none/off),
 *   audio-sink (construct-only; NULL picks autoaudiosink).
 *
 * Signals:
 *   "error" (GError*): playback stopped; the message is for people.
 *   "eos": the end was reached; the player is paused on the last frame.
 */
GQuark         ts_player_error_quark         (void);

TsPlayer      *ts_player_new                 (void);

const char    *ts_player_get_uri             (TsPlayer   *self);
void           ts_player_set_uri             (TsPlayer   *self,
                                              const char *uri);
const char    *ts_player_get_suburi          (TsPlayer   *self);
void           ts_player_set_suburi          (TsPlayer   *self,
                                              const char *suburi);

void           ts_player_play                (TsPlayer   *self);
void           ts_player_pause               (TsPlayer   *self);
void           ts_player_stop                (TsPlayer   *self);
/* Seeks to the key frame nearest @position (ns); while a seek is running,
 * only the newest request is kept. */
void           ts_player_seek                (TsPlayer   *self,
                                              gint64      position);

TsPlayerState  ts_player_get_state           (TsPlayer   *self);
gint64         ts_player_get_position        (TsPlayer   *self);
gint64         ts_player_get_duration        (TsPlayer   *self);
gboolean       ts_player_get_seekable        (TsPlayer   *self);
int            ts_player_get_buffering_percent (TsPlayer *self);

double         ts_player_get_volume          (TsPlayer   *self);
void           ts_player_set_volume          (TsPlayer   *self,
                                              double      volume);
gboolean       ts_player_get_muted           (TsPlayer   *self);
void           ts_player_set_muted           (TsPlayer   *self,
                                              gboolean    muted);

GdkPaintable  *ts_player_get_paintable       (TsPlayer   *self);

GListModel    *ts_player_get_audio_tracks    (TsPlayer   *self);
GListModel    *ts_player_get_text_tracks     (TsPlayer   *self);
int            ts_player_get_current_audio   (TsPlayer   *self);
void           ts_player_set_current_audio   (TsPlayer   *self,
                                              int         index);
int            ts_player_get_current_text    (TsPlayer   *self);
void           ts_player_set_current_text    (TsPlayer   *self,
                                              int         index);

/* The playbin inside (for benchmarks and tests). */
GstElement    *ts_player_get_pipeline        (TsPlayer   *self);

G_END_DECLS
