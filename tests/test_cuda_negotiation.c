/* cps — negotiation of the (experimental) CUDA path where no GPU is.  A
 * build with the CUDA kernels lists CUDA memory in its templates whatever
 * the environment; the elements offer it in caps queries only with
 * GST_CPS_CUDA=1 in the environment of the process that negotiates, and a
 * CUDA driver.  System memory always negotiates and runs, and CUDA caps
 * that are not offered are refused with the reason instead of a crash.  A
 * registry written by a process with the variable does not carry its
 * answer into one without it, nor the other way round.  In a build
 * without the CUDA kernels nothing is offered.  TAP (g_test).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cpsmeta.h"

static const gchar *cuda_caps = "video/x-raw(memory:CUDAMemory),format=NV12,"
    "width=64,height=64,framerate=25/1";
static const gchar *system_caps = "video/x-raw,format=NV12,width=64,"
    "height=64,framerate=25/1";

#ifdef HAVE_CPS_CUDA
static const gboolean built = TRUE;
#else
static const gboolean built = FALSE;
#endif

/* Whether CUDA memory should be offered in this environment. */
static gboolean
expect_offered (void)
{
  return built && g_strcmp0 (g_getenv ("GST_CPS_CUDA"), "1") == 0 &&
      g_file_test ("/dev/nvidiactl", G_FILE_TEST_EXISTS);
}

static gboolean
caps_have_cuda (const GstCaps * caps)
{
  for (guint i = 0; i < gst_caps_get_size (caps); i++)
    if (gst_caps_features_contains (gst_caps_get_features (caps, i),
            "memory:CUDAMemory"))
      return TRUE;
  return FALSE;
}

/* Whether a caps query on @factory's sink pad offers CUDA memory, and the
 * message of refusing fixed CUDA caps (NULL when they were accepted). */
static gboolean
negotiation_offers_cuda (const gchar * factory, gchar ** refusal)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  GstPad *pad = gst_element_get_static_pad (e, "sink");
  GstCaps *caps = gst_pad_query_caps (pad, NULL);
  GstCaps *fixed = gst_caps_from_string (cuda_caps);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  gboolean offered = caps_have_cuda (caps);

  gst_element_set_bus (e, bus);
  *refusal = NULL;
  if (!gst_pad_query_accept_caps (pad, fixed)) {
    GError *err = NULL;

    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    g_assert_nonnull (msg);
    gst_message_parse_error (msg, &err, NULL);
    *refusal = g_strdup (err->message);
    g_error_free (err);
    gst_message_unref (msg);
  }
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_caps_unref (fixed);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (e);
  return offered;
}

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

/* the build decides the templates, through the flag this test shares with
 * the plugin, and the environment does not */
static void
test_templates (void)
{
  const gchar *elements[] = { "cpsmotion", "cpsenergy", "cpstopk" };

  for (guint i = 0; i < G_N_ELEMENTS (elements); i++)
    g_assert_true (template_offers_cuda (elements[i]) == built);
}

/* In one process, the offer follows the variable as it is now, and a
 * refusal names the reason. */
static void
test_offer_follows_environment (void)
{
  const gchar *elements[] = { "cpsmotion", "cpsenergy", "cpstopk" };

  for (guint i = 0; i < G_N_ELEMENTS (elements); i++) {
    for (guint set = 0; set < 2; set++) {
      gchar *refusal;
      gboolean offered;

      if (set)
        g_setenv ("GST_CPS_CUDA", "1", TRUE);
      else
        g_unsetenv ("GST_CPS_CUDA");
      offered = negotiation_offers_cuda (elements[i], &refusal);
      g_assert_true (offered == expect_offered ());
      g_assert_true ((refusal == NULL) == offered);
      if (!built)
        g_assert_nonnull (strstr (refusal, "built without its CUDA path"));
      else if (!set)
        g_assert_nonnull (strstr (refusal, "only with GST_CPS_CUDA=1"));
      else if (!offered)
        g_assert_nonnull (strstr (refusal, "no CUDA driver"));
      g_free (refusal);
    }
  }
  g_setenv ("GST_CPS_CUDA", "1", TRUE);
}

/* Whether the registry's sink template of @factory lists CUDA memory (what
 * gst-inspect-1.0 and autoplugging read, without loading the plugin). */
static gboolean
factory_template_has_cuda (const gchar * factory)
{
  GstElementFactory *f = gst_element_factory_find (factory);
  gboolean cuda = FALSE;

  for (const GList * l = gst_element_factory_get_static_pad_templates (f); l;
      l = l->next) {
    GstStaticPadTemplate *t = l->data;
    GstCaps *caps = gst_static_caps_get (&t->static_caps);

    cuda |= t->direction == GST_PAD_SINK && caps_have_cuda (caps);
    gst_caps_unref (caps);
  }
  gst_object_unref (f);
  return cuda;
}

/* The child: reports the registry's template and what negotiation offers
 * in its environment. */
static int
child_main (void)
{
  gboolean template = factory_template_has_cuda ("cpsmotion");
  gchar *refusal;
  gboolean offered = negotiation_offers_cuda ("cpsmotion", &refusal);

  g_print ("template=%d offered=%d refusal=%s\n", template, offered,
      refusal ? refusal : "");
  g_free (refusal);
  return 0;
}

/* Runs this program as the child with GST_CPS_CUDA set or not, against
 * the registry @registry; returns its report. */
static gchar *
run_child (const gchar * registry, gboolean set)
{
  gchar **env = g_get_environ ();
  gchar *argv[] = { NULL, NULL };
  gchar *out = NULL;
  gint status = -1;

  env = g_environ_setenv (env, "GST_REGISTRY", registry, TRUE);
  env = g_environ_setenv (env, "CPS_NEGOTIATION_CHILD", "1", TRUE);
  env = set ? g_environ_setenv (env, "GST_CPS_CUDA", "1", TRUE) :
      g_environ_unsetenv (env, "GST_CPS_CUDA");
  argv[0] = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_true (g_spawn_sync (NULL, argv, env, G_SPAWN_DEFAULT, NULL, NULL,
          &out, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_free (argv[0]);
  g_strfreev (env);
  return out;
}

/* The registry caches pad templates: one written by a process with the
 * variable must not make a process without it offer CUDA memory, nor the
 * other way round.  Each order runs the child twice on one registry; the
 * templates say what the build can do, the negotiation what this
 * environment offers. */
static void
test_registry_not_sticky (void)
{
  for (guint first = 0; first < 2; first++) {
    gchar *dir = g_dir_make_tmp ("cps-registry-XXXXXX", NULL);
    gchar *registry = g_build_filename (dir, "registry.bin", NULL);

    for (guint run = 0; run < 2; run++) {
      gboolean set = run == 0 ? first : !first;
      gchar *out = run_child (registry, set);
      gboolean offered = set && built &&
          g_file_test ("/dev/nvidiactl", G_FILE_TEST_EXISTS);
      gchar *expect = g_strdup_printf ("template=%d offered=%d refusal=",
          built, offered);

      g_test_message ("GST_CPS_CUDA %s: %s", set ? "set" : "unset", out);
      g_assert_true (g_str_has_prefix (out, expect));
      if (built && !set)
        g_assert_nonnull (strstr (out, "only with GST_CPS_CUDA=1"));
      /* the first run wrote the registry the second one reads */
      g_assert_true (g_file_test (registry, G_FILE_TEST_EXISTS));
      g_free (expect);
      g_free (out);
    }
    g_remove (registry);
    g_rmdir (dir);
    g_free (registry);
    g_free (dir);
  }
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
  /* the camera model holds its last frame until the stream ends */
  gst_harness_push_event (h, gst_event_new_eos ());
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
  g_setenv ("GST_CPS_CUDA", "1", TRUE);
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
    /* not offered without a driver, and refused for that reason */
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

  if (g_getenv ("CPS_NEGOTIATION_CHILD")) {
    gst_init (NULL, NULL);
    ret = child_main ();
    gst_deinit ();
    return ret;
  }
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/cuda-negotiation/templates", test_templates);
  g_test_add_func ("/cuda-negotiation/offer-follows-environment",
      test_offer_follows_environment);
  g_test_add_func ("/cuda-negotiation/registry-not-sticky",
      test_registry_not_sticky);
  g_test_add_func ("/cuda-negotiation/system-memory-still-works",
      test_system_memory_still_works);
  g_test_add_func ("/cuda-negotiation/cuda-caps-without-gpu",
      test_cuda_caps_without_gpu);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
