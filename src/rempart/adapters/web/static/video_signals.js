// vPDQ of a video on the device, as the server's `vpdq` signal (core/signals/vpdq.py): frames
// sampled at the server's rate (`fps`, shown in the page), each drawn from a <video> element
// seeked to its timestamp onto a canvas (longer side ≤ 512 px, as the server scales frames)
// and hashed with pdq.js. The video is read from an object URL: it never leaves the device.
// Each frame's views are hashed too, as core/media_signals.py banks them (vPDQ variants):
// `centre`, the frame without 20 % of each side (core/signals/vframes.py centre: a crop of
// the pixels already drawn), and `trim`, the frame without its uniform borders (vframes.trimmed,
// with robust_signals.js's trimBox; the frame's own hash when it has none), kept only when at
// least one frame had borders.
//
//   import { videoFrames, VideoUnsupported } from "/assets/video_signals.js";
//   const { frames, variants } = await videoFrames(file, { fps: 1, maxSeconds: 10800,
//       maxFrames: 20000, onProgress: (done, total) => {}, signal });
//   // frames: [{frame, hash, quality, t}, …] (vPDQ's frame number, PDQ, quality, timestamp)
//   // variants: [{variant: "centre", frames: […]}, {variant: "trim", frames: […]}?]
//
// Sample k is the first frame at or after k / fps seconds, as the server keeps the first
// decoded frame at or after each multiple of the period; its timestamp is the frame's own
// media time, as the server's. The frame number is the sample's index (the server's is the
// decoded frame's; the stored form keeps only hash, quality and timestamp). Apache-2.0, part of Rempart.
import { fitToCanvas, pdqFromImageData } from "/assets/pdq.js";
import { cropImageData, grayOf, isTrimmed, trimBox } from "/assets/robust_signals.js";

const CENTRE_MARGIN = 0.2; // vframes.CENTRE_MARGIN: share of each side left out of the centre
const MIN_TRIMMED = 16; // vframes.trimmed keeps the whole frame when less would be left

/** vframes.centre: the frame (ImageData) without CENTRE_MARGIN of each side. */
export function centreOf(imageData) {
  const { width, height } = imageData;
  const dy = Math.trunc(height * CENTRE_MARGIN), dx = Math.trunc(width * CENTRE_MARGIN);
  return cropImageData(imageData, dx, dy, width - dx, height - dy);
}

/** vframes.trimmed: the frame without its uniform borders, or null when it has none. */
export function trimmedOf(imageData) {
  const { width, height } = imageData;
  const box = trimBox(grayOf(imageData), width, height);
  const [left, top, right, bottom] = box;
  if (!isTrimmed(box, width, height)) return null;
  if (right - left < MIN_TRIMMED || bottom - top < MIN_TRIMMED) return null;
  return cropImageData(imageData, left, top, right, bottom);
}

/** The browser cannot decode this file ("decode"), or it is over a limit ("too_long"…). */
export class VideoUnsupported extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

function waitFor(video, ok, signal, ms = 20000) {
  return new Promise((resolve, reject) => {
    const done = (fn, value) => {
      clearTimeout(timer);
      video.removeEventListener(ok, onOk);
      video.removeEventListener("error", onError);
      signal?.removeEventListener("abort", onAbort);
      fn(value);
    };
    const onOk = () => done(resolve);
    const onError = () => done(reject, new VideoUnsupported("decode"));
    const onAbort = () => done(reject, signal.reason);
    const timer = setTimeout(() => done(reject, new VideoUnsupported("decode")), ms);
    video.addEventListener(ok, onOk);
    video.addEventListener("error", onError);
    signal?.addEventListener("abort", onAbort);
  });
}

// Chromium fires "seeked" before the new frame can be drawn (VP9 gave the previous frame):
// wait also for the frame to be presented (requestVideoFrameCallback), which tells its media
// time. No callback comes when the seek lands on the frame already shown: after `ms`, the
// frame is taken as unchanged.
function presented(video, state, ms) {
  if (!video.requestVideoFrameCallback) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(state.mediaTime), ms);
    video.requestVideoFrameCallback((now, meta) => {
      clearTimeout(timer);
      state.mediaTime = meta.mediaTime;
      resolve(meta.mediaTime);
    });
  });
}

async function seek(video, t, signal, state, ms = 1000) {
  const seeked = waitFor(video, "seeked", signal);
  const shown = presented(video, state, ms);
  video.currentTime = t;
  await seeked;
  return shown;
}

// The server keeps the first decoded frame at or after each sampling instant; a browser seek
// shows the last frame at or before it. When they differ (frame times not on the instants),
// look a little later: 20 ms, then 45 ms (the next frame of 24 fps or more, not the one after).
// Returns the media time of the frame shown, or -1 when no frame starts at or after `t`.
async function frameAtOrAfter(video, t, signal, state, duration) {
  let shown = await seek(video, t, signal, state);
  if (shown === null || shown >= t - 1e-4) return shown ?? t;
  for (const step of [0.02, 0.045]) {
    if (t + step > duration) break;
    shown = await seek(video, t + step, signal, state, 150);
    if (shown >= t - 1e-4) return shown;
  }
  return -1;
}

export async function videoFrames(file, { fps = 1, maxSeconds = 10800, maxFrames = 20000,
                                          onProgress = () => {}, signal } = {}) {
  const url = URL.createObjectURL(file);
  const video = document.createElement("video");
  video.muted = true;
  video.preload = "auto";
  video.playsInline = true;
  try {
    const loaded = waitFor(video, "loadeddata", signal);
    video.src = url;
    await loaded;
    if (!video.videoWidth || !video.videoHeight) throw new VideoUnsupported("decode");
    let duration = video.duration;
    if (!Number.isFinite(duration)) { // some WebM files say how long they are only at the end
      await seek(video, 1e7, signal);
      duration = video.duration;
    }
    if (!Number.isFinite(duration) || duration <= 0) throw new VideoUnsupported("decode");
    if (duration > maxSeconds) throw new VideoUnsupported("too_long");
    const count = Math.max(1, Math.ceil(duration * fps - 1e-6));
    if (count > maxFrames) throw new VideoUnsupported("too_many_frames");
    const frames = [], centre = [], trim = [];
    let bordered = false;
    const state = { mediaTime: 0 };
    for (let k = 0; k < count; k++) {
      signal?.throwIfAborted();
      const t = k / fps;
      // Frame 0 too is sought and waited for: right after "loadeddata" a loaded machine may
      // not have painted it yet (a blank canvas, far from the server's first frame).
      const shown = await frameAtOrAfter(video, t, signal, state, duration);
      if (shown < 0) break; // past the last frame, as the server's sampling ends
      const data = fitToCanvas(video);
      const full = pdqFromImageData(data);
      const at = Math.round(shown * 1000) / 1000;
      frames.push({ frame: k, hash: full.hash, quality: full.quality, t: at });
      const inner = trimmedOf(data);
      if (inner) bordered = true;
      for (const [track, view] of [[centre, pdqFromImageData(centreOf(data))],
                                   [trim, inner ? pdqFromImageData(inner) : full]]) {
        track.push({ frame: k, hash: view.hash, quality: view.quality, t: at });
      }
      onProgress(k + 1, count);
    }
    const variants = frames.length ? [{ variant: "centre", frames: centre }] : [];
    if (bordered) variants.push({ variant: "trim", frames: trim });
    return { frames, variants, duration, width: video.videoWidth, height: video.videoHeight };
  } finally {
    video.removeAttribute("src");
    video.load();
    URL.revokeObjectURL(url);
  }
}
