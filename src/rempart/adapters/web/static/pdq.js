// Rempart's PDQ (Meta's perceptual hash) in the browser: the image never leaves the device.
//
// Written for Rempart, step by step like src/rempart/core/signals/pdq.py (which is bit-exact
// with Meta's pdqhash): float32 luma, two passes of PDQ's box filters, 64×64 decimation,
// 16×16 DCT without the DC row/column, median threshold, gradient quality. The 7 other
// rotations/mirrors come from the same DCT by sign flips and transposition.
//
//   import { fitToCanvas, pdqFromImageData, pdqDihedral } from "/assets/pdq.js";
//   const data = fitToCanvas(await createImageBitmap(file));   // longer side ≤ 512 px
//   const { hash, quality } = pdqFromImageData(data);           // 64 hex characters, 0-100
//   const variants = pdqDihedral(data);                         // {orig, rot90, …}: {hash, quality}
//
// Float32 rounding (Math.fround) follows numpy's float32 arithmetic wherever it matters, so that
// on the same pixels the hash is equal to the server's (at most a bit or two may differ, from the
// order of additions in the DCT); scaling differs slightly between the browser and OpenCV.
// Apache-2.0, part of Rempart.

export const PDQ_SIDE = 512;

export const DIHEDRAL_NAMES = [
  "orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1",
];

// [transpose, flip row signs, flip column signs] of the DCT, as _DIHEDRAL in pdq.py.
const DIHEDRAL = {
  orig: [false, false, false], rot90: [true, true, false],
  rot180: [false, true, true], rot270: [true, false, true],
  flipx: [false, true, false], flipy: [false, false, true],
  flipplus1: [true, false, false], flipminus1: [true, true, true],
};

const f32 = Math.fround;
const R = f32(0.299), G = f32(0.587), B = f32(0.114);

// 16×64 DCT matrix (rows 1..16 of the DCT-II, no DC), float32 like pdq._DCT.
const DCT = (() => {
  const m = new Float32Array(16 * 64);
  const scale = Math.sqrt(2 / 64);
  for (let k = 0; k < 16; k++) {
    for (let j = 0; j < 64; j++) {
      m[k * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (k + 1) * (2 * j + 1));
    }
  }
  return m;
})();

// Python's round(): half to even.
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The size (width, height) pdq.fit gives an image: longer side at most `maxSide`. */
export function fittedSize(width, height, maxSide = PDQ_SIDE) {
  const scale = maxSide / Math.max(width, height);
  if (scale >= 1) return [width, height];
  return [Math.max(1, roundHalfEven(width * scale)), Math.max(1, roundHalfEven(height * scale))];
}

/**
 * Draw an <img>, ImageBitmap, canvas or video frame scaled (browser's high-quality smoothing)
 * so that its longer side is at most `maxSide`, and return the ImageData.
 */
export function fitToCanvas(img, maxSide = PDQ_SIDE) {
  const width = img.naturalWidth || img.videoWidth || img.displayWidth || img.width;
  const height = img.naturalHeight || img.videoHeight || img.displayHeight || img.height;
  if (!width || !height) throw new Error("pdq: the image has no size (not loaded?)");
  const [w, h] = fittedSize(width, height, maxSide);
  let canvas;
  if (typeof OffscreenCanvas !== "undefined") {
    canvas = new OffscreenCanvas(w, h);
  } else {
    canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(img, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

// float32 luma of RGBA pixels (alpha ignored: canvas pixels of transparent areas are black).
function luma(imageData) {
  const { data, width, height } = imageData;
  const y = new Float32Array(width * height);
  for (let i = 0, p = 0; i < y.length; i++, p += 4) {
    y[i] = f32(f32(data[p] * R) + f32(data[p + 1] * G)) + f32(data[p + 2] * B);
  }
  return y;
}

// PDQ's 1-D box filter along rows (horizontal) or columns: mean over [i - (w - h), i + h - 1],
// clipped at the borders, h = (w + 2) // 2.
function box(src, rows, cols, window, horizontal) {
  const half = (window + 2) >> 1;
  const before = window - half;
  const n = horizontal ? cols : rows;
  const lines = horizontal ? rows : cols;
  const step = horizontal ? 1 : cols;
  const stride = horizontal ? cols : 1;
  const out = new Float32Array(src.length);
  const counts = new Float32Array(n);
  const lo = new Int32Array(n), hi = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    lo[i] = Math.max(i - before, 0);
    hi[i] = Math.min(i + half, n);
    counts[i] = hi[i] - lo[i];
  }
  for (let line = 0; line < lines; line++) {
    const base = line * stride;
    for (let i = 0; i < n; i++) {
      let sum = 0; // double, like OpenCV's accumulator for float32 images
      for (let k = lo[i]; k < hi[i]; k++) sum += src[base + k * step];
      out[base + i * step] = f32(f32(sum) / counts[i]);
    }
  }
  return out;
}

// PDQ's 16×16 DCT coefficients (row-major Float32Array) and quality of ImageData, no resizing.
function pdqDct(imageData) {
  return lumaDct(luma(imageData), imageData.height, imageData.width);
}

// The same from float32 luma (rows × cols, row-major): a grayscale image as pdq_dct takes it.
function lumaDct(y, rows, cols) {
  const alongRows = Math.floor((cols + 127) / 128), alongCols = Math.floor((rows + 127) / 128);
  for (let pass = 0; pass < 2; pass++) {
    y = box(box(y, rows, cols, alongRows, true), rows, cols, alongCols, false);
  }
  const block = new Float32Array(64 * 64);
  for (let i = 0; i < 64; i++) {
    const r = Math.floor(((i + 0.5) * rows) / 64);
    for (let j = 0; j < 64; j++) {
      block[i * 64 + j] = y[r * cols + Math.floor(((j + 0.5) * cols) / 64)];
    }
  }
  let gradient = 0;
  const step = (a, b) => Math.abs(Math.trunc(f32(f32(f32(a - b) * 100) / 255)));
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) gradient += step(block[i * 64 + j], block[(i + 1) * 64 + j]);
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) gradient += step(block[i * 64 + j], block[i * 64 + j + 1]);
  }
  const quality = Math.min(100, Math.floor(gradient / 90));
  // DCT @ block (16×64), then @ DCT.T (16×16); float32 results, double accumulation.
  const tmp = new Float32Array(16 * 64);
  for (let k = 0; k < 16; k++) {
    for (let j = 0; j < 64; j++) {
      let s = 0;
      for (let i = 0; i < 64; i++) s += DCT[k * 64 + i] * block[i * 64 + j];
      tmp[k * 64 + j] = s;
    }
  }
  const coefficients = new Float32Array(256);
  for (let k = 0; k < 16; k++) {
    for (let l = 0; l < 16; l++) {
      let s = 0;
      for (let j = 0; j < 64; j++) s += tmp[k * 64 + j] * DCT[l * 64 + j];
      coefficients[k * 16 + l] = s;
    }
  }
  return { coefficients, quality };
}

// One bit per coefficient above their median; bits reversed and packed MSB first (pdq.dct_hex).
function dctHex(c) {
  const sorted = Float32Array.from(c).sort();
  const median = f32((sorted[127] + sorted[128]) / 2);
  let hex = "";
  for (let byte = 0; byte < 32; byte++) {
    let v = 0;
    for (let bit = 0; bit < 8; bit++) {
      v = (v << 1) | (c[255 - (byte * 8 + bit)] > median ? 1 : 0);
    }
    hex += v.toString(16).padStart(2, "0");
  }
  return hex;
}

function variant(c, transpose, flipRows, flipCols) {
  const m = new Float32Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let v = transpose ? c[j * 16 + i] : c[i * 16 + j];
      // pdq._SIGN[k] = (-1) ** (k + 1): negative at even indices.
      if (flipRows && i % 2 === 0) v = -v;
      if (flipCols && j % 2 === 0) v = -v;
      m[i * 16 + j] = v;
    }
  }
  return m;
}

/** PDQ of ImageData (as is: call fitToCanvas first): {hash: 64 hex characters, quality: 0-100}. */
export function pdqFromImageData(imageData) {
  const { coefficients, quality } = pdqDct(imageData);
  return { hash: dctHex(coefficients), quality };
}

/** PDQ of a grayscale image (values 0-255, rows × cols, row-major), as pdq_dct of uint8 gray. */
export function pdqFromGray(gray, rows, cols) {
  const { coefficients, quality } = lumaDct(Float32Array.from(gray), rows, cols);
  return { hash: dctHex(coefficients), quality };
}

/** PDQ of ImageData and of its 7 rotations/mirrors: {orig, rot90, …}, each {hash, quality}. */
export function pdqDihedral(imageData) {
  const { coefficients, quality } = pdqDct(imageData);
  const out = {};
  for (const name of DIHEDRAL_NAMES) {
    const [transpose, flipRows, flipCols] = DIHEDRAL[name];
    out[name] = { hash: dctHex(variant(coefficients, transpose, flipRows, flipCols)), quality };
  }
  return out;
}

/** Hamming distance between two PDQ hex hashes. */
export function pdqDistance(a, b) {
  let d = 0;
  for (let i = 0; i < 64; i += 8) {
    let x = parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16);
    while (x) { x &= x - 1; d++; }
  }
  return d;
}
