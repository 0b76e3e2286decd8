/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Forward declarations for the engine, so headers need not include each other. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _TsSession     TsSession;
typedef struct _TsTorrent     TsTorrent;
typedef struct _TsTorrentFile TsTorrentFile;

typedef enum {
  TS_TORRENT_STATE_FETCHING_METADATA,
  TS_TORRENT_STATE_CHECKING,
  TS_TORRENT_STATE_DOWNLOADING,
  TS_TORRENT_STATE_SEEDING,
  TS_TORRENT_STATE_PAUSED,
  TS_TORRENT_STATE_ERROR,
} TsTorrentState;

typedef enum {
  TS_FILE_KIND_OTHER,
  TS_FILE_KIND_VIDEO,
  TS_FILE_KIND_SUBTITLE,
  TS_FILE_KIND_AUDIO,
} TsFileKind;

typedef enum {
  TS_FILE_PRIORITY_SKIP   = 0,
  TS_FILE_PRIORITY_LOW    = 1,
  TS_FILE_PRIORITY_NORMAL = 4,
  TS_FILE_PRIORITY_HIGH   = 7,
} TsFilePriority;

#define TS_ENGINE_ERROR (ts_engine_error_quark ())

typedef enum {
  TS_ENGINE_ERROR_INVALID_MAGNET,   /* not a magnet, or no usable xt */
  TS_ENGINE_ERROR_INVALID_TORRENT,  /* not bencoded, truncated, no info dict, HTML ... */
  TS_ENGINE_ERROR_INVALID_INPUT,    /* neither magnet, file, URL nor info-hash */
  TS_ENGINE_ERROR_NETWORK,          /* a .torrent URL could not be fetched */
  TS_ENGINE_ERROR_TOO_LARGE,        /* a .torrent bigger than the cap */
  TS_ENGINE_ERROR_ADD_FAILED,       /* libtorrent refused it */
  TS_ENGINE_ERROR_NOT_FOUND,        /* no such torrent / file */
  TS_ENGINE_ERROR_REMOVED,          /* the torrent went away while waiting */
  TS_ENGINE_ERROR_IO,
  TS_ENGINE_ERROR_INVALID_PEER,     /* not ip:port */
  TS_ENGINE_ERROR_NO_SPACE,         /* the wanted files do not fit */
} TsEngineError;

GQuark      ts_engine_error_quark           (void);
const char *ts_torrent_state_to_string      (TsTorrentState state);
TsFileKind  ts_file_kind_from_path          (const char *path);

G_END_DECLS
