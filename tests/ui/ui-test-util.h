/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Set-up shared by the C tests of the user interface. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* g_test_init() with private HOME and XDG folders, messages in English
 * (C.UTF-8, where the tests compare texts), then GTK and libadwaita. The
 * system data folders are remembered before they are hidden, and the MIME
 * database is loaded from them first: GIO keeps it, and gdk-pixbuf needs
 * it to recognize the SVG icons. */
void ui_test_init             (int    *argc,
                               char ***argv);
/* The isolated XDG_DATA_DIRS hide the icon themes (GTK would warn): the
 * default display's icon theme searches the system's again. */
void ui_test_use_system_icons (void);

G_END_DECLS
