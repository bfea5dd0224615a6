/* Shared pieces of the engine's bf16 kernels: bf16 <-> fp32 vectors and the register-
 * blocked GEMM microkernels built on vdpbf16ps (AVX-512 BF16). */

#ifndef RESTORE_BF16_GEMM_H
#define RESTORE_BF16_GEMM_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

typedef uint16_t bf16;

enum { LANES = 16 };

static inline __m512 load_bf16(const bf16 *p) {
    __m256i raw = _mm256_loadu_si256((const __m256i *)p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
}

/* Round v to bf16 and store the lanes in `lanes` (all 16, or the first few of a short row). */
static inline void store_bf16(bf16 *p, __m512 v, __mmask16 lanes) {
    _mm256_mask_storeu_epi16(p, lanes, (__m256i)_mm512_cvtneps_pbh(v));
}

/* m[r][0:16*NR] = sum_k v[r][k] * u[k][0:16*NR] for ROWS rows; k runs over bf16 pairs. */
#define DEFINE_MICROKERNEL(NR, ROWS)                                                            \
    static inline void microkernel_##NR(const bf16 *v, long ldv, const bf16 *u, long ldu, int kpairs, \
                                 float *m, long ldm) {                                         \
        __m512 acc[ROWS][NR];                                                                  \
        for (int r = 0; r < ROWS; r++)                                                         \
            for (int j = 0; j < NR; j++) acc[r][j] = _mm512_setzero_ps();                      \
        for (int k = 0; k < kpairs; k++) {                                                     \
            __m512bh b[NR];                                                                    \
            for (int j = 0; j < NR; j++)                                                       \
                b[j] = (__m512bh)_mm512_loadu_si512((const void *)(u + k * ldu + j * 32));     \
            for (int r = 0; r < ROWS; r++) {                                                   \
                int32_t pair;                                                                  \
                memcpy(&pair, v + r * ldv + 2 * k, sizeof pair);                               \
                __m512bh av = (__m512bh)_mm512_set1_epi32(pair);                               \
                for (int j = 0; j < NR; j++) acc[r][j] = _mm512_dpbf16_ps(acc[r][j], av, b[j]); \
            }                                                                                  \
        }                                                                                      \
        for (int r = 0; r < ROWS; r++)                                                         \
            for (int j = 0; j < NR; j++) _mm512_storeu_ps(m + r * ldm + j * LANES, acc[r][j]); \
    }


#endif
