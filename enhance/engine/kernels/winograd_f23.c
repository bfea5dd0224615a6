/* 3x3 stride-1 convolution by Winograd F(2x2, 3x3) on bf16 data with fp32 arithmetic,
 * for CPUs with AVX-512 BF16 (vdpbf16ps). Built and loaded by winograd_build.py.
 *
 * Why: on this CPU oneDNN's direct bf16 convolution already runs near the FMA peak, so
 * the only way to go faster is fewer multiplications. F(2x2, 3x3) needs 16 instead of 36
 * per 2x2 output block (2.25x fewer); its transforms use only +-1, so the one extra
 * rounding (the transformed input and weights are stored as bf16) costs little accuracy.
 * F(4x4, 3x3) would save more, but in bf16 its error is ten times that of a direct conv.
 *
 * Layout: activations are NHWC bf16 with channel stride 1 and arbitrary pixel/row/image
 * strides (so a channel slice of a wider buffer can be read or written in place).
 * Weights arrive pre-transformed and packed by Python: U[16][cin/2][cout][2] bf16.
 * The output transform fuses bias, LeakyReLU (slope 1 = none) and the bf16 store.
 *
 * Threads come from OpenMP: PyTorch loads libgomp.so.1 first, so this library binds to
 * the same runtime and thread pool instead of fighting a second set of spinning threads
 * for the cores. */

#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint16_t bf16;

typedef struct {
    const bf16 *x;
    long x_sn, x_sh, x_sw; /* element strides of image, row, pixel */
    int n, h, w, cin;
    bf16 *y;
    long y_sn, y_sh, y_sw;
    int ho, wo, cout;
    int pad;
    const bf16 *u;      /* [16][cin/2][cout][2] */
    const float *bias;  /* [cout] */
    float slope;
    int block_tiles;    /* tiles per block, a multiple of BLOCK_MULTIPLE */
} wino_args;

/* Row counts per register block: NR accumulator columns of 16 lanes times rows stays at 24
 * registers; the block of tiles is a multiple of every row count. */
enum { LANES = 16, BLOCK_MULTIPLE = 24 };

static inline __m512 load_bf16(const bf16 *p) {
    __m256i raw = _mm256_loadu_si256((const __m256i *)p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
}

static inline void store_bf16(bf16 *p, __m512 v) {
    _mm256_storeu_si256((__m256i *)p, (__m256i)_mm512_cvtneps_pbh(v));
}

/* V[p][row][c] for one tile: B^T d B with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. */
static void transform_tile(const wino_args *a, int img, int ty, int tx, bf16 *v, long v_pstride) {
    const int y0 = 2 * ty - a->pad, x0 = 2 * tx - a->pad;
    const bf16 *src[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            int yy = y0 + i, xx = x0 + j;
            src[i][j] = (yy >= 0 && yy < a->h && xx >= 0 && xx < a->w)
                            ? a->x + img * a->x_sn + yy * a->x_sh + xx * a->x_sw
                            : NULL;
        }
    const __m512 zero = _mm512_setzero_ps();
    for (int c = 0; c < a->cin; c += LANES) {
        __m512 d[4][4], t[4][4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) d[i][j] = src[i][j] ? load_bf16(src[i][j] + c) : zero;
        for (int j = 0; j < 4; j++) {
            t[0][j] = _mm512_sub_ps(d[0][j], d[2][j]);
            t[1][j] = _mm512_add_ps(d[1][j], d[2][j]);
            t[2][j] = _mm512_sub_ps(d[2][j], d[1][j]);
            t[3][j] = _mm512_sub_ps(d[1][j], d[3][j]);
        }
        for (int i = 0; i < 4; i++) {
            store_bf16(v + (i * 4 + 0) * v_pstride + c, _mm512_sub_ps(t[i][0], t[i][2]));
            store_bf16(v + (i * 4 + 1) * v_pstride + c, _mm512_add_ps(t[i][1], t[i][2]));
            store_bf16(v + (i * 4 + 2) * v_pstride + c, _mm512_sub_ps(t[i][2], t[i][1]));
            store_bf16(v + (i * 4 + 3) * v_pstride + c, _mm512_sub_ps(t[i][1], t[i][3]));
        }
    }
}

/* m[r][0:16*NR] = sum_k v[r][k] * u[k][0:16*NR] for ROWS rows; k runs over bf16 pairs. */
#define DEFINE_MICROKERNEL(NR, ROWS)                                                            \
    static void microkernel_##NR(const bf16 *v, long ldv, const bf16 *u, long ldu, int kpairs, \
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

DEFINE_MICROKERNEL(4, 6)
DEFINE_MICROKERNEL(2, 12)
DEFINE_MICROKERNEL(1, 24)

/* Y = A^T M A with A^T = [1 1 1 0; 0 1 -1 -1], plus bias and LeakyReLU, stored as bf16. */
static void output_tile(const wino_args *a, int img, int ty, int tx, const float *m, long m_pstride,
                        int co0, int width) {
    const int oy = 2 * ty, ox = 2 * tx;
    const int rows = oy + 1 < a->ho ? 2 : 1, cols = ox + 1 < a->wo ? 2 : 1;
    const __m512 slope = _mm512_set1_ps(a->slope);
    for (int c = 0; c < width; c += LANES) {
        __m512 s[2][4];
        for (int j = 0; j < 4; j++) {
            __m512 m0 = _mm512_loadu_ps(m + (0 * 4 + j) * m_pstride + c);
            __m512 m1 = _mm512_loadu_ps(m + (1 * 4 + j) * m_pstride + c);
            __m512 m2 = _mm512_loadu_ps(m + (2 * 4 + j) * m_pstride + c);
            __m512 m3 = _mm512_loadu_ps(m + (3 * 4 + j) * m_pstride + c);
            s[0][j] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
            s[1][j] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
        }
        const __m512 bias = _mm512_loadu_ps(a->bias + co0 + c);
        for (int dy = 0; dy < rows; dy++) {
            __m512 out[2];
            out[0] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[dy][0], s[dy][1]), s[dy][2]), bias);
            out[1] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s[dy][1], s[dy][2]), s[dy][3]), bias);
            for (int dx = 0; dx < cols; dx++) {
                __m512 o = _mm512_max_ps(out[dx], _mm512_mul_ps(out[dx], slope));
                store_bf16(a->y + img * a->y_sn + (oy + dy) * a->y_sh + (ox + dx) * a->y_sw + co0 + c, o);
            }
        }
    }
}

/* Process tile blocks [block_begin, block_end). Returns 0, or -1 if scratch allocation failed. */
static int run_blocks(const wino_args *a, long block_begin, long block_end) {
    const int th = (a->ho + 1) / 2, tw = (a->wo + 1) / 2;
    const long tiles = (long)a->n * th * tw;
    const int bt = a->block_tiles, cin = a->cin, cout = a->cout, kpairs = cin / 2;
    const int chunk = cout >= 64 ? 64 : cout;
    const long v_pstride = (long)bt * cin, m_pstride = (long)bt * chunk;
    bf16 *v = aligned_alloc(64, (sizeof(bf16) * 16 * v_pstride + 63) / 64 * 64);
    float *m = aligned_alloc(64, (sizeof(float) * 16 * m_pstride + 63) / 64 * 64);
    if (!v || !m) {
        free(v);
        free(m);
        return -1;
    }
    for (long block = block_begin; block < block_end; block++) {
        const long t0 = block * bt;
        const int count = (int)(tiles - t0 < bt ? tiles - t0 : bt);
        for (int r = 0; r < bt; r++) {
            if (r < count) {
                long t = t0 + r;
                int img = (int)(t / ((long)th * tw)), rem = (int)(t % ((long)th * tw));
                transform_tile(a, img, rem / tw, rem % tw, v + (long)r * cin, v_pstride);
            } else {
                for (int p = 0; p < 16; p++) memset(v + p * v_pstride + (long)r * cin, 0, sizeof(bf16) * cin);
            }
        }
        const int rows = chunk == 64 ? 6 : chunk == 32 ? 12 : 24;
        const int groups = (count + rows - 1) / rows;
        for (int co0 = 0; co0 < cout; co0 += chunk) {
            for (int p = 0; p < 16; p++) {
                const bf16 *up = a->u + ((long)p * kpairs * cout + co0) * 2;
                for (int g = 0; g < groups; g++) {
                    const bf16 *vp = v + p * v_pstride + (long)g * rows * cin;
                    float *mp = m + p * m_pstride + (long)g * rows * chunk;
#ifndef WINO_SKIP_GEMM
                    if (chunk == 64)
                        microkernel_4(vp, cin, up, 2L * cout, kpairs, mp, chunk);
                    else if (chunk == 32)
                        microkernel_2(vp, cin, up, 2L * cout, kpairs, mp, chunk);
                    else
                        microkernel_1(vp, cin, up, 2L * cout, kpairs, mp, chunk);
#endif
                }
            }
            for (int r = 0; r < count; r++) {
                long t = t0 + r;
                int img = (int)(t / ((long)th * tw)), rem = (int)(t % ((long)th * tw));
                output_tile(a, img, rem / tw, rem % tw, m + (long)r * chunk, m_pstride, co0, chunk);
            }
        }
    }
    free(v);
    free(m);
    return 0;
}

/* The whole convolution on `threads` OpenMP threads. Returns 0, or -1 if memory ran out. */
int wino_f23(const wino_args *a, int threads) {
    const long tiles = (long)a->n * ((a->ho + 1) / 2) * ((a->wo + 1) / 2);
    const long blocks = (tiles + a->block_tiles - 1) / a->block_tiles;
    if (threads > blocks) threads = (int)blocks;
    if (threads < 1) threads = 1;
    int failed = 0;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(| : failed)
    for (int i = 0; i < threads; i++) failed |= run_blocks(a, blocks * i / threads, blocks * (i + 1) / threads);
    return failed ? -1 : 0;
}
