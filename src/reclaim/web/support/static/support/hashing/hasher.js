// The hashing page: each chosen file is hashed here, in this browser (pdq.js, md5.js), and
// the result is shown. Nothing is uploaded or stored; this script makes no network request.
(function () {
  "use strict";
  var form = document.querySelector("[data-hasher]");
  if (!form || !window.ReclaimPdq || !window.ReclaimMd5) { return; }
  var input = form.querySelector("[data-hasher-input]");
  var results = document.querySelector("[data-hasher-results]");
  var words = form.dataset;
  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  function row(list, label, value, className) {
    var term = document.createElement("dt");
    term.textContent = label;
    var detail = document.createElement("dd");
    detail.textContent = value;
    if (className) { detail.className = className; }
    list.appendChild(term);
    list.appendChild(detail);
  }

  function pixelsOf(file) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var canvas = document.createElement("canvas");
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(bitmap, 0, 0);
      bitmap.close();
      return context.getImageData(0, 0, canvas.width, canvas.height);
    });
  }

  function hashFile(file) {
    if (file.type.indexOf("image/") === 0) {
      return pixelsOf(file).then(function (image) {
        var found = window.ReclaimPdq.hashPixels(image.data, image.width, image.height);
        return { kind: "image", pdq: found.hash, quality: found.quality };
      }, function () { return { kind: "unreadable" }; });
    }
    if (file.type.indexOf("video/") === 0) {
      return window.ReclaimMd5.md5OfBlob(file).then(function (md5) { return { kind: "video", md5: md5 }; });
    }
    return Promise.resolve({ kind: "other" });
  }

  function show(file, found, item) {
    item.textContent = "";
    var name = document.createElement("h3");
    name.textContent = file.name;
    name.dir = "auto";
    var list = document.createElement("dl");
    list.className = "facts";
    item.appendChild(name);
    item.appendChild(list);
    item.dataset.kind = found.kind;
    if (found.kind === "image") {
      row(list, words.image + " (PDQ)", found.pdq, "digest");
      row(list, words.quality, String(found.quality));
      item.dataset.pdq = found.pdq;
      item.dataset.quality = String(found.quality);
      if (found.quality < 50) { row(list, "", words.lowQuality); }
    } else if (found.kind === "video") {
      row(list, words.video + " (MD5)", found.md5, "digest");
      item.dataset.md5 = found.md5;
    } else {
      row(list, "", found.kind === "unreadable" ? words.unreadable : words.notMedia);
    }
  }

  input.addEventListener("change", function () {
    results.textContent = "";
    var list = document.createElement("ul");
    list.className = "hasher-results";
    results.appendChild(list);
    var files = Array.prototype.slice.call(input.files);
    files.reduce(function (previous, file) {
      var item = document.createElement("li");
      item.textContent = file.name + ": " + words.working;
      list.appendChild(item);
      return previous.then(function () {
        return hashFile(file).then(function (found) { show(file, found, item); });
      });
    }, Promise.resolve()).then(function () { results.dataset.done = String(files.length); });
  });
}());
