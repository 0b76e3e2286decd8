/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the catalog parsers. Internal to src/catalog/ (and its
 * tests). */
#pragma once

#include <json-glib/json-glib.h>

#include "ts-catalog-types.h"

G_BEGIN_DECLS

/* Parses a whole JSON document; any failure is TS_CATALOG_ERROR_INVALID_DATA
 * with a message a person understands. */
JsonNode  *ts_catalog_json_parse            (const char  *data,
                                             gsize        length,
                                             GError     **error);

/* Lenient readers for APIs that send the same field as a string, a number or
 * a one-element array depending on the record. A missing member, null, or a
 * value of an unusable type reads as absent (NULL / FALSE). */
JsonObject *ts_catalog_json_get_object      (JsonObject  *object,
                                             const char  *member);
JsonArray  *ts_catalog_json_get_array       (JsonObject  *object,
                                             const char  *member);
/* Element @index when it is an object, else NULL. */
JsonObject *ts_catalog_json_array_get_object (JsonArray   *array,
                                              guint        index);
/* Trimmed; NULL when absent or empty. Numbers are printed. */
char       *ts_catalog_json_dup_string      (JsonObject  *object,
                                             const char  *member);
gboolean    ts_catalog_json_get_int64       (JsonObject  *object,
                                             const char  *member,
                                             gint64      *value);
gboolean    ts_catalog_json_get_double      (JsonObject  *object,
                                             const char  *member,
                                             double      *value);
/* An array of strings, or a single string split at any of @separators (may
 * be NULL), trimmed, without empty or repeated entries. Never NULL. */
char      **ts_catalog_json_dup_strv        (JsonObject  *object,
                                             const char  *member,
                                             const char  *separators);

/* Plain text from an HTML fragment: tags dropped, block tags turned into
 * line breaks, entities decoded, whitespace tidied. */
char      *ts_catalog_html_to_text          (const char  *html);
/* Minutes from "59:02", "1:32:10", "92 min", "1 hr 32 min", "92"; 0 when it
 * cannot tell. */
guint      ts_catalog_parse_runtime         (const char  *text);
/* Minutes from a length in seconds ("3542.04") or in H:M:S. */
guint      ts_catalog_parse_length_seconds  (const char  *text);
/* The first plausible four-digit year in @text ("1950", "2015-02-20",
 * "c. 1950"); 0 when there is none. */
int        ts_catalog_parse_year            (const char  *text);
/* 40 lowercase hex digits from a hex or base32 info-hash; NULL when @hash is
 * not one. */
char      *ts_catalog_normalize_info_hash   (const char  *hash);
/* @base without trailing slashes, followed by @path. */
char      *ts_catalog_build_url             (const char  *base,
                                             const char  *path);

G_END_DECLS
