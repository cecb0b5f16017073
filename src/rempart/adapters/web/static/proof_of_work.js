// Proof of work for the public forms (/protect, /report): a nonce such that
// sha256(challenge + nonce) starts with `bits` zero bits (services/cases.py ProofOfWork checks
// it on the server). WebCrypto, in batches so that the page stays responsive.
const encoder = new TextEncoder();

export function zeroBits(bytes) {
  let bits = 0;
  for (const b of bytes) {
    if (b === 0) { bits += 8; continue; }
    return bits + Math.clz32(b) - 24;
  }
  return bits;
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
