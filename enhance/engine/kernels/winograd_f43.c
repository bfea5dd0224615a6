/* 3x3 stride-1 convolution by Winograd F(4x4, 3x3) on bf16 activations, with the
 * transformed operands quantized to int16 and multiplied exactly on AVX-512 VNNI
 * (vpdpwssd, int32 accumulators). Built and loaded by build.py.
 *
 * Why: F(4x4, 3x3) needs 36 multiplications per 4x4 output block instead of 144 (4x
 * fewer; F(2x2, 3x3) saves 2.25x), but its transforms scale values by up to 100, so
 * rounding the transformed operands to bf16 (8 significant bits) costs ten times the
 * error of a direct convolution. int16 keeps 12 bits of each operand instead: every row of
 * the transformed input (one tile at one of the 36 positions, all channels) and every
 * column of the transformed weights (one output channel at one position) gets its own
 * scale, and the products sum exactly in int32. The bits are split so that no sum can
 * overflow: cin * 2^(a+b) < 2^31. That gives about the per-layer error of F(2x2, 3x3) in
 * bf16, and vpdpwssd multiplies 32 pairs per instruction like vdpbf16ps (on Intel cores
 * without AMX it issues faster).
 *
 * Layout: activations are NHWC bf16 with channel stride 1 and arbitrary pixel/row/image
 * strides, so a channel slice of a wider buffer can be read or written in place. Weights
 * arrive transformed, quantized and packed by Python: U[36][cout/chunk][cin/2][chunk][2]
 * int16 (chunk = min(64, cout)) plus scales[36][cout]. The output transform fuses the
 * dequantization, bias, LeakyReLU (slope 1 = none) and the bf16 store.
 *
 * Threads come from OpenMP: PyTorch loads libgomp.so.1 first, so this library binds to
 * the same runtime and thread pool instead of fighting a second set of spinning threads
 * for the cores. */

#include <stdlib.h>

#include "bf16_gemm.h"

typedef struct {
    const bf16 *x;
    long x_sn, x_sh, x_sw;
    int n, h, w, cin;
    bf16 *y;
    long y_sn, y_sh, y_sw;
    int ho, wo, cout;
    int pad;
    const int16_t *u;     /* [36][cout/chunk][cin/2][chunk][2] */
    const float *bias;    /* [cout] */
    float slope;
    int block_tiles;      /* tiles per block, a multiple of 24 */
    const float *u_scale; /* [36][cout] */
    int v_bits;           /* quantized input rows span +-(2^v_bits - 1) */
    int y_channels;       /* channels stored: cout, or fewer when cout was padded up to 16 */
} wino_args;

enum { P = 36 };

/* B^T of F(4x4, 3x3) on six values (points 0, +-1, +-2, infinity). */
#define INPUT_TRANSFORM(d, r)                                                                  \
    do {                                                                                       \
        const __m512 four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f);                \
        __m512 t1 = _mm512_fnmadd_ps(four, d[2], d[4]), t2 = _mm512_fnmadd_ps(four, d[1], d[3]); \
        __m512 t3 = _mm512_sub_ps(d[4], d[2]);                                                 \
        __m512 t4 = _mm512_add_ps(_mm512_sub_ps(d[3], d[1]), _mm512_sub_ps(d[3], d[1]));       \
        r[0] = _mm512_add_ps(_mm512_fnmadd_ps(five, d[2], d[4]), _mm512_mul_ps(four, d[0]));   \
        r[1] = _mm512_add_ps(t1, t2);                                                          \
        r[2] = _mm512_sub_ps(t1, t2);                                                          \
        r[3] = _mm512_add_ps(t3, t4);                                                          \
        r[4] = _mm512_sub_ps(t3, t4);                                                          \
        r[5] = _mm512_add_ps(_mm512_fnmadd_ps(five, d[3], d[5]), _mm512_mul_ps(four, d[1]));   \
    } while (0)

/* One input column, all channels: six input rows in, six row-transformed values out (zeros
 * outside the image), as fp32 into t[6][cin]. */
static void column_transform(const wino_args *a, const bf16 *const rows[6], int xx, float *t) {
    const int cin = a->cin;
    const int inside = xx >= 0 && xx < a->w;
    for (int c = 0; c < cin; c += LANES) {
        __m512 d[6], r[6];
        for (int i = 0; i < 6; i++)
            d[i] = (rows[i] && inside) ? load_bf16(rows[i] + xx * a->x_sw + c) : _mm512_setzero_ps();
        INPUT_TRANSFORM(d, r);
        for (int i = 0; i < 6; i++) _mm512_store_ps(t + i * cin + c, r[i]);
    }
}

/* Quantize one transformed tile (fp32 vt[36][cin]) into int16 rows of v, one scale per row. */
static void quantize_tile(const wino_args *a, const float *vt, int16_t *v, long v_pstride, float *v_scale,
                          long s_pstride) {
    const int cin = a->cin;
    const float top = (float)((1 << a->v_bits) - 1);
    for (int p = 0; p < P; p++) {
        const float *row = vt + (long)p * cin;
        __m512 peak = _mm512_setzero_ps();
        for (int c = 0; c < cin; c += LANES) peak = _mm512_max_ps(peak, _mm512_abs_ps(_mm512_load_ps(row + c)));
        const float largest = _mm512_reduce_max_ps(peak);
        const float inv = largest > 0.0f ? top / largest : 0.0f;
        v_scale[p * s_pstride] = largest > 0.0f ? largest / top : 0.0f;
        const __m512 k = _mm512_set1_ps(inv);
        int16_t *out = v + p * v_pstride;
        for (int c = 0; c < cin; c += LANES) {
            __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_load_ps(row + c), k));
            _mm256_storeu_si256((__m256i *)(out + c), _mm512_cvtsepi32_epi16(q));
        }
    }
}

/* Transform and quantize `count` horizontally adjacent tiles of one tile row. Neighbouring
 * 6x6 patches share two input columns, so each column is row-transformed once into a ring
 * of six fp32 column buffers `ring` (6 x 6 x cin floats). */
static void transform_segment(const wino_args *a, int img, int ty, int tx0, int count, int16_t *v, long v_pstride,
                              float *v_scale, long s_pstride, float *ring, float *vt) {
    const int y0 = 4 * ty - a->pad, x0 = 4 * tx0 - a->pad, cin = a->cin;
    const long col_floats = 6L * cin;
    const bf16 *rows[6];
    for (int i = 0; i < 6; i++)
        rows[i] = (y0 + i >= 0 && y0 + i < a->h) ? a->x + img * a->x_sn + (long)(y0 + i) * a->x_sh : NULL;
    for (int j = 0; j < 2; j++) column_transform(a, rows, x0 + j, ring + j * col_floats);
    for (int k = 0; k < count; k++) {
        const int first = 4 * k; /* patch columns first..first+5 live in ring slots (first+j) % 6 */
        for (int j = 2; j < 6; j++)
            column_transform(a, rows, x0 + first + j, ring + ((first + j) % 6) * col_floats);
        const float *col[6];
        for (int j = 0; j < 6; j++) col[j] = ring + ((first + j) % 6) * col_floats;
        for (int i = 0; i < 6; i++) {
            const long o = (long)i * cin;
            for (int c = 0; c < cin; c += LANES) {
                __m512 d[6], r[6];
                for (int j = 0; j < 6; j++) d[j] = _mm512_load_ps(col[j] + o + c);
                INPUT_TRANSFORM(d, r);
                for (int j = 0; j < 6; j++) _mm512_store_ps(vt + (long)(i * 6 + j) * cin + c, r[j]);
            }
        }
        quantize_tile(a, vt, v + (long)k * cin, v_pstride, v_scale + k, s_pstride);
    }
}

/* acc += pairwise products of a and b. Through inline asm because GCC 12 compiles the
 * intrinsic with a copy of every accumulator to the stack per use. */
static inline __m512i dot_pairs(__m512i acc, __m512i a, __m512i b) {
    __asm__("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
    return acc;
}

/* m[r][0:16*NR] = row_scale[r] * col_scale[0:16*NR] * sum_k v[r][k] * u[k][0:16*NR] for ROWS
 * rows; k runs over int16 pairs, summed exactly in int32. */
#define DEFINE_INT16_MICROKERNEL(NR, ROWS)                                                      \
    static inline void microkernel_##NR(const int16_t *v, long ldv, const int16_t *u, long ldu, int kpairs, \
                                        const float *row_scale, const float *col_scale, float *m, long ldm) { \
        __m512i acc[ROWS][NR];                                                                 \
        for (int r = 0; r < ROWS; r++)                                                         \
            for (int j = 0; j < NR; j++) acc[r][j] = _mm512_setzero_si512();                   \
        for (int k = 0; k < kpairs; k++) {                                                     \
            __m512i b[NR];                                                                     \
            for (int j = 0; j < NR; j++) b[j] = _mm512_loadu_si512((const void *)(u + k * ldu + j * 32)); \
            for (int r = 0; r < ROWS; r++) {                                                   \
                int32_t pair;                                                                  \
                memcpy(&pair, v + r * ldv + 2 * k, sizeof pair);                               \
                const __m512i av = _mm512_set1_epi32(pair);                                    \
                for (int j = 0; j < NR; j++) acc[r][j] = dot_pairs(acc[r][j], av, b[j]);      \
            }                                                                                  \
        }                                                                                      \
        for (int r = 0; r < ROWS; r++) {                                                       \
            const __m512 rs = _mm512_set1_ps(row_scale[r]);                                    \
            for (int j = 0; j < NR; j++) {                                                     \
                const __m512 s = _mm512_mul_ps(_mm512_loadu_ps(col_scale + j * LANES), rs);    \
                _mm512_storeu_ps(m + r * ldm + j * LANES, _mm512_mul_ps(_mm512_cvtepi32_ps(acc[r][j]), s)); \
            }                                                                                  \
        }                                                                                      \
    }

DEFINE_INT16_MICROKERNEL(4, 6)
DEFINE_INT16_MICROKERNEL(2, 12)
DEFINE_INT16_MICROKERNEL(1, 24)

/* Y = A^T M A with A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1], plus bias
 * and LeakyReLU, stored as bf16. */
#define OUTPUT_TRANSFORM(m, y)                                                                 \
    do {                                                                                       \
        __m512 s1 = _mm512_add_ps(m[1], m[2]), d1 = _mm512_sub_ps(m[1], m[2]);                 \
        __m512 s2 = _mm512_add_ps(m[3], m[4]), d2 = _mm512_sub_ps(m[3], m[4]);                 \
        y[0] = _mm512_add_ps(_mm512_add_ps(m[0], s1), s2);                                     \
        y[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.0f), d2, d1);                                  \
        y[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), s2, s1);                                  \
        y[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.0f), d2, d1), m[5]);             \
    } while (0)

static void output_tile(const wino_args *a, int img, int ty, int tx, const float *m, long m_pstride, int co0,
                        int width) {
    const int oy = 4 * ty, ox = 4 * tx;
    const int rows = a->ho - oy < 4 ? a->ho - oy : 4, cols = a->wo - ox < 4 ? a->wo - ox : 4;
    const __m512 slope = _mm512_set1_ps(a->slope);
    for (int c = 0; c < width && co0 + c < a->y_channels; c += LANES) {
        __m512 s[4][6];
        for (int j = 0; j < 6; j++) {
            __m512 col[6], out[4];
            for (int i = 0; i < 6; i++) col[i] = _mm512_loadu_ps(m + (i * 6 + j) * m_pstride + c);
            OUTPUT_TRANSFORM(col, out);
            for (int i = 0; i < 4; i++) s[i][j] = out[i];
        }
        const __m512 bias = _mm512_loadu_ps(a->bias + co0 + c);
        const int stored = a->y_channels - (co0 + c);
        const __mmask16 lanes = stored >= LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << stored) - 1);
        for (int dy = 0; dy < rows; dy++) {
            __m512 out[4];
            OUTPUT_TRANSFORM(s[dy], out);
            bf16 *dst = a->y + img * a->y_sn + (long)(oy + dy) * a->y_sh + (long)ox * a->y_sw + co0 + c;
            for (int dx = 0; dx < cols; dx++) {
                __m512 o = _mm512_add_ps(out[dx], bias);
                o = _mm512_max_ps(o, _mm512_mul_ps(o, slope));
                store_bf16(dst + dx * a->y_sw, o, lanes);
            }
        }
    }
}

#define MICRO_ROWS(chunk) ((chunk) == 64 ? 6 : (chunk) == 32 ? 12 : 24)

/* One thread's scratch: the quantized input of a block and its row scales, the products of
 * one register block, the ring of row-transformed columns and one fp32 transformed tile. */
typedef struct {
    int16_t *v;
    float *v_scale, *m, *ring, *vt;
} scratch;

static void *aligned(size_t bytes) { return aligned_alloc(64, (bytes + 63) / 64 * 64); }

static int scratch_alloc(const wino_args *a, scratch *s) {
    const int chunk = a->cout >= 64 ? 64 : a->cout;
    s->v = aligned(sizeof(int16_t) * P * (size_t)a->block_tiles * a->cin);
    s->v_scale = aligned(sizeof(float) * P * (size_t)a->block_tiles);
    s->m = aligned(sizeof(float) * P * (size_t)MICRO_ROWS(chunk) * chunk);
    s->ring = aligned(sizeof(float) * 36 * a->cin);
    s->vt = aligned(sizeof(float) * P * a->cin);
    return s->v && s->v_scale && s->m && s->ring && s->vt;
}

static void scratch_free(scratch *s) {
    free(s->v);
    free(s->v_scale);
    free(s->m);
    free(s->ring);
    free(s->vt);
}

static void process_block(const wino_args *a, const scratch *s, long block) {
    const int th = (a->ho + 3) / 4, tw = (a->wo + 3) / 4;
    const long tiles = (long)a->n * th * tw;
    const int bt = a->block_tiles, cin = a->cin, cout = a->cout, kpairs = cin / 2;
    const int chunk = cout >= 64 ? 64 : cout;
    const long v_pstride = (long)bt * cin;
    const long t0 = block * bt;
    const int count = (int)(tiles - t0 < bt ? tiles - t0 : bt);
    for (int r = 0; r < count;) { /* runs of tiles within one tile row */
        long t = t0 + r;
        int img = (int)(t / ((long)th * tw)), rem = (int)(t % ((long)th * tw));
        int ty = rem / tw, tx = rem % tw, run = tw - tx < count - r ? tw - tx : count - r;
        transform_segment(a, img, ty, tx, run, s->v + (long)r * cin, v_pstride, s->v_scale + r, bt, s->ring,
                          s->vt);
        r += run;
    }
    const int rows = MICRO_ROWS(chunk);
    const int padded = (count + rows - 1) / rows * rows; /* the last register block reads zeros */
    for (int r = count; r < padded; r++)
        for (int p = 0; p < P; p++) {
            memset(s->v + p * v_pstride + (long)r * cin, 0, sizeof(int16_t) * cin);
            s->v_scale[p * bt + r] = 0.0f;
        }
    const long m_pstride = (long)rows * chunk;
    for (int co0 = 0; co0 < cout; co0 += chunk) {
        for (int g = 0; g * rows < count; g++) {
            for (int p = 0; p < P; p++) {
                const int16_t *up = a->u + ((long)p * cout + co0) * kpairs * 2;
                const int16_t *vp = s->v + p * v_pstride + (long)g * rows * cin;
                const float *rs = s->v_scale + p * bt + g * rows, *cs = a->u_scale + (long)p * cout + co0;
                float *mp = s->m + p * m_pstride;
                if (chunk == 64)
                    microkernel_4(vp, cin, up, 2L * chunk, kpairs, rs, cs, mp, chunk);
                else if (chunk == 32)
                    microkernel_2(vp, cin, up, 2L * chunk, kpairs, rs, cs, mp, chunk);
                else
                    microkernel_1(vp, cin, up, 2L * chunk, kpairs, rs, cs, mp, chunk);
            }
            for (int r = g * rows; r < count && r < (g + 1) * rows; r++) {
                long t = t0 + r;
                int img = (int)(t / ((long)th * tw)), rem = (int)(t % ((long)th * tw));
                output_tile(a, img, rem / tw, rem % tw, s->m + (long)(r - g * rows) * chunk, m_pstride, co0, chunk);
            }
        }
    }
}

/* The whole convolution on `threads` OpenMP threads. Returns 0, or -1 if memory ran out. */
int wino_f43(const wino_args *a, int threads) {
    const long tiles = (long)a->n * ((a->ho + 3) / 4) * ((a->wo + 3) / 4);
    const long blocks = (tiles + a->block_tiles - 1) / a->block_tiles;
    if (threads > blocks) threads = (int)blocks;
    if (threads < 1) threads = 1;
    int failed = 0;
    /* Dynamic scheduling: on a shared machine one core is often slower than the other. */
#pragma omp parallel num_threads(threads) reduction(| : failed)
    {
        scratch s;
        const int ready = scratch_alloc(a, &s);
        failed |= !ready;
#pragma omp for schedule(dynamic, 2)
        for (long block = 0; block < blocks; block++)
            if (ready) process_block(a, &s, block);
        scratch_free(&s);
    }
    return failed ? -1 : 0;
}
