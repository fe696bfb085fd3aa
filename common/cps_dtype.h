/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 11: the element types of patch data, and the
 * conversion of floats to them.
 */
#ifndef CPS_DTYPE_H
#define CPS_DTYPE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Output element types of patch data (docs/algorithm.md step 11). */
typedef enum {
  CPS_DTYPE_BF16 = 0,
  CPS_DTYPE_FP16 = 1,
  CPS_DTYPE_FP32 = 2,
  CPS_DTYPE_U8 = 3,
} CpsDtype;

size_t cps_dtype_size (CpsDtype dtype);
const char *cps_dtype_name (CpsDtype dtype);
uint16_t cps_float_to_bf16 (float f);
uint16_t cps_float_to_fp16 (float f);
float cps_bf16_to_float (uint16_t h);
float cps_fp16_to_float (uint16_t h);

/* Writes @n floats as @dtype (u8 rounds to nearest and saturates). */
void cps_convert_floats (const float *in, size_t n, CpsDtype dtype, void *out);

#ifdef __cplusplus
}
#endif
#endif /* CPS_DTYPE_H */
