/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ts-format.h"
#include "ts-torrent.h"

/* The state as a short phrase, capitalized, for a label (the engine's
 * translated names). */
const char *
ts_format_state (TsTorrentState state)
{
  return ts_torrent_state_to_string (state);
}

/* The state of @torrent, with the error message when it failed. */
char *
ts_format_state_label (TsTorrent *torrent)
{
  TsTorrentState state = ts_torrent_get_state (torrent);
  const char *message;

  if (state != TS_TORRENT_STATE_ERROR)
    return g_strdup (ts_format_state (state));

  message = ts_torrent_get_error_message (torrent);
  if (message == NULL || *message == '\0')
    return g_strdup (ts_format_state (state));

  /* Translators: a torrent failed; %s is the reason. */
  return g_strdup_printf (_("Error: %s"), message);
}

char *
ts_format_rate (gint64 bytes_per_second)
{
  g_autofree char *size = g_format_size (MAX (bytes_per_second, 0));

  /* Translators: a transfer rate; %s is a size such as “1.2 MB”. */
  return g_strdup_printf (_("%s/s"), size);
}

/* Remaining time as H:MM:SS or M:SS, days when it is that long, or NULL
 * when unknown. */
char *
ts_format_eta (gint64 seconds)
{
  guint h, m, s;

  if (seconds < 0)
    return NULL;

  if (seconds >= 24 * 3600)
    {
      guint days = (guint) MIN (seconds / (24 * 3600), G_MAXUINT);

      return g_strdup_printf (ngettext ("%u day", "%u days", days), days);
    }

  h = (guint) (seconds / 3600);
  m = (guint) (seconds / 60 % 60);
  s = (guint) (seconds % 60);

  if (h > 0)
    return g_strdup_printf ("%u:%02u:%02u", h, m, s);

  return g_strdup_printf ("%u:%02u", m, s);
}

char *
ts_format_peers (guint peers,
                 guint seeds)
{
  g_autofree char *peer_text =
    g_strdup_printf (ngettext ("%u peer", "%u peers", peers), peers);

  /* Translators: “5 peers (2 seeds)”; the first %s is “5 peers”. */
  return g_strdup_printf (ngettext ("%s (%u seed)", "%s (%u seeds)", seeds),
                          peer_text, seeds);
}
