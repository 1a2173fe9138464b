// make-region-map.mjs: turns Natural Earth country shapes into the SVG path data of the
// offices map (static/map/region.json). Run it once by hand when the frame or the
// simplification changes; the site itself never runs it.
//
// How to run (Node 18 or newer, from the repository root):
//
//   npm install --prefix /tmp/wbt-map-tools world-atlas@2.0.2 topojson-client@3.1.0
//   node static/map/make-region-map.mjs /tmp/wbt-map-tools > static/map/region.json
//
// The argument is the folder npm installed into (default /tmp/wbt-map-tools): keep it out
// of the repository, and above all out of static/, which the binary embeds.
//
// What it writes (JSON, on standard output):
// - `frame`: the box of latitude and longitude shown and the projection that maps it onto
//   a `width` x `height` SVG: equirectangular, longitudes squeezed by the cosine of the
//   frame's mean latitude (`parallel`), so x = (lon - west) * cos(parallel) * scale and
//   y = (north - lat) * scale. src/render/office_map/projection.rs places the office
//   markers with these same numbers, so any coordinates inside the frame land on the map.
// - `countries`: one SVG path per country that shows in the frame, with its ISO 3166-1
//   alpha-2 code, its English name, whether it is one of the region's partners (shaded
//   apart), and for those a label point well inside the country.
// - `coast` and `borders`: the coastlines, and the land borders between countries, each
//   one path, so borders are stroked once and not twice along each side.
//
// Made with Node 20; any Node from 18 on runs it.
//
// Coordinates are projected, simplified per topology arc with Douglas-Peucker (so the two
// countries on either side of a border keep the same line), clipped to the frame and
// rounded to 0.1. Islands smaller than MIN_AREA square units are left out.
//
// Why the output is committed: the build has no Node, and the Rust binary embeds what it
// draws (include_str! of region.json), so the map is data in the repository like any
// other, regenerated only when this script changes.
//
// The source, Natural Earth 1:50m Admin 0 countries (v4.1.0 as packaged by world-atlas),
// is in the public domain. Drawn as the map of an international organisation draws it:
// Kosovo* with its own outline as Natural Earth has it (labelled with the asterisk by the
// site, from the country page); Cyprus as one island (Natural Earth's "N. Cyprus" merged
// into it); Crimea with Ukraine (Natural Earth 4.1 gives it to Russia).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const tools = resolve(process.argv[2] ?? "/tmp/wbt-map-tools");
const { feature, mesh, mergeArcs } = createRequire(join(tools, "package.json"))("topojson-client");

/** The box shown: every office with a wide margin, all of Türkiye, and the neighbours
 * around it (Italy's heel, Slovenia, southern Hungary, Cyprus, the Caucasus edge). */
const FRAME = { west: 13.2, east: 45.2, south: 34.2, north: 47.0, width: 1000 };
/** Douglas-Peucker tolerance, in SVG units (the map is 1000 wide). */
const TOLERANCE = 0.45;
/** Islands smaller than this (square SVG units) are dropped. */
const MIN_AREA = 6;
/** Polygons are clipped to the frame grown by this much, so no edge shows. */
const BLEED = 2;

/** The region's partners: shaded apart. */
const REGION = new Set(["AL", "BA", "XK", "ME", "MK", "RS", "TR"]);

/** Natural Earth name -> ISO 3166-1 alpha-2 and the name written to the file. */
const COUNTRIES = {
  Albania: ["AL", "Albania"],
  Armenia: ["AM", "Armenia"],
  Austria: ["AT", "Austria"],
  Azerbaijan: ["AZ", "Azerbaijan"],
  "Bosnia and Herz.": ["BA", "Bosnia and Herzegovina"],
  Bulgaria: ["BG", "Bulgaria"],
  Croatia: ["HR", "Croatia"],
  Cyprus: ["CY", "Cyprus"],
  Georgia: ["GE", "Georgia"],
  Greece: ["GR", "Greece"],
  Hungary: ["HU", "Hungary"],
  Iran: ["IR", "Iran"],
  Iraq: ["IQ", "Iraq"],
  Italy: ["IT", "Italy"],
  Kosovo: ["XK", "Kosovo"],
  Lebanon: ["LB", "Lebanon"],
  Macedonia: ["MK", "North Macedonia"],
  Malta: ["MT", "Malta"],
  Moldova: ["MD", "Moldova"],
  Montenegro: ["ME", "Montenegro"],
  Romania: ["RO", "Romania"],
  Russia: ["RU", "Russia"],
  Serbia: ["RS", "Serbia"],
  Slovakia: ["SK", "Slovakia"],
  Slovenia: ["SI", "Slovenia"],
  Syria: ["SY", "Syria"],
  Turkey: ["TR", "Türkiye"],
  Ukraine: ["UA", "Ukraine"],
};
/** Natural Earth names folded into another country's shape. */
const MERGED = { "N. Cyprus": "Cyprus" };
/** Crimea: Russia's polygons inside this box of longitude and latitude go to Ukraine. */
const CRIMEA = { west: 32.4, east: 36.7, south: 44.3, north: 46.3 };

const parallel = (FRAME.south + FRAME.north) / 2;
const squeeze = Math.cos((parallel * Math.PI) / 180);
const scale = FRAME.width / ((FRAME.east - FRAME.west) * squeeze);
const height = Math.round((FRAME.north - FRAME.south) * scale);
const project = ([lon, lat]) => [(lon - FRAME.west) * squeeze * scale, (FRAME.north - lat) * scale];

const topology = JSON.parse(
  readFileSync(join(tools, "node_modules/world-atlas/countries-50m.json"), "utf8"),
);

// Decode the quantized arcs, project and simplify them; the topology then holds plain
// SVG coordinates, and topojson-client's feature/mesh/merge work on those.
const { scale: [kx, ky], translate: [tx, ty] } = topology.transform;
const lonLatArcs = topology.arcs.map((arc) => {
  let x = 0;
  let y = 0;
  return arc.map(([dx, dy]) => [(x += dx) * kx + tx, (y += dy) * ky + ty]);
});
topology.arcs = lonLatArcs.map((arc) => simplify(arc.map(project), TOLERANCE));
delete topology.transform;

const byName = new Map(topology.objects.countries.geometries.map((g) => [g.properties.name, g]));
for (const [name, g] of byName) {
  const inFrame = feature(topology, g).geometry && polygonsOf(feature(topology, g).geometry).some((p) => clipRing(p[0]).length > 2);
  if (inFrame && !COUNTRIES[name] && !MERGED[name]) throw new Error(`${name} shows in the frame: add it to COUNTRIES`);
}
const crimea = byName.get("Russia").arcs.filter((polygon) => inBox(lonLatArcs[arcIndex(polygon[0][0])], CRIMEA));
const extra = { Ukraine: [{ type: "MultiPolygon", arcs: crimea }] };
for (const [from, into] of Object.entries(MERGED)) (extra[into] ??= []).push(byName.get(from));

const geometries = [];
for (const [neName, [iso, name]] of Object.entries(COUNTRIES)) {
  let geometry = byName.get(neName);
  if (!geometry) throw new Error(`Natural Earth has no ${neName}`);
  if (neName === "Russia") geometry = { ...geometry, arcs: geometry.arcs.filter((p) => !crimea.includes(p)) };
  if (extra[neName]) geometry = mergeArcs(topology, [geometry, ...extra[neName]]);
  geometries.push({ ...geometry, iso, name });
}
const collection = { type: "GeometryCollection", geometries };

const countries = [];
for (const g of geometries) {
  const rings = polygonsOf(feature(topology, g).geometry)
    .flatMap((polygon) => polygon.map(clipRing))
    .filter((ring) => ring.length > 2 && Math.abs(area(ring)) >= MIN_AREA);
  if (rings.length === 0) continue;
  const entry = { iso: g.iso, name: g.name, region: REGION.has(g.iso) };
  if (entry.region) entry.label = labelPoint(rings).map(round);
  entry.d = rings.map((ring) => pathOf(ring, true)).join("");
  countries.push(entry);
}
countries.sort((a, b) => a.iso.localeCompare(b.iso));

const lines = (filter) =>
  mesh(topology, collection, filter)
    .coordinates.flatMap(clipLine)
    .map((line) => pathOf(line, false))
    .join("");

const frame = { ...FRAME, height, parallel: round(parallel * 10) / 10 };
frame.scale = Math.round(scale * 1e6) / 1e6;
const out = {
  about: "Generated by static/map/make-region-map.mjs from Natural Earth 1:50m (public domain); do not edit by hand.",
  frame,
  coast: lines((a, b) => a === b),
  borders: lines((a, b) => a !== b),
  countries,
};
process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);

function arcIndex(i) {
  return i < 0 ? ~i : i;
}

function inBox(points, box) {
  return points.every(([lon, lat]) => lon >= box.west && lon <= box.east && lat >= box.south && lat <= box.north);
}

function polygonsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

/** Douglas-Peucker on one arc, keeping its ends (shared with the neighbouring arcs). */
function simplify(points, tolerance) {
  if (points.length < 3) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop();
    let worst = 0;
    let at = -1;
    for (let i = first + 1; i < last; i++) {
      const d = distanceToSegment(points[i], points[first], points[last]);
      if (d > worst) [worst, at] = [d, i];
    }
    if (at >= 0 && worst > tolerance) {
      keep[at] = 1;
      stack.push([first, at], [at, last]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

function distanceToSegment([px, py], [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Sutherland-Hodgman: a ring clipped to the frame grown by BLEED. */
function clipRing(ring) {
  const edges = [
    (p) => p[0] >= -BLEED,
    (p) => p[0] <= FRAME.width + BLEED,
    (p) => p[1] >= -BLEED,
    (p) => p[1] <= height + BLEED,
  ];
  const cuts = [
    (a, b) => cut(a, b, 0, -BLEED),
    (a, b) => cut(a, b, 0, FRAME.width + BLEED),
    (a, b) => cut(a, b, 1, -BLEED),
    (a, b) => cut(a, b, 1, height + BLEED),
  ];
  let points = ring.slice(0, -1);
  edges.forEach((inside, e) => {
    const out = [];
    points.forEach((b, i) => {
      const a = points[(i + points.length - 1) % points.length];
      if (inside(b)) {
        if (!inside(a)) out.push(cuts[e](a, b));
        out.push(b);
      } else if (inside(a)) out.push(cuts[e](a, b));
    });
    points = out;
  });
  return points;
}

function cut(a, b, axis, value) {
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
}

/** A line cut into the runs that come near the frame (the SVG clips the rest). */
function clipLine(line) {
  const near = ([x, y]) => x >= -20 && x <= FRAME.width + 20 && y >= -20 && y <= height + 20;
  const runs = [];
  let run = [];
  line.forEach((p, i) => {
    const next = line[i + 1];
    const prev = line[i - 1];
    if (near(p) || (next && near(next)) || (prev && near(prev))) run.push(p);
    else if (run.length) runs.push(run), (run = []);
  });
  if (run.length) runs.push(run);
  return runs.filter((r) => r.length > 1);
}

function area(ring) {
  let sum = 0;
  ring.forEach(([x, y], i) => {
    const [nx, ny] = ring[(i + 1) % ring.length];
    sum += x * ny - nx * y;
  });
  return sum / 2;
}

/** A point well inside the largest ring: the grid point farthest from its edges. */
function labelPoint(rings) {
  const ring = rings.reduce((a, b) => (Math.abs(area(b)) > Math.abs(area(a)) ? b : a));
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  let best = [(x0 + x1) / 2, (y0 + y1) / 2];
  let bestDistance = -1;
  const step = Math.max(x1 - x0, y1 - y0) / 60;
  for (let x = x0; x <= x1; x += step) {
    for (let y = y0; y <= y1; y += step) {
      if (!inside([x, y], ring)) continue;
      const d = Math.min(...ring.map((p, i) => distanceToSegment([x, y], p, ring[(i + 1) % ring.length])));
      if (d > bestDistance) [best, bestDistance] = [[x, y], d];
    }
  }
  return best;
}

function inside([x, y], ring) {
  let odd = false;
  ring.forEach(([ax, ay], i) => {
    const [bx, by] = ring[(i + 1) % ring.length];
    if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) odd = !odd;
  });
  return odd;
}

function round(v) {
  return Math.round(v * 10) / 10;
}

/** `M12.3 4.5l1.2-.3...` (relative steps between rounded points: short, and exact). */
function pathOf(points, closed) {
  const rounded = points.map(([x, y]) => [Math.round(x * 10), Math.round(y * 10)]);
  const kept = rounded.filter((p, i) => i === 0 || p[0] !== rounded[i - 1][0] || p[1] !== rounded[i - 1][1]);
  const [first, ...rest] = kept;
  let d = `M${number(first[0])} ${number(first[1])}`;
  if (rest.length) d += "l";
  let [x, y] = first;
  for (const [nx, ny] of rest) {
    const pair = `${number(nx - x)}${sign(number(ny - y))}`;
    d += d.endsWith("l") || pair.startsWith("-") ? pair : ` ${pair}`;
    [x, y] = [nx, ny];
  }
  return closed ? `${d}z` : d;
}

/** Tenths -> shortest decimal: 15 -> 1.5, 5 -> .5, -5 -> -.5, 20 -> 2. */
function number(tenths) {
  const text = (tenths / 10).toString();
  return text.replace(/^(-?)0\./, "$1.");
}

function sign(text) {
  return text.startsWith("-") ? text : ` ${text}`;
}
