/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cpsupstream.h"

/* The element whose src pad feeds @pad, seen through ghost pads. */
static GstElement *
upstream_element (GstPad * pad)
{
  GstPad *peer = gst_pad_get_peer (pad);
  GstElement *el;

  while (peer && GST_IS_PROXY_PAD (peer)) {
    GstPad *next;

    if (GST_IS_GHOST_PAD (peer))        /* a bin's src: look inside */
      next = gst_ghost_pad_get_target (GST_GHOST_PAD (peer));
    else {                      /* inside a bin: look out of its sink */
      GstPad *ghost = GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD
              (peer)));
      next = ghost ? gst_pad_get_peer (ghost) : NULL;
      if (ghost)
        gst_object_unref (ghost);
    }
    gst_object_unref (peer);
    peer = next;
  }
  if (!peer)
    return NULL;
  el = gst_pad_get_parent_element (peer);
  gst_object_unref (peer);
  return el;
}

static GstPad *
only_sink_pad (GstElement * element)
{
  GstPad *pad = NULL;

  GST_OBJECT_LOCK (element);
  if (element->numsinkpads == 1)
    pad = gst_object_ref (element->sinkpads->data);
  GST_OBJECT_UNLOCK (element);
  return pad;
}

void
cps_walk_upstream (GstPad * sinkpad, CpsUpstreamVisitor visit,
    gpointer user_data)
{
  GstPad *pad = gst_object_ref (sinkpad);

  /* bounded: do not trust a pipeline to be short or acyclic */
  for (guint depth = 0; pad && depth < 32; depth++) {
    GstElement *el = upstream_element (pad);
    gboolean go_on;

    gst_clear_object (&pad);
    if (!el)
      break;
    go_on = visit (el, user_data);
    if (go_on)
      pad = only_sink_pad (el);
    gst_object_unref (el);
  }
  gst_clear_object (&pad);
}
