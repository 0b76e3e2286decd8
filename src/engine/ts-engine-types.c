/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ts-engine-types.h"

G_DEFINE_QUARK (ts-engine-error-quark, ts_engine_error)

const char *
ts_torrent_state_to_string (TsTorrentState state)
{
  switch (state)
    {
    case TS_TORRENT_STATE_FETCHING_METADATA:
      return _("Fetching metadata");
    case TS_TORRENT_STATE_CHECKING:
      return _("Checking");
    case TS_TORRENT_STATE_DOWNLOADING:
      return _("Downloading");
    case TS_TORRENT_STATE_SEEDING:
      return _("Seeding");
    case TS_TORRENT_STATE_PAUSED:
      return _("Paused");
    case TS_TORRENT_STATE_ERROR:
      return _("Error");
    default:
      return _("Unknown");
    }
}

static const char * const video_extensions[] = {
  "mkv", "mp4", "m4v", "avi", "mov", "webm", "ogv", "mpg", "mpeg", "wmv", "flv", "ts", "m2ts",
  "3gp", NULL
};
static const char * const subtitle_extensions[] = {
  "srt", "vtt", "ass", "ssa", "sub", NULL
};
/* .ogg is nearly always Vorbis audio; Ogg video uses .ogv. */
static const char * const audio_extensions[] = {
  "mp3", "flac", "m4a", "aac", "opus", "wav", "ogg", NULL
};

TsFileKind
ts_file_kind_from_path (const char *path)
{
  const char *dot;
  const char *slash;
  g_autofree char *ext = NULL;

  if (path == NULL)
    return TS_FILE_KIND_OTHER;

  dot = strrchr (path, '.');
  slash = strrchr (path, '/');
  if (dot == NULL || (slash != NULL && dot < slash) || dot[1] == '\0')
    return TS_FILE_KIND_OTHER;

  ext = g_ascii_strdown (dot + 1, -1);
  if (g_strv_contains (video_extensions, ext))
    return TS_FILE_KIND_VIDEO;
  if (g_strv_contains (subtitle_extensions, ext))
    return TS_FILE_KIND_SUBTITLE;
  if (g_strv_contains (audio_extensions, ext))
    return TS_FILE_KIND_AUDIO;
  return TS_FILE_KIND_OTHER;
}
