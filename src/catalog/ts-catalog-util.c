/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "ts-catalog-util.h"

JsonNode *
ts_catalog_json_parse (const char  *data,
                       gsize        length,
                       GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;

  if (data == NULL || length == 0 ||
      !json_parser_load_from_data (parser, data, length, &local_error) ||
      json_parser_get_root (parser) == NULL)
    {
      g_debug ("Catalog answer is not JSON: %s",
               local_error != NULL ? local_error->message : "empty");
      g_set_error_literal (error, TS_CATALOG_ERROR, TS_CATALOG_ERROR_INVALID_DATA,
                           _("The catalog server sent something that is not a film list"));
      return NULL;
    }
  return json_parser_steal_root (parser);
}

JsonObject *
ts_catalog_json_get_object (JsonObject *object,
                            const char *member)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

JsonArray *
ts_catalog_json_get_array (JsonObject *object,
                           const char *member)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

JsonObject *
ts_catalog_json_array_get_object (JsonArray *array,
                                  guint      index)
{
  JsonNode *node;

  if (array == NULL || index >= json_array_get_length (array))
    return NULL;
  node = json_array_get_element (array, index);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The member's value, or the first element when it is an array. */
static JsonNode *
get_scalar (JsonObject *object,
            const char *member)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      node = json_array_get_length (array) > 0 ? json_array_get_element (array, 0) : NULL;
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  return node;
}

static char *
scalar_to_string (JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_STRING)
    {
      g_autofree char *text = g_strstrip (g_strdup (json_node_get_string (node)));

      return *text != '\0' ? g_steal_pointer (&text) : NULL;
    }
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (type == G_TYPE_DOUBLE)
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];

      /* %.15g: "12.7", not the exact binary "12.699999999999999". */
      g_ascii_formatd (buffer, sizeof buffer, "%.15g", json_node_get_double (node));
      return g_strdup (buffer);
    }
  return NULL;
}

char *
ts_catalog_json_dup_string (JsonObject *object,
                            const char *member)
{
  JsonNode *node = get_scalar (object, member);

  return node != NULL ? scalar_to_string (node) : NULL;
}

static gboolean
parse_double (const char *text,
              double     *value)
{
  g_autofree char *copy = NULL;
  char *end = NULL;
  double result;

  if (text == NULL)
    return FALSE;
  copy = g_strstrip (g_strdup (text));
  if (*copy == '\0')
    return FALSE;
  result = g_ascii_strtod (copy, &end);
  if (end == copy || *end != '\0' || !isfinite (result))
    return FALSE;
  *value = result;
  return TRUE;
}

gboolean
ts_catalog_json_get_double (JsonObject *object,
                            const char *member,
                            double     *value)
{
  JsonNode *node = get_scalar (object, member);
  GType type;

  if (node == NULL)
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      *value = (double) json_node_get_int (node);
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      double result = json_node_get_double (node);

      if (!isfinite (result))
        return FALSE;
      *value = result;
      return TRUE;
    }
  if (type == G_TYPE_STRING)
    return parse_double (json_node_get_string (node), value);
  return FALSE;
}

gboolean
ts_catalog_json_get_int64 (JsonObject *object,
                           const char *member,
                           gint64     *value)
{
  JsonNode *node = get_scalar (object, member);
  GType type;
  double result;

  if (node == NULL)
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return TRUE;
    }
  if (type == G_TYPE_STRING)
    {
      g_autofree char *copy = g_strstrip (g_strdup (json_node_get_string (node)));
      gint64 integer;

      if (g_ascii_string_to_signed (copy, 10, G_MININT64, G_MAXINT64, &integer, NULL))
        {
          *value = integer;
          return TRUE;
        }
    }
  /* "3542.04", 7.0: truncate, but only within range. */
  if (!ts_catalog_json_get_double (object, member, &result) ||
      result < -9.2e18 || result > 9.2e18)
    return FALSE;
  *value = (gint64) result;
  return TRUE;
}

static void
add_unique (GPtrArray  *array,
            const char *text)
{
  g_autofree char *copy = NULL;

  if (text == NULL)
    return;
  copy = g_strstrip (g_strdup (text));
  if (*copy == '\0')
    return;
  for (guint i = 0; i < array->len; i++)
    if (g_utf8_collate (g_ptr_array_index (array, i), copy) == 0 ||
        g_ascii_strcasecmp (g_ptr_array_index (array, i), copy) == 0)
      return;
  g_ptr_array_add (array, g_steal_pointer (&copy));
}

static void
add_split (GPtrArray  *array,
           const char *text,
           const char *separators)
{
  g_auto(GStrv) parts = NULL;

  if (separators == NULL)
    {
      add_unique (array, text);
      return;
    }
  parts = g_strsplit_set (text, separators, -1);
  for (guint i = 0; parts[i] != NULL; i++)
    add_unique (array, parts[i]);
}

char **
ts_catalog_json_dup_strv (JsonObject *object,
                          const char *member,
                          const char *separators)
{
  g_autoptr(GPtrArray) array = g_ptr_array_new_with_free_func (g_free);
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *elements = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (elements); i++)
        {
          JsonNode *element = json_array_get_element (elements, i);

          if (JSON_NODE_HOLDS_VALUE (element) &&
              json_node_get_value_type (element) == G_TYPE_STRING)
            add_split (array, json_node_get_string (element), separators);
        }
    }
  else if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
           json_node_get_value_type (node) == G_TYPE_STRING)
    {
      add_split (array, json_node_get_string (node), separators);
    }

  g_ptr_array_add (array, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&array), FALSE);
}

/* HTML to text -------------------------------------------------------------- */

typedef struct {
  GString *out;
  int      pending_breaks;  /* 0, 1 (line break) or 2 (paragraph break) */
} TextBuilder;

static void
builder_break (TextBuilder *builder,
               int          level)
{
  builder->pending_breaks = MIN (MAX (builder->pending_breaks, level), 2);
}

static void
builder_space (TextBuilder *builder)
{
  if (builder->out->len > 0 && builder->pending_breaks == 0 &&
      builder->out->str[builder->out->len - 1] != ' ')
    g_string_append_c (builder->out, ' ');
}

static void
builder_text (TextBuilder *builder,
              const char  *text,
              gssize       length)
{
  if (builder->pending_breaks > 0)
    {
      if (builder->out->len > 0)
        {
          while (builder->out->len > 0 && builder->out->str[builder->out->len - 1] == ' ')
            g_string_truncate (builder->out, builder->out->len - 1);
          g_string_append (builder->out, builder->pending_breaks > 1 ? "\n\n" : "\n");
        }
      builder->pending_breaks = 0;
    }
  g_string_append_len (builder->out, text, length);
}

static const char * const paragraph_tags[] = {
  "p", "div", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote",
  "pre", "section", "article", "header", "footer", "hr", NULL
};
static const char * const line_tags[] = { "br", "li", "tr", "dt", "dd", NULL };

/* Lowercased tag name of the tag starting at @p ('<'), or NULL. */
static char *
tag_name (const char *p)
{
  const char *start;

  p++;
  if (*p == '/')
    p++;
  start = p;
  while (g_ascii_isalnum (*p))
    p++;
  return p > start ? g_ascii_strdown (start, p - start) : NULL;
}

static gboolean
has_block_tags (const char *html)
{
  for (const char *p = strchr (html, '<'); p != NULL; p = strchr (p + 1, '<'))
    {
      g_autofree char *name = tag_name (p);

      if (name != NULL &&
          (g_strv_contains (paragraph_tags, name) || g_strv_contains (line_tags, name)))
        return TRUE;
    }
  return FALSE;
}

/* Decodes the entity at @p ('&'); returns the bytes consumed, 0 if it is not
 * one. */
static gsize
decode_entity (const char *p,
               GString    *out)
{
  static const struct { const char *name; const char *text; } named[] = {
    { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" },
    { "nbsp", " " }, { "mdash", "—" }, { "ndash", "–" }, { "hellip", "…" },
    { "rsquo", "’" }, { "lsquo", "‘" }, { "rdquo", "”" }, { "ldquo", "“" },
  };
  const char *semicolon = strchr (p, ';');
  gsize length;

  if (semicolon == NULL || semicolon - p > 10 || semicolon - p < 3)
    return 0;
  length = semicolon - p + 1;

  if (p[1] == '#')
    {
      gboolean hex = p[2] == 'x' || p[2] == 'X';
      g_autofree char *digits = g_strndup (p + (hex ? 3 : 2), semicolon - p - (hex ? 3 : 2));
      guint64 code;

      if (!g_ascii_string_to_unsigned (digits, hex ? 16 : 10, 1, 0x10FFFF, &code, NULL) ||
          !g_unichar_validate ((gunichar) code))
        return 0;
      g_string_append_unichar (out, (gunichar) code);
      return length;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (named); i++)
    if (strlen (named[i].name) == length - 2 &&
        strncmp (p + 1, named[i].name, length - 2) == 0)
      {
        g_string_append (out, named[i].text);
        return length;
      }
  return 0;
}

char *
ts_catalog_html_to_text (const char *html)
{
  TextBuilder builder = { NULL, 0 };
  gboolean html_mode;
  const char *p;

  if (html == NULL)
    return NULL;

  /* Descriptions mix plain text and HTML. With block tags present, source
   * newlines are just whitespace (as a browser shows them); without, they
   * are the only line breaks there are. */
  html_mode = has_block_tags (html);
  builder.out = g_string_new (NULL);

  for (p = html; *p != '\0';)
    {
      if (*p == '<')
        {
          const char *close = strchr (p, '>');
          g_autofree char *name = tag_name (p);

          if (close != NULL && (name != NULL || p[1] == '!' || p[1] == '/'))
            {
              if (name != NULL && (strcmp (name, "script") == 0 || strcmp (name, "style") == 0) &&
                  p[1] != '/')
                {
                  g_autofree char *end_tag = g_strdup_printf ("</%s", name);
                  const char *end = strstr (close, end_tag);

                  close = end != NULL ? strchr (end, '>') : NULL;
                  if (close == NULL)
                    break;
                }
              else if (name != NULL && g_strv_contains (paragraph_tags, name))
                builder_break (&builder, 2);
              else if (name != NULL && g_strv_contains (line_tags, name))
                builder_break (&builder, 1);
              p = close + 1;
              continue;
            }
          builder_text (&builder, "<", 1);
          p++;
        }
      else if (*p == '&')
        {
          g_autoptr(GString) decoded = g_string_new (NULL);
          gsize used = decode_entity (p, decoded);

          if (used > 0 && strcmp (decoded->str, " ") == 0)
            builder_space (&builder);
          else if (used > 0)
            builder_text (&builder, decoded->str, decoded->len);
          else
            builder_text (&builder, "&", 1);
          p += used > 0 ? used : 1;
        }
      else if (*p == '\n' && !html_mode)
        {
          builder_break (&builder, builder.pending_breaks + 1);
          p++;
        }
      else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f')
        {
          builder_space (&builder);
          p++;
        }
      else
        {
          const char *next = g_utf8_next_char (p);

          builder_text (&builder, p, next - p);
          p = next;
        }
    }

  while (builder.out->len > 0 && builder.out->str[builder.out->len - 1] == ' ')
    g_string_truncate (builder.out, builder.out->len - 1);
  return g_string_free (builder.out, FALSE);
}

/* Runtimes ------------------------------------------------------------------ */

static guint
minutes_from_seconds (double seconds)
{
  if (!(seconds > 0) || seconds > 1e7)
    return 0;
  return (guint) MAX (1, lround (seconds / 60.0));
}

/* "H:M:S" or "M:S" as seconds; -1 when @text is not that. */
static double
parse_clock (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);
  guint n = g_strv_length (parts);
  double total = 0;

  if (n < 2 || n > 3)
    return -1;
  for (guint i = 0; i < n; i++)
    {
      double value;

      if (!parse_double (parts[i], &value) || value < 0)
        return -1;
      total = total * 60 + value;
    }
  return total;
}

guint
ts_catalog_parse_runtime (const char *text)
{
  g_autofree char *lower = NULL;
  double total = 0;
  gboolean found = FALSE;
  const char *p;

  if (text == NULL)
    return 0;
  lower = g_strstrip (g_ascii_strdown (text, -1));
  if (strchr (lower, ':') != NULL)
    return minutes_from_seconds (parse_clock (lower));

  /* "92 min", "1 hr 32 min", "1h32m", "92 minutes 10 seconds", "92" */
  for (p = lower; *p != '\0';)
    {
      char *end = NULL;
      double value;

      if (!g_ascii_isdigit (*p))
        {
          p++;
          continue;
        }
      value = g_ascii_strtod (p, &end);
      if (end == p)
        break;
      p = end;
      while (*p == ' ')
        p++;
      if (*p == 'h')
        total += value * 3600;
      else if (*p == 's')
        total += value;
      else
        total += value * 60;
      found = TRUE;
      while (g_ascii_isalpha (*p) || *p == '.')
        p++;
    }
  return found ? minutes_from_seconds (total) : 0;
}

guint
ts_catalog_parse_length_seconds (const char *text)
{
  double seconds;

  if (text == NULL)
    return 0;
  if (strchr (text, ':') != NULL)
    return minutes_from_seconds (parse_clock (text));
  if (!parse_double (text, &seconds))
    return 0;
  return minutes_from_seconds (seconds);
}

int
ts_catalog_parse_year (const char *text)
{
  if (text == NULL)
    return 0;
  for (const char *p = text; *p != '\0'; p++)
    {
      int digits = 0;

      if (p != text && g_ascii_isdigit (p[-1]))
        continue;
      while (g_ascii_isdigit (p[digits]))
        digits++;
      if (digits == 4)
        {
          int year = (int) g_ascii_strtoll (p, NULL, 10);

          if (year >= 1850 && year <= 2200)
            return year;
        }
    }
  return 0;
}

/* Info-hashes --------------------------------------------------------------- */

char *
ts_catalog_normalize_info_hash (const char *hash)
{
  g_autofree char *copy = NULL;
  gsize length;

  if (hash == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (hash));
  length = strlen (copy);

  if (length == 40)
    {
      for (gsize i = 0; i < length; i++)
        if (!g_ascii_isxdigit (copy[i]))
          return NULL;
      return g_ascii_strdown (copy, -1);
    }

  if (length == 32)
    {
      /* Base32 (RFC 4648), as some magnets carry it: 32 × 5 bits = 20 bytes. */
      guint8 bytes[20] = { 0 };
      guint bit = 0;
      GString *hex;

      for (gsize i = 0; i < length; i++)
        {
          char c = g_ascii_toupper (copy[i]);
          guint value;

          if (c >= 'A' && c <= 'Z')
            value = c - 'A';
          else if (c >= '2' && c <= '7')
            value = c - '2' + 26;
          else
            return NULL;
          for (int b = 4; b >= 0; b--, bit++)
            if (value & (1u << b))
              bytes[bit / 8] |= 0x80 >> (bit % 8);
        }
      hex = g_string_sized_new (40);
      for (gsize i = 0; i < sizeof bytes; i++)
        g_string_append_printf (hex, "%02x", bytes[i]);
      return g_string_free (hex, FALSE);
    }

  return NULL;
}

char *
ts_catalog_build_url (const char *base,
                      const char *path)
{
  gsize length = strlen (base);

  while (length > 0 && base[length - 1] == '/')
    length--;
  return g_strdup_printf ("%.*s%s", (int) length, base, path);
}
