'use strict';
// The demo's three workloads, written once and parameterised only by where
// their buffers come from, so that `npm start` and `npm run bench:http` run the
// very same code and the benchmark compares allocators and nothing else.
//
//   GET /report?seed=S&n=N   N float64 values, sorted, after a text line: one
//                            large buffer per request (a few KiB to 80 KiB)
//   GET /frames?seed=S&n=N   N records from an in-memory table, each encoded as
//                            its own length-prefixed binary frame (36 to 55 B),
//                            then sent as one contiguous body
//   GET /scratch?seed=S&n=N  N tiles of 4 to 16 KiB, each rendered in a scratch
//                            buffer of its own, appended to an output buffer
//                            that doubles when full: the scratch-heavy case
const { ArenaPoolError } = require('engram-arena');
const { expectedBody, randomValues, sizeFor, summaryLine } = require('./demo-client');

// Every heap variant has the shape of an Arena as far as the handlers care.
// Heap buffers need no hold: the GC keeps them alive while the socket sends.
const HEAP = {
  alloc: { alloc: (size) => Buffer.alloc(size), holdUntilFinished() {} },
  allocUnsafe: { alloc: (size) => Buffer.allocUnsafe(size), holdUntilFinished() {} },
};

/**
 * The demo's pool for `workload`. One arena per request in flight: no request
 * waits for an arena while the CPU is idle, and at 32 the arenas of the
 * report and frames workloads reserve only 2 MiB. 'fallback' serves the rare
 * oversized request from the heap instead of failing it (the demo's client
 * asks for one now and then). A workload may size the arenas to its requests
 * and turn zeroing off (see WORKLOADS).
 */
function demoPoolOptions(concurrency, workload = undefined) {
  const base = {
    name: 'http',
    size: 64 * 1024,
    maxArenas: concurrency,
    maxWaiting: 256,
    acquireTimeoutMs: 2000,
    overflowStrategy: 'fallback',
  };
  return { ...base, ...workload?.pool };
}

/**
 * Runs `work(scratch)` with the scratch memory of `method`: 'arena' (needs
 * `pool`), 'alloc', 'allocUnsafe', or 'custom' (`scratch`, a benchmark's own).
 */
function scratchRunner(method, pool, custom) {
  if (method === 'arena') return (work) => pool.run(work);
  if (method === 'custom') return async (work) => work(custom);
  const scratch = HEAP[method];
  if (!scratch) throw new TypeError(`unknown allocation method ${method}`);
  return async (work) => work(scratch);
}

// A stand-in for real I/O (a database, a cache): other requests run here.
const io = () => new Promise((resolve) => setImmediate(resolve));

async function report(scratch, res, seed, n) {
  const bytes = scratch.alloc(n * 8);
  const values = new Float64Array(bytes.buffer, bytes.byteOffset, n);
  randomValues(seed, values);
  await io();
  values.sort();
  const head = scratch.alloc(160);
  const headLength = head.write(summaryLine(seed, values), 'latin1');
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': headLength + bytes.length });
  res.write(head.subarray(0, headLength));
  res.end(bytes);
  // The socket may still be sending from this memory after end() returns.
  scratch.holdUntilFinished(res);
}

// The "database": built once, so that a request's CPU goes to encoding, as it
// would in a service that reads records from a cache.
const TAGS = ['cpu', 'disk', 'net', 'memory', 'latency', 'errors', 'queue-depth', 'gc', 'heap', 'requests'];
const RECORDS = (() => {
  const random = randomValues(0x5eed, new Float64Array(4096 * 3));
  return Array.from({ length: 4096 }, (_, i) => ({
    id: i,
    time: 1_700_000_000_000 + Math.floor(random[3 * i] * 1e9),
    value: random[3 * i + 1] * 1000,
    tag: `${TAGS[i % TAGS.length]}.${TAGS[Math.floor(random[3 * i + 2] * TAGS.length)]}.${i % 97}`,
  }));
})();

/** The i-th record of a request: each seed reads its own window of the table. */
function recordAt(seed, i) {
  const at = (seed * 31 + i) % RECORDS.length;
  return RECORDS[at < 0 ? at + RECORDS.length : at];
}

const FRAME_HEADER = 8; // u32 payload length, u16 kind, u16 sequence number
const FRAME_KIND_SAMPLE = 1;

/** One record as one frame: header, then id u32, time f64, value f64, tag length u8, tag bytes. */
function encodeFrame(scratch, record, sequence) {
  const tagLength = Buffer.byteLength(record.tag, 'latin1');
  const payload = 4 + 8 + 8 + 1 + tagLength;
  const frame = scratch.alloc(FRAME_HEADER + payload);
  frame.writeUInt32LE(payload, 0);
  frame.writeUInt16LE(FRAME_KIND_SAMPLE, 4);
  frame.writeUInt16LE(sequence & 0xffff, 6);
  frame.writeUInt32LE(record.id, 8);
  frame.writeDoubleLE(record.time, 12);
  frame.writeDoubleLE(record.value, 20);
  frame.writeUInt8(tagLength, 28);
  frame.write(record.tag, 29, 'latin1');
  return frame;
}

async function frames(scratch, res, seed, n) {
  await io();
  const list = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const frame = encodeFrame(scratch, recordAt(seed, i), i);
    list.push(frame);
    total += frame.length;
  }
  // One contiguous body, as Buffer.concat would build it, but from the same
  // allocator as the frames: one write to the socket instead of n.
  const body = scratch.alloc(total);
  let at = 0;
  for (const frame of list) {
    body.set(frame, at);
    at += frame.length;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
  res.end(body);
  scratch.holdUntilFinished(res);
}

// A tile: a 16-byte header (u32 tile bytes, u16 index, u16 kind, u32 seed,
// u32 fill), a background, and a 256-byte sprite stamped every 2 KiB: the
// work of a tile or template renderer, cheap per byte, as real ones are.
const TILE_HEADER = 16;
const TILE_KIND = 2;
const SPRITE = Buffer.from(randomValues(0x7113, new Float64Array(32)).buffer);
const SPRITE_STRIDE = 2048;
const OUTPUT_FIRST_BYTES = 16 * 1024;

/** A hash of (seed, index) that picks a tile's size, fill and sprite offset. */
function tileHash(seed, index) {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

/** 4, 8, 12 or 16 KiB: every tile is a buffer of its own, none from Node's 8 KiB pool. */
function tileBytes(seed, index) {
  return 4096 * (1 + (tileHash(seed, index) & 3));
}

/** Renders tile `index` of `seed` into a new scratch buffer; every byte of it is written. */
function renderTile(scratch, seed, index) {
  const hash = tileHash(seed, index);
  const size = tileBytes(seed, index);
  const tile = scratch.alloc(size);
  tile.writeUInt32LE(size, 0);
  tile.writeUInt16LE(index & 0xffff, 4);
  tile.writeUInt16LE(TILE_KIND, 6);
  tile.writeUInt32LE(seed >>> 0, 8);
  tile.writeUInt32LE(hash, 12);
  tile.fill(hash >>> 24, TILE_HEADER);
  for (let at = TILE_HEADER + ((hash >>> 8) & 0x3ff); at + SPRITE.length <= size; at += SPRITE_STRIDE)
    tile.set(SPRITE, at);
  return tile;
}

/**
 * An output buffer that doubles when it is full, as a streaming encoder's
 * does: the body's final size is not known until the last tile, and every
 * outgrown buffer is garbage the moment it is copied.
 */
function growingOutput(scratch) {
  let bytes = scratch.alloc(OUTPUT_FIRST_BYTES);
  let length = 0;
  return {
    append(chunk) {
      if (length + chunk.length > bytes.length) {
        let capacity = bytes.length * 2;
        while (capacity < length + chunk.length) capacity *= 2;
        const grown = scratch.alloc(capacity);
        grown.set(bytes.subarray(0, length));
        bytes = grown;
      }
      bytes.set(chunk, length);
      length += chunk.length;
    },
    body: () => bytes.subarray(0, length),
  };
}

/** The body of GET /scratch: n tiles, rendered one by one and appended. */
function renderScratchBody(scratch, seed, n) {
  const output = growingOutput(scratch);
  for (let i = 0; i < n; i++) output.append(renderTile(scratch, seed, i));
  return output.body();
}

async function scratchTiles(scratch, res, seed, n) {
  await io();
  const body = renderScratchBody(scratch, seed, n);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
  scratch.holdUntilFinished(res);
}

const ROUTES = {
  '/report': { handler: report, maxN: 1_000_000 },
  '/frames': { handler: frames, maxN: 4096 },
  '/scratch': { handler: scratchTiles, maxN: 256 },
};

/**
 * A request listener for GET /report, /frames and /scratch whose buffers come from
 * `method`; it returns false for any other request, which the caller answers.
 */
function createHandler({ method, pool, scratch }) {
  const withScratch = scratchRunner(method, pool, scratch);
  return function handle(req, res, url) {
    const route = req.method === 'GET' ? ROUTES[url.pathname] : undefined;
    if (!route) return false;
    const seed = Number(url.searchParams.get('seed'));
    const n = Number(url.searchParams.get('n'));
    if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(n) || n < 1 || n > route.maxN) {
      res.writeHead(400).end(`seed and n (1..${route.maxN}) must be integers\n`);
      return true;
    }
    withScratch((scratch) => route.handler(scratch, res, seed, n)).catch((err) => {
      if (res.headersSent) return res.destroy(err);
      const status = err instanceof ArenaPoolError ? 503 : 500;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${err.code ?? 'ERROR'}: ${err.message}\n`);
    });
    return true;
  };
}

/** The body GET /frames?seed&n must answer, built on the heap. */
function expectedFrames(seed, n) {
  const list = [];
  for (let i = 0; i < n; i++) list.push(encodeFrame(HEAP.alloc, recordAt(seed, i), i));
  return Buffer.concat(list);
}

// 100 to 500 records: hundreds of small buffers per request.
const framesFor = (seed) => 100 + ((seed * 7919) % 401);

// 16 tiles of 4 to 16 KiB: bodies of 64 to 256 KiB.
const SCRATCH_TILES = 16;

/**
 * What a client asks for each seed, and the bytes it must get back; `pool`
 * overrides the demo's pool options for the workload. The scratch workload's
 * arenas hold a whole request (tiles of up to 256 KiB and outputs of 16 to
 * 256 KiB: at most 752 KiB) and are not zeroed: the handler writes every byte
 * it sends, which is what Buffer.allocUnsafe asks of its users too.
 */
const WORKLOADS = {
  report: {
    path: (seed) => `/report?seed=${seed}&n=${sizeFor(seed)}`,
    expected: (seed) => expectedBody(seed, sizeFor(seed)),
  },
  frames: {
    path: (seed) => `/frames?seed=${seed}&n=${framesFor(seed)}`,
    expected: (seed) => expectedFrames(seed, framesFor(seed)),
  },
  scratch: {
    path: (seed) => `/scratch?seed=${seed}&n=${SCRATCH_TILES}`,
    expected: (seed) => Buffer.from(renderScratchBody(HEAP.alloc, seed, SCRATCH_TILES)),
    pool: { size: 1024 * 1024, zeroOnReset: false },
  },
};

module.exports = { WORKLOADS, createHandler, demoPoolOptions, expectedFrames, renderScratchBody };
