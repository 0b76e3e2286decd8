/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "ts-http-provider.h"

#define FALLBACK_PAGE_SIZE 50
#define LARGEST_PAGE_SIZE  500

typedef struct
{
  SoupSession *session;
  guint        page_size;       /* 0: the class's default */
  guint        timeout_ms;
  guint        max_body_size;
} TsHttpProviderPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (TsHttpProvider, ts_http_provider, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PAGE_SIZE,
  PROP_TIMEOUT,
  PROP_MAX_BODY_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ts_http_provider_dispose (GObject *object)
{
  TsHttpProvider *self = TS_HTTP_PROVIDER (object);
  TsHttpProviderPrivate *priv = ts_http_provider_get_instance_private (self);

  /* Requests in flight end now, cancelled, rather than with the last
   * reference their tasks hold. */
  if (priv->session != NULL)
    soup_session_abort (priv->session);
  g_clear_object (&priv->session);

  G_OBJECT_CLASS (ts_http_provider_parent_class)->dispose (object);
}

static void
ts_http_provider_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TsHttpProvider *self = TS_HTTP_PROVIDER (object);
  TsHttpProviderPrivate *priv = ts_http_provider_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_PAGE_SIZE:
      g_value_set_uint (value, ts_http_provider_get_page_size (self));
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, priv->timeout_ms);
      break;
    case PROP_MAX_BODY_SIZE:
      g_value_set_uint (value, priv->max_body_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_uint (GObject    *object,
          guint      *field,
          guint       value,
          GParamSpec *pspec)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (object, pspec);
}

static void
ts_http_provider_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  TsHttpProvider *self = TS_HTTP_PROVIDER (object);
  TsHttpProviderPrivate *priv = ts_http_provider_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_PAGE_SIZE:
      set_uint (object, &priv->page_size, g_value_get_uint (value), pspec);
      break;
    case PROP_TIMEOUT:
      set_uint (object, &priv->timeout_ms, g_value_get_uint (value), pspec);
      break;
    case PROP_MAX_BODY_SIZE:
      set_uint (object, &priv->max_body_size, g_value_get_uint (value), pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_http_provider_class_init (TsHttpProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ts_http_provider_dispose;
  object_class->get_property = ts_http_provider_get_property;
  object_class->set_property = ts_http_provider_set_property;

  klass->default_page_size = FALLBACK_PAGE_SIZE;
  klass->max_page_size = LARGEST_PAGE_SIZE;

  /* Films a page asks for; an API that allows fewer gets its most. */
  properties[PROP_PAGE_SIZE] =
    g_param_spec_uint ("page-size", NULL, NULL, 1, LARGEST_PAGE_SIZE, FALLBACK_PAGE_SIZE, rw);
  /* Milliseconds without any progress before a request fails. */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT,
                       TS_CATALOG_DEFAULT_TIMEOUT * 1000, rw);
  properties[PROP_MAX_BODY_SIZE] =
    g_param_spec_uint ("max-body-size", NULL, NULL, 1, G_MAXUINT,
                       TS_CATALOG_DEFAULT_MAX_BODY, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ts_http_provider_init (TsHttpProvider *self)
{
  TsHttpProviderPrivate *priv = ts_http_provider_get_instance_private (self);

  priv->timeout_ms = TS_CATALOG_DEFAULT_TIMEOUT * 1000;
  priv->max_body_size = TS_CATALOG_DEFAULT_MAX_BODY;
  priv->session = ts_catalog_http_session_new (2);
}

guint
ts_http_provider_get_page_size (TsHttpProvider *self)
{
  TsHttpProviderPrivate *priv;
  TsHttpProviderClass *klass;

  g_return_val_if_fail (TS_IS_HTTP_PROVIDER (self), FALLBACK_PAGE_SIZE);

  priv = ts_http_provider_get_instance_private (self);
  klass = TS_HTTP_PROVIDER_GET_CLASS (self);
  if (priv->page_size == 0)
    return klass->default_page_size;
  return MIN (priv->page_size, klass->max_page_size);
}

void
ts_http_provider_fetch_async (TsHttpProvider      *self,
                              const char          *url,
                              TsCatalogParseFunc   parse,
                              gpointer             parse_data,
                              GDestroyNotify       parse_data_free,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  TsHttpProviderPrivate *priv;

  g_return_if_fail (TS_IS_HTTP_PROVIDER (self));
  g_return_if_fail (url != NULL);

  priv = ts_http_provider_get_instance_private (self);
  ts_catalog_http_fetch_parsed_async (self, priv->session, url, priv->timeout_ms,
                                      priv->max_body_size, parse, parse_data, parse_data_free,
                                      cancellable, callback, user_data);
}

gpointer
ts_http_provider_fetch_finish (TsHttpProvider  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (TS_IS_HTTP_PROVIDER (self), NULL);

  return ts_catalog_http_fetch_parsed_finish (self, result, error);
}
