/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "ts-catalog-util.h"
#include "ts-movie-torrent.h"

struct _TsMovieTorrent
{
  GObject  parent_instance;

  char    *label;
  gint64   size;
  int      seeds;
  int      peers;
  char    *magnet;
  char    *torrent_url;
  char    *info_hash;
  char    *file_hint;
};

G_DEFINE_FINAL_TYPE (TsMovieTorrent, ts_movie_torrent, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LABEL,
  PROP_SIZE,
  PROP_SEEDS,
  PROP_PEERS,
  PROP_MAGNET,
  PROP_TORRENT_URL,
  PROP_INFO_HASH,
  PROP_FILE_HINT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ts_movie_torrent_finalize (GObject *object)
{
  TsMovieTorrent *self = TS_MOVIE_TORRENT (object);

  g_free (self->label);
  g_free (self->magnet);
  g_free (self->torrent_url);
  g_free (self->info_hash);
  g_free (self->file_hint);

  G_OBJECT_CLASS (ts_movie_torrent_parent_class)->finalize (object);
}

static void
ts_movie_torrent_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TsMovieTorrent *self = TS_MOVIE_TORRENT (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_SIZE:
      g_value_set_int64 (value, self->size);
      break;
    case PROP_SEEDS:
      g_value_set_int (value, self->seeds);
      break;
    case PROP_PEERS:
      g_value_set_int (value, self->peers);
      break;
    case PROP_MAGNET:
      g_value_set_string (value, self->magnet);
      break;
    case PROP_TORRENT_URL:
      g_value_set_string (value, self->torrent_url);
      break;
    case PROP_INFO_HASH:
      g_value_set_string (value, self->info_hash);
      break;
    case PROP_FILE_HINT:
      g_value_set_string (value, self->file_hint);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static char *
dup_nonempty (const GValue *value)
{
  const char *text = g_value_get_string (value);

  return text != NULL && *text != '\0' ? g_strdup (text) : NULL;
}

static void
ts_movie_torrent_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  TsMovieTorrent *self = TS_MOVIE_TORRENT (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      g_free (self->label);
      self->label = g_value_dup_string (value);
      break;
    case PROP_SIZE:
      self->size = g_value_get_int64 (value);
      break;
    case PROP_SEEDS:
      self->seeds = g_value_get_int (value);
      break;
    case PROP_PEERS:
      self->peers = g_value_get_int (value);
      break;
    case PROP_MAGNET:
      g_free (self->magnet);
      self->magnet = dup_nonempty (value);
      break;
    case PROP_TORRENT_URL:
      g_free (self->torrent_url);
      self->torrent_url = dup_nonempty (value);
      break;
    case PROP_INFO_HASH:
      g_free (self->info_hash);
      self->info_hash = ts_catalog_normalize_info_hash (g_value_get_string (value));
      break;
    case PROP_FILE_HINT:
      g_free (self->file_hint);
      self->file_hint = dup_nonempty (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_movie_torrent_class_init (TsMovieTorrentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ts_movie_torrent_finalize;
  object_class->get_property = ts_movie_torrent_get_property;
  object_class->set_property = ts_movie_torrent_set_property;

  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, "", flags);
  properties[PROP_SIZE] =
    g_param_spec_int64 ("size", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_SEEDS] =
    g_param_spec_int ("seeds", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_PEERS] =
    g_param_spec_int ("peers", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_MAGNET] =
    g_param_spec_string ("magnet", NULL, NULL, NULL, flags);
  properties[PROP_TORRENT_URL] =
    g_param_spec_string ("torrent-url", NULL, NULL, NULL, flags);
  /* Normalised to lowercase hex; anything that is not an info-hash reads
   * back as NULL. */
  properties[PROP_INFO_HASH] =
    g_param_spec_string ("info-hash", NULL, NULL, NULL, flags);
  properties[PROP_FILE_HINT] =
    g_param_spec_string ("file-hint", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ts_movie_torrent_init (TsMovieTorrent *self)
{
  self->size = -1;
  self->seeds = -1;
  self->peers = -1;
}

const char *
ts_movie_torrent_get_label (TsMovieTorrent *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TORRENT (self), NULL);
  return self->label;
}

gint64
ts_movie_torrent_get_size (TsMovieTorrent *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TORRENT (self), -1);
  return self->size;
}

int
ts_movie_torrent_get_seeds (TsMovieTorrent *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TORRENT (self), -1);
  return self->seeds;
}

int
ts_movie_torrent_get_peers (TsMovieTorrent *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TORRENT (self), -1);
  return self->peers;
}

const char *
ts_movie_torrent_get_magnet (TsMovieTorrent *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TORRENT (self), NULL);
  return self->magnet;
}

const char *
ts_movie_torrent_get_torrent_url (TsMovieTorrent *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TORRENT (self), NULL);
  return self->torrent_url;
}

const char *
ts_movie_torrent_get_info_hash (TsMovieTorrent *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TORRENT (self), NULL);
  return self->info_hash;
}

const char *
ts_movie_torrent_get_file_hint (TsMovieTorrent *self)
{
  g_return_val_if_fail (TS_IS_MOVIE_TORRENT (self), NULL);
  return self->file_hint;
}
