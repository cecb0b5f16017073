// Exact hashes of a file on the device: SHA-256 (WebCrypto) and MD5 (md5.js, chunk by chunk).
//
//   import { fileDigests } from "/assets/file_digests.js";
//   const { md5, sha256 } = await fileDigests(file, { onProgress: (done, total) => {}, signal });
//
// WebCrypto has no incremental SHA-256: the file is read once into memory (files are bounded by
// the server's limit, shown in the page) and MD5 goes over it in 4 MB chunks, yielding between
// chunks so that progress shows and the cancel button works. Apache-2.0, part of Rempart.
import { Md5 } from "/assets/md5.js";

const CHUNK = 4 * 1024 * 1024;

export function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

export async function fileDigests(file, { onProgress = () => {}, signal } = {}) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const sha256 = hex(await crypto.subtle.digest("SHA-256", bytes));
  const md5 = new Md5();
  for (let at = 0; at < bytes.length; at += CHUNK) {
    signal?.throwIfAborted();
    md5.update(bytes.subarray(at, at + CHUNK));
    onProgress(Math.min(at + CHUNK, bytes.length), bytes.length);
    if (bytes.length > CHUNK) await tick();
  }
  return { md5: md5.hex(), sha256 };
}
