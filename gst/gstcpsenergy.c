/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-cpsenergy
 * @title: cpsenergy
 *
 * Fuses the motion and residual maps of #CpsMotionMeta into an energy map
 * (docs/algorithm.md): the energy is motion-weight · motion +
 * residual-weight · residual, clamped to [0, 1].  The maps of
 * cpsmotion's camera model (the default) are already in [0, 1], relative
 * to the frame's noise, and are fused as they are; those of the reference
 * model are first divided by their percentile value (95th by default,
 * floored at 1e-6) and clamped to [0, 1].
 * The energy map is attached as #CpsEnergyMeta; the frame passes through.
 *
 * The element is optional: without it cpstopk fuses with the defaults
 * (percentile 95, weights 0.5/0.5).  With the weights summing to at most 1
 * the clamp is a no-op and the result equals the reference's clamp after
 * resizing; with larger sums the clamp happens at low resolution.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=clip.mp4 ! qtdemux ! h264parse ! avdec_h264 ! cpsmotion ! cpsenergy percentile=90 motion-weight=0.7 residual-weight=0.3 ! cpstopk ! cpspatchsink
 * ]|
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcpsenergy.h"
#include "cpsmeta.h"
#include "cpsvideo.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_cps_energy_debug);
#define GST_CAT_DEFAULT gst_cps_energy_debug

enum
{
  PROP_0,
  PROP_PERCENTILE,
  PROP_MOTION_WEIGHT,
  PROP_RESIDUAL_WEIGHT,
  PROP_CUDA_DEVICE_ID,
};


#define gst_cps_energy_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstCpsEnergy, gst_cps_energy, GST_TYPE_VIDEO_FILTER,
    GST_DEBUG_CATEGORY_INIT (gst_cps_energy_debug, "cpsenergy", 0,
        "cps energy fusion"));
GST_ELEMENT_REGISTER_DEFINE (cpsenergy, "cpsenergy", GST_RANK_NONE,
    GST_TYPE_CPS_ENERGY);

static void
clear_pool (GstCpsEnergy * self)
{
  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
  g_clear_pointer (&self->scratch, g_free);
  g_clear_pointer (&self->settings, g_ref_string_release);
  self->map_size = 0;
}

/* Map buffers come from a pool sized for the current maps, so steady-state
 * processing allocates nothing (on the CPU; the CUDA path allocates device
 * memory per frame for now). */
static gboolean
ensure_pool (GstCpsEnergy * self, gsize n)
{
  GstStructure *config;

  if (self->map_size == n)
    return TRUE;
  clear_pool (self);
  self->scratch = g_new (gfloat, n);
  self->map_size = n;
  if (self->on_gpu)
    return TRUE;
  self->pool = gst_buffer_pool_new ();
  config = gst_buffer_pool_get_config (self->pool);
  gst_buffer_pool_config_set_params (config, NULL, n * sizeof (gfloat), 2, 0);
  gst_buffer_pool_set_config (self->pool, config);
  return gst_buffer_pool_set_active (self->pool, TRUE);
}

/* The settings a frame is fused with, for its meta; rebuilt only when a
 * property changed, the metas sharing the string. */
static const gchar *
frame_settings (GstCpsEnergy * self, gdouble pct, gdouble wm, gdouble wr)
{
  const gdouble v[3] = { pct, wm, wr };
  gchar s[3][G_ASCII_DTOSTR_BUF_SIZE], *str;

  if (self->settings && memcmp (v, self->settings_values, sizeof v) == 0)
    return self->settings;
  for (guint i = 0; i < 3; i++)
    g_ascii_formatd (s[i], sizeof s[i], "%.15g", v[i]);
  str = g_strdup_printf ("cpsenergy percentile=%s motion-weight=%s "
      "residual-weight=%s cuda-device-id=%d", s[0], s[1], s[2],
      self->cuda.device_id);
  g_clear_pointer (&self->settings, g_ref_string_release);
  self->settings = g_ref_string_new (str);
  memcpy (self->settings_values, v, sizeof v);
  g_free (str);
  return self->settings;
}

static GstFlowReturn
gst_cps_energy_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstCpsEnergy *self = GST_CPS_ENERGY (trans);
  CpsMotionMeta *motion = cps_buffer_get_motion_meta (buf);
  GstVideoInfo *info = &GST_VIDEO_FILTER (trans)->in_info;
  GstBuffer *energy = NULL;
  CpsEnergyMeta *meta;
  GstMapInfo map;
  gdouble pct, wm, wr;
  gsize n;

  if (!motion) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("cpsenergy needs motion metadata: put cpsmotion before it."),
        ("buffer %" GST_PTR_FORMAT " has no CpsMotionMeta", buf));
    return GST_FLOW_ERROR;
  }
  if (!cps_video_check_meta_size (GST_ELEMENT (self), info, "CpsMotionMeta",
          motion->frame_width, motion->frame_height))
    return GST_FLOW_ERROR;
  n = (gsize) motion->width * motion->height;
  if (ensure_pool (self, n)) {
    if (self->on_gpu)
      energy = cps_cuda_element_alloc (&self->cuda, n * sizeof (gfloat));
    else if (gst_buffer_pool_acquire_buffer (self->pool, &energy, NULL) !=
        GST_FLOW_OK)
      energy = NULL;
  }
  if (!energy || !gst_buffer_map (energy, &map, GST_MAP_WRITE)) {
    gst_clear_buffer (&energy);
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not allocate an energy map."), (NULL));
    return GST_FLOW_ERROR;
  }

  GST_OBJECT_LOCK (self);
  pct = self->percentile;
  wm = self->motion_weight;
  wr = self->residual_weight;
  GST_OBJECT_UNLOCK (self);

  self->ops->energy_fuse (self->cuda.device, motion->motion,
      motion->residual, n, cps_energy_fraction_for_model ((CpsMotionModel)
          motion->motion_model, pct / 100.0), wm, wr, self->scratch,
      (gfloat *) map.data);
  gst_buffer_unmap (energy, &map);
  meta = cps_buffer_add_energy_meta (buf, energy, motion->width,
      motion->height);
  gst_buffer_unref (energy);
  meta->frame_width = GST_VIDEO_INFO_WIDTH (info);
  meta->frame_height = GST_VIDEO_INFO_HEIGHT (info);
  meta->settings = g_ref_string_acquire ((gchar *) frame_settings (self, pct,
          wm, wr));
  return GST_FLOW_OK;
}

/* The memory the caps carry decides where the work runs. */
static gboolean
gst_cps_energy_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstCpsEnergy *self = GST_CPS_ENERGY (filter);

  clear_pool (self);
  self->ops = cps_cuda_element_choose_ops (&self->cuda, GST_ELEMENT (self),
      incaps, &self->on_gpu);
  if (!self->ops) {
    self->ops = &cps_compute_cpu;
    return FALSE;
  }
  return TRUE;
}

static void
gst_cps_energy_set_context (GstElement * element, GstContext * context)
{
  cps_cuda_element_set_context (&GST_CPS_ENERGY (element)->cuda, element,
      context);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

static gboolean
gst_cps_energy_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  if (cps_cuda_element_query (&GST_CPS_ENERGY (trans)->cuda,
          GST_ELEMENT (trans), query))
    return TRUE;
  if (direction == GST_PAD_SINK && GST_QUERY_TYPE (query) ==
      GST_QUERY_ACCEPT_CAPS)
    return cps_video_accept_caps (GST_ELEMENT (trans),
        GST_BASE_TRANSFORM_SINK_PAD (trans), query);
  if (!GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
          query))
    return FALSE;
  /* CUDA memory is in the templates but offered per environment */
  cps_cuda_filter_caps_query (query);
  return TRUE;
}

static gboolean
gst_cps_energy_stop (GstBaseTransform * trans)
{
  clear_pool (GST_CPS_ENERGY (trans));
  cps_cuda_element_close (&GST_CPS_ENERGY (trans)->cuda);
  return TRUE;
}

static void
gst_cps_energy_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCpsEnergy *self = GST_CPS_ENERGY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PERCENTILE:
      self->percentile = g_value_get_double (value);
      break;
    case PROP_MOTION_WEIGHT:
      self->motion_weight = g_value_get_double (value);
      break;
    case PROP_RESIDUAL_WEIGHT:
      self->residual_weight = g_value_get_double (value);
      break;
    case PROP_CUDA_DEVICE_ID:
      self->cuda.device_id = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cps_energy_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstCpsEnergy *self = GST_CPS_ENERGY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PERCENTILE:
      g_value_set_double (value, self->percentile);
      break;
    case PROP_MOTION_WEIGHT:
      g_value_set_double (value, self->motion_weight);
      break;
    case PROP_RESIDUAL_WEIGHT:
      g_value_set_double (value, self->residual_weight);
      break;
    case PROP_CUDA_DEVICE_ID:
      g_value_set_int (value, self->cuda.device_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cps_energy_finalize (GObject * object)
{
  clear_pool (GST_CPS_ENERGY (object));
  cps_cuda_element_close (&GST_CPS_ENERGY (object)->cuda);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_cps_energy_class_init (GstCpsEnergyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags playing = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_cps_energy_set_property;
  gobject_class->get_property = gst_cps_energy_get_property;
  gobject_class->finalize = gst_cps_energy_finalize;

  /**
   * GstCpsEnergy:percentile:
   *
   * With cpsmotion's reference model, each map is divided by the value at
   * this percentile (element of rank round(p/100·(n−1)) in sorted order),
   * so that value maps to 1.  The camera model's maps are not divided.
   */
  g_object_class_install_property (gobject_class, PROP_PERCENTILE,
      g_param_spec_double ("percentile", "Percentile",
          "motion-model=reference: each map is divided by its value at this "
          "percentile and clamped to [0,1] (camera maps are already in "
          "[0,1])", 0.0, 100.0, CPS_DEFAULT_PERCENTILE, playing));
  /**
   * GstCpsEnergy:motion-weight:
   *
   * Weight of the normalised motion map in the energy.
   */
  g_object_class_install_property (gobject_class, PROP_MOTION_WEIGHT,
      g_param_spec_double ("motion-weight", "Motion weight",
          "Weight of the normalised motion map in the energy", 0.0, 1.0,
          CPS_DEFAULT_MOTION_WEIGHT, playing));
  /**
   * GstCpsEnergy:residual-weight:
   *
   * Weight of the normalised residual map in the energy.
   */
  g_object_class_install_property (gobject_class, PROP_RESIDUAL_WEIGHT,
      g_param_spec_double ("residual-weight", "Residual weight",
          "Weight of the normalised residual map in the energy", 0.0, 1.0,
          CPS_DEFAULT_RESIDUAL_WEIGHT, playing));

  gst_element_class_set_static_metadata (element_class,
      "CPS energy fusion", "Filter/Analyzer/Video",
      "Fuses cpsmotion's motion and residual maps into a normalised energy "
      "map, attached as metadata; frames pass through unchanged",
      "cps developers");
  /**
   * GstCpsEnergy:cuda-device-id:
   *
   * The CUDA device used when CUDA memory is negotiated; -1 takes the
   * pipeline's context or device 0.
   */
  cps_cuda_install_device_property (gobject_class, PROP_CUDA_DEVICE_ID);
  cps_video_add_templates (element_class, TRUE);

  element_class->set_context = GST_DEBUG_FUNCPTR (gst_cps_energy_set_context);
  GST_VIDEO_FILTER_CLASS (klass)->set_info =
      GST_DEBUG_FUNCPTR (gst_cps_energy_set_info);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_cps_energy_stop);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_cps_energy_query);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_cps_energy_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;
}

static void
gst_cps_energy_init (GstCpsEnergy * self)
{
  self->percentile = CPS_DEFAULT_PERCENTILE;
  self->motion_weight = CPS_DEFAULT_MOTION_WEIGHT;
  self->residual_weight = CPS_DEFAULT_RESIDUAL_WEIGHT;
  self->ops = &cps_compute_cpu;
  self->cuda.device_id = -1;
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  /* a late frame must still be measured: dropping it would silently
   * change what the next frame is compared with */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}
