/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ts-movie.h"
#include "ts-movie-text.h"
#include "ts-movie-torrent.h"
#include "ts-torrent.h"

char *
ts_movie_text_runtime (guint minutes)
{
  guint hours = minutes / 60;
  guint rest = minutes % 60;

  if (minutes == 0)
    return NULL;
  if (hours == 0)
    /* Translators: a film's running time in minutes. */
    return g_strdup_printf (_("%u min"), rest);
  if (rest == 0)
    /* Translators: a film's running time in whole hours. */
    return g_strdup_printf (_("%u h"), hours);
  /* Translators: a film's running time, e.g. “1 h 32 min”. */
  return g_strdup_printf (_("%u h %u min"), hours, rest);
}

char *
ts_movie_text_rating (double rating)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (rating < 0 || isnan (rating))
    return NULL;

  /* One decimal, in the user's locale (“7,4” in some). */
  g_snprintf (buffer, sizeof buffer, "%.1f", MIN (rating, 10.0));
  return g_strdup (buffer);
}

char *
ts_movie_text_accessible_name (TsMovie *movie)
{
  const char *title;
  int year;

  g_return_val_if_fail (TS_IS_MOVIE (movie), NULL);

  title = ts_movie_get_title (movie);
  year = ts_movie_get_year (movie);
  if (title == NULL || *title == '\0')
    title = _("Untitled film");
  if (year <= 0)
    return g_strdup (title);
  /* Translators: a film's title and year, as a screen reader says it. */
  return g_strdup_printf (_("%s (%d)"), title, year);
}

char *
ts_movie_text_facts (TsMovie *movie)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *runtime = NULL;
  const char * const *genres;

  g_return_val_if_fail (TS_IS_MOVIE (movie), NULL);

  if (ts_movie_get_year (movie) > 0)
    g_ptr_array_add (parts, g_strdup_printf ("%d", ts_movie_get_year (movie)));
  runtime = ts_movie_text_runtime (ts_movie_get_runtime (movie));
  if (runtime != NULL)
    g_ptr_array_add (parts, g_steal_pointer (&runtime));
  genres = ts_movie_get_genres (movie);
  if (genres[0] != NULL)
    /* Translators: the separator between genres, e.g. “Comedy, Romance”. */
    g_ptr_array_add (parts, g_strjoinv (_(", "), (char **) genres));
  g_ptr_array_add (parts, NULL);

  return g_strjoinv (" · ", (char **) parts->pdata);
}

static int
percent (double progress)
{
  /* Never show 100 % before it is done. */
  return (int) CLAMP (floor (progress * 100), 0, 99);
}

char *
ts_movie_text_download_state (TsTorrent *torrent)
{
  TsTorrentState state;
  double progress;

  g_return_val_if_fail (TS_IS_TORRENT (torrent), NULL);

  state = ts_torrent_get_state (torrent);
  progress = ts_torrent_get_progress (torrent);

  switch (state)
    {
    case TS_TORRENT_STATE_ERROR:
      {
        const char *message = ts_torrent_get_error_message (torrent);

        if (message != NULL && *message != '\0')
          /* Translators: the download of a film failed; %s is the reason. */
          return g_strdup_printf (_("Download failed: %s"), message);
        return g_strdup (_("Download failed"));
      }

    case TS_TORRENT_STATE_FETCHING_METADATA:
      return g_strdup (_("Starting the download…"));

    case TS_TORRENT_STATE_CHECKING:
      /* Translators: checking the parts already on disk; %d is a percentage. */
      return g_strdup_printf (_("Checking — %d %%"), percent (progress));

    case TS_TORRENT_STATE_SEEDING:
      return g_strdup (_("Downloaded"));

    case TS_TORRENT_STATE_PAUSED:
      if (progress >= 1.0)
        return g_strdup (_("Downloaded"));
      /* Translators: a paused download; %d is a percentage. */
      return g_strdup_printf (_("Paused — %d %%"), percent (progress));

    case TS_TORRENT_STATE_DOWNLOADING:
    default:
      if (progress >= 1.0)
        return g_strdup (_("Downloaded"));
      /* Translators: %d is a percentage, e.g. “Downloading — 12 %”. */
      return g_strdup_printf (_("Downloading — %d %%"), percent (progress));
    }
}

char *
ts_movie_text_torrent_details (TsMovieTorrent *torrent)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  gint64 size;
  int seeds, peers;

  g_return_val_if_fail (TS_IS_MOVIE_TORRENT (torrent), NULL);

  size = ts_movie_torrent_get_size (torrent);
  seeds = ts_movie_torrent_get_seeds (torrent);
  peers = ts_movie_torrent_get_peers (torrent);

  if (size > 0)
    g_ptr_array_add (parts, g_format_size ((guint64) size));
  if (seeds >= 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%d seed", "%d seeds", seeds), seeds));
  if (peers >= 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%d peer", "%d peers", peers), peers));
  if (parts->len == 0)
    return NULL;
  g_ptr_array_add (parts, NULL);

  return g_strjoinv (" · ", (char **) parts->pdata);
}
