/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The public metadata of the cps plugin set.  Applications link to
 * `pkg-config --libs cps-1.0` and read a patch buffer's CpsPatchMeta.
 */
#ifndef __CPS_META_H__
#define __CPS_META_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * CPS_PATCH_CAPS_NAME:
 *
 * The media type of the patch buffers cpstopk pushes.  Fields:
 * patch-size (int), channels (int, 3), dtype (string: bf16, fp16, fp32, u8).
 */
#define CPS_PATCH_CAPS_NAME "application/x-cps-patches"

/**
 * CPS_PATCH_CAPS_ANY_MEMORY:
 *
 * Patch caps in system memory or, from cpstopk's CUDA path, in CUDA memory
 * (which a plain gst_buffer_map() downloads).  For consumers' templates.
 */
#define CPS_PATCH_CAPS_ANY_MEMORY \
    CPS_PATCH_CAPS_NAME "; " CPS_PATCH_CAPS_NAME "(memory:CUDAMemory)"

/**
 * CpsPatchDtype:
 * @CPS_PATCH_DTYPE_BF16: bfloat16, 2 bytes, little endian
 * @CPS_PATCH_DTYPE_FP16: IEEE half, 2 bytes, little endian
 * @CPS_PATCH_DTYPE_FP32: IEEE single, 4 bytes, little endian
 * @CPS_PATCH_DTYPE_U8: unsigned 8-bit, rounded to nearest
 *
 * Element type of patch pixel values (0–255 in every dtype).
 */
typedef enum {
  CPS_PATCH_DTYPE_BF16 = 0,
  CPS_PATCH_DTYPE_FP16 = 1,
  CPS_PATCH_DTYPE_FP32 = 2,
  CPS_PATCH_DTYPE_U8 = 3,
} CpsPatchDtype;

const gchar *cps_patch_dtype_to_string (CpsPatchDtype dtype);
gboolean cps_patch_dtype_from_string (const gchar * s, CpsPatchDtype * dtype);
gsize cps_patch_dtype_size (CpsPatchDtype dtype);

/**
 * CpsPatchField:
 *
 * Columns of CpsPatchMeta.fields, one int64 row of %CPS_PATCH_N_FIELDS per
 * patch (the reference's metadata layout).
 */
typedef enum {
  CPS_PATCH_FIELD_SEQ_POS = 0,
  CPS_PATCH_FIELD_FRAME_ID = 1,
  CPS_PATCH_FIELD_IS_I = 2,
  CPS_PATCH_FIELD_LINEAR_IDX = 3,
  CPS_PATCH_FIELD_H_IDX = 4,
  CPS_PATCH_FIELD_W_IDX = 5,
  CPS_PATCH_N_FIELDS = 6,
} CpsPatchField;

/**
 * CpsPatchMeta:
 * @meta: parent #GstMeta
 * @n_patches: N, the patches in the buffer
 * @patch_size: P (patches are P × P)
 * @channels: C, always 3 (RGB)
 * @dtype: element type of the buffer's data
 * @grid_height: hb, patch rows per frame
 * @grid_width: wb, patch columns per frame
 * @target_height: resized frame height (hb · P)
 * @target_width: resized frame width (wb · P)
 * @source_height: decoded frame height
 * @source_width: decoded frame width
 * @n_frames: T, frames in this window (sequence-length, or fewer at EOS)
 * @window_index: 0-based index of the window in the stream
 * @sequence_length: the sequence-length the window was configured with
 * @k: the patch budget the window was configured with
 * @fields: N × 6 int64, row-major, columns as #CpsPatchField
 * @scores: N float32 patch scores (energy summed over the patch)
 * @frame_ids: T int64 source frame indices
 * @frame_pts: T presentation timestamps (GST_CLOCK_TIME_NONE if unknown)
 * @frame_is_i: T flags, 1 for I-frames (after the first-frame rule)
 * @fps_n: the source's frame rate numerator (0 when unknown)
 * @fps_d: the source's frame rate denominator
 * @duration: the source's duration as answered upstream when the window
 *   started (GST_CLOCK_TIME_NONE for live or unknown)
 * @elements: the settings this window was computed with, in gst-launch
 *   syntax ("cpsmotion downscale=4 search-radius=4 … ! cpstopk k=512 …"):
 *   every property of each cps element as the window saw it, with derived
 *   values resolved (the search radius the rule chose for 0, the pixel
 *   bounds input-size² stands for); owned by the meta
 * @motion_model: the #CpsMotionMeta.motion_model of the window's frames (a
 *   window never mixes two models): 0 `reference`, 1 `camera`.  The camera
 *   arrays below are measured only when it is 1; with the reference model
 *   they hold what its metas say, no motion.  Since: 0.2
 * @camera_motion: T × 4 float32, row-major: each frame's camera_dx,
 *   camera_dy, camera_scale and camera_rotation from its #CpsMotionMeta.
 *   Since: 0.2
 * @camera_class: T #CpsCameraMotionClass values, one byte each, from the
 *   frames' #CpsMotionMeta.  Since: 0.2
 * @window_camera_class: the window's class: the class of more than half of
 *   its frames, #CPS_CAMERA_MOTION_COMPLEX when no class has that majority.
 *   Since: 0.2
 * @token_merge: the side of the square of patches a model makes one token
 *   of: 2 with selection-unit=block2x2 (each selected 2×2 block is one
 *   token after a 2×2 merge, as Qwen2-VL's and Qwen2.5-VL's merger does),
 *   1 with single patches.  Since: 0.2
 * @n_tokens: the tokens a model sees for the window:
 *   n_patches / token_merge².  Since: 0.2
 *
 * Attached by cpstopk to each patch buffer.  The buffer holds N patches,
 * each C × P × P (channels first, row-major), in ascending linear index
 * order: N · C · P · P · sizeof(dtype) bytes.
 */
typedef struct {
  GstMeta meta;

  guint n_patches;
  guint patch_size;
  guint channels;
  CpsPatchDtype dtype;
  guint grid_height, grid_width;
  guint target_height, target_width;
  guint source_height, source_width;
  guint n_frames;
  guint64 window_index;
  guint sequence_length;
  guint k;

  gint64 *fields;
  gfloat *scores;
  gint64 *frame_ids;
  GstClockTime *frame_pts;
  guint8 *frame_is_i;

  gint fps_n, fps_d;
  GstClockTime duration;
  gchar *elements;

  /* added in 0.2, after every earlier field so that their offsets stay */
  guint motion_model;
  gfloat *camera_motion;
  guint8 *camera_class;
  guint window_camera_class;

  /* added in 0.2 too, after the camera fields */
  guint token_merge;
  guint n_tokens;
} CpsPatchMeta;

GType cps_patch_meta_api_get_type (void);
const GstMetaInfo *cps_patch_meta_get_info (void);
#define CPS_PATCH_META_API_TYPE (cps_patch_meta_api_get_type ())
#define CPS_PATCH_META_INFO (cps_patch_meta_get_info ())

/* Adds a meta with room for @n_patches rows and @n_frames frames; the
 * caller fills the arrays and the scalar fields. */
CpsPatchMeta *cps_buffer_add_patch_meta (GstBuffer * buffer,
    guint n_patches, guint n_frames);
CpsPatchMeta *cps_buffer_get_patch_meta (GstBuffer * buffer);

/**
 * CPS_PATCH_INFO_META_NAME:
 *
 * Name of the #GstCustomMeta that cpstopk attaches next to #CpsPatchMeta.
 * It holds the same values in a #GstStructure named "cps-patch-info", so
 * that bindings without a typelib read them; PyGObject:
 * `buffer.get_custom_meta("CpsPatchInfoMeta").get_structure()`.  Scalars
 * are fields of the same names with dashes (n-patches, patch-size,
 * channels, dtype (string), grid-height, grid-width, target-height,
 * target-width, source-height, source-width, n-frames, window-index,
 * sequence-length, k, fps (fraction), duration (uint64, 2^64-1 where
 * unknown), elements (string)); the arrays are #GBytes in native byte order:
 * fields (int64 N × 6), scores (float32 N), frame-ids (int64 T), frame-pts
 * (uint64 T, 2^64-1 where unknown) and frame-is-i (uint8 T).  Since 0.2:
 * motion-model (string: reference, camera), camera-class (string, the
 * window's class), camera-motion (float32 T × 4), camera-classes
 * (uint8 T), n-tokens (uint) and token-merge (string: 1x1, 2x2).
 */
#define CPS_PATCH_INFO_META_NAME "CpsPatchInfoMeta"

GstCustomMeta *cps_buffer_add_patch_info_meta (GstBuffer * buffer,
    const CpsPatchMeta * meta);

/**
 * CpsKeyUnitMeta:
 * @meta: parent #GstMeta
 * @key_unit: whether the coded frame was a sync point
 * @frame_id: the frame's index in the source (presentation order), or -1
 *   where the source does not know it.  Set by an application that indexed
 *   the file (cps-extract); cpsmotion then uses it as the frame's id.
 * @sample: -1 (cpsmotion decides, the default), 0 (not sampled: cpsmotion
 *   drops the frame) or 1 (sampled: cpsmotion keeps it).
 *
 * Carries the key-frame flag of a coded frame across a video decoder (which
 * clears DELTA_UNIT on its output).  cpsmotion attaches it at the sink pad
 * of the decoder upstream of it; the meta has no tags, so GstVideoDecoder
 * copies it to the decoded frame.  A custom source may attach it itself.
 */
typedef struct {
  GstMeta meta;
  gboolean key_unit;
  gint64 frame_id;
  gint sample;
} CpsKeyUnitMeta;

GType cps_key_unit_meta_api_get_type (void);
const GstMetaInfo *cps_key_unit_meta_get_info (void);
#define CPS_KEY_UNIT_META_API_TYPE (cps_key_unit_meta_api_get_type ())
CpsKeyUnitMeta *cps_buffer_add_key_unit_meta (GstBuffer * buffer,
    gboolean key_unit);
CpsKeyUnitMeta *cps_buffer_get_key_unit_meta (GstBuffer * buffer);

/**
 * CpsCameraMotionClass:
 * @CPS_CAMERA_MOTION_STATIC: the camera did not move (or there is no
 *   previous frame, or nothing textured to tell)
 * @CPS_CAMERA_MOTION_PAN: a translation explains the background
 * @CPS_CAMERA_MOTION_ZOOM: a translation with a zoom or a rotation does
 * @CPS_CAMERA_MOTION_COMPLEX: neither does (a mover covering most of the
 *   frame, strong parallax, a cut): the most common block motion was
 *   compensated
 *
 * What the camera did between two processed frames, as cpsmotion's camera
 * model classifies it (#CpsMotionMeta.camera_class).
 *
 * Since: 0.2
 */
typedef enum {
  CPS_CAMERA_MOTION_STATIC = 0,
  CPS_CAMERA_MOTION_PAN = 1,
  CPS_CAMERA_MOTION_ZOOM = 2,
  CPS_CAMERA_MOTION_COMPLEX = 3,
} CpsCameraMotionClass;

const gchar *cps_camera_motion_class_to_string (CpsCameraMotionClass cls);

/* "reference" (0) or "camera" (1), as cpsmotion's motion-model property
 * names them; NULL for another value.  Since: 0.2 */
const gchar *cps_motion_model_to_string (guint motion_model);

/**
 * CpsMotionMeta:
 * @meta: parent #GstMeta
 * @frame_id: index of the frame in the source stream (before sampling)
 * @is_i: whether the decoder input for this frame was a key unit
 * @width: motion map width (the low-resolution luma width)
 * @height: motion map height
 * @radius: block-matching search radius used
 * @motion: width × height displacement magnitudes (pixels, low-res)
 * @residual: width × height smallest absolute luma differences
 * @frame_width: width of the frame the maps were measured on (0: unknown)
 * @frame_height: height of that frame
 * @region_x: left edge of the part of that frame the maps cover: the
 *   display window, which is smaller than the frame where the decoder left
 *   part of the coded picture's crop to do
 * @region_y: top edge of that part
 * @region_width: its width (0: the whole frame)
 * @region_height: its height
 * @settings: cpsmotion's settings for this frame in gst-launch syntax, the
 *   search radius resolved (a #GRefString, shared, read-only)
 * @motion_model: the model that measured the maps: 0 for `reference`, 1
 *   for `camera` (cpsmotion's motion-model property).  The camera fields
 *   below are measured by the camera model only; with the reference model
 *   they hold no motion (0, 0, scale 1, rotation 0, static).  Since: 0.2
 * @camera_dx: the camera's estimated translation from the previous
 *   processed frame to this one, in pixels of the measured region (the
 *   content moved by this much: a camera panning right gives a negative
 *   @camera_dx).  Since: 0.2
 * @camera_dy: the same, vertically (down is positive).  Since: 0.2
 * @camera_scale: the estimated zoom about the region's centre (1: none;
 *   above 1: zooming in).  Since: 0.2
 * @camera_rotation: the estimated rotation about the centre, radians
 *   (small-angle, 0 unless @camera_class is zoom).  Since: 0.2
 * @camera_class: what the camera did, a #CpsCameraMotionClass.  The first
 *   frame after a start or a flush, having no previous frame, is static.
 *   Since: 0.2
 * @noise_threshold: the camera model's noise threshold for this frame in
 *   luma levels: differences up to it were taken for noise (0 with the
 *   reference model).  Since: 0.2
 *
 * Attached by cpsmotion.  The maps are read-only and live as long as the
 * meta.  On the (experimental) CUDA path, that is when the buffer's caps
 * carry memory:CUDAMemory, @motion and @residual are device pointers.
 *
 * The maps describe the frame they were measured on: consumers refuse a
 * meta whose @frame_width × @frame_height differs from the frame it
 * arrives on (an element in between rotated, cropped or scaled it).
 */
typedef struct {
  GstMeta meta;
  guint64 frame_id;
  gboolean is_i;
  guint width, height;
  guint radius;
  const gfloat *motion;
  const gfloat *residual;
  guint frame_width, frame_height;
  guint region_x, region_y, region_width, region_height;
  const gchar *settings;

  /*< private > */
  GstBuffer *data;
  GstMapInfo map;

  /*< public > */
  /* added in 0.2, after every earlier field so that their offsets stay */
  guint motion_model;
  gfloat camera_dx, camera_dy;
  gfloat camera_scale, camera_rotation;
  CpsCameraMotionClass camera_class;
  gfloat noise_threshold;
} CpsMotionMeta;

GType cps_motion_meta_api_get_type (void);
const GstMetaInfo *cps_motion_meta_get_info (void);
#define CPS_MOTION_META_API_TYPE (cps_motion_meta_api_get_type ())
/* @maps holds 2 · width · height floats: the motion map, then the residual
 * map; the meta keeps a reference to it. */
CpsMotionMeta *cps_buffer_add_motion_meta (GstBuffer * buffer,
    GstBuffer * maps, guint width, guint height);
CpsMotionMeta *cps_buffer_get_motion_meta (GstBuffer * buffer);

/**
 * CpsEnergyMeta:
 * @meta: parent #GstMeta
 * @width: energy map width (same as the motion map)
 * @height: energy map height
 * @energy: width × height fused energy in [0, 1]; bilinearly resized to the
 *   frame it gives the per-pixel energy of docs/algorithm.md
 * @frame_width: width of the frame it was computed for (0: unknown)
 * @frame_height: height of that frame
 * @settings: cpsenergy's settings for this frame in gst-launch syntax (a
 *   #GRefString, shared, read-only)
 *
 * Attached by cpsenergy.  A device pointer on the CUDA path, as for
 * #CpsMotionMeta, and refused like it on a frame of another size.
 */
typedef struct {
  GstMeta meta;
  guint width, height;
  const gfloat *energy;
  guint frame_width, frame_height;
  const gchar *settings;

  /*< private > */
  GstBuffer *data;
  GstMapInfo map;
} CpsEnergyMeta;

GType cps_energy_meta_api_get_type (void);
const GstMetaInfo *cps_energy_meta_get_info (void);
#define CPS_ENERGY_META_API_TYPE (cps_energy_meta_api_get_type ())
CpsEnergyMeta *cps_buffer_add_energy_meta (GstBuffer * buffer,
    GstBuffer * energy, guint width, guint height);
CpsEnergyMeta *cps_buffer_get_energy_meta (GstBuffer * buffer);

G_END_DECLS
#endif /* __CPS_META_H__ */
