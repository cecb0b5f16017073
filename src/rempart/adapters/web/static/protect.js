// The victim portal (/protect): fingerprints computed on the device, only they are sent.
//
// For each chosen file: a thumbnail from an object URL (shown locally, never uploaded), the
// SHA-256 of the file bytes (WebCrypto), the PDQ of the decoded image and its 7 dihedral
// variants (pdq.js, the same algorithm as the server). Then a proof-of-work for a challenge of
// the server (a nonce such that sha256(challenge + nonce) starts with `bits` zero bits), and one
// JSON POST of the signals. The answer (case number, secret) is shown once.
import { fitToCanvas, pdqDihedral } from "/assets/pdq.js";

const form = document.getElementById("protect-form");
const input = document.getElementById("files");
const thumbs = document.getElementById("thumbs");
const progress = document.getElementById("progress");
const button = document.getElementById("register");
const encoder = new TextEncoder();
let urls = [];

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function zeroBits(bytes) {
  let bits = 0;
  for (const b of bytes) {
    if (b === 0) { bits += 8; continue; }
    return bits + Math.clz32(b) - 24;
  }
  return bits;
}

function showThumbnails() {
  for (const url of urls) URL.revokeObjectURL(url);
  urls = [];
  thumbs.replaceChildren();
  for (const file of input.files) {
    const url = URL.createObjectURL(file);
    urls.push(url);
    const li = document.createElement("li");
    const img = document.createElement("img");
    img.src = url;
    img.alt = file.name;
    img.width = 96;
    li.append(img);
    thumbs.append(li);
  }
}

export async function signalsOf(file) {
  const bytes = await file.arrayBuffer();
  const sha256 = hex(await crypto.subtle.digest("SHA-256", bytes));
  const bitmap = await createImageBitmap(file,
    { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const variants = pdqDihedral(fitToCanvas(bitmap));
  bitmap.close();
  const out = { sha256, pdq: variants.orig.hash, pdq_quality: variants.orig.quality,
                variants: {} };
  for (const [name, v] of Object.entries(variants)) {
    if (name !== "orig") out.variants[name] = v.hash;
  }
  return out;
}

export async function solve(challenge, bits) {
  const batch = 256;
  for (let start = 0; ; start += batch) {
    const nonces = Array.from({ length: batch }, (_, i) => String(start + i));
    const digests = await Promise.all(nonces.map(
      (n) => crypto.subtle.digest("SHA-256", encoder.encode(challenge + n))));
    for (let i = 0; i < batch; i++) {
      if (zeroBits(new Uint8Array(digests[i])) >= bits) return nonces[i];
    }
  }
}

async function register(event) {
  event.preventDefault();
  const files = Array.from(input.files);
  const max = Number(form.dataset.maxItems);
  if (!files.length) { progress.textContent = form.dataset.msgNone; return; }
  if (files.length > max) { progress.textContent = form.dataset.msgTooMany; return; }
  button.disabled = true;
  try {
    progress.textContent = form.dataset.msgHashing;
    const items = [];
    for (const file of files) items.push(await signalsOf(file));
    progress.textContent = form.dataset.msgWorking;
    const fresh = await (await fetch("/protect/challenge", { cache: "no-store" })).json();
    const nonce = await solve(fresh.challenge, fresh.bits);
    const body = JSON.stringify({
      challenge: fresh.challenge, nonce, items,
      minor: document.getElementById("minor").checked,
      contact: document.getElementById("contact").value || null,
    });
    const answer = await fetch("/protect/register", {
      method: "POST", body, credentials: "same-origin",
      headers: { "Content-Type": "application/json",
                 "X-CSRF-Token": form.elements.csrf_token.value },
    });
    if (answer.status !== 201) throw new Error("status " + answer.status);
    const done = await answer.json();
    document.getElementById("case-number").textContent = done.case_number;
    document.getElementById("case-secret").textContent = done.secret;
    document.getElementById("case-items").textContent = String(done.items);
    document.getElementById("result").hidden = false;
    if (done.minor) document.getElementById("minor-details").open = true;
    form.hidden = true;
    progress.textContent = "";
  } catch (error) {
    progress.textContent = form.dataset.msgFailed + " (" + error.message + ")";
    button.disabled = false;
  }
}

if (form) {
  input.addEventListener("change", showThumbnails);
  form.addEventListener("submit", register);
}
