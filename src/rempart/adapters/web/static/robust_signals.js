// Rempart's robust image signals in the browser, as the server computes them for an image
// (src/rempart/core/media_signals.py): the PDQ of the picture with its uniform borders trimmed
// (core/signals/views.py: same tolerance, share and maximum) and the PDQs of its regions
// (core/signals/orb.py REGIONS: each region of the grayscale copy scaled to 128×128 with
// OpenCV's INTER_AREA rule, then PDQ). The server banks them as `pdq` entries named `trim`,
// `region-c60`…, so crops, captions and borders of a registered image are caught. A dim or
// washed-out picture (core/signals/tone.py) also gets the PDQ of its histogram-equalised
// grayscale copy (`tone`), so its brightened or re-contrasted re-shares are caught. ORB local
// features stay server-only.
//
//   import { robustSignals } from "/assets/robust_signals.js";
//   const data = fitToCanvas(bitmap);                // longer side ≤ 512 px, as the server's
//   const robust = robustSignals(data);              // {trim?, tone?, "region-c60", …}
//
// Apache-2.0, part of Rempart.
import { pdqFromGray, pdqFromImageData } from "/assets/pdq.js";

const TOLERANCE = 14, UNIFORM_SHARE = 0.97, MAX_TRIM = 0.45, MIN_SHARE = 0.02;
const REGION_SIZE = 128;
const LOW_IQR = 48, MIN_SPREAD = 6, LEVEL_SAMPLE = 128; // tone.py's LOW_IQR, MIN_SPREAD, _SAMPLE
// name → [left, top, right, bottom] as shares of the frame ("full" is the PDQ itself).
export const REGIONS = {
  c60: [0.2, 0.2, 0.8, 0.8], c40: [0.3, 0.3, 0.7, 0.7],
  top60: [0.0, 0.0, 1.0, 0.6], bottom60: [0.0, 0.4, 1.0, 1.0],
  left60: [0.0, 0.0, 0.6, 1.0], right60: [0.4, 0.0, 1.0, 1.0],
};

function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Grayscale of RGBA ImageData with OpenCV's fixed-point RGB2GRAY rule (Uint8Array). */
export function grayOf({ data, width, height }) {
  const out = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < out.length; i++, p += 4) {
    out[i] = (data[p] * 4899 + data[p + 1] * 9617 + data[p + 2] * 1868 + 8192) >> 14;
  }
  return out;
}

function median(values) {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** views.trim_box: [left, top, right, bottom] once uniform borders are removed. */
export function trimBox(gray, width, height) {
  if (height < 8 || width < 8) return [0, 0, width, height];
  const edge = [];
  for (let x = 0; x < width; x++) edge.push(gray[x]);
  for (let x = 0; x < width; x++) edge.push(gray[(height - 1) * width + x]);
  for (let y = 0; y < height; y++) edge.push(gray[y * width]);
  for (let y = 0; y < height; y++) edge.push(gray[y * width + width - 1]);
  const ref = Math.trunc(median(edge));
  // How many leading lines are nearly all the reference color (line i: `length` pixels).
  const run = (lines, length, at, limit) => {
    let n = 0;
    for (let i = 0; i < Math.min(limit, lines); i++) {
      let close = 0;
      for (let k = 0; k < length; k++) if (Math.abs(at(i, k) - ref) <= TOLERANCE) close++;
      if (close / length < UNIFORM_SHARE) break;
      n++;
    }
    return n;
  };
  const limitH = Math.trunc(height * MAX_TRIM), limitW = Math.trunc(width * MAX_TRIM);
  const top = run(height, width, (i, k) => gray[i * width + k], limitH);
  const bottom = run(height, width, (i, k) => gray[(height - 1 - i) * width + k], limitH);
  const left = run(width, height, (i, k) => gray[k * width + i], limitW);
  const right = run(width, height, (i, k) => gray[k * width + width - 1 - i], limitW);
  return [left, top, width - right, height - bottom];
}

/** views.is_trimmed: the box removes at least 2 % of a side. */
export function isTrimmed([left, top, right, bottom], width, height) {
  return left > width * MIN_SHARE || width - right > width * MIN_SHARE
    || top > height * MIN_SHARE || height - bottom > height * MIN_SHARE;
}

export function cropImageData({ data, width }, left, top, right, bottom) {
  const w = right - left, h = bottom - top;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    const from = ((top + y) * width + left) * 4;
    out.set(data.subarray(from, from + w * 4), y * w * 4);
  }
  return { data: out, width: w, height: h };
}

// OpenCV's INTER_AREA weights along one axis: [[source index, weight], …] per output index.
function axisWeights(src, dst) {
  const out = [];
  if (src >= dst) { // shrinking: the share of each source pixel inside the output cell
    const scale = src / dst;
    for (let d = 0; d < dst; d++) {
      const f1 = d * scale, f2 = f1 + scale;
      const cell = Math.min(scale, src - f1);
      let s2 = Math.floor(f2);
      let s1 = Math.ceil(f1);
      s2 = Math.min(s2, src - 1);
      s1 = Math.min(s1, s2);
      const w = [];
      if (s1 - f1 > 1e-3) w.push([s1 - 1, (s1 - f1) / cell]);
      for (let s = s1; s < s2; s++) w.push([s, 1 / cell]);
      if (f2 - s2 > 1e-3) w.push([s2, Math.min(Math.min(f2 - s2, 1), cell) / cell]);
      out.push(w);
    }
    return out;
  }
  const scale = src / dst, inv = dst / src; // enlarging: OpenCV's INTER_AREA linear rule
  for (let d = 0; d < dst; d++) {
    let s = Math.floor(d * scale);
    let f = (d + 1) - (s + 1) * inv;
    f = f <= 0 ? 0 : f - Math.floor(f);
    if (s < 0) { s = 0; f = 0; }
    if (s >= src - 1) { s = src - 1; f = 0; }
    out.push(f ? [[s, 1 - f], [s + 1, f]] : [[s, 1]]);
  }
  return out;
}

function rint(x) { // cvRound: half to even
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A grayscale crop (left, top, right, bottom) scaled to size × size (INTER_AREA), uint8. */
export function areaResize(gray, width, [left, top, right, bottom], size) {
  const w = right - left, h = bottom - top;
  const wx = axisWeights(w, size), wy = axisWeights(h, size);
  const rows = new Float64Array(h * size); // horizontal pass
  for (let y = 0; y < h; y++) {
    const base = (top + y) * width + left;
    for (let x = 0; x < size; x++) {
      let s = 0;
      for (const [i, k] of wx[x]) s += gray[base + i] * k;
      rows[y * size + x] = s;
    }
  }
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let s = 0;
      for (const [i, k] of wy[y]) s += rows[i * size + x] * k;
      out[y * size + x] = Math.max(0, Math.min(255, rint(s)));
    }
  }
  return out;
}

// np.percentile (linear rule) of every step-th level of every step-th row, as tone._levels.
function levels(gray, width, height, percents) {
  const step = Math.max(1, Math.floor(Math.max(width, height) / LEVEL_SAMPLE));
  const histogram = new Int32Array(256);
  let n = 0;
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step, n++) histogram[gray[y * width + x]]++;
  }
  const nth = (k) => { // the k-th smallest sampled level (0-based)
    let seen = 0, v = 0;
    while ((seen += histogram[v]) <= k) v++;
    return v;
  };
  return percents.map((q) => {
    const index = (n - 1) * (q / 100);
    const lo = Math.min(Math.floor(index), n - 1), t = index - Math.floor(index);
    const a = nth(lo), b = nth(Math.min(lo + 1, n - 1)), d = b - a;
    return t >= 0.5 ? b - d * (1 - t) : a + d * t; // numpy's _lerp
  });
}

/** tone.is_low_contrast: dim or washed out enough to be hashed once equalised too. */
export function isLowContrast(gray, width, height) {
  const [p1, p25, p75, p99] = levels(gray, width, height, [1, 25, 75, 99]);
  return p75 - p25 < LOW_IQR && p99 - p1 >= MIN_SPREAD;
}

/** tone.equalized: OpenCV's equalizeHist (float32 scale, cvRound) of a grayscale image. */
export function equalized(gray) {
  const histogram = new Int32Array(256);
  for (const v of gray) histogram[v]++;
  let i = 0;
  while (!histogram[i]) i++;
  if (histogram[i] === gray.length) return new Uint8Array(gray.length).fill(i);
  const f32 = Math.fround;
  const scale = f32(255 / (gray.length - histogram[i]));
  const lut = new Uint8Array(256);
  for (let sum = 0, v = i + 1; v < 256; v++) {
    sum += histogram[v];
    lut[v] = Math.min(255, rint(f32(sum * scale)));
  }
  return gray.map((v) => lut[v]);
}

/** The robust PDQs of a fitted image: {trim (when borders were found), "region-c60", …}. */
export function robustSignals(imageData) {
  const { width, height } = imageData;
  const gray = grayOf(imageData);
  const out = {};
  const box = trimBox(gray, width, height);
  if (isTrimmed(box, width, height)) {
    out.trim = pdqFromImageData(cropImageData(imageData, ...box));
  }
  if (isLowContrast(gray, width, height)) {
    out.tone = pdqFromGray(equalized(gray), height, width);
  }
  for (const [name, [x0, y0, x1, y1]] of Object.entries(REGIONS)) {
    const top = roundHalfEven(y0 * height), left = roundHalfEven(x0 * width);
    const bottom = Math.max(roundHalfEven(y1 * height), top + 1);
    const right = Math.max(roundHalfEven(x1 * width), left + 1);
    const small = areaResize(gray, width, [left, top, right, bottom], REGION_SIZE);
    out["region-" + name] = pdqFromGray(small, REGION_SIZE, REGION_SIZE);
  }
  return out;
}
