/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cpsvideo.h"
#include "cpscudaelement.h"
#include "cpsupstream.h"

#include <gst/video/gstvideodecoder.h>

void
cps_image_layout_from_info (const GstVideoInfo * info, CpsImage * image)
{
  const GstVideoFormatInfo *finfo = info->finfo;
  GstVideoChromaSite site = info->chroma_site;

  image->width = GST_VIDEO_INFO_WIDTH (info);
  image->height = GST_VIDEO_INFO_HEIGHT (info);
  image->chroma_x_shift = GST_VIDEO_FORMAT_INFO_W_SUB (finfo, 1);
  image->chroma_y_shift = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, 1);
  image->uv_interleaved = GST_VIDEO_INFO_N_PLANES (info) == 2;
  /* Unknown siting: H.264's default, co-sited horizontally (MPEG-2). */
  if (site == GST_VIDEO_CHROMA_SITE_UNKNOWN)
    site = GST_VIDEO_CHROMA_SITE_MPEG2;
  image->chroma_h_cosited = (site & GST_VIDEO_CHROMA_SITE_H_COSITED) != 0;
  image->chroma_v_cosited = (site & GST_VIDEO_CHROMA_SITE_V_COSITED) != 0;
}

void
cps_image_from_frame (const GstVideoFrame * frame, CpsImage * image)
{
  cps_image_layout_from_info (&frame->info, image);
  for (guint i = 0; i < 3; i++) {
    guint p = MIN (i, GST_VIDEO_FRAME_N_PLANES (frame) - 1);

    image->planes[i] = GST_VIDEO_FRAME_PLANE_DATA (frame, p);
    image->strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
  }
}

void
cps_image_from_frame_region (const GstVideoFrame * frame,
    const GstVideoRectangle * region, CpsImage * image)
{
  cps_image_from_frame (frame, image);
  for (guint i = 0; i < 3; i++) {
    gint xs = i ? image->chroma_x_shift : 0, ys = i ? image->chroma_y_shift : 0;
    gint pixel = i && image->uv_interleaved ? 2 : 1;

    image->planes[i] += (gsize) (region->y >> ys) * image->strides[i] +
        (gsize) (region->x >> xs) * pixel;
  }
  image->width = region->w;
  image->height = region->h;
}

static gboolean
find_decoder (GstElement * element, gpointer decoder)
{
  if (!GST_IS_VIDEO_DECODER (element))
    return TRUE;
  *(GstElement **) decoder = gst_object_ref (element);
  return FALSE;
}

/* The width and height of @pad's current caps; with @parsed, only where a
 * parser set them (a container's idea of the size does not count). */
static gboolean
pad_size (GstElement * element, const gchar * name, gboolean parsed,
    gint * w, gint * h)
{
  GstPad *pad = gst_element_get_static_pad (element, name);
  GstCaps *caps = pad ? gst_pad_get_current_caps (pad) : NULL;
  GstStructure *s = caps ? gst_caps_get_structure (caps, 0) : NULL;
  gboolean by_parser = FALSE;
  gboolean ok = s && gst_structure_get_int (s, "width", w) &&
      gst_structure_get_int (s, "height", h) && (!parsed ||
      (gst_structure_get_boolean (s, "parsed", &by_parser) && by_parser));

  gst_clear_caps (&caps);
  gst_clear_object (&pad);
  return ok;
}

void
cps_video_display_window (GstPad * sinkpad, const GstVideoInfo * info,
    GstVideoRectangle * region)
{
  GstElement *decoder = NULL;
  gint w = GST_VIDEO_INFO_WIDTH (info), h = GST_VIDEO_INFO_HEIGHT (info);
  gint out_w, out_h, disp_w, disp_h, dx, dy;

  region->x = region->y = 0;
  region->w = w;
  region->h = h;
  cps_walk_upstream (sinkpad, find_decoder, &decoder);
  if (!decoder)
    return;
  /* only frames as the decoder made them: after a scaler the sizes
   * compare to nothing */
  if (pad_size (decoder, "src", FALSE, &out_w, &out_h) && out_w == w &&
      out_h == h && pad_size (decoder, "sink", TRUE, &disp_w, &disp_h) &&
      disp_w > 0 && disp_h > 0 && disp_w <= w && disp_h <= h) {
    dx = w - disp_w;
    dy = h - disp_h;
    /* the coded crop is counted in chroma samples, so this holds; a window
     * off the chroma grid would mean another cause: leave the frame be */
    if (dx % (1 << GST_VIDEO_FORMAT_INFO_W_SUB (info->finfo, 1)) == 0 &&
        dy % (1 << GST_VIDEO_FORMAT_INFO_H_SUB (info->finfo, 1)) == 0) {
      region->x = dx;
      region->y = dy;
      region->w = disp_w;
      region->h = disp_h;
    }
  }
  gst_object_unref (decoder);
}

/* RGB in [0, 255] from the stream's own matrix and range (docs/algorithm.md:
 * the plugin follows the colorimetry, unlike the reference). */
void
cps_color_matrix_from_info (const GstVideoInfo * info,
    CpsColorMatrix * matrix)
{
  gint offset[GST_VIDEO_MAX_COMPONENTS], scale[GST_VIDEO_MAX_COMPONENTS];
  gdouble kr, kb, kg, ys, cs;
  GstVideoColorMatrix cm = info->colorimetry.matrix;

  if (cm == GST_VIDEO_COLOR_MATRIX_UNKNOWN || cm == GST_VIDEO_COLOR_MATRIX_RGB)
    cm = info->height > 576 ? GST_VIDEO_COLOR_MATRIX_BT709 :
        GST_VIDEO_COLOR_MATRIX_BT601;
  if (!gst_video_color_matrix_get_Kr_Kb (cm, &kr, &kb)) {
    kr = 0.299;
    kb = 0.114;
  }
  kg = 1.0 - kr - kb;
  gst_video_color_range_offsets (info->colorimetry.range, info->finfo,
      offset, scale);
  ys = 255.0 / scale[0];
  cs = 255.0 / scale[1];

  /* r = y' + 2(1-kr) v', b = y' + 2(1-kb) u', g = (y' - kr r - kb b) / kg,
   * with y' = (Y - oy) ys, u' = (U - oc) cs, v' = (V - oc) cs. */
  {
    gdouble m[3][3] = {
      {ys, 0.0, 2.0 * (1.0 - kr) * cs},
      {ys, -2.0 * (1.0 - kb) * kb / kg * cs, -2.0 * (1.0 - kr) * kr / kg * cs},
      {ys, 2.0 * (1.0 - kb) * cs, 0.0},
    };
    for (gint r = 0; r < 3; r++) {
      matrix->offset[r] = (gfloat) (-m[r][0] * offset[0] - m[r][1] * offset[1]
          - m[r][2] * offset[2]);
      for (gint c = 0; c < 3; c++)
        matrix->m[r][c] = (gfloat) m[r][c];
    }
  }
}

gboolean
cps_video_check_meta_size (GstElement * element, const GstVideoInfo * info,
    const gchar * meta_name, guint frame_width, guint frame_height)
{
  if (frame_width == 0 || (frame_width == (guint) info->width &&
          frame_height == (guint) info->height))
    return TRUE;
  GST_ELEMENT_ERROR (element, STREAM, FORMAT,
      ("%s was measured on %ux%u frames but arrives on %dx%d frames: an "
          "element before %s rotated, cropped or scaled the video after "
          "cpsmotion. Put such elements before cpsmotion.", meta_name,
          frame_width, frame_height, info->width, info->height,
          GST_ELEMENT_NAME (element)), (NULL));
  return FALSE;
}

gboolean
cps_video_accept_caps (GstElement * element, GstPad * pad, GstQuery * query)
{
  GstCaps *caps, *tmpl;
  gboolean ok;

  gst_query_parse_accept_caps (query, &caps);
  tmpl = cps_cuda_filter_caps (gst_pad_get_pad_template_caps (pad));
  ok = gst_caps_can_intersect (caps, tmpl) &&
      (!gst_caps_is_fixed (caps) || gst_caps_is_subset (caps, tmpl));
  gst_caps_unref (tmpl);
  gst_query_set_accept_caps_result (query, ok);

  /* Upstream elements that can convert ask with unfixed caps first; fixed
   * caps that do not fit are a real negotiation failure. */
  if (!ok && gst_caps_is_fixed (caps)) {
    gchar *s = gst_caps_to_string (caps);

    if (cps_caps_are_cuda (caps))
      GST_ELEMENT_ERROR (element, CORE, NEGOTIATION,
          ("%s does not take CUDA memory here: %s.",
              GST_ELEMENT_NAME (element), cps_cuda_unavailable ()),
          ("refused caps: %s", s));
    else
      GST_ELEMENT_ERROR (element, CORE, NEGOTIATION,
          ("%s accepts raw video in " CPS_VIDEO_FORMATS_TEXT " only; put "
              "videoconvert before it for other formats.",
              GST_ELEMENT_NAME (element)), ("refused caps: %s", s));
    g_free (s);
  }
  return TRUE;
}

void
cps_video_add_templates (GstElementClass * klass, gboolean src)
{
  GstCaps *caps = cps_cuda_template_caps (CPS_CUDA_VIDEO_CAPS,
      CPS_VIDEO_CAPS);

  gst_element_class_add_pad_template (klass,
      gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  if (src)
    gst_element_class_add_pad_template (klass,
        gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
}
