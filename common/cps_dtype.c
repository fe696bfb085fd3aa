/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 11 (output): patch values as bf16, fp16, fp32 or
 * u8.
 */
#include "cps_dtype.h"
#include "cps_inline.h"

#include <math.h>
#include <string.h>

size_t
cps_dtype_size (CpsDtype dtype)
{
  switch (dtype) {
    case CPS_DTYPE_FP32:
      return 4;
    case CPS_DTYPE_U8:
      return 1;
    default:
      return 2;
  }
}

const char *
cps_dtype_name (CpsDtype dtype)
{
  static const char *names[] = { "bf16", "fp16", "fp32", "u8" };

  return (unsigned) dtype < 4 ? names[dtype] : NULL;
}

static uint32_t
float_bits (float f)
{
  uint32_t x;

  memcpy (&x, &f, 4);
  return x;
}

static float
bits_float (uint32_t x)
{
  float f;

  memcpy (&f, &x, 4);
  return f;
}

/* The conversions are inline here, so that cps_convert_floats' loops
 * vectorize rather than call them per value. */
static inline uint16_t
to_bf16 (float f)
{
  uint32_t x = float_bits (f);

  if ((x & 0x7fffffffu) > 0x7f800000u)
    return 0x7fc0;              /* NaN */
  x += 0x7fffu + ((x >> 16) & 1u);      /* round to nearest even */
  return (uint16_t) (x >> 16);
}

uint16_t
cps_float_to_bf16 (float f)
{
  return to_bf16 (f);
}

float
cps_bf16_to_float (uint16_t h)
{
  return bits_float ((uint32_t) h << 16);
}

static inline uint16_t
to_fp16 (float f)
{
  uint32_t x = float_bits (f);
  uint16_t sign = (uint16_t) ((x >> 16) & 0x8000u);

  x &= 0x7fffffffu;
  if (x >= 0x7f800000u)
    return sign | (x > 0x7f800000u ? 0x7e00 : 0x7c00);
  if (x >= 0x477ff000u)         /* rounds to 65520 or more: overflow */
    return sign | 0x7c00;
  if (x < 0x38800000u)          /* below 2^-14: subnormal, unit 2^-24 */
    return sign | (uint16_t) rintf (bits_float (x) * 16777216.0f);
  x = x - 0x38000000u + 0x0fffu + ((x >> 13) & 1u);
  return sign | (uint16_t) (x >> 13);
}

uint16_t
cps_float_to_fp16 (float f)
{
  return to_fp16 (f);
}

float
cps_fp16_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t) (h & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;

  if (e == 0)
    return (sign ? -1.0f : 1.0f) * (float) m / 16777216.0f;
  if (e == 31)
    return bits_float (sign | 0x7f800000u | (m << 13));
  return bits_float (sign | ((e + 112) << 23) | (m << 13));
}

CPS_HOT void
cps_convert_floats (const float *in, size_t n, CpsDtype dtype, void *out)
{
  switch (dtype) {
    case CPS_DTYPE_BF16:
      for (size_t i = 0; i < n; i++)
        ((uint16_t *) out)[i] = to_bf16 (in[i]);
      break;
    case CPS_DTYPE_FP16:
      for (size_t i = 0; i < n; i++)
        ((uint16_t *) out)[i] = to_fp16 (in[i]);
      break;
    case CPS_DTYPE_FP32:
      memcpy (out, in, n * sizeof (float));
      break;
    case CPS_DTYPE_U8:
      for (size_t i = 0; i < n; i++) {
        float v = rintf (in[i]);
        ((uint8_t *) out)[i] = (uint8_t) (v < 0.0f ? 0.0f : (v > 255.0f ?
                255.0f : v));
      }
      break;
  }
}
