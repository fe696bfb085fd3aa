/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstcpsmotion.h"
#include "gstcpsenergy.h"
#include "gstcpstopk.h"
#include "gstcpspatchsink.h"
#include "gstcpsviz.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (cpsmotion, plugin);
  ret |= GST_ELEMENT_REGISTER (cpsenergy, plugin);
  ret |= GST_ELEMENT_REGISTER (cpstopk, plugin);
  ret |= GST_ELEMENT_REGISTER (cpspatchsink, plugin);
  ret |= GST_ELEMENT_REGISTER (cpsviz, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, cps,
    "Codec patch selection: the video patches that matter for ViTs",
    plugin_init, VERSION, "LGPL", PACKAGE_NAME, PACKAGE_ORIGIN)
