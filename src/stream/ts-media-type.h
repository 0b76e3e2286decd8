/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The MIME type of a file from its name's extension, as an HTTP response
 * names it; application/octet-stream when unknown. */
const char *ts_media_type_from_name (const char *name);

/* Whether @type is one of the formats GStreamer's qtdemux reads (MP4,
 * QuickTime, 3GP): an index ('moov') and tracks read in turn. */
gboolean    ts_media_type_is_mp4    (const char *type);

G_END_DECLS
