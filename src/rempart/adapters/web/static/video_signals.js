// vPDQ of a video on the device, as the server's `vpdq` signal (core/signals/vpdq.py): frames
// sampled at the server's rate (`fps`, shown in the page), each drawn from a <video> element
// seeked to its timestamp onto a canvas (longer side ≤ 512 px, as the server scales frames)
// and hashed with pdq.js. The video is read from an object URL: it never leaves the device.
//
//   import { videoFrames, VideoUnsupported } from "/assets/video_signals.js";
//   const { frames } = await videoFrames(file, { fps: 1, maxSeconds: 10800, maxFrames: 20000,
//                                                onProgress: (done, total) => {}, signal });
//   // frames: [{frame, hash, quality, t}, …] (vPDQ's frame number, PDQ, quality, timestamp)
//
// Sample k is taken at k / fps seconds (the frame shown at that time), for every k with
// k / fps < duration, as the server keeps the first decoded frame at or after each multiple of
// the period: for a constant frame rate they are the same frames. The frame number is the
// sample's index (the server's is the decoded frame's; the stored form keeps only hash,
// quality and timestamp). Apache-2.0, part of Rempart.
import { fitToCanvas, pdqFromImageData } from "/assets/pdq.js";

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
// wait also for the frame to be presented (requestVideoFrameCallback), briefly.
function presented(video) {
  if (!video.requestVideoFrameCallback) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1000);
    video.requestVideoFrameCallback(() => { clearTimeout(timer); resolve(); });
  });
}

async function seek(video, t, signal) {
  const seeked = waitFor(video, "seeked", signal);
  const shown = presented(video);
  video.currentTime = t;
  await seeked;
  await shown;
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
    const frames = [];
    for (let k = 0; k < count; k++) {
      signal?.throwIfAborted();
      const t = k / fps;
      if (k > 0 || video.currentTime !== 0) await seek(video, t, signal);
      const { hash, quality } = pdqFromImageData(fitToCanvas(video));
      frames.push({ frame: k, hash, quality, t: Math.round(t * 1000) / 1000 });
      onProgress(k + 1, count);
    }
    return { frames, duration, width: video.videoWidth, height: video.videoHeight };
  } finally {
    video.removeAttribute("src");
    video.load();
    URL.revokeObjectURL(url);
  }
}
