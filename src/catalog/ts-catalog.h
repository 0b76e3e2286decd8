/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Everything the rest of the app uses from the catalog layer. */
#pragma once

#include "ts-catalog-types.h"
#include "ts-catalog-query.h"
#include "ts-catalog-page.h"
#include "ts-catalog-provider.h"
#include "ts-archive-provider.h"
#include "ts-yts-provider.h"
#include "ts-movie.h"
#include "ts-movie-torrent.h"
#include "ts-poster-cache.h"
