/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ts-engine-types.h"
#include "ts-library.h"
#include "ts-storage-manager.h"

G_BEGIN_DECLS

#define TS_TYPE_APPLICATION (ts_application_get_type ())
G_DECLARE_FINAL_TYPE (TsApplication, ts_application, TS, APPLICATION, AdwApplication)

TsApplication *ts_application_new         (void);
/* The download session, created in startup (NULL before). */
TsSession     *ts_application_get_session (TsApplication *self);
/* The library (ts-library.h), created in startup (NULL before). */
TsLibrary     *ts_application_get_library (TsApplication *self);
/* Disk space and cache mode (ts-storage-manager.h), created in startup. */
TsStorageManager *ts_application_get_storage_manager (TsApplication *self);

G_END_DECLS
