// MD5 (RFC 1321), the exact digest StopNCII uses for videos, computed in pieces so that a
// large video never has to be in memory at once. Written from the RFC; no third-party code.
(function (root) {
  "use strict";
  var SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  var K = new Uint32Array(64);
  for (var i = 0; i < 64; i++) { K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296); }

  function Md5() {
    this.state = new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
    this.buffer = new Uint8Array(64);
    this.buffered = 0;
    this.length = 0; // bytes, as a double: exact up to 2^53
    this.words = new Uint32Array(16);
  }

  Md5.prototype.block = function (bytes, offset) {
    var w = this.words, s = this.state;
    for (var j = 0; j < 16; j++) {
      var p = offset + j * 4;
      w[j] = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
    }
    var a = s[0], b = s[1], c = s[2], d = s[3];
    for (var n = 0; n < 64; n++) {
      var mix, g;
      if (n < 16) { mix = (b & c) | (~b & d); g = n; }
      else if (n < 32) { mix = (d & b) | (~d & c); g = (5 * n + 1) % 16; }
      else if (n < 48) { mix = b ^ c ^ d; g = (3 * n + 5) % 16; }
      else { mix = c ^ (b | ~d); g = (7 * n) % 16; }
      var shift = SHIFTS[(n >> 4) * 4 + (n % 4)];
      var sum = (a + mix + K[n] + w[g]) >>> 0;
      a = d; d = c; c = b;
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) >>> 0;
    }
    s[0] = (s[0] + a) >>> 0; s[1] = (s[1] + b) >>> 0; s[2] = (s[2] + c) >>> 0; s[3] = (s[3] + d) >>> 0;
  };

  Md5.prototype.update = function (bytes) {
    var offset = 0;
    this.length += bytes.length;
    if (this.buffered) {
      var take = Math.min(64 - this.buffered, bytes.length);
      this.buffer.set(bytes.subarray(0, take), this.buffered);
      this.buffered += take; offset = take;
      if (this.buffered < 64) { return this; }
      this.block(this.buffer, 0); this.buffered = 0;
    }
    for (; offset + 64 <= bytes.length; offset += 64) { this.block(bytes, offset); }
    this.buffer.set(bytes.subarray(offset), 0);
    this.buffered = bytes.length - offset;
    return this;
  };

  Md5.prototype.hex = function () {
    var bits = this.length * 8;
    var tail = new Uint8Array((this.buffered < 56 ? 64 : 128) - this.buffered);
    tail[0] = 0x80;
    for (var k = 0; k < 8; k++) { tail[tail.length - 8 + k] = Math.floor(bits / Math.pow(2, 8 * k)) & 0xff; }
    this.update(tail);
    var out = "";
    for (var word = 0; word < 4; word++) {
      for (var byte = 0; byte < 4; byte++) {
        out += ((this.state[word] >>> (8 * byte)) & 0xff).toString(16).padStart(2, "0");
      }
    }
    return out;
  };

  // The MD5 of a File or Blob, read a few megabytes at a time.
  function md5OfBlob(blob, onProgress) {
    var digest = new Md5(), size = blob.size, PIECE = 4 * 1024 * 1024;
    function from(position) {
      if (position >= size) { return Promise.resolve(digest.hex()); }
      return blob.slice(position, position + PIECE).arrayBuffer().then(function (buffer) {
        digest.update(new Uint8Array(buffer));
        if (onProgress) { onProgress(Math.min(size, position + PIECE), size); }
        return from(position + PIECE);
      });
    }
    return from(0);
  }

  root.ReclaimMd5 = { Md5: Md5, md5OfBlob: md5OfBlob };
}(window));
