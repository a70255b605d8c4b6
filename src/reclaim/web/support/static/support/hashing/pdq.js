// PDQ in the browser, written from the algorithm's description (see reclaim/hashing/_pdq.py,
// which this follows step for step). Every sum is rounded to 32-bit float, in the same order
// as Meta's C++ reference, so the same pixels give the same 256 bits: Math.fround after each
// operation of two float32 values gives exactly the float32 result (double rounding is
// harmless at 53 bits for 24-bit operands).
(function (root) {
  "use strict";
  var f = Math.fround;
  var SIZE = 64;
  var KEPT = 16;
  var MIN_SIDE = 5;

  var DCT = (function () {
    var scale = f(Math.sqrt(2 / SIZE));
    var matrix = new Float32Array(KEPT * SIZE);
    for (var i = 0; i < KEPT; i++) {
      for (var j = 0; j < SIZE; j++) {
        matrix[i * SIZE + j] = f(scale * Math.cos((Math.PI / 2 / SIZE) * (i + 1) * (2 * j + 1)));
      }
    }
    return matrix;
  }());

  // Luma as the pdqhash bindings compute it: BT.601 weights in double, then float32.
  function lumaFromRGBA(rgba, width, height) {
    var luma = new Float32Array(width * height);
    for (var p = 0, q = 0; p < luma.length; p++, q += 4) {
      luma[p] = f(rgba[q] * 0.299 + rgba[q + 1] * 0.587 + rgba[q + 2] * 0.114);
    }
    return luma;
  }

  function windowSize(old) {
    return Math.floor((old + 2 * SIZE - 1) / (2 * SIZE));
  }

  // A centred moving average over `length` values starting at `start`, `step` apart.
  function box(input, output, start, length, step, window) {
    var half = Math.floor((window + 2) / 2);
    var sum = 0, size = 0, right = start, left = start, out = start, i;
    for (i = 0; i < half - 1; i++) { sum = f(sum + input[right]); size++; right += step; }
    for (i = 0; i < window - half + 1; i++) {
      sum = f(sum + input[right]); size++; right += step;
      output[out] = f(sum / size); out += step;
    }
    for (i = 0; i < length - window; i++) {
      sum = f(sum + input[right]); sum = f(sum - input[left]);
      output[out] = f(sum / size); left += step; right += step; out += step;
    }
    for (i = 0; i < half - 1; i++) {
      sum = f(sum - input[left]); size--; left += step;
      output[out] = f(sum / size); out += step;
    }
  }

  function jarosz(luma, rows, cols) {
    var alongRows = windowSize(cols), alongCols = windowSize(rows);
    var other = new Float32Array(luma.length);
    for (var pass = 0; pass < 2; pass++) {
      for (var r = 0; r < rows; r++) { box(luma, other, r * cols, cols, 1, alongRows); }
      for (var c = 0; c < cols; c++) { box(other, luma, c, rows, cols, alongCols); }
    }
    return luma;
  }

  function decimate(values, rows, cols) {
    var block = new Float32Array(SIZE * SIZE);
    for (var i = 0; i < SIZE; i++) {
      var row = Math.floor(((i + 0.5) * rows) / SIZE);
      for (var j = 0; j < SIZE; j++) {
        block[i * SIZE + j] = values[row * cols + Math.floor(((j + 0.5) * cols) / SIZE)];
      }
    }
    return block;
  }

  function quality(block) {
    var total = 0, i, j;
    for (i = 0; i < SIZE - 1; i++) {
      for (j = 0; j < SIZE; j++) {
        total += Math.abs(Math.trunc(f(f(f(block[i * SIZE + j] - block[(i + 1) * SIZE + j]) * 100) / 255)));
      }
    }
    for (i = 0; i < SIZE; i++) {
      for (j = 0; j < SIZE - 1; j++) {
        total += Math.abs(Math.trunc(f(f(f(block[i * SIZE + j] - block[i * SIZE + j + 1]) * 100) / 255)));
      }
    }
    return Math.min(100, Math.floor(total / 90));
  }

  function dct16(block) {
    var partial = new Float32Array(KEPT * SIZE), out = new Float32Array(KEPT * KEPT);
    var i, j, k, sum;
    for (i = 0; i < KEPT; i++) {
      for (j = 0; j < SIZE; j++) {
        sum = 0;
        for (k = 0; k < SIZE; k++) { sum = f(sum + f(DCT[i * SIZE + k] * block[k * SIZE + j])); }
        partial[i * SIZE + j] = sum;
      }
    }
    for (i = 0; i < KEPT; i++) {
      for (j = 0; j < KEPT; j++) {
        sum = 0;
        for (k = 0; k < SIZE; k++) { sum = f(sum + f(partial[i * SIZE + k] * DCT[j * SIZE + k])); }
        out[i * KEPT + j] = sum;
      }
    }
    return out;
  }

  // Bit k (k = 16 i + j) is set when coefficient k is above the median (the 128th smallest);
  // the hex string starts with bits 255..252, as Meta's tools print it.
  function hexFromDct(coefficients) {
    var sorted = Array.prototype.slice.call(coefficients).sort(function (a, b) { return a - b; });
    var median = sorted[127], hex = "";
    for (var nibble = 63; nibble >= 0; nibble--) {
      var value = 0;
      for (var bit = 3; bit >= 0; bit--) {
        value = value * 2 + (coefficients[nibble * 4 + bit] > median ? 1 : 0);
      }
      hex += value.toString(16);
    }
    return hex;
  }

  // The PDQ hash (64 hex characters) and quality (0-100) of RGBA pixels (as in ImageData).
  function hashPixels(rgba, width, height) {
    if (width < MIN_SIDE || height < MIN_SIDE) {
      return { hash: new Array(65).join("0"), quality: 0 };
    }
    var luma = lumaFromRGBA(rgba, width, height);
    var block = (width === SIZE && height === SIZE) ? luma : decimate(jarosz(luma, height, width), height, width);
    return { hash: hexFromDct(dct16(block)), quality: quality(block) };
  }

  root.ReclaimPdq = { hashPixels: hashPixels };
}(window));
