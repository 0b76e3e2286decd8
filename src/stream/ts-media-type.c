/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ts-media-type.h"

#include <string.h>

const char *
ts_media_type_from_name (const char *name)
{
  static const struct {
    const char *extension;
    const char *type;
  } types[] = {
    { ".mp4", "video/mp4" }, { ".m4v", "video/x-m4v" }, { ".mkv", "video/x-matroska" },
    { ".webm", "video/webm" }, { ".avi", "video/x-msvideo" }, { ".mov", "video/quicktime" },
    { ".ogv", "video/ogg" }, { ".ogg", "audio/ogg" }, { ".mpg", "video/mpeg" },
    { ".mpeg", "video/mpeg" }, { ".ts", "video/mp2t" }, { ".m2ts", "video/mp2t" },
    { ".flv", "video/x-flv" }, { ".wmv", "video/x-ms-wmv" }, { ".3gp", "video/3gpp" },
    { ".mp3", "audio/mpeg" }, { ".m4a", "audio/mp4" }, { ".flac", "audio/flac" },
    { ".opus", "audio/ogg" }, { ".srt", "application/x-subrip" }, { ".vtt", "text/vtt" },
    { ".ass", "text/x-ssa" }, { ".ssa", "text/x-ssa" },
  };
  gsize n;

  g_return_val_if_fail (name != NULL, "application/octet-stream");

  n = strlen (name);
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      gsize m = strlen (types[i].extension);

      if (n > m && g_ascii_strcasecmp (name + n - m, types[i].extension) == 0)
        return types[i].type;
    }
  return "application/octet-stream";
}

gboolean
ts_media_type_is_mp4 (const char *type)
{
  static const char * const types[] = { "video/mp4", "video/x-m4v", "video/quicktime",
                                        "video/3gpp", NULL };

  g_return_val_if_fail (type != NULL, FALSE);

  return g_strv_contains (types, type);
}
