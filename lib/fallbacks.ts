// Fallback allocations: requests the library counted as fallbacks (strategy
// `fallback`, and the arena full) get an engine-owned ArrayBuffer each, which
// lives until the epoch ends like any view of the arena.
import { binding } from './binding';
import { bury, moveOut, reserveMemory } from './memory';
import { bareList } from './primordials';

/** One epoch's fallback buffers, and the last one served until its view is made. */
export class Fallbacks {
  // Made on first use: most epochs have no fallback, and a pool makes an arena handle per use.
  #buffers: ArrayBuffer[] | null = null;
  #last: ArrayBuffer | null = null;
  /** Where the last one's bytes start: its first address aligned as asked. */
  start = 0;

  /** Reserves `size` bytes aligned to `alignment`, for take() to hand over. */
  serve(size: number, alignment: number): void {
    const padding = alignment > 1 ? alignment : 0;
    const memory = reserveMemory(size + padding);
    this.start = padding === 0 ? 0 : binding.paddingFor(memory, alignment);
    this.#last = memory;
    if (size + padding === 0) return;
    if (this.#buffers === null) this.#buffers = bareList();
    this.#buffers[this.#buffers.length] = memory;
  }

  /** The buffer serve() reserved; its view starts at `start`. */
  take(): ArrayBuffer {
    const buffer = this.#last!;
    this.#last = null;
    return buffer;
  }

  /** Detaches every buffer of the epoch; their memory goes once the current task has ended. */
  drop(): void {
    const buffers = this.#buffers;
    if (buffers === null) return;
    this.#buffers = null;
    for (let i = 0; i < buffers.length; i++) {
      const moved = moveOut(buffers[i]);
      if (moved !== null) bury(moved);
    }
  }
}
