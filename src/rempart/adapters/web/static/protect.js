// The victim portal (/protect): fingerprints computed on the device, only they are sent.
//
// For each chosen file: a thumbnail from an object URL (shown locally, never uploaded), then
// - a photo: SHA-256 (WebCrypto) and MD5 (md5.js) of the file bytes, the PDQ of the decoded
//   image and its 7 rotations/mirrors (pdq.js, the server's algorithm), the PDQ with borders
//   trimmed and the region PDQs (robust_signals.js, as the server computes them);
// - a video: SHA-256 and MD5 of the file bytes, vPDQ frames sampled at the server's rate and
//   the vPDQ of their centres and trimmed frames (video_signals.js), within the server's
//   limits of duration and frames.
// A file the browser cannot read is marked as such and left out; the others go on. Then a
// proof-of-work for a challenge of the server (a nonce such that sha256(challenge + nonce)
// starts with `bits` zero bits), and one JSON POST of the signals: /protect/register opens a
// case (its number and secret are shown once), /protect/add (the page opened with ?case=…)
// appends to an existing case given its number and secret.
import { fitToCanvas, pdqDihedral } from "/assets/pdq.js";
import { robustSignals } from "/assets/robust_signals.js";
import { fileDigests } from "/assets/file_digests.js";
import { videoFrames, VideoUnsupported } from "/assets/video_signals.js";
import { solve } from "/assets/proof_of_work.js";

export { solve };

const form = document.getElementById("protect-form");
const input = document.getElementById("files");
const thumbs = document.getElementById("thumbs");
const progress = document.getElementById("progress");
const bar = document.getElementById("progress-bar");
const button = document.getElementById("register");
const cancel = document.getElementById("cancel");
const VIDEO_NAME = /\.(mp4|m4v|mov|webm|mkv|ogv|avi|3gp)$/i;
let urls = [];
let controller = null;

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ""));
}

export function isVideo(file) {
  return file.type.startsWith("video/") || (!file.type && VIDEO_NAME.test(file.name));
}

function showThumbnails() {
  for (const url of urls) URL.revokeObjectURL(url);
  urls = [];
  thumbs.replaceChildren();
  for (const file of input.files) {
    const url = URL.createObjectURL(file);
    urls.push(url);
    const li = document.createElement("li");
    let thumb;
    if (isVideo(file)) {
      thumb = document.createElement("video");
      thumb.muted = true;
      thumb.preload = "metadata";
      thumb.className = "thumb-video";
    } else {
      thumb = document.createElement("img");
      thumb.alt = file.name;
    }
    thumb.src = url;
    thumb.width = 96;
    const note = document.createElement("span");
    note.className = "item-state";
    li.append(thumb, note);
    thumbs.append(li);
  }
}

function itemNote(index, text, failed = false) {
  const note = thumbs.children[index]?.querySelector(".item-state");
  if (!note) return;
  note.textContent = text;
  note.classList.toggle("item-failed", failed);
}

/** The signals of a photo: exact hashes, PDQ and its variants, robust PDQs. */
export async function imageSignals(file, { signal, onBytes } = {}) {
  const { md5, sha256 } = await fileDigests(file, { signal, onProgress: onBytes });
  const bitmap = await createImageBitmap(file,
    { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const data = fitToCanvas(bitmap);
  bitmap.close();
  const variants = pdqDihedral(data);
  const out = { kind: "image", sha256, md5, pdq: variants.orig.hash,
                pdq_quality: variants.orig.quality, variants: {}, robust: robustSignals(data) };
  for (const [name, v] of Object.entries(variants)) {
    if (name !== "orig") out.variants[name] = v.hash;
  }
  return out;
}

/** The signals of a video: exact hashes, vPDQ frames (the first frame's PDQ too) and the
 *  vPDQ of their views (`centre`, `trim`). */
export async function videoSignals(file, options = {}) {
  const { signal, onBytes, onFrames } = options;
  const { md5, sha256 } = await fileDigests(file, { signal, onProgress: onBytes });
  const { frames, variants } = await videoFrames(file, { ...options, onProgress: onFrames });
  if (!frames.length) throw new VideoUnsupported("decode");
  return { kind: "video", sha256, md5, pdq: frames[0].hash, pdq_quality: frames[0].quality,
           frames, vpdq_variants: variants };
}

/** Signals of a file (photo or video); `signalsOf` is kept for the photo-only callers. */
export async function signalsOf(file, options = {}) {
  return isVideo(file) ? videoSignals(file, options) : imageSignals(file, options);
}

function limits() {
  const d = form.dataset;
  return { fps: Number(d.videoFps), maxSeconds: Number(d.maxVideoSeconds),
           maxFrames: Number(d.maxVideoFrames), maxBytes: Number(d.maxBytes) };
}

async function hashAll(files, signal) {
  const d = form.dataset;
  const { fps, maxSeconds, maxFrames, maxBytes } = limits();
  const items = [];
  for (const [index, file] of files.entries()) {
    const head = fill(d.msgItem, { n: index + 1, count: files.length });
    progress.textContent = head;
    itemNote(index, d.msgHashing);
    if (file.size > maxBytes) { itemNote(index, d.msgTooLarge, true); continue; }
    const onBytes = (done, total) => { bar.max = total; bar.value = done; };
    const onFrames = (done, total) => {
      onBytes(done, total);
      progress.textContent = head + " — " + fill(d.msgFrames, { done, total });
    };
    try {
      items.push(await signalsOf(file,
        { fps, maxSeconds, maxFrames, onBytes, onFrames, signal }));
      itemNote(index, d.msgItemDone);
    } catch (error) {
      if (signal.aborted) throw error;
      const code = error instanceof VideoUnsupported ? error.code : "decode";
      const text = { too_long: d.msgTooLong, too_many_frames: d.msgTooLong }[code]
        || (isVideo(file) ? d.msgNoVideo : d.msgNoImage);
      itemNote(index, text, true);
    }
  }
  return items;
}

async function send(items) {
  const d = form.dataset;
  progress.textContent = d.msgWorking;
  const fresh = await (await fetch("/protect/challenge", { cache: "no-store" })).json();
  const nonce = await solve(fresh.challenge, fresh.bits);
  const adding = form.dataset.mode === "add";
  const payload = adding
    ? { challenge: fresh.challenge, nonce, items,
        case_number: document.getElementById("case-number-input").value.trim(),
        secret: document.getElementById("case-secret-input").value.trim() }
    : { challenge: fresh.challenge, nonce, items,
        minor: document.getElementById("minor").checked,
        contact: document.getElementById("contact").value || null };
  const answer = await fetch(adding ? "/protect/add" : "/protect/register", {
    method: "POST", body: JSON.stringify(payload), credentials: "same-origin",
    headers: { "Content-Type": "application/json",
               "X-CSRF-Token": form.elements.csrf_token.value },
  });
  if (answer.status === 404) throw new Error(d.msgNotFound);
  if (answer.status === 409) throw new Error(d.msgClosed);
  if (answer.status !== 201) throw new Error("status " + answer.status);
  return answer.json();
}

async function register(event) {
  event.preventDefault();
  const d = form.dataset;
  const files = Array.from(input.files);
  const max = Number(d.maxItems);
  if (!files.length) { progress.textContent = d.msgNone; return; }
  if (files.length > max) { progress.textContent = d.msgTooMany; return; }
  button.disabled = true;
  cancel.hidden = false;
  controller = new AbortController();
  try {
    const items = await hashAll(files, controller.signal);
    cancel.hidden = true;
    if (!items.length) throw new Error(d.msgNothing);
    const done = await send(items);
    document.getElementById("case-number").textContent = done.case_number;
    document.getElementById("case-secret").textContent = done.secret || d.msgSecretKept;
    document.getElementById("case-items").textContent = String(done.items);
    document.getElementById("result").hidden = false;
    if (done.minor) document.getElementById("minor-details").open = true;
    form.hidden = true;
    progress.textContent = "";
  } catch (error) {
    progress.textContent = controller.signal.aborted ? d.msgCancelled
      : d.msgFailed + " (" + error.message + ")";
    button.disabled = false;
  } finally {
    cancel.hidden = true;
    controller = null;
  }
}

if (form) {
  input.addEventListener("change", showThumbnails);
  form.addEventListener("submit", register);
  cancel.addEventListener("click", () => controller?.abort());
}
