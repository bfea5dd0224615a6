/* waifu2x's output layer, ConvTranspose2d(cin, 3, kernel 4, stride 2, padding 3), on bf16
 * data for CPUs with AVX-512 BF16. Built into the same library as winograd_f43.c.
 *
 * Why: oneDNN's transposed convolution with three output channels used a few percent of
 * the CPU (40 ms of a 210 ms UpConv7 pass). Here it is one GEMM with the same multiply
 * count, cols[pixel][(ky, kx, c)] = x[pixel] . U, on the vdpbf16ps microkernel, then a
 * gather: output (2m + a, 2q + b) sums four taps of cols from input pixels m..m+2 and
 * q..q+2 (out = 2 * in - 3 + k), adds the bias and rounds to bf16. */

#include <omp.h>
#include <stdlib.h>

#include "bf16_gemm.h"

typedef struct {
    const bf16 *x;
    long x_sn, x_sh, x_sw; /* element strides of image, row, pixel; channels contiguous */
    int n, h, w, cin;
    bf16 *y;
    long y_sn, y_sc, y_sh, y_sw; /* output (n, 3, 2h - 4, 2w - 4), any layout */
    const bf16 *u;     /* [cin/2][48][2]: column (ky * 4 + kx) * 3 + c */
    const float *bias; /* [3] */
} deconv_args;

enum { COUT = 3, TAPS = 16 * COUT, DROWS = 8 };

DEFINE_MICROKERNEL(3, 8)

/* For output parity a: the two (input offset, kernel index) pairs that land on it. */
static const int TAP_OFFSET[2][2] = {{0, 1}, {1, 2}};
static const int TAP_KERNEL[2][2] = {{3, 1}, {2, 0}};

static void gemm_row(const deconv_args *a, int img, int iy, float *cols, bf16 *tail) {
    const bf16 *row = a->x + img * a->x_sn + (long)iy * a->x_sh;
    const int kpairs = a->cin / 2;
    int ix = 0;
    for (; ix + DROWS <= a->w; ix += DROWS)
        microkernel_3(row + ix * a->x_sw, a->x_sw, a->u, 2 * TAPS, kpairs, cols + (long)ix * TAPS, TAPS);
    if (ix < a->w) { /* the last few pixels, through a zero-padded copy */
        const int left = a->w - ix;
        float block[DROWS * TAPS];
        memset(tail, 0, sizeof(bf16) * DROWS * a->cin);
        for (int r = 0; r < left; r++) memcpy(tail + r * a->cin, row + (ix + r) * a->x_sw, sizeof(bf16) * a->cin);
        microkernel_3(tail, a->cin, a->u, 2 * TAPS, kpairs, block, TAPS);
        memcpy(cols + (long)ix * TAPS, block, sizeof(float) * left * TAPS);
    }
}

static inline bf16 round_to_bf16(float f) {
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    bits += 0x7FFF + ((bits >> 16) & 1); /* round to nearest even */
    return (bf16)(bits >> 16);
}

static void gather_row(const deconv_args *a, int img, int oy, const float *cols) {
    const int wo = 2 * a->w - 4, pa = oy & 1, m = oy >> 1;
    for (int ox = 0; ox < wo; ox++) {
        const int pb = ox & 1, q = ox >> 1;
        float acc[COUT] = {a->bias[0], a->bias[1], a->bias[2]};
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                const long pixel = ((long)img * a->h + m + TAP_OFFSET[pa][i]) * a->w + q + TAP_OFFSET[pb][j];
                const float *src = cols + pixel * TAPS + (TAP_KERNEL[pa][i] * 4 + TAP_KERNEL[pb][j]) * COUT;
                for (int c = 0; c < COUT; c++) acc[c] += src[c];
            }
        bf16 *dst = a->y + img * a->y_sn + (long)oy * a->y_sh + (long)ox * a->y_sw;
        for (int c = 0; c < COUT; c++) dst[c * a->y_sc] = round_to_bf16(acc[c]);
    }
}

/* Returns 0, or -1 if memory ran out (nothing written then). */
int deconv_k4s2(const deconv_args *a, int threads) {
    if (threads < 1) threads = 1;
    const long rows_in = (long)a->n * a->h, rows_out = (long)a->n * (2 * a->h - 4);
    float *cols = malloc(sizeof(float) * rows_in * a->w * TAPS);
    bf16 *tails = malloc(sizeof(bf16) * threads * DROWS * a->cin);
    if (!cols || !tails) {
        free(cols);
        free(tails);
        return -1;
    }
#pragma omp parallel num_threads(threads)
    {
        bf16 *tail = tails + (long)omp_get_thread_num() * DROWS * a->cin;
#pragma omp for schedule(dynamic, 4)
        for (long r = 0; r < rows_in; r++) gemm_row(a, (int)(r / a->h), (int)(r % a->h), cols + r * a->w * TAPS, tail);
#pragma omp for schedule(dynamic, 8)
        for (long r = 0; r < rows_out; r++) {
            const int per_image = 2 * a->h - 4;
            gather_row(a, (int)(r / per_image), (int)(r % per_image), cols);
        }
    }
    free(cols);
    free(tails);
    return 0;
}
