/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

/* Whether @renderer (GL_RENDERER) names a GL that draws on the CPU. */
gboolean ts_renderer_is_software_gl (const char *renderer);

/* Call before the first window is shown, with the display open. Where GL
 * is drawn in software (llvmpipe, softpipe: a virtual machine, a desktop
 * without a GPU driver), GTK 4.8's GL renderer costs about twice the CPU of
 * cairo (play-bench: 2.9x ximagesink against 1.5x while the window plays a
 * 720p film) and more memory: then GSK_RENDERER is set to cairo. A
 * renderer the user chose with GSK_RENDERER is left alone. TRUE when it
 * chose cairo. */
gboolean ts_renderer_avoid_software_gl (GdkDisplay *display);

G_END_DECLS
