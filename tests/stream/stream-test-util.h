/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A started TsSession on private dirs with a torrent from a local swarm, for
 * the stream and player tests. */
#pragma once

#include "ts-session.h"
#include "ts-test-util.h"
#include "ts-torrent-file.h"
#include "ts-torrent.h"

G_BEGIN_DECLS

#define STREAM_TEST_TIMEOUT_S 120

typedef struct {
  GSettings        *settings;
  TsSession        *session;
  TsTestSwarm      *swarm;        /* generated content, or NULL */
  TsTorrent        *torrent;
  /* With content of our own (stream_test_new_for_content). */
  GSubprocess      *seeder;
  GOutputStream    *seeder_stdin;
  GDataInputStream *seeder_lines;
  char             *content_root;
  char             *torrent_path;
  char             *peer;
} StreamTest;

/* Starts a swarm with @options, a loopback-only session, adds the swarm's
 * torrent and connects it to the seeder. */
StreamTest    *stream_test_new          (const TsTestSwarmOptions *options);
/* The same with files of our own (media made in the test): makes a torrent
 * of @content_root/@name with tsswarm.py and seeds it with python3-libtorrent
 * at @rate bytes/s (0 = unlimited). */
StreamTest    *stream_test_new_for_content (const char *content_root,
                                            const char *name,
                                            gint64      rate,
                                            guint       piece_size);
/* The seeder's upload limit (either kind of test). */
void           stream_test_set_rate     (StreamTest  *st,
                                         gint64       rate);

/* Drops the torrent, shuts the session down and checks that the session,
 * its torrents and the settings are finalized. */
void           stream_test_free         (StreamTest  *st);

TsTorrentFile *stream_test_file         (StreamTest  *st,
                                         const char  *basename);
/* The seeder's copy of @file, whole. */
GBytes        *stream_test_source_bytes (StreamTest    *st,
                                         TsTorrentFile *file);
void           stream_test_wait_complete(StreamTest  *st);
/* Drops the caller's reference and checks @object is finalized; a GTask
 * worker thread may hold the last reference for a moment after its result
 * arrived, so this waits up to 5 s (running the main loop). */
void           stream_test_assert_finalized (gpointer object);

G_END_DECLS
