/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Model presets as data: each is a list of option names (the elements'
 * property names) and values, applied as if given on the command line
 * before the user's options.  README.md and docs/formats.md document them
 * with their sources; keep the three in step.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "extract-presets.h"

typedef struct {
  /* a missing option is an error, so a renamed property cannot be
   * skipped quietly */
  const gchar *option, *value;
} PresetSetting;

#define MAX_SETTINGS 16

typedef struct {
  const gchar *name, *summary, *source;
  PresetSetting settings[MAX_SETTINGS];
} Preset;

static const Preset presets[] = {
  {"reference",
        "codec-patch-stream's defaults: 16 frames sampled uniformly over the "
        "file (one window), k 2048 single patches of 14 pixels at about 224² "
        "pixels per frame, its motion model, no static fallback",
        "the codec-patch-stream library's defaults, as docs/algorithm.md "
        "states them (\"Defaults\", \"Differences from the reference\")",
    {
          {"sampling", "uniform"},
          {"sampling-frames", "16"},
          {"sequence-length", "16"},
          {"k", "2048"},
          {"patch-size", "14"},
          {"input-size", "224"},
          {"min-pixels", "0"},
          {"max-pixels", "0"},
          {"selection-unit", "patch"},
          {"motion-model", "reference"},
          {"static-fallback", "false"},
        }},
  {"qwen2.5-vl",
        "Qwen2.5-VL's video input: 14-pixel patches selected in 2x2 blocks "
        "(its merger makes one token of each), 128 to 768 tokens' worth of "
        "pixels per frame (sides multiples of 28), 2 frames per second",
        "qwen-vl-utils, src/qwen_vl_utils/vision_process.py (VIDEO_MIN_PIXELS "
        "128*28*28, VIDEO_MAX_PIXELS 768*28*28, FPS 2.0, FPS_MIN_FRAMES 4, "
        "FPS_MAX_FRAMES 768, FRAME_FACTOR 2) and transformers' "
        "Qwen2VLImageProcessor (patch_size 14, merge_size 2)",
    {
          {"patch-size", "14"},
          {"selection-unit", "block2x2"},
          {"min-pixels", "100352"},     /* 128 * 28 * 28 */
          {"max-pixels", "602112"},     /* 768 * 28 * 28 */
          {"sampling", "fps"},
          {"fps", "2"},
          {"min-frames", "4"},
          {"max-frames", "768"},
          {"frame-factor", "2"},
        }},
  {"vit-b16",
        "a plain ViT-B/16 at 224: 16-pixel patches, about 224² pixels per "
        "frame (196 patches for a square frame), single patches, every frame",
        "Dosovitskiy et al., \"An Image is Worth 16x16 Words\" (ICLR 2021, "
        "arXiv:2010.11929): ViT-B/16, 224x224 input, 16x16 patches",
    {
          {"patch-size", "16"},
          {"input-size", "224"},
          {"min-pixels", "0"},
          {"max-pixels", "0"},
          {"selection-unit", "patch"},
          {"sampling", "all"},
        }},
};

gchar *
extract_preset_names (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", presets[i].name);
  return g_string_free (s, FALSE);
}

static const Preset *
find_preset (const gchar * name)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_str_equal (presets[i].name, name))
      return &presets[i];
  return NULL;
}

gboolean
extract_preset_apply (ExtractOptions * options, const gchar * name,
    gchar ** applied, gchar ** error)
{
  const Preset *p = find_preset (name);
  GString *words = g_string_new (NULL);

  if (!p) {
    gchar *names = extract_preset_names ();

    *error = g_strdup_printf ("--preset %s: unknown preset (valid: %s)", name,
        names);
    g_free (names);
    g_string_free (words, TRUE);
    return FALSE;
  }
  extract_options_set_preset (options, name);
  for (guint i = 0; i < MAX_SETTINGS && p->settings[i].option; i++) {
    const PresetSetting *s = &p->settings[i];

    if (!extract_options_preset_value (options, s->option, s->value)) {
      *error = g_strdup_printf ("--preset %s: this cps-extract has no option "
          "--%s", name, s->option);
      g_string_free (words, TRUE);
      return FALSE;
    }
    g_string_append_printf (words, "%s--%s %s", words->len ? " " : "",
        s->option, s->value);
  }
  if (applied)
    *applied = g_string_free (words, FALSE);
  else
    g_string_free (words, TRUE);
  return TRUE;
}

/* "cpsmotion sampling=uniform ! cpstopk k=2048": the settings, element by
 * element in pipeline order. */
static gchar *
element_properties (ExtractOptions * options, const Preset * p)
{
  static const gchar *order[] = { "cpsmotion", "cpsenergy", "cpstopk" };
  GString *s = g_string_new (NULL);

  for (guint e = 0; e < G_N_ELEMENTS (order); e++) {
    gboolean named = FALSE;

    for (guint i = 0; i < MAX_SETTINGS && p->settings[i].option; i++) {
      const PresetSetting *set = &p->settings[i];

      if (g_strcmp0 (extract_options_element
              (options, set->option), order[e]) != 0)
        continue;
      if (!named)
        g_string_append_printf (s, "%s%s", s->len ? " ! " : "", order[e]);
      named = TRUE;
      g_string_append_printf (s, " %s=%s", set->option, set->value);
    }
  }
  return g_string_free (s, FALSE);
}

void
extract_presets_print (ExtractOptions * options, FILE * out)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++) {
    const Preset *p = &presets[i];
    GString *words = g_string_new (NULL);
    gchar *elements = element_properties (options, p);

    for (guint j = 0; j < MAX_SETTINGS && p->settings[j].option; j++)
      g_string_append_printf (words, "%s--%s %s", words->len ? " " : "",
          p->settings[j].option, p->settings[j].value);
    fprintf (out, "%s\n  %s.\n  options:  %s\n  elements: %s\n  source:   "
        "%s\n", p->name, p->summary, words->str, elements, p->source);
    g_string_free (words, TRUE);
    g_free (elements);
  }
}
