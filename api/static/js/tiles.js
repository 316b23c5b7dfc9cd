/* Optional map tiles (only loaded when LEAD_MAP_TILE_URL is set): draws the tile server's images under
   numbered markers in place of the plain SVG map. Without this file, or if a tile fails, the SVG stays. */
(function () {
  "use strict";
  var box = document.querySelector(".tile-map");
  if (!box) { return; }
  var origin = JSON.parse(box.dataset.origin), points = JSON.parse(box.dataset.points);
  var url = box.dataset.url, size = 256, width = 400, height = 400;
  var px = function (lat, lon, z) {
    var n = Math.pow(2, z) * size, s = Math.sin(lat * Math.PI / 180);
    return [(lon + 180) / 360 * n, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n];
  };
  var zoom = 16;
  for (; zoom > 8; zoom--) {
    var c = px(origin.lat, origin.lon, zoom), fits = points.every(function (p) {
      var q = px(p.lat, p.lon, zoom);
      return Math.abs(q[0] - c[0]) < width / 2 - 16 && Math.abs(q[1] - c[1]) < height / 2 - 16;
    });
    if (fits) { break; }
  }
  var centre = px(origin.lat, origin.lon, zoom), left = centre[0] - width / 2, top = centre[1] - height / 2;
  var failed = false;
  for (var tx = Math.floor(left / size); tx <= Math.floor((left + width) / size); tx++) {
    for (var ty = Math.floor(top / size); ty <= Math.floor((top + height) / size); ty++) {
      var img = document.createElement("img");
      img.alt = ""; img.className = "tile";
      img.style.left = (tx * size - left) + "px"; img.style.top = (ty * size - top) + "px";
      img.onerror = function () { if (!failed) { failed = true; box.hidden = true; } };
      img.src = url.replace("{z}", zoom).replace("{x}", tx).replace("{y}", ty);
      box.appendChild(img);
    }
  }
  var mark = function (x, y, text, cls) {
    var m = document.createElement("span");
    m.className = cls; m.textContent = text; m.style.left = x + "px"; m.style.top = y + "px";
    box.appendChild(m);
  };
  mark(width / 2, height / 2, "", "tile-centre");
  points.forEach(function (p) { var q = px(p.lat, p.lon, zoom); mark(q[0] - left, q[1] - top, p.n, "tile-pin"); });
  box.hidden = false;
  var svg = box.parentNode.querySelector("svg.map");
  if (svg) { svg.setAttribute("hidden", ""); svg.style.display = "none"; }
}());
