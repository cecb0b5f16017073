// MD5 (RFC 1321) written for Rempart: WebCrypto has no MD5, and banks exchange MD5 of files.
// Incremental, so that a large video is hashed chunk by chunk.
//
//   import { Md5 } from "/assets/md5.js";
//   const md5 = new Md5();
//   md5.update(new Uint8Array(chunk));      // as many times as needed
//   md5.hex();                              // "d41d8cd98f00b204e9800998ecf8427e" for nothing
//
// Apache-2.0, part of Rempart.

const S = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21];
const K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32));

export class Md5 {
  constructor() {
    this.state = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476);
    this.buffer = new Uint8Array(64);
    this.buffered = 0;
    this.length = 0; // bytes
    this.words = new Int32Array(16);
  }

  block(bytes, at) {
    const m = this.words;
    for (let i = 0; i < 16; i++) {
      const p = at + i * 4;
      m[i] = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
    }
    let [a, b, c, d] = this.state;
    for (let i = 0; i < 64; i++) {
      let f, g;
      if (i < 16) { f = (b & c) | (~b & d); g = i; }
      else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
      else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
      else { f = c ^ (b | ~d); g = (7 * i) & 15; }
      const t = d;
      d = c;
      c = b;
      const x = (a + f + K[i] + m[g]) | 0;
      b = (b + ((x << S[i]) | (x >>> (32 - S[i])))) | 0;
      a = t;
    }
    const s = this.state;
    s[0] += a; s[1] += b; s[2] += c; s[3] += d;
  }

  /** Add bytes (a Uint8Array). */
  update(bytes) {
    let i = 0;
    this.length += bytes.length;
    if (this.buffered) {
      const take = Math.min(64 - this.buffered, bytes.length);
      this.buffer.set(bytes.subarray(0, take), this.buffered);
      this.buffered += take;
      i = take;
      if (this.buffered < 64) return this;
      this.block(this.buffer, 0);
      this.buffered = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this.block(bytes, i);
    this.buffer.set(bytes.subarray(i), 0);
    this.buffered = bytes.length - i;
    return this;
  }

  /** The digest as 32 hexadecimal characters (the hasher is spent). */
  hex() {
    const bits = this.length * 8;
    const pad = new Uint8Array(((this.buffered < 56 ? 56 : 120) - this.buffered) + 8);
    pad[0] = 0x80;
    const n = pad.length;
    for (let k = 0; k < 8; k++) pad[n - 8 + k] = Math.floor(bits / 2 ** (8 * k)) & 0xff;
    this.update(pad);
    let out = "";
    for (const word of this.state) {
      for (let k = 0; k < 4; k++) out += ((word >>> (8 * k)) & 0xff).toString(16).padStart(2, "0");
    }
    return out;
  }
}

/** MD5 of bytes at once. */
export function md5Hex(bytes) {
  return new Md5().update(bytes).hex();
}
