// Real Node APIs over arena buffers: fs, crypto, zlib, TextEncoder, sockets on
// a loopback net server, Buffer methods. Each works on a live view without
// touching the bytes around it; each given a view detached by reset (or by
// destroy, or by deinitThreadArena) throws or does nothing, never crashes.

import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../dist/abi.js';
import { Arena, deinitThreadArena, threadArena } from '../../dist/index.js';
import { arenaOffset } from '../fixtures/arena-helpers';
import { NEEDS_TRANSFER, transferFlags } from '../fixtures/node-line';

const GUARD = 0x5a;

/** An arena view of `size` bytes with guard views right before and after it. */
function guarded(arena: Arena, size: number, alignment = 8) {
  const before = arena.alloc(64, 1).fill(GUARD);
  const view = arena.alloc(size, alignment);
  const after = arena.alloc(64, 1).fill(GUARD);
  const intact = () => before.every((b) => b === GUARD) && after.every((b) => b === GUARD);
  return { view, intact };
}

function pattern(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** What a call did with a detached view: its return value, or the class of what it threw. */
function outcome(fn: () => unknown): { threw: string | null; value: unknown } {
  try {
    return { threw: null, value: fn() };
  } catch (err) {
    return { threw: (err as Error).constructor.name, value: undefined };
  }
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'engram-node-apis-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('Node APIs over live arena views', () => {
  it('fs.writeSync / readSync / writeFileSync / readFileSync', () => {
    const arena = new Arena({ size: 1 << 20 });
    const src = guarded(arena, 100_000);
    pattern(100_000, 3).copy(src.view);
    const file = path.join(tmp, 'out.bin');
    const fd = fs.openSync(file, 'w+');
    expect(fs.writeSync(fd, src.view)).toBe(100_000);
    expect(fs.writeSync(fd, src.view, 10, 20, 100_000)).toBe(20);
    const dst = guarded(arena, 100_020, 4096);
    expect(arenaOffset(dst.view) % 4096).toBe(0); // the address is page-aligned, for O_DIRECT-style reads
    expect(fs.readSync(fd, dst.view, 0, 100_020, 0)).toBe(100_020);
    fs.closeSync(fd);
    expect(dst.view.subarray(0, 100_000).equals(pattern(100_000, 3))).toBe(true);
    expect(dst.view.subarray(100_000).equals(src.view.subarray(10, 30))).toBe(true);
    fs.writeFileSync(file, src.view.subarray(0, 5000));
    expect(fs.readFileSync(file).equals(src.view.subarray(0, 5000))).toBe(true);
    const floats = arena.allocArray(Float64Array, 1000);
    for (let i = 0; i < floats.length; i++) floats[i] = i / 7;
    fs.writeFileSync(file, floats);
    const back = new Float64Array(new Uint8Array(fs.readFileSync(file)).buffer);
    expect(Array.from(back)).toEqual(Array.from(floats));
    expect(src.intact() && dst.intact()).toBe(true);
    arena.destroy();
  });

  it('crypto.randomFillSync, hashes and ciphers', () => {
    const arena = new Arena({ size: 1 << 16, zeroOnReset: true });
    const g = guarded(arena, 4096);
    crypto.randomFillSync(g.view);
    expect(g.view.some((b) => b !== 0)).toBe(true);
    crypto.randomFillSync(g.view, 100, 50);
    const ints = arena.allocArray(Uint32Array, 64);
    crypto.randomFillSync(ints);
    expect(ints.some((x) => x !== 0)).toBe(true);
    const copy = Buffer.from(g.view);
    expect(crypto.createHash('sha256').update(g.view).digest('hex')).toBe(
      crypto.createHash('sha256').update(copy).digest('hex'),
    );
    const key = crypto.randomBytes(32);
    const iv = crypto.randomBytes(16);
    const cipher = crypto.createCipheriv('aes-256-cbc', key, iv);
    const enc = Buffer.concat([cipher.update(g.view), cipher.final()]);
    const decipher = crypto.createDecipheriv('aes-256-cbc', key, iv);
    const out = arena.alloc(enc.length);
    const n = decipher.update(enc).copy(out);
    decipher.final().copy(out, n);
    expect(out.subarray(0, 4096).equals(copy)).toBe(true);
    expect(g.intact()).toBe(true);
    arena.destroy();
  });

  it('zlib deflate / inflate / gzip / brotli, sync, in and out of arena memory', () => {
    const arena = new Arena({ size: 1 << 20 });
    const g = guarded(arena, 200_000);
    pattern(200_000, 9).copy(g.view);
    for (const [compress, decompress] of [
      [zlib.deflateSync, zlib.inflateSync],
      [zlib.deflateRawSync, zlib.inflateRawSync],
      [zlib.gzipSync, zlib.gunzipSync],
      [zlib.brotliCompressSync, zlib.brotliDecompressSync],
    ] as const) {
      const packed = compress(g.view);
      const packedInArena = arena.alloc(packed.length);
      packed.copy(packedInArena);
      const unpacked = decompress(packedInArena);
      expect(unpacked.equals(g.view)).toBe(true);
    }
    // Async (callback) zlib over a live view, awaited before any reset.
    return new Promise<void>((resolve, reject) => {
      zlib.deflate(g.view, (err, packed) => {
        if (err) return reject(err);
        expect(zlib.inflateSync(packed).equals(g.view)).toBe(true);
        expect(g.intact()).toBe(true);
        arena.destroy();
        resolve();
      });
    });
  });

  it('TextEncoder.encodeInto and TextDecoder', () => {
    const arena = new Arena({ size: 4096 });
    const g = guarded(arena, 20, 1);
    const text = 'héllo wörld ✓ 𝄞 and more';
    const r = new TextEncoder().encodeInto(text, g.view);
    expect(r.written).toBeLessThanOrEqual(20);
    expect(new TextDecoder().decode(g.view.subarray(0, r.written))).toBe(text.slice(0, r.read));
    expect(g.intact()).toBe(true);
    const big = arena.alloc(200);
    const r2 = new TextEncoder().encodeInto(text, big);
    expect(r2.read).toBe(text.length);
    expect(big.toString('utf8', 0, r2.written)).toBe(text);
    arena.destroy();
  });

  it('Buffer methods on arena Buffers stay inside the view', () => {
    const arena = new Arena({ size: 1 << 16 });
    const g = guarded(arena, 64);
    const b = g.view;
    expect(Buffer.isBuffer(b)).toBe(true);
    expect(b.write('abcdef', 0, 'latin1')).toBe(6);
    expect(b.write('x'.repeat(1000), 10)).toBe(54); // truncated at the end of the view
    expect(b.toString('latin1', 0, 6)).toBe('abcdef');
    b.writeUInt32LE(0xdeadbeef, 60);
    expect(b.readUInt32LE(60)).toBe(0xdeadbeef);
    expect(() => b.writeUInt32LE(1, 62)).toThrow(RangeError);
    expect(() => b.readBigUInt64BE(60)).toThrow(RangeError);
    b.writeDoubleBE(Math.PI, 16);
    expect(b.readDoubleBE(16)).toBe(Math.PI);
    b.fill(0x41, 0, 8);
    expect(b.indexOf('AAAA')).toBe(0);
    expect(b.includes(0xef)).toBe(true);
    b.swap16();
    b.swap16();
    b.subarray(0, 8).swap32().swap32();
    b.subarray(0, 8).swap64();
    b.subarray(0, 8).swap64();
    expect(b.subarray(0, 4).toString()).toBe('AAAA');
    const other = arena.alloc(64).fill(1);
    expect(b.copy(other, 0, 0, 1000)).toBe(64);
    expect(other.equals(b)).toBe(true);
    expect(Buffer.compare(b, other)).toBe(0);
    expect(Buffer.concat([b.subarray(0, 4), other.subarray(0, 4)]).toString()).toBe('AAAAAAAA');
    expect(b.toString('base64').length).toBeGreaterThan(0);
    expect(Buffer.from(b.toString('hex'), 'hex').equals(b)).toBe(true);
    expect(b.toJSON().data).toHaveLength(64);
    expect(b.slice(2, 4).byteOffset).toBe(b.byteOffset + 2);
    expect(Buffer.byteLength(b)).toBe(64);
    expect(g.intact()).toBe(true);
    arena.destroy();
  });

  it('socket writes on a loopback net server deliver exactly the bytes written, epoch after epoch', async () => {
    const received: Buffer[] = [];
    const server = net.createServer((socket) => socket.on('data', (d) => received.push(d)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const arena = new Arena({ size: 4 << 20 });
    const expected: Buffer[] = [];
    for (let epoch = 0; epoch < 4; epoch++) {
      for (const size of [1, 100, 65_536, 1 << 20]) {
        const view = arena.alloc(size);
        pattern(size, epoch * 7 + size).copy(view);
        expected.push(Buffer.from(view));
        // The write must complete before the reset: the arena's bytes are the socket's until then.
        await new Promise<void>((resolve, reject) => client.write(view, (err) => (err ? reject(err) : resolve())));
      }
      arena.reset();
    }
    const total = expected.reduce((n, b) => n + b.length, 0);
    const deadline = Date.now() + 10_000;
    while (received.reduce((n, b) => n + b.length, 0) < total && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(received).equals(Buffer.concat(expected))).toBe(true);
    client.destroy();
    server.close();
    arena.destroy();
  });
});

describe('Node APIs given a view detached by reset, destroy or deinitThreadArena: throw or do nothing', () => {
  const detachedViews = (): [string, Buffer][] => {
    const a = new Arena({ size: 1 << 16 });
    const byReset = a.alloc(4096).fill(1);
    a.reset();
    const byDestroyArena = new Arena({ size: 1 << 16 });
    const byDestroy = byDestroyArena.alloc(4096).fill(2);
    byDestroyArena.destroy();
    const fb = new Arena({ size: 16, overflowStrategy: 'fallback' });
    const fallbackView = fb.alloc(4096).fill(3); // a fallback: a buffer of its own
    fb.reset();
    const byDeinit = threadArena().alloc(4096).fill(4);
    deinitThreadArena();
    for (const [, v] of [
      ['', byReset],
      ['', byDestroy],
      ['', fallbackView],
      ['', byDeinit],
    ] as const)
      expect(v.length).toBe(0);
    return [
      ['reset', byReset],
      ['destroy', byDestroy],
      ['fallback reset', fallbackView],
      ['deinitThreadArena', byDeinit],
    ];
  };

  it('fs, crypto, zlib, TextEncoder and Buffer methods', () => {
    const file = path.join(tmp, 'detached.bin');
    fs.writeFileSync(file, pattern(8192, 1));
    const fd = fs.openSync(file, 'r+');
    const seen = new Map<string, string>();
    let probes = 0;
    for (const [how, v] of detachedViews()) {
      const probe = (name: string, fn: () => unknown, check?: (value: unknown) => void) => {
        probes += 1;
        const o = outcome(fn);
        seen.set(name, o.threw ?? 'no throw');
        if (o.threw === null && check) check(o.value);
        // Whatever happened, the view stays empty and nothing else changed.
        expect(v.length, `${name} after ${how}`).toBe(0);
      };
      probe(
        'fs.writeSync',
        () => fs.writeSync(fd, v),
        (n) => expect(n).toBe(0),
      );
      probe(
        'fs.writeSync(offset)',
        () => fs.writeSync(fd, v, 0, 0, 0),
        (n) => expect(n).toBe(0),
      );
      probe(
        'fs.readSync',
        () => fs.readSync(fd, v, 0, 0, 0),
        (n) => expect(n).toBe(0),
      );
      probe('fs.readSync(len 16)', () => fs.readSync(fd, v, 0, 16, 0));
      probe('fs.writeFileSync', () => fs.writeFileSync(path.join(tmp, 'empty.bin'), v));
      probe(
        'crypto.randomFillSync',
        () => crypto.randomFillSync(v),
        (r) => expect((r as Buffer).length).toBe(0),
      );
      probe('crypto.randomFillSync(offset 8)', () => crypto.randomFillSync(v, 8));
      probe(
        'crypto.createHash',
        () => crypto.createHash('sha256').update(v).digest('hex'),
        (h) => expect(h).toBe(crypto.createHash('sha256').update(Buffer.alloc(0)).digest('hex')),
      );
      probe(
        'zlib.deflateSync',
        () => zlib.deflateSync(v),
        (r) => expect(zlib.inflateSync(r as Buffer).length).toBe(0),
      );
      probe('zlib.inflateSync', () => zlib.inflateSync(v));
      probe('zlib.gzipSync', () => zlib.gzipSync(v));
      probe('zlib.brotliCompressSync', () => zlib.brotliCompressSync(v));
      probe(
        'TextEncoder.encodeInto',
        () => new TextEncoder().encodeInto('hello', v),
        (r) => expect(r).toEqual({ read: 0, written: 0 }),
      );
      probe(
        'TextDecoder.decode',
        () => new TextDecoder().decode(v),
        (s) => expect(s).toBe(''),
      );
      probe(
        'Buffer#write',
        () => v.write('hello'),
        (n) => expect(n).toBe(0),
      );
      probe(
        'Buffer#toString',
        () => v.toString('hex'),
        (s) => expect(s).toBe(''),
      );
      probe('Buffer#fill', () => v.fill(7));
      probe('Buffer#readUInt32LE', () => v.readUInt32LE(0));
      probe('Buffer#writeUInt32LE', () => v.writeUInt32LE(1, 0));
      probe(
        'Buffer#copy from',
        () => v.copy(Buffer.alloc(8)),
        (n) => expect(n).toBe(0),
      );
      probe(
        'Buffer#copy into',
        () => Buffer.from('abcdefgh').copy(v),
        (n) => expect(n).toBe(0),
      );
      probe(
        'Buffer#equals',
        () => v.equals(Buffer.alloc(0)),
        (r) => expect(r).toBe(true),
      );
      probe('Buffer.compare', () => Buffer.compare(v, Buffer.alloc(1)));
      probe(
        'Buffer#indexOf',
        () => v.indexOf(1),
        (r) => expect(r).toBe(-1),
      );
      probe('Buffer#swap16', () => v.swap16());
      probe(
        'Buffer#subarray',
        () => v.subarray(0, 10),
        (r) => expect((r as Buffer).length).toBe(0),
      );
      probe('Buffer#slice', () => v.slice(0, 10));
      probe(
        'Buffer.concat',
        () => Buffer.concat([v, Buffer.from('x')]),
        (r) => expect((r as Buffer).toString()).toBe('x'),
      );
      probe(
        'Buffer.from(view)',
        () => Buffer.from(v),
        (r) => expect((r as Buffer).length).toBe(0),
      );
      probe('Buffer.from(view.buffer)', () => Buffer.from(v.buffer));
      probe('new Uint8Array(view.buffer)', () => new Uint8Array(v.buffer));
      probe(
        'Buffer.byteLength',
        () => Buffer.byteLength(v),
        (n) => expect(n).toBe(0),
      );
      probe('Buffer#toJSON', () => v.toJSON());
      probe('Buffer#readDoubleLE', () => v.readDoubleLE(0));
      probe('structuredClone', () => structuredClone(v));
      probe('structuredClone transfer', () => structuredClone(v, { transfer: [v.buffer] }));
    }
    fs.closeSync(fd);
    // The file was not written through a detached view.
    expect(fs.readFileSync(file).equals(pattern(8192, 1))).toBe(true);
    const throwing = [...seen.entries()].filter(([, t]) => t !== 'no throw').map(([n, t]) => `${n}: ${t}`);
    console.log(`[node-apis] ${probes} calls on detached views, none crashed; these throw: ${throwing.join('; ')}`);
  });

  it('socket.write of a detached view sends nothing and the connection stays usable', async () => {
    const received: Buffer[] = [];
    const server = net.createServer((socket) => socket.on('data', (d) => received.push(d)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const outcomes: string[] = [];
    for (const [how, v] of detachedViews()) {
      const o = await new Promise<string>((resolve) => {
        try {
          client.write(v, (err) => resolve(err ? `callback error ${err.name}` : 'written'));
        } catch (err) {
          resolve(`threw ${(err as Error).constructor.name}`);
        }
      });
      outcomes.push(`${how}: ${o}`);
    }
    await new Promise<void>((resolve) => client.write(Buffer.from('end'), () => resolve()));
    const deadline = Date.now() + 5000;
    while (Buffer.concat(received).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(received).toString()).toBe('end');
    console.log(`[node-apis] socket.write(detached view): ${outcomes.join('; ')}`);
    client.destroy();
    server.close();
  });
});

const MOVER = path.join(__dirname, '..', 'fixtures', 'robust', 'byob-transfer.cjs');

function runMover(flags: string[], how: string, kind: string) {
  // In a child process: the failure this looks for is a use after free.
  const child = spawnSync(process.execPath, [...flags, MOVER, how, kind], { encoding: 'utf8', timeout: 30_000 });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  console.log(
    `[node-apis] ${how} of a ${kind} arena view's ArrayBuffer: status ${child.status}, signal ${child.signal}, ${line}`,
  );
  expect(child.signal, child.stderr).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  const result = JSON.parse(line);
  // The mover owns what it moved: for an arena view the arena's whole block
  // (capacity + hostedSlack, the view's 16 bytes included), for a fallback
  // only the fallback's own buffer (its alignment padding at most beyond it).
  const beyond = result.movedBeyondView;
  if (kind === 'fallback') expect(beyond).toBeLessThanOrEqual(8);
  else expect(beyond).toBe(result.size + LIMITS.hostedSlackBytes - 16);
  // Nothing throws: the arena goes on with fresh memory, resets and is destroyed
  // as usual; the moved buffer never sees another epoch's bytes, keeps its own,
  // and writes through it never land in memory handed out again.
  expect(result).toEqual({
    how,
    kind,
    size: kind === 'fallback' ? 64 : result.size,
    moveThrew: null,
    movedBeyondView: beyond,
    allocAfterMove: 'ok',
    reset: 'ok',
    allocAfterReset: null,
    destroy: 'ok',
    staleAfterReset: false,
    movedKept: true,
    otherArenaCorrupted: false,
  });
}

describe('Node APIs that move (detach) the ArrayBuffer they are given', () => {
  const flags = transferFlags();
  for (const kind of ['instance', 'thread', 'fallback']) {
    it(`a ReadableStream BYOB read of a ${kind} arena view: the reader owns the memory, the arena goes on with fresh memory`, () => {
      runMover([], 'byob', kind);
    });
    it.skipIf(flags === null)(
      `ArrayBuffer.prototype.transfer() of a ${kind} arena view: the caller owns the memory, the arena goes on with fresh memory ${NEEDS_TRANSFER}`,
      () => {
        runMover(flags!, 'transfer', kind);
      },
    );
  }
});
