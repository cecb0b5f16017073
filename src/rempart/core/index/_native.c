/* Native kernels of Rempart's PDQ index: table build, multi-index probe and linear scan.
 *
 * Every function works on caller-owned buffers (numpy arrays) and releases the GIL while it
 * runs, so queries from several threads proceed in parallel. The pure-numpy twin of each
 * function lives in segment.py; the two must agree bit for bit (tests check it).
 *
 * Bit numbering: bit 0 is the most significant bit of byte 0, i.e. the first bit of the 64-hex
 * string. Chunk c of a plan with b bits per chunk covers bits [c*b, c*b + b).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BYTES 32
#define MAX_CHUNKS 64
#define PREFETCH_AHEAD 12
#define SCAN_RELEASE_GIL (1 << 18) /* hashes: about a millisecond of scanning */

static inline uint64_t load_be64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline void be_words(const uint8_t *h, uint64_t w[4]) {
    w[0] = load_be64(h);
    w[1] = load_be64(h + 8);
    w[2] = load_be64(h + 16);
    w[3] = load_be64(h + 24);
}

static inline uint32_t chunk_key(const uint64_t w[4], int start, int b) {
    int wi = start >> 6, off = start & 63;
    uint64_t mask = (b >= 64) ? ~0ULL : ((1ULL << b) - 1);
    if (off + b <= 64) return (uint32_t)((w[wi] >> (64 - off - b)) & mask);
    return (uint32_t)(((w[wi] << (off + b - 64)) | (w[wi + 1] >> (128 - off - b))) & mask);
}

static inline int hamming(const uint8_t *a, const uint8_t *b) {
    uint64_t x0, x1, x2, x3, y0, y1, y2, y3;
    memcpy(&x0, a, 8); memcpy(&x1, a + 8, 8); memcpy(&x2, a + 16, 8); memcpy(&x3, a + 24, 8);
    memcpy(&y0, b, 8); memcpy(&y1, b + 8, 8); memcpy(&y2, b + 16, 8); memcpy(&y3, b + 24, 8);
    return __builtin_popcountll(x0 ^ y0) + __builtin_popcountll(x1 ^ y1) +
           __builtin_popcountll(x2 ^ y2) + __builtin_popcountll(x3 ^ y3);
}

/* Table positions are stored little-endian in `width` bytes (3 while a segment has fewer than
 * 2**24 rows: a quarter less memory than uint32). */
static inline void put_pos(uint8_t *dst, uint32_t p, int width) {
    for (int i = 0; i < width; i++) dst[i] = (uint8_t)(p >> (8 * i));
}

static inline uint32_t get_pos(const uint8_t *src, int width) {
    uint32_t p = (uint32_t)src[0] | ((uint32_t)src[1] << 8) | ((uint32_t)src[2] << 16);
    if (width == 4) p |= (uint32_t)src[3] << 24;
    return p;
}

/* Growable uint32 buffer. */
typedef struct { uint32_t *data; size_t len, cap; } vec_u32;

static int vec_reserve(vec_u32 *v, size_t extra) {
    if (v->len + extra <= v->cap) return 0;
    size_t cap = v->cap ? v->cap : 1024;
    while (cap < v->len + extra) cap *= 2;
    uint32_t *d = (uint32_t *)realloc(v->data, cap * sizeof(uint32_t));
    if (!d) return -1;
    v->data = d;
    v->cap = cap;
    return 0;
}

/* All keys within `a` flips of `key` (b bits), appended to out. */
static int enum_flips(vec_u32 *out, uint32_t key, int b, int a, int from) {
    if (vec_reserve(out, 1)) return -1;
    out->data[out->len++] = key;
    if (a == 0) return 0;
    for (int i = from; i < b; i++)
        if (enum_flips(out, key ^ (1u << i), b, a - 1, i + 1)) return -1;
    return 0;
}

/* build_table(hashes, n, start, b, width, perm_out, offsets_out)
 * Counting sort of positions 0..n-1 by the key of bits [start, start+b): offsets_out gets
 * 2**b + 1 bucket starts, perm_out the positions (`width` bytes each) bucket by bucket
 * (ascending within a bucket). */
static PyObject *py_build_table(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer hb, pb, ob;
    Py_ssize_t n;
    int start, b, width;
    if (!PyArg_ParseTuple(args, "y*niiiw*w*", &hb, &n, &start, &b, &width, &pb, &ob))
        return NULL;
    PyObject *result = NULL;
    size_t nkeys = (size_t)1 << b;
    if (b < 1 || b > 30 || start < 0 || start + b > 256 || hb.len < n * HASH_BYTES ||
        (width != 3 && width != 4) || (width == 3 && n > (1 << 24)) ||
        pb.len < n * (Py_ssize_t)width ||
        (size_t)ob.len < (nkeys + 1) * sizeof(uint32_t) || n > (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "build_table: bad sizes");
        goto done;
    }
    uint32_t *keys = (uint32_t *)malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
    if (!keys) { PyErr_NoMemory(); goto done; }
    const uint8_t *h = (const uint8_t *)hb.buf;
    uint8_t *perm = (uint8_t *)pb.buf;
    uint32_t *off = (uint32_t *)ob.buf;
    Py_BEGIN_ALLOW_THREADS
    memset(off, 0, (nkeys + 1) * sizeof(uint32_t));
    for (Py_ssize_t p = 0; p < n; p++) {
        uint64_t w[4];
        be_words(h + p * HASH_BYTES, w);
        keys[p] = chunk_key(w, start, b);
        off[keys[p] + 1]++;
    }
    for (size_t k = 0; k < nkeys; k++) off[k + 1] += off[k];
    /* Scatter with off[k] as the cursor of bucket k, then shift back by one bucket. */
    for (Py_ssize_t p = 0; p < n; p++)
        put_pos(perm + (size_t)(off[keys[p]]++) * (size_t)width, (uint32_t)p, width);
    for (size_t k = nkeys; k > 0; k--) off[k] = off[k - 1];
    off[0] = 0;
    Py_END_ALLOW_THREADS
    free(keys);
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&hb);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&ob);
    return result;
}

/* query(hashes, alive, perm, offsets, n, b, width, flips, q, radius, max_candidates, out_pos,
 *       out_dist)
 * Multi-index probe: chunk c is probed with every key within flips[c] bits of the query's key
 * (flips[c] < 0 skips it). A match is reported only by the first chunk able to find it, so each
 * position comes out once. Returns the number of matches (only the first len(out_pos) are
 * written), or -1 when more than max_candidates positions would be examined. */
static PyObject *do_query(PyObject *args, int release) {
    Py_buffer hb, ab, pb, ob, fb, qb, rpb, rdb;
    Py_ssize_t n, max_cand;
    int b, width, radius;
    if (!PyArg_ParseTuple(args, "y*y*y*y*niiy*y*inw*w*", &hb, &ab, &pb, &ob, &n, &b, &width,
                          &fb, &qb, &radius, &max_cand, &rpb, &rdb))
        return NULL;
    PyObject *result = NULL;
    int m = (int)fb.len;
    size_t nkeys = (size_t)1 << b;
    Py_ssize_t cap = rpb.len / (Py_ssize_t)sizeof(uint32_t);
    if (b < 1 || b > 30 || m < 1 || m > MAX_CHUNKS || m * b > 256 || qb.len != HASH_BYTES ||
        (width != 3 && width != 4) || hb.len < n * HASH_BYTES || ab.len < n ||
        pb.len < (Py_ssize_t)m * n * width ||
        (size_t)ob.len < (size_t)m * (nkeys + 1) * 4 || rdb.len < cap) {
        PyErr_SetString(PyExc_ValueError, "query: bad sizes");
        goto done;
    }
    const uint8_t *h = (const uint8_t *)hb.buf, *alive = (const uint8_t *)ab.buf;
    const uint8_t *q = (const uint8_t *)qb.buf;
    const int8_t *flips = (const int8_t *)fb.buf;
    const uint8_t *perm_all = (const uint8_t *)pb.buf;
    const uint32_t *off_all = (const uint32_t *)ob.buf;
    uint32_t *out_pos = (uint32_t *)rpb.buf;
    uint8_t *out_dist = (uint8_t *)rdb.buf;
    Py_ssize_t found = 0;
    int failed = 0;
    size_t examined = 0;
    vec_u32 keys = {0}, cands = {0};
    uint64_t qw[4];
    uint32_t qkey[MAX_CHUNKS];
    /* ``query`` holds the GIL: a query takes microseconds, and handing the GIL to a background
       thread mid-request would cost the caller a whole switch interval to get it back.
       ``query_nogil`` releases it, for several queries run side by side on worker threads. */
    PyThreadState *save = release ? PyEval_SaveThread() : NULL;
    be_words(q, qw);
    for (int c = 0; c < m; c++) qkey[c] = chunk_key(qw, c * b, b);
    for (int c = 0; c < m && !failed; c++) {
        if (flips[c] < 0) continue;
        const uint32_t *off = off_all + (size_t)c * (nkeys + 1);
        const uint8_t *perm = perm_all + (size_t)c * (size_t)n * (size_t)width;
        keys.len = 0;
        if (enum_flips(&keys, qkey[c], b, flips[c], 0)) { failed = 2; break; }
        for (size_t k = 0; k < keys.len; k++) __builtin_prefetch(off + keys.data[k]);
        size_t total = 0;
        for (size_t k = 0; k < keys.len; k++) {
            uint32_t s = off[keys.data[k]], e = off[keys.data[k] + 1];
            total += e - s;
            if (e > s) __builtin_prefetch(perm + (size_t)s * (size_t)width);
        }
        examined += total;
        if ((Py_ssize_t)examined > max_cand) { failed = 1; break; }
        cands.len = 0;
        if (vec_reserve(&cands, total)) { failed = 2; break; }
        for (size_t k = 0; k < keys.len; k++) {
            uint32_t s = off[keys.data[k]], e = off[keys.data[k] + 1];
            for (uint32_t j = s; j < e; j++)
                cands.data[cands.len++] = get_pos(perm + (size_t)j * (size_t)width, width);
        }
        for (size_t j = 0; j < cands.len && j < PREFETCH_AHEAD; j++)
            __builtin_prefetch(h + (size_t)cands.data[j] * HASH_BYTES);
        for (size_t j = 0; j < cands.len; j++) {
            if (j + PREFETCH_AHEAD < cands.len)
                __builtin_prefetch(h + (size_t)cands.data[j + PREFETCH_AHEAD] * HASH_BYTES);
            uint32_t p = cands.data[j];
            const uint8_t *hp = h + (size_t)p * HASH_BYTES;
            int d = hamming(hp, q);
            if (d > radius || !alive[p]) continue;
            int earlier = 0;
            if (c > 0) {
                uint64_t w[4];
                be_words(hp, w);
                for (int e = 0; e < c && !earlier; e++)
                    earlier = flips[e] >= 0 &&
                              __builtin_popcount(chunk_key(w, e * b, b) ^ qkey[e]) <= flips[e];
            }
            if (earlier) continue;
            if (found < cap) {
                out_pos[found] = p;
                out_dist[found] = (uint8_t)d;
            }
            found++;
        }
    }
    free(keys.data);
    free(cands.data);
    if (save) PyEval_RestoreThread(save);
    if (failed == 2) { PyErr_NoMemory(); goto done; }
    result = PyLong_FromSsize_t(failed ? -1 : found);
done:
    PyBuffer_Release(&hb); PyBuffer_Release(&ab); PyBuffer_Release(&pb); PyBuffer_Release(&ob);
    PyBuffer_Release(&fb); PyBuffer_Release(&qb); PyBuffer_Release(&rpb); PyBuffer_Release(&rdb);
    return result;
}

static PyObject *py_query(PyObject *self, PyObject *args) {
    (void)self;
    return do_query(args, 0);
}

static PyObject *py_query_nogil(PyObject *self, PyObject *args) {
    (void)self;
    return do_query(args, 1);
}

/* scan(hashes, alive, n, q, radius, out_pos, out_dist): linear search, same output rules. */
static PyObject *py_scan(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer hb, ab, qb, rpb, rdb;
    Py_ssize_t n;
    int radius;
    if (!PyArg_ParseTuple(args, "y*y*ny*iw*w*", &hb, &ab, &n, &qb, &radius, &rpb, &rdb))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t cap = rpb.len / (Py_ssize_t)sizeof(uint32_t);
    if (qb.len != HASH_BYTES || hb.len < n * HASH_BYTES || ab.len < n || rdb.len < cap ||
        n > (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "scan: bad sizes");
        goto done;
    }
    const uint8_t *h = (const uint8_t *)hb.buf, *alive = (const uint8_t *)ab.buf;
    const uint8_t *q = (const uint8_t *)qb.buf;
    uint32_t *out_pos = (uint32_t *)rpb.buf;
    uint8_t *out_dist = (uint8_t *)rdb.buf;
    Py_ssize_t found = 0;
    /* Short scans keep the GIL (see query); only a long one lets other threads run. */
    PyThreadState *save = n > SCAN_RELEASE_GIL ? PyEval_SaveThread() : NULL;
    for (Py_ssize_t p = 0; p < n; p++) {
        int d = hamming(h + p * HASH_BYTES, q);
        if (d > radius || !alive[p]) continue;
        if (found < cap) {
            out_pos[found] = (uint32_t)p;
            out_dist[found] = (uint8_t)d;
        }
        found++;
    }
    if (save) PyEval_RestoreThread(save);
    result = PyLong_FromSsize_t(found);
done:
    PyBuffer_Release(&hb); PyBuffer_Release(&ab); PyBuffer_Release(&qb);
    PyBuffer_Release(&rpb); PyBuffer_Release(&rdb);
    return result;
}

static PyMethodDef methods[] = {
    {"build_table", py_build_table, METH_VARARGS, "Counting-sort one multi-index table."},
    {"query", py_query, METH_VARARGS, "Multi-index radius query of one segment."},
    {"query_nogil", py_query_nogil, METH_VARARGS, "query, with the GIL released."},
    {"scan", py_scan, METH_VARARGS, "Linear radius scan of one segment."},
    {NULL, NULL, 0, NULL},
};

/* Version of the calling convention above; native.py refuses a build of another one. */
#define KERNEL_ABI 2

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native", "Native kernels of rempart.core.index.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void) {
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddIntConstant(m, "ABI", KERNEL_ABI) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
