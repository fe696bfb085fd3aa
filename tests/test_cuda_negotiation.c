/* cps — negotiation of the (experimental) CUDA path where no GPU is: with
 * GST_CPS_CUDA=1 the elements offer CUDA memory first, system memory
 * still negotiates and runs, and CUDA caps without a driver fail with a
 * clear error instead of a crash.  In a build without the CUDA kernels,
 * nothing is offered and the CUDA caps are refused.  TAP (g_test).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "cpsmeta.h"

static const gchar *cuda_caps = "video/x-raw(memory:CUDAMemory),format=NV12,"
    "width=64,height=64,framerate=25/1";
static const gchar *system_caps = "video/x-raw,format=NV12,width=64,"
    "height=64,framerate=25/1";

static gboolean
template_offers_cuda (const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  GstPad *pad = gst_element_get_static_pad (e, "sink");
  GstCaps *caps = gst_pad_get_pad_template_caps (pad);
  gboolean cuda = gst_caps_features_contains (gst_caps_get_features (caps,
          0), "memory:CUDAMemory");

  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (e);
  return cuda;
}

static GstBuffer *
nv12_frame (guint i)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, 64 * 64 * 3 / 2, NULL);

  gst_buffer_memset (b, 0, 60 + i, 64 * 64 * 3 / 2);
  GST_BUFFER_PTS (b) = i * GST_SECOND / 25;
  GST_BUFFER_DURATION (b) = GST_SECOND / 25;
  return b;
}

static void
test_templates (void)
{
  const gchar *elements[] = { "cpsmotion", "cpsenergy", "cpstopk" };
  gboolean built = FALSE;

  /* the build decides, through the flag this test shares with the plugin */
#ifdef HAVE_CPS_CUDA
  built = TRUE;
#endif
  for (guint i = 0; i < G_N_ELEMENTS (elements); i++)
    g_assert_true (template_offers_cuda (elements[i]) == built);
}

/* system memory still negotiates and runs the CPU path */
static void
test_system_memory_still_works (void)
{
  GstHarness *h = gst_harness_new_parse ("cpsmotion ! cpstopk "
      "sequence-length=2 k=4 input-size=56");
  GstBuffer *out;
  GstCaps *caps;

  gst_harness_set_src_caps_str (h, system_caps);
  gst_harness_push (h, nv12_frame (0));
  gst_harness_push (h, nv12_frame (1));
  out = gst_harness_pull (h);
  g_assert_nonnull (cps_buffer_get_patch_meta (out));
  caps = gst_pad_get_current_caps (h->sinkpad);
  g_assert_false (gst_caps_features_contains (gst_caps_get_features (caps,
              0), "memory:CUDAMemory"));
  gst_caps_unref (caps);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* CUDA caps with no driver: refused with a message, not a crash, by each
 * element that reads frames */
static void
test_cuda_caps_without_gpu (void)
{
  const gchar *elements[] = { "cpsmotion", "cpsenergy", "cpstopk" };

  if (g_file_test ("/dev/nvidiactl", G_FILE_TEST_EXISTS)) {
    g_test_skip ("an NVIDIA driver is present: the GPU tests cover this");
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS (elements); i++) {
    GstHarness *h = gst_harness_new (elements[i]);
    GstBus *bus = gst_bus_new ();
    GstMessage *msg;

    gst_element_set_bus (h->element, bus);
    gst_harness_set_src_caps_str (h, cuda_caps);
    g_assert_cmpint (gst_harness_push (h, nv12_frame (0)), ==,
        GST_FLOW_NOT_NEGOTIATED);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    g_assert_nonnull (msg);
#ifdef HAVE_CPS_CUDA
    /* offered, so accepted; opening the device is what fails */
    {
      GError *err = NULL;

      gst_message_parse_error (msg, &err, NULL);
      g_assert_nonnull (strstr (err->message, "no CUDA driver"));
      g_error_free (err);
    }
#endif
    gst_message_unref (msg);
    /* a second frame after the failure: still refused, no crash */
    g_assert_cmpint (gst_harness_push (h, nv12_frame (1)), ==,
        GST_FLOW_NOT_NEGOTIATED);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
  }
}

int
main (int argc, char **argv)
{
  int ret;

  /* before the plugin loads: class_init reads it */
  g_setenv ("GST_CPS_CUDA", "1", TRUE);
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/cuda-negotiation/templates", test_templates);
  g_test_add_func ("/cuda-negotiation/system-memory-still-works",
      test_system_memory_still_works);
  g_test_add_func ("/cuda-negotiation/cuda-caps-without-gpu",
      test_cuda_caps_without_gpu);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
