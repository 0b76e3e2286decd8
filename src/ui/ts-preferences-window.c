/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "ts-preferences-window.h"
#include "ts-session.h"

/* How a spin button shows its value. */
typedef enum {
  UNIT_COUNT,
  UNIT_PORT,
  UNIT_RATE,
  UNIT_SECONDS,
  UNIT_DAYS,
  UNIT_MIB,
  UNIT_GIB,
} Unit;

struct _TsPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  TsSession            *session;
  GSettings            *settings;
  GArray               *bindings;
  GtkFileChooserNative *chooser;
  /* The toast saying why the text of error_row was refused. */
  AdwToast             *error_toast;
  AdwEntryRow          *error_row;

  AdwActionRow         *download_folder_row;
  GtkButton            *download_folder_button;
  GtkButton            *download_folder_reset_button;
  GtkSpinButton        *download_limit_spin;
  GtkSpinButton        *upload_limit_spin;

  GtkSpinButton        *listen_port_spin;
  GtkSpinButton        *connections_limit_spin;
  AdwComboRow          *encryption_row;
  GtkSwitch            *dht_switch;
  GtkSwitch            *lsd_switch;
  GtkSwitch            *upnp_switch;
  GtkSwitch            *natpmp_switch;

  GtkSpinButton        *readahead_spin;
  GtkSwitch            *lan_sharing_switch;

  GtkSwitch            *cache_mode_switch;
  AdwActionRow         *cache_size_row;
  GtkSpinButton        *cache_size_spin;
  AdwActionRow         *cache_age_row;
  GtkSpinButton        *cache_age_spin;

  AdwComboRow          *catalog_provider_row;
  AdwEntryRow          *archive_url_row;
  AdwEntryRow          *archive_query_row;
  AdwEntryRow          *yts_url_row;
  GtkSpinButton        *poster_cache_spin;
};

G_DEFINE_FINAL_TYPE (TsPreferencesWindow, ts_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A property bound to a key. */
typedef struct
{
  GObject    *object;
  const char *property;
} Binding;

/* The schema's choices, in the order of the combo rows' items. */
static const char * const encryption_values[] = { "preferred", "required", "disabled", NULL };
static const char * const provider_values[] = { "archive", "yts", NULL };

/* libadwaita 1.2's search model keeps a reference to every preferences
 * group it sees (later versions release them), so the rows outlive the window: remember the
 * bindings to undo them, lest the rows keep the settings alive and writing. */
static void
bind (TsPreferencesWindow *self,
      const char          *key,
      gpointer             object,
      const char          *property,
      GSettingsBindFlags   flags)
{
  Binding binding = { object, property };

  g_settings_bind (self->settings, key, object, property, flags);
  g_array_append_val (self->bindings, binding);
}

/* Switches and spin buttons are their rows' activatable widgets, which
 * names them after the row's title. GTK 4.8 does not turn the row's
 * described-by relation into a description: give them the subtitle. */
static void
describe_control (GtkWidget *control)
{
  GtkWidget *row = gtk_widget_get_ancestor (control, ADW_TYPE_ACTION_ROW);
  const char *subtitle = row != NULL ? adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) : NULL;

  if (subtitle != NULL && subtitle[0] != '\0')
    gtk_accessible_update_property (GTK_ACCESSIBLE (control),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle,
                                    -1);
}

static void
bind_switch (TsPreferencesWindow *self,
             const char          *key,
             GtkSwitch           *control)
{
  bind (self, key, control, "active", G_SETTINGS_BIND_DEFAULT);
  describe_control (GTK_WIDGET (control));
}

/* Spin buttons */

static Unit
spin_unit (TsPreferencesWindow *self,
           GtkSpinButton       *spin)
{
  if (spin == self->download_limit_spin || spin == self->upload_limit_spin)
    return UNIT_RATE;
  if (spin == self->listen_port_spin)
    return UNIT_PORT;
  if (spin == self->readahead_spin)
    return UNIT_SECONDS;
  if (spin == self->cache_age_spin)
    return UNIT_DAYS;
  if (spin == self->cache_size_spin)
    return UNIT_GIB;
  if (spin == self->poster_cache_spin)
    return UNIT_MIB;
  return UNIT_COUNT;
}

/* The word shown instead of 0, for the keys where 0 means something. */
static const char *
unit_zero_text (Unit unit)
{
  switch (unit)
    {
    case UNIT_RATE:
      return _("Unlimited");
    case UNIT_PORT:
      /* Translators: the listening port when a free one is picked. */
      return _("Automatic");
    case UNIT_COUNT:
    case UNIT_SECONDS:
    case UNIT_DAYS:
    case UNIT_MIB:
    case UNIT_GIB:
    default:
      return NULL;
    }
}

static char *
format_value (Unit unit,
              int  value)
{
  const char *zero = unit_zero_text (unit);

  if (value == 0 && zero != NULL)
    return g_strdup (zero);

  switch (unit)
    {
    case UNIT_RATE:
      /* Translators: a speed limit in kibibytes per second. */
      return g_strdup_printf (_("%d KiB/s"), value);
    case UNIT_SECONDS:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d second", "%d seconds", value),
                              value);
    case UNIT_DAYS:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d day", "%d days", value), value);
    case UNIT_MIB:
      return g_strdup_printf (_("%d MiB"), value);
    case UNIT_GIB:
      return g_strdup_printf (_("%d GiB"), value);
    case UNIT_COUNT:
    case UNIT_PORT:
    default:
      return g_strdup_printf ("%d", value);
    }
}

static gboolean
spin_output_cb (GtkSpinButton       *spin,
                TsPreferencesWindow *self)
{
  int value = (int) gtk_adjustment_get_value (gtk_spin_button_get_adjustment (spin));
  g_autofree char *text = format_value (spin_unit (self, spin), value);

  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  /* Read “Unlimited”, not “0”. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text,
                                  -1);

  return TRUE;
}

/* Reads back what people type: a number, optionally followed by its unit
 * (kept within the key's range), or the word shown for 0. Anything else is
 * an error, which puts the old value back. */
static int
spin_input_cb (GtkSpinButton       *spin,
               double              *new_value,
               TsPreferencesWindow *self)
{
  const char *zero = unit_zero_text (spin_unit (self, spin));
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (spin))));
  char *end = NULL;
  gint64 value;

  if (zero != NULL)
    {
      g_autofree char *folded_text = g_utf8_casefold (text, -1);
      g_autofree char *folded_zero = g_utf8_casefold (zero, -1);

      if (text[0] == '\0' || g_str_equal (folded_text, folded_zero))
        {
          *new_value = 0;
          return TRUE;
        }
    }

  value = g_ascii_strtoll (text, &end, 10);
  if (end == text)
    return GTK_INPUT_ERROR;

  *new_value = CLAMP ((double) value,
                      gtk_adjustment_get_lower (gtk_spin_button_get_adjustment (spin)),
                      gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (spin)));
  return TRUE;
}

static void
bind_spin (TsPreferencesWindow *self,
           const char          *key,
           GtkSpinButton       *spin)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) schema_key = NULL;
  g_autoptr(GVariant) range = NULL;
  g_autoptr(GVariant) limits = NULL;
  GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (spin);
  const char *range_type;
  int min = 0;
  int max = G_MAXINT;

  /* The schema is the one place that knows the limits. */
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  schema_key = g_settings_schema_get_key (schema, key);
  range = g_settings_schema_key_get_range (schema_key);
  g_variant_get (range, "(&sv)", &range_type, &limits);
  if (g_str_equal (range_type, "range"))
    g_variant_get (limits, "(ii)", &min, &max);

  gtk_adjustment_set_lower (adjustment, min);
  gtk_adjustment_set_upper (adjustment, max);
  gtk_spin_button_set_digits (spin, 0);
  gtk_spin_button_set_update_policy (spin, GTK_UPDATE_IF_VALID);

  g_signal_connect_object (spin, "output", G_CALLBACK (spin_output_cb), self, 0);
  g_signal_connect_object (spin, "input", G_CALLBACK (spin_input_cb), self, 0);
  bind (self, key, adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  /* The value may not have changed from the adjustment's 0: format it now. */
  spin_output_cb (spin, self);
  describe_control (GTK_WIDGET (spin));
}

/* Combo rows */

static gboolean
choice_to_position (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char * const *choices = user_data;
  const char *choice = g_variant_get_string (variant, NULL);

  for (guint i = 0; choices[i] != NULL; i++)
    {
      if (g_str_equal (choices[i], choice))
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }

  return FALSE;
}

static GVariant *
position_to_choice (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  const char * const *choices = user_data;
  guint position = g_value_get_uint (value);

  /* Nothing is selected while the model changes: write nothing then. */
  if (position >= g_strv_length ((char **) choices))
    return NULL;

  return g_variant_new_string (choices[position]);
}

static void
bind_combo (TsPreferencesWindow *self,
            const char          *key,
            AdwComboRow         *row,
            const char * const  *choices)
{
  Binding binding = { G_OBJECT (row), "selected" };

  g_settings_bind_with_mapping (self->settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                choice_to_position, position_to_choice,
                                (gpointer) choices, NULL);
  g_array_append_val (self->bindings, binding);
}

/* Entry rows: written only when applied, and only when valid. */

static void
error_toast_dismissed_cb (TsPreferencesWindow *self)
{
  g_clear_object (&self->error_toast);
  self->error_row = NULL;
}

static void
set_entry_error (TsPreferencesWindow *self,
                 AdwEntryRow         *row,
                 const char          *message)
{
  GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (row));
  GtkAccessibleInvalidState invalid = message != NULL ? GTK_ACCESSIBLE_INVALID_TRUE
                                                      : GTK_ACCESSIBLE_INVALID_FALSE;

  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");

  gtk_widget_set_tooltip_text (GTK_WIDGET (row), message);
  gtk_accessible_update_state (GTK_ACCESSIBLE (row),
                               GTK_ACCESSIBLE_STATE_INVALID, invalid,
                               -1);
  if (text != NULL)
    gtk_accessible_update_state (GTK_ACCESSIBLE (text),
                                 GTK_ACCESSIBLE_STATE_INVALID, invalid,
                                 -1);

  /* The explanation goes with the error; a new one replaces it. */
  if (self->error_toast != NULL && (message != NULL || self->error_row == row))
    {
      g_autoptr(AdwToast) old = g_steal_pointer (&self->error_toast);

      g_signal_handlers_disconnect_by_data (old, self);
      self->error_row = NULL;
      adw_toast_dismiss (old);
    }

  if (message != NULL)
    {
      AdwToast *toast = adw_toast_new (message);

      adw_toast_set_timeout (toast, 6);
      self->error_toast = g_object_ref (toast);
      self->error_row = row;
      g_signal_connect_object (toast, "dismissed", G_CALLBACK (error_toast_dismissed_cb), self,
                               G_CONNECT_SWAPPED);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
    }
}

static const char *
entry_key (TsPreferencesWindow *self,
           AdwEntryRow         *row)
{
  if (row == self->archive_url_row)
    return "archive-url";
  if (row == self->archive_query_row)
    return "archive-query";
  if (row == self->yts_url_row)
    return "yts-url";
  g_return_val_if_reached (NULL);
}

static void
sync_entry (TsPreferencesWindow *self,
            AdwEntryRow         *row)
{
  g_autofree char *value = g_settings_get_string (self->settings, entry_key (self, row));

  if (g_strcmp0 (value, gtk_editable_get_text (GTK_EDITABLE (row))) != 0)
    {
      /* Not an edit, even while the row has the focus: no apply button. */
      adw_entry_row_set_show_apply_button (row, FALSE);
      gtk_editable_set_text (GTK_EDITABLE (row), value);
      adw_entry_row_set_show_apply_button (row, TRUE);
    }
  set_entry_error (self, row, NULL);
}

static gboolean
check_web_address (const char  *text,
                   GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL && strstr (text, "://") != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("This is not a valid web address"));
      return FALSE;
    }

  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Web addresses start with https:// or http://"));
      return FALSE;
    }

  host = g_uri_get_host (uri);
  if (host == NULL || host[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The address has no server name"));
      return FALSE;
    }

  return TRUE;
}

static void
entry_apply_cb (AdwEntryRow         *row,
                TsPreferencesWindow *self)
{
  const char *key = entry_key (self, row);
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  g_autoptr(GError) error = NULL;

  if (text[0] == '\0')
    {
      /* No YTS address turns that catalog off; the Internet Archive keys
       * fall back to their defaults. */
      if (row == self->yts_url_row)
        g_settings_set_string (self->settings, key, "");
      else
        g_settings_reset (self->settings, key);
      sync_entry (self, row);
      return;
    }

  if (row != self->archive_query_row && !check_web_address (text, &error))
    {
      set_entry_error (self, row, error->message);
      return;
    }

  g_settings_set_string (self->settings, key, text);
  sync_entry (self, row);
}

static void
entry_changed_cb (AdwEntryRow         *row,
                  TsPreferencesWindow *self)
{
  /* Editing is fixing: the error goes until the next apply. */
  if (gtk_widget_has_css_class (GTK_WIDGET (row), "error"))
    set_entry_error (self, row, NULL);
}

static void
setup_entry (TsPreferencesWindow *self,
             AdwEntryRow         *row)
{
  sync_entry (self, row);
  g_signal_connect_object (row, "apply", G_CALLBACK (entry_apply_cb), self, 0);
  g_signal_connect_object (row, "changed", G_CALLBACK (entry_changed_cb), self, 0);
}

/* Download folder */

static char *
display_path (const char *path)
{
  const char *home = g_get_home_dir ();
  gsize home_len = strlen (home);

  if (home_len > 1 && g_str_has_prefix (path, home) &&
      (path[home_len] == '/' || path[home_len] == '\0'))
    return g_strconcat ("~", path + home_len, NULL);

  return g_strdup (path);
}

static void
update_download_folder (TsPreferencesWindow *self)
{
  g_autofree char *value = g_settings_get_string (self->settings, "download-folder");
  g_autofree char *folder = ts_session_dup_download_folder (self->session);
  g_autofree char *shown = display_path (folder);
  gboolean is_default = value[0] == '\0';

  adw_action_row_set_subtitle (self->download_folder_row, shown);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->download_folder_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, folder,
                                  -1);
  gtk_widget_set_visible (GTK_WIDGET (self->download_folder_reset_button), !is_default);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.reset-download-folder", !is_default);
}

static void
chooser_response_cb (GtkNativeDialog     *chooser,
                     int                  response,
                     TsPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      const char *path = file != NULL ? g_file_peek_path (file) : NULL;

      if (path != NULL)
        g_settings_set_string (self->settings, "download-folder", path);
      else
        adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                          adw_toast_new (_("Choose a folder on this computer")));
    }

  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);
}

static void
choose_download_folder (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TsPreferencesWindow *self = TS_PREFERENCES_WINDOW (widget);
  g_autofree char *folder = NULL;
  g_autoptr(GFile) start = NULL;

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }

  self->chooser = gtk_file_chooser_native_new (_("Choose Download Folder"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);

  /* The folder only exists after the first download: open the nearest
   * folder above it until then (a few stats of local paths). */
  folder = ts_session_dup_download_folder (self->session);
  start = g_file_new_for_path (folder);
  while (!g_file_test (g_file_peek_path (start), G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GFile) parent = g_file_get_parent (start);

      if (parent == NULL)
        break;
      g_set_object (&start, parent);
    }
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), start, NULL);

  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
reset_download_folder (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TsPreferencesWindow *self = TS_PREFERENCES_WINDOW (widget);

  g_settings_reset (self->settings, "download-folder");
}

static void
settings_changed_cb (TsPreferencesWindow *self,
                     const char          *key)
{
  if (g_str_equal (key, "download-folder"))
    update_download_folder (self);
  else if (g_str_equal (key, "archive-url"))
    sync_entry (self, self->archive_url_row);
  else if (g_str_equal (key, "archive-query"))
    sync_entry (self, self->archive_query_row);
  else if (g_str_equal (key, "yts-url"))
    sync_entry (self, self->yts_url_row);
}

static void
ts_preferences_window_constructed (GObject *object)
{
  TsPreferencesWindow *self = TS_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (ts_preferences_window_parent_class)->constructed (object);

  g_return_if_fail (TS_IS_SESSION (self->session));
  self->settings = g_object_ref (ts_session_get_settings (self->session));

  /* Downloads. The row names its button after itself; the button says
   * what it does instead. */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->download_folder_button),
                                 GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  update_download_folder (self);
  bind_spin (self, "download-limit", self->download_limit_spin);
  bind_spin (self, "upload-limit", self->upload_limit_spin);

  /* Network */
  bind_spin (self, "listen-port", self->listen_port_spin);
  bind_spin (self, "connections-limit", self->connections_limit_spin);
  bind_combo (self, "encryption", self->encryption_row, encryption_values);
  bind_switch (self, "enable-dht", self->dht_switch);
  bind_switch (self, "enable-lsd", self->lsd_switch);
  bind_switch (self, "enable-upnp", self->upnp_switch);
  bind_switch (self, "enable-natpmp", self->natpmp_switch);

  /* Streaming */
  bind_spin (self, "streaming-readahead", self->readahead_spin);
  bind_switch (self, "lan-sharing", self->lan_sharing_switch);

  /* Storage: the limits only matter when streamed films are removed. */
  bind_switch (self, "cache-mode", self->cache_mode_switch);
  bind_spin (self, "cache-size-limit", self->cache_size_spin);
  bind_spin (self, "cache-max-age", self->cache_age_spin);
  bind (self, "cache-mode", self->cache_size_row, "sensitive", G_SETTINGS_BIND_GET);
  bind (self, "cache-mode", self->cache_age_row, "sensitive", G_SETTINGS_BIND_GET);

  /* Catalog */
  bind_combo (self, "catalog-provider", self->catalog_provider_row, provider_values);
  setup_entry (self, self->archive_url_row);
  setup_entry (self, self->archive_query_row);
  setup_entry (self, self->yts_url_row);
  bind_spin (self, "poster-cache-size", self->poster_cache_spin);

  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
ts_preferences_window_dispose (GObject *object)
{
  TsPreferencesWindow *self = TS_PREFERENCES_WINDOW (object);

  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }

  for (guint i = 0; self->bindings != NULL && i < self->bindings->len; i++)
    {
      Binding *binding = &g_array_index (self->bindings, Binding, i);

      g_settings_unbind (binding->object, binding->property);
      /* Binding a widget also ties its sensitivity to the key being writable. */
      if (GTK_IS_WIDGET (binding->object))
        g_settings_unbind (binding->object, "sensitive");
    }
  g_clear_pointer (&self->bindings, g_array_unref);
  if (self->error_toast != NULL)
    g_signal_handlers_disconnect_by_data (self->error_toast, self);
  g_clear_object (&self->error_toast);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (ts_preferences_window_parent_class)->dispose (object);
}

static void
ts_preferences_window_finalize (GObject *object)
{
  TsPreferencesWindow *self = TS_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (ts_preferences_window_parent_class)->finalize (object);
}

static void
ts_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  TsPreferencesWindow *self = TS_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  TsPreferencesWindow *self = TS_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_preferences_window_class_init (TsPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ts_preferences_window_constructed;
  object_class->dispose = ts_preferences_window_dispose;
  object_class->finalize = ts_preferences_window_finalize;
  object_class->get_property = ts_preferences_window_get_property;
  object_class->set_property = ts_preferences_window_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         TS_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "prefs.choose-download-folder", NULL,
                                   choose_download_folder);
  gtk_widget_class_install_action (widget_class, "prefs.reset-download-folder", NULL,
                                   reset_download_folder);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/TorrentStream/ts-preferences-window.ui");

  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, download_folder_row);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, download_folder_button);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow,
                                        download_folder_reset_button);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, download_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, upload_limit_spin);

  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, listen_port_spin);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, connections_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, encryption_row);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, dht_switch);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, lsd_switch);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, upnp_switch);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, natpmp_switch);

  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, readahead_spin);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, lan_sharing_switch);

  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, cache_mode_switch);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, cache_size_row);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, cache_size_spin);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, cache_age_row);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, cache_age_spin);

  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, catalog_provider_row);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, archive_url_row);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, archive_query_row);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, yts_url_row);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, poster_cache_spin);
}

static void
ts_preferences_window_init (TsPreferencesWindow *self)
{
  self->bindings = g_array_new (FALSE, FALSE, sizeof (Binding));
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ts_preferences_window_new (TsSession *session)
{
  g_return_val_if_fail (TS_IS_SESSION (session), NULL);

  return g_object_new (TS_TYPE_PREFERENCES_WINDOW,
                       "session", session,
                       NULL);
}

TsSession *
ts_preferences_window_get_session (TsPreferencesWindow *self)
{
  g_return_val_if_fail (TS_IS_PREFERENCES_WINDOW (self), NULL);

  return self->session;
}

void
ts_preferences_window_present_for (GtkWindow *parent,
                                   TsSession *session)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWidget *window;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (TS_IS_SESSION (session));

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (TS_IS_PREFERENCES_WINDOW (toplevel) &&
          gtk_window_get_transient_for (toplevel) == parent)
        {
          gtk_window_present (toplevel);
          return;
        }
    }

  window = ts_preferences_window_new (session);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_present (GTK_WINDOW (window));
}
