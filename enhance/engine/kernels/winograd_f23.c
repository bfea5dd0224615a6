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

#include <stdlib.h>

#include "bf16_gemm.h"

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

/* The block of tiles is a multiple of every microkernel's row count (6, 12, 24). */
enum { BLOCK_MULTIPLE = 24 };

/* B^T along one input column, all channels: four input rows in, four transformed rows out
 * (zeros outside the image), as fp32 into t[4][cin]. */
static void column_transform(const wino_args *a, const bf16 *const rows[4], int xx, float *t) {
    const int cin = a->cin;
    const int inside = xx >= 0 && xx < a->w;
    for (int c = 0; c < cin; c += LANES) {
        __m512 d[4];
        for (int i = 0; i < 4; i++)
            d[i] = (rows[i] && inside) ? load_bf16(rows[i] + xx * a->x_sw + c) : _mm512_setzero_ps();
        _mm512_store_ps(t + 0 * cin + c, _mm512_sub_ps(d[0], d[2]));
        _mm512_store_ps(t + 1 * cin + c, _mm512_add_ps(d[1], d[2]));
        _mm512_store_ps(t + 2 * cin + c, _mm512_sub_ps(d[2], d[1]));
        _mm512_store_ps(t + 3 * cin + c, _mm512_sub_ps(d[1], d[3]));
    }
}

/* V[p][r][c] = B^T d B for `count` horizontally adjacent tiles of one tile row, with
 * B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. Neighbouring 4x4 patches share two input
 * columns: each column is read (all channels at once, in memory order) and row-transformed
 * once into a ring of four fp32 column buffers `ring` (4 x 4 x cin floats, in L1). */
static void transform_segment(const wino_args *a, int img, int ty, int tx0, int count, bf16 *v, long v_pstride,
                              float *ring) {
    const int y0 = 2 * ty - a->pad, x0 = 2 * tx0 - a->pad, cin = a->cin;
    const long col_floats = 4L * cin;
    const bf16 *rows[4];
    for (int i = 0; i < 4; i++)
        rows[i] = (y0 + i >= 0 && y0 + i < a->h) ? a->x + img * a->x_sn + (long)(y0 + i) * a->x_sh : NULL;
    column_transform(a, rows, x0, ring);
    column_transform(a, rows, x0 + 1, ring + col_floats);
    for (int k = 0; k < count; k++) {
        const int first = 2 * k; /* patch columns first..first+3 live in ring slots (first+j) % 4 */
        column_transform(a, rows, x0 + first + 2, ring + ((first + 2) % 4) * col_floats);
        column_transform(a, rows, x0 + first + 3, ring + ((first + 3) % 4) * col_floats);
        const float *c0 = ring + (first % 4) * col_floats, *c1 = ring + ((first + 1) % 4) * col_floats;
        const float *c2 = ring + ((first + 2) % 4) * col_floats, *c3 = ring + ((first + 3) % 4) * col_floats;
        bf16 *out = v + (long)k * cin;
        for (int i = 0; i < 4; i++) {
            const long o = (long)i * cin;
            for (int c = 0; c < cin; c += LANES) {
                __m512 t0 = _mm512_load_ps(c0 + o + c), t1 = _mm512_load_ps(c1 + o + c);
                __m512 t2 = _mm512_load_ps(c2 + o + c), t3 = _mm512_load_ps(c3 + o + c);
                store_bf16(out + (i * 4 + 0) * v_pstride + c, _mm512_sub_ps(t0, t2));
                store_bf16(out + (i * 4 + 1) * v_pstride + c, _mm512_add_ps(t1, t2));
                store_bf16(out + (i * 4 + 2) * v_pstride + c, _mm512_sub_ps(t2, t1));
                store_bf16(out + (i * 4 + 3) * v_pstride + c, _mm512_sub_ps(t1, t3));
            }
        }
    }
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

/* Rows per microkernel call for a chunk of 64, 32 or 16 output channels (24 accumulators). */
#define MICRO_ROWS(chunk) ((chunk) == 64 ? 6 : (chunk) == 32 ? 12 : 24)

/* One thread's scratch: the transformed input of a block, the products of one register
 * block of tiles, and the ring of row-transformed input columns. */
typedef struct {
    bf16 *v;
    float *m, *ring;
} scratch;

static int scratch_alloc(const wino_args *a, scratch *s) {
    const int chunk = a->cout >= 64 ? 64 : a->cout;
    const size_t v_bytes = sizeof(bf16) * 16 * (size_t)a->block_tiles * a->cin;
    const size_t m_bytes = sizeof(float) * 16 * (size_t)MICRO_ROWS(chunk) * chunk;
    s->v = aligned_alloc(64, (v_bytes + 63) / 64 * 64);
    s->m = aligned_alloc(64, (m_bytes + 63) / 64 * 64);
    s->ring = aligned_alloc(64, sizeof(float) * 16 * a->cin);
    return s->v && s->m && s->ring;
}

static void scratch_free(scratch *s) {
    free(s->v);
    free(s->m);
    free(s->ring);
}

static void process_block(const wino_args *a, const scratch *s, long block) {
    const int th = (a->ho + 1) / 2, tw = (a->wo + 1) / 2;
    const long tiles = (long)a->n * th * tw;
    const int bt = a->block_tiles, cin = a->cin, cout = a->cout, kpairs = cin / 2;
    const int chunk = cout >= 64 ? 64 : cout;
    const long v_pstride = (long)bt * cin;
    bf16 *v = s->v;
    float *m = s->m;
    const long t0 = block * bt;
    const int count = (int)(tiles - t0 < bt ? tiles - t0 : bt);
    for (int r = 0; r < count;) { /* runs of tiles within one tile row */
        long t = t0 + r;
        int img = (int)(t / ((long)th * tw)), rem = (int)(t % ((long)th * tw));
        int ty = rem / tw, tx = rem % tw, run = tw - tx < count - r ? tw - tx : count - r;
        transform_segment(a, img, ty, tx, run, v + (long)r * cin, v_pstride, s->ring);
        r += run;
    }
    const int rows = MICRO_ROWS(chunk);
    const int padded = (count + rows - 1) / rows * rows; /* the last register block reads zeros */
    for (int r = count; r < padded; r++)
        for (int p = 0; p < 16; p++) memset(v + p * v_pstride + (long)r * cin, 0, sizeof(bf16) * cin);
    const long m_pstride = (long)rows * chunk;
    for (int co0 = 0; co0 < cout; co0 += chunk) {
        /* One register block of tiles through all 16 positions, then straight to the output
         * transform while its products are still in L1. */
        for (int g = 0; g * rows < count; g++) {
            for (int p = 0; p < 16; p++) {
                const bf16 *up = a->u + ((long)p * kpairs * cout + co0) * 2;
                const bf16 *vp = v + p * v_pstride + (long)g * rows * cin;
                float *mp = m + p * m_pstride;
                if (chunk == 64)
                    microkernel_4(vp, cin, up, 2L * cout, kpairs, mp, chunk);
                else if (chunk == 32)
                    microkernel_2(vp, cin, up, 2L * cout, kpairs, mp, chunk);
                else
                    microkernel_1(vp, cin, up, 2L * cout, kpairs, mp, chunk);
            }
            for (int r = g * rows; r < count && r < (g + 1) * rows; r++) {
                long t = t0 + r;
                int img = (int)(t / ((long)th * tw)), rem = (int)(t % ((long)th * tw));
                output_tile(a, img, rem / tw, rem % tw, m + (long)(r - g * rows) * chunk, m_pstride, co0, chunk);
            }
        }
    }
}

/* The whole convolution on `threads` OpenMP threads. Returns 0, or -1 if memory ran out. */
int wino_f23(const wino_args *a, int threads) {
    const long tiles = (long)a->n * ((a->ho + 1) / 2) * ((a->wo + 1) / 2);
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
