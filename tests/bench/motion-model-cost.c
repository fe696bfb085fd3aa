/* cps — the cost of each motion model per frame, on one core, through the
 * CPU compute table (luma resize included), as cpsmotion runs it, and of
 * cpstopk's window store (each frame resized to the 224² target and
 * converted to RGB).
 *
 *   cc -O2 -Icommon tests/bench/motion-model-cost.c \
 *     BUILD/common/libcpscommon.a -lm $(pkg-config --libs json-glib-1.0) \
 *     -o /tmp/motion-model-cost
 *   /tmp/motion-model-cost                       # synthetic 1080p pan
 *   ffmpeg -v error -i CLIP -f rawvideo -pix_fmt gray -frames:v 60 /tmp/y.raw
 *   /tmp/motion-model-cost /tmp/y.raw 1920 1080  # real frames (luma; chroma neutral)
 *   /tmp/motion-model-cost /tmp/y.raw 1920 1080 camera   # one model, no window store
 *
 * Each line gives the wall and the CPU time (the process's, so a busy
 * machine shows in the first only) and a hash of the maps (of the window
 * store's RGB), to check that a faster version gives the same ones.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_compute.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Two frames of a textured scene, the second panned by (6, 2) pixels. */
static uint8_t *
synthetic_frames (int w, int h, int *count)
{
  uint8_t *frames = malloc ((size_t) w * h * 2);

  srand (1);
  for (int f = 0; f < 2; f++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        double sx = x + 6.0 * f, sy = y + 2.0 * f;
        double v = 128 + 50 * sin (sx * 0.05) * cos (sy * 0.043) +
            30 * sin ((sx + sy) * 0.11) + rand () % 5;

        frames[(size_t) f * w * h + (size_t) y * w + x] = (uint8_t) v;
      }
  *count = 2;
  return frames;
}

static uint8_t *
read_frames (const char *path, int w, int h, int *count)
{
  FILE *f = fopen (path, "rb");
  size_t size = (size_t) w * h, cap = 0, n = 0;
  uint8_t *frames = NULL;

  if (!f)
    return NULL;
  for (;;) {
    if (n == cap) {
      cap = cap ? 2 * cap : 16;
      frames = realloc (frames, cap * size);
    }
    if (fread (frames + n * size, 1, size, f) != size)
      break;
    n++;
  }
  fclose (f);
  /* Read every page once: the first user access to a page fread filled
   * costs a fault on some VMs (4.5 ms per 1080p frame on the PVM test
   * machine), which a decoder's pool of recycled buffers never pays. */
  {
    volatile uint8_t sink = 0;

    for (size_t i = 0; i < n * size; i += 4096)
      sink ^= frames[i];
  }
  *count = (int) n;
  return frames;
}

static double
now_ms (clockid_t clock)
{
  struct timespec t;

  clock_gettime (clock, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* FNV-1a over the bytes of the maps */
static uint64_t
hash_maps (uint64_t hash, const float *maps, size_t n)
{
  const uint8_t *b = (const uint8_t *) maps;

  for (size_t i = 0; i < n * sizeof (float); i++)
    hash = (hash ^ b[i]) * 0x100000001b3ull;
  return hash;
}

/* cpstopk's window_add at its defaults (patch 14, input-size 224, 16
 * frames a window), I420 with neutral chroma and a BT.601 limited-range
 * matrix; the hash covers the RGB of each window. */
static void
window_store_cost (const uint8_t * frames, int count, int w, int h,
    int rounds)
{
  CpsWindowGeometry g = { w, h, 0, 0, 0, 0, 14, 16, 1, 1, 0, 0, NULL };
  CpsColorMatrix bt601 = { {{1.164f, 0.0f, 1.596f}, {1.164f, -0.392f,
              -0.813f}, {1.164f, 2.017f, 0.0f}}, {-222.9f, 135.6f, -276.8f}
  };
  uint8_t *chroma = malloc ((size_t) (w / 2) * (h / 2));
  CpsImage img = { {frames, chroma, chroma}, {w, w / 2, w / 2}, w, h, 1, 1,
    0, 0, 0
  };
  CpsWindow *win;
  int n = count > rounds ? count : rounds;
  double wall = 0, cpu = 0;
  uint64_t hash = 0xcbf29ce484222325ull;

  cps_lowres_size (w, h, CPS_DEFAULT_DOWNSCALE, &g.lowres_width,
      &g.lowres_height);
  cps_smart_resize (w, h, g.patch_size, 224, 0, 0, &g.target_width,
      &g.target_height);
  win = cps_compute_cpu.window_new (&g);
  memset (chroma, 128, (size_t) (w / 2) * (h / 2));
  /* one window untimed: its store's first writes fault its pages in,
   * which a pipeline pays once */
  for (int i = 0; i < g.capacity; i++)
    cps_compute_cpu.window_add (win, &img, &bt601, NULL);
  cps_compute_cpu.window_reset (win);
  for (int i = 0; i < n; i++) {
    double t0 = now_ms (CLOCK_MONOTONIC), c0 =
        now_ms (CLOCK_PROCESS_CPUTIME_ID);

    img.planes[0] = frames + (size_t) (i % count) * w * h;
    cps_compute_cpu.window_add (win, &img, &bt601, NULL);
    wall += now_ms (CLOCK_MONOTONIC) - t0;
    cpu += now_ms (CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (cps_compute_cpu.window_count (win) == g.capacity) {
      for (int t = 0; t < g.capacity; t++)
        hash = hash_maps (hash, cps_cpu_window_rgb (win, t),
            (size_t) 3 * g.target_width * g.target_height);
      cps_compute_cpu.window_reset (win);
    }
  }
  printf ("window store: %.3f ms per %dx%d frame to %dx%d RGB, %.3f ms CPU "
      "(%d frames) rgb %016llx\n", wall / n, w, h, g.target_width,
      g.target_height, cpu / n, n, (unsigned long long) hash);
  cps_compute_cpu.window_free (win);
  free (chroma);
}

int
main (int argc, char **argv)
{
  int w = argc > 3 ? atoi (argv[2]) : 1920, h = argc > 3 ? atoi (argv[3]) :
      1080, count = 0, lw, lh, rounds = 60;
  uint8_t *frames = argc > 3 ? read_frames (argv[1], w, h, &count) :
      synthetic_frames (w, h, &count);
  static const char *names[] = { "reference", "camera" };
  const char *only = argc > 4 ? argv[4] : NULL;

  if (!frames || count < 2 || (only && strcmp (only, names[0]) &&
          strcmp (only, names[1]))) {
    fprintf (stderr, "usage: %s [FILE.gray WIDTH HEIGHT [reference|camera]]\n",
        argv[0]);
    return 2;
  }
  cps_lowres_size (w, h, CPS_DEFAULT_DOWNSCALE, &lw, &lh);
  for (int model = 0; model < 2; model++) {
    if (only && strcmp (only, names[model]))
      continue;
    CpsMotionGeometry g = { w, h, lw, lh, cps_default_radius (lw, lh), NULL,
      (CpsMotionModel) model
    };
    CpsMotionState *s = cps_compute_cpu.motion_new (&g);
    float *maps = malloc (sizeof (float) * lw * lh * 2);
    /* neutral chroma: the reference model's luma reads U and V too */
    uint8_t *chroma = malloc ((size_t) (w / 2) * (h / 2));
    CpsImage img = { {frames, chroma, chroma}, {w, w / 2, w / 2}, w, h, 1, 1,
      0, 0, 0
    };
    int n = count > rounds ? count : rounds;
    double wall = 0, cpu = 0;
    uint64_t hash = 0xcbf29ce484222325ull;

    memset (chroma, 128, (size_t) (w / 2) * (h / 2));
    cps_compute_cpu.motion_process (s, &img, maps, maps + lw * lh);
    for (int i = 1; i <= n; i++) {
      double t0 = now_ms (CLOCK_MONOTONIC), c0 =
          now_ms (CLOCK_PROCESS_CPUTIME_ID);

      img.planes[0] = frames + (size_t) (i % count) * w * h;
      cps_compute_cpu.motion_process (s, &img, maps, maps + lw * lh);
      wall += now_ms (CLOCK_MONOTONIC) - t0;
      cpu += now_ms (CLOCK_PROCESS_CPUTIME_ID) - c0;
      /* outside the timing */
      hash = hash_maps (hash, maps, (size_t) lw * lh * 2);
    }
    printf ("%s: %.3f ms per %dx%d frame, %.3f ms CPU (%d frames) "
        "maps %016llx\n", names[model], wall / n, w, h, cpu / n, n,
        (unsigned long long) hash);
    cps_compute_cpu.motion_free (s);
    free (maps);
    free (chroma);
  }
  if (!only)
    window_store_cost (frames, count, w, h, rounds);
  free (frames);
  return 0;
}
