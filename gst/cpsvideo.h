/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Video helpers shared by the cps elements (not installed).
 */
#ifndef __CPS_VIDEO_H__
#define __CPS_VIDEO_H__

#include <gst/video/video.h>
#include "cps_compute.h"

G_BEGIN_DECLS

/* The 8-bit YUV layouts avdec_h264 / nvh264dec produce for 8-bit
 * H.264 / H.265, plus 4:2:2 and 4:4:4 planar. */
#define CPS_VIDEO_FORMATS "{ NV12, I420, Y42B, Y444 }"
#define CPS_VIDEO_FORMATS_TEXT "NV12, I420, Y42B or Y444"
#define CPS_VIDEO_CAPS GST_VIDEO_CAPS_MAKE (CPS_VIDEO_FORMATS)
/* what the CUDA kernels read */
#define CPS_CUDA_VIDEO_CAPS \
    GST_VIDEO_CAPS_MAKE_WITH_FEATURES ("memory:CUDAMemory", "{ NV12, I420 }")

/* Adds the "sink" (and, with @src, "src") template: CPS_VIDEO_CAPS, after
 * CPS_CUDA_VIDEO_CAPS where the CUDA path is enabled (cpscudaelement.h). */
void cps_video_add_templates (GstElementClass * klass, gboolean src);

/* Sizes and chroma layout only (no plane pointers). */
void cps_image_layout_from_info (const GstVideoInfo * info, CpsImage * image);
void cps_image_from_frame (const GstVideoFrame * frame, CpsImage * image);
/* The part @region of @frame (its origin on the chroma grid). */
void cps_image_from_frame_region (const GstVideoFrame * frame,
    const GstVideoRectangle * region, CpsImage * image);

/* The display window inside the frames described by @info that arrive on
 * @sinkpad: the whole frame, or the part the stream's own size leaves
 * where the video decoder upstream did not apply the left or top crop of
 * the coded picture (avdec_h264 with offsets not aligned to its buffers).
 * The stream's size is the one the decoder's input caps report when a
 * parser set them (parsed=true: the display size of the SPS); the excess
 * is on the left and top, the crop the decoder skipped. */
void cps_video_display_window (GstPad * sinkpad, const GstVideoInfo * info,
    GstVideoRectangle * region);
void cps_color_matrix_from_info (const GstVideoInfo * info,
    CpsColorMatrix * matrix);

/* Whether metadata measured on a @frame_width × @frame_height frame (0:
 * unknown) describes the frames of @info; if not, posts an error on
 * @element: an element between the one that measured it and @element
 * rotated, cropped or scaled the frames, and the maps no longer say where
 * anything is. */
gboolean cps_video_check_meta_size (GstElement * element,
    const GstVideoInfo * info, const gchar * meta_name, guint frame_width,
    guint frame_height);

/* Answers an ACCEPT_CAPS query on @pad from its template and, when fixed
 * caps are refused, posts an error that names what is accepted. */
gboolean cps_video_accept_caps (GstElement * element, GstPad * pad,
    GstQuery * query);

G_END_DECLS
#endif
