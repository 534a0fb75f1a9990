// The "Try it" page: the course's models run in the browser with onnxruntime-web.
//
// Everything comes from this site: the manifest (assets/models.json, written
// by hooks/try_it.py when the site was built) names the ONNX files, the
// classes, the preprocessing saved in each model file and the runtime's
// files. The preprocessing below is a line-by-line port of
// classroom.serve.preprocessing.Preprocessing (Pillow's grey conversion, its
// bilinear resize with the same fixed-point arithmetic, float32 scaling), so
// the network sees the numbers the weekend-8 server would give it.
//
// Material's instant navigation re-runs this script each time the page is
// shown; the runtime itself is loaded once per visit of the site.
(function () {
  "use strict";

  var root = document.getElementById("try-it");
  if (!root || root.dataset.started === "1") {
    return;
  }
  root.dataset.started = "1";

  var started = performance.now();
  var assets = new URL(root.dataset.assets || "assets/", window.location.href);
  var statusLine = document.getElementById("try-it-status");
  var api = {
    state: "loading",
    error: null,
    timings: {},
    manifest: null,
    sessions: {},
    last: {},
    count: { mnist: 0, cifar10: 0 },
    predictPixels: predictPixels,
    predictBlob: predictBlob,
    ready: null
  };
  window.classroomTryIt = api;

  function setStatus(text, state) {
    statusLine.textContent = text;
    if (state) {
      api.state = state;
      root.dataset.state = state;
    }
  }

  function elapsed() {
    return Math.round(performance.now() - started);
  }

  // ------------------------------------------------------------ loading
  function loadScript(url) {
    if (window.ort) {
      return Promise.resolve(window.ort);
    }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = url;
      script.onload = function () { resolve(window.ort); };
      script.onerror = function () { reject(new Error("could not load " + url)); };
      document.head.appendChild(script);
    });
  }

  async function start() {
    var response = await fetch(new URL("models.json", assets));
    if (!response.ok) {
      throw new Error("assets/models.json is missing (HTTP " + response.status + "): the site was built without the try-it hook");
    }
    var manifest = await response.json();
    api.manifest = manifest;
    api.timings.manifest_ms = elapsed();
    if (!manifest.runtime) {
      throw new Error("this build has no inference runtime (see the warning above)");
    }
    var ort = await loadScript(new URL(manifest.runtime.script, assets).href);
    ort.env.wasm.wasmPaths = new URL(manifest.runtime.wasm_paths, assets).href;
    ort.env.wasm.numThreads = 1; // static hosts do not send the headers threads need
    ort.env.wasm.proxy = false;
    api.timings.runtime_ms = elapsed();

    var keys = Object.keys(manifest.models);
    for (var i = 0; i < keys.length; i++) {
      var entry = manifest.models[keys[i]];
      var panel = document.querySelector('[data-model="' + keys[i] + '"]');
      if (!entry.available) {
        if (panel) {
          panel.insertAdjacentHTML("beforeend", '<p class="try-it-status">Not in this build: its dataset was missing when the site was built (see the warning below).</p>');
        }
        continue;
      }
      var modelResponse = await fetch(new URL(entry.onnx, assets));
      var bytes = new Uint8Array(await modelResponse.arrayBuffer());
      api.sessions[keys[i]] = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
    }
    api.timings.sessions_ms = elapsed();
    setupDigit();
    setupPhoto();
    setStatus("Ready: the models run in this page (onnxruntime-web " + manifest.runtime.version + ", WebAssembly).", "ready");
  }

  // ------------------------------------------------------------ preprocessing
  var PRECISION_BITS = 32 - 8 - 2; // Pillow's fixed-point resampling

  function bilinear(x) {
    x = Math.abs(x);
    return x < 1 ? 1 - x : 0;
  }

  // Pillow's precompute_coeffs for the bilinear filter, normalised to 8-bit fixed point.
  function coefficients(inSize, in0, in1, outSize) {
    var scale = (in1 - in0) / outSize;
    var filterscale = Math.max(scale, 1);
    var support = filterscale;
    var ksize = Math.ceil(support) * 2 + 1;
    var bounds = new Int32Array(outSize * 2);
    var weights = new Float64Array(outSize * ksize);
    for (var xx = 0; xx < outSize; xx++) {
      var center = in0 + (xx + 0.5) * scale;
      var ss = 1 / filterscale;
      var xmin = Math.trunc(center - support + 0.5);
      if (xmin < 0) { xmin = 0; }
      var xmax = Math.trunc(center + support + 0.5);
      if (xmax > inSize) { xmax = inSize; }
      xmax -= xmin;
      var ww = 0;
      for (var x = 0; x < xmax; x++) {
        var w = bilinear((x + xmin - center + 0.5) * ss);
        weights[xx * ksize + x] = w;
        ww += w;
      }
      for (x = 0; x < xmax; x++) {
        if (ww !== 0) { weights[xx * ksize + x] /= ww; }
      }
      bounds[xx * 2] = xmin;
      bounds[xx * 2 + 1] = xmax;
    }
    var fixed = new Float64Array(weights.length);
    for (var i = 0; i < weights.length; i++) {
      var v = weights[i] * (1 << PRECISION_BITS);
      fixed[i] = v < 0 ? Math.trunc(-0.5 + v) : Math.trunc(0.5 + v);
    }
    return { ksize: ksize, bounds: bounds, k: fixed };
  }

  function clip8(value) {
    var v = Math.floor(value / (1 << PRECISION_BITS));
    return v < 0 ? 0 : v > 255 ? 255 : v;
  }

  // Resample one channel plane (Uint8Array, width x height) as Pillow's ImagingResample does.
  function resamplePlane(plane, width, height, box, outW, outH) {
    var needH = outW !== width || box[0] !== 0 || box[2] !== outW;
    var needV = outH !== height || box[1] !== 0 || box[3] !== outH;
    var horizontal = coefficients(width, box[0], box[2], outW);
    var vertical = coefficients(height, box[1], box[3], outH);
    var rowFirst = vertical.bounds[0];
    var rowLast = vertical.bounds[(outH - 1) * 2] + vertical.bounds[(outH - 1) * 2 + 1];
    var current = plane, curW = width, curH = height;
    if (needH) {
      if (needV) {
        for (var i = 0; i < outH; i++) { vertical.bounds[i * 2] -= rowFirst; }
      } else {
        rowFirst = 0;
        rowLast = height;
      }
      var rows = rowLast - rowFirst;
      var out = new Uint8Array(outW * rows);
      for (var y = 0; y < rows; y++) {
        var source = (y + rowFirst) * width;
        for (var xx = 0; xx < outW; xx++) {
          var xmin = horizontal.bounds[xx * 2], xmax = horizontal.bounds[xx * 2 + 1];
          var sum = 1 << (PRECISION_BITS - 1);
          for (var x = 0; x < xmax; x++) {
            sum += plane[source + x + xmin] * horizontal.k[xx * horizontal.ksize + x];
          }
          out[y * outW + xx] = clip8(sum);
        }
      }
      current = out;
      curW = outW;
      curH = rows;
    }
    if (needV) {
      var result = new Uint8Array(outW * outH);
      for (var yy = 0; yy < outH; yy++) {
        var ymin = vertical.bounds[yy * 2], ymax = vertical.bounds[yy * 2 + 1];
        for (var column = 0; column < curW; column++) {
          var total = 1 << (PRECISION_BITS - 1);
          for (var j = 0; j < ymax; j++) {
            total += current[(j + ymin) * curW + column] * vertical.k[yy * vertical.ksize + j];
          }
          result[yy * outW + column] = clip8(total);
        }
      }
      current = result;
    }
    return current;
  }

  // RGBA pixels -> the model's input (Float32Array, channels x height x width), as Preprocessing.__call__.
  function preprocess(rgba, width, height, spec) {
    var channels = spec.mode === "L" ? 1 : 3;
    var outH = spec.size[0], outW = spec.size[1];
    var planes = [];
    var count = width * height;
    if (channels === 1) {
      var grey = new Uint8Array(count);
      for (var p = 0; p < count; p++) { // ITU-R 601-2 luma, Pillow's integer formula
        grey[p] = (rgba[p * 4] * 19595 + rgba[p * 4 + 1] * 38470 + rgba[p * 4 + 2] * 7471 + 0x8000) >>> 16;
      }
      planes.push(grey);
    } else {
      for (var c = 0; c < 3; c++) {
        var plane = new Uint8Array(count);
        for (var q = 0; q < count; q++) { plane[q] = rgba[q * 4 + c]; }
        planes.push(plane);
      }
    }
    if (width !== outW || height !== outH) { // ImageOps.fit: the largest centred box of the output's shape
      var liveRatio = width / height, outRatio = outW / outH;
      var cropW = width, cropH = height;
      if (liveRatio > outRatio) {
        cropW = outRatio * height;
      } else if (liveRatio < outRatio) {
        cropH = width / outRatio;
      }
      var left = (width - cropW) * 0.5, top = (height - cropH) * 0.5;
      var box = [left, top, left + cropW, top + cropH];
      planes = planes.map(function (plane) { return resamplePlane(plane, width, height, box, outW, outH); });
    }
    var size = outW * outH;
    var pixels = new Float32Array(channels * size);
    var scale = Math.fround(1 / 255);
    for (var ch = 0; ch < channels; ch++) {
      for (var r = 0; r < size; r++) { pixels[ch * size + r] = Math.fround(planes[ch][r] * scale); }
    }
    var invert = spec.invert === true || (spec.invert === "auto" && borderIsBright(pixels, channels, outH, outW));
    if (invert) {
      for (var n = 0; n < pixels.length; n++) { pixels[n] = Math.fround(1 - pixels[n]); }
    }
    for (var k = 0; k < channels; k++) {
      var mean = Math.fround(spec.mean[k]);
      var invStd = Math.fround(1 / Math.fround(spec.std[k]));
      for (var m = 0; m < size; m++) {
        var index = k * size + m;
        pixels[index] = Math.fround(Math.fround(pixels[index] - mean) * invStd);
      }
    }
    return { input: pixels, planes: planes, width: outW, height: outH };
  }

  function borderIsBright(pixels, channels, height, width) {
    var total = 0, count = 0;
    for (var c = 0; c < channels; c++) {
      var base = c * height * width;
      for (var x = 0; x < width; x++) {
        total += pixels[base + x] + pixels[base + (height - 1) * width + x];
        count += 2;
      }
      for (var y = 0; y < height; y++) {
        total += pixels[base + y * width] + pixels[base + y * width + width - 1];
        count += 2;
      }
    }
    return total / count > 0.5;
  }

  // ------------------------------------------------------------ inference
  function softmax(logits) {
    var max = -Infinity;
    for (var i = 0; i < logits.length; i++) { max = Math.max(max, logits[i]); }
    var exps = logits.map(function (value) { return Math.exp(value - max); });
    var sum = exps.reduce(function (a, b) { return a + b; }, 0);
    return exps.map(function (value) { return value / sum; });
  }

  // One inference at a time: a session must not run twice at once (strokes can end quickly).
  var queue = Promise.resolve();

  function predictPixels(key, rgba, width, height) {
    var next = queue.then(function () { return predictNow(key, rgba, width, height); });
    queue = next.catch(function () {});
    return next;
  }

  async function predictNow(key, rgba, width, height) {
    var entry = api.manifest.models[key];
    var session = api.sessions[key];
    var prepared = preprocess(rgba, width, height, entry.preprocess);
    var shape = [1].concat(entry.input_shape);
    var feeds = {};
    feeds[entry.input_name] = new window.ort.Tensor("float32", prepared.input, shape);
    var before = performance.now();
    var outputs = await session.run(feeds);
    var runMs = performance.now() - before;
    var logits = Array.from(outputs[entry.output_name].data);
    var probabilities = softmax(logits);
    var order = probabilities.map(function (_, index) { return index; })
      .sort(function (a, b) { return probabilities[b] - probabilities[a] || a - b; });
    var top = order.slice(0, 5).map(function (index) {
      return { label: entry.classes[index], index: index, probability: probabilities[index] };
    });
    if (api.timings["first_" + key + "_ms"] === undefined) {
      api.timings["first_" + key + "_ms"] = runMs;
      api.timings["first_" + key + "_at_ms"] = elapsed();
    }
    var result = { input: Array.from(prepared.input), logits: logits, probabilities: probabilities, top: top, run_ms: runMs, planes: prepared.planes };
    api.last[key] = result;
    api.count[key] = (api.count[key] || 0) + 1;
    return result;
  }

  function showBars(list, top) {
    list.innerHTML = "";
    top.forEach(function (item) {
      var row = document.createElement("li");
      var label = document.createElement("span");
      label.textContent = item.label;
      var track = document.createElement("span");
      var bar = document.createElement("span");
      bar.className = "try-it-bar";
      bar.style.display = "block";
      bar.style.width = (100 * item.probability).toFixed(1) + "%";
      track.appendChild(bar);
      var value = document.createElement("span");
      value.textContent = (100 * item.probability).toFixed(1) + "%";
      row.appendChild(label);
      row.appendChild(track);
      row.appendChild(value);
      list.appendChild(row);
    });
    list.dataset.top1 = top.length ? top[0].label : "";
  }

  // ------------------------------------------------------------ the digit
  function setupDigit() {
    var canvas = document.getElementById("try-it-canvas");
    if (!canvas || !api.sessions.mnist) { return; }
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var pen = document.getElementById("try-it-pen");
    var bars = document.getElementById("try-it-digit-bars");
    var drawing = false, last = null, ink = false;

    function clear() {
      context.fillStyle = "#000";
      context.fillRect(0, 0, canvas.width, canvas.height);
      bars.innerHTML = "";
      bars.dataset.top1 = "";
      ink = false;
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) * canvas.width / rect.width, (event.clientY - rect.top) * canvas.height / rect.height];
    }

    function stroke(from, to) {
      context.strokeStyle = "#fff";
      context.fillStyle = "#fff";
      context.lineWidth = Number(pen.value);
      context.lineCap = "round";
      context.lineJoin = "round";
      context.beginPath();
      context.moveTo(from[0], from[1]);
      context.lineTo(to[0], to[1]);
      context.stroke();
      ink = true;
    }

    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      last = point(event);
      stroke(last, last);
      canvas.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var next = point(event);
      stroke(last, next);
      last = next;
    });
    async function finish() {
      if (!drawing) { return; }
      drawing = false;
      if (!ink) { return; }
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var result = await predictPixels("mnist", image.data, canvas.width, canvas.height);
      showBars(bars, result.top);
      root.dispatchEvent(new CustomEvent("try-it:prediction", { detail: { model: "mnist" } }));
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    document.getElementById("try-it-clear").addEventListener("click", clear);
    clear();
  }

  // ------------------------------------------------------------ the photo
  var MAX_PIXELS = 40e6;

  async function predictBlob(blob) {
    var bitmap = await createImageBitmap(blob, { imageOrientation: "from-image", premultiplyAlpha: "none", colorSpaceConversion: "none" });
    if (bitmap.width * bitmap.height > MAX_PIXELS) {
      throw new Error("this image has " + Math.round(bitmap.width * bitmap.height / 1e6) + " megapixels; use one below 40");
    }
    var canvas = document.createElement("canvas");
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.fillStyle = "#fff"; // transparent pixels count as white, as on the server
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(bitmap, 0, 0);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var result = await predictPixels("cifar10", image.data, canvas.width, canvas.height);
    showPreview(result);
    showBars(document.getElementById("try-it-photo-bars"), result.top);
    root.dispatchEvent(new CustomEvent("try-it:prediction", { detail: { model: "cifar10" } }));
    return result;
  }

  function showPreview(result) {
    var preview = document.getElementById("try-it-photo");
    var spec = api.manifest.models.cifar10.preprocess;
    preview.width = spec.size[1];
    preview.height = spec.size[0];
    var context = preview.getContext("2d");
    var image = context.createImageData(preview.width, preview.height);
    var planes = result.planes;
    for (var i = 0; i < preview.width * preview.height; i++) {
      image.data[i * 4] = planes[0][i];
      image.data[i * 4 + 1] = planes[planes.length > 1 ? 1 : 0][i];
      image.data[i * 4 + 2] = planes[planes.length > 2 ? 2 : 0][i];
      image.data[i * 4 + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }

  function setupPhoto() {
    if (!api.sessions.cifar10) { return; }
    var entry = api.manifest.models.cifar10;
    var upload = document.getElementById("try-it-upload");
    var samples = document.getElementById("try-it-samples");

    function report(error) {
      setStatus("Could not read that image: " + error.message);
    }

    upload.addEventListener("change", function () {
      if (upload.files && upload.files[0]) {
        predictBlob(upload.files[0]).catch(report);
      }
    });
    entry.samples.forEach(function (sample) {
      var button = document.createElement("button");
      button.type = "button";
      button.title = sample.label + " (CIFAR-10 test image " + sample.test_index + ")";
      button.dataset.label = sample.label;
      var image = document.createElement("img");
      image.src = new URL(sample.file, assets).href;
      image.alt = sample.label;
      button.appendChild(image);
      button.addEventListener("click", async function () {
        try {
          var response = await fetch(new URL(sample.file, assets));
          await predictBlob(await response.blob());
        } catch (error) {
          report(error);
        }
      });
      samples.appendChild(button);
    });
  }

  api.ready = start().catch(function (error) {
    api.error = String(error && error.message || error);
    setStatus("The models could not be loaded: " + api.error, "error");
  });
})();
